#!/bin/bash
# Real live migration between two libvirtd instances with the real hook, the
# guest run by tests/libvirt/qemu-seoib (a QEMU whose state is the machine
# property seoib-policy, default quirked, read over QMP by the real probe).
# The state a guest runs in is what QEMU runs, never a prediction: started
# before `seoibctl apply` it runs (and is recorded) quirked; apply writes
# -machine seoib-policy=respected and the metadata into its definition, and
# it then runs respected. A destination whose record lacks respected refuses
# it (the guest keeps running on the source), one that has it receives it
# with the metadata intact. `seoibctl check --dest` gives the same verdicts,
# from a record file and over real SSH (sshd on loopback, key
# authentication, BatchMode) in this test's network namespace. Last, a
# guest without metadata from an `automatic` source: check --dest judges it
# by the source's VMM model, the destination hook cannot and follows on-error.
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
command -v /usr/sbin/sshd >/dev/null && command -v ssh-keygen >/dev/null || { echo "SKIP: openssh is not installed"; exit 77; }
# Own network namespace: the migration and ssh ports are this test's alone.
if [ -z "${LV_IN_NETNS:-}" ]; then
	exec env LV_IN_NETNS=1 unshare --net "$0" "$@"
fi
ip link set lo up
make_work_dir libvirt-migrate T
S=$T/ssh
at_exit lv_cleanup
at_exit 'lv_kill_pidfile "$S/sshd.pid"'
# KVM guests: a TCG guest is never exposed (QEMU's own local APIC), so it
# has no state to decide, record or carry. Without /dev/kvm they run on TCG
# behind a KVM-looking QEMU (lib.sh, kvm-on-tcg).
lv_kvm_guests "$T/emu"
A=$T/a B=$T/b
UUID=8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
lv_prepare "$A" a hv-src 11111111-2222-3333-4444-555555555555 0
lv_prepare "$B" b hv-dst 66666666-7777-8888-9999-000000000000 16510
lv_qemu_wrapper "$T/emu"
EMU=$T/emu/qemu-seoib
VMM=$(lv_probe_vmm "$EMU")
jq -e '.model == "property" and .property.location == "machine" and .property.default == "quirked"' <<<"$VMM" >/dev/null ||
	lv_fail "the wrapper's VMM model: $VMM"
lv_record_vmm fixed-control hv-src "$A/run/seoib/host.json" "$VMM"
lv_record legacy hv-dst "$B/run/seoib/host.json"
lv_start "$A"
lv_start "$B"

# sshd "on hv-dst" (lib.sh): seoibctl reaches B's record over real ssh.
lv_sshd_as "$B" hv-dst "$S"

URI_A=$(lv_uri "$A") URI_B=$(lv_uri "$B")
LV_EMULATOR=$EMU lv_domain vm1 $UUID linux >"$T/vm1.xml"
lv_virsh "$A" define "$T/vm1.xml" >/dev/null

# Before apply, QEMU runs the property's default: the hook records that.
lv_virsh "$A" start vm1 >/dev/null
jq -e '.state == "quirked"' "$A/run/seoib/domains/$UUID.json" >/dev/null ||
	lv_fail "vm1 without the argument not recorded quirked: $(cat "$A/run/seoib/domains/$UUID.json")"
[ "$(cat "$T/emu/states/vm1")" = quirked ] || lv_fail "the wrapper ran vm1 $(cat "$T/emu/states/vm1")"
lv_virsh "$A" destroy vm1 >/dev/null

# apply writes the argument and the metadata into the definition.
lv_exec "$A" "$SEOIBCTL" apply --domain vm1 -c "$URI_A" --config "$A/seoib.conf" >"$T/apply.out"
lv_expect_contains "$(cat "$T/apply.out")" "state respected recorded (persistent)" "seoibctl apply"
lv_expect_contains "$(cat "$T/apply.out")" "-machine seoib-policy=respected written" "seoibctl apply"
lv_expect_contains "$(lv_virsh "$A" dumpxml --inactive vm1)" "<qemu:arg value='seoib-policy=respected'/>" "definition after apply"
lv_virsh "$A" start vm1 >/dev/null
jq -e '.state == "respected"' "$A/run/seoib/domains/$UUID.json" >/dev/null ||
	lv_fail "vm1 did not start respected on hv-src: $(cat "$A/run/seoib/domains/$UUID.json")"
