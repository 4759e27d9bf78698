#!/bin/bash
# The real `seoibctl probe` under the fake-KVM shim, one scenario per run:
#   probe-scenario.sh SCENARIO PATH/TO/fakekvm.so PATH/TO/fakekvm-leak
# Every run also checks the shim's exit report: no fake KVM fd left open.
set -euo pipefail

scenario=$1 shim=$2 leak_helper=$3
: "${SEOIBCTL:?SEOIBCTL must name the built seoibctl (meson test sets it)}"
. "$(dirname "$0")/../lib.sh"
make_work_dir probe-scenario work
report=$work/report
# The shim sits before the sanitizer runtime in an ASan build.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0

FAIL_CONTEXT=$scenario

# probe [FAKEKVM env...] -- [seoibctl args...]: sets $rc, leaves JSON in $work/out.json
probe() {
	local env=()
	while [[ $1 != -- ]]; do env+=("$1"); shift; done
	shift
	rc=0
	timeout 30 env "${env[@]}" FAKEKVM_SCENARIO="${fake:-$scenario}" FAKEKVM_REPORT="$report" LD_PRELOAD="$shim" \
		"$SEOIBCTL" probe --json --no-behaviour --no-vmm "$@" \
		>"$work/out.json" 2>"$work/err" || rc=$?
	[[ $rc != 124 ]] || fail "seoibctl probe did not finish within 30 s"
	jq -e . "$work/out.json" >/dev/null || fail "not JSON: $(head -c 300 "$work/out.json"); stderr: $(cat "$work/err")"
}

# check JQ_FILTER DESCRIPTION: the filter must yield true on the record.
check() {
	jq -e "$1" "$work/out.json" >/dev/null || fail "$2; record: $(jq -c '{status,message,kvm,verdict}' "$work/out.json")"
}

expect_exit() {
	[[ $rc == "$1" ]] || fail "exit code $rc, expected $1; stderr: $(cat "$work/err")"
}

# No fake fd may outlive the probe; and the shim must really have been used.
expect_no_leak() {
	[[ -s $report ]] || fail "the shim wrote no report: was it preloaded?"
	grep -q '^device_opens=[1-9]' "$report" || fail "seoibctl never opened the fake device: $(tr '\n' ' ' <"$report")"
	grep -qx 'open_fake_fds=0' "$report" || fail "fake KVM fds leaked: $(tr '\n' ' ' <"$report")"
}

expect_unavailable() {
	expect_exit 3
	check '.status == "kvm-unavailable"' "status must be kvm-unavailable"
	check '.verdict.generation == "unknown" and .verdict.kernel_states == [] and .verdict.states == []' \
		"an unusable KVM promises no state"
	check ".message | test(\"$1\")" "the message must name the cause and the fix ($1)"
	expect_no_leak
}

expect_error() {
	expect_exit 2
	check '.status == "error"' "status must be error"
	check ".message | test(\"$1\")" "the message must name the cause and the fix ($1)"
	check '.kvm.api_version == 12 and .kvm.x2apic_api.system == 15' "what was measured before the failure is kept"
	expect_no_leak
}

lvr_table='.kvm.lvr.split.legacy.directed_eoi == true and .kvm.lvr.split.enable.directed_eoi == true
	and .kvm.lvr.split.disable.directed_eoi == false and .kvm.lvr["in-kernel"].legacy.directed_eoi == false
	and .kvm.lvr["in-kernel"].disable.directed_eoi == false and .kvm.lvr["in-kernel"].enable.error == "EINVAL"'
fixed_enables='.kvm.enable_cap.split.enable == "accepted" and .kvm.enable_cap.split.disable == "accepted"
	and .kvm.enable_cap.split.both == "EINVAL" and .kvm.enable_cap["in-kernel"].enable == "EINVAL"
	and .kvm.enable_cap["in-kernel"].disable == "accepted" and .kvm.enable_cap["in-kernel"].both == "EINVAL"'

case $scenario in
none)
	probe -- ; expect_unavailable 'cannot open /dev/kvm.*modprobe kvm_intel.*VT-x/AMD-V'
	check '.kvm.api_version == null' "nothing was measured" ;;
eacces)
	probe -- ; expect_unavailable 'cannot open /dev/kvm: permission denied.*group kvm' ;;
ebusy)
	probe -- ; expect_unavailable 'cannot create a VM on /dev/kvm.*busy.*another hypervisor'
	check '.kvm.x2apic_api.system == 15' "the system fd's answer is kept" ;;
bad-api)
	probe -- ; expect_unavailable 'API version 11.*12'
	check '.kvm.api_version == 11' "the wrong version is recorded" ;;
