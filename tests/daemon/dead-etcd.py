#!/usr/bin/env python3
"""Dead etcd endpoints: loopback listeners that accept and never answer.

Usage: dead-etcd.py N URLS_FILE
Listens on N ephemeral ports of 127.0.0.1, writes the comma-separated
http:// URLs to URLS_FILE, then accepts every connection and holds it open,
reading nothing and answering nothing, until killed. This is an etcd whose
process is wedged (or a black-holing proxy): the TCP handshake succeeds, so
only a request timeout ends a client's wait.
"""
import os
import selectors
import socket
import sys


def main():
    n, urls_file = int(sys.argv[1]), sys.argv[2]
    sel = selectors.DefaultSelector()
    urls = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.bind(("127.0.0.1", 0))
        s.listen(64)
        sel.register(s, selectors.EVENT_READ)
        urls.append("http://127.0.0.1:%d" % s.getsockname()[1])
    tmp = urls_file + ".tmp"
    with open(tmp, "w") as f:
        f.write(",".join(urls) + "\n")
    os.rename(tmp, urls_file)
    held = []
    while True:
        for key, _ in sel.select():
            try:
                conn, _ = key.fileobj.accept()
            except OSError:  # the client gave up before we accepted
                continue
            held.append(conn)  # never read, never answered, never closed
            if len(held) > 4096:
                held.pop(0).close()


sys.exit(main())
