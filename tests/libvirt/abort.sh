#!/bin/bash
# An arrival libvirt aborts never opens a fresh start (issue 20), with two
# real libvirtd instances. hv-dst is legacy, enforce, on-error = deny, and
# has a second hook (60-abort) that refuses every migrate begin after
# seoib's has accepted it, as any later hook or libvirt's own checks may.
#  - win1, a Windows guest with a split irqchip, defined on hv-dst without
#    metadata: its fresh start there is refused.
#  - win1 runs on hv-src (warn mode) with live metadata quirked and is
#    migrated to hv-dst: seoib's migrate begin accepts it (hv-dst can run
#    quirked), 60-abort refuses it, the migration fails before prepare begin.
#  - The same fresh start on hv-dst, at once: refused still.
#  - win1 redefined on hv-dst with metadata quirked, the very state the
#    aborted arrival carried: its fresh start is refused; after a second
#    aborted migration, prepare begin cannot tell its fresh start from the
#    arrival, but libvirt started its QEMU without -incoming, and started
#    begin refuses it: libvirt stops it (issue 20, item 2).
#  - 60-abort out of the way: win1 migrates to hv-dst, is saved and
#    restored there; both arrive (their QEMU has -incoming).
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
if [ -z "${LV_IN_NETNS:-}" ]; then
	exec env LV_IN_NETNS=1 unshare --net "$0" "$@"
fi
ip link set lo up
make_work_dir libvirt-abort T
at_exit lv_cleanup
lv_kvm_guests "$T/emu"
A=$T/a B=$T/b
UUID=9a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
META=https://seoib.org/xmlns/libvirt/guest/1
lv_prepare "$A" a hv-src 11111111-2222-3333-4444-555555555555 0
lv_prepare "$B" b hv-dst 66666666-7777-8888-9999-000000000000 16510
lv_record legacy hv-src "$A/run/seoib/host.json"
lv_record legacy hv-dst "$B/run/seoib/host.json"
lv_config "$A" warn allow
lv_config "$B" enforce deny
cat >"$B/etc/hooks/qemu.d/60-abort" <<'HOOK'
#!/bin/sh
cat >/dev/null
[ "$2 $3" != "migrate begin" ] && exit 0
echo "60-abort: refusing migrate begin after seoib" >&2
exit 1
HOOK
chmod 755 "$B/etc/hooks/qemu.d/60-abort"
lv_start "$A"
lv_start "$B"
URI_B=$(lv_uri "$B")

lv_domain win1 $UUID windows >"$T/win1.xml"
lv_virsh "$B" define "$T/win1.xml" >/dev/null
fresh_start_refused() { # WHAT
	local rc=0 err
	err=$(lv_virsh "$B" start win1 2>&1) || rc=$?
	[ "$rc" != 0 ] || lv_fail "$1: win1 started on legacy hv-dst"
	lv_expect_contains "$err" "seoib: refused: 'win1' would start quirked with risk high" "$1"
}
fresh_start_refused "the fresh start"

