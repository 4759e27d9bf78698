#!/usr/bin/env python3
"""SIGHUP while seoibd is still starting must not kill it.

Usage: sighup-early.py ROUNDS CONFIG SEOIBD [ARGS...]
Each round starts SEOIBD ARGS (which must read CONFIG) with a fanotify
permission mark on CONFIG: the daemon's open() of its configuration waits
for our answer, we send SIGHUP while it waits, then allow the open. The
signal is thus always delivered inside main(), before the event loop
exists; seoibd must block it from main()'s first line and exit by itself
(--check-config: status 0), never die of the signal. Needs CAP_SYS_ADMIN
(fanotify_init(2)); exits 77 without it.
"""
import ctypes
import os
import select
import signal
import struct
import subprocess
import sys

FAN_CLOEXEC = 0x1
FAN_CLASS_CONTENT = 0x4
FAN_MARK_ADD = 0x1
FAN_OPEN_PERM = 0x10000
FAN_ALLOW = 0x1
AT_FDCWD = -100
EVENT = struct.Struct("IBBHQii")  # struct fanotify_event_metadata


def fanotify_on(path):
    libc = ctypes.CDLL(None, use_errno=True)
    libc.fanotify_mark.argtypes = [ctypes.c_int, ctypes.c_uint, ctypes.c_uint64, ctypes.c_int, ctypes.c_char_p]
    fan = libc.fanotify_init(FAN_CLOEXEC | FAN_CLASS_CONTENT, os.O_RDONLY)
    if fan < 0:
        print("SKIP: fanotify_init: %s" % os.strerror(ctypes.get_errno()), file=sys.stderr)
        sys.exit(77)
    if libc.fanotify_mark(fan, FAN_MARK_ADD, FAN_OPEN_PERM, AT_FDCWD, path.encode()) < 0:
        print("SKIP: fanotify_mark: %s" % os.strerror(ctypes.get_errno()), file=sys.stderr)
        sys.exit(77)
    return fan


def one_round(fan, argv):
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    signalled = False
    while child.poll() is None:
        ready, _, _ = select.select([fan], [], [], 10)
        if not ready:
            child.kill()
            return "no open() of the configuration within 10 s"
        data = os.read(fan, 4096)
        for off in range(0, len(data), EVENT.size):
            _, _, _, _, _, fd, pid = EVENT.unpack_from(data, off)
            if pid == child.pid and not signalled:
                os.kill(pid, signal.SIGHUP)  # pending while the open waits
                signalled = True
            os.write(fan, struct.pack("iI", fd, FAN_ALLOW))
            os.close(fd)
        if signalled:
            break
    _, err = child.communicate(timeout=30)
    if not signalled:
        return "seoibd exited before opening its configuration: %s" % err.decode(errors="replace")
    if child.returncode < 0:
        return "seoibd died of signal %s during start-up" % signal.Signals(-child.returncode).name
    if child.returncode != 0:
        return "seoibd exited with status %d: %s" % (child.returncode, err.decode(errors="replace"))
    return None


def main():
    rounds, config, argv = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
    fan = fanotify_on(config)
    for n in range(1, rounds + 1):
        why = one_round(fan, argv)
        if why:
            print("FAIL: round %d: %s" % (n, why), file=sys.stderr)
            return 1
    print("PASS: seoibd survived SIGHUP during start-up %d times" % rounds)
    return 0


sys.exit(main())
