#!/bin/bash
# seoibd checks Reprobe()'s caller itself: on a bus whose policy lets anyone
# call anything, an unprivileged peer is still refused by the daemon, and root
# is not.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v busctl >/dev/null || skip "busctl is not installed"
command -v setpriv >/dev/null || skip "setpriv is not installed"
[ "$(id -u)" -eq 0 ] || skip "needs root to play both a root and an unprivileged peer"

BUS_POLICY=open start_bus
write_config
start_daemon fixed
before=$(last_probe_time)
command -v dbus-send >/dev/null || skip "dbus-send is not installed"
# dbus-send prints the error's message (busctl maps AccessDenied to strerror).
as_nobody timeout 10 dbus-send --bus="$DBUS_SYSTEM_BUS_ADDRESS" --print-reply --dest=org.seoib1 /org/seoib1 \
	org.seoib1.Host.Reprobe >/dev/null 2>"$WORK/deny.err" && fail "seoibd let uid 65534 re-probe"
grep -q 'only root may ask seoibd to re-probe' "$WORK/deny.err" ||
	fail "the refusal did not come from seoibd: $(cat "$WORK/deny.err")"
[ "$(last_probe_time)" = "$before" ] || fail "a refused Reprobe() still probed"
bus call org.seoib1 /org/seoib1 org.seoib1.Host Reprobe || fail "root's Reprobe() was refused"
probed_since "$before" || fail "root's Reprobe() did not probe"
stop_daemon
echo "PASS"
