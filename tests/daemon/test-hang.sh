#!/bin/bash
# A probe that hangs (shim scenario hang: KVM_CREATE_VM blocks) never wedges
# seoibd: the bus answers during the hang, the watchdog kills the child at
# probe-timeout-ms, the failure is reported, and the last good record stays.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v busctl >/dev/null || skip "busctl is not installed"
start_bus
write_config probe-timeout-ms=3000

# A good record first.
start_daemon fixed
good_time=$(jq .probe.time_unix "$RECORD")
stop_daemon

# Restart on a kernel that hangs: the bus must answer while the probe hangs.
export FAKEKVM_HANG_SECONDS=60
find_shim
rm -f "$WORK/notify.sock"
python3 "$HERE/notify-listen.py" "$WORK/notify.sock" 30 >"$WORK/notify.log" &
listener=$!
wait_until 5 test -S "$WORK/notify.sock" || fail "the notify listener did not bind"
start=$(date +%s%N)
NOTIFY_SOCKET=$WORK/notify.sock LD_PRELOAD=$FAKEKVM FAKEKVM_SCENARIO=hang \
	"$SEOIBD" --config "$CONFIG" --cache-dir "$WORK/cache" 2>>"$WORK/seoibd.log" &
DAEMON_PID=$!
STARTED_PIDS+=("$DAEMON_PID")
wait_until 5 bus status org.seoib1 || fail "seoibd did not take its bus name during the hung probe"
t0=$(date +%s%N)
[ "$(prop Generation)" = 's "fixed"' ] || fail "during the hang Generation is $(prop Generation), not the kept fixed"
t1=$(date +%s%N)
[ $(((t1 - t0) / 1000000)) -lt 1000 ] || fail "a property read took $(((t1 - t0) / 1000000)) ms during the hang"
kill -0 "$listener" 2>/dev/null || fail "READY=1 came before the hung probe ended: $(cat "$WORK/notify.log")"

# READY=1 comes once the watchdog has killed the probe, ~3 s after start.
wait "$listener" || fail "seoibd sent no READY=1 after the hung probe"
elapsed=$((($(date +%s%N) - start) / 1000000))
[ "$elapsed" -ge 2500 ] && [ "$elapsed" -lt 15000 ] || fail "the hung probe ended after $elapsed ms, not ~3000"
grep -q '^STATUS=kernel fixed.*(kept: last probe timeout)' "$WORK/notify.log" ||
	fail "STATUS does not report the timeout: $(cat "$WORK/notify.log")"
[ "$(prop LastProbeStatus)" = 's "timeout"' ] || fail "LastProbeStatus is $(prop LastProbeStatus)"
jq -e --argjson t "$good_time" '.verdict.generation == "fixed" and .probe.time_unix == $t
	and .last_probe.status == "timeout" and .last_probe.current == false
	and (.last_probe.message | contains("3000 ms"))' "$RECORD" >/dev/null ||
	fail "the last good record was not kept with the timeout beside it: $(jq -c .last_probe "$RECORD")"
# The child and its process group are gone.
pgrep -P "$DAEMON_PID" >/dev/null && fail "a probe child of seoibd survived the watchdog"

# Reprobe() on a hanging kernel answers with the timeout, as a named error.
status=0
"$SEOIBCTL" reprobe --config "$CONFIG" 2>"$WORK/ctl.err" || status=$?
[ "$status" -eq 3 ] || fail "seoibctl reprobe on a hung probe exited $status, not 3"
grep -q 'did not finish within 3000 ms' "$WORK/ctl.err" || fail "seoibctl reprobe says: $(cat "$WORK/ctl.err")"
stop_daemon

# With no earlier record, a hung first probe still publishes one: an error
# record that says why.
rm -f "$RECORD"
write_config probe-timeout-ms=1000
start_daemon hang --no-bus
jq -e '.status == "error" and (.message | contains("1000 ms")) and .last_probe.status == "timeout"' "$RECORD" \
	>/dev/null || fail "a first hung probe published: $(head -c 400 "$RECORD")"
stop_daemon

# An earlier record seoibd must not trust is no last good record: seoibd's
# start reads it through the record file's one reader (lib/record/record_file.c),
# under the trusted-path rule and never blocking, and says why it ignores it.
# A record file anyone could write:
write_config
start_daemon fixed --no-bus
stop_daemon
chmod 0666 "$RECORD"
write_config probe-timeout-ms=1000
: >"$WORK/seoibd.log"
start_daemon hang --no-bus
grep -q "ignoring the existing record: $RECORD: " "$WORK/seoibd.log" ||
	fail "seoibd did not say why it ignores a record anyone could write: $(tail -n 5 "$WORK/seoibd.log")"
jq -e '.status == "error" and .last_probe.status == "timeout"' "$RECORD" >/dev/null ||
	fail "seoibd kept a record anyone could write as its last good one: $(head -c 400 "$RECORD")"
stop_daemon
# A FIFO at record-path: start does not block on it (READY=1 within 30 s).
rm -f "$RECORD"
mkfifo "$RECORD"
: >"$WORK/seoibd.log"
start_daemon hang --no-bus
grep -q "ignoring the existing record: $RECORD: " "$WORK/seoibd.log" ||
	fail "seoibd did not say why it ignores a FIFO at record-path: $(tail -n 5 "$WORK/seoibd.log")"
[ -f "$RECORD" ] && jq -e '.status == "error"' "$RECORD" >/dev/null ||
	fail "seoibd did not publish its record over the FIFO"
stop_daemon
echo "PASS"
