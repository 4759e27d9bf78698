/* What the extra QEMU arguments of a libvirt <qemu:commandline> change about
 * a guest's irqchip and I/O APIC (docs/policy.md, "<qemu:commandline>").
 * libvirt appends them after its own arguments, so QEMU applies them last. */
#pragma once

#include <stdbool.h>

#include "seoib/sentence.h"

struct qemu_cmdline {
	char machine_type[128];  /* -machine type=X or -M X; "" when not set */
	char kernel_irqchip[16]; /* "on", "off" or "split" (last wins); "" when not set */
	char irqchip_why[256];
	unsigned ioapic_version; /* from -global ioapic.version; 0 when not set */
	char ioapic_why[256];
	bool split_required;     /* a -device that needs kernel-irqchip=split */
	char split_why[256];
	bool unknown;            /* an argument that may change them but is not read */
	char unknown_why[256];
	/* The vCPU's CPUID, for the x2APIC fact and vmx/svm (docs/policy.md):
	 * the last -cpu replaces libvirt's own, a -global on a CPU type sets a
	 * property of every vCPU. Tri-states: -1 not set, 0 off, 1 on. */
	char cpu_model[64];      /* the last -cpu's model; "" when no -cpu */
	int cpu_x2apic;          /* x2apic in the last -cpu */
	int cpu_vmx;             /* vmx in the last -cpu */
	int cpu_svm;             /* svm in the last -cpu (each its own: +vmx,-svm leaves vmx on) */
	bool cpu_hyperv;         /* a Hyper-V enlightenment (hv-*, not hv-vendor-id) in the last -cpu */
	int global_x2apic;       /* -global x86_64-cpu.x2apic (or a *-x86_64-cpu type) */
	char x2apic_why[256];    /* the argument that set cpu_x2apic / global_x2apic */
	bool x2apic_unknown;     /* an argument that may change x2APIC and is not read */
	char x2apic_unknown_why[256];
	/* An argument that may change a fact and that the question to the
	 * guest's QEMU (qemu_question.c) never passes: -set, -readconfig,
	 * -machine accel=. QEMU's answer then describes another guest. */
	bool unasked;
	char unasked_why[256];
};

/* Read argv[0..argc) as QEMU would: -machine / -M options merged with
 * libvirt's (a later key wins; QEMU's old underscore spellings, e.g.
 * kernel_irqchip, are the same key), -global ioapic.version (both of QEMU's
 * spellings), -device intel-iommu / amd-iommu with intremap=on (keyval or
 * JSON), -cpu and -global on a CPU type (x2apic, vmx, svm). Arguments that
 * may change the irqchip or the I/O APIC but that this reader does not
 * understand (-readconfig, -machine accel=, an unknown kernel-irqchip value,
 * -global of an IOMMU's intremap, a -set of a property that can reach them,
 * ...) set out->unknown with a sentence. -set GROUP.ID.PROP=VALUE edits one
 * existing entry of one option group (QEMU qemu_set_option()): only the
 * groups and properties that can reach the irqchip, the I/O APIC or the
 * vCPU's x2APIC count; -set machine.* is refused by QEMU and counts for
 * nothing. Returns 0, or -1 with a sentence in err for a setting QEMU
 * itself refuses (an I/O APIC version other than 0x11 or 0x20).
 * Sources: QEMU softmmu/vl.c (-machine merges its options, "--opt" = "-opt"),
 * hw/intc/ioapic.c (versions), hw/i386/x86-iommu.c (intremap),
 * util/qemu-config.c qemu_set_option() (-set), target/i386/cpu.c
 * x86_cpu_parse_featurestr() (-cpu MODEL,+feat,-feat,feat=on). */
int qemu_cmdline_read(const char *const *argv, int argc, struct qemu_cmdline *out,
		      char err[SEOIB_MESSAGE_MAX]);

enum qemu_option {
	QEMU_OPTION_MACHINE, /* -machine / -M: keyval, merged */
	QEMU_OPTION_GLOBAL,  /* -global DRIVER.PROP=VALUE or driver=,property=,value= */
	QEMU_OPTION_ACCEL,   /* -accel: keyval */
};

/* The value argv[0..argc) gives `key` in `option`, read with the same
 * option, escape (",,") and spelling ("_" = "-") rules as
 * qemu_cmdline_read(); the last one wins. For QEMU_OPTION_GLOBAL only
 * globals whose driver driver_matches(global's driver, driver) are read.
 * Copies at most size - 1 bytes into value; false when no argument sets it.
 * Source: QEMU util/keyval.c, qom/object.c object_property_set_globals(). */
bool qemu_cmdline_lookup(const char *const *argv, int argc, enum qemu_option option, const char *driver,
			 bool (*driver_matches)(const char *global_driver, const char *driver), const char *key,
			 char *value, size_t size);
