#!/bin/bash
# legacy-storm.sh [SUITE]: a storm that the legacy KVM alone causes, shown
# with QEMU's own trace. Boots the Debian kernel of SUITE (default bookworm:
# Linux 6.1, legacy x2APIC API) under TCG with an emulated AMD SVM CPU
# (tests/kernels/boot-probe.sh), loads kvm_amd, and runs the real QEMU inside
# on that KVM with the storm test guest in mode=storm (split irqchip, x2APIC,
# SPIV bit 12 set after checking LVR bit 24; the guest EOIs the I/O APIC
# itself after acking the device, as Directed EOI asks). QEMU traces every
# EOI that reaches its I/O APIC (ioapic_clear_remote_irr) and its brake
# after 10,000 consecutive re-deliveries of a still-asserted line
# (ioapic_eoi_delayed_reassert). A host that honoured SPIV bit 12 would
# pass no local EOI to QEMU at all; legacy KVM passes every one, and the
# line is re-delivered before the guest can ack it.
# Manual (not in a suite): about 6 minutes of one CPU. Needs SEOIB_BUILD_ROOT
# (the built guest) and what boot-probe.sh needs (a cached or reachable kernel).
# Exit: 0 the storm was shown, 1 it was not, 77 no kernel.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
suite=${1:-bookworm}
: "${SEOIB_BUILD_ROOT:?set SEOIB_BUILD_ROOT to the build directory}"
out=$SEOIB_BUILD_ROOT/tests/storm/legacy
mkdir -p "$out"
cp "$SEOIB_BUILD_ROOT/tests/storm/guest/storm-guest.elf" "$out/storm-guest.elf"
rc=0
SEOIBCTL=$(command -v qemu-system-x86_64) "$here/../kernels/boot-probe.sh" --name "legacy-storm-$suite" \
	--out-dir "$out" --command --no-json --guest-timeout 240 --timeout 400 \
	--file "$out/storm-guest.elf:/storm-guest.elf" --file /usr/share/seabios/bios-256k.bin:/q/bios-256k.bin \
	--file /usr/share/qemu/multiboot_dma.bin:/q/multiboot_dma.bin --file /usr/share/qemu/kvmvapic.bin:/q/kvmvapic.bin \
	--file /usr/share/qemu/linuxboot_dma.bin:/q/linuxboot_dma.bin \
	"$suite" -- -L /q -accel kvm -machine pc,kernel-irqchip=split -cpu qemu64,+x2apic -m 32 -nodefaults \
	-display none -serial stdio -device edu -kernel /storm-guest.elf -append mode=storm -no-reboot \
	-trace ioapic_eoi_delayed_reassert -trace ioapic_clear_remote_irr || rc=$?
[ "$rc" = 0 ] || exit "$rc"
log=$out/legacy-storm-$suite.stderr
eois=$(grep -c '^ioapic_clear_remote_irr' "$log" || true)
brakes=$(grep -c '^ioapic_eoi_delayed_reassert' "$log" || true)
echo "kernel $(cat "$out/legacy-storm-$suite.kernel"): $eois EOIs reached QEMU's I/O APIC; its storm brake fired $brakes times (each after 10,000 consecutive re-deliveries)"
grep -q 'seoib-storm-guest: running' "$out/legacy-storm-$suite.stdout" || { echo "FAIL: the guest never started its storm test" >&2; exit 1; }
[ "$brakes" -gt 0 ] || { echo "FAIL: no storm: QEMU's brake never fired" >&2; exit 1; }
echo "PASS: a storm on legacy KVM, with the guest using Directed EOI as the SDM asks"
