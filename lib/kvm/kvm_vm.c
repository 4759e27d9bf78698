/* One ioctl each, KVM-selftests style (include/seoib/kvm_vm.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "seoib/cleanup.h"
#include "seoib/kvm_vm.h"
#include "seoib/kvm_x2apic.h"

/* Leaves of KVM_GET_SUPPORTED_CPUID to ask room for first; the table is grown
 * on E2BIG (current kernels report a few dozen). */
#define CPUID_ENTRIES_FIRST 64
#define CPUID_ENTRIES_MAX 4096
#define CPUID_X2APIC_ECX (1u << 21)

static int fd_or_errno(int ret)
{
	return ret < 0 ? -errno : ret;
}

int kvm_open(const char *device)
{
	return fd_or_errno(open(device, O_RDWR | O_CLOEXEC));
}

int kvm_api_version(int kvm_fd)
{
	return fd_or_errno(ioctl(kvm_fd, KVM_GET_API_VERSION, 0));
}

long long kvm_check_extension(int fd, unsigned long cap)
{
	return fd_or_errno(ioctl(fd, KVM_CHECK_EXTENSION, cap));
}

int vm_create(int kvm_fd)
{
	return fd_or_errno(ioctl(kvm_fd, KVM_CREATE_VM, 0));
}

int vm_enable_cap(int vm_fd, uint32_t cap, uint64_t arg0)
{
	struct kvm_enable_cap enable = {.cap = cap, .args = {arg0}};

	return fd_or_errno(ioctl(vm_fd, KVM_ENABLE_CAP, &enable));
}

int vm_enable_split_irqchip(int vm_fd, unsigned pins)
{
	return vm_enable_cap(vm_fd, KVM_CAP_SPLIT_IRQCHIP, pins);
}

int vm_create_irqchip(int vm_fd)
{
	return fd_or_errno(ioctl(vm_fd, KVM_CREATE_IRQCHIP, 0));
}

int vm_setup_irqchip(int vm_fd, enum irqchip_mode irqchip)
{
	if (irqchip == IRQCHIP_SPLIT)
		return vm_enable_split_irqchip(vm_fd, SEOIB_SPLIT_IRQCHIP_PINS);
	return vm_create_irqchip(vm_fd);
}

int vm_enable_x2apic_api(int vm_fd, uint64_t flags)
{
	return vm_enable_cap(vm_fd, KVM_CAP_X2APIC_API, flags);
}

int vcpu_create(int vm_fd, unsigned long id)
{
	return fd_or_errno(ioctl(vm_fd, KVM_CREATE_VCPU, id));
}

static struct kvm_cpuid2 *cpuid_alloc(unsigned nent)
{
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));

	if (cpuid)
		cpuid->nent = nent;
	return cpuid;
}

struct kvm_cpuid2 *kvm_get_supported_cpuid(int kvm_fd, int *err)
{
	for (unsigned nent = CPUID_ENTRIES_FIRST; nent <= CPUID_ENTRIES_MAX; nent *= 2) {
		_cleanup_free_ struct kvm_cpuid2 *cpuid = cpuid_alloc(nent);

		if (!cpuid) {
			*err = ENOMEM;
			return NULL;
		}
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			return steal_ptr(cpuid);
		/* E2BIG: the kernel has more leaves than we made room for. */
		if (errno != E2BIG) {
			*err = errno;
			return NULL;
		}
	}
	*err = E2BIG;
	return NULL;
}

void cpuid_set_x2apic(struct kvm_cpuid2 *cpuid)
{
	for (unsigned i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1 && cpuid->entries[i].index == 0)
			cpuid->entries[i].ecx |= CPUID_X2APIC_ECX;
}

int vcpu_set_cpuid(int vcpu_fd, const struct kvm_cpuid2 *cpuid)
{
	return fd_or_errno(ioctl(vcpu_fd, KVM_SET_CPUID2, cpuid));
}

int vcpu_get_lapic(int vcpu_fd, struct kvm_lapic_state *lapic)
{
	return fd_or_errno(ioctl(vcpu_fd, KVM_GET_LAPIC, lapic));
}

uint32_t lapic_reg(const struct kvm_lapic_state *lapic, unsigned offset)
{
	uint32_t value;

	memcpy(&value, &lapic->regs[offset], sizeof(value));
	return value;
}
