/* libFuzzer target: the hook's per-domain record (lib/record/domain_record.c),
 * read from /run/seoib/domains, which belongs to seoibd's less privileged
 * user. */
#include <stddef.h>
#include <stdint.h>

#include "seoib/domain_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct domain_record rec;
	char err[SEOIB_MESSAGE_MAX];

	domain_record_from_string((const char *)data, size, &rec, err);
	return 0;
}
