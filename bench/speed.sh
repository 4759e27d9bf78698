#!/bin/bash
# speed.sh [RUNS]
#
# The capability and behaviour probes' speed on this host's real /dev/kvm,
# each a ratio to a reference measured in the same run (never an absolute
# threshold):
#   1. the whole capability probe (`seoibctl probe --no-vmm --no-behaviour`,
#      whole process) against two references, each measured right before it
#      by build/bench/vm-teardown (14 VMs, each create+close timed alone):
#      a. the slowest create+close of a split-irqchip VM without a vCPU
#         (`split`), as most of the probe's VMs are;
#      b. the slowest lifecycle of VMs that alternate split and in-kernel
#         irqchips with one vCPU each (`lifecycle`), as the probe's LVR
#         questions are: an in-kernel-irqchip VM with a vCPU has the slowest
#         teardown, and a probe that asks both modes through a vCPU cannot
#         end before one of them has, so this is its real floor;
#         goal <= 1.2: one teardown, the rest run in parallel with it;
#   2. the behavioural matrix (.behaviour.duration_ms) against its own
#      guest-run time (the sum of .behaviour.cases[].run_ms, first KVM_RUN to
#      the fence); goal <= 2: VM set-up and teardown are not what it costs.
# Prints per-run figures, then the median of each ratio and of each time.
# Without a usable /dev/kvm it says so and exits 77 (nothing is measured).
#
# Environment: SEOIBCTL (default build/cli/seoibctl), VM_TEARDOWN (default
# build/bench/vm-teardown), SEOIB_KVM_DEVICE (default /dev/kvm).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/lib.sh"
runs=${1:-21}
seoibctl=${SEOIBCTL:-$here/../build/cli/seoibctl}
teardown=${VM_TEARDOWN:-$here/../build/bench/vm-teardown}
device=${SEOIB_KVM_DEVICE:-/dev/kvm}
for bin in "$seoibctl" "$teardown"; do
	[ -x "$bin" ] || { echo "speed.sh: $bin is not executable; build first (ninja -C build)." >&2; exit 2; }
done
if [[ ! -c $device || ! -r $device || ! -w $device ]]; then
	echo "speed.sh: no usable $device on this machine: nothing measured (the goals need real KVM)." >&2
	exit 77
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
now_ns() { date +%s%N; }

echo "machine: $(machine)"
echo "runs: $runs"
for ((i = 0; i < runs; i++)); do
	"$teardown" 14 "$device" split >"$work/ref.$i.json"
	"$teardown" 14 "$device" lifecycle >"$work/life.$i.json"
	start=$(now_ns)
	"$seoibctl" probe --json --no-vmm --no-behaviour --device "$device" >"$work/probe.$i.json"
	end=$(now_ns)
	jq -n --slurpfile ref "$work/ref.$i.json" --slurpfile life "$work/life.$i.json" \
		--argjson probe_ms "$(((end - start) / 1000))" \
		'{slowest_ms: $ref[0].max_ms, lifecycle_ms: $life[0].max_ms, probe_ms: ($probe_ms / 1000)}
		 | .ratio = .probe_ms / .slowest_ms | .lifecycle_ratio = .probe_ms / .lifecycle_ms' \
		>"$work/cap.$i.json"
	"$seoibctl" probe --json --no-vmm --behaviour --device "$device" >"$work/behaviour.$i.json" || true
	jq '{matrix_ms: .behaviour.duration_ms, run_ms: ([.behaviour.cases[].run_ms // 0] | add)}
		| .ratio = (if .run_ms > 0 then .matrix_ms / .run_ms else null end)' \
		"$work/behaviour.$i.json" >"$work/beh.$i.json"
	echo "run $i: capability $(jq -c . "$work/cap.$i.json"); behaviour $(jq -c . "$work/beh.$i.json")"
done
jq -r -n '
	def median: sort | if length % 2 == 1 then .[length / 2 | floor]
		else (.[length / 2 - 1] + .[length / 2]) / 2 end | . * 100 | round / 100;
	[inputs] as $all | ($all | map(select(has("slowest_ms")))) as $cap
	| ($all | map(select(has("matrix_ms")) | select(.ratio != null))) as $beh
	| "capability probe: median \($cap | map(.probe_ms) | median) ms, slowest split create+close median \($cap | map(.slowest_ms) | median) ms, ratio median \($cap | map(.ratio) | median)",
	  "capability probe against the slowest lifecycle (split and in-kernel, one vCPU each): median \($cap | map(.lifecycle_ms) | median) ms, ratio median \($cap | map(.lifecycle_ratio) | median) (goal <= 1.2)",
	  "behaviour matrix: median \($beh | map(.matrix_ms) | median) ms, guest-run median \($beh | map(.run_ms) | median) ms, ratio median \($beh | map(.ratio) | median) (goal <= 2)"
' "$work"/cap.*.json "$work"/beh.*.json
