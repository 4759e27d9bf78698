#!/bin/bash
# etcd never blocks D-Bus (docs/fleet.md): with 16 etcd endpoints that accept
# and never answer, each request of the publisher waits 1 s per endpoint;
# meanwhile every D-Bus Get must answer within 5 s (a
# generous bound, not a measurement: a blocking publisher held the loop for
# 16 s per attempt), and the publisher must report the outage.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v busctl >/dev/null || skip "busctl is not installed"
python3 "$HERE/dead-etcd.py" 16 "$WORK/etcd-urls" 2>"$WORK/dead-etcd.log" &
LISTENER=$!
STARTED_PIDS+=("$LISTENER")
wait_until 10 test -s "$WORK/etcd-urls" || fail "the dead etcd listeners did not start"
# They must accept (a refused connection would fail fast and prove nothing).
for url in $(tr , ' ' <"$WORK/etcd-urls"); do
	port=${url##*:}
	(exec 3<>"/dev/tcp/127.0.0.1/$port") || fail "dead etcd listener $url does not accept"
done
start_bus
write_config "etcd-endpoints=$(cat "$WORK/etcd-urls")" etcd-lease-ttl=3
start_daemon fixed
# The publisher starts right after READY=1: Gets from here on overlap its
# requests, until it reports the outage (after 16 endpoints x 1 s) and then
# for a few more seconds of retries.
reported() { grep -q 'etcd: not published (cannot reach etcd at http://127.0.0.1:[0-9]*: Timeout was reached' "$WORK/seoibd.log"; }
gets=0 after=0
deadline=$(($(date +%s) + 60))
while [ "$after" -lt 10 ]; do
	[ "$(date +%s)" -lt "$deadline" ] ||
		fail "the publisher did not report a timeout of the dead endpoints within 60 s: $(grep etcd "$WORK/seoibd.log" | tail -3)"
	# busctl's --timeout does not cover get-property: timeout(1) does.
	timeout 5 busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" get-property org.seoib1 /org/seoib1 \
		org.seoib1.Host Generation >/dev/null || fail "Get $gets did not answer within 5 s while etcd hangs"
	gets=$((gets + 1))
	if reported; then after=$((after + 1)); fi
	sleep 0.2
done
kill -0 "$LISTENER" || fail "the dead etcd listeners died: $(cat "$WORK/dead-etcd.log")"
stop_daemon
echo "PASS ($gets Gets answered while the publisher waited on dead endpoints)"
