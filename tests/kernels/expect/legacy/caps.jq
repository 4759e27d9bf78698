# A legacy kernel (Linux 4.8 .. 6.12; Debian bookworm 6.1, bookworm-backports 6.12):
# KVM_CAP_X2APIC_API has bits 0-1 only, bits 2 and 3 are unknown flags that
# KVM_ENABLE_CAP refuses with EINVAL (docs/background.md section 2). One jq expression a
# line, each must print true on the host record (docs/host-record.md);
# $release and $suite are set by kernel-test.sh.
.schema == "seoib.host/1"
.host.kernel_release == $release
.status == "ok"
.message == null
.kvm.api_version == 12
.verdict.generation == "legacy"
# Every guest is quirked: the kernel can run nothing else.
.verdict.kernel_states == ["quirked"]
.verdict.problems == []
.verdict.unknown_bits == 0
# 0x3 everywhere: nothing to mask on a VM fd, so no masking is observed.
.kvm.x2apic_api.system == 3
.kvm.x2apic_api.vm == 3
.kvm.x2apic_api.vm_split == 3
.kvm.x2apic_api.vm_irqchip == 3
.verdict.split_masking_observed == false
.kvm.split_irqchip >= 1
.kvm.irqchip >= 1
# Bits 2, 3 and 2|3 refused in both irqchip modes.
.kvm.enable_cap.split.enable == "EINVAL"
.kvm.enable_cap.split.disable == "EINVAL"
.kvm.enable_cap.split.both == "EINVAL"
.kvm.enable_cap["in-kernel"].enable == "EINVAL"
.kvm.enable_cap["in-kernel"].disable == "EINVAL"
.kvm.enable_cap["in-kernel"].both == "EINVAL"
# Legacy LVR: Directed EOI advertised with a split irqchip (the bug), never
# with the in-kernel I/O APIC 0x11 (commit 0bcc3fb95b97).
.kvm.lvr.split.legacy.directed_eoi == true
.kvm.lvr["in-kernel"].legacy.directed_eoi == false
.kvm.lvr.split.enable.error == "EINVAL"
.kvm.lvr.split.disable.error == "EINVAL"
.kvm.lvr["in-kernel"].enable.error == "EINVAL"
.kvm.lvr["in-kernel"].disable.error == "EINVAL"
# directed_eoi is LVR bit 24 of the raw value; KVM's local APIC is version 0x14.
[.kvm.lvr[][] | select(has("value"))] | length == 2
[.kvm.lvr[][] | select(has("value")) | (.directed_eoi == ((.value / 16777216 | floor) % 2 == 1)) and (.value % 256 == 20)] | all