pre48)
	probe -- ; expect_exit 0; expect_no_leak
	check '.status == "ok" and .verdict.generation == "none"' "a pre-4.8 kernel is generation none"
	check '.verdict.kernel_states == ["quirked"] and .verdict.problems == []' "it runs quirked guests only"
	check '.kvm.x2apic_api.system == 0 and .kvm.enable_cap.split.enable == "EINVAL"' "raw answers kept" ;;
legacy)
	probe -- ; expect_exit 0; expect_no_leak
	check '.status == "ok" and .verdict.generation == "legacy"' "a 6.1 kernel is legacy"
	check '.verdict.kernel_states == ["quirked"] and .verdict.states == ["quirked"]' "legacy runs quirked only"
	check '.kvm.x2apic_api | .system == 3 and .vm == 3 and .vm_split == 3 and .vm_irqchip == 3' "caps 0x3 everywhere"
	check '[.kvm.enable_cap[][]] | all(. == "EINVAL")' "bits 2 and 3 refused everywhere"
	check '.kvm.lvr.split.legacy.directed_eoi == true and .kvm.lvr["in-kernel"].legacy.directed_eoi == false' \
		"a 6.1 LVR: Directed EOI advertised with a split irqchip only"
	check '.verdict.split_masking_observed == false and .verdict.unknown_bits == 0' "no masking, no unknown bits" ;;
fixed)
	probe -- ; expect_exit 0; expect_no_leak
	check '.status == "ok" and .verdict.generation == "fixed" and .verdict.problems == []' "a fixed kernel"
	check '.verdict.kernel_states | sort == ["not-advertised","quirked","respected"]' "all three states"
	check '.verdict.states == ["quirked"]' "without a VMM control only quirked guests can start"
	check '.kvm.x2apic_api | .system == 15 and .vm == 11 and .vm_split == 15 and .vm_irqchip == 11' "caps 0xf/0xb/0xf"
	check "$fixed_enables" "flags accepted and refused as on Linux 6.18.44"
	check "$lvr_table" "the LVR table of docs/background.md section 2"
	check '.verdict.split_masking_observed == true' "the VM-fd masking of bit 2 is observed"
	check '.message == null' "no message when ok" ;;
createvm-emfile)
	probe -- ; expect_error 'cannot create a VM on /dev/kvm: .*open files.*ulimit -n' ;;
createvm-enomem)
	probe -- ; expect_error 'cannot create a VM on /dev/kvm: out of memory.*free memory' ;;
createvm-late)
	# KVM_CREATE_VM starts failing after 5 VMs: the answers so far stay.
	scenario=fixed
	probe FAKEKVM_FAIL_VM_AFTER=5 -- ; expect_error 'cannot create a VM.*ulimit -n'
	# The in-kernel-irqchip questions come first (lib/kvm/kvm_probe.c:
	# their VMs have the slowest teardown).
	check '.kvm.x2apic_api.vm_split == 15 and .kvm.lvr["in-kernel"].legacy.value != null' "early answers kept"
	check '.kvm.lvr.split.legacy == null and .kvm.enable_cap.split.enable == null' "late questions not answered"
	check '.verdict.generation == "unknown" and .verdict.states == []' "an unfinished probe claims nothing" ;;
future)
	probe -- ; expect_exit 0; expect_no_leak
	check '.verdict.generation == "fixed" and .verdict.problems == []' "an unknown bit is not a rejection"
	check '.verdict.unknown_bits == 32 and .kvm.x2apic_api.system == 47 and .kvm.x2apic_api.vm == 43' \
		"bit 5 is kept raw and reported as unknown" ;;
inconsistent)
	probe -- ; expect_exit 0; expect_no_leak
	check '.verdict.generation == "inconsistent" and .verdict.kernel_states == ["quirked"]' \
		"a contradiction is reported, and only quirked promised"
	check '.verdict.problems | length >= 1 and any(test("accepted bit 2.*LVR bit 24 is clear"))' \
		"the problem sentence names the contradiction" ;;
hang)
	# KVM_CREATE_VM blocks for 30 s; the capability probe gives up at its
	# own bound (5000 ms, within the whole probe's 10000) and says where.
	start=$(date +%s%N)
	probe FAKEKVM_HANG_SECONDS=30 --
	elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
	(( elapsed_ms < 10000 )) || fail "a wedged ioctl held the probe for $elapsed_ms ms despite its 5000 ms bound"
	expect_error 'did not finish within 5000 ms.*KVM_CREATE_VM.*dmesg'
	# --timeout bounds the whole probe, as probe-timeout-ms does in seoibd:
	# stopped at 500 ms with a sentence and exit status 2.
	rc=0
	timeout 30 env FAKEKVM_SCENARIO=hang FAKEKVM_HANG_SECONDS=30 LD_PRELOAD="$shim" \
		"$SEOIBCTL" probe --json --no-behaviour --no-vmm --timeout 500 >"$work/out.json" 2>"$work/err" || rc=$?
	expect_exit 2
	grep -q 'did not finish within 500 ms and was stopped.*dmesg' "$work/err" ||
		fail "the whole-probe bound did not say so: $(cat "$work/err")" ;;
