/* libFuzzer target: the guest facts read from a libvirt domain XML
 * (lib/guest/guest_facts.c), which the hook and Decide() get from libvirt or from
 * any local caller. */
#include <stdint.h>
#include <stdlib.h>

#include "seoib/guest_facts.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_facts *facts = malloc(sizeof(*facts));
	char err[SEOIB_MESSAGE_MAX];

	if (facts) {
		guest_facts_from_xml((const char *)data, size, facts, err);
		free(facts);
	}
	return 0;
}
