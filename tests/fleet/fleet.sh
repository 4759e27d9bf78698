#!/bin/bash
# The fleet inventory against a real etcd: three publishers, fleet listing
# and summary, lease expiry, clean stop, etcd restart, lost leases,
# malformed and foreign entries, the migration domain, the exports.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require etcd "Debian package etcd-server"
require etcdctl "Debian package etcd-client"
require jq "Debian package jq"

RECORDS="$SEOIB_SOURCE_ROOT/tests/record/data"
POLICY_XML="$SEOIB_SOURCE_ROOT/tests/policy/data/split-respected-fixed.xml"
LEASE_TTL=2

start_fleet_etcd
fleet_hosts() { fleet --json 2>/dev/null | jq -r '[.hosts[].hostname] | join(",")'; }

# Three hosts: legacy 6.1, fixed 6.18 with stock QEMU, fixed with the control.
declare -A PUB
start_publisher() { # start_publisher NAME RECORD [config lines]
	local name=$1 record=$2
	shift 2
	# Probed now: fixtures are older than max-record-age (default one day).
	jq --argjson now "$(date +%s)" '.probe.time_unix = $now' "$record" >"$WORK/$name.json"
	write_config "$WORK/$name.conf" "$@"
	"$PUBLISH_DRIVER" "$WORK/$name.conf" "$WORK/$name.json" >>"$WORK/$name.log" 2>&1 &
	PUB[$name]=$!
	PIDS+=("$!")
}
start_publisher hv-legacy-1 "$RECORDS/legacy.json" \
	"nfd-features-file = $WORK/nfd-seoib" "prometheus-textfile = $WORK/seoib.prom"
start_publisher hv-fixed-1 "$RECORDS/fixed-stock-qemu.json"
# hv-fixed-2's control is a machine property (default quirked), which
# seoibctl apply can set from the domain XML: the migration domain below is
# the state a guest gets there once apply wrote it.
jq '.vmm.controls = ["pc-q35-11.0-machine.seoib-policy"] | .vmm.property = {"qom_type": "pc-q35-11.0-machine",
	"name": "seoib-policy", "location": "machine", "value_type": "SeoibPolicy", "default": "quirked",
	"settable_from_xml": true}' "$RECORDS/fixed-control.json" >"$WORK/fixed-machine-property.json"
start_publisher hv-fixed-2 "$WORK/fixed-machine-property.json"

three_hosts() { [ "$(fleet_hosts)" = "hv-fixed-1,hv-fixed-2,hv-legacy-1" ]; }
wait_until 10 three_hosts || fail "fleet does not list the three publishers: '$(fleet_hosts)'"

echo "== fleet lists three hosts and the right summary"
json=$(fleet --json)
jq -e '.schema == "seoib.fleet/1" and .summary.hosts == 3
	and .summary.generations.legacy == 1 and .summary.generations.fixed == 2
	and .summary.states.quirked == 3 and .summary.states.respected == 1
	and .summary.states["not-advertised"] == 1 and .invalid == []' <<<"$json" >/dev/null ||
	fail "wrong fleet summary: $json"
jq -e '.hosts[] | select(.hostname == "hv-legacy-1") | .kernel_release == "6.1.0-40-amd64"
	and .generation == "legacy" and .states == ["quirked"] and .vmm_control == false' <<<"$json" >/dev/null ||
	fail "wrong row for hv-legacy-1: $json"
jq -e '.hosts[] | select(.hostname == "hv-fixed-2") | .vmm_control and (.states | length == 3)' <<<"$json" >/dev/null ||
	fail "wrong row for hv-fixed-2: $json"
text=$(fleet)
grep -q '^hv-legacy-1 .*6.1.0-40-amd64 .*legacy' <<<"$text" || fail "text listing lacks hv-legacy-1: $text"
grep -q 'hosts able to run each state: quirked 3 respected 1 not-advertised 1' <<<"$text" ||
	fail "text summary wrong: $text"

