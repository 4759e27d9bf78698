#!/bin/bash
# The capability probe on a real /dev/kvm: what docs/background.md section 2 measured.
# A fixed kernel (Linux >= 6.18.17 / 7.x) must show caps 0xf/0xb/0xf and the
# LVR table; an older one the legacy answers. Which one is decided from the
# measured system caps, and every other measurement must agree with it.
# Skipped (77) where there is no usable /dev/kvm.
set -euo pipefail

: "${SEOIBCTL:?SEOIBCTL must name the built seoibctl (meson test sets it)}"
. "$(dirname "$0")/../lib.sh"
device=${SEOIB_KVM_DEVICE:-/dev/kvm}
if [[ ! -c $device || ! -r $device || ! -w $device ]]; then
	skip "no /dev/kvm on this machine: real-hardware checks skipped"
fi

make_work_dir realkvm-probe work
rc=0
timeout 60 "$SEOIBCTL" probe --json --no-vmm --device "$device" >"$work/out.json" 2>"$work/err" || rc=$?
if [[ $rc == 3 ]] && jq -e '.status == "kvm-unavailable"' "$work/out.json" >/dev/null 2>&1; then
	skip "no usable /dev/kvm on this machine ($(jq -r .message "$work/out.json")): real-hardware checks skipped"
fi

# After a failure, what the probe recorded.
at_exit '[ $? -ne 1 ] || echo "record: $(jq -c "{status,message,kvm,verdict}" "$work/out.json" 2>/dev/null)" >&2'
check() { jq -e "$1" "$work/out.json" >/dev/null || fail "$2"; }

[[ $rc == 0 ]] || fail "seoibctl probe exited $rc (stderr: $(cat "$work/err"))"
check '.status == "ok" and .kvm.api_version == 12' "status ok, API version 12"
check '.kvm.split_irqchip >= 1 and .kvm.irqchip >= 1' "split and in-kernel irqchips supported"
check '.kvm.lvr.split.legacy.directed_eoi == true' "a split-irqchip quirked guest sees Directed EOI"
check '.kvm.lvr["in-kernel"].legacy.directed_eoi == false' "an in-kernel-irqchip guest never sees it (0bcc3fb95b97)"
check '[.kvm.enable_cap[].both] | all(. == "EINVAL")' "bits 2|3 together are refused"

system=$(jq -r '.kvm.x2apic_api.system' "$work/out.json")
case $(( system & 0xf )) in
15)
	echo "kernel $(uname -r): fixed (KVM_CAP_X2APIC_API 0x$(printf %x "$system"))"
	check '.kvm.x2apic_api | (.vm % 16) == 11 and (.vm_split % 16) == 15' "caps 0xf / 0xb / 0xf"
	check '.kvm.enable_cap.split.enable == "accepted" and .kvm.enable_cap.split.disable == "accepted"
		and .kvm.enable_cap["in-kernel"].enable == "EINVAL" and .kvm.enable_cap["in-kernel"].disable == "accepted"' \
		"bit 2 on split only, bit 3 on both"
	check '.kvm.lvr.split.enable.directed_eoi == true and .kvm.lvr.split.disable.directed_eoi == false
		and .kvm.lvr["in-kernel"].disable.directed_eoi == false' "the LVR table of docs/background.md section 2"
	check '.verdict.generation == "fixed" and .verdict.problems == [] and .verdict.split_masking_observed == true' \
		"verdict fixed, masking observed"
	check '.verdict.kernel_states | sort == ["not-advertised","quirked","respected"]' "all three states" ;;
3)
	echo "kernel $(uname -r): legacy (KVM_CAP_X2APIC_API 0x$(printf %x "$system"))"
	check '.kvm.x2apic_api | (.vm % 16) == 3 and (.vm_split % 16) == 3 and (.vm_irqchip % 16) == 3' "caps 0x3 everywhere"
	check '[.kvm.enable_cap[][]] | all(. == "EINVAL")' "bits 2 and 3 refused everywhere"
	check '.verdict.generation == "legacy" and .verdict.kernel_states == ["quirked"] and .verdict.problems == []' \
		"verdict legacy, quirked only" ;;
*)
	fail "KVM_CAP_X2APIC_API 0x$(printf %x "$system") is neither a fixed (0xf) nor a legacy (0x3) kernel" ;;
esac
echo "ok: real /dev/kvm agrees with docs/background.md section 2"
