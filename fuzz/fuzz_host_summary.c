/* libFuzzer target: the listing summary parser (lib/record/host_summary.c),
 * which reads every host's summary from etcd when seoibctl fleet lists. */
#include <stdint.h>

#include "seoib/host_summary.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct host_summary sum;
	char err[SEOIB_MESSAGE_MAX];

	host_summary_from_string((const char *)data, size, &sum, err);
	return 0;
}
