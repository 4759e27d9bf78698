#!/bin/bash
# seoibd on a private system bus: properties, Decide(), Reprobe() for root
# and not for others, SIGHUP and a replaced VMM binary re-probing with
# PropertiesChanged, and seoibctl status / reprobe against it.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v busctl >/dev/null || skip "busctl is not installed"
command -v setpriv >/dev/null || skip "setpriv is not installed"
[ "$(id -u)" -eq 0 ] || skip "needs root: Reprobe() is root-only and the test plays an unprivileged peer"

start_bus
write_config
start_daemon fixed

# Readiness carried the summary (sd_notify STATUS=).
grep -q '^STATUS=kernel fixed; states quirked.*; behaviour not-run' "$WORK/notify.log" ||
	fail "READY=1 came without the expected STATUS= summary: $(cat "$WORK/notify.log")"

# The published file: valid, complete, world-readable, marked current.
jq -e '.schema == "seoib.host/1" and .status == "ok" and .verdict.generation == "fixed"
       and .last_probe.status == "ok" and .last_probe.current == true' "$RECORD" >/dev/null ||
	fail "the published record is not the fixed host's: $(head -c 400 "$RECORD")"
[ "$(stat -c %a "$RECORD")" = 644 ] || fail "the record's mode is $(stat -c %a "$RECORD"), not 644"

# Properties.
[ "$(prop Generation)" = 's "fixed"' ] || fail "Generation is $(prop Generation)"
prop SupportedStates | grep -q '"quirked"' || fail "SupportedStates lacks quirked: $(prop SupportedStates)"
[ "$(prop LastProbeStatus)" = 's "ok"' ] || fail "LastProbeStatus is $(prop LastProbeStatus)"
# The behaviour probe is off here (the shim plays no guests): every state not-run.
[ "$(prop BehaviourProof)" = 'a{ss} 3 "quirked" "not-run" "respected" "not-run" "not-advertised" "not-run"' ] ||
	fail "BehaviourProof is $(prop BehaviourProof)"
bus --json=short get-property org.seoib1 /org/seoib1 org.seoib1.Host HostRecord | jq -r .data |
	jq -e --slurpfile f "$RECORD" '. == $f[0]' >/dev/null || fail "HostRecord differs from $RECORD"
# An unprivileged peer may read.
as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --timeout=10 get-property org.seoib1 /org/seoib1 \
	org.seoib1.Host Generation >/dev/null || fail "an unprivileged peer cannot read Generation"

# Decide(): malformed XML is a named D-Bus error, not a crash.
out=$(bus call org.seoib1 /org/seoib1 org.seoib1.Host Decide sas '<domain><name>x' 0 2>&1) &&
	fail "Decide accepted malformed XML: $out"
echo "$out" | grep -q 'rejected' || fail "Decide's error does not say the XML was rejected: $out"
bus --json=short call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus GetNameOwner s org.seoib1 \
	>/dev/null || fail "seoibd left the bus after malformed XML"
kill -0 "$DAEMON_PID" || fail "seoibd died on malformed XML"
as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" call org.seoib1 /org/seoib1 org.seoib1.Host Decide sas \
	'not xml at all' 0 2>"$WORK/decide.err" && fail "Decide accepted text that is not XML"
grep -qi 'rejected' "$WORK/decide.err" || fail "an unprivileged Decide() was not answered by seoibd: $(cat "$WORK/decide.err")"

# Decide(): a real domain, decided by anyone; a bad target record is named.
xml='<domain type="kvm"><name>win</name><uuid>8e7d1f0e-4a51-4b8f-9a40-5f0e3c2b6a11</uuid>
<os><type arch="x86_64" machine="pc-q35-7.2">hvm</type></os>
<features><acpi/><ioapic driver="qemu"/><hyperv mode="custom"><relaxed state="on"/></hyperv></features></domain>'
as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --json=short call org.seoib1 /org/seoib1 org.seoib1.Host \
	Decide sas "$xml" 0 >"$WORK/decision.json" || fail "an unprivileged Decide() on a valid domain failed"
jq -r '.data[0]' "$WORK/decision.json" | jq -e 'type == "object" and has("state")' >/dev/null ||
	fail "Decide did not return a decision: $(cat "$WORK/decision.json")"
out=$(bus call org.seoib1 /org/seoib1 org.seoib1.Host Decide sas "$xml" 1 '{"schema":"nope"}' 2>&1) &&
	fail "Decide accepted a malformed target record: $out"
echo "$out" | grep -q 'target record 1' || fail "the bad target record is not named: $out"

# Reprobe(): denied to an unprivileged peer, and nothing is probed.
before=$(last_probe_time)
as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" call org.seoib1 /org/seoib1 org.seoib1.Host Reprobe \
	2>"$WORK/deny.err" && fail "an unprivileged peer was allowed to call Reprobe()"
