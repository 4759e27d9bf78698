#!/bin/bash
# Real live migration of a TCG guest between two libvirtd instances with the
# real hook, where this machine has no /dev/kvm (migrate.sh covers KVM
# guests and the VMM models there): a TCG guest is never exposed (QEMU's own
# local APIC), so even a legacy destination takes it, and a refusal comes
# from on-error = deny with no record there; the guest keeps running on the
# source. `seoibctl check --dest` gives the same verdicts, from a record file
# and over real SSH (sshd on loopback, key authentication, BatchMode) in this
# test's network namespace.
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
if lv_have_kvm; then echo "SKIP: this machine has /dev/kvm: migrate.sh migrates KVM guests instead"; exit 77; fi
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
A=$T/a B=$T/b
UUID=8a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
lv_prepare "$A" a hv-src 11111111-2222-3333-4444-555555555555 0
lv_prepare "$B" b hv-dst 66666666-7777-8888-9999-000000000000 16510
lv_record fixed-control hv-src "$A/run/seoib/host.json"
lv_record legacy hv-dst "$B/run/seoib/host.json"
lv_start "$A"
lv_start "$B"

# sshd "on hv-dst" (lib.sh): seoibctl reaches B's record over real ssh.
lv_sshd_as "$B" hv-dst "$S"

URI_A=$(lv_uri "$A") URI_B=$(lv_uri "$B")
lv_domain vm1 $UUID linux >"$T/vm1.xml"
lv_virsh "$A" define "$T/vm1.xml" >/dev/null
lv_virsh "$A" start vm1 >/dev/null
# With KVM vm1 starts respected; without, it is TCG: not exposed, quirked.
want=quirked # TCG: QEMU's own local APIC never advertises Directed EOI
jq -e --arg s $want '.state == $s' "$A/run/seoib/domains/$UUID.json" >/dev/null ||
	lv_fail "vm1 did not start $want on hv-src: $(cat "$A/run/seoib/domains/$UUID.json")"

# Record the state in the domain's metadata, on hv-src itself.
lv_exec "$A" "$SEOIBCTL" apply --domain vm1 -c "$URI_A" --config "$A/seoib.conf" >"$T/apply.out"
lv_expect_contains "$(cat "$T/apply.out")" "persistent and live" "seoibctl apply"
for flag in --live --config; do
	meta=$(lv_virsh "$A" metadata vm1 --uri https://seoib.org/xmlns/libvirt/guest/1 $flag)
	lv_expect_contains "$meta" "state=\"$want\"" "metadata ($flag)"
done

# 1. TCG: not exposed, so even the legacy hv-dst can take vm1, by file
# and over ssh. A refusal still cancels the migration: on-error = deny
# with no record on hv-dst, and vm1 keeps running on the source.
lv_check_dest 0 "legacy hv-dst (TCG vm1)"
mv "$B/run/seoib/host.json" "$T/dst-host.json"
lv_config "$B" enforce deny
rc=0; err=$(lv_virsh "$A" migrate --live vm1 "$URI_B" --migrateuri tcp://127.0.0.1:49152 2>&1) || rc=$?
[ "$rc" != 0 ] || lv_fail "migration to a host without a record succeeded with on-error = deny"
lv_expect_contains "$err" "seoib: refused:" "refused migration error"
lv_expect_contains "$err" "on-error = deny" "refused migration error"
[ "$(lv_virsh "$A" domstate vm1)" = running ] || lv_fail "vm1 is not running on the source after a refused migration"
[ -z "$(lv_virsh "$B" list --name)" ] || lv_fail "vm1 appeared on the refusing destination"
mv "$T/dst-host.json" "$B/run/seoib/host.json"
lv_config "$B" enforce allow

# 2. hv-dst upgraded: check says ok, both ways; the migration succeeds.
lv_record fixed-control hv-dst "$B/run/seoib/host.json"
lv_check_dest 0 "fixed hv-dst"
lv_virsh "$A" migrate --live vm1 "$URI_B" --migrateuri tcp://127.0.0.1:49153 >/dev/null ||
	lv_fail "migration to a host that supports respected failed"
[ "$(lv_virsh "$B" domstate vm1)" = running ] || lv_fail "vm1 is not running on hv-dst"
jq -e --arg s $want '.state == $s' "$B/run/seoib/domains/$UUID.json" >/dev/null || lv_fail "hv-dst did not record vm1 $want"
[ ! -e "$A/run/seoib/domains/$UUID.json" ] || lv_fail "hv-src did not forget vm1 after it left"
lv_expect_contains "$(lv_virsh "$B" metadata vm1 --uri https://seoib.org/xmlns/libvirt/guest/1)" "state=\"$want\"" \
	"metadata travelled"

# 3. An unreachable destination is "unknown" (exit 3), not a hang.
rc=0; PATH="$S/bin:$PATH" timeout 60 "$SEOIBCTL" check --dest 127.0.0.2 -c "$URI_B" >/dev/null 2>"$T/check.err" || rc=$?
[ "$rc" = 3 ] || lv_fail "check against an unreachable host: exit $rc: $(cat "$T/check.err")"
echo "PASS: migration gate and check --dest"
