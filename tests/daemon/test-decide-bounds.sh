#!/bin/bash
# Decide() is open to every local user: a domain XML over guest_facts.h's
# bounds (issue 11: 25,000 to 200,000 attributes on one element) is refused
# with InvalidXML before libxml2 sees it, and the loop keeps answering Get()
# meanwhile. The calls come from nobody, as an attacker's would.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

/usr/bin/python3 -c 'import dbus' 2>/dev/null || skip "python3-dbus (/usr/bin/python3) is not installed"
start_bus
write_config
start_daemon fixed
cp "$HERE/decide-hostile.py" "$SEOIB_SOURCE_ROOT/tests/policy/make-hostile-xml.py" "$WORK/"
chmod 0755 "$WORK"/*.py
as_nobody /usr/bin/python3 "$WORK/decide-hostile.py" "$DBUS_SYSTEM_BUS_ADDRESS" "$WORK/make-hostile-xml.py"
kill -0 "$DAEMON_PID" || fail "seoibd died"
stop_daemon
