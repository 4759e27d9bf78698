/* libFuzzer target: the seoib.conf parser (lib/config/config.c). It reads a path,
 * so each input is written to a memfd and loaded as /proc/self/fd/N: a
 * regular file, as a configuration must be. A file that does not load is
 * also read as the libvirt hook reads it (seoib_config_salvage()). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "seoib/config.h"
#include "seoib/json_util.h"

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
	/* The hook's reading of a file that does not load, and the listing
	 * check-config prints, take the same hostile bytes. */
	if (seoib_config_load(path, cfg, err) < 0)
		seoib_config_salvage(path, cfg, NULL, NULL, err);
	json_object_put(seoib_config_to_json(cfg));
	close(fd);
	free(cfg);
	return 0;
}
