# A fixed kernel (Linux 7.0 and later, 6.18.17 and later; Debian
# trixie-backports 7.3): bits 2 and 3 of KVM_CAP_X2APIC_API (kvm-x86 commit
# 6517dfbcc918), values and tables of docs/background.md section 2. One jq expression a
# line, each must print true on the host record (docs/host-record.md);
# $release and $suite are set by kernel-test.sh.
.schema == "seoib.host/1"
.host.kernel_release == $release
.status == "ok"
.message == null
.kvm.api_version == 12
.verdict.generation == "fixed"
(.verdict.kernel_states | sort) == (["not-advertised", "quirked", "respected"])
.verdict.problems == []
.verdict.unknown_bits == 0
# 0xf on /dev/kvm, bit 2 masked on a VM fd without a split irqchip (0xb), 0xf
# again after KVM_CAP_SPLIT_IRQCHIP: why the system fd alone is not trusted.
.kvm.x2apic_api.system == 15
.kvm.x2apic_api.vm == 11
.kvm.x2apic_api.vm_split == 15
.kvm.x2apic_api.vm_irqchip == 11
.verdict.split_masking_observed == true
.kvm.split_irqchip >= 1
.kvm.irqchip >= 1
# Bit 2 needs a split irqchip; bit 3 is accepted in both modes; 2|3 never.
.kvm.enable_cap.split.enable == "accepted"
.kvm.enable_cap.split.disable == "accepted"
.kvm.enable_cap.split.both == "EINVAL"
.kvm.enable_cap["in-kernel"].enable == "EINVAL"
.kvm.enable_cap["in-kernel"].disable == "accepted"
.kvm.enable_cap["in-kernel"].both == "EINVAL"
# LVR bit 24 (docs/background.md section 2): split 1 / 1 / 0, in-kernel 0 / EINVAL / 0.
.kvm.lvr.split.legacy.directed_eoi == true
.kvm.lvr.split.enable.directed_eoi == true
.kvm.lvr.split.disable.directed_eoi == false
.kvm.lvr["in-kernel"].legacy.directed_eoi == false
.kvm.lvr["in-kernel"].enable.error == "EINVAL"
.kvm.lvr["in-kernel"].disable.directed_eoi == false
# directed_eoi is LVR bit 24 of the raw value; KVM's local APIC is version 0x14.
[.kvm.lvr[][] | select(has("value"))] | length == 5
[.kvm.lvr[][] | select(has("value")) | (.directed_eoi == ((.value / 16777216 | floor) % 2 == 1)) and (.value % 256 == 20)] | all
