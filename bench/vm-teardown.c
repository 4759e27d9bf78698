/* vm-teardown [COUNT] [DEVICE] [split|lifecycle]: the references of
 * bench/speed.sh. COUNT times (default 14, the capability probe's VM count)
 * create a VM and close it, timing each create+close on its own, and print
 * the slowest and the median in milliseconds as JSON.
 *
 * split (the default): every VM gets a split irqchip and no vCPU, as most of
 * the probe's VMs do.
 *
 * lifecycle: VMs alternate split and in-kernel irqchips and each gets one
 * vCPU, as the probe's LVR questions do. Closing an in-kernel-irqchip VM
 * with a vCPU is the slowest teardown KVM has (about 15 ms on kvm_pvm), and
 * a probe that must ask both irqchip modes through a vCPU cannot finish
 * before one such lifecycle: the slowest of these is the probe's real floor.
 *
 * The close() waits for the kernel's VM teardown, the cost the probe does
 * not serialise on (lib/kvm/kvm_reaper.c). Exit 77 without a usable DEVICE. */
#include <errno.h>
#include <stdbool.h>
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

/* One create+close, its teardown waited for here (not handed to the reaper
 * as kvm_vm_release() does). 0 with *ms set, or a status to exit with. */
static int one_lifecycle(int kvm_fd, enum irqchip_mode irqchip, bool with_vcpu, double *ms)
{
	struct kvm_vm vm = KVM_VM_INIT;
	struct kvm_vcpu vcpu = KVM_VCPU_INIT;
	uint64_t start = monotonic_usec();
	int r = vm_create(kvm_fd, &vm);

	if (r < 0) {
		fprintf(stderr, "vm-teardown: KVM_CREATE_VM failed: %s.\n", strerror(-r));
		return 1;
	}
	r = vm_setup_irqchip(&vm, irqchip);
	if (r == 0 && with_vcpu)
		r = vcpu_create(&vm, 0, &vcpu);
	kvm_vcpu_release(&vcpu);
	close(steal_fd(vm.fd));
	*ms = (double)(monotonic_usec() - start) / 1000.0;
	if (r < 0) {
		fprintf(stderr, "vm-teardown: setting up the %s VM failed: %s.\n",
			irqchip == IRQCHIP_SPLIT ? "split-irqchip" : "in-kernel-irqchip", strerror(-r));
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int count = argc > 1 ? atoi(argv[1]) : 14;
	const char *device = argc > 2 ? argv[2] : "/dev/kvm";
	const char *shape = argc > 3 ? argv[3] : "split";
	bool lifecycle = strcmp(shape, "lifecycle") == 0;
	static double ms[COUNT_MAX];
	int kvm_fd;

	if (count < 1 || count > COUNT_MAX) {
		fprintf(stderr, "vm-teardown: COUNT must be 1 to %d, not '%s'.\n", COUNT_MAX, argv[1]);
		return 2;
	}
	if (!lifecycle && strcmp(shape, "split") != 0) {
		fprintf(stderr, "vm-teardown: the shape must be 'split' or 'lifecycle', not '%s'.\n", shape);
		return 2;
	}
	kvm_fd = kvm_open(device);
	if (kvm_fd < 0) {
		fprintf(stderr, "vm-teardown: cannot open %s: %s; this benchmark needs a usable KVM device.\n", device,
			strerror(-kvm_fd));
		return 77;
	}
	for (int i = 0; i < count; i++) {
		enum irqchip_mode irqchip = lifecycle && i % 2 ? IRQCHIP_IN_KERNEL : IRQCHIP_SPLIT;
		int r = one_lifecycle(kvm_fd, irqchip, lifecycle, &ms[i]);

		if (r != 0)
			return r;
	}
	close(kvm_fd);
	qsort(ms, (size_t)count, sizeof(ms[0]), by_value);
	printf("{\"shape\": \"%s\", \"count\": %d, \"max_ms\": %.3f, \"median_ms\": %.3f}\n", shape, count,
	       ms[count - 1], count % 2 ? ms[count / 2] : (ms[count / 2 - 1] + ms[count / 2]) / 2);
	return 0;
}
