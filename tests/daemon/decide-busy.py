#!/usr/bin/python3
"""Decide()'s bounds per caller, as an unprivileged caller meets them.

Usage: decide-busy.py BUS_ADDRESS DOMAIN_XML TARGET_RECORD
One connection sends 6 Decide() calls with 256 target records each without
waiting for answers. seoibd keeps at most 2 calls of one connection
(daemon/decide.c), and a call of 256 records takes it many slices, so some
of the 6 must come back as org.seoib1.Error.Busy with its sentence, the
others as decisions; no other answer. Then 257 targets: InvalidArgs.
Not a timing assert: which calls are refused is not checked, only that the
bound exists and says so.
"""
import json
import sys

import dbus
import dbus.mainloop.glib
from gi.repository import GLib

ADDRESS, XML_PATH, RECORD_PATH = sys.argv[1:4]
CALLS = 6
BUSY = "org.seoib1.Error.Busy"
SENTENCE = ("seoibd is already deciding 2 Decide() calls of this connection, as many as one connection may "
            "have waiting; wait for their answers before calling again")


def main():
    dbus.mainloop.glib.DBusGMainLoop(set_as_default=True)
    xml = open(XML_PATH).read()
    record = open(RECORD_PATH).read()
    conn = dbus.bus.BusConnection(ADDRESS)
    host = dbus.Interface(conn.get_object("org.seoib1", "/org/seoib1"), "org.seoib1.Host")
    loop = GLib.MainLoop()
    answers = []

    def done(what):
        answers.append(what)
        if len(answers) == CALLS:
            loop.quit()

    args = dbus.Array([record] * 256, signature="s")
    for _ in range(CALLS):
        host.Decide(xml, args, timeout=120,
                    reply_handler=lambda d: done(("decision", str(d))),
                    error_handler=lambda e: done((e.get_dbus_name(), e.get_dbus_message())))
    GLib.timeout_add_seconds(150, loop.quit)
    loop.run()
    if len(answers) != CALLS:
        return "only %d of %d pipelined Decide() calls were answered within 150 s" % (len(answers), CALLS)
    busy = [a for a in answers if a[0] == BUSY]
    decided = [a for a in answers if a[0] == "decision"]
    other = [a for a in answers if a[0] not in (BUSY, "decision")]
    if other:
        return "a pipelined Decide() got %s: %s" % other[0]
    if not busy:
        return "%d pipelined Decide() calls of one connection were all decided: no bound per caller" % CALLS
    if not decided:
        return "every pipelined Decide() call was refused, not only those over the bound"
    for name, msg in busy:
        if msg != SENTENCE:
            return "the refusal says '%s', not '%s'" % (msg, SENTENCE)
    for _, text in decided:
        json.loads(text)
    try:
        host.Decide(xml, dbus.Array([record] * 257, signature="s"), timeout=120)
        return "Decide() with 257 targets answered a decision instead of refusing"
    except dbus.DBusException as e:
        if e.get_dbus_name() != "org.freedesktop.DBus.Error.InvalidArgs" or \
                e.get_dbus_message() != "more than 256 target records; decide for fewer targets at a time":
            return "Decide() with 257 targets: %s: %s" % (e.get_dbus_name(), e.get_dbus_message())
    print("PASS: %d of %d pipelined calls refused as Busy, %d decided; 257 targets refused"
          % (len(busy), CALLS, len(decided)))
    return None


why = main()
if why:
    print("FAIL: %s" % why, file=sys.stderr)
    sys.exit(1)
