#!/bin/bash
# The storm watch's cost (issue 21): seoibd watching a real libvirtd, in the
# same run, (ref) with no guest at all, (none) after guests came and went,
# and (20) with 20 exposed guests (split irqchip, x2APIC, quirked on this
# host's record) active. Per phase, three windows of WINDOW seconds, median:
#   seoibd CPU (all threads, schedstat ns) and its wake-ups (context
#   switches) of the sd-event thread and of all threads; libvirtd's CPU,
#   which answers the watcher's virDomainListGetStats.
# The guests run the storm test guest in mode=halt (no timer, hlt forever):
# the shared development machine spends next to nothing on them once booted,
# and libvirt returns their KVM counters as for any running guest (it
# returns none for a paused one). With --idle they run mode=idle (a 1 kHz
# timer each).
# Usage: bench/storm-watch.sh BUILD_DIR [WINDOW] [--idle]   (as root, /dev/kvm)
set -euo pipefail
export SEOIB_BUILD_ROOT=$(realpath "${1:?usage: $0 BUILD_DIR [WINDOW] [--idle]}")
export SEOIB_SOURCE_ROOT=$(realpath "$(dirname "$0")/..")
export SEOIBCTL=$SEOIB_BUILD_ROOT/cli/seoibctl
WINDOW=${2:-10}
MODE=halt
[ "${3:-}" = --idle ] && MODE=idle
N=20
[ -c /dev/kvm ] || { echo "no /dev/kvm: the storm watch needs real KVM guests" >&2; exit 77; }
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
T=$(mktemp -d /tmp/seoib-bench-storm.XXXXXX)
chmod 755 "$T"
trap 'lv_kill_pidfile "$T/seoibd.pid"; lv_cleanup; rm -rf "$T"' EXIT
A=$T/a
lv_prepare "$A" a hv-bench 31313131-2222-3333-4444-555555555555 0
lv_record legacy hv-bench "$A/run/seoib/host.json"
lv_start "$A"
mkdir -p "$T/guest"
cp "$SEOIB_BUILD_ROOT/tests/storm/guest/storm-guest.elf" "$T/guest/"
chmod 755 "$T/guest"; chmod 644 "$T/guest/storm-guest.elf"
printf 'behaviour-probe = no\n' >"$T/seoibd.conf"
lv_exec "$A" bash -c 'echo $$ >"$1"; exec "$2" --no-bus --config "$3" --record "$4" --cache-dir "$5" 2>"$6"' \
	seoibd "$T/seoibd.pid" "$SEOIB_BUILD_ROOT/daemon/seoibd" "$T/seoibd.conf" "$T/run/host.json" "$T/cache" "$T/seoibd.log" &
for i in $(seq 240); do grep -q "watching libvirt" "$T/seoibd.log" 2>/dev/null && [ -s "$T/run/host.json" ] && break; sleep 0.25; done
PID=$(cat "$T/seoibd.pid")
LPID=$(cat "$A/libvirtd.pid")
sleep 3

cpu_ns() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ n += $1 } END { printf "%.0f\n", n }'; }
switches() { # PID [main]
	local f=/proc/$1/task/*/status
	[ "${2:-}" = main ] && f=/proc/$1/status
	cat $f | awk '/^(voluntary|nonvoluntary)_ctxt_switches/ { n += $2 } END { print n }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
measure() { # LABEL
	local c0 m0 a0 l0 r=() i
	for i in 1 2 3; do
		c0=$(cpu_ns "$PID") m0=$(switches "$PID" main) a0=$(switches "$PID") l0=$(cpu_ns "$LPID")
		sleep "$WINDOW"
		r+=("$(( ($(cpu_ns "$PID") - c0) / 1000000 )) $(( $(switches "$PID" main) - m0 )) $(( $(switches "$PID") - a0 )) $(( ($(cpu_ns "$LPID") - l0) / 1000000 ))")
	done
	printf '%s\n' "${r[@]}" >"$T/$1.raw"
	printf '%-6s seoibd CPU %4s ms, wake-ups: sd-event thread %4s, all threads %4s; libvirtd CPU %5s ms (per %s s, median of 3)\n' "$1" \
		"$(cut -d' ' -f1 "$T/$1.raw" | median)" "$(cut -d' ' -f2 "$T/$1.raw" | median)" \
		"$(cut -d' ' -f3 "$T/$1.raw" | median)" "$(cut -d' ' -f4 "$T/$1.raw" | median)" "$WINDOW"
}
watched() { jq -r .watched "$T/run/storms.json" 2>/dev/null || echo 0; }

measure ref
for i in $(seq $N); do
	uuid=$(printf '31000000-0000-4000-8000-%012d' "$i")
	cat >"$T/g$i.xml" <<XML
<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>
  <name>bench$i</name><uuid>$uuid</uuid><memory unit='MiB'>32</memory><vcpu>1</vcpu>
  <os><type arch='x86_64' machine='pc'>hvm</type><kernel>$T/guest/storm-guest.elf</kernel><cmdline>mode=$MODE</cmdline></os>
  <features><acpi/><ioapic driver='qemu'/></features>
  <cpu mode='custom' match='exact' check='none'><model fallback='forbid'>qemu64</model><feature policy='require' name='x2apic'/></cpu>
  <devices><emulator>/usr/bin/qemu-system-x86_64</emulator><video><model type='none'/></video><memballoon model='none'/></devices>
</domain>
XML
	lv_virsh "$A" create "$T/g$i.xml" >/dev/null
done
for i in $(seq 120); do [ "$(watched)" = $N ] && break; sleep 0.5; done
[ "$(watched)" = $N ] || { echo "only $(watched) of $N guests watched" >&2; tail "$T/seoibd.log" >&2; exit 1; }
sleep 30 # their firmware boots: let it finish
measure 20
echo "at 20: $(jq '[.guests[] | select(.problem == null and .evidence != "paused: no vCPU runs")] | length' "$T/run/storms.json") guests with counters; $(jq -r '.guests[0].evidence' "$T/run/storms.json")"
for i in $(seq $N); do lv_virsh "$A" destroy "bench$i" >/dev/null; done
for i in $(seq 60); do [ "$(watched)" = 0 ] && break; sleep 0.5; done
sleep 2
measure none
echo "seoibd RSS with none: $(awk '/^VmRSS/ { print $2 }' /proc/$PID/status) KiB; storms reported: $(grep -c "is in an interrupt storm" "$T/seoibd.log" || true)"
grep "interrupt storm\|cannot" "$T/seoibd.log" | head -3 || true
