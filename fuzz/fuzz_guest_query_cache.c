/* libFuzzer target: a guest-query cache entry (lib/vmm/qemu_guest_query.c),
 * a file under the cache directory that the hook and seoibd read, checked
 * against a fixed question (the seed corpus holds entries for it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/qemu_guest_query.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void question(struct qemu_question *q)
{
	static const char *const argv[] = {"-machine", "pc-q35-7.2,kernel_irqchip=split", "-cpu", "qemu64,x2apic=off"};

	memset(q, 0, sizeof(*q));
	snprintf(q->emulator, sizeof(q->emulator), "/usr/bin/qemu-system-x86_64");
	q->kvm = true;
	for (size_t i = 0; i < sizeof(argv) / sizeof(argv[0]); i++)
		snprintf(q->argv[q->argc++], QEMU_QUESTION_ARG_LEN, "%s", argv[i]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qemu_question *q = malloc(sizeof(*q));
	struct qemu_guest_answer *a = calloc(1, sizeof(*a));

	if (q && a) {
		question(q);
		a->kvm = false; /* no kernel release in the key: the seeds match anywhere */
		if (qemu_guest_cache_entry_parse((const char *)data, size, q, a) &&
		    a->ioapic_version != 0 && a->ioapic_version != 0x11 && a->ioapic_version != 0x20)
			abort();
	}
	free(q);
	free(a);
	return 0;
}
