/* libFuzzer target: a QEMU command line as /proc/PID/cmdline gives it
 * (lib/guest/qemu_launch.c), which a guest's <qemu:commandline> reaches. */
#include <stddef.h>
#include <stdint.h>

#include "seoib/qemu_launch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct qemu_launch_fact fact;

	qemu_launch_from_cmdline((const char *)data, size, "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "it", &fact);
	return 0;
}
