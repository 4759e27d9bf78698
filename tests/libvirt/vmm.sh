#!/bin/bash
# The VMM model in a real libvirtd: what the hook records and what apply
# writes follow what QEMU will run, never seoib's preference alone.
#  1. Stock QEMU (model none): a guest runs quirked whatever seoib prefers,
#     and the reasons say so; a guest whose metadata says respected is
#     refused at start (enforce); in warn mode it starts and is recorded
#     quirked, the state it runs in.
#  2. An accelerator property (libvirt cannot set it): apply records the
#     default it will run in and says why; nothing is written to the XML.
#  3. A machine property (tests/libvirt/qemu-seoib as <emulator>): a start
#     whose XML would run another state than the recorded one is refused;
#     apply writes the argument, the guest then runs the recorded state.
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
make_work_dir libvirt-vmm T
at_exit lv_cleanup
# KVM guests: a TCG guest is never exposed (QEMU's own local APIC), so it
# has no state to decide, record or carry. Without /dev/kvm they run on TCG
# behind a KVM-looking QEMU (lib.sh, kvm-on-tcg).
lv_kvm_guests "$T/emu"
A=$T/a
LIN=5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
STICKY=5b1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
MISMATCH=5c1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
META=https://seoib.org/xmlns/libvirt/guest/1
lv_prepare "$A" a hv-a 11111111-2222-3333-4444-555555555555 0
lv_record fixed-stock-qemu hv-a "$A/run/seoib/host.json"
lv_qemu_wrapper "$T/emu"
EMU=$T/emu/qemu-seoib
lv_start "$A"
URI=$(lv_uri "$A")
LV_EMULATOR=$EMU lv_domain vm-linux $LIN linux >"$T/linux.xml"
LV_EMULATOR=$EMU lv_domain vm-sticky $STICKY linux respected >"$T/sticky.xml"
LV_EMULATOR=$EMU LV_QEMU_ARGS="-machine seoib-policy=quirked" lv_domain vm-mismatch $MISMATCH linux respected >"$T/mismatch.xml"
for x in linux sticky mismatch; do lv_virsh "$A" define "$T/$x.xml" >/dev/null; done
apply() { lv_exec "$A" "$SEOIBCTL" apply --domain "$1" -c "$URI" --config "$A/seoib.conf"; }
policy() { "$SEOIBCTL" policy --domain "$1" --connect "$URI" --host "$A/run/seoib/host.json" --json; }

# 1. Stock QEMU.
rc=0; json=$(policy vm-linux) || rc=$?
jq -e '.state == "quirked" and .vmm.known and (.reasons | any(test("VMM model none.*every guest runs quirked")))' \
	<<<"$json" >/dev/null || lv_fail "policy on stock QEMU: $json"
lv_virsh "$A" start vm-linux >/dev/null
lv_expect_kvm_guest "$A" vm-linux
jq -e '.state == "quirked"' "$A/run/seoib/domains/$LIN.json" >/dev/null || lv_fail "vm-linux not recorded quirked"
lv_virsh "$A" destroy vm-linux >/dev/null
rc=0; err=$(lv_virsh "$A" start vm-sticky 2>&1) || rc=$?
[ "$rc" != 0 ] || lv_fail "a guest recorded respected started on stock QEMU in enforce mode"
lv_expect_contains "$err" "QEMU would start guest vm-sticky quirked, not in its recorded state respected" "refused start"
lv_expect_contains "$err" "VMM model none" "refused start"
lv_config "$A" warn allow
lv_virsh "$A" start vm-sticky >/dev/null || lv_fail "warn mode refused vm-sticky"
jq -e '.state == "quirked" and .verdict == "warn"' "$A/run/seoib/domains/$STICKY.json" >/dev/null ||
	lv_fail "warn mode recorded a state vm-sticky does not run: $(cat "$A/run/seoib/domains/$STICKY.json")"
[ "$(cat "$T/emu/states/vm-sticky")" = quirked ] || lv_fail "the wrapper ran vm-sticky $(cat "$T/emu/states/vm-sticky")"
lv_virsh "$A" destroy vm-sticky >/dev/null
lv_config "$A" enforce allow

# 2. An accelerator property: apply records the default and says why.
lv_record fixed-control hv-a "$A/run/seoib/host.json"
out=$(apply vm-linux) || lv_fail "apply on an accelerator-property host failed: $out"
lv_expect_contains "$out" "state quirked recorded (persistent)" "apply (accelerator)"
lv_expect_contains "$out" "seoib prefers respected" "apply (accelerator)"
lv_expect_contains "$out" "one in <qemu:commandline> is never used" "apply (accelerator)"
lv_expect_contains "$(lv_virsh "$A" metadata vm-linux --uri $META --config)" 'state="quirked"' "metadata (accelerator)"
case "$(lv_virsh "$A" dumpxml --inactive vm-linux)" in *qemu:arg*) lv_fail "apply wrote an argument for an accelerator property" ;; esac

# 3. A machine property, read from the wrapper over QMP.
VMM=$(lv_probe_vmm "$EMU")
lv_record_vmm fixed-control hv-a "$A/run/seoib/host.json" "$VMM"
for dom in vm-sticky vm-mismatch; do
	rc=0; err=$(lv_virsh "$A" start $dom 2>&1) || rc=$?
	[ "$rc" != 0 ] || lv_fail "$dom started though its XML makes QEMU run quirked, not its recorded respected"
	lv_expect_contains "$err" "QEMU would start guest $dom quirked, not in its recorded state respected" "refused $dom"
	lv_expect_contains "$err" "seoibctl apply --domain $dom" "refused $dom"
done
out=$(apply vm-mismatch) || lv_fail "apply vm-mismatch failed: $out"
lv_expect_contains "$out" "-machine seoib-policy=respected written" "apply vm-mismatch"
lv_virsh "$A" start vm-mismatch >/dev/null || lv_fail "vm-mismatch refused after apply"
jq -e '.state == "respected"' "$A/run/seoib/domains/$MISMATCH.json" >/dev/null || lv_fail "vm-mismatch not recorded respected"
[ "$(cat "$T/emu/states/vm-mismatch")" = respected ] || lv_fail "the wrapper ran vm-mismatch $(cat "$T/emu/states/vm-mismatch")"
echo "PASS: VMM models"
