#!/bin/bash
# The state travels by itself: seoibd, watching a real libvirtd, writes the
# state a guest really runs in into its metadata without `seoibctl apply`.
# The guest is run by tests/libvirt/qemu-seoib with -machine
# seoib-policy=respected in its <qemu:commandline> (set by hand, no apply):
# seoibd writes state="respected" into its live and persistent metadata
# within a bounded time; `check --dest` refuses the legacy destination; the
# real `virsh migrate` is refused by the destination's hook, then succeeds
# to a capable host with the metadata intact. seoibd survives libvirtd's
# restart and writes the state of a guest started after it.
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
if [ -z "${LV_IN_NETNS:-}" ]; then
	exec env LV_IN_NETNS=1 unshare --net "$0" "$@"
fi
ip link set lo up
SEOIBD="$SEOIB_BUILD_ROOT/daemon/seoibd"
make_work_dir libvirt-travel T
at_exit lv_cleanup
at_exit 'lv_kill_pidfile "$T/seoibd.pid"'
# KVM guests: a TCG guest is never exposed (QEMU's own local APIC), so it
# has no state to decide, record or carry. Without /dev/kvm they run on TCG
# behind a KVM-looking QEMU (lib.sh, kvm-on-tcg).
lv_kvm_guests "$T/emu"
A=$T/a B=$T/b
UUID=4a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
UUID2=4b1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
META=https://seoib.org/xmlns/libvirt/guest/1
lv_prepare "$A" a hv-src 11111111-2222-3333-4444-555555555555 0
lv_prepare "$B" b hv-dst 66666666-7777-8888-9999-000000000000 16510
lv_qemu_wrapper "$T/emu"
EMU=$T/emu/qemu-seoib
VMM=$(lv_probe_vmm "$EMU")
lv_record_vmm fixed-control hv-src "$A/run/seoib/host.json" "$VMM"
lv_record legacy hv-dst "$B/run/seoib/host.json"
lv_start "$A"
lv_start "$B"
URI_A=$(lv_uri "$A") URI_B=$(lv_uri "$B")

# seoibd "on hv-src", in its namespace: libvirt's default qemu:///system is
# hv-src's daemon there, /run/seoib/domains the hook's records. Its own
# probe (no /dev/kvm on this machine) publishes to a file of its own.
cat >"$T/seoibd.conf" <<CONF
behaviour-probe = no
qemu = $EMU
CONF
start_seoibd() {
	: >"$T/seoibd.log"
	lv_exec "$A" bash -c 'echo $$ >"$1"; exec "$2" --no-bus --config "$3" --record "$4" --cache-dir "$5" 2>"$6"' \
		seoibd "$T/seoibd.pid" "$SEOIBD" "$T/seoibd.conf" "$T/seoibd-record.json" "$T/cache" "$T/seoibd.log" &
}
wait_log() { # TEXT: bounded
	local i
	for i in $(seq 1 80); do
		grep -q "$1" "$T/seoibd.log" 2>/dev/null && return 0
		sleep 0.25
	done
	lv_fail "seoibd never logged '$1': $(cat "$T/seoibd.log")"
}
wait_meta() { # URI DOM STATE FLAG: bounded (20 s)
	local i
	for i in $(seq 1 80); do
		case "$(virsh -q -c "$1" metadata "$2" --uri $META $4 2>/dev/null)" in *"state=\"$3\""*) return 0 ;; esac
		sleep 0.25
	done
	lv_fail "$2's $4 metadata never said $3: $(virsh -q -c "$1" metadata "$2" --uri $META $4 2>&1); seoibd: $(cat "$T/seoibd.log")"
}
start_seoibd
wait_log "watching libvirt"

# 1. Started with the argument, never apply-ed: seoibd writes what it runs.
LV_EMULATOR=$EMU LV_QEMU_ARGS="-machine seoib-policy=respected" lv_domain vm1 $UUID linux >"$T/vm1.xml"
lv_virsh "$A" define "$T/vm1.xml" >/dev/null
lv_virsh "$A" start vm1 >/dev/null
[ "$(cat "$T/emu/states/vm1")" = respected ] || lv_fail "the wrapper ran vm1 $(cat "$T/emu/states/vm1")"
wait_meta "$URI_A" vm1 respected --live
wait_meta "$URI_A" vm1 respected --config

# 2. check --dest refuses the legacy destination; so does its hook.
rc=0; json=$("$SEOIBCTL" check --dest hv-dst -c "$URI_A" --json --config "$A/seoib.conf" \
	--record-from-file "$B/run/seoib/host.json" 2>"$T/check.err") || rc=$?
[ "$rc" = 1 ] || lv_fail "check vs legacy hv-dst: exit $rc: $json $(cat "$T/check.err")"
jq -e '.domains[0].verdict == "refuse" and .domains[0].state == "respected"' <<<"$json" >/dev/null || lv_fail "check: $json"
rc=0; err=$(lv_virsh "$A" migrate --live vm1 "$URI_B" --migrateuri tcp://127.0.0.1:49160 2>&1) || rc=$?
[ "$rc" != 0 ] || lv_fail "migration to a host that lacks respected succeeded"
lv_expect_contains "$err" "seoib: refused: 'vm1' runs respected (seoib metadata)" "refused migration"
[ "$(lv_virsh "$A" domstate vm1)" = running ] || lv_fail "vm1 is not running on the source after a refused migration"

# 3. A capable destination receives it, metadata intact.
lv_record_vmm fixed-control hv-dst "$B/run/seoib/host.json" "$VMM"
lv_virsh "$A" migrate --live vm1 "$URI_B" --migrateuri tcp://127.0.0.1:49161 >/dev/null ||
	lv_fail "migration to a capable host failed"
[ "$(lv_virsh "$B" domstate vm1)" = running ] || lv_fail "vm1 is not running on hv-dst"
lv_expect_kvm_guest "$B" vm1
lv_expect_contains "$(lv_virsh "$B" metadata vm1 --uri $META)" 'state="respected"' "metadata after migration"
jq -e '.state == "respected"' "$B/run/seoib/domains/$UUID.json" >/dev/null ||
	lv_fail "hv-dst's record of vm1: $(cat "$B/run/seoib/domains/$UUID.json")"

# 4. libvirtd restarts: seoibd reconnects by itself and keeps writing.
lv_kill_pidfile "$A/libvirtd.pid"
wait_log "connection closed"
lv_stop "$A"
LV_INSTANCES=("$B")
lv_start "$A"
wait_log "watching libvirt at qemu:///system for guests" # logged again on reconnection
LV_EMULATOR=$EMU LV_QEMU_ARGS="-machine seoib-policy=respected" lv_domain vm2 $UUID2 linux >"$T/vm2.xml"
lv_virsh "$A" define "$T/vm2.xml" >/dev/null
lv_virsh "$A" start vm2 >/dev/null
wait_meta "$URI_A" vm2 respected --live
[ "$(grep -c "watching libvirt" "$T/seoibd.log")" -ge 2 ] || lv_fail "seoibd did not reconnect: $(cat "$T/seoibd.log")"
# Every line is seoibd's own sentence, once an outage: none of libvirt's
# raw error prints (its default error function writes to stderr).
! grep -v '^<[0-7]>seoibd: ' "$T/seoibd.log" >/dev/null || lv_fail "seoibd's log holds lines not its own: $(cat "$T/seoibd.log")"
[ "$(grep -c "the connection closed" "$T/seoibd.log")" = 1 ] || lv_fail "seoibd logged one outage more than once: $(cat "$T/seoibd.log")"
echo "PASS: the state travels by itself"
