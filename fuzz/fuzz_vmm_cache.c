/* libFuzzer target: a VMM cache entry as vmm_probe() reads it from the
 * cache directory (lib/vmm/vmm.c), vmm_cache_entry_parse(), against a fixed
 * binary identity: the seeds in fuzz/corpus/vmm_cache/ match it, so the
 * mutations reach the controls and the property. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/vmm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = {"seoib-policy", NULL};
	struct vmm_info *info = calloc(1, sizeof(*info));

	if (!info)
		return 0;
	snprintf(info->path, sizeof(info->path), "/usr/bin/qemu-system-x86_64");
	info->size = 20971520;
	info->mtime_ns = 1795424400000000000LL;
	info->ctime_ns = 1795424400000000001LL;
	info->dev = 2049;
	info->ino = 131077;
	vmm_cache_entry_parse((const char *)data, size, names, info);
	free(info);
	return 0;
}
