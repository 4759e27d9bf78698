#!/bin/bash
# What a guest runs is what libvirt committed (issue 20): a "restore begin"
# that libvirt then rejects never outranks it, not in the hook's records,
# not in check --dest, not in the live metadata seoibd writes.
#  - vm1 runs quirked and is saved; redefined to run respected, it starts;
#    check --dest against a legacy host refuses.
#  - "twin": the old save restored under another name with vm1's UUID
#    (virsh restore --xml); "same": the old save restored as vm1. libvirt
#    fails both (vm1 runs), after their restore begin hook accepted them.
#  - After each: the hook's record of vm1 still says respected, seoibd
#    (after a suspend and resume of vm1, and after its own restart) leaves
#    the live metadata respected, and check --dest still refuses.
# LV_STATE_CASES picks the cases, in order (default "twin same").
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
SEOIBD="$SEOIB_BUILD_ROOT/daemon/seoibd"
make_work_dir libvirt-state T
at_exit lv_cleanup
at_exit 'lv_kill_pidfile "$T/seoibd.pid"'
lv_kvm_guests "$T/emu"
A=$T/a
UUID=5a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
UUID2=5b1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
META=https://seoib.org/xmlns/libvirt/guest/1
lv_prepare "$A" a hv-src 11111111-2222-3333-4444-555555555555 0
lv_qemu_wrapper "$T/emu"
EMU=$T/emu/qemu-seoib
VMM=$(lv_probe_vmm "$EMU")
lv_record_vmm fixed-control hv-src "$A/run/seoib/host.json" "$VMM"
lv_record legacy hv-dst "$T/legacy.json"
lv_start "$A"
URI_A=$(lv_uri "$A")

cat >"$T/seoibd.conf" <<CONF
behaviour-probe = no
qemu = $EMU
CONF
start_seoibd() {
	: >"$T/seoibd.log"
	lv_exec "$A" bash -c 'echo $$ >"$1"; exec "$2" --no-bus --config "$3" --record "$4" --cache-dir "$5" 2>"$6"' \
		seoibd "$T/seoibd.pid" "$SEOIBD" "$T/seoibd.conf" "$T/seoibd-record.json" "$T/cache" "$T/seoibd.log" &
	wait_log "watching libvirt"
}
wait_log() { # TEXT: bounded
	local i
	for i in $(seq 1 80); do
		grep -q "$1" "$T/seoibd.log" 2>/dev/null && return 0
		sleep 0.25
	done
	lv_fail "seoibd never logged '$1': $(cat "$T/seoibd.log")"
}
wait_meta() { # DOM STATE: the live metadata, bounded (20 s)
	local i
	for i in $(seq 1 80); do
		case "$(virsh -q -c "$URI_A" metadata "$1" --uri $META --live 2>/dev/null)" in *"state=\"$2\""*) return 0 ;; esac
		sleep 0.25
	done
	lv_fail "$1's live metadata never said $2: $(virsh -q -c "$URI_A" metadata "$1" --uri $META --live 2>&1); seoibd: $(cat "$T/seoibd.log")"
}
# check --dest against the legacy host, run on hv-src: refuse, vm1 respected.
expect_refused() { # WHAT
	local rc=0 json
	# On hv-src: its /run/seoib/domains holds the hook's records.
	json=$(lv_exec "$A" "$SEOIBCTL" check --dest hv-dst -c "$URI_A" --domain vm1 --json --config "$A/seoib.conf" \
		--record-from-file "$T/legacy.json" 2>"$T/check.err") || rc=$?
	[ "$rc" = 1 ] || lv_fail "$1: check --dest legacy exits $rc, not 1 (refuse): $json $(cat "$T/check.err")"
	jq -e '.domains[0].verdict == "refuse" and .domains[0].state == "respected"' <<<"$json" >/dev/null ||
		lv_fail "$1: check --dest legacy: $json"
}
# The hook's record of what vm1 runs, and the live metadata seoibd keeps.
expect_respected() { # WHAT
	expect_refused "$1"
	jq -e '.state == "respected" and .name == "vm1"' "$A/run/seoib/domains/$UUID.json" >/dev/null ||
		lv_fail "$1: the hook's record of vm1: $(cat "$A/run/seoib/domains/$UUID.json" 2>&1)"
	# seoibd judges again: vm1 suspended and resumed (its RESUMED event),
	# then vm2 started, an event seoibd handles after that one.
	lv_virsh "$A" suspend vm1 >/dev/null
	lv_virsh "$A" resume vm1 >/dev/null
	lv_virsh "$A" destroy vm2 >/dev/null 2>&1 || true
	virsh -q -c "$URI_A" metadata vm2 --uri $META --live --remove >/dev/null 2>&1 || true
	lv_virsh "$A" start vm2 >/dev/null
	wait_meta vm2 quirked
	wait_meta vm1 respected
	# And from scratch: seoibd restarted syncs every running guest.
	lv_kill_pidfile "$T/seoibd.pid"
	start_seoibd
	lv_virsh "$A" destroy vm2 >/dev/null
	lv_virsh "$A" start vm2 >/dev/null
	wait_meta vm2 quirked
	wait_meta vm1 respected
	! grep -q "recorded by the hook at restore" "$T/seoibd.log" || lv_fail "$1: seoibd took the restore: $(cat "$T/seoibd.log")"
	expect_refused "$1, after seoibd"
}

