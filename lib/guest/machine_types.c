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

/* Ubuntu's qemu carries its own machine types, one a release
 * (debian/patches/ubuntu/define-ubuntu-machine-types.patch in Ubuntu's
 * qemu package): pc-q35-CODENAME and pc-i440fx-CODENAME, copies of the
 * upstream type of the QEMU that release shipped, with variants that change
 * neither the I/O APIC nor the irqchip (-hpb: host-phys-bits, -maxcpus: 1024
 * vCPUs, -v2: the arch_caps fix). eoan's type is 4.0 without 4.0's split
 * default; the types of releases up to yakkety (QEMU 2.6 and older) keep
 * I/O APIC 0x11 through hw_compat_2_7. */
static const struct ubuntu_release {
	const char *codename;
	unsigned ioapic_version;
	const char *source; /* the QEMU version its types copy */
} ubuntu_releases[] = {
	{"trusty", IOAPIC_0X11, "Ubuntu's trusty types copy upstream QEMU 2.0: hw_compat_2_7 sets I/O APIC 0x11"},
	{"utopic", IOAPIC_0X11, "Ubuntu's utopic types copy upstream QEMU 2.1: hw_compat_2_7 sets I/O APIC 0x11"},
	{"vivid", IOAPIC_0X11, "Ubuntu's vivid types copy upstream QEMU 2.2: hw_compat_2_7 sets I/O APIC 0x11"},
	{"wily", IOAPIC_0X11, "Ubuntu's wily types copy upstream QEMU 2.3: hw_compat_2_7 sets I/O APIC 0x11"},
	{"xenial", IOAPIC_0X11, "Ubuntu's xenial types copy upstream QEMU 2.5: hw_compat_2_7 sets I/O APIC 0x11"},
	{"yakkety", IOAPIC_0X11, "Ubuntu's yakkety types copy upstream QEMU 2.6: hw_compat_2_7 sets I/O APIC 0x11"},
	{"zesty", IOAPIC_0X20, "Ubuntu's zesty types copy upstream QEMU 2.8, I/O APIC 0x20"},
	{"artful", IOAPIC_0X20, "Ubuntu's artful types copy upstream QEMU 2.10, I/O APIC 0x20"},
	{"bionic", IOAPIC_0X20, "Ubuntu's bionic types copy upstream QEMU 2.11, I/O APIC 0x20"},
	{"cosmic", IOAPIC_0X20, "Ubuntu's cosmic types copy upstream QEMU 2.12, I/O APIC 0x20"},
	{"disco", IOAPIC_0X20, "Ubuntu's disco types copy upstream QEMU 3.1, I/O APIC 0x20"},
	{"eoan", IOAPIC_0X20, "Ubuntu's eoan types copy upstream QEMU 4.0 without its split-irqchip default"},
	{"focal", IOAPIC_0X20, "Ubuntu's focal types copy upstream QEMU 4.2, I/O APIC 0x20"},
	{"groovy", IOAPIC_0X20, "Ubuntu's groovy types copy upstream QEMU 5.0, I/O APIC 0x20"},
	{"hirsute", IOAPIC_0X20, "Ubuntu's hirsute types copy upstream QEMU 5.2, I/O APIC 0x20"},
	{"impish", IOAPIC_0X20, "Ubuntu's impish types copy upstream QEMU 6.0, I/O APIC 0x20"},
	{"jammy", IOAPIC_0X20, "Ubuntu's jammy types copy upstream QEMU 6.2, I/O APIC 0x20"},
	{"kinetic", IOAPIC_0X20, "Ubuntu's kinetic types copy upstream QEMU 7.0, I/O APIC 0x20"},
	{"lunar", IOAPIC_0X20, "Ubuntu's lunar types copy upstream QEMU 7.2, I/O APIC 0x20"},
	{"mantic", IOAPIC_0X20, "Ubuntu's mantic types copy upstream QEMU 8.0, I/O APIC 0x20"},
	{"noble", IOAPIC_0X20, "Ubuntu's noble types copy upstream QEMU 8.2, I/O APIC 0x20"},
};

static const char *const ubuntu_suffixes[] = {"", "-hpb", "-maxcpus", "-hpb-maxcpus", "-v2"};

static bool ubuntu(const char *machine, struct machine_type_facts *out)
{
	const char *rest = NULL;

	if (!strcmp(machine, "ubuntu") || !strcmp(machine, "ubuntu-q35")) {
		/* Ubuntu's aliases of its newest types (I/O APIC 0x20, in-kernel). */
		out->family = "Ubuntu alias";
		out->source = "Ubuntu's alias of its release's newest type, with QEMU's default I/O APIC 0x20";
		out->ioapic_version = IOAPIC_0X20;
		return true;
	}
	if (!strncmp(machine, "pc-q35-", 7))
		rest = machine + 7;
	else if (!strncmp(machine, "pc-i440fx-", 10))
		rest = machine + 10;
	if (!rest)
		return false;
	for (size_t i = 0; i < ELEMENTSOF(ubuntu_releases); i++) {
		size_t n = strlen(ubuntu_releases[i].codename);

		if (strncmp(rest, ubuntu_releases[i].codename, n))
			continue;
		for (size_t j = 0; j < ELEMENTSOF(ubuntu_suffixes); j++) {
			if (strcmp(rest + n, ubuntu_suffixes[j]))
				continue;
			out->family = rest == machine + 7 ? "Ubuntu pc-q35" : "Ubuntu pc-i440fx";
			out->ioapic_version = ubuntu_releases[i].ioapic_version;
			out->source = ubuntu_releases[i].source;
			return true;
		}
	}
	return false;
}

/* RHEL 6's qemu-kvm names its types rhel6.X.0 without a prefix: QEMU 0.12,
 * I/O APIC 0x11, and no split irqchip at all. */
static bool rhel6(const char *machine, struct machine_type_facts *out)
{
	unsigned minor;
	int used = 0;

	if (sscanf(machine, "rhel6.%u.0%n", &minor, &used) != 1 || machine[used] != '\0')
		return false;
	out->family = "RHEL 6";
	out->source = "RHEL 6 qemu-kvm (QEMU 0.12) has I/O APIC 0x11 and no split irqchip";
	out->ioapic_version = IOAPIC_0X11;
	return true;
}

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
	if (unversioned(machine, out) || ubuntu(machine, out) || rhel6(machine, out)) {
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
