/* The KVM layer's objects and its one way into the kernel, in the style of
 * the KVM selftests' kvm_util.c (tools/testing/selftests/kvm/lib/kvm_util.c):
 * a VM and a vCPU own their fds and mappings, and each helper wraps one KVM
 * ioctl (Documentation/virt/kvm/api.rst names each). Every KVM ioctl of
 * lib/kvm/ goes through kvm_ioctl(). Unlike the selftests nothing here aborts
 * or prints: each helper returns what the kernel said, 0 (or a value >= 0) on
 * success and -errno on failure, and records which call failed
 * (kvm_last_failure()), so the caller keeps the raw answer and words the
 * error with the call's name. Shared by the capability probe, the behaviour
 * probe and bench/vm-teardown.c. */
#pragma once

#include <linux/kvm.h>
#include <stddef.h>
#include <stdint.h>

#include "seoib/states.h"

/* ---- the one wrapper ------------------------------------------------------ */

/* The last KVM call that failed in this thread. */
struct kvm_failure {
	const char *call; /* static: "KVM_CREATE_VM", "KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP)",
			     "mmap of kvm_run", ... */
	int err;          /* its errno */
};

/* ioctl(fd, request, arg) on a KVM fd, the only place lib/kvm/ calls ioctl().
 * A signal that interrupts it (EINTR; seoib's handlers have no SA_RESTART)
 * restarts it, unless this thread's armed deadline fired (seoib/kvm_deadline.h):
 * then it returns -EINTR, so a wedged kernel ends the call at the deadline.
 * Returns the ioctl's result (>= 0: an fd, a capability's value, 0) or
 * -errno, with errno itself preserved; on failure name (the request's name,
 * a static string) and the errno become kvm_last_failure(). Use the
 * kvm_ioctl() macro, which names the request after its constant. */
long kvm_ioctl_named(int fd, unsigned long request, void *arg, const char *name);
#define kvm_ioctl(fd, request, arg) kvm_ioctl_named((fd), (request), (void *)(uintptr_t)(arg), #request)

/* What the last failed call of this thread was ({NULL, 0} before any). */
const struct kvm_failure *kvm_last_failure(void);

/* ---- /dev/kvm -------------------------------------------------------------- */

/* open(device, O_RDWR | O_CLOEXEC): fd or -errno. */
int kvm_open(const char *device);

/* KVM_GET_API_VERSION on the /dev/kvm fd: the version (12 since Linux 2.6.22)
 * or -errno. */
int kvm_api_version(int kvm_fd);

/* KVM_CHECK_EXTENSION(cap) on a /dev/kvm or VM fd: the answer (>= 0; for
 * KVM_CAP_X2APIC_API the flags bitmap, which a VM fd masks by its irqchip:
 * arch/x86/kvm/x86.c kvm_vm_ioctl_check_extension()) or -errno. A macro, so
 * the failure names the capability. */