behaviour-late|behaviour-early)
	# The behavioural probe through the real KVM_RUN loop. late: the EOI exit
	# on the KVM_RUN after the guest's DONE write (Linux 6.18.44 kvm_pvm);
	# early: before it (TCG). Both must give the behaviour table.
	fake=fixed
	probe FAKEKVM_EOI_ORDER=${scenario#behaviour-} -- --behaviour; expect_exit 0; expect_no_leak
	check '[.behaviour.cases[].outcome] | all(. == "done")' "all six cases ran to the fence"
	check '[.behaviour.cases[].eoi_exit] == [true, true, false, true, true, true]' \
		"EOI exits everywhere but enable mode with SPIV bit 12"
	check '.behaviour.conflicts == [] and .behaviour.respected_verified == true
		and .behaviour.legacy_quirk_observed == true and .behaviour.not_advertised_verified == true' \
		"the verdicts of a fixed kernel"
	check '[.behaviour.states[].proof] | all(. == "verified")' "every state verified" ;;
behaviour-no-fence)
	# The guest never reaches its fence: every case times out at its bound,
	# nothing is concluded from the EOI exits seen so far.
	fake=fixed
	probe FAKEKVM_NO_FENCE=1 -- --behaviour; expect_exit 0; expect_no_leak
	check '[.behaviour.cases[].outcome] | all(. == "timeout")' "every case timed out"
	check '[.behaviour.cases[].detail] | all(test("never reached the fence"))' "the timeout names the fence"
	check '[.behaviour.states[].proof] | all(. == "unverified")' "inconclusive: unverified"
	check '.behaviour.respected_verified == null and .behaviour.legacy_quirk_observed == null' "no verdict"
	check '.verdict.states == ["quirked"]' "unverified quirked stays runnable (--no-vmm: no other)" ;;
behaviour-broadcast)
	# A kernel that accepts bit 2 yet broadcasts the EOI of a guest that set
	# SPIV bit 12: respected is contradicted, never runnable; probe exits 4.
	fake=broadcast
	probe -- --behaviour; expect_exit 4; expect_no_leak
	check '.behaviour.states.respected.proof == "contradicted"' "respected contradicted"
	check '.behaviour.states.respected.evidence | test("still had its EOI of vector 0x50 broadcast")' \
		"the evidence says what the guest saw"
	check '.behaviour.states.quirked.proof == "verified" and .behaviour.states["not-advertised"].proof == "verified"' \
		"the other states verified"
	check '.verdict.kernel_states | length == 3' "the kernel still claims respected"
	grep -q 'contradicts the capability bits of kernel .*report it' "$work/err" || fail "stderr: $(cat "$work/err")"
	# Even with a VMM control and respected listed, the policy engine gives a
	# split 0x20 guest quirked here, saying why and what to do.
	jq '.vmm.can_set_state = true | .verdict.states = .verdict.kernel_states' "$work/out.json" >"$work/host.json"
	rc=0
	"$SEOIBCTL" policy --xml "$SEOIB_SOURCE_ROOT/tests/policy/data/split-respected-fixed.xml" \
		--host "$work/host.json" --json >"$work/decision.json" 2>"$work/err" || rc=$?
	jq -e '.state == "quirked" and (.host.why | test("contradicts respected")) and .host.proof == "verified"
		and (.remediation | test("report kernel"))' "$work/decision.json" >/dev/null ||
		fail "policy gave: $(cat "$work/decision.json" "$work/err")" ;;
leak-check)
	# The leak report itself must be able to fail: a program that leaks.
	rc=0
	timeout 30 env FAKEKVM_SCENARIO=fixed FAKEKVM_REPORT="$report" LD_PRELOAD="$shim" "$leak_helper" || rc=$?
	[[ $rc == 0 ]] || fail "fakekvm-leak failed ($rc)"
	grep -qx 'open_fake_fds=3' "$report" || fail "the shim missed a leak: $(tr '\n' ' ' <"$report")" ;;
*)
	fail "no such scenario" ;;
esac
echo "ok [$scenario]"
