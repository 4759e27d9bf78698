#!/usr/bin/python3
"""Print the name of every file created or renamed into a directory.

Usage: watch-creates.py DIR SECONDS
inotify(7) through libc (Debian's Python has no inotify module): IN_CREATE
and IN_MOVED_TO, one name a line, flushed, until SECONDS pass or SIGTERM.
Prints "watching" first, once the watch is in place.
"""
import ctypes
import os
import select
import struct
import sys
import time

IN_CREATE, IN_MOVED_TO = 0x100, 0x80


def main():
    directory, seconds = sys.argv[1], float(sys.argv[2])
    libc = ctypes.CDLL(None, use_errno=True)
    fd = libc.inotify_init1(os.O_CLOEXEC)
    if fd < 0 or libc.inotify_add_watch(fd, directory.encode(), IN_CREATE | IN_MOVED_TO) < 0:
        print(f"watch-creates.py: cannot watch {directory}: {os.strerror(ctypes.get_errno())}", file=sys.stderr)
        return 1
    print("watching", flush=True)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if not select.select([fd], [], [], left)[0]:
            continue
        buf = os.read(fd, 65536)
        while buf:
            _, _, _, name_len = struct.unpack_from("iIII", buf)
            name = buf[16:16 + name_len].split(b"\0", 1)[0].decode(errors="replace")
            print(name, flush=True)
            buf = buf[16 + name_len:]
    return 0


if __name__ == "__main__":
    sys.exit(main())
