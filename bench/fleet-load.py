#!/usr/bin/env python3
"""Load N synthetic hosts into etcd through its v3 JSON gateway, for
bench/fleet.sh: hv-00000 ... from the three record fixtures, in turn, each
record under hosts/ and, as seoibd publishes it, its listing summary under
summaries/ (made by bench/host-summary, so never a second derivation here).
With PROBE_TIME=SECONDS in the environment every record (and its summary)
says it was probed then, so that a decision finds it fresh (the fixtures'
own probe time is older than the default max-record-age).
Usage: fleet-load.py URL PREFIX N HOST-SUMMARY-BINARY FIXTURE..."""
import base64
import http.client
import json
import os
import subprocess
import sys
import time
import urllib.parse


def b64(text):
    return base64.b64encode(text.encode()).decode()


def main():
    url, prefix, count, summarise, fixtures = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5:]
    records = [json.load(open(path)) for path in fixtures]
    summaries = [json.loads(subprocess.check_output([summarise, path])) for path in fixtures]
    if "PROBE_TIME" in os.environ:
        when = int(os.environ["PROBE_TIME"])
        for record in records:
            record["probe"] = dict(record["probe"], time_unix=when,
                                   time=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(when)))
        for summary in summaries:
            summary["probe_time"] = when
    where = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    # 50 hosts a transaction: 100 puts, under etcd's --max-txn-ops (128).
    for first in range(0, count, 50):
        puts = []
        for i in range(first, min(first + 50, count)):
            name = f"hv-{i:06d}" if count > 99999 else f"hv-{i:05d}"
            record = dict(records[i % len(records)])
            record["host"] = dict(record["host"], hostname=name)
            summary = dict(summaries[i % len(summaries)], hostname=name)
            puts += [{"request_put": {"key": b64(f"{prefix}{d}/{name}"), "value": b64(json.dumps(v))}}
                     for d, v in (("hosts", record), ("summaries", summary))]
        conn.request("POST", "/v3/kv/txn", json.dumps({"success": puts}), {"Content-Type": "application/json"})
        reply = conn.getresponse()
        reply.read()
        if reply.status != 200:
            sys.exit(f"put from host {first} failed: HTTP {reply.status}")


main()
