/* The question to a guest's own QEMU (seoib/qemu_guest_query.h), read from
 * its libvirt domain XML (lib/guest/qemu_question.c). */
#pragma once

#include <stddef.h>

#include "seoib/qemu_guest_query.h"

/* Read the question from a domain XML that guest_facts_from_xml() has
 * already accepted (its bounds keep this second parse bounded). Never
 * fails: what cannot be asked is said in q->cannot_ask.
 * Sources: libvirt src/qemu/qemu_command.c (how <os><type machine>,
 * <features><ioapic>, <cpu>, <vcpu> and <iommu> become -machine, -cpu,
 * -smp and -device; <qemu:commandline> is appended last). */
void qemu_question_from_xml(const char *xml, size_t len, struct qemu_question *q);
