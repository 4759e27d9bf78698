/* libFuzzer target: a peer's `seoibctl status --json` output as check --dest
 * reads it over SSH (lib/fleet/backend_ssh.c): a record, or one wrapped in
 * {"record": ...}. */
#include <stdint.h>
#include <stdlib.h>

#include "seoib/fleet_backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host_record *rec = malloc(sizeof(*rec));
	char err[SEOIB_MESSAGE_MAX];

	if (rec) {
		peer_record_parse((const char *)data, size, rec, err);
		free(rec);
	}
	return 0;
}
