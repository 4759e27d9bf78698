#!/bin/bash
# seoibctl apply --remediation against a real libvirtd, the real hook and
# real QEMU: the change is shown first and written only with --yes; the
# edited persistent definition then starts. An at-risk Windows guest that
# needs no split irqchip gets <ioapic driver='kvm'/> and starts under
# enforce; one with an IOMMU's interrupt remapping (split needed) is refused
# the in-kernel irqchip and gets a CPU without x2APIC, which QEMU runs. A
# loop over every guest with --remediation auto fixes what is at risk and
# leaves the rest alone.
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
make_work_dir libvirt-remediate T
at_exit lv_cleanup
A=$T/a
WIN=6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4f
IOM=5e1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4f
LIN=7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4f
lv_kvm_guests "$T/kvm"
lv_prepare "$A" a hv-legacy 11111111-2222-3333-4444-555555555557 0
lv_record legacy hv-legacy "$A/run/seoib/host.json"
lv_start "$A"
lv_domain win11 $WIN windows >"$T/win11.xml"
# Interrupt remapping needs the split irqchip (QEMU refuses it in-kernel).
lv_domain win11-iommu $IOM windows |
	sed "s|<memballoon model='none'/>|&<iommu model='intel'><driver intremap='on'/></iommu>|" >"$T/iommu.xml"
lv_domain vm-linux $LIN linux >"$T/linux.xml"
for x in win11 iommu linux; do lv_virsh "$A" define "$T/$x.xml" >/dev/null; done

apply() { lv_exec "$A" "$SEOIBCTL" apply --config "$A/seoib.conf" "$@"; }
audit_verdict() { # NAME: the hook's verdict at its next start, by seoibctl audit
	lv_exec "$A" "$SEOIBCTL" audit --config "$A/seoib.conf" --json 2>/dev/null |
		jq -r --arg n "$1" '.domains[] | select(.name == $n) | .hook.verdict'
}
qemu_cmdline() { tr '\0' ' ' <"/proc/$(cat "$A/run/libvirt/qemu/$1.pid")/cmdline"; }
[ "$(audit_verdict win11)" = refuse ] || lv_fail "win11 is not refused to begin with: $(audit_verdict win11)"

# A dry run by default: shown, nothing written.
before=$(lv_virsh "$A" dumpxml --inactive win11)
out=$(apply --domain win11 --remediation in-kernel-irqchip)
lv_expect_contains "$out" "- <ioapic driver=\"qemu\"/>" "dry run"
lv_expect_contains "$out" "+ <ioapic driver=\"kvm\"/>" "dry run"
lv_expect_contains "$out" "nothing written" "dry run"
[ "$(lv_virsh "$A" dumpxml --inactive win11)" = "$before" ] || lv_fail "a dry run changed win11's definition"
rc=0; apply --domain win11 --remediation bogus >/dev/null 2>&1 || rc=$?
[ "$rc" = 2 ] || lv_fail "--remediation bogus: exit $rc, not 2"

# --yes writes it; the gate now allows it under enforce, and QEMU runs the
# in-kernel irqchip.
out=$(apply --domain win11 --remediation in-kernel-irqchip --yes)
lv_expect_contains "$out" "written; it takes effect" "apply --yes"
lv_virsh "$A" dumpxml --inactive win11 | grep -q "<ioapic driver='kvm'/>" || lv_fail "no <ioapic driver='kvm'/> in win11"
[ "$(audit_verdict win11)" = allow ] || lv_fail "win11 after the remediation: $(audit_verdict win11)"
lv_virsh "$A" start win11 >/dev/null || lv_fail "win11 with the in-kernel irqchip did not start under enforce"
lv_expect_contains "$(qemu_cmdline win11)" "kernel_irqchip=on" "win11's QEMU command line"
lv_virsh "$A" destroy win11 >/dev/null
out=$(apply --domain win11 --remediation in-kernel-irqchip --yes)
lv_expect_contains "$out" "already has in-kernel-irqchip" "apply again"
apply --domain win11 --remediation in-kernel-irqchip --json |
	jq -e '.domain == "win11" and .remediation == "in-kernel-irqchip" and .needed and .changed == false
		and .written == false and (.before | contains("kvm"))' >/dev/null || lv_fail "apply --json, nothing to change"

