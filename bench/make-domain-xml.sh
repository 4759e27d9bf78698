#!/usr/bin/env bash
# Print a Windows 11 domain XML of about N bytes (default 20000): split
# irqchip, Hyper-V enlightenments, TPM, Secure Boot, and as many disks and
# NICs as it takes to reach the size, the way big real-world domains grow.
set -euo pipefail
target=${1:-20000}
head() {
	cat <<'XML'
<domain type='kvm'>
  <name>win11-bench</name>
  <uuid>6b1f8c9e-3a2d-4e5f-8a9b-0c1d2e3f4a5b</uuid>
  <metadata>
    <libosinfo:libosinfo xmlns:libosinfo="http://libosinfo.org/xmlns/libvirt/domain/1.0">
      <libosinfo:os id="http://microsoft.com/win/11"/>
    </libosinfo:libosinfo>
  </metadata>
  <memory unit='KiB'>8388608</memory>
  <vcpu placement='static'>4</vcpu>
  <os firmware='efi'>
    <type arch='x86_64' machine='pc-q35-7.2'>hvm</type>
    <firmware><feature enabled='yes' name='secure-boot'/></firmware>
  </os>
  <features>
    <acpi/><apic/>
    <hyperv mode='custom'>
      <relaxed state='on'/><vapic state='on'/><spinlocks state='on' retries='8191'/>
      <vpindex state='on'/><synic state='on'/><stimer state='on'/><reset state='on'/>
      <frequencies state='on'/><reenlightenment state='on'/><tlbflush state='on'/><ipi state='on'/>
    </hyperv>
    <ioapic driver='qemu'/>
  </features>
  <cpu mode='host-passthrough' check='none' migratable='on'/>
  <devices>
    <emulator>/usr/bin/qemu-system-x86_64</emulator>
    <tpm model='tpm-crb'><backend type='emulator' version='2.0'/></tpm>
XML
}
device() {
	local i=$1
	printf "    <disk type='file' device='disk'>\n      <driver name='qemu' type='qcow2' cache='none' io='native' discard='unmap'/>\n      <source file='/var/lib/libvirt/images/win11-bench-data-%04d.qcow2'/>\n      <target dev='vd%s' bus='virtio'/>\n      <address type='pci' domain='0x0000' bus='0x%02x' slot='0x00' function='0x0'/>\n    </disk>\n" \
		"$i" "$i" $((i % 250 + 1))
	printf "    <interface type='network'>\n      <mac address='52:54:00:%02x:%02x:%02x'/>\n      <source network='default'/>\n      <model type='virtio'/>\n    </interface>\n" \
		$((i % 256)) $((i / 256 % 256)) 7
}
{
	head
	i=0
	out=$(head)
	while ((${#out} < target - 200)); do
		d=$(device $i)
		out+=$'\n'$d
		i=$((i + 1))
	done
	printf '%s\n' "${out#"$(head)"}" | sed '1{/^$/d}'
	echo "  </devices>"
	echo "</domain>"
} 
