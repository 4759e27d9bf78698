/* The one deadline of the KVM layer: a bound on every KVM ioctl a probe makes,
 * so that a wedged kernel cannot hold the caller. Used by the capability
 * probe (the whole probe) and the behavioural probe (each guest run).
 *
 * A one-shot CLOCK_MONOTONIC timer sends SIGALRM to the arming thread only
 * (SIGEV_THREAD_ID). The handler is installed without SA_RESTART, so a KVM
 * ioctl blocked in the kernel returns EINTR; it also sets immediate_exit on
 * the kvm_run page given to kvm_deadline_arm(), which closes the
 * race with a signal that lands just before KVM_RUN is entered
 * (KVM_CAP_IMMEDIATE_EXIT, Linux 4.11; Documentation/virt/kvm/api.rst,
 * "immediate_exit"). The signal is unblocked in the arming thread for as long
 * as the deadline is armed (a daemon may block it for signalfd). The previous
 * disposition is restored when the last armed deadline in the process is
 * disarmed, and the thread's signal mask when its own is.
 *
 * One deadline per thread at a time; several threads may each hold one. */
#pragma once

#include <linux/kvm.h>
#include <signal.h>
#include <stdbool.h>
#include <time.h>

struct kvm_deadline {
	bool armed;
	timer_t timer;
	struct timespec end; /* CLOCK_MONOTONIC */
	sigset_t old_mask;
};

/* Arm d to fire ms milliseconds from now in the calling thread. When it
 * fires it sets run->immediate_exit if run is not NULL (a vCPU's mmap()ed
 * kvm_run page, which must stay mapped until d is disarmed), so that a
 * KVM_RUN entered after it returns EINTR at once (arch/x86/kvm/x86.c:
 * kvm_arch_vcpu_ioctl_run() checks immediate_exit before entering).
 * Returns 0, or -errno when no timer can be created (timer_create(2): EAGAIN,
 * ENOMEM) or started; then nothing is armed and nothing needs undoing. d must
 * be disarmed with kvm_deadline_disarm() (or _cleanup_(kvm_deadline_disarm))
 * before this thread arms another. */
int kvm_deadline_arm(struct kvm_deadline *d, unsigned ms, struct kvm_run *run);

/* Stop the timer (no signal after this returns), restore the thread's signal
 * mask and, for the process's last armed deadline, SIGALRM's previous
 * disposition. Does nothing on a deadline that is not armed. */
void kvm_deadline_disarm(struct kvm_deadline *d);

/* True once this thread's armed deadline has fired: an EINTR seen after it is
 * the deadline's, not a stray signal's. */
bool kvm_deadline_fired(void);

/* True once d fired or its end time has passed (checked between steps, so a
 * probe also stops where no ioctl was blocked when the signal came). */
bool kvm_deadline_passed(const struct kvm_deadline *d);