echo "== the exports of hv-legacy-1"
grep -qx 'seoib.org/generation=legacy' "$WORK/nfd-seoib" || fail "NFD file: $(cat "$WORK/nfd-seoib")"
grep -qx 'seoib.org/state.respected=false' "$WORK/nfd-seoib" || fail "NFD file: $(cat "$WORK/nfd-seoib")"
grep -qx 'seoib_host_supports{state="quirked"} 1' "$WORK/seoib.prom" || fail "textfile: $(cat "$WORK/seoib.prom")"
grep -qx 'seoib_host_supports{state="respected"} 0' "$WORK/seoib.prom" || fail "textfile: $(cat "$WORK/seoib.prom")"
grep -qx 'seoib_probe_status{status="ok"} 1' "$WORK/seoib.prom" || fail "textfile: $(cat "$WORK/seoib.prom")"
grep -q '^seoib_probe_duration_seconds 0.01425' "$WORK/seoib.prom" || fail "textfile: $(cat "$WORK/seoib.prom")"
grep -q '^seoib_probe_timestamp_seconds [0-9]' "$WORK/seoib.prom" || fail "textfile: $(cat "$WORK/seoib.prom")"
grep -qx 'seoib.org/behaviour=verified' "$WORK/nfd-seoib" || fail "NFD file: $(cat "$WORK/nfd-seoib")"
grep -qx 'seoib.org/behaviour.respected=not-run' "$WORK/nfd-seoib" || fail "NFD file: $(cat "$WORK/nfd-seoib")"
grep -qx 'seoib_behaviour_proof{state="quirked",proof="verified"} 1' "$WORK/seoib.prom" ||
	fail "textfile: $(cat "$WORK/seoib.prom")"
grep -qx 'seoib_behaviour_proof{state="respected",proof="not-run"} 1' "$WORK/seoib.prom" ||
	fail "textfile: $(cat "$WORK/seoib.prom")"

echo "== the behaviour column: one vocabulary, never verified without a proof"
# A probe that ran with every verdict null (every case timed out) once
# showed as verified; and a record whose guests contradict respected, yet
# lists it (an older seoib), must not be counted as able to run it.
jq '.host.hostname = "hv-timeouts" | .behaviour.cases |= map(.outcome = "timeout"
	| del(.lvr_directed_eoi, .spiv, .spiv_bit12_stuck, .eoi_exit))
	| .behaviour.respected_verified = null | .behaviour.legacy_quirk_observed = null
	| .behaviour.not_advertised_verified = null' "$RECORDS/fixed-control.json" >"$WORK/timeouts.json"
jq '.host.hostname = "hv-contradicted" | .behaviour.cases[2].eoi_exit = true' \
	"$RECORDS/fixed-control.json" >"$WORK/contradicted.json"
ctl put /seoib/v1/hosts/hv-timeouts "$(cat "$WORK/timeouts.json")" >/dev/null
ctl put /seoib/v1/hosts/hv-contradicted "$(cat "$WORK/contradicted.json")" >/dev/null
json=$(fleet --json)
jq -e '.hosts[] | select(.hostname == "hv-timeouts") | .behaviour == "unverified"
	and .proof == {"quirked": "unverified", "respected": "unverified", "not-advertised": "unverified"}
	and (.states | length == 3)' <<<"$json" >/dev/null || fail "all-null verdicts not unverified: $json"
jq -e '.hosts[] | select(.hostname == "hv-contradicted") | .behaviour == "contradicted"
	and .proof.respected == "contradicted" and .states == ["quirked", "not-advertised"]' <<<"$json" >/dev/null ||
	fail "contradicted respected still counted: $json"
jq -e '.hosts[] | select(.hostname == "hv-fixed-2") | .behaviour == "verified"' <<<"$json" >/dev/null ||
	fail "hv-fixed-2 not verified: $json"
grep -q '^hv-timeouts .* unverified ' <<<"$(fleet)" || fail "text listing: $(fleet)"
ctl del /seoib/v1/hosts/hv-timeouts >/dev/null
ctl del /seoib/v1/hosts/hv-contradicted >/dev/null

