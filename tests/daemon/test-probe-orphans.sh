#!/bin/bash
# Nothing the probe spawns outlives it (issue 11): a fake QEMU that calls
# setsid() and leaves a setsid() child of its own behind, hanging without a
# QMP greeting. (1) kill -9 of seoibd mid-probe: the probe child, the QEMU
# and its child all go. (2) The watchdog kills the probe: the same, while
# seoibd keeps running. Processes are told apart by an environment variable
# only this test's seoibd carries (everything it spawns inherits it).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

MARK="SEOIB_TEST_MARK=$WORK"
cat >"$WORK/bin/qemu-system-x86_64" <<'QEMU'
#!/bin/bash
# Leaves the probe's process group twice over, then hangs.
setsid sleep 600 </dev/null >/dev/null 2>&1 &
exec setsid sleep 600
QEMU
chmod +x "$WORK/bin/qemu-system-x86_64"

# marked: the PIDs carrying MARK, seoibd itself excepted.
marked() {
	grep -lsxzF "$MARK" /proc/[0-9]*/environ | cut -d/ -f3 | grep -vx "${DAEMON_PID:-none}" || true
}
sleepers() { [ "$(marked | xargs -r -n1 -I{} cat /proc/{}/comm 2>/dev/null | grep -c '^sleep$')" -ge 2 ]; }
none_left() { [ -z "$(marked)" ]; }
# Leftovers would outlive the test: kill them by PID, then fail.
fail_leftovers() {
	local pids
	pids=$(marked)
	# shellcheck disable=SC2086
	[ -n "$pids" ] && ps -o pid,ppid,pgid,sid,comm -p "$(echo $pids | tr ' ' ,)" >&2
	for pid in $pids; do kill -KILL "$pid" 2>/dev/null || true; done
	fail "$*"
}

find_shim
# (1) kill -9 mid-probe: the watchdog (60 s) is far away.
write_config probe-timeout-ms=60000
env "$MARK" LD_PRELOAD="$FAKEKVM" FAKEKVM_SCENARIO=fixed \
	"$SEOIBD" --config "$CONFIG" --cache-dir "$WORK/cache" --no-bus 2>>"$WORK/seoibd.log" &
DAEMON_PID=$!
STARTED_PIDS+=("$DAEMON_PID")
wait_until 20 sleepers || fail_leftovers "the fake QEMU and its child did not start within 20 s"
kill -KILL "$DAEMON_PID"
wait "$DAEMON_PID" 2>/dev/null || true
DAEMON_PID=
wait_until 10 none_left || fail_leftovers "after kill -9 of seoibd, these probe processes are still running"

# (2) the watchdog kills the probe at 1.5 s (before the VMM probe's own 3 s).
write_config probe-timeout-ms=1500
rm -f "$WORK/notify.sock"
python3 "$HERE/notify-listen.py" "$WORK/notify.sock" 30 >"$WORK/notify.log" &
listener=$!
wait_until 5 test -S "$WORK/notify.sock" || fail "the notify listener did not bind its socket"
env "$MARK" NOTIFY_SOCKET="$WORK/notify.sock" LD_PRELOAD="$FAKEKVM" FAKEKVM_SCENARIO=fixed \
	"$SEOIBD" --config "$CONFIG" --cache-dir "$WORK/cache" --no-bus 2>>"$WORK/seoibd.log" &
DAEMON_PID=$!
STARTED_PIDS+=("$DAEMON_PID")
wait "$listener" || fail_leftovers "seoibd sent no READY=1 after the probe's watchdog"
grep -q 'ran past 1500 ms' "$WORK/seoibd.log" || fail_leftovers "the watchdog did not fire: $(tail -5 "$WORK/seoibd.log")"
wait_until 10 none_left || fail_leftovers "after the watchdog, these probe processes are still running"
grep -q 'killed [0-9]* process(es) the probe left running' "$WORK/seoibd.log" ||
	fail "seoibd did not say it killed the probe's strays"
stop_daemon
echo PASS