start_seoibd
# vm2: a bystander whose start orders seoibd's events.
lv_domain vm2 $UUID2 linux >"$T/vm2.xml"
lv_virsh "$A" define "$T/vm2.xml" >/dev/null

# vm1 runs quirked (the wrapper's default) and is saved.
LV_EMULATOR=$EMU lv_domain vm1 $UUID linux >"$T/vm1-quirked.xml"
lv_virsh "$A" define "$T/vm1-quirked.xml" >/dev/null
lv_virsh "$A" start vm1 >/dev/null
[ "$(cat "$T/emu/states/vm1")" = quirked ] || lv_fail "the wrapper ran vm1 $(cat "$T/emu/states/vm1")"
wait_meta vm1 quirked
lv_virsh "$A" save vm1 "$T/vm1.save" >/dev/null
[ ! -e "$A/run/seoib/domains/$UUID.json" ] || lv_fail "vm1's record outlived its save"

# Redefined to run respected, it starts respected.
LV_EMULATOR=$EMU LV_QEMU_ARGS="-machine seoib-policy=respected" lv_domain vm1 $UUID linux >"$T/vm1.xml"
lv_virsh "$A" define "$T/vm1.xml" >/dev/null
lv_virsh "$A" start vm1 >/dev/null
[ "$(cat "$T/emu/states/vm1")" = respected ] || lv_fail "the wrapper ran vm1 $(cat "$T/emu/states/vm1")"
wait_meta vm1 respected
[ ! -e "$A/run/seoib/domains/$UUID.pending.json" ] || lv_fail "vm1's start left a pending record"
expect_respected "vm1 started respected"

lv_virsh "$A" save-image-dumpxml "$T/vm1.save" | sed 's|<name>vm1</name>|<name>vm1-twin</name>|' >"$T/twin.xml"
grep -q '<name>vm1-twin</name>' "$T/twin.xml" || lv_fail "no name in the saved XML: $(head -5 "$T/twin.xml")"
for c in ${LV_STATE_CASES:-twin same}; do
	rc=0
	case $c in
	twin) err=$(lv_virsh "$A" restore "$T/vm1.save" --xml "$T/twin.xml" 2>&1) || rc=$? ;;
	same) err=$(lv_virsh "$A" restore "$T/vm1.save" 2>&1) || rc=$? ;;
	*) lv_fail "unknown case $c" ;;
	esac
	[ "$rc" != 0 ] || lv_fail "$c: the old save was restored beside the running vm1"
	[ "$(lv_virsh "$A" domstate vm1)" = running ] || lv_fail "$c: vm1 is not running after the rejected restore"
	# The hook did accept its restore begin (hv-src runs quirked), and
	# libvirt failed it afterwards.
	if [ "$c" = same ]; then
		lv_expect_contains "$err" "already active" "$c: libvirt's error"
	fi
	expect_respected "$c: after the rejected restore"
done
echo "PASS: a rejected restore never outranks what the guest runs"
