/* libFuzzer target: the remediation edits of a domain XML
 * (lib/guest/guest_edit.c), which seoibctl apply --remediation makes on the
 * XML libvirt returns for any guest (whoever defined it wrote it), and the
 * edited XML read back; the first byte picks the remedy. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/guest_edit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guest_facts *facts = malloc(sizeof(*facts));
	struct guest_edit edit;
	char err[SEOIB_MESSAGE_MAX];

	if (!facts || size < 1) {
		free(facts);
		return 0;
	}
	if (guest_edit_remedy((const char *)data + 1, size - 1, (enum guest_remedy)(data[0] % GUEST_REMEDY_COUNT), facts,
			      &edit, err) == 0 && edit.changed) {
		/* What apply writes must read back as a domain. */
		if (guest_facts_from_xml(edit.xml, strlen(edit.xml), facts, err) < 0)
			abort();
		guest_edit_free(&edit);
	}
	free(facts);
	return 0;
}
