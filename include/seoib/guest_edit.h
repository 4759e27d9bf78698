/* Remediations seoib can carry out on a guest's persistent definition: an
 * edit of its libvirt domain XML with libxml2 (lib/guest/guest_edit.c),
 * written back by seoibctl apply --remediation (virDomainDefineXML), so that
 * it takes effect at the guest's next start. docs/libvirt.md, "Rolling out",
 * says when each one fits, with its QEMU and Linux sources. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "seoib/guest_facts.h"
#include "seoib/sentence.h"

enum guest_remedy {
	/* <features><ioapic driver='kvm'/>: both interrupt controllers in KVM,
	 * which never advertises Directed EOI then (Linux commit 0bcc3fb95b97).
	 * Only where nothing needs split (an IOMMU's interrupt remapping, TDX,
	 * microvm: facts->split_required). */
	GUEST_REMEDY_IN_KERNEL_IRQCHIP,
	/* <cpu><feature policy='disable' name='x2apic'/>: a guest without
	 * x2APIC keeps its local APIC in xAPIC mode; where split stays. In xAPIC
	 * mode an APIC ID has 8 bits (0xff broadcasts): a guest OS brings up at
	 * most 255 vCPUs, so a larger guest would lose some. */
	GUEST_REMEDY_NO_X2APIC,
	GUEST_REMEDY_COUNT,
};

/* "in-kernel-irqchip", "no-x2apic"; from_string: -1 for anything else. */
const char *guest_remedy_to_string(enum guest_remedy r);
int guest_remedy_from_string(const char *s);

/* The remedy that fits the guest: the in-kernel irqchip when nothing needs
 * split and no <qemu:commandline> chooses the irqchip, else no x2APIC. */
enum guest_remedy guest_remedy_choose(const struct guest_facts *facts);

/* The vCPUs a guest can use without x2APIC (the xAPIC ID is 8 bits). */
#define GUEST_XAPIC_MAX_VCPUS 255

struct guest_edit {
	char *xml;         /* the edited domain XML (free with guest_edit_free()) */
	bool changed;      /* false: the definition already has it; xml is NULL */
	char before[SEOIB_MESSAGE_MAX]; /* the element as it was ("" when absent) */
	char after[SEOIB_MESSAGE_MAX];  /* the element as it is written */
};

/* Apply remedy r to the domain XML xml[0..len) (untrusted: first read with
 * guest_facts_from_xml(), which bounds it, into *facts). Returns 0 with the
 * edit in *out; -1 with a sentence in err when the XML cannot be read, or
 * when the remedy does not fit this guest (in-kernel where split is needed
 * or where <qemu:commandline> chooses the irqchip, or a recorded respected
 * state that needs split; no x2APIC with more than GUEST_XAPIC_MAX_VCPUS
 * vCPUs). Nothing is written anywhere. */
int guest_edit_remedy(const char *xml, size_t len, enum guest_remedy r, struct guest_facts *facts,
		      struct guest_edit *out, char err[SEOIB_MESSAGE_MAX]);
void guest_edit_free(struct guest_edit *e);
