#!/bin/bash
# The hook in a real libvirtd: with KVM, an at-risk Windows-like guest
# (libosinfo win11 + Hyper-V, split irqchip) on a legacy host is refused at
# `virsh start` in enforce mode with the remediation in virsh's error, allowed
# in warn mode; without KVM the same guest is TCG, not exposed, and starts.
# A plain guest starts; a missing record follows on-error.
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
make_work_dir libvirt-start T
at_exit lv_cleanup
A=$T/a
WIN=6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
LIN=7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
lv_prepare "$A" a hv-legacy 11111111-2222-3333-4444-555555555555 0
lv_record legacy hv-legacy "$A/run/seoib/host.json"
lv_start "$A"
if lv_have_kvm; then
	echo "KVM guests on the real KVM (the host's /dev/kvm is $(lv_kvm_node_mode); libvirtd gets its own 0660 root:kvm node with the same numbers)"
else
	echo "TCG guests: no /dev/kvm on this machine, so the same guest is not exposed"
fi
lv_domain win11 $WIN windows >"$T/win11.xml"
lv_domain vm-linux $LIN linux >"$T/linux.xml"
lv_virsh "$A" define "$T/win11.xml" >/dev/null
lv_virsh "$A" define "$T/linux.xml" >/dev/null

if lv_have_kvm; then
	# enforce: refused, with the reason and the remediation in virsh's error.
	rc=0; err=$(lv_virsh "$A" start win11 2>&1) || rc=$?
	[ "$rc" != 0 ] || lv_fail "virsh start win11 succeeded in enforce mode"
	lv_expect_contains "$err" "Hook script execution failed" "virsh error"
	lv_expect_contains "$err" "seoib: refused: 'win11' would start quirked with risk high" "virsh error"
	lv_expect_contains "$err" "to fix: " "virsh error"
	lv_expect_contains "$err" "<ioapic driver='kvm'/>" "remediation in virsh error"
	[ "$(lv_virsh "$A" domstate win11)" = "shut off" ] || lv_fail "win11 runs after a refused start"
	[ ! -e "$A/run/seoib/domains/$WIN.json" ] || lv_fail "a refused guest was recorded"
else
	# TCG, the only guests libvirtd can start without KVM: QEMU's own local
	# APIC never advertises Directed EOI, so the same guest is not exposed
	# and starts in enforce mode on the legacy host.
	lv_virsh "$A" start win11 >/dev/null || lv_fail "virsh start of a TCG win11 was refused"
	jq -e '.state == "quirked" and .verdict == "allow"' "$A/run/seoib/domains/$WIN.json" >/dev/null ||
		lv_fail "TCG win11's record: $(cat "$A/run/seoib/domains/$WIN.json")"
	lv_virsh "$A" destroy win11 >/dev/null
fi

# A guest without the risk starts, and its state is recorded, then forgotten.
lv_virsh "$A" start vm-linux >/dev/null
jq -e '.state == "quirked" and .verdict == "allow" and .name == "vm-linux"' \
	"$A/run/seoib/domains/$LIN.json" >/dev/null || lv_fail "vm-linux's record: $(cat "$A/run/seoib/domains/$LIN.json")"
lv_virsh "$A" destroy vm-linux >/dev/null
[ ! -e "$A/run/seoib/domains/$LIN.json" ] || lv_fail "stopped guest not forgotten"

# A guest named like an option is a guest: libvirtd runs the hook with
# "--help prepare begin -", and the hook judges and records it.
DASH=8b1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
lv_domain --help $DASH linux >"$T/dash.xml"
lv_virsh "$A" define "$T/dash.xml" >/dev/null
lv_virsh "$A" start -- --help >/dev/null || lv_fail "virsh start --help failed"
jq -e '.name == "--help" and .operation == "prepare"' "$A/run/seoib/domains/$DASH.json" >/dev/null ||
	lv_fail "the hook did not judge the guest named --help: $(cat "$A/run/seoib/domains/$DASH.json" 2>&1)"
lv_virsh "$A" destroy -- --help >/dev/null
lv_virsh "$A" undefine -- --help >/dev/null

if lv_have_kvm; then
	# warn: the same guest starts, the decision recorded as a warning.
	lv_config "$A" warn allow
	lv_virsh "$A" start win11 >/dev/null || lv_fail "virsh start win11 failed in warn mode"
	jq -e '.verdict == "warn"' "$A/run/seoib/domains/$WIN.json" >/dev/null || lv_fail "win11 not recorded as warn"
	lv_virsh "$A" destroy win11 >/dev/null
fi

# No host record: on-error = allow starts it; on-error = deny refuses, saying why.
rm "$A/run/seoib/host.json"
lv_config "$A" enforce allow
lv_virsh "$A" start vm-linux >/dev/null || lv_fail "on-error = allow refused a start without a record"
lv_virsh "$A" destroy vm-linux >/dev/null
lv_config "$A" enforce deny
rc=0; err=$(lv_virsh "$A" start vm-linux 2>&1) || rc=$?
[ "$rc" != 0 ] || lv_fail "on-error = deny allowed a start without a record"
lv_expect_contains "$err" "no usable host record" "on-error = deny error"
lv_expect_contains "$err" "on-error = deny" "on-error = deny error"
echo "PASS: start gate"
