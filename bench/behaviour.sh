#!/bin/bash
# behaviour.sh [RUNS]
#
# Cost of the behavioural Directed EOI probe (issue 3, docs/behaviour.md) on
# this host's real /dev/kvm: RUNS times (default 21) `seoibctl probe --json
# --no-vmm --behaviour`, then
#   - the median wall time of the six-case matrix as the record reports it
#     (.behaviour.duration_ms; goal < 300 ms) and of each case;
#   - the median whole-process wall time with and without --behaviour, i.e.
#     what turning it on by default costs every probe.
# Without a usable /dev/kvm it says so and exits 77; bench/probe-tcg.sh gives
# the figures under TCG. Results go to docs/benchmarks.md.
#
# Environment: SEOIBCTL (default: build/cli/seoibctl), SEOIB_KVM_DEVICE.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
runs=${1:-21}
seoibctl=${SEOIBCTL:-$here/../build/cli/seoibctl}
device=${SEOIB_KVM_DEVICE:-/dev/kvm}
[ -x "$seoibctl" ] || { echo "behaviour.sh: $seoibctl is not executable; build first or set SEOIBCTL." >&2; exit 2; }
if [[ ! -c $device || ! -r $device || ! -w $device ]]; then
	echo "behaviour.sh: no usable $device here; run bench/probe-tcg.sh for the TCG figures." >&2
	exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for ((i = 0; i < runs; i++)); do
	"$seoibctl" probe --json --no-vmm --behaviour --device "$device" >"$work/$i.json" ||
		{ echo "behaviour.sh: seoibctl probe --behaviour failed on run $i; run it by hand to see why." >&2; exit 1; }
done
jq -e -s 'all(.behaviour.ran)' "$work"/*.json >/dev/null ||
	{ echo "behaviour.sh: the behavioural probe did not run; is the kernel's KVM usable?" >&2; exit 1; }

echo "machine: $(machine)"
echo "runs: $runs; generation: $(jq -r .verdict.generation "$work/0.json")"
jq -r -s '
	def median: sort | if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end | . * 100 | round / 100;
	"matrix median: \(map(.behaviour.duration_ms) | median) ms (min \(map(.behaviour.duration_ms) | min), max \(map(.behaviour.duration_ms) | max))",
	(range(0; 6) as $i | (.[0].behaviour.cases[$i] | "\(.mode) bit12=\(.guest_sets_bit12)") as $name
		| "  case \($i) \($name): \(map(.behaviour.cases[$i].outcome) | unique | join(",")), median \(map(.behaviour.cases[$i].duration_ms) | median) ms")
' "$work"/*.json
with=$(median_ms "$runs" "$seoibctl" probe --json --no-vmm --behaviour --device "$device")
without=$(median_ms "$runs" "$seoibctl" probe --json --no-vmm --no-behaviour --device "$device")
echo "whole process, median: --behaviour $with ms, --no-behaviour $without ms"
