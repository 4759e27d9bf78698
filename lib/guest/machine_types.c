/* The machine-type table (see seoib/machine_types.h and docs/policy.md,
 * "Machine types"). A row matches a family of names and decides from the
 * version in the name; a name no row matches is unknown, never upstream. */
#include <stdio.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/machine_types.h"

#define IOAPIC_0X11 0x11u
#define IOAPIC_0X20 0x20u

/* A dotted version of two or three numbers that is the whole rest of the
 * name ("2.7", "7.3.0"); anything after it (a vendor suffix) is no match. */
static bool parse_version(const char *s, unsigned v[3], int *n)
{
	int used = 0;

	v[0] = v[1] = v[2] = 0;
	*n = 0;
	if (sscanf(s, "%u.%u%n", &v[0], &v[1], &used) == 2 && s[used] == '\0') {
		*n = 2;
		return s[0] >= '0' && s[0] <= '9';
	}
	used = 0;
	if (sscanf(s, "%u.%u.%u%n", &v[0], &v[1], &v[2], &used) == 3 && s[used] == '\0') {
		*n = 3;
		return s[0] >= '0' && s[0] <= '9';
	}
	return false;
}

static bool version_le(const unsigned v[3], unsigned major, unsigned minor)
{
	return v[0] < major || (v[0] == major && v[1] <= minor);
}

/* Upstream pc-i440fx-X.Y, pc-q35-X.Y (and pc-q35-4.0.1), pc-X.Y (the old
 * i440fx names): hw_compat_2_7 sets ioapic.version=0x11 for 2.7 and older;
 * only pc-q35-4.0 defaulted to the split irqchip (reverted by 4.0.1). */
static bool upstream(bool q35, unsigned v[3], int n, struct machine_type_facts *out)
{
	if (n == 3 && !(q35 && v[0] == 4 && v[1] == 0 && v[2] == 1))
		return false;
	out->ioapic_version = version_le(v, 2, 7) ? IOAPIC_0X11 : IOAPIC_0X20;
	out->split_default = q35 && n == 2 && v[0] == 4 && v[1] == 0;
	out->source = out->ioapic_version == IOAPIC_0X11 ? "QEMU hw_compat_2_7 sets I/O APIC 0x11"
			: out->split_default ? "QEMU's pc-q35-4.0 defaults to kernel-irqchip=split"
					     : "QEMU's default I/O APIC 0x20 since 2.8";
	return true;
}

/* RHEL qemu-kvm pc-i440fx-rhelX.Y.Z, pc-q35-rhelX.Y.Z: HW_COMPAT_RHEL7_3 sets
 * ioapic.version=0x11 for rhel7.3.0 and older; none defaults to split. */
static bool rhel(bool q35, unsigned v[3], int n, struct machine_type_facts *out)
{
	(void)q35;
	if (n != 3)
		return false;
	out->ioapic_version = version_le(v, 7, 3) ? IOAPIC_0X11 : IOAPIC_0X20;
	out->split_default = false;
	out->source = out->ioapic_version == IOAPIC_0X11 ? "RHEL qemu-kvm HW_COMPAT_RHEL7_3 sets I/O APIC 0x11"
			: "RHEL qemu-kvm after rhel7.3.0 keeps QEMU's I/O APIC 0x20";
	return true;
}

static const struct machine_family {
	const char *prefix;
	const char *family;
	bool q35;
	bool (*decide)(bool q35, unsigned v[3], int n, struct machine_type_facts *out);
} families[] = {
	/* Longer prefixes first: "pc-i440fx-rhel" before "pc-i440fx-". */
	{"pc-i440fx-rhel", "RHEL pc-i440fx", false, rhel},
	{"pc-q35-rhel", "RHEL pc-q35", true, rhel},
	{"pc-i440fx-", "upstream pc-i440fx", false, upstream},
	{"pc-q35-", "upstream pc-q35", true, upstream},
	{"pc-", "upstream pc", false, upstream},
};

/* Names that carry no version: the aliases of a QEMU build's newest type
 * (every QEMU since 2.8 and every RHEL since 7.4: I/O APIC 0x20, in-kernel),
 * and microvm, which has I/O APIC 0x20 and defaults to split. */
static bool unversioned(const char *machine, struct machine_type_facts *out)
{
	if (strcmp(machine, "") == 0 || strcmp(machine, "pc") == 0 || strcmp(machine, "q35") == 0) {
		out->family = machine[0] ? "QEMU alias" : "QEMU's default machine";
		out->source = "the newest pc / q35 type, with QEMU's default I/O APIC 0x20";
		out->ioapic_version = IOAPIC_0X20;
		return true;
	}
	if (strcmp(machine, "microvm") == 0) {
		out->family = "upstream microvm";
		out->source = "QEMU's microvm defaults to kernel-irqchip=split, I/O APIC 0x20";
		out->ioapic_version = IOAPIC_0X20;
		out->split_default = true;
		return true;
	}
	return false;
}

void machine_type_lookup(const char *machine, struct machine_type_facts *out)
{
	memset(out, 0, sizeof(*out));
	out->family = "unknown";
	out->source = "no row of seoib's machine-type table (docs/policy.md) matches it";
	if (unversioned(machine, out)) {
		out->known = true;
		return;
	}
	for (size_t i = 0; i < ELEMENTSOF(families); i++) {
		const struct machine_family *f = &families[i];
		size_t len = strlen(f->prefix);
		unsigned v[3];
		int n;

		if (strncmp(machine, f->prefix, len) != 0)
			continue;
		if (!parse_version(machine + len, v, &n) || !f->decide(f->q35, v, n, out)) {
			/* A prefix without a version we know, e.g. pc-q35-jammy. */
			out->ioapic_version = 0;
			out->split_default = false;
			out->source = "no row of seoib's machine-type table (docs/policy.md) matches it";
			return;
		}
		out->family = f->family;
		out->known = true;
		return;
	}
}
