#!/bin/bash
# seoibctl status without a daemon: a missing record (3), a malformed one (2,
# naming the file), a good one (0), a stale one (3), a record saying KVM is
# unavailable (3). No bus here: the daemon's state is "unknown".
set -euo pipefail
. "$(dirname "$0")/lib.sh"

export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$WORK/no-bus-here
write_config

expect_exit() { # CODE ARGS...: seoibctl status ARGS must exit CODE
	local want=$1 got=0
	shift
	"$SEOIBCTL" status --config "$CONFIG" "$@" >"$WORK/out" 2>"$WORK/err" || got=$?
	[ "$got" -eq "$want" ] || fail "seoibctl status $* exited $got, not $want: $(cat "$WORK/out" "$WORK/err")"
}

expect_exit 3
grep -q "no host record at $RECORD" "$WORK/err" || fail "missing record: $(cat "$WORK/err")"
expect_exit 3 --json
jq -e '.exit == 3 and (.error | contains("no host record"))' "$WORK/out" >/dev/null || fail "--json: $(cat "$WORK/out")"

printf '{"schema": "seoib.host/1", "tool": ' >"$RECORD"
expect_exit 2
grep -q "$RECORD is malformed" "$WORK/err" || fail "torn record: $(cat "$WORK/err")"
echo '[1, 2]' >"$RECORD"
expect_exit 2
grep -q "$RECORD is malformed" "$WORK/err" || fail "non-object record: $(cat "$WORK/err")"

# A real record, published by the real seoibd (no bus) under the shim.
start_daemon fixed --no-bus
stop_daemon
cp "$RECORD" "$WORK/good.json"
expect_exit 0
grep -q '^kernel: *fixed' "$WORK/out" || fail "status output: $(cat "$WORK/out")"
grep -q '^daemon: *unknown' "$WORK/out" || fail "without a bus the daemon state must be unknown: $(cat "$WORK/out")"
grep -q '^behaviour: *not-run (quirked not-run, respected not-run, not-advertised not-run)' "$WORK/out" ||
	fail "status output lacks the proof: $(cat "$WORK/out")"
expect_exit 0 --json
jq -e '.exit == 0 and .daemon == "unknown" and .age_s >= 0 and .stale == false
       and (.runnable_states | index("quirked"))' "$WORK/out" >/dev/null || fail "--json: $(cat "$WORK/out")"


# A record whose guests contradict respected, written as a seoib that did
# not read behaviour would (respected listed): status leaves respected out.
cp "$RECORD" "$WORK/published.json"
jq --slurpfile h7 "$SEOIB_SOURCE_ROOT/tests/policy/records/h7-fixed-respected-contradicted.json" \
	'.behaviour = $h7[0].behaviour' "$WORK/published.json" >"$RECORD"
expect_exit 0 --json
jq -e '.behaviour == "contradicted" and .proof.respected == "contradicted" and .proof.quirked == "verified"
       and (.runnable_states | index("respected") | not)' "$WORK/out" >/dev/null ||
	fail "--json of a contradicted record: $(cat "$WORK/out")"
cp "$WORK/published.json" "$RECORD"

# Stale: the same record, probed an hour ago, against max-record-age = 60.
write_config max-record-age=60
jq '.probe.time_unix -= 3600' "$RECORD" >"$WORK/old.json" && mv "$WORK/old.json" "$RECORD"
expect_exit 3
grep -q 'is 36[0-9][0-9] s old, older than max-record-age = 60 s' "$WORK/err" || fail "stale record: $(cat "$WORK/err")"
expect_exit 3 --json
jq -e '.stale == true' "$WORK/out" >/dev/null || fail "--json stale: $(cat "$WORK/out")"

# This host's record from another boot is stale whatever its age.
write_config
jq '.host.boot_id = "00000000-0000-4000-8000-000000000000"' "$WORK/good.json" >"$WORK/boot.json" &&
	mv "$WORK/boot.json" "$RECORD"
expect_exit 3
grep -q 'from another boot of this host' "$WORK/err" || fail "another boot's record: $(cat "$WORK/err")"
expect_exit 3 --json
jq -e '.stale == true' "$WORK/out" >/dev/null || fail "--json, another boot: $(cat "$WORK/out")"

# Dated ten years ahead: a negative age is not a fresh one (it bypassed
# max-record-age); ahead by less than the clock skew allowed (300 s) is fine.
jq '.probe.time_unix += 315359987' "$WORK/good.json" >"$WORK/future.json" && mv "$WORK/future.json" "$RECORD"
expect_exit 3
grep -q 'is dated 3153599[0-9][0-9] s in the future, more than the 300 s of clock skew allowed' "$WORK/err" ||
	fail "future record: $(cat "$WORK/err")"
jq ".probe.time_unix = $(date +%s) + 200" "$WORK/good.json" >"$WORK/ahead.json" && mv "$WORK/ahead.json" "$RECORD"
expect_exit 0

# A FIFO where the record should be: malformed at once, never waited on.
rm -f "$RECORD"
mkfifo "$RECORD"
status=0
timeout 10 "$SEOIBCTL" status --config "$CONFIG" >"$WORK/out" 2>"$WORK/err" || status=$?
[ "$status" = 2 ] || fail "status on a FIFO record exited $status, not 2: $(cat "$WORK/err")"
grep -q "is not a regular file (a FIFO)" "$WORK/err" || fail "FIFO record: $(cat "$WORK/err")"
rm -f "$RECORD"

# seoibd with the behavioural probe (the shim plays the guest): a kernel
# whose guests contradict bit 2 is a warning naming the evidence; a good one
# is info, and its status says verified.
write_config behaviour-probe=yes
: >"$WORK/seoibd.log"
start_daemon broadcast --no-bus
stop_daemon
grep -q '^<4>seoibd: kernel fixed; states quirked; behaviour contradicted' "$WORK/seoibd.log" ||
	fail "the contradicted status is not a warning: $(cat "$WORK/seoibd.log")"
grep -q '^<4>seoibd: the behavioural probe contradicts respected on kernel .*still had its EOI of vector 0x50 broadcast.*report the kernel' \
	"$WORK/seoibd.log" || fail "no warning with the evidence: $(cat "$WORK/seoibd.log")"
grep -q '^<6>seoibd: kernel' "$WORK/seoibd.log" && fail "the contradicted status was also logged at info: $(cat "$WORK/seoibd.log")"
jq -e '.behaviour.states.respected.proof == "contradicted" and (.verdict.states | index("respected") | not)' \
	"$RECORD" >/dev/null || fail "published record: $(jq -c .behaviour.states "$RECORD")"
: >"$WORK/seoibd.log"
start_daemon fixed --no-bus
stop_daemon
grep -q '^<6>seoibd: kernel fixed; states quirked; behaviour verified' "$WORK/seoibd.log" ||
	fail "a verified kernel's status: $(cat "$WORK/seoibd.log")"
grep -q '^<4>' "$WORK/seoibd.log" && fail "a verified kernel logged a warning: $(cat "$WORK/seoibd.log")"

# A record saying KVM is unavailable is a valid record, but not "ok".
write_config
rm -f "$RECORD"
start_daemon none --no-bus
stop_daemon
jq -e '.status == "kvm-unavailable" and .last_probe.status == "ok"' "$RECORD" >/dev/null ||
	fail "scenario none did not publish kvm-unavailable: $(head -c 300 "$RECORD")"
expect_exit 3
grep -q 'kvm-unavailable' "$WORK/err" || fail "kvm-unavailable record: $(cat "$WORK/err")"
echo "PASS"
