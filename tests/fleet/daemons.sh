#!/bin/bash
# Three real seoibd instances, each in its own UTS namespace with its own host
# name and kernel (the fake-KVM shim plays a legacy or a fixed kernel),
# publish to a real etcd; fleet shows them; a daemon killed -9 vanishes when
# its lease expires and check --dest then says unknown, never ok.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require etcd "Debian package etcd-server"
require unshare "Debian package util-linux"
SEOIBD=$SEOIB_BUILD_ROOT/daemon/seoibd
FAKEKVM=$(find "$SEOIB_BUILD_ROOT/tests/shim" -maxdepth 1 -name '*fakekvm*.so' | head -n 1)
[ -f "$FAKEKVM" ] || fail "the fake-KVM shim is not built (tests/shim)"
unshare --uts true 2>/dev/null || skip "no UTS namespaces here (needs root)"
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
LEASE_TTL=2

start_fleet_etcd

declare -A DAEMON
start_seoibd() { # start_seoibd HOSTNAME SCENARIO
	local name=$1 scenario=$2
	write_config "$WORK/$name.conf" "behaviour-probe = no" "qemu = /nonexistent/qemu"
	unshare --uts sh -c 'hostname "$1" && shift && exec "$@"' sh "$name" \
		env LD_PRELOAD="$FAKEKVM" FAKEKVM_SCENARIO="$scenario" \
		"$SEOIBD" --no-bus --config "$WORK/$name.conf" --record "$WORK/$name-host.json" \
		--cache-dir "$WORK/cache-$name" >>"$WORK/$name.log" 2>&1 &
	DAEMON[$name]=$!
	PIDS+=("$!")
}
start_seoibd hv-old legacy
start_seoibd hv-new-1 fixed
start_seoibd hv-new-2 fixed

hosts() { fleet --json 2>/dev/null | jq -r '[.hosts[].hostname] | join(",")'; }
three() { [ "$(hosts)" = "hv-new-1,hv-new-2,hv-old" ]; }
wait_until 30 three || fail "fleet does not list the three daemons: '$(hosts)'"

echo "== fleet shows what each daemon probed"
json=$(fleet --json)
jq -e '.summary.hosts == 3 and .summary.generations.legacy == 1 and .summary.generations.fixed == 2
	and .summary.states.quirked == 3 and .invalid == []' <<<"$json" >/dev/null ||
	fail "wrong fleet summary from real daemons: $json"
jq -e '.hosts[] | select(.hostname == "hv-old") | .generation == "legacy" and .states == ["quirked"]' \
	<<<"$json" >/dev/null || fail "hv-old is not a legacy host: $json"
# Each record is the daemon's own: its file and its key hold the same probe.
for h in hv-old hv-new-1; do
	[ "$(ctl get --print-value-only "/seoib/v1/hosts/$h" | jq -r .probe.time_unix)" = \
		"$(jq -r .probe.time_unix "$WORK/$h-host.json")" ] || fail "$h published another record than it wrote"
done

echo "== a daemon killed -9 vanishes with its lease; check --dest says unknown"
check() { "$SEOIBCTL" check --config "$WORK/seoib.conf" -c test:///default --json --dest "$1"; }
check hv-new-2 >"$WORK/check.json" || fail "check --dest hv-new-2 (alive) is not ok: $(cat "$WORK/check.json")"
kill -KILL "${DAEMON[hv-new-2]}"
gone() { [ "$(hosts)" = "hv-new-1,hv-old" ]; }
wait_until $((LEASE_TTL * 5)) gone || fail "hv-new-2's record outlived its lease: '$(hosts)'"
rc=0
check hv-new-2 >"$WORK/check.json" 2>"$WORK/stderr" || rc=$?
[ "$rc" = 3 ] || fail "check --dest on a vanished host exited $rc, not 3 (unknown): $(cat "$WORK/check.json")"

echo "== a stopped daemon revokes its lease at once"
kill -TERM "${DAEMON[hv-old]}"
wait "${DAEMON[hv-old]}" || fail "seoibd hv-old did not exit 0 on SIGTERM: $(tail -5 "$WORK/hv-old.log")"
[ -z "$(ctl get --print-value-only /seoib/v1/hosts/hv-old)" ] || fail "hv-old's key is still there after SIGTERM"
echo "fleet with real daemons: ok"
