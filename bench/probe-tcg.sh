#!/bin/bash
# probe-tcg.sh [SUITE...]
#
# "Probe under TCG": boot each Debian kernel (default: bookworm,
# bookworm-backports, trixie-backports) with tests/kernels/boot-probe.sh, run
# the real `seoibctl probe --json --no-vmm --behaviour` on its /dev/kvm (KVM
# nested in QEMU's software emulation of SVM) and print, per kernel, the times
# the host record reports and the whole boot. Emulation makes these far slower
# than real hardware: they bound CI time, they are not the product's speed.
#
# Environment: SEOIBCTL (required: BUILD/cli/seoibctl), plus those of
# tests/kernels/boot-probe.sh. Outputs go to ${SEOIB_BUILD_ROOT:-/tmp}/tests/kernels/out/bench-SUITE.*
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
boot_probe=$here/../tests/kernels/boot-probe.sh
out_dir=${SEOIB_BUILD_ROOT:-${TMPDIR:-/tmp}}/tests/kernels/out
[ $# -gt 0 ] || set -- bookworm bookworm-backports trixie-backports

printf '%-20s %-24s %10s %14s %14s %10s\n' suite kernel generation probe_ms behaviour_ms boot_ms
for suite in "$@"; do
	started_us=${EPOCHREALTIME/./}
	"$boot_probe" --name "bench-$suite" --out-dir "$out_dir" --expect-exit 0 "$suite" -- --behaviour 2>/dev/null ||
		{ echo "probe-tcg.sh: boot-probe.sh failed on $suite; run it by hand to see why." >&2; exit 1; }
	boot_ms=$(( (${EPOCHREALTIME/./} - started_us) / 1000 ))
	jq -r --arg suite "$suite" --arg boot "$boot_ms" \
		'[$suite, .host.kernel_release, .verdict.generation, (.probe.duration_ms | tostring),
		  ((.behaviour.duration_ms // "-") | tostring), $boot] | @tsv' "$out_dir/bench-$suite.json" |
		while IFS=$'\t' read -r s k g p b t; do
			printf '%-20s %-24s %10s %14s %14s %10s\n' "$s" "$k" "$g" "$p" "$b" "$t"
		done
done
