/* The behavioural probe's run loop, apart from the VM it runs: what it makes
 * of the exits of one case, in the order KVM delivers them. lib/kvm/behaviour.c
 * drives it with KVM_RUN on a real vCPU; tests/behaviour replays exit
 * sequences recorded on real hosts through the same loop (both orders of
 * the EOI exit, a missing fence). Internal to libseoib-core. */
#pragma once

#include <linux/kvm.h>
#include <stdbool.h>

#include "seoib/behaviour.h"

/* One vCPU as the loop sees it. */
struct behaviour_vcpu {
	struct kvm_run *run; /* the shared kvm_run page: exit_reason, io, eoi, immediate_exit */
	/* One KVM_RUN. Returns 0 with run->exit_reason set, or -1 with errno:
	 * EINTR once the case deadline fired (it also sets run->immediate_exit,
	 * as the deadline of seoib/kvm_deadline.h does), EINTR/EAGAIN for any
	 * other signal, anything else for a failed ioctl. */
	int (*enter)(struct behaviour_vcpu *vcpu);
	/* Deliver one level-triggered interrupt of EOI_PAYLOAD_VECTOR (the MSI
	 * route and a pulse on its GSI). Returns 0, or -1 with the case's
	 * outcome and detail already set. */
	int (*inject)(struct behaviour_vcpu *vcpu, struct behaviour_case *c);
	void *opaque; /* the caller's, e.g. the VM the vCPU belongs to */
};

/* Run the payload of lib/kvm/eoi_payload.S until its FENCE write, never only
 * until DONE: KVM delivers KVM_EXIT_IOAPIC_EOI by a vCPU request, on the
 * next entry, which on some hosts is the KVM_RUN after the DONE exit
 * (arch/x86/kvm/x86.c: vcpu_enter_guest() turns KVM_REQ_IOAPIC_EOI_EXIT
 * into the exit before it enters the guest). On the FENCE exit the case is
 * OUTCOME_DONE and c->eoi_exit says whether the EOI exited; a deadline
 * before the fence is OUTCOME_TIMEOUT, which draws no verdict, whatever was
 * seen until then. inject_irq false is the test-only no-irq fault.
 * timeout_ms only words the timeout sentence; the caller arms the deadline. */
void behaviour_run_payload(struct behaviour_vcpu *vcpu, struct behaviour_case *c, bool inject_irq,
			 unsigned timeout_ms);
