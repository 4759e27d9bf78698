#!/bin/bash
# Benchmark the libvirt qemu hook (issue 5): whole-process wall time of
# `seoibctl hook GUEST prepare begin -` with a ~20 KB domain XML on stdin
# (goal < 5 ms median), and its share of a TCG `virsh start` in a real
# libvirtd (goal < 1 %). Run as root from the source tree:
#   bench/hook.sh [BUILD_DIR]      (default: build)
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
export SEOIBCTL=$BUILD/cli/seoibctl SEOIB_SOURCE_ROOT=$ROOT SEOIB_BUILD_ROOT=$BUILD
. "$ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
command -v hyperfine >/dev/null || { echo "hyperfine is not installed"; exit 2; }
if [ -z "${LV_IN_NS:-}" ]; then
	exec env LV_IN_NS=1 unshare --mount --propagation private "$0" "$@"
fi
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/seoib
T=$(mktemp -d /tmp/seoib-bench-hook.XXXXXX)
trap 'lv_cleanup; rm -rf "$T"' EXIT
UUID=6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
lv_config "$T" enforce allow
lv_record fixed-control hv-bench /run/seoib/host.json

# ~20 KB: the minimal domain plus disks and NICs, as a busy guest has.
{
	lv_domain vm1 $UUID windows | sed '/<\/devices>/,$d'
	for i in $(seq 0 119); do
		printf "    <disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='/var/lib/libvirt/images/vm1-%02d.qcow2'/><target dev='vd%s' bus='virtio'/></disk>\n" \
			"$i" "$(printf "\\x$(printf %x $((97 + i % 26)))")$i"
	done
	printf '  </devices>\n</domain>\n'
} >"$T/vm1.xml"
echo "domain XML: $(wc -c <"$T/vm1.xml") bytes"
# hyperfine (1.15 here) has no --input: the redirection runs in its shell,
# whose start-up time hyperfine measures and subtracts.
hyperfine --warmup 20 --runs 300 --export-json "$T/hook.json" \
	"$LV_HOOK --config $T/seoib.conf vm1 prepare begin - <$T/vm1.xml" >/dev/null
hyperfine --warmup 20 --runs 100 --export-json "$T/ctl.json" \
	"$SEOIBCTL hook --config $T/seoib.conf vm1 prepare begin - <$T/vm1.xml" >/dev/null
printf 'seoibctl hook (libvirt linked in), for comparison: median %.2f ms\n' "$(jq '.results[0].median * 1000' "$T/ctl.json")"
hook_ms=$(jq '.results[0].median * 1000' "$T/hook.json")
printf 'seoib-hook, prepare begin: median %.2f ms, mean %.2f ms, max %.2f ms\n' "$hook_ms" \
	"$(jq '.results[0].mean * 1000' "$T/hook.json")" "$(jq '.results[0].max * 1000' "$T/hook.json")"

# Share of a real TCG `virsh start` (the hook runs once per start here).
D=$T/lv
lv_prepare "$D" bench hv-bench 11111111-2222-3333-4444-555555555555 0
lv_record fixed-control hv-bench "$D/run/seoib/host.json"
lv_start "$D"
lv_domain vm1 $UUID linux >"$T/small.xml"
lv_virsh "$D" define "$T/small.xml" >/dev/null
total=0 n=5
for i in $(seq 1 $n); do
	s=$(date +%s%N); lv_virsh "$D" start vm1 >/dev/null; e=$(date +%s%N)
	total=$((total + e - s))
	lv_virsh "$D" destroy vm1 >/dev/null
done
start_ms=$(echo "$total / $n / 1000000" | bc -l)
printf 'virsh start (TCG): mean %.1f ms over %d; hook share %.2f %%\n' "$start_ms" "$n" \
	"$(echo "$hook_ms * 100 / $start_ms" | bc -l)"
