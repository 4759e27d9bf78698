/* libFuzzer target: the host record JSON parser (lib/record/host_record.c), which
 * reads records from peers over SSH, from etcd and from files. */
#include <stdint.h>
#include <stdlib.h>

#include "seoib/host_record.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host_record *rec = malloc(sizeof(*rec));
	char err[SEOIB_MESSAGE_MAX];

	if (rec) {
		host_record_from_string((const char *)data, size, rec, err);
		free(rec);
	}
	return 0;
}
