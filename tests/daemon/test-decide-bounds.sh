#!/bin/bash
# Decide() is open to every local user: a domain XML over guest_facts.h's
# bounds (issue 11: 25,000 to 200,000 attributes on one element) is refused
# with InvalidXML before libxml2 sees it, and the loop keeps answering Get()
# meanwhile; a caller over Decide()'s bounds is refused with a sentence
# (decide-busy.py). The calls come from nobody, as an attacker's would.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

/usr/bin/python3 -c 'import dbus' 2>/dev/null || skip "python3-dbus (/usr/bin/python3) is not installed"
start_bus
write_config
start_daemon fixed
cp "$HERE/decide-hostile.py" "$SEOIB_SOURCE_ROOT/tests/policy/make-hostile-xml.py" "$WORK/"
chmod 0755 "$WORK"/*.py
as_nobody /usr/bin/python3 "$WORK/decide-hostile.py" "$DBUS_SYSTEM_BUS_ADDRESS" "$WORK/make-hostile-xml.py"
# The bound per caller (issue 20): one connection's pipelined calls over
# it are refused as Busy with a sentence, 257 targets as InvalidArgs.
cp "$HERE/decide-busy.py" "$SEOIB_SOURCE_ROOT/tests/policy/data/win-hyperv-legacy.xml" \
	"$SEOIB_SOURCE_ROOT/tests/record/data/fixed-control.json" "$WORK/"
chmod 0644 "$WORK/win-hyperv-legacy.xml" "$WORK/fixed-control.json"
chmod 0755 "$WORK/decide-busy.py"
as_nobody /usr/bin/python3 "$WORK/decide-busy.py" "$DBUS_SYSTEM_BUS_ADDRESS" "$WORK/win-hyperv-legacy.xml" \
	"$WORK/fixed-control.json"
kill -0 "$DAEMON_PID" || fail "seoibd died"
stop_daemon