echo "== malformed and foreign entries are reported and skipped"
ctl put /seoib/v1/hosts/garbage 'not json {' >/dev/null
ctl put /seoib/v1/hosts/foreign '{"kind": "something else"}' >/dev/null
ctl put /seoib/v1/hosts/impostor "$(cat "$RECORDS/fixed-control.json")" >/dev/null
ctl put /seoib/v1/other/key 'outside hosts/: not read' >/dev/null
json=$(fleet --json 2>"$WORK/stderr") || fail "fleet failed on invalid entries"
jq -e '.summary.hosts == 3 and (.invalid | map(.key) | sort) ==
	["/seoib/v1/hosts/foreign", "/seoib/v1/hosts/garbage", "/seoib/v1/hosts/impostor"]' <<<"$json" >/dev/null ||
	fail "invalid entries not reported as such: $json"
jq -e '.invalid[] | select(.key == "/seoib/v1/hosts/impostor") | .why | test("hv-fixed-2")' <<<"$json" >/dev/null ||
	fail "impostor not explained: $json"
[ "$(grep -c 'skipped /seoib/v1/hosts/' "$WORK/stderr")" = 3 ] || fail "stderr: $(cat "$WORK/stderr")"
ctl del /seoib/v1/hosts/garbage >/dev/null
ctl del /seoib/v1/hosts/foreign >/dev/null
ctl del /seoib/v1/hosts/impostor >/dev/null

echo "== the migration domain of a split guest"
json=$(fleet --xml "$POLICY_XML" --host hv-fixed-2 --all --json 2>/dev/null) || fail "fleet --xml --all failed: $json"
jq -e '.domain.state == "respected" and .domain.can_run == ["hv-fixed-2"]
	and (.domain.cannot_run | map(.hostname) | sort) == ["hv-fixed-1", "hv-legacy-1"]
	and .mobility.state == "quirked" and .absent_targets == []' <<<"$json" >/dev/null ||
	fail "wrong migration domain: $json"
# A host whose record is too old is unknown, not a host that cannot run it
# (the engine's known: the hook there may well run the state).
jq '.host.hostname = "hv-old" | .probe.time_unix = (now - 200000 | floor)' "$RECORDS/fixed-control.json" >"$WORK/old.json"
ctl put /seoib/v1/hosts/hv-old "$(cat "$WORK/old.json")" >/dev/null
json=$(fleet --xml "$POLICY_XML" --host hv-fixed-2 --all --json 2>/dev/null) && fail "fleet --xml --all with a stale host exited 0: $json"
jq -e '(.domain.cannot_run | map(.hostname) | sort) == ["hv-fixed-1", "hv-legacy-1"]
	and (.domain.unknown | map(.hostname)) == ["hv-old"]
	and (.domain.unknown[0].why | test("s old"))' <<<"$json" >/dev/null ||
	fail "a stale host is not listed as unknown: $json"
text=$(fleet --xml "$POLICY_XML" --host hv-fixed-2 --all 2>/dev/null) || true
grep -qx 'unknown, no usable record (1):' <<<"$text" || fail "text: no unknown section: $text"
grep -qx 'cannot run it (2):' <<<"$text" || fail "text: the stale host counted as cannot: $text"
ctl del /seoib/v1/hosts/hv-old >/dev/null
# The guest's host found by the one "same host" rule (host_names_same()):
# a name as gethostname() may give it, in another case, is the same host.
fleet --xml "$POLICY_XML" --host HV-Fixed-2 --all --json >"$WORK/same.json" 2>"$WORK/same.err" ||
	fail "fleet --xml --host HV-Fixed-2 failed: $(cat "$WORK/same.err")"
! grep -q "no record of the guest's host" "$WORK/same.err" || fail "HV-Fixed-2 did not find hv-fixed-2: $(cat "$WORK/same.err")"
jq -e '.domain.state == "respected"' "$WORK/same.json" >/dev/null || fail "HV-Fixed-2's domain: $(cat "$WORK/same.json")"
json=$(fleet --xml "$POLICY_XML" --host hv-fixed-2 --targets hv-fixed-2 --json 2>/dev/null) ||
	fail "guest should stay respected across hv-fixed-2 alone"