grep -qi 'denied' "$WORK/deny.err" || fail "the refusal does not say access was denied: $(cat "$WORK/deny.err")"
status=0
as_nobody "$SEOIBCTL" reprobe --config "$CONFIG" 2>"$WORK/ctl.err" || status=$?
[ "$status" -eq 2 ] || fail "seoibctl reprobe as nobody exited $status, not 2"
grep -q 'only root' "$WORK/ctl.err" || fail "seoibctl reprobe's refusal says: $(cat "$WORK/ctl.err")"
[ "$(last_probe_time)" = "$before" ] || fail "a denied Reprobe() still probed"

# Reprobe() as root answers after the probe, with a newer probe time.
bus call org.seoib1 /org/seoib1 org.seoib1.Host Reprobe || fail "root's Reprobe() failed"
after=$(last_probe_time)
[ "$after" -gt "$before" ] || fail "Reprobe() did not probe (LastProbeTime $before -> $after)"
"$SEOIBCTL" reprobe --config "$CONFIG" >/dev/null || fail "seoibctl reprobe as root failed"
[ "$(last_probe_time)" -gt "$after" ] || fail "seoibctl reprobe did not probe"

# SIGHUP re-probes and emits PropertiesChanged.
busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --json=short monitor org.seoib1 >"$WORK/monitor.log" 2>&1 &
monitor=$!
STARTED_PIDS+=("$monitor")
wait_until 5 grep -q . "$WORK/monitor.log" || true # busctl monitor prints nothing until a message
sleep 0.5
before=$(last_probe_time)
kill -HUP "$DAEMON_PID"
wait_until 10 grep -q PropertiesChanged "$WORK/monitor.log" || fail "no PropertiesChanged after SIGHUP"
grep PropertiesChanged "$WORK/monitor.log" | head -n 1 | jq -e '.payload.data[0] == "org.seoib1.Host"' >/dev/null ||
	fail "PropertiesChanged is not for org.seoib1.Host: $(grep PropertiesChanged "$WORK/monitor.log" | head -n 1)"
[ "$(last_probe_time)" -gt "$before" ] || fail "SIGHUP did not probe"
jq -e '.last_probe.time_usec > 0' "$RECORD" >/dev/null || fail "the record lacks last_probe.time_usec"

# Replacing the VMM binary re-probes (inotify on its directory).
before=$(last_probe_time)
printf '#!/bin/sh\nexit 1\n' >"$WORK/bin/qemu-system-x86_64.new"
chmod 0755 "$WORK/bin/qemu-system-x86_64.new"
mv "$WORK/bin/qemu-system-x86_64.new" "$WORK/bin/qemu-system-x86_64"
wait_until 10 probed_since "$before" || fail "replacing the VMM binary did not re-probe"

# seoibctl status reads the file and asks the bus whether seoibd runs.
"$SEOIBCTL" status --config "$CONFIG" >"$WORK/status.txt" || fail "seoibctl status exited $?"
grep -q '^daemon: *running' "$WORK/status.txt" || fail "status does not see the daemon: $(cat "$WORK/status.txt")"
"$SEOIBCTL" status --json --config "$CONFIG" | jq -e '.daemon == "running" and .generation == "fixed"
	and .last_probe.status == "ok" and .exit == 0' >/dev/null || fail "seoibctl status --json is wrong"

stop_daemon
# A usable record nobody keeps current: exit 1, saying so (issue 19).
status=0
"$SEOIBCTL" status --json --config "$CONFIG" >"$WORK/status.json" || status=$?
[ "$status" -eq 1 ] && jq -e '.daemon == "not-running" and .exit == 1
	and (.error | contains("seoibd is not running"))' "$WORK/status.json" >/dev/null ||
	fail "seoibctl status after seoibd stopped: exit $status, $(cat "$WORK/status.json")"
status=0
"$SEOIBCTL" status --config "$CONFIG" >"$WORK/status.txt" 2>"$WORK/status.err" || status=$?
[ "$status" -eq 1 ] && grep -q '^daemon: *not-running' "$WORK/status.txt" &&
	grep -q "seoibd is not running" "$WORK/status.err" ||
	fail "seoibctl status after seoibd stopped: exit $status, $(cat "$WORK/status.txt" "$WORK/status.err")"
status=0
"$SEOIBCTL" reprobe --config "$CONFIG" 2>"$WORK/ctl.err" || status=$?
[ "$status" -eq 2 ] && grep -q 'not running' "$WORK/ctl.err" ||
	fail "seoibctl reprobe without a daemon: exit $status, $(cat "$WORK/ctl.err")"
echo "PASS"
