#!/usr/bin/env python3
"""A hostile etcd v3 JSON gateway on loopback, for tests/fleet/hostile.sh.

    fake_etcd.py PORT-FILE LOG-FILE REPLIES-FILE

Answers every POST under /v3/ like a healthy etcd 3.4 gateway, except the
paths named in REPLIES-FILE, one PATH=BODY a line ('*' = every path), which
get BODY, with HTTP 200, verbatim. REPLIES-FILE is read again for each
request, so one server serves test after test. A few BODYs are generated:
    @advance   a range page of one key just past the key asked for, always
               with "more": true: well-formed, and never ending
    @huge      33 MiB of JSON, past the client's reply limit
    @http500   HTTP 500 with a body full of terminal escapes
A keys-only range gets the line for /v3/kv/range?keys_only when there is
one, and a range over <prefix>hosts/ (a listing reading the records, after
the summaries) the line for /v3/kv/range?hosts; else the line for its path.
It listens on 127.0.0.1 on a free port, writes that port to PORT-FILE once
listening, and appends each request's path to LOG-FILE (one per line).
"""
import base64
import http.server
import json
import os
import sys

GOOD = {
    "/v3/lease/grant": {"ID": "7587", "TTL": "2"},
    "/v3/lease/keepalive": {"result": {"ID": "7587", "TTL": "2"}},
    "/v3/lease/revoke": {},
    "/v3/kv/put": {},
    "/v3/kv/txn": {"succeeded": True},
    "/v3/kv/range": {},
    "/v3/auth/authenticate": {"token": "fake.token.1"},
}


def b64(data):
    return base64.b64encode(data).decode()


def advance(request):
    # The client asks from the last key + "\0"; the last key + "a" is past it.
    start = base64.b64decode(request.get("key", "")).rstrip(b"\0")
    page = {"kvs": [{"key": b64(start + b"a"), "value": b64(b"{}")}], "more": True}
    return 200, json.dumps(page).encode()


def generated(name, request):
    if name == "@advance":
        return advance(request)
    if name == "@huge":
        return 200, b'{"pad": "' + b"x" * (33 << 20) + b'"}'
    if name == "@http500":
        return 500, b'{"message": "\x1b[2J\x1b]0;owned\x07 \xc2\x9b31m gone"}'
    raise ValueError(name)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        with open(self.server.log, "a") as log:
            log.write(self.path + "\n")
        with open(self.server.replies, encoding="utf-8") as f:
            replies = dict(line.rstrip("\n").split("=", 1) for line in f if "=" in line)
        try:
            request = json.loads(raw or b"{}")
        except ValueError:
            request = {}
        body = None
        if isinstance(request, dict) and request.get("keys_only") is True:
            body = replies.get(self.path + "?keys_only")
        elif isinstance(request, dict) and "range_end" in request and \
                b"/hosts/" in base64.b64decode(request.get("key", "")):
            body = replies.get(self.path + "?hosts")
        if body is None:
            body = replies.get(self.path, replies.get("*"))
        if body is None:
            status, data = 200, json.dumps(GOOD.get(self.path, {})).encode()
        elif body.startswith("@"):
            status, data = generated(body, request)
        else:
            status, data = 200, body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        try:
            self.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading: that is the point of @huge

    def log_message(self, *args):
        pass


def main():
    port_file, log_file, replies = sys.argv[1:4]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.replies, server.log = replies, log_file
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(tmp, port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