jq -e '.mobility.state == "respected"' <<<"$json" >/dev/null || fail "mobility across hv-fixed-2: $json"

echo "== listings read summaries; a broken one is named and its host read from its record"
[ "$(ctl get --prefix /seoib/v1/summaries/ --keys-only | grep -c summaries/)" = 3 ] ||
	fail "the publishers did not put their summaries: $(ctl get --prefix /seoib/v1/summaries/ --keys-only)"
# The publisher of hv-legacy-1 puts it back in the next step (a changed record).
ctl put /seoib/v1/summaries/hv-legacy-1 '{"schema": "seoib.host-summary/9"}' >/dev/null
json=$(fleet --json 2>"$WORK/stderr") || fail "fleet failed on a broken summary"
jq -e '.summary.hosts == 3 and .invalid[0].key == "/seoib/v1/summaries/hv-legacy-1" and
	(.hosts[] | select(.hostname == "hv-legacy-1") | .generation == "legacy")' <<<"$json" >/dev/null ||
	fail "a broken summary hid its host or went unnamed: $json"
grep -q "skipped /seoib/v1/summaries/hv-legacy-1: .*is not seoib.host-summary/1" "$WORK/stderr" ||
	fail "stderr: $(cat "$WORK/stderr")"
# The etcd backend's own publish, lookup and walk against this etcd.
FLEET_TEST_ETCD=$ETCD_URL "$FLEET_BACKENDS_TEST" "$SEOIB_SOURCE_ROOT/tests/record/data" >"$WORK/backends.log" 2>&1 ||
	fail "the etcd backend round trip failed: $(tail -20 "$WORK/backends.log")"
ctl del /seoib/v1/hosts/hv-round-trip >/dev/null   # its lease would keep it 2 s more
ctl del /seoib/v1/summaries/hv-round-trip >/dev/null

echo "== a changed record is republished"
jq --argjson now "$(date +%s)" '.host.kernel_release = "6.1.0-41-amd64" | .probe.time_unix = $now' \
	"$RECORDS/legacy.json" >"$WORK/hv-legacy-1.json"
kill -HUP "${PUB[hv-legacy-1]}"
new_kernel() { fleet --json 2>/dev/null | jq -e '.hosts[] | select(.hostname == "hv-legacy-1") | .kernel_release == "6.1.0-41-amd64"' >/dev/null; }
wait_until 5 new_kernel || fail "the changed record of hv-legacy-1 was not republished"

echo "== a crashed publisher disappears after the lease TTL, and is then unknown"
stop_pid "${PUB[hv-fixed-1]}" KILL
fleet --json | jq -e '.summary.hosts == 3' >/dev/null || fail "hv-fixed-1 vanished before its lease expired"
gone_fixed_1() { [ "$(fleet_hosts)" = "hv-fixed-2,hv-legacy-1" ]; }
wait_until $((LEASE_TTL + 8)) gone_fixed_1 || fail "hv-fixed-1 still listed after its lease TTL: $(fleet_hosts)"
rc=0
fleet --xml "$POLICY_XML" --host hv-fixed-2 --targets hv-fixed-2,hv-fixed-1 --json >"$WORK/out.json" 2>/dev/null || rc=$?
[ "$rc" = 3 ] || fail "a target whose lease expired gave exit $rc, not 3 (unknown)"
jq -e '.absent_targets == ["hv-fixed-1"]' "$WORK/out.json" >/dev/null || fail "absent target not named: $(cat "$WORK/out.json")"

