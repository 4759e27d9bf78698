#!/usr/bin/env python3
"""Own a NOTIFY_SOCKET for a daemon under test (sd_notify(3) datagrams).

Usage: notify-listen.py SOCKET TIMEOUT_S [--all]
Binds SOCKET, prints every datagram received (one line per assignment), and
exits 0 as soon as one carries READY=1; exits 1 after TIMEOUT_S without it.
With --all it prints every datagram until TIMEOUT_S, then exits 1.
"""
import os
import socket
import sys
import time


def main():
    path, timeout = sys.argv[1], float(sys.argv[2])
    keep = sys.argv[3:] == ["--all"]
    deadline = time.monotonic() + timeout
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    os.chmod(path, 0o777)
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            print("notify-listen: no READY=1 within %.1f s" % timeout, file=sys.stderr)
            return 1
        sock.settimeout(left)
        try:
            data = sock.recv(65536).decode("utf-8", "replace")
        except socket.timeout:
            continue
        for line in data.splitlines():
            print(line, flush=True)
        if "READY=1" in data.splitlines() and not keep:
            return 0


if __name__ == "__main__":
    sys.exit(main())
