#!/usr/bin/env bash
# The fleet inventory with HOSTS (default 10,000) synthetic hosts in a real
# local etcd, each a record and its listing summary as seoibd publishes them:
# seoibctl fleet --json and check --dest, each run in turn with etcdctl
# reading keys of the same run (median_pair_ms), their peak RSS, and the
# publisher's memory. A listing reads every record and every summary, each
# summary checked against its record (docs/fleet.md); it is also timed with
# the summaries deleted (records alone).
# Usage: bench/fleet.sh [BUILD-DIR]   (default build; HOSTS=, RUNS=, BASELINE=)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
build=${1:-build}
seoibctl=$build/cli/seoibctl
driver=$build/tests/fleet/publish-driver
data=$here/../tests/record/data
hosts=${HOSTS:-10000}
runs=${RUNS:-11}
work=$(mktemp -d /tmp/seoib-bench-fleet.XXXXXX)
etcd_pid=
cleanup() {
	if [ -n "$etcd_pid" ]; then
		kill "$etcd_pid" 2>/dev/null || true
		wait "$etcd_pid" 2>/dev/null || true # etcd's exit on TERM is not the benchmark's
	fi
	rm -rf "$work"
}
trap cleanup EXIT
start_etcd "$work/data" "$work/etcd.log"
ctl() { ETCDCTL_API=3 etcdctl --endpoints "$url" "$@"; }
python3 "$here/fleet-load.py" "$url" /seoib/v1/ "$hosts" "$build/bench/host-summary" \
	"$data/legacy.json" "$data/fixed-stock-qemu.json" "$data/fixed-control.json"
printf 'etcd-endpoints = %s\netcd-lease-ttl = 60\n' "$url" >"$work/seoib.conf"
[ "$("$seoibctl" fleet --config "$work/seoib.conf" --json | jq '.summary.hosts')" = "$hosts" ] ||
	{ echo "fleet does not list $hosts hosts" >&2; exit 1; }
one=$(ctl get --prefix /seoib/v1/hosts/ --keys-only --limit 1 | head -1)
one=${one##*/}

echo "machine: $(machine), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "etcd: $(etcd --version | head -1), $hosts hosts: records of $(ctl get "/seoib/v1/hosts/$one" --print-value-only | wc -c) bytes, summaries of $(ctl get "/seoib/v1/summaries/$one" --print-value-only | wc -c) bytes"
etcdctl_cmd="env ETCDCTL_API=3 etcdctl --endpoints $url get --prefix"
fleet_cmd="$seoibctl fleet --config $work/seoib.conf --json"
read -r fleet_ms hosts_ms < <(median_pair_ms "$runs" "$fleet_cmd" "$etcdctl_cmd /seoib/v1/hosts/")
read -r fleet2_ms summ_ms < <(median_pair_ms "$runs" "$fleet_cmd" "$etcdctl_cmd /seoib/v1/summaries/")
read -r one_ms get1_ms < <(median_pair_ms "$runs" \
	"$seoibctl check --config $work/seoib.conf --dest $one -c test:///default --json" \
	"env ETCDCTL_API=3 etcdctl --endpoints $url get /seoib/v1/hosts/$one")
# peak_rss CMD...: peak RSS in KiB, or "failed (exit N)" with its stderr.
peak_rss() {
	local rc=0
	/usr/bin/time -f '%M' -o "$work/rss" "$@" >/dev/null 2>"$work/rss.err" || rc=$?
	if [ "$rc" = 0 ]; then tail -1 "$work/rss"; else echo "failed (exit $rc: $(tail -1 "$work/rss.err"))"; fi
}
fleet_rss=$(peak_rss $fleet_cmd)
hosts_rss=$(peak_rss $etcdctl_cmd /seoib/v1/hosts/)
# BASELINE=OTHER-SEOIBCTL: the same listing by another build (say, the
# commit before a change), in turn with this one, for a before/after.
if [ -n "${BASELINE:-}" ]; then
	read -r this_ms base_ms < <(median_pair_ms "$runs" "$fleet_cmd" "$BASELINE fleet --config $work/seoib.conf --json")
fi
# Before summaries: the same listing when it must read every record.
ctl del --prefix /seoib/v1/summaries/ >/dev/null
read -r full_ms hosts2_ms < <(median_pair_ms "$runs" "$fleet_cmd" "$etcdctl_cmd /seoib/v1/hosts/")

printf '| command (%s hosts, medians of %s, each run in turn with its reference) | median wall (ms) | ratio |\n|---|---|---|\n' "$hosts" "$runs"
printf '| seoibctl fleet --json (records and summaries) | %s | %s × etcdctl get --prefix hosts/ (%s ms) |\n' \
	"$fleet_ms" "$(ratio "$fleet_ms" "$hosts_ms")" "$hosts_ms"
printf '| seoibctl fleet --json (records and summaries) | %s | %s × etcdctl get --prefix summaries/ (%s ms) |\n' \
	"$fleet2_ms" "$(ratio "$fleet2_ms" "$summ_ms")" "$summ_ms"
printf '| seoibctl fleet --json, summaries deleted (records alone) | %s | %s × etcdctl get --prefix hosts/ (%s ms) |\n' \
	"$full_ms" "$(ratio "$full_ms" "$hosts2_ms")" "$hosts2_ms"
[ -z "${BASELINE:-}" ] || printf '| seoibctl fleet --json, this build / BASELINE %s | %s / %s | %s × |\n' \
	"$BASELINE" "$this_ms" "$base_ms" "$(ratio "$this_ms" "$base_ms")"
printf '| seoibctl check --dest (test:///default, 1 guest) | %s | %s × etcdctl get of one key (%s ms) |\n' \
	"$one_ms" "$(ratio "$one_ms" "$get1_ms")" "$get1_ms"
printf '| peak RSS: seoibctl fleet --json / etcdctl get --prefix hosts/ (KiB) | %s / %s | |\n' "$fleet_rss" "$hosts_rss"

# The publisher as seoibd runs it: its peak RSS after 10 s of publishing.
if [ -x "$driver" ]; then
	"$driver" "$work/seoib.conf" "$data/fixed-control.json" 2>/dev/null &
	pub=$!
	sleep 10
	printf '| publisher (publish-driver) VmHWM / VmRSS after 10 s (KiB) | %s / %s | |\n' \
		"$(awk '/VmHWM/ {print $2}' /proc/$pub/status)" "$(awk '/VmRSS/ {print $2}' /proc/$pub/status)"
	kill "$pub"
	wait "$pub" 2>/dev/null || true
fi