long long kvm_check_extension_named(int fd, unsigned long cap, const char *name);
#define kvm_check_extension(fd, cap) \
	kvm_check_extension_named((fd), (cap), "KVM_CHECK_EXTENSION(" #cap ")")

/* KVM_GET_SUPPORTED_CPUID on the /dev/kvm fd, grown on E2BIG until it fits
 * (at most 4096 entries), with CPUID.1:ECX bit 21 (x2APIC) set: without it KVM
 * never sets LVR bit 24 (arch/x86/kvm/lapic.c kvm_apic_set_version()).
 * Returns a malloc()ed table (free() it) or NULL with *err = errno (ENOMEM,
 * E2BIG, or what the ioctl said). */
struct kvm_cpuid2 *kvm_get_x2apic_cpuid(int kvm_fd, int *err);

/* ---- the VM ---------------------------------------------------------------- */

struct kvm_vm {
	int kvm_fd;      /* the /dev/kvm fd it was created on; borrowed */
	int fd;          /* the VM fd; owned, -1 when none */
	void *mem;       /* guest memory of slot 0 (vm_add_guest_memory); owned, NULL when none */
	size_t mem_size; /* bytes */
};

#define KVM_VM_INIT {.kvm_fd = -1, .fd = -1, .mem = NULL, .mem_size = 0}

/* KVM_CREATE_VM (default machine type) on kvm_fd into *vm (which must be
 * KVM_VM_INIT). 0 or -errno (EBUSY: another hypervisor holds VMX/SVM;
 * EMFILE, ENOMEM). */
int vm_create(int kvm_fd, struct kvm_vm *vm);

/* Hand the VM fd and the guest memory to the reaper (seoib/kvm_reaper.h): the
 * last close() of a VM fd waits for kvm_destroy_vm() (virt/kvm/kvm_main.c),
 * which the caller must not. The memory is unmapped after the close, as the
 * VM's memory slot points at it until then. Leaves *vm KVM_VM_INIT. Every
 * vCPU of the VM must be released first. */
void kvm_vm_release(struct kvm_vm *vm);

/* KVM_ENABLE_CAP(cap, args[0] = arg0) on the VM. 0 or -errno (EINVAL: the
 * kernel refuses the cap or the argument). A macro, so the failure names cap. */
int vm_enable_cap_named(struct kvm_vm *vm, uint32_t cap, uint64_t arg0, const char *name);
#define vm_enable_cap(vm, cap, arg0) vm_enable_cap_named((vm), (cap), (arg0), "KVM_ENABLE_CAP(" #cap ")")

/* The irqchip a guest of that mode gets: IRQCHIP_SPLIT is
 * KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP, SEOIB_SPLIT_IRQCHIP_PINS), local APIC in
 * KVM and the I/O APIC in userspace, as QEMU's kernel-irqchip=split;
 * IRQCHIP_IN_KERNEL is KVM_CREATE_IRQCHIP. Must run before any vCPU exists
 * (the kernel says EINVAL after). 0 or -errno. */
int vm_setup_irqchip(struct kvm_vm *vm, enum irqchip_mode irqchip);

/* KVM_ENABLE_CAP(KVM_CAP_X2APIC_API, flags). Once a flag is set a VM can never
 * return to the quirked mode (docs/background.md section 2); KVM refuses
 * bit 2 without a split irqchip and bits 2 and 3 together (EINVAL). 0 or
 * -errno. */
int vm_enable_x2apic_api(struct kvm_vm *vm, uint64_t flags);

/* KVM_SET_TSS_ADDR: where VMX's real-mode emulation keeps its TSS (three
 * pages at addr, a guest physical address outside guest memory); a no-op on
 * AMD. 0 or -errno. */
int vm_set_tss_addr(struct kvm_vm *vm, unsigned long addr);

/* size bytes of anonymous memory, owned by vm, as memory slot 0 at guest
 * physical address 0 (KVM_SET_USER_MEMORY_REGION). Returns 0 with vm->mem
 * mapped, or -errno (from mmap or the ioctl). */
int vm_add_guest_memory(struct kvm_vm *vm, size_t size);

/* KVM_SET_GSI_ROUTING with one MSI route: gsi -> (address_lo, data). KVM
 * computes the vectors whose EOI exits to userspace with a split irqchip from
 * such routes on GSIs below the I/O APIC's pins (kvm_scan_ioapic_routes() in
 * arch/x86/kvm/). 0 or -errno. */
int vm_route_msi(struct kvm_vm *vm, uint32_t gsi, uint32_t address_lo, uint32_t data);

/* KVM_IRQ_LINE: set gsi's level (1 assert, 0 deassert). 0 or -errno. */
int vm_irq_line(struct kvm_vm *vm, uint32_t gsi, uint32_t level);

/* ---- the vCPU -------------------------------------------------------------- */

struct kvm_vcpu {
	struct kvm_vm *vm;   /* the VM it belongs to; borrowed */
	int fd;              /* the vCPU fd; owned, -1 when none */
	struct kvm_run *run; /* the shared kvm_run page (vcpu_map_run); owned, NULL when not mapped */
	size_t run_size;     /* bytes, KVM_GET_VCPU_MMAP_SIZE */
};

#define KVM_VCPU_INIT {.vm = NULL, .fd = -1, .run = NULL, .run_size = 0}

/* KVM_CREATE_VCPU(id) on vm into *vcpu (which must be KVM_VCPU_INIT); with an
 * in-kernel local APIC, id is its APIC ID. 0 or -errno. */
int vcpu_create(struct kvm_vm *vm, unsigned long id, struct kvm_vcpu *vcpu);

/* Map the vCPU's kvm_run page (KVM_GET_VCPU_MMAP_SIZE on the /dev/kvm fd,
 * then mmap of the vCPU fd), which KVM_RUN fills with the exit. 0 or -errno
 * (EINVAL when the kernel reports a size smaller than struct kvm_run). */
int vcpu_map_run(struct kvm_vcpu *vcpu);

/* Unmap kvm_run and close the vCPU fd. The VM fd still holds the VM, so no
 * teardown waits here. Leaves *vcpu KVM_VCPU_INIT. */
void kvm_vcpu_release(struct kvm_vcpu *vcpu);

/* KVM_SET_CPUID2. KVM recomputes the LVR here (and on KVM_SET_LAPIC), so the
 * x2APIC API flags must be set before (arch/x86/kvm/cpuid.c
 * kvm_vcpu_after_set_cpuid() -> kvm_apic_set_version()). 0 or -errno. */
int vcpu_set_cpuid(struct kvm_vcpu *vcpu, const struct kvm_cpuid2 *cpuid);

/* The local APIC version register (offset 0x30) as the guest would read it,
 * from KVM_GET_LAPIC: bit 24 (SEOIB_LVR_DIRECTED_EOI) says Directed EOI is
 * advertised. The VM needs an in-kernel local APIC (else ENXIO). Returns 0
 * with *lvr set, or -errno. */
int vcpu_read_lvr(struct kvm_vcpu *vcpu, uint32_t *lvr);

/* KVM_GET_SREGS / KVM_SET_SREGS / KVM_SET_REGS. 0 or -errno. */
int vcpu_get_sregs(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
int vcpu_set_sregs(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs);
int vcpu_set_regs(struct kvm_vcpu *vcpu, const struct kvm_regs *regs);

/* KVM_RUN once; the exit is in vcpu->run (vcpu_map_run first). 0, or -errno:
 * -EINTR only when this thread's deadline fired (kvm_ioctl()), e.g. with
 * kvm_run.immediate_exit set by it. */
int vcpu_run(struct kvm_vcpu *vcpu);
