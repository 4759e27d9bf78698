/* Runs seoibd's pre-warmer (daemon/qemu_prewarm.c) over domain XML files
 * and prints how long the pass took, so the vmm suite can check that it
 * fills the cache and bench/ can time it for many guests.
 * Usage: prewarm-test --cache DIR XML...   (prints {"guests": N, "ms": T}) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_prewarm.h"
#include "seoib/cleanup.h"
#include "seoib/fileio.h"
#include "seoib/guest_facts.h"
#include "seoib/monotonic.h"

int main(int argc, char **argv)
{
	struct qemu_prewarm *p;
	char err[SEOIB_MESSAGE_MAX];
	long long start;
	int n = 0;

	if (argc < 3 || strcmp(argv[1], "--cache") != 0) {
		fprintf(stderr, "usage: prewarm-test --cache DIR XML...\n");
		return 2;
	}
	p = qemu_prewarm_start(argv[2]);
	if (!p)
		return 1;
	start = monotonic_ms();
	for (int i = 3; i < argc; i++) {
		_cleanup_free_ char *xml = NULL;
		size_t len;

		if (read_file_bounded(argv[i], GUEST_XML_MAX, &xml, &len, err) < 0) {
			fprintf(stderr, "prewarm-test: %s: %s\n", argv[i], err);
			qemu_prewarm_stop(p);
			return 2;
		}
		n += qemu_prewarm_add(p, xml);
	}
	qemu_prewarm_wait_idle(p);
	printf("{\"guests\": %d, \"ms\": %lld}\n", n, monotonic_ms() - start);
	qemu_prewarm_stop(p);
	return 0;
}
