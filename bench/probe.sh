#!/usr/bin/env bash
# seoibctl probe, whole process: wall time and peak memory, against
# virt-host-validate qemu on the same machine; VMM cache warm and cold.
# Usage: bench/probe.sh [SEOIBCTL]   (default build/cli/seoibctl)
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"
seoibctl=${1:-build/cli/seoibctl}
runs=${RUNS:-30}
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT

"$seoibctl" probe --vmm-cache "$cache" >/dev/null 2>&1 || true # warm the VMM cache
echo "machine: $(machine)"
echo "kvm: $([ -c /dev/kvm ] && echo present || echo absent)"
printf '| command | median wall (ms) | median peak RSS (KiB) |\n|---|---|---|\n'
printf '| seoibctl probe (VMM cache warm) | %s | %s |\n' \
	"$(median_ms "$runs" "$seoibctl" probe --vmm-cache "$cache")" \
	"$(median_rss_kib 11 "$seoibctl" probe --vmm-cache "$cache")"
printf '| seoibctl probe --no-behaviour (VMM cache warm) | %s | %s |\n' \
	"$(median_ms "$runs" "$seoibctl" probe --no-behaviour --vmm-cache "$cache")" \
	"$(median_rss_kib 11 "$seoibctl" probe --no-behaviour --vmm-cache "$cache")"
printf '| seoibctl probe (VMM cache cold) | %s | %s |\n' \
	"$(median_ms 10 "$seoibctl" probe --no-vmm-cache)" \
	"$(median_rss_kib 5 "$seoibctl" probe --no-vmm-cache)"
if command -v virt-host-validate >/dev/null; then
	printf '| virt-host-validate qemu | %s | %s |\n' \
		"$(median_ms "$runs" virt-host-validate qemu)" \
		"$(median_rss_kib 11 virt-host-validate qemu)"
fi
