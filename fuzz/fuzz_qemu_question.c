/* libFuzzer target: the question to a guest's own QEMU read from a libvirt
 * domain XML (lib/guest/qemu_question.c), after guest_facts_from_xml() has
 * accepted it, as every caller does. Whatever the XML, no option may carry
 * a ',' or a '=' it did not put there itself, and none may be an -accel. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/guest_facts.h"
#include "seoib/qemu_question.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_facts *facts = malloc(sizeof(*facts));
	struct qemu_question *q = malloc(sizeof(*q));
	char err[SEOIB_MESSAGE_MAX], line[8192];

	if (facts && q && guest_facts_from_xml((const char *)data, size, facts, err) == 0) {
		qemu_question_from_xml((const char *)data, size, q);
		qemu_question_string(q, true, line, sizeof(line));
		for (int i = 0; i + 1 < q->argc; i += 2)
			if (!strcmp(q->argv[i], "-accel"))
				abort();
	}
	free(facts);
	free(q);
	return 0;
}
