/* VM and vCPU objects, one ioctl a helper (include/seoib/kvm_vm.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "seoib/cleanup.h"
#include "seoib/kvm_deadline.h"
#include "seoib/kvm_reaper.h"
#include "seoib/kvm_vm.h"
#include "seoib/kvm_x2apic.h"

/* Leaves of KVM_GET_SUPPORTED_CPUID to ask room for first; the table is grown
 * on E2BIG (current kernels report a few dozen). */
#define CPUID_ENTRIES_FIRST 64
#define CPUID_ENTRIES_MAX 4096
#define CPUID_X2APIC_ECX (1u << 21)

static __thread struct kvm_failure last_failure;

/* Record a failed call; returns -err, the helpers' failure value. */
static int failed(const char *call, int err)
{
	last_failure = (struct kvm_failure){.call = call, .err = err};
	errno = err;
	return -err;
}

const struct kvm_failure *kvm_last_failure(void)
{
	return &last_failure;
}

long kvm_ioctl_named(int fd, unsigned long request, void *arg, const char *name)
{
	for (;;) {
		int ret = ioctl(fd, request, arg);

		if (ret >= 0)
			return ret;
		/* EINTR is the deadline's only once it fired; before, some other
		 * signal's, and the call is simply made again. */
		if (errno != EINTR || kvm_deadline_fired())
			return failed(name, errno);
	}
}

/* ---- /dev/kvm -------------------------------------------------------------- */

int kvm_open(const char *device)
{
	int fd = open(device, O_RDWR | O_CLOEXEC);

	return fd < 0 ? failed("open", errno) : fd;
}

int kvm_api_version(int kvm_fd)
{
	return (int)kvm_ioctl(kvm_fd, KVM_GET_API_VERSION, 0);
}

long long kvm_check_extension_named(int fd, unsigned long cap, const char *name)
{
	return kvm_ioctl_named(fd, KVM_CHECK_EXTENSION, (void *)(uintptr_t)cap, name);
}

static struct kvm_cpuid2 *cpuid_alloc(unsigned nent)
{
	struct kvm_cpuid2 *cpuid = calloc(1, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));

	if (cpuid)
		cpuid->nent = nent;
	return cpuid;
}

static void cpuid_set_x2apic(struct kvm_cpuid2 *cpuid)
{
	for (unsigned i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == 1 && cpuid->entries[i].index == 0)
			cpuid->entries[i].ecx |= CPUID_X2APIC_ECX;
}

struct kvm_cpuid2 *kvm_get_x2apic_cpuid(int kvm_fd, int *err)
{
	for (unsigned nent = CPUID_ENTRIES_FIRST; nent <= CPUID_ENTRIES_MAX; nent *= 2) {
		_cleanup_free_ struct kvm_cpuid2 *cpuid = cpuid_alloc(nent);
		long ret;

		if (!cpuid) {
			*err = -failed("allocating the CPUID table", ENOMEM);
			return NULL;
		}
		ret = kvm_ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, cpuid);
		if (ret == 0) {
			cpuid_set_x2apic(cpuid);
			return steal_ptr(cpuid);
		}
		/* E2BIG: the kernel has more leaves than we made room for. */
		if (ret != -E2BIG) {
			*err = (int)-ret;
			return NULL;
		}
	}
	*err = E2BIG;
	return NULL;
}

/* ---- the VM ---------------------------------------------------------------- */

int vm_create(int kvm_fd, struct kvm_vm *vm)
{
	long fd = kvm_ioctl(kvm_fd, KVM_CREATE_VM, 0);

	if (fd < 0)
		return (int)fd;
	vm->kvm_fd = kvm_fd;
	vm->fd = (int)fd;
	return 0;
}

void kvm_vm_release(struct kvm_vm *vm)
{
	int saved = errno; /* a cleanup must not clobber the errno being reported */

	if (vm->fd >= 0 || vm->mem)
		kvm_reaper_close(vm->fd, vm->mem, vm->mem_size);
	*vm = (struct kvm_vm)KVM_VM_INIT;
	errno = saved;
}

int vm_enable_cap_named(struct kvm_vm *vm, uint32_t cap, uint64_t arg0, const char *name)
{
	struct kvm_enable_cap enable = {.cap = cap, .args = {arg0}};

	return (int)kvm_ioctl_named(vm->fd, KVM_ENABLE_CAP, &enable, name);
}

