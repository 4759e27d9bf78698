/* The guest's own QEMU overrides the domain-XML model (seoib/qemu_guest_query.h):
 * what QEMU built is what the guest runs, whatever seoib's reading of the
 * XML and its machine-type table says. Kept apart from guest_facts.c, which
 * reads the XML: this file only weighs one source against the other. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/guest_facts.h"
#include "seoib/guest_facts_qemu.h"
#include "seoib/qemu_question.h"
#include "seoib/sentence.h"

#define XML_MODEL "the domain XML and seoib's machine-type table"

const char *guest_facts_source(const struct guest_facts *facts)
{
	return facts->facts_source[0] ? facts->facts_source : XML_MODEL;
}

static void apply_irqchip(struct guest_facts *f, const struct qemu_guest_answer *a)
{
	if (!a->kvm || !a->irqchip_known)
		return;
	if (a->lapic_userspace) {
		f->qemu_lapic = true;
		sentence_format(f->lapic_why, sizeof(f->lapic_why),
				"%s creates its own local APIC (apic, kernel-irqchip=off), which never advertises Directed EOI",
				a->source);
		return;
	}
	f->qemu_lapic = false;
	f->lapic_why[0] = '\0';
	f->irqchip_unknown = false;
	f->irqchip = a->irqchip_split ? IRQCHIP_SPLIT : IRQCHIP_IN_KERNEL;
	sentence_format(f->irqchip_why, sizeof(f->irqchip_why), "%s creates %s", a->source,
			a->irqchip_split ? "QEMU's ioapic with KVM's local APIC (the split irqchip)"
					 : "kvm-ioapic (the in-kernel irqchip)");
}

static void apply_ioapic(struct guest_facts *f, const struct qemu_guest_answer *a)
{
	if (!a->ioapic_version)
		return;
	f->ioapic_unknown = false;
	f->ioapic_version = a->ioapic_version;
	if (a->kvm && a->irqchip_in_kernel)
		sentence_format(f->ioapic_why, sizeof(f->ioapic_why),
				"%s: KVM's in-kernel I/O APIC (kvm-ioapic) is version 0x11", a->source);
	else
		sentence_format(f->ioapic_why, sizeof(f->ioapic_why), "%s builds machine %s with I/O APIC version 0x%x",
				a->source, a->machine[0] ? a->machine : f->machine, a->ioapic_version);
}

void guest_facts_apply_qemu_answer(struct guest_facts *f, const struct qemu_guest_answer *a)
{
	switch (a->status) {
	case QEMU_ANSWER_NOT_ASKED:
	case QEMU_ANSWER_FAILED:
		sentence_format(f->facts_source, sizeof(f->facts_source), "%s (QEMU not asked: %s)", XML_MODEL, a->why);
		return;
	case QEMU_ANSWER_REFUSED:
		sentence_format(f->facts_source, sizeof(f->facts_source),
				"%s; QEMU at %s refuses this guest's machine: %s", XML_MODEL, a->emulator, a->refusal);
		return;
	case QEMU_ANSWER_ANSWERED:
		break;
	}
	/* The question left out an argument that may change the facts: QEMU
	 * answered for a guest without it, so its answer decides nothing here
	 * (the XML model keeps the facts it could not tell unknown). */
	if (f->cmdline_unasked) {
		sentence_format(f->facts_source, sizeof(f->facts_source),
				"%s; the answer of %s not used: %s, which a question to QEMU leaves out", XML_MODEL, a->source,
				f->cmdline_unasked_why);
		return;
	}
	apply_irqchip(f, a);
	apply_ioapic(f, a);
	/* QEMU's own vCPU under KVM wins over what the XML says of x2APIC;
	 * under TCG its vCPU is not the KVM guest's (TCG's CPU models leave
	 * x2apic off where KVM turns it on), so the XML's fact stays. */
	if (a->kvm && a->x2apic >= 0) {
		f->x2apic = a->x2apic == 1 ? X2APIC_PRESENT : X2APIC_ABSENT;
		sentence_format(f->x2apic_why, sizeof(f->x2apic_why), "%s: the first vCPU's x2apic is %s", a->source,
				a->x2apic == 1 ? "on" : "off");
	}
	if (a->kvm)
		sentence_format(f->facts_source, sizeof(f->facts_source), "%s%s", a->source,
				a->from_cache ? " (its cached answer)" : "");
	else
		sentence_format(f->facts_source, sizeof(f->facts_source), "%s%s for the I/O APIC version; %s for the rest",
				a->source, a->from_cache ? " (its cached answer)" : "", XML_MODEL);
}

void qemu_guest_facts(const char *xml, size_t len, const struct qemu_guest_query_options *opts,
		      struct guest_facts *facts, struct qemu_guest_answer *a)
{
	_cleanup_free_ struct qemu_question *q = calloc(1, sizeof(*q));

	if (!q) {
		memset(a, 0, sizeof(*a));
		a->status = QEMU_ANSWER_NOT_ASKED;
		snprintf(a->why, sizeof(a->why), "cannot ask QEMU: out of memory");
	} else {
		qemu_question_from_xml(xml, len, q);
		qemu_guest_ask(q, opts, a);
	}
	guest_facts_apply_qemu_answer(facts, a);
}
