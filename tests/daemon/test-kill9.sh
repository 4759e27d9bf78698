#!/bin/bash
# kill -9 at random points while seoibd re-probes and rewrites the record as
# fast as it can: the record is never torn or empty, and a restart cleans up
# the temporary file a killed write leaves behind.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROUNDS=${KILL9_ROUNDS:-10}
write_config
start_daemon fixed --no-bus
stop_daemon

for round in $(seq "$ROUNDS"); do
	start_daemon fixed --no-bus
	# SIGHUP storm: probes queue back to back, each one ending in a write.
	deadline=$(($(date +%s%N) + (RANDOM % 400 + 50) * 1000000))
	while [ "$(date +%s%N)" -lt "$deadline" ]; do
		kill -HUP "$DAEMON_PID" 2>/dev/null || fail "seoibd died during the SIGHUP storm (round $round)"
		sleep 0.0$((RANDOM % 5))
	done
	kill -KILL "$DAEMON_PID"
	wait "$DAEMON_PID" 2>/dev/null || true
	[ -s "$RECORD" ] || fail "round $round: the record is missing or empty after kill -9"
	jq -e '.schema == "seoib.host/1" and .verdict.generation == "fixed" and (.last_probe | type == "object")' \
		"$RECORD" >/dev/null || fail "round $round: the record is torn: $(head -c 300 "$RECORD")"
done
writes=$(grep -c 'probing: SIGHUP' "$WORK/seoibd.log" || true)
[ "$writes" -ge "$ROUNDS" ] || fail "only $writes re-probes in $ROUNDS rounds: the storm did not exercise writes"

# A clean start removes what the killed writers left.
start_daemon fixed --no-bus
stop_daemon
leftovers=$(find "$WORK/run" -name 'host.json.tmp.*' | wc -l)
[ "$leftovers" -eq 0 ] || fail "$leftovers temporary files survive a restart"
echo "PASS ($writes re-probes, $ROUNDS kills)"
