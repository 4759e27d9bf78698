/* Tiny helpers around one KVM ioctl each, in the style of the KVM selftests
 * (vm_create(), vm_enable_cap(), vcpu_create(), ...), shared by the capability
 * probe and the behaviour probe. They never abort and never print: each returns
 * what the kernel said, as a file descriptor or 0 on success and -errno on
 * failure, so the caller can record the raw answer and word the error. */
#pragma once

#include <linux/kvm.h>
#include <stdint.h>

#include "seoib/states.h"

/* open(device, O_RDWR | O_CLOEXEC): fd or -errno. */
int kvm_open(const char *device);

/* KVM_GET_API_VERSION on the /dev/kvm fd: the version or -errno. */
int kvm_api_version(int kvm_fd);

/* KVM_CHECK_EXTENSION on a /dev/kvm or VM fd: the answer (>= 0) or -errno. */
long long kvm_check_extension(int fd, unsigned long cap);

/* KVM_CREATE_VM (default machine type): VM fd or -errno. */
int vm_create(int kvm_fd);

/* KVM_ENABLE_CAP(cap, args[0] = arg0) on a VM fd: 0 or -errno. */
int vm_enable_cap(int vm_fd, uint32_t cap, uint64_t arg0);

/* KVM_ENABLE_CAP(KVM_CAP_SPLIT_IRQCHIP, pins): local APIC in KVM, I/O APIC
 * in userspace with `pins` routes reserved for it. 0 or -errno. */
int vm_enable_split_irqchip(int vm_fd, unsigned pins);

/* KVM_CREATE_IRQCHIP: local APIC, PIC and I/O APIC all in KVM. 0 or -errno. */
int vm_create_irqchip(int vm_fd);

/* The irqchip a guest of that mode gets (split with SEOIB_SPLIT_IRQCHIP_PINS,
 * as QEMU does). Must run before any vCPU exists. 0 or -errno. */
int vm_setup_irqchip(int vm_fd, enum irqchip_mode irqchip);

/* KVM_ENABLE_CAP(KVM_CAP_X2APIC_API, flags). Once a flag is set a VM can never
 * return to the quirked mode (docs/background.md section 2). 0 or -errno. */
int vm_enable_x2apic_api(int vm_fd, uint64_t flags);

/* KVM_CREATE_VCPU(id): vCPU fd or -errno. */
int vcpu_create(int vm_fd, unsigned long id);

/* KVM_GET_SUPPORTED_CPUID on the /dev/kvm fd, grown until it fits. Returns a
 * malloc()ed table (free() it) or NULL with *err = errno. */
struct kvm_cpuid2 *kvm_get_supported_cpuid(int kvm_fd, int *err);

/* Set CPUID.1:ECX bit 21 (x2APIC). Without it KVM never sets LVR bit 24. */
void cpuid_set_x2apic(struct kvm_cpuid2 *cpuid);

/* KVM_SET_CPUID2. KVM recomputes the LVR here (and on KVM_SET_LAPIC), so the
 * x2APIC API flags must be set before. 0 or -errno. */
int vcpu_set_cpuid(int vcpu_fd, const struct kvm_cpuid2 *cpuid);

/* KVM_GET_LAPIC: the in-kernel local APIC's register page. 0 or -errno. */
int vcpu_get_lapic(int vcpu_fd, struct kvm_lapic_state *lapic);

/* A 32-bit APIC register from a KVM_GET_LAPIC page (x86 is little-endian). */
uint32_t lapic_reg(const struct kvm_lapic_state *lapic, unsigned offset);
