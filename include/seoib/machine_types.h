/* What a QEMU machine type decides for seoib: the I/O APIC version and the
 * irqchip a guest gets without an <ioapic> element. One table, one owner
 * (lib/guest/machine_types.c); docs/policy.md, "Machine types", lists every row
 * with its source. */
#pragma once

#include <stdbool.h>

struct machine_type_facts {
	bool known;              /* false: no row matches; nothing below is a fact */
	unsigned ioapic_version; /* 0x11 or 0x20 when known */
	bool split_default;      /* kernel-irqchip defaults to split */
	const char *family;      /* the table row: "upstream pc-i440fx", "RHEL pc-q35", ... */
	const char *source;      /* where the facts come from, for the reasons */
};

/* Look machine (the <os><type machine=...> value, "" when absent) up in the
 * table. Always fills out; out->known is false for a machine type no row
 * describes (another vendor's alias, a misspelling), and callers must then
 * say the facts are unknown rather than assume upstream QEMU's.
 * Sources: QEMU hw/core/machine.c (hw_compat_2_7: ioapic.version=0x11),
 * hw/i386/pc_q35.c (pc-q35-4.0: default_kernel_irqchip_split),
 * hw/i386/microvm.c (split default); RHEL qemu-kvm HW_COMPAT_RHEL7_3. */
void machine_type_lookup(const char *machine, struct machine_type_facts *out);
