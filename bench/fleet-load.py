#!/usr/bin/env python3
"""Load N synthetic host records into etcd through its v3 JSON gateway, for
bench/fleet.sh: hv-00000 ... from the three record fixtures, in turn.
Usage: fleet-load.py URL PREFIX N FIXTURE..."""
import base64
import http.client
import json
import sys
import urllib.parse


def b64(text):
    return base64.b64encode(text.encode()).decode()


def main():
    url, prefix, count, fixtures = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    records = [json.load(open(path)) for path in fixtures]
    where = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(where.hostname, where.port, timeout=10)
    for i in range(count):
        record = dict(records[i % len(records)])
        record["host"] = dict(record["host"], hostname=f"hv-{i:05d}")
        body = json.dumps({"key": b64(f"{prefix}hosts/hv-{i:05d}"), "value": b64(json.dumps(record))})
        conn.request("POST", "/v3/kv/put", body, {"Content-Type": "application/json"})
        reply = conn.getresponse()
        reply.read()
        if reply.status != 200:
            sys.exit(f"put hv-{i:05d} failed: HTTP {reply.status}")


main()
