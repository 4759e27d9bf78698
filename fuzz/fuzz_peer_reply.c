/* libFuzzer target: a peer's `seoibctl status --json` reply as check --dest
 * reads it over SSH (lib/fleet/backend_ssh.c), peer_reply_parse(): the
 * status envelope with its verdict (exit, stale, error) and record, or a
 * bare record. */
#include <stdint.h>
#include <stdlib.h>

#include "seoib/peer_reply.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host_record *rec = malloc(sizeof(*rec));
	char err[SEOIB_MESSAGE_MAX];

	if (rec) {
		peer_reply_parse((const char *)data, size, rec, err);
		free(rec);
	}
	return 0;
}
