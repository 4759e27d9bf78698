/* vm-teardown [COUNT] [DEVICE]: the reference for bench/speed.sh. COUNT
 * times (default 14, the capability probe's VM count) create a VM with a
 * split irqchip, as the probe does, and close it, timing each create+close
 * on its own; print the slowest and the median in milliseconds as JSON.
 * The close() waits for the kernel's VM teardown, the cost the probe no
 * longer serialises on (lib/kvm/kvm_reaper.c). Exit 77 without a usable DEVICE. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seoib/cleanup.h"
#include "seoib/kvm_vm.h"
#include "seoib/monotonic.h"
#include "seoib/kvm_x2apic.h"

#define COUNT_MAX 1000

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 14;
	const char *device = argc > 2 ? argv[2] : "/dev/kvm";
	static double ms[COUNT_MAX];
	int kvm_fd;

	if (count < 1 || count > COUNT_MAX) {
		fprintf(stderr, "vm-teardown: COUNT must be 1 to %d, not '%s'.\n", COUNT_MAX, argv[1]);
		return 2;
	}
	kvm_fd = kvm_open(device);
	if (kvm_fd < 0) {
		fprintf(stderr, "vm-teardown: cannot open %s: %s; this benchmark needs a usable KVM device.\n", device,
			strerror(-kvm_fd));
		return 77;
	}
	for (int i = 0; i < count; i++) {
		struct kvm_vm vm = KVM_VM_INIT;
		uint64_t start = monotonic_usec();
		int r = vm_create(kvm_fd, &vm);

		if (r < 0) {
			fprintf(stderr, "vm-teardown: KVM_CREATE_VM failed on %s: %s.\n", device, strerror(-r));
			return 1;
		}
		r = vm_setup_irqchip(&vm, IRQCHIP_SPLIT);
		/* The reference: the teardown waited for here, not handed to
		 * the reaper as kvm_vm_release() does. */
		close(steal_fd(vm.fd));
		ms[i] = (double)(monotonic_usec() - start) / 1000.0;
		if (r < 0) {
			fprintf(stderr, "vm-teardown: KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP) failed: %s.\n", strerror(-r));
			return 1;
		}
	}
	close(kvm_fd);
	qsort(ms, (size_t)count, sizeof(ms[0]), by_value);
	printf("{\"count\": %d, \"max_ms\": %.3f, \"median_ms\": %.3f}\n", count, ms[count - 1],
	       count % 2 ? ms[count / 2] : (ms[count / 2 - 1] + ms[count / 2]) / 2);
	return 0;
}
