#!/bin/bash
# Decide() round-trip latency over D-Bus (goal < 2 ms median): one client
# connection, N calls with a real domain XML, median and p95 of the wall time
# of each call as the client sees it (python3-dbus client, so its own
# marshalling overhead is included; a GetId() call to the bus itself is timed
# the same way as the baseline).
# Usage: bench/daemon-decide.sh BUILD_DIR [CALLS]   (as root)
set -euo pipefail
export SEOIB_BUILD_ROOT=$(realpath "${1:?usage: $0 BUILD_DIR [CALLS]}")
export SEOIB_SOURCE_ROOT=$(realpath "$(dirname "$0")/..")
export SEOIBCTL=$SEOIB_BUILD_ROOT/cli/seoibctl
CALLS=${2:-2000}
XML=${XML:-$SEOIB_SOURCE_ROOT/tests/policy/data/win-hyperv-legacy.xml}
. "$SEOIB_SOURCE_ROOT/tests/daemon/lib.sh"

/usr/bin/python3 -c 'import dbus' 2>/dev/null || skip "python3-dbus (/usr/bin/python3) is not installed"
start_bus
write_config
start_daemon "${FAKEKVM_SCENARIO:-fixed}"

/usr/bin/python3 - "$DBUS_SYSTEM_BUS_ADDRESS" "$XML" "$CALLS" <<'PY'
import statistics, sys, time
import dbus

address, xml_path, calls = sys.argv[1], sys.argv[2], int(sys.argv[3])
xml = open(xml_path).read()
bus = dbus.bus.BusConnection(address)
host = dbus.Interface(bus.get_object("org.seoib1", "/org/seoib1"), "org.seoib1.Host")
daemon = dbus.Interface(bus.get_object("org.freedesktop.DBus", "/org/freedesktop/DBus"), "org.freedesktop.DBus")

def timed(call):
    samples = []
    for _ in range(calls):
        t = time.perf_counter()
        call()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95)]

host.Decide(xml, dbus.Array([], signature="s"))  # warm up
d_med, d_p95 = timed(lambda: host.Decide(xml, dbus.Array([], signature="s")))
b_med, b_p95 = timed(lambda: daemon.GetId())
print("Decide() over D-Bus, %d calls, %d-byte XML: median %.3f ms, p95 %.3f ms" % (calls, len(xml), d_med, d_p95))
print("baseline GetId() to the bus:                 median %.3f ms, p95 %.3f ms" % (b_med, b_p95))
PY