int vm_setup_irqchip(struct kvm_vm *vm, enum irqchip_mode irqchip)
{
	if (irqchip == IRQCHIP_SPLIT)
		return vm_enable_cap(vm, KVM_CAP_SPLIT_IRQCHIP, SEOIB_SPLIT_IRQCHIP_PINS);
	return (int)kvm_ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0);
}

int vm_enable_x2apic_api(struct kvm_vm *vm, uint64_t flags)
{
	return vm_enable_cap(vm, KVM_CAP_X2APIC_API, flags);
}

int vm_set_tss_addr(struct kvm_vm *vm, unsigned long addr)
{
	return (int)kvm_ioctl(vm->fd, KVM_SET_TSS_ADDR, addr);
}

int vm_add_guest_memory(struct kvm_vm *vm, size_t size)
{
	struct kvm_userspace_memory_region region = {
		.slot = 0,
		.guest_phys_addr = 0,
		.memory_size = size,
	};
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (mem == MAP_FAILED)
		return failed("mmap of guest memory", errno);
	vm->mem = mem; /* owned from here: the slot may point at it */
	vm->mem_size = size;
	region.userspace_addr = (uint64_t)(uintptr_t)mem;
	return (int)kvm_ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
}

int vm_route_msi(struct kvm_vm *vm, uint32_t gsi, uint32_t address_lo, uint32_t data)
{
	_cleanup_free_ struct kvm_irq_routing *routing = calloc(1, sizeof(*routing) + sizeof(routing->entries[0]));

	if (!routing)
		return failed("allocating the GSI routing table", ENOMEM);
	routing->nr = 1;
	routing->entries[0] = (struct kvm_irq_routing_entry){
		.gsi = gsi,
		.type = KVM_IRQ_ROUTING_MSI,
		.u.msi = {.address_lo = address_lo, .data = data},
	};
	return (int)kvm_ioctl(vm->fd, KVM_SET_GSI_ROUTING, routing);
}

int vm_irq_line(struct kvm_vm *vm, uint32_t gsi, uint32_t level)
{
	struct kvm_irq_level line = {.irq = gsi, .level = level};

	return (int)kvm_ioctl(vm->fd, KVM_IRQ_LINE, &line);
}

/* ---- the vCPU -------------------------------------------------------------- */

int vcpu_create(struct kvm_vm *vm, unsigned long id, struct kvm_vcpu *vcpu)
{
	long fd = kvm_ioctl(vm->fd, KVM_CREATE_VCPU, id);

	if (fd < 0)
		return (int)fd;
	vcpu->vm = vm;
	vcpu->fd = (int)fd;
	return 0;
}

int vcpu_map_run(struct kvm_vcpu *vcpu)
{
	long size = kvm_ioctl(vcpu->vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	void *run;

	if (size < 0)
		return (int)size;
	if ((size_t)size < sizeof(struct kvm_run))
		return failed("KVM_GET_VCPU_MMAP_SIZE", EINVAL);
	run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu->fd, 0);
	if (run == MAP_FAILED)
		return failed("mmap of kvm_run", errno);
	vcpu->run = run;
	vcpu->run_size = (size_t)size;
	return 0;
}

void kvm_vcpu_release(struct kvm_vcpu *vcpu)
{
	int saved = errno; /* a cleanup must not clobber the errno being reported */

	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	if (vcpu->fd >= 0)
		close(vcpu->fd);
	*vcpu = (struct kvm_vcpu)KVM_VCPU_INIT;
	errno = saved;
}

int vcpu_set_cpuid(struct kvm_vcpu *vcpu, const struct kvm_cpuid2 *cpuid)
{
	return (int)kvm_ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
}

int vcpu_read_lvr(struct kvm_vcpu *vcpu, uint32_t *lvr)
{
	struct kvm_lapic_state lapic;
	int ret = (int)kvm_ioctl(vcpu->fd, KVM_GET_LAPIC, &lapic);

	if (ret < 0)
		return ret;
	/* A 32-bit register of the APIC page; x86 is little-endian. */
	memcpy(lvr, &lapic.regs[SEOIB_APIC_LVR], sizeof(*lvr));
	return 0;
}

int vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	return (int)kvm_ioctl(vcpu->fd, KVM_GET_SREGS, sregs);
}

int vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	return (int)kvm_ioctl(vcpu->fd, KVM_SET_SREGS, sregs);
}

int vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	return (int)kvm_ioctl(vcpu->fd, KVM_SET_REGS, regs);
}

int vcpu_run(struct kvm_vcpu *vcpu)
{
	return (int)kvm_ioctl(vcpu->fd, KVM_RUN, 0);
}
