#!/usr/bin/env bash
# The VMM probe alone: cold (QEMU spawned, QMP conversation) against warm
# (answer read from the cache, nothing spawned), whole process, using the
# vmm suite's test program so that nothing but vmm_probe() is timed.
# Usage: bench/vmm.sh [VMM-PROBE-TEST] [QEMU]
#   (default build/tests/vmm/vmm-probe-test and /usr/bin/qemu-system-x86_64)
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"
probe=${1:-build/tests/vmm/vmm-probe-test}
qemu=${2:-/usr/bin/qemu-system-x86_64}
runs=${RUNS:-30}
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT

# Refuse to time a failure: a probe that did not find QEMU is fast and meaningless.
"$probe" --qemu "$qemu" --cache "$cache" | jq -e '.found' >/dev/null ||
	{ echo "bench/vmm.sh: $probe could not probe $qemu; build the tests and install qemu-system-x86" >&2; exit 1; }
"$probe" --qemu "$qemu" --cache "$cache" | jq -e '.from_cache' >/dev/null ||
	{ echo "bench/vmm.sh: the cache in $cache was not used; check that it is writable" >&2; exit 1; }

echo "machine: $(machine)"
echo "qemu: $qemu ($("$qemu" --version | head -1))"
printf '| vmm probe | median wall (ms) | median peak RSS (KiB) |\n|---|---|---|\n'
printf '| cold (QEMU spawned, QMP) | %s | %s |\n' \
	"$(median_ms 10 "$probe" --qemu "$qemu")" \
	"$(median_rss_kib 5 "$probe" --qemu "$qemu")"
printf '| warm (cache hit, nothing spawned) | %s | %s |\n' \
	"$(median_ms "$runs" "$probe" --qemu "$qemu" --cache "$cache")" \
	"$(median_rss_kib 11 "$probe" --qemu "$qemu" --cache "$cache")"
