#!/usr/bin/python3
"""Decide() with hostile domain XML, as an unprivileged caller would send it.

Usage: decide-hostile.py BUS_ADDRESS GENERATOR
Each XML of issue 11 (25,000 / 75,000 / 200,000 attributes on one element)
must come back as org.seoib1.Error.InvalidXML naming the bound, while a
second connection keeps reading a property: each Get must answer within
the 10 s D-Bus timeout (a generous bound, not a measurement).
"""
import multiprocessing
import subprocess
import sys

import dbus

ADDRESS, GEN = sys.argv[1], sys.argv[2]


def host(conn):
    return conn.get_object("org.seoib1", "/org/seoib1")


def decide_all(results):
    conn = dbus.bus.BusConnection(ADDRESS)
    iface = dbus.Interface(host(conn), "org.seoib1.Host")
    for n in (25000, 75000, 200000):
        xml = subprocess.run([sys.executable, GEN, "attrs", str(n)], check=True, capture_output=True,
                             text=True).stdout
        try:
            iface.Decide(xml, dbus.Array([], signature="s"), timeout=60)
            results.put("Decide() with %d attributes answered a decision instead of refusing" % n)
            return
        except dbus.DBusException as e:
            name, msg = e.get_dbus_name(), e.get_dbus_message()
            if name != "org.seoib1.Error.InvalidXML" or ("more than 128 attributes" not in msg and
                                                         "larger than 2 MiB" not in msg):
                results.put("Decide() with %d attributes: %s: %s" % (n, name, msg))
                return
    # Over the bound every reader of domain XML applies (2 MiB), and over the
    # 4 MiB the D-Bus method once checked on its own: the same refusal.
    xml = subprocess.run([sys.executable, GEN, "bytes", str(5 << 20)], check=True, capture_output=True,
                         text=True).stdout
    try:
        iface.Decide(xml, dbus.Array([], signature="s"), timeout=60)
        results.put("Decide() with 5 MiB of XML answered a decision instead of refusing")
        return
    except dbus.DBusException as e:
        name, msg = e.get_dbus_name(), e.get_dbus_message()
        if name != "org.seoib1.Error.InvalidXML" or "larger than 2 MiB" not in msg:
            results.put("Decide() with 5 MiB of XML: %s: %s" % (name, msg))
            return
    results.put(None)


def main():
    results = multiprocessing.Queue()
    caller = multiprocessing.Process(target=decide_all, args=(results,))
    caller.start()
    conn = dbus.bus.BusConnection(ADDRESS)
    props = dbus.Interface(host(conn), "org.freedesktop.DBus.Properties")
    gets = 0
    while caller.is_alive() or gets == 0:
        props.Get("org.seoib1.Host", "Generation", timeout=10)  # raises after 10 s
        gets += 1
    caller.join(timeout=120)
    why = results.get(timeout=5)
    if why:
        print("FAIL: %s" % why, file=sys.stderr)
        return 1
    print("PASS: hostile Decide() refused, %d concurrent Get() answered" % gets)
    return 0


sys.exit(main())