# Split needed: the in-kernel irqchip does not fit; a CPU without x2APIC does.
rc=0; err=$(apply --domain win11-iommu --remediation in-kernel-irqchip --yes 2>&1) || rc=$?
[ "$rc" = 1 ] || lv_fail "in-kernel irqchip for a guest that needs split: exit $rc, not 1: $err"
lv_expect_contains "$err" "needs the split irqchip" "in-kernel for win11-iommu"
out=$(apply --domain win11-iommu --remediation auto)
lv_expect_contains "$out" "no-x2apic" "auto for win11-iommu"
lv_expect_contains "$out" "+ <cpu" "auto for win11-iommu"
lv_expect_contains "$out" "<feature name=\"x2apic\" policy=\"disable\"/>" "auto for win11-iommu"
apply --domain win11-iommu --remediation auto --json |
	jq -e '.remediation == "no-x2apic" and .risk == "high" and .changed and .written == false
		and (.after | contains("x2apic"))' >/dev/null || lv_fail "apply --remediation auto --json (dry run)"
apply --domain vm-linux --remediation auto --json | jq -e '.needed == false and .risk == "low"' >/dev/null ||
	lv_fail "apply --remediation auto --json for vm-linux"
# A guest seoib cannot judge (no libosinfo id, vmx): auto changes nothing,
# and says so with what would let seoib judge it, not "no remediation needed".
lv_domain vm-unknown 8b1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4f windows |
	sed -e 's|<libosinfo:libosinfo .*</libosinfo:libosinfo>||' -e "s|<hyperv mode='custom'><relaxed state='on'/></hyperv>||" \
	>"$T/unknown.xml"
lv_virsh "$A" define "$T/unknown.xml" >/dev/null
out=$(apply --domain vm-unknown --remediation auto)
lv_expect_contains "$out" "'vm-unknown': risk unknown here: --remediation auto changes only a guest at high risk" "auto for vm-unknown"
lv_expect_contains "$out" "to fix: say which OS guest vm-unknown runs" "auto for vm-unknown"
! grep -q "no remediation needed" <<<"$out" || lv_fail "auto for vm-unknown: $out"
lv_virsh "$A" undefine vm-unknown >/dev/null

# The fleet loop: every guest, auto, --yes; exit 0 each time.
for d in $(lv_virsh "$A" list --all --name); do
	apply --domain "$d" --remediation auto --yes >>"$T/loop.out" || lv_fail "the loop failed on $d: $(cat "$T/loop.out")"
done
lv_expect_contains "$(cat "$T/loop.out")" "'vm-linux': risk low here: no remediation needed" "loop"
lv_virsh "$A" dumpxml --inactive win11-iommu | grep -q "<feature policy='disable' name='x2apic'/>" ||
	lv_fail "no x2apic feature disabled in win11-iommu: $(lv_virsh "$A" dumpxml --inactive win11-iommu | grep -A4 '<cpu')"
lv_virsh "$A" dumpxml --inactive vm-linux | grep -q "<ioapic driver='qemu'/>" || lv_fail "the loop changed vm-linux"
# QEMU runs the edited definition: intremap on the split irqchip, no x2APIC.
# (Whether the policy then calls it safe is the policy's own question; the
# start here is under hook-mode = warn.)
lv_config "$A" warn allow
rc=0; err=$(lv_virsh "$A" start win11-iommu 2>&1) || rc=$?
[ "$rc" = 0 ] || lv_fail "win11-iommu without x2APIC did not start: $err"
cmd=$(qemu_cmdline win11-iommu)
grep -Eq -- '(x2apic=off|-x2apic)' <<<"$cmd" || lv_fail "win11-iommu's QEMU still has x2APIC: $cmd"
lv_expect_contains "$cmd" "kernel_irqchip=split" "win11-iommu's QEMU command line"
lv_virsh "$A" destroy win11-iommu >/dev/null
echo "PASS: remediations shown, written, and started by QEMU"