lv_virsh "$A" define "$T/win1.xml" >/dev/null
lv_virsh "$A" start win1 >/dev/null 2>&1
lv_virsh "$A" metadata win1 --uri $META --key seoib --set "<guest state='quirked'/>" --live >/dev/null
rc=0; err=$(lv_virsh "$A" migrate --live win1 "$URI_B" --migrateuri tcp://127.0.0.1:49170 2>&1) || rc=$?
[ "$rc" != 0 ] || lv_fail "the migration went through 60-abort"
lv_expect_contains "$err" "60-abort: refusing migrate begin" "the aborted migration"
[ "$(lv_virsh "$A" domstate win1)" = running ] || lv_fail "win1 is not running on hv-src after the aborted migration"
# seoib did accept it: a record of the arrival is there (pending).
cat "$B/run/seoib/domains/$UUID"*.json 2>/dev/null | jq -se 'any(.operation == "migrate" and .state == "quirked")' >/dev/null ||
	lv_fail "seoib's migrate begin did not accept win1: $(ls "$B/run/seoib/domains" 2>&1)"

fresh_start_refused "the fresh start after the aborted migration"
[ "$(lv_virsh "$B" domstate win1)" = "shut off" ] || lv_fail "win1 runs on hv-dst"

# The definition on hv-dst now says the state the arrival carried.
# vmx through <qemu:commandline>: its live XML, which started begin
# judges, still says it can run its own hypervisor (libvirt rewrites a
# <cpu> there with what QEMU gave, vmx off where KVM has no nested support).
LV_CPU=none LV_QEMU_ARGS="-cpu qemu64,+vmx" lv_domain win1 $UUID windows quirked >"$T/win1-quirked.xml"
lv_virsh "$B" define "$T/win1-quirked.xml" >/dev/null
fresh_start_refused "the fresh start of win1 defined quirked"
rc=0; err=$(lv_virsh "$A" migrate --live win1 "$URI_B" --migrateuri tcp://127.0.0.1:49171 2>&1) || rc=$?
[ "$rc" != 0 ] || lv_fail "the second migration went through 60-abort"
lv_expect_contains "$err" "60-abort: refusing migrate begin" "the second aborted migration"
rc=0; err=$(lv_virsh "$B" start win1 2>&1) || rc=$?
[ "$rc" != 0 ] || { ls -la $B/run/libvirt/qemu; cat $B/run/seoib/domains/*; grep -a "seoib" $B/log/libvirtd.log | tail -20; }; [ "$rc" != 0 ] || lv_fail "win1 defined quirked started afresh on legacy hv-dst within 40 s of an aborted arrival (the arrival's authorisation opened a fresh start)"
lv_expect_contains "$err" "seoib: refused: 'win1' was let in at prepare begin by the authorisation of a migrate begin, but libvirt started its QEMU afresh" "the fresh start of win1 defined quirked after the aborted migration"
lv_expect_contains "$err" "would start quirked with risk high" "the fresh start's own decision"
[ "$(lv_virsh "$B" domstate win1)" = "shut off" ] || lv_fail "win1 runs on hv-dst after its refused fresh start"
[ ! -e "$B/run/seoib/domains/$UUID.json" ] || lv_fail "a running record of win1 is left on hv-dst: $(cat "$B/run/seoib/domains/$UUID.json")"
echo "PASS: an aborted arrival opens no fresh start, even of a definition in the arrival's state"

# Real arrivals still arrive on hv-dst (enforce, deny): libvirt launches
# their QEMU with -incoming, so started begin lets the authorisation stand
# and commits the arrival's state.
printf '#!/bin/sh\ncat >/dev/null\nexit 0\n' >"$B/etc/hooks/qemu.d/60-abort"
arrived() { # OPERATION
	[ "$(lv_virsh "$B" domstate win1)" = running ] || lv_fail "win1 does not run on hv-dst after its $1"
	jq -e --arg op "$1" '.arrival == $op and .state == "quirked" and .operation == "prepare"' \
		"$B/run/seoib/domains/$UUID.json" >/dev/null ||
		lv_fail "hv-dst's running record of win1 after its $1: $(cat "$B/run/seoib/domains/$UUID.json" 2>&1)"
}
rc=0; err=$(lv_virsh "$A" migrate --live win1 "$URI_B" --migrateuri tcp://127.0.0.1:49172 2>&1) || rc=$?
[ "$rc" = 0 ] || lv_fail "the migration of win1 to hv-dst failed: $err"
arrived migrate
lv_virsh "$B" save win1 "$T/win1.save" >/dev/null
rc=0; err=$(lv_virsh "$B" restore "$T/win1.save" 2>&1) || rc=$?
[ "$rc" = 0 ] || lv_fail "the restore of win1 on hv-dst failed: $err"
arrived restore
lv_virsh "$B" destroy win1 >/dev/null
echo "PASS: a real migration and a real restore still arrive"
