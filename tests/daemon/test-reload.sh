#!/bin/bash
# SIGHUP (systemctl reload) re-reads seoib.conf: a new key takes effect with
# the probe that follows; a file that does not load keeps the running
# configuration, says so at error priority naming file and line, and the
# daemon goes on; a later good file is adopted again.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

write_config
start_daemon fixed --no-bus
[ ! -e "$WORK/nfd" ] || fail "the NFD file exists before it is configured"

# last_probe.time_usec moves when a probe ends.
probe_usec() { jq -r .last_probe.time_usec "$RECORD"; }
reprobed_after() { [ "$(probe_usec)" -gt "$1" ]; }

# Every sd_notify() from here on: the STATUS= systemctl status shows.
rm -f "$WORK/notify.sock"
python3 "$HERE/notify-listen.py" "$WORK/notify.sock" 55 --all >"$WORK/notify-all.log" &
STARTED_PIDS+=("$!")
wait_until 5 test -S "$WORK/notify.sock" || fail "the notify listener did not bind its socket"
last_status() { grep '^STATUS=' "$WORK/notify-all.log" | tail -n 1; }
status_says() { last_status | grep -qF -- "$1"; }

# 1. A good new file: the NFD export it turns on appears.
write_config "nfd-features-file=$WORK/nfd"
kill -HUP "$DAEMON_PID"
wait_until 15 test -s "$WORK/nfd" || fail "SIGHUP did not adopt nfd-features-file: $(tail -n 5 "$WORK/seoibd.log")"
grep -q "reloaded the configuration from $CONFIG" "$WORK/seoibd.log" || fail "no reload line in the log"

# 2. A bad file: old configuration kept (the NFD file is still rewritten,
# the Prometheus file of the bad file is not), loudly.
before=$(probe_usec)
rm -f "$WORK/nfd"
write_config "nfd-features-file=$WORK/nfd" "prometheus-textfile=$WORK/seoib.prom" "hook-mode=enforse"
kill -HUP "$DAEMON_PID"
wait_until 15 test -s "$WORK/nfd" || fail "the re-probe after a bad reload did not export with the old configuration"
kill -0 "$DAEMON_PID" || fail "seoibd exited on a bad configuration file at reload"
grep -q "reload failed, keeping the running configuration: $CONFIG:[0-9]*: expected enforce or warn, not 'enforse'" \
	"$WORK/seoibd.log" || fail "the bad reload was not logged with file and line: $(tail -n 5 "$WORK/seoibd.log")"
wait_until 10 reprobed_after "$before" || fail "SIGHUP with a bad file did not re-probe"
[ ! -e "$WORK/seoib.prom" ] || fail "a key of the rejected file took effect"
# The re-probe's STATUS= still says that the file on disk is not what runs.
wait_until 10 status_says "kernel " || fail "no STATUS= after the re-probe: $(last_status)"
status_says "seoib.conf not reloaded, running configuration kept: $CONFIG:" ||
	fail "the re-probe's STATUS= hides the failed reload: $(last_status)"

# 3. Corrected: adopted.
write_config "nfd-features-file=$WORK/nfd" "prometheus-textfile=$WORK/seoib.prom"
kill -HUP "$DAEMON_PID"
wait_until 15 test -s "$WORK/seoib.prom" || fail "a corrected file was not adopted"
wait_until 10 eval '! status_says "not reloaded"' || fail "STATUS= still says not reloaded: $(last_status)"

# 4. libvirt-uri set by a reload: the watcher starts on the new URI (it had
# copied the empty one at start) and tries it: libvirt's test driver needs no
# daemon, and says it cannot keep a connection alive, which is logged.
write_config "nfd-features-file=$WORK/nfd" "prometheus-textfile=$WORK/seoib.prom" "libvirt-uri=test:///default"
kill -HUP "$DAEMON_PID"
wait_until 15 grep -q "libvirt at test:///default" "$WORK/seoibd.log" ||
	fail "a reload that sets libvirt-uri did not start the watcher: $(tail -n 5 "$WORK/seoibd.log")"
# 5. systemctl reload: the unit's ExecReload= lines, run in order as
# systemd runs them (the first that fails fails the reload). A bad file
# fails it, with the error on stderr (systemctl status shows it), and
# seoibd is never signalled; a good file is adopted.
reload_as_systemd() {
	local line
	while IFS= read -r line; do
		line=${line#ExecReload=}
		line=${line//\$MAINPID/$DAEMON_PID}
		line=${line/#*\/seoibctl check-config/$SEOIBCTL check-config --config $CONFIG}
		# shellcheck disable=SC2086 # a command line, split as systemd does
		$line || return
	done < <(grep '^ExecReload=' "$SEOIB_BUILD_ROOT/systemd/seoibd.service")
}
write_config "nfd-features-file=$WORK/nfd" "prometheus-textfile=$WORK/seoib.prom" "hook-mode=enfroce"
reloads=$(grep -c "reload" "$WORK/seoibd.log" || true)
adopted=$(grep -c "reloaded the configuration" "$WORK/seoibd.log" || true)
status=0
reload_as_systemd 2>"$WORK/reload.err" || status=$?
[ "$status" -ne 0 ] || fail "systemctl reload of a bad seoib.conf would exit 0"
grep -qF "$CONFIG:8: expected enforce or warn, not 'enfroce'" "$WORK/reload.err" ||
	fail "the failed reload does not say why: $(cat "$WORK/reload.err")"
sleep 1
[ "$(grep -c "reload" "$WORK/seoibd.log" || true)" -eq "$reloads" ] || fail "seoibd was signalled for a bad file"
kill -0 "$DAEMON_PID" || fail "seoibd exited on a failed reload"
write_config "nfd-features-file=$WORK/nfd" "prometheus-textfile=$WORK/seoib.prom" "hook-mode=enforce"
reload_as_systemd || fail "systemctl reload of a good seoib.conf would fail"
wait_until 15 eval '[ "$(grep -c "reloaded the configuration" "$WORK/seoibd.log")" -gt "$adopted" ]' ||
	fail "a good reload was not adopted"
stop_daemon
kill "${STARTED_PIDS[-1]}"
echo "PASS"
