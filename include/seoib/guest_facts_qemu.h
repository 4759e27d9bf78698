/* A guest's facts from its own QEMU's answer (seoib/qemu_guest_query.h)
 * over the domain XML's model (lib/guest/guest_facts_qemu.c). */
#pragma once

#include <stddef.h>

#include "seoib/guest_facts.h"
#include "seoib/qemu_guest_query.h"

/* Override the XML model's irqchip, I/O APIC version (and lapic) facts with
 * what QEMU answered, and say which source answered in facts->facts_source
 * and the *_why sentences. A refusal keeps the XML model's facts and says
 * QEMU's sentence; TCG overrides only the I/O APIC version; NOT_ASKED and
 * FAILED keep everything and say why. */
void guest_facts_apply_qemu_answer(struct guest_facts *facts, const struct qemu_guest_answer *a);

/* The front ends' one call: the question from xml, its answer, applied to
 * facts (guest_facts_apply_qemu_answer()). facts must come from
 * guest_facts_from_xml() on the same xml. */
void qemu_guest_facts(const char *xml, size_t len, const struct qemu_guest_query_options *opts,
		      struct guest_facts *facts, struct qemu_guest_answer *a);
