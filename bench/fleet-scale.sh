#!/usr/bin/env bash
# A guest's migration domain across the whole fleet (issue 22): `seoibctl
# fleet --xml GUEST --all` and `--domain GUEST --all` (the same guest through
# libvirt's test driver) with HOSTS synthetic hosts in a real local etcd,
# each run in turn with `etcdctl get --prefix` of the same records
# (median_pair_ms), and the peak RSS of each (median of RSS_RUNS). Every
# record is fresh (probed at the start of the run), so every host is judged.
# A third row is the floor of any client of etcd's JSON gateway: curl
# fetching the same records through it in one request, in turn with etcdctl.
# One etcd per host count, loaded, measured and removed before the next.
# Usage: bench/fleet-scale.sh [BUILD-DIR]
#   HOSTS="10000 100000" (counts, in turn), RUNS=5, RSS_RUNS=3
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
build=$(cd "${1:-build}" && pwd)
seoibctl=$build/cli/seoibctl
data=$here/../tests/record/data
runs=${RUNS:-5}
rss_runs=${RSS_RUNS:-3}
work=$(mktemp -d /tmp/seoib-bench-fleet-scale.XXXXXX)
etcd_pid=
stop_etcd() {
	if [ -n "$etcd_pid" ]; then
		kill "$etcd_pid" 2>/dev/null || true
		wait "$etcd_pid" 2>/dev/null || true # etcd's exit on TERM is not the benchmark's
	fi
	etcd_pid=
	rm -rf "$work/data"
}
trap 'stop_etcd; rm -rf "$work"' EXIT

# The guest: the 20 KB Windows 11 domain of the other benches, as a file
# and as the one domain of a libvirt test-driver node.
"$here/make-domain-xml.sh" >"$work/guest.xml"
{
	echo "<node>"
	sed "s/<domain type='kvm'>/<domain type='test'>/" "$work/guest.xml"
	echo "</node>"
} >"$work/node.xml"
guest=$(sed -n 's|.*<name>\(.*\)</name>.*|\1|p' "$work/guest.xml" | head -1)


# check NAME EXPECTED-HOSTS CMD...: the command answers (exit 0, 1 or 3,
# never 2) and judges every host, so that its time is a whole answer's.
check() {
	local name=$1 want=$2 rc=0 got
	shift 2
	"$@" --json >"$work/check.json" 2>"$work/check.err" || rc=$?
	got=$(jq '(.domain.can_run | length) + (.domain.cannot_run | length)' "$work/check.json" 2>/dev/null || echo none)
	if [ "$rc" = 2 ] || [ "$got" != "$want" ]; then
		echo "$name: exit $rc, $got hosts judged, not $want: $(tail -2 "$work/check.err")" >&2
		exit 1
	fi
}

echo "machine: $(machine), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "etcd: $(etcd --version | head -1); guest $guest ($(wc -c <"$work/guest.xml") bytes of domain XML)"
printf '| hosts | command | median wall (ms) | etcdctl in turn (ms) | time ratio | median peak RSS (KiB) | etcdctl peak RSS (KiB) | RSS ratio |\n|---|---|---|---|---|---|---|---|\n'
for hosts in ${HOSTS:-10000 100000}; do
	start_etcd "$work/data" "$work/etcd.log"
	PROBE_TIME=$(date +%s) python3 "$here/fleet-load.py" "$url" /seoib/v1/ "$hosts" "$build/bench/host-summary" \
		"$data/legacy.json" "$data/fixed-stock-qemu.json" "$data/fixed-control.json"
	printf 'etcd-endpoints = %s\netcd-lease-ttl = 60\n' "$url" >"$work/seoib.conf"
	home=$(ETCDCTL_API=3 etcdctl --endpoints "$url" get --prefix /seoib/v1/hosts/ --keys-only --limit 1 | head -1)
	home=${home##*/}
	xml_cmd="$seoibctl fleet --config $work/seoib.conf --xml $work/guest.xml --all --host $home"
	domain_cmd="$seoibctl fleet --config $work/seoib.conf --domain $guest -c test://$work/node.xml --all --host $home"
	# etcdctl's default 5 s command timeout is too short for 100,000 records.
	etcdctl_cmd="env ETCDCTL_API=3 etcdctl --endpoints $url --command-timeout=600s get --prefix /seoib/v1/hosts/"
	check "fleet --xml" "$hosts" $xml_cmd
	check "fleet --domain" "$hosts" $domain_cmd
	etcdctl_rss=$(median_rss_kib "$rss_runs" $etcdctl_cmd)
	gateway_cmd="curl -s -o /dev/null -X POST $url/v3/kv/range -d {\"key\":\"$(printf /seoib/v1/hosts/ | base64)\",\"range_end\":\"$(printf /seoib/v1/hosts0 | base64)\"}"
	for which in xml domain gateway; do
		cmd=${which}_cmd
		read -r this_ms ref_ms < <(median_pair_ms "$runs" "${!cmd}" "$etcdctl_cmd")
		this_rss=$(median_rss_kib "$rss_runs" ${!cmd})
		case $which in
		gateway) what='`curl` of the same records from the JSON gateway, one request' ;;
		*) what="\`seoibctl fleet --$which GUEST --all\`" ;;
		esac
		printf '| %s | %s | %s | %s | %s × | %s | %s | %s × |\n' "$hosts" "$what" \
			"$this_ms" "$ref_ms" "$(ratio "$this_ms" "$ref_ms")" "$this_rss" "$etcdctl_rss" \
			"$(ratio "$this_rss" "$etcdctl_rss")"
	done
	stop_etcd
done
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
