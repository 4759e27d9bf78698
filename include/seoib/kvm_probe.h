/* The capability probe: one throwaway VM per question, raw answers kept.
 * Reading KVM_CAP_X2APIC_API on the /dev/kvm fd alone is wrong in principle
 * (bit 2 is masked on a VM without a split irqchip), so every answer here comes
 * from a VM set up the way a guest would be. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "seoib/states.h"

#include "seoib/sentence.h"

/* Not measured (an earlier step failed, or the question did not apply). */
#define PROBE_NOT_MEASURED (-1)

enum probe_status {
	PROBE_OK,
	PROBE_KVM_UNAVAILABLE, /* no /dev/kvm, no permission, wrong API version */
	PROBE_ERROR,           /* KVM is there but a step failed unexpectedly */
	PROBE_STATUS_COUNT,
};

/* KVM_ENABLE_CAP(KVM_CAP_X2APIC_API, flags) on a fresh VM. */
struct enable_result {
	int err; /* 0 accepted, errno refused, PROBE_NOT_MEASURED */
};

/* LVR as KVM_GET_LAPIC shows it on a vCPU with x2APIC in CPUID. */
struct lvr_result {
	int err;      /* 0 read, errno if a step failed, PROBE_NOT_MEASURED */
	uint32_t lvr; /* valid when err == 0 */
};

struct kvm_measurements {
	int api_version; /* KVM_GET_API_VERSION, PROBE_NOT_MEASURED */
	/* KVM_CHECK_EXTENSION(KVM_CAP_X2APIC_API) on: the system fd, a fresh VM,
	 * a VM after KVM_CAP_SPLIT_IRQCHIP, a VM after KVM_CREATE_IRQCHIP. */
	long long x2apic_api_system;
	long long x2apic_api_vm;
	long long x2apic_api_vm_split;
	long long x2apic_api_vm_irqchip;
	long long cap_split_irqchip; /* KVM_CHECK_EXTENSION(KVM_CAP_SPLIT_IRQCHIP) */
	long long cap_irqchip;       /* KVM_CHECK_EXTENSION(KVM_CAP_IRQCHIP) */
	/* Indexed [irqchip][mode]; MODE_LEGACY is unused (nothing to enable). */
	struct enable_result enable[IRQCHIP_COUNT][MODE_COUNT];
	/* Indexed [irqchip][mode]; MODE_BOTH is unused (always refused). */
	struct lvr_result lvr[IRQCHIP_COUNT][MODE_COUNT];
};

struct kvm_probe_options {
	const char *device;     /* default "/dev/kvm" */
	unsigned timeout_ms;    /* bound on the capability probe alone; 0 = 5000 ms (it runs
				 * inside the whole probe's probe-timeout-ms) */
};

/* Run the capability probe. Returns the status; on anything but PROBE_OK,
 * message holds a sentence saying what failed, on what, and what to do. The
 * measurements taken before a failure are kept. */
enum probe_status kvm_probe_run(const struct kvm_probe_options *opts, struct kvm_measurements *m,
				char message[SEOIB_MESSAGE_MAX]);

/* Mark every measurement PROBE_NOT_MEASURED. */
void kvm_measurements_init(struct kvm_measurements *m);