[ "$(cat "$T/emu/states/vm1")" = respected ] || lv_fail "the wrapper ran vm1 $(cat "$T/emu/states/vm1") after apply"
for flag in --live --config; do
	meta=$(lv_virsh "$A" metadata vm1 --uri https://seoib.org/xmlns/libvirt/guest/1 $flag)
	lv_expect_contains "$meta" 'state="respected"' "metadata ($flag)"
done
# A second apply finds nothing to write.
lv_exec "$A" "$SEOIBCTL" apply --domain vm1 -c "$URI_A" --config "$A/seoib.conf" >"$T/apply.out"
[ "$(lv_virsh "$A" dumpxml --inactive vm1 | grep -c "seoib-policy=respected")" = 1 ] ||
	lv_fail "a second apply wrote the argument again"

# 1. hv-dst lacks bit 2: check says refuse, by file and over ssh; migration refused.
lv_check_dest 1 "legacy hv-dst"
jq -e '.domains[0].verdict == "refuse" and .domains[0].state == "respected"' <<<"$json" >/dev/null ||
	lv_fail "check: $json"
rc=0; err=$(lv_virsh "$A" migrate --live vm1 "$URI_B" --migrateuri tcp://127.0.0.1:49152 2>&1) || rc=$?
[ "$rc" != 0 ] || lv_fail "migration to a host that lacks respected succeeded"
lv_expect_contains "$err" "seoib: refused: 'vm1' runs respected" "refused migration error"
[ "$(lv_virsh "$A" domstate vm1)" = running ] || lv_fail "vm1 is not running on the source after a refused migration"
[ -z "$(lv_virsh "$B" list --name)" ] || lv_fail "vm1 appeared on the refusing destination"

# 2. hv-dst upgraded: check says ok, both ways; the migration succeeds.
lv_record_vmm fixed-control hv-dst "$B/run/seoib/host.json" "$VMM"
lv_check_dest 0 "fixed hv-dst"
lv_virsh "$A" migrate --live vm1 "$URI_B" --migrateuri tcp://127.0.0.1:49153 >/dev/null ||
	lv_fail "migration to a host that supports respected failed"
[ "$(lv_virsh "$B" domstate vm1)" = running ] || lv_fail "vm1 is not running on hv-dst"
lv_expect_kvm_guest "$B" vm1
jq -e '.state == "respected"' "$B/run/seoib/domains/$UUID.json" >/dev/null || lv_fail "hv-dst did not record vm1 respected"
[ ! -e "$A/run/seoib/domains/$UUID.json" ] || lv_fail "hv-src did not forget vm1 after it left"
lv_expect_contains "$(lv_virsh "$B" metadata vm1 --uri https://seoib.org/xmlns/libvirt/guest/1)" 'state="respected"' \
	"metadata travelled"
[ "$(cat "$T/emu/states/vm1")" = respected ] || lv_fail "the destination's QEMU ran vm1 $(cat "$T/emu/states/vm1")"

# 4. An automatic source (vmm-model = automatic: it has no property to
# find), a guest without metadata: its QEMU chose respected by itself.
AUTO=$(jq -c '.model = "automatic" | .model_configured = true | .property = null | .controls = [] | .can_set_state = false' <<<"$VMM")
lv_record_vmm fixed-control hv-src "$A/run/seoib/host.json" "$AUTO"
lv_record legacy hv-dst "$B/run/seoib/host.json"
UUID2=9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
lv_domain vm2 $UUID2 linux >"$T/vm2.xml"
lv_virsh "$A" define "$T/vm2.xml" >/dev/null
lv_virsh "$A" start vm2 >/dev/null
jq -e '.state == "respected"' "$A/run/seoib/domains/$UUID2.json" >/dev/null ||
	lv_fail "vm2 on an automatic QEMU not recorded respected: $(cat "$A/run/seoib/domains/$UUID2.json")"
# (In hv-src's namespace: its /run/seoib holds its record and the hook's.)
rc=0; json=$(lv_exec "$A" "$SEOIBCTL" check --dest hv-dst -c "$URI_A" --domain vm2 --json --config "$A/seoib.conf" \
	--record-from-file "$B/run/seoib/host.json" 2>"$T/check.err") || rc=$?
[ "$rc" = 1 ] || lv_fail "check vm2 vs legacy hv-dst: exit $rc: $json $(cat "$T/check.err")"
jq -e '.domains[0].state == "respected" and (.domains[0].reason | test("recorded by the hook"))' <<<"$json" >/dev/null ||
	lv_fail "check vm2: $json"
# Without the hook's record, the source's VMM model still says respected.
mv "$A/run/seoib/domains/$UUID2.json" "$T/vm2.record"
rc=0; json=$(lv_exec "$A" "$SEOIBCTL" check --dest hv-dst -c "$URI_A" --domain vm2 --json --config "$A/seoib.conf" \
	--record-from-file "$B/run/seoib/host.json" 2>"$T/check.err") || rc=$?
[ "$rc" = 1 ] || lv_fail "check vm2 (VMM model) vs legacy hv-dst: exit $rc: $json"
jq -e '.domains[0].state == "respected" and (.domains[0].reason | test("automatic"))' <<<"$json" >/dev/null ||
	lv_fail "check vm2 (VMM model): $json"
mv "$T/vm2.record" "$A/run/seoib/domains/$UUID2.json"
# The destination's hook sees no metadata and no source: unknown, never
# quirked; on-error = deny refuses it.
lv_config "$B" enforce deny
rc=0; err=$(lv_virsh "$A" migrate --live vm2 "$URI_B" --migrateuri tcp://127.0.0.1:49154 2>&1) || rc=$?
[ "$rc" != 0 ] || lv_fail "vm2 without metadata migrated under on-error = deny"
lv_expect_contains "$err" "carries no seoib metadata" "refused vm2 migration"
[ "$(lv_virsh "$A" domstate vm2)" = running ] || lv_fail "vm2 is not running on the source after a refused migration"
# Under on-error = allow it migrates, and nothing on the destination takes
# it for a fresh start of its own VMM (which would say quirked): the hook
# remembers the arrival as unknown, and check --dest there says unknown.
lv_record_vmm fixed-control hv-dst "$B/run/seoib/host.json" "$VMM"
lv_config "$B" enforce allow
lv_virsh "$A" migrate --live vm2 "$URI_B" --migrateuri tcp://127.0.0.1:49155 >/dev/null ||
	lv_fail "vm2 without metadata did not migrate under on-error = allow"
[ "$(lv_virsh "$B" domstate vm2)" = running ] || lv_fail "vm2 is not running on hv-dst"
lv_expect_kvm_guest "$B" vm2
jq -e '.state == "unknown" and .verdict == "error-allow"' \
	"$B/run/seoib/domains/$UUID2.json" >/dev/null ||
	lv_fail "hv-dst recorded a state vm2 may not run in: $(cat "$B/run/seoib/domains/$UUID2.json")"
rc=0; json=$(lv_exec "$B" "$SEOIBCTL" check --dest hv-src -c "$URI_B" --domain vm2 --json --config "$B/seoib.conf" \
	--record-from-file "$A/run/seoib/host.json" 2>"$T/check.err") || rc=$?
[ "$rc" = 3 ] || lv_fail "check vm2 on hv-dst: exit $rc: $json $(cat "$T/check.err")"
jq -e '.domains[0].verdict == "unknown" and (.domains[0].reason | test("arrived here carrying no seoib metadata"))' <<<"$json" >/dev/null ||
	lv_fail "check vm2 on hv-dst: $json"

# 3. An unreachable destination is "unknown" (exit 3), not a hang.
rc=0; PATH="$S/bin:$PATH" timeout 60 "$SEOIBCTL" check --dest 127.0.0.2 -c "$URI_B" >/dev/null 2>"$T/check.err" || rc=$?
[ "$rc" = 3 ] || lv_fail "check against an unreachable host: exit $rc: $(cat "$T/check.err")"
echo "PASS: migration gate and check --dest"
