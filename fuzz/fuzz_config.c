/* libFuzzer target: the seoib.conf parser (lib/util/config.c). It reads a path,
 * so each input is written to a memfd and loaded as /proc/self/fd/N: a
 * regular file, as a configuration must be. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "seoib/config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seoib_config *cfg = malloc(sizeof(*cfg));
	char err[SEOIB_MESSAGE_MAX], path[64];
	int fd = memfd_create("seoib.conf", MFD_CLOEXEC);

	if (fd < 0 || !cfg)
		abort(); /* the harness, not the parser, is broken */
	if (write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	seoib_config_load(path, cfg, err);
	close(fd);
	free(cfg);
	return 0;
}
