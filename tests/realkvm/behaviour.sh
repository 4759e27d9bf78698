#!/bin/bash
# The behavioural probe on a real /dev/kvm (issue 3, docs/behaviour.md): the
# six-case matrix must reproduce docs/background.md section 2's behaviour table for
# the kernel's generation (measured on Linux 6.18.44, Intel), and a fault
# injected with the test-only SEOIB_BEHAVIOUR_FAULT must end in bounded
# timeouts. The generation is taken from the capability verdict; the
# behaviour must agree with it. Skipped (77) where there is no usable /dev/kvm.
set -euo pipefail

: "${SEOIBCTL:?SEOIBCTL must name the built seoibctl (meson test sets it)}"
. "$(dirname "$0")/../lib.sh"
device=${SEOIB_KVM_DEVICE:-/dev/kvm}
if [[ ! -c $device || ! -r $device || ! -w $device ]]; then
	skip "no /dev/kvm on this machine: real-hardware behaviour checks skipped"
fi

make_work_dir realkvm-behaviour work
probe() { # probe OUT [ENV=VALUE...]
	local out=$1 rc=0
	shift
	env "$@" timeout 60 "$SEOIBCTL" probe --json --no-vmm --behaviour --device "$device" \
		>"$out" 2>"$work/err" || rc=$?
	echo "$rc"
}

rc=$(probe "$work/out.json")
if [[ $rc == 3 ]] && jq -e '.status == "kvm-unavailable"' "$work/out.json" >/dev/null 2>&1; then
	skip "no usable /dev/kvm on this machine ($(jq -r .message "$work/out.json")): real-hardware behaviour checks skipped"
fi

record=$work/out.json
# After a failure, the behaviour the probe recorded.
at_exit '[ $? -ne 1 ] || echo "behaviour: $(jq -c .behaviour "$record" 2>/dev/null)" >&2'
check() { jq -e "$1" "$record" >/dev/null || fail "$2"; }

[[ $rc == 0 ]] || fail "seoibctl probe --behaviour exited $rc (stderr: $(cat "$work/err"))"
check '.status == "ok" and .behaviour.ran == true' "the probe and the behavioural probe ran"
check '.behaviour.conflicts == []' "no conflict between claims and behaviour"
check '.behaviour.cases[0] | .outcome == "done" and .lvr_directed_eoi and .spiv_bit12_stuck and .eoi_exit' \
	"legacy + SPIV bit 12: the bit sticks and the EOI still exits (the bug)"
check '.behaviour.cases[1] | .outcome == "done" and .eoi_exit' "legacy without bit 12: the EOI exits"
check '.behaviour.legacy_quirk_observed == true' "legacy quirk observed"
# Every case ran to the guest's fence: the EOI exit, a vCPU request, may come
# on the KVM_RUN after the guest's done write (docs/behaviour.md).
check '[.behaviour.cases[] | select(.outcome == "done") | .run_ms > 0] | all' "each guest's own run time recorded"
check '.behaviour.states.quirked.proof == "verified"' "quirked verified"

generation=$(jq -r '.verdict.generation' "$record")
case $generation in
fixed)
	check '[.behaviour.cases[].outcome] | all(. == "done")' "all six cases ran"
	check '.behaviour.cases[2] | .spiv_bit12_stuck and (.eoi_exit | not)' "enable + bit 12: no EOI exit (fixed)"
	check '.behaviour.cases[3].eoi_exit' "enable without bit 12: the EOI exits"
	check '.behaviour.cases[4] | (.lvr_directed_eoi | not) and (.spiv_bit12_stuck | not) and .eoi_exit' \
		"disable + bit 12: not advertised, the bit does not stick, the EOI exits"
	check '.behaviour.respected_verified == true and .behaviour.not_advertised_verified == true' \
		"respected and not-advertised verified"
	check '[.behaviour.states[].proof] | all(. == "verified")' "every state's proof verified"
	check '.verdict.kernel_states | sort == ["not-advertised","quirked","respected"]' "nothing contradicted"
	;;
legacy)
	check '[.behaviour.cases[2:][].outcome] | all(. == "skipped")' "bits 2 and 3 refused: their cases skipped"
	check '.behaviour.respected_verified == null and .behaviour.not_advertised_verified == null' \
		"nothing verified that did not run"
	check '.behaviour.states.respected.proof == "not-run" and .behaviour.states["not-advertised"].proof == "not-run"' \
		"the refused modes are not-run"
	;;
*) fail "the capability verdict says generation '$generation'; expected fixed or legacy on this hardware" ;;
esac
# Issue 3's goal on real hardware: the whole matrix in under 300 ms. Reported,
# and only gross overruns fail (a loaded CI host must not flake).
ms=$(jq '.behaviour.duration_ms' "$record")
echo "kernel $(uname -r): $generation, behaviour matrix $ms ms (goal < 300 ms)"
check '.behaviour.duration_ms < 3000' "the matrix took $ms ms; more than 3 s means something waits"

# The timeout path: an interrupt never delivered must end every case at its
# 1000 ms deadline, never hang, and yield no verdict.
record=$work/fault.json
rc=$(probe "$record" SEOIB_BEHAVIOUR_FAULT=no-irq)
[[ $rc == 0 ]] || fail "seoibctl probe with SEOIB_BEHAVIOUR_FAULT=no-irq exited $rc (stderr: $(cat "$work/err"))"
check '[.behaviour.cases[] | select(.outcome != "skipped") | .outcome] | all(. == "timeout")' \
	"no-irq: every case that ran timed out"
check '[.behaviour.cases[] | select(.outcome == "timeout") | .duration_ms] | all(. >= 1000 and . < 2000)' \
	"no-irq: every case stopped at its 1000 ms deadline"
check '.behaviour.legacy_quirk_observed == null' "no-irq: no verdict from a timed-out run"
check '[.behaviour.states[].proof] | all(. == "unverified" or . == "not-run")' \
	"no-irq: inconclusive, never verified nor contradicted"
echo "timeout path: $(jq -c '[.behaviour.cases[] | [.outcome, .duration_ms]]' "$record")"
