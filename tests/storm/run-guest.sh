#!/bin/sh
# Run the storm test guest under QEMU directly on /dev/kvm, split irqchip,
# x2APIC, with the edu device, and record its vCPU counters for SECONDS.
# usage: run-guest.sh GUEST_ELF MODE SECONDS OUT_SERIES [SERIAL_LOG]
set -eu
elf=$1 mode=$2 seconds=$3 out=$4 serial=${5:-/dev/null}
dir=$(mktemp -d)
trap 'kill "$qpid" 2>/dev/null; wait "$qpid" 2>/dev/null; rm -rf "$dir"' EXIT
# -cpu host fails on kvm_pvm (MSR 0x10a): a named model with x2APIC instead.
qemu-system-x86_64 -accel kvm -machine pc,kernel-irqchip=split -cpu qemu64,+x2apic -m 32 \
	-nodefaults -display none -serial "file:$serial" -device edu \
	-kernel "$elf" -append "mode=$mode" -qmp "unix:$dir/qmp,server=on,wait=off" &
qpid=$!
for i in $(seq 50); do [ -S "$dir/qmp" ] && break; sleep 0.1; done
"$(dirname "$0")/record-series.py" "$dir/qmp" "$seconds" "$out"
