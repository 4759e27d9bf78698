/* libFuzzer target: seoibd's storm report (lib/watch/storm_report.c), read
 * back by seoibctl status from storms.json under /run/seoib, which belongs
 * to seoibd's less privileged user. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "seoib/storm_report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct storm_report_guest *g = NULL;
	size_t n = 0;
	char err[SEOIB_MESSAGE_MAX];

	if (storm_report_from_json((const char *)data, size, &g, &n, err) == 0) {
		/* What status does with a report it read: print it again. */
		json_object *o = storm_report_to_json(g, n);
		char *prom = storm_report_prometheus_text(g, n);

		json_object_put(o);
		free(prom);
	}
	free(g);
	return 0;
}
