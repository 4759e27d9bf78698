#!/bin/bash
# Host names Linux accepts but RFC 1123 does not ("hv_01", "(none)", "a;b"):
# what the writer writes, every reader reads. In a private UTS namespace
# (unshare --uts; busybox hostname, since util-linux hostname refuses
# "hv_01" while the kernel does not), the real seoibd publishes an "ok"
# record under the shim, `seoibctl status` and `seoibctl policy --host` read
# it, and `seoibctl probe` writes one that `policy --host` reads too.
set -euo pipefail
if [ -z "${SEOIB_IN_UTS:-}" ]; then
	[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (unshare --uts)"; exit 77; }
	command -v busybox >/dev/null || { echo "SKIP: busybox is not installed"; exit 77; }
	unshare --uts true 2>/dev/null || { echo "SKIP: cannot create a UTS namespace here"; exit 77; }
	exec env SEOIB_IN_UTS=1 unshare --uts "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-bus-here
GUEST=$SEOIB_SOURCE_ROOT/tests/policy/data/inkernel-default.xml
write_config
find_shim

for name in hv_01 '(none)' 'a;b' 'Host_With.UPPER-case_'; do
	busybox hostname "$name"
	[ "$(cat /proc/sys/kernel/hostname)" = "$name" ] || fail "could not name this namespace '$name'"
	rm -f "$RECORD"
	start_daemon fixed --no-bus
	stop_daemon
	jq -e --arg h "$name" '.status == "ok" and .host.hostname == $h and .last_probe.status == "ok"' "$RECORD" >/dev/null ||
		fail "seoibd on a host named '$name': $(head -c 400 "$RECORD"); log: $(tail -n 5 "$WORK/seoibd.log")"
	rc=0; "$SEOIBCTL" status --config "$CONFIG" >"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" = 0 ] || fail "status on a host named '$name': exit $rc: $(cat "$WORK/err")"
	rc=0; "$SEOIBCTL" policy --xml "$GUEST" --host "$RECORD" --json >"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" = 0 ] && jq -e --arg h "$name" '.host.hostname == $h' "$WORK/out" >/dev/null ||
		fail "policy --host with seoibd's record of '$name': exit $rc: $(cat "$WORK/err")"

	rc=0; LD_PRELOAD=$FAKEKVM FAKEKVM_SCENARIO=fixed "$SEOIBCTL" probe --config "$CONFIG" --no-vmm --json \
		>"$WORK/probe.json" 2>"$WORK/err" || rc=$?
	jq -e --arg h "$name" '.status == "ok" and .host.hostname == $h' "$WORK/probe.json" >/dev/null ||
		fail "seoibctl probe on a host named '$name': exit $rc: $(cat "$WORK/err")"
	rc=0; "$SEOIBCTL" policy --xml "$GUEST" --host "$WORK/probe.json" >"$WORK/out" 2>"$WORK/err" || rc=$?
	[ "$rc" = 0 ] || fail "policy --host with seoibctl probe's record of '$name': exit $rc: $(cat "$WORK/err")"
done

# A name that reaches ssh still gets the strict rule, with a sentence.
rc=0; "$SEOIBCTL" check --dest hv_01 -c test:///default >"$WORK/out" 2>"$WORK/err" || rc=$?
[ "$rc" = 2 ] && grep -q "host name" "$WORK/err" || fail "check --dest hv_01: exit $rc: $(cat "$WORK/err")"
echo "PASS"
