#!/usr/bin/env bash
# The fleet inventory with 10,000 synthetic host records in a real local etcd:
# seoibctl fleet --json and check --dest, each against etcdctl reading the
# same keys on the same run, and the publisher's memory.
# Usage: bench/fleet.sh [BUILD-DIR]   (default build)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
build=${1:-build}
seoibctl=$build/cli/seoibctl
driver=$build/tests/fleet/publish-driver
data=$here/../tests/record/data
hosts=${HOSTS:-10000}
work=$(mktemp -d /tmp/seoib-bench-fleet.XXXXXX)
etcd_pid=
cleanup() {
	[ -n "$etcd_pid" ] && kill "$etcd_pid" 2>/dev/null && wait "$etcd_pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

cport=$(port) pport=$(port)
url=http://127.0.0.1:$cport
etcd --name bench --data-dir "$work/data" --listen-client-urls "$url" --advertise-client-urls "$url" \
	--listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
	--initial-cluster "bench=http://127.0.0.1:$pport" >"$work/etcd.log" 2>&1 &
etcd_pid=$!
ctl() { ETCDCTL_API=3 etcdctl --endpoints "$url" "$@"; }
for _ in $(seq 100); do ctl endpoint health >/dev/null 2>&1 && break; sleep 0.1; done
python3 "$here/fleet-load.py" "$url" /seoib/v1/ "$hosts" \
	"$data/legacy.json" "$data/fixed-stock-qemu.json" "$data/fixed-control.json"
printf 'etcd-endpoints = %s\netcd-lease-ttl = 60\n' "$url" >"$work/seoib.conf"
[ "$("$seoibctl" fleet --config "$work/seoib.conf" --json | jq '.summary.hosts')" = "$hosts" ] ||
	{ echo "fleet does not list $hosts hosts" >&2; exit 1; }

echo "machine: $(machine)"
echo "etcd: $(etcd --version | head -1), $hosts records of $(ctl get /seoib/v1/hosts/hv-00000 --print-value-only | wc -c) bytes or so"
fleet_ms=$(median_ms "${RUNS:-10}" "$seoibctl" fleet --config "$work/seoib.conf" --json)
get_ms=$(median_ms "${RUNS:-10}" env ETCDCTL_API=3 etcdctl --endpoints "$url" get --prefix /seoib/v1/hosts/)
one_ms=$(median_ms "${RUNS:-30}" "$seoibctl" check --config "$work/seoib.conf" --dest hv-05001 \
	-c test:///default --json)
get1_ms=$(median_ms "${RUNS:-30}" env ETCDCTL_API=3 etcdctl --endpoints "$url" get /seoib/v1/hosts/hv-05001)
printf '| command | median wall (ms) | ratio to etcdctl |\n|---|---|---|\n'
printf '| seoibctl fleet --json (%s hosts) | %s | %s |\n' "$hosts" "$fleet_ms" \
	"$(echo "$fleet_ms / $get_ms" | bc -l | xargs printf '%.2f')"
printf '| etcdctl get --prefix (same keys) | %s | 1 |\n' "$get_ms"
printf '| seoibctl check --dest (test:///default, 1 guest) | %s | %s |\n' "$one_ms" \
	"$(echo "$one_ms / $get1_ms" | bc -l | xargs printf '%.2f')"
printf '| etcdctl get (one key) | %s | 1 |\n' "$get1_ms"
/usr/bin/time -f '%M' -o "$work/rss" "$seoibctl" fleet --config "$work/seoib.conf" --json >/dev/null
printf '| seoibctl fleet --json peak RSS (KiB) | %s | |\n' "$(cat "$work/rss")"

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