echo "== check --dest reads the inventory: a live host is ok, a vanished one unknown"
check() { "$SEOIBCTL" check --config "$WORK/seoib.conf" -c test:///default --json --dest "$1"; }
check hv-fixed-2 >"$WORK/check.json" 2>"$WORK/stderr" || fail "check --dest hv-fixed-2 failed: $(cat "$WORK/stderr")"
jq -e '.verdict == "ok" and .record.usable and .record.hostname == "hv-fixed-2"' "$WORK/check.json" >/dev/null ||
	fail "check --dest hv-fixed-2 through the inventory: $(cat "$WORK/check.json")"
rc=0
check hv-fixed-1 >"$WORK/check.json" 2>/dev/null || rc=$?
[ "$rc" = 3 ] || fail "check --dest of a host whose lease expired gave exit $rc, not 3 (unknown)"
jq -e '.verdict == "unknown" and (.record.usable | not)
	and (.record.problem | test("no record in the fleet inventory"))' "$WORK/check.json" >/dev/null ||
	fail "check --dest hv-fixed-1 not unknown: $(cat "$WORK/check.json")"

echo "== the live publishers outlast several TTLs"
sleep $((LEASE_TTL * 2))
[ "$(fleet_hosts)" = "hv-fixed-2,hv-legacy-1" ] || fail "keepalive failed: $(fleet_hosts)"

echo "== etcd killed and restarted: publishers keep running and republish"
stop_pid "$ETCD_PID" KILL
sleep $((LEASE_TTL + 1))
for name in hv-legacy-1 hv-fixed-2; do
	kill -0 "${PUB[$name]}" 2>/dev/null || fail "publisher $name died while etcd was down"
done
rc=0
fleet --json >/dev/null 2>"$WORK/stderr" || rc=$?
[ "$rc" = 2 ] || fail "fleet with etcd down gave exit $rc, not 2"
grep -q "cannot reach etcd at $ETCD_URL" "$WORK/stderr" || fail "unclear error with etcd down: $(cat "$WORK/stderr")"
start_etcd http
wait_until 10 ctl endpoint health >/dev/null 2>&1 || fail "etcd did not come back in 10 s"
two_hosts() { [ "$(fleet_hosts)" = "hv-fixed-2,hv-legacy-1" ]; }
wait_until 40 two_hosts || fail "records not back after the etcd restart: $(fleet_hosts)"
sleep $((LEASE_TTL * 2))
two_hosts || fail "records lost after the etcd restart: $(fleet_hosts)"

echo "== leases lost behind the publishers' backs are replaced"
for lease in $(ctl lease list | awk 'NR > 1 {print $1}'); do
	ctl lease revoke "$lease" >/dev/null
done
wait_until $((LEASE_TTL + 8)) two_hosts || fail "records not republished on new leases: $(fleet_hosts)"

echo "== a cleanly stopped publisher revokes its lease at once"
stop_publisher "${PUB[hv-fixed-2]}" hv-fixed-2
[ "$(fleet_hosts)" = "hv-legacy-1" ] || fail "hv-fixed-2 still listed after a clean stop: $(fleet_hosts)"

echo "== one exit-status rule: a guest no host can run exits 1, with or without targets"
STICKY_XML="$SEOIB_SOURCE_ROOT/tests/policy/data/sticky-respected-fixed.xml"
for extra in "" --all "--targets hv-legacy-1"; do
	rc=0
	fleet --xml "$STICKY_XML" --host hv-legacy-1 $extra >"$WORK/out" 2>&1 || rc=$?
	[ "$rc" = 1 ] || fail "fleet --xml (recorded respected, only a legacy host) $extra: exit $rc, not 1: $(cat "$WORK/out")"
done
rc=0
fleet --xml "$POLICY_XML" --host hv-legacy-1 >"$WORK/out" 2>&1 || rc=$?
[ "$rc" = 0 ] || fail "fleet --xml of a guest hv-legacy-1 can run: exit $rc: $(cat "$WORK/out")"
grep -q '^max-record-age 86400 s' <<<"$(fleet)" || fail "fleet does not show max-record-age: $(fleet)"

stop_publisher "${PUB[hv-legacy-1]}" hv-legacy-1
stop_pid "$ETCD_PID" TERM
echo "PASS"
