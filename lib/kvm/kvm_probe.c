/* The capability probe (issue 2, "The probe", items 1-4): a list of small
 * questions, each asked of its own throwaway VM and answered with the raw
 * value the kernel gave. A VM never returns to the quirked mode once an x2APIC
 * API flag is set (docs/background.md section 2), so no VM is reused across questions.
 * Needs only read/write access to the KVM device, no other privilege. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "seoib/cleanup.h"
#include "seoib/kvm_deadline.h"
#include "seoib/kvm_probe.h"
#include "seoib/kvm_vm.h"
#include "seoib/kvm_x2apic.h"
#include "seoib/sentence.h"

#define PROBE_DEFAULT_DEVICE "/dev/kvm"
#define PROBE_DEFAULT_TIMEOUT_MS 5000

struct probe {
	const char *device;
	unsigned timeout_ms;
	struct kvm_deadline deadline; /* bounds the whole probe (kvm_deadline.h) */
	int kvm_fd;
	struct kvm_cpuid2 *cpuid; /* KVM_GET_SUPPORTED_CPUID with x2APIC set */
	struct kvm_measurements *m;
	char *message;
};

/* ---- errors ---------------------------------------------------------------- */

__attribute__((format(printf, 3, 4)))
static enum probe_status fail(struct probe *p, enum probe_status status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sentence_vformat(p->message, SEOIB_MESSAGE_MAX, fmt, ap);
	va_end(ap);
	return status;
}

static enum probe_status fail_timeout(struct probe *p, const char *step)
{
	return fail(p, PROBE_ERROR,
		    "the KVM probe of %s did not finish within %u ms (stopped at %s); the kernel's KVM may be wedged: check the kernel log (dmesg) for KVM errors; this bound is fixed and not raised by probe-timeout-ms",
		    p->device, p->timeout_ms, step);
}

/* A KVM call that should not fail did (kvm_last_failure() says which, the
 * caller on what, e.g. " on a fresh VM"): say so, and where to look. */
static enum probe_status fail_step(struct probe *p, const char *context)
{
	const struct kvm_failure *failure = kvm_last_failure();
	char step[SEOIB_MESSAGE_MAX];

	sentence_format(step, sizeof(step), "%s%s", failure->call ? failure->call : "a KVM call", context);
	if (failure->err == EINTR)
		return fail_timeout(p, step);
	return fail(p, PROBE_ERROR, "%s failed on %s: %s; check the kernel log (dmesg) for KVM errors and report it if it persists",
		    step, p->device, strerror(failure->err));
}

static enum probe_status check_deadline(struct probe *p, const char *next_step)
{
	if (kvm_deadline_passed(&p->deadline))
		return fail_timeout(p, next_step);
	return PROBE_OK;
}

/* ---- step 1: the device ---------------------------------------------------- */

static enum probe_status fail_open(struct probe *p, int err)
{
	switch (err) {
	case ENOENT:
		if (strcmp(p->device, PROBE_DEFAULT_DEVICE) != 0)
			return fail(p, PROBE_KVM_UNAVAILABLE,
				    "cannot open %s: no such file; it is not this host's KVM device: give its path (%s where the kvm module is loaded)",
				    p->device, PROBE_DEFAULT_DEVICE);
		__attribute__((fallthrough)); /* the default device missing: no kvm module */
	case ENODEV:
	case ENXIO:
		return fail(p, PROBE_KVM_UNAVAILABLE,
			    "cannot open %s: %s; the kvm module is not loaded or this CPU has no hardware virtualisation: run modprobe kvm_intel (or kvm_amd) and enable VT-x/AMD-V in the firmware settings",
			    p->device, strerror(err));
	case EACCES:
	case EPERM:
		return fail(p, PROBE_KVM_UNAVAILABLE,
			    "cannot open %s: permission denied; add the user running seoib to group kvm (usermod -aG kvm USER) or run it as root",
			    p->device);
	case EBUSY:
		return fail(p, PROBE_KVM_UNAVAILABLE,
			    "cannot open %s: device or resource busy; another hypervisor (VirtualBox, VMware) may hold the virtualisation extensions: stop it and retry",
			    p->device);
	default:
		return fail(p, PROBE_KVM_UNAVAILABLE,
			    "cannot open %s: %s; check that it is the KVM device and that the kernel log (dmesg) shows no KVM error",
			    p->device, strerror(err));
	}
}

static enum probe_status open_device(struct probe *p)
{
	int version;

	p->kvm_fd = kvm_open(p->device);
	if (p->kvm_fd < 0)
		return fail_open(p, -p->kvm_fd);

	version = kvm_api_version(p->kvm_fd);
	if (version < 0)
		return fail(p, PROBE_KVM_UNAVAILABLE,
			    "KVM_GET_API_VERSION failed on %s: %s; it is not a KVM device: point seoib at /dev/kvm",
			    p->device, strerror(-version));
	p->m->api_version = version;
	if (version != SEOIB_KVM_API_VERSION)
		return fail(p, PROBE_KVM_UNAVAILABLE,
			    "%s reports KVM API version %d where every kernel since 2.6.22 reports %d; this KVM is not supported: use a mainline kernel's KVM",
			    p->device, version, SEOIB_KVM_API_VERSION);
	return PROBE_OK;
}

/* ---- throwaway VMs ----------------------------------------------------------- */

static enum probe_status fail_create_vm(struct probe *p, int err)
{
	switch (err) {
	case EINTR:
		return fail_timeout(p, "KVM_CREATE_VM");
	case EBUSY:
		/* kvm_create_vm() returns EBUSY when enabling VMX/SVM fails,
		 * typically because another hypervisor owns it. */
		return fail(p, PROBE_KVM_UNAVAILABLE,
			    "cannot create a VM on %s: device or resource busy; another hypervisor (VirtualBox, VMware) holds the virtualisation extensions: stop it and retry",
			    p->device);
	case EMFILE:
	case ENFILE:
		return fail(p, PROBE_ERROR,
			    "cannot create a VM on %s: %s; raise the open-file limit (ulimit -n, or LimitNOFILE= in the service) and retry",
			    p->device, strerror(err));
	case ENOMEM:
		return fail(p, PROBE_ERROR,
			    "cannot create a VM on %s: out of memory; free memory on this host (or raise the memory cgroup limit) and retry",
			    p->device);
	default:
		return fail(p, PROBE_ERROR,
			    "cannot create a VM on %s: %s; check the kernel log (dmesg) for KVM errors",
			    p->device, strerror(err));
	}
}

/* A fresh VM into *vm, released by the caller (kvm_vm_release: the teardown
 * goes off this path). */
static enum probe_status new_vm(struct probe *p, const char *question, struct kvm_vm *vm)
{
	enum probe_status status = check_deadline(p, question);
	int ret;

	if (status != PROBE_OK)
		return status;
	ret = vm_create(p->kvm_fd, vm);
	return ret < 0 ? fail_create_vm(p, -ret) : PROBE_OK;
}

static bool irqchip_supported(const struct probe *p, enum irqchip_mode irqchip)
{
	long long cap = irqchip == IRQCHIP_SPLIT ? p->m->cap_split_irqchip : p->m->cap_irqchip;

	return cap > 0;
}

/* A fresh VM with the irqchip a guest of that mode gets. */
static enum probe_status new_vm_with_irqchip(struct probe *p, enum irqchip_mode irqchip, const char *question,
					     struct kvm_vm *vm)
{
	enum probe_status status = new_vm(p, question, vm);

	if (status != PROBE_OK)
		return status;
	return vm_setup_irqchip(vm, irqchip) < 0 ? fail_step(p, "") : PROBE_OK;
}

/* ---- step 2: what each fd reports ----------------------------------------- */

/* A KVM_CHECK_EXTENSION answer kept as measured, or the failure. */
static enum probe_status keep_answer(struct probe *p, long long ret, const char *context, long long *answer)
{
	if (ret < 0)
		return fail_step(p, context);
	*answer = ret;
	return PROBE_OK;
}

static enum probe_status check_system_caps(struct probe *p)
{
	struct kvm_measurements *m = p->m;
	enum probe_status status;

	status = keep_answer(p, kvm_check_extension(p->kvm_fd, KVM_CAP_X2APIC_API), " on the system fd",
			     &m->x2apic_api_system);
	if (status == PROBE_OK)
		status = keep_answer(p, kvm_check_extension(p->kvm_fd, KVM_CAP_SPLIT_IRQCHIP), "",
				     &m->cap_split_irqchip);
	if (status == PROBE_OK)
		status = keep_answer(p, kvm_check_extension(p->kvm_fd, KVM_CAP_IRQCHIP), "", &m->cap_irqchip);
	return status;
}

/* KVM_CAP_X2APIC_API as a VM fd reports it: without a split irqchip a fixed
 * kernel masks bit 2, so the /dev/kvm answer alone is not the guest's. */
static enum probe_status check_vm_x2apic_api(struct probe *p, int irqchip, const char *on_vm, long long *answer)
{
	_cleanup_(kvm_vm_release) struct kvm_vm vm = KVM_VM_INIT;
	char question[SEOIB_MESSAGE_MAX];
	enum probe_status status;

	if (irqchip >= 0 && !irqchip_supported(p, irqchip))
		return PROBE_OK; /* left PROBE_NOT_MEASURED: nothing to ask */
	sentence_format(question, sizeof(question), "KVM_CHECK_EXTENSION(KVM_CAP_X2APIC_API)%s", on_vm);
	status = irqchip < 0 ? new_vm(p, question, &vm) : new_vm_with_irqchip(p, irqchip, question, &vm);
	if (status != PROBE_OK)
		return status;
	return keep_answer(p, kvm_check_extension(vm.fd, KVM_CAP_X2APIC_API), on_vm, answer);
}

static enum probe_status check_vm_caps(struct probe *p)
{
	struct kvm_measurements *m = p->m;
	enum probe_status status;

	/* In-kernel first: its teardown is the slow one (check_slow_teardowns_first). */
	status = check_vm_x2apic_api(p, IRQCHIP_IN_KERNEL, " on an in-kernel-irqchip VM", &m->x2apic_api_vm_irqchip);
	if (status == PROBE_OK)
		status = check_vm_x2apic_api(p, -1, " on a fresh VM", &m->x2apic_api_vm);
	if (status == PROBE_OK)
		status = check_vm_x2apic_api(p, IRQCHIP_SPLIT, " on a split-irqchip VM", &m->x2apic_api_vm_split);
	return status;
}

/* ---- step 3: which flags a VM accepts ------------------------------------- */

static enum probe_status check_enable(struct probe *p, enum irqchip_mode irqchip, enum x2apic_mode mode)
{
	_cleanup_(kvm_vm_release) struct kvm_vm vm = KVM_VM_INIT;
	enum probe_status status;
	int ret;

	if (!irqchip_supported(p, irqchip))
		return PROBE_OK;
	status = new_vm_with_irqchip(p, irqchip, "KVM_ENABLE_CAP(KVM_CAP_X2APIC_API)", &vm);
	if (status != PROBE_OK)
		return status;
	ret = vm_enable_x2apic_api(&vm, mode_flags(mode));
	if (ret == -EINTR)
		return fail_timeout(p, "KVM_ENABLE_CAP(KVM_CAP_X2APIC_API)");
	/* Refusal (EINVAL) is an answer, not a failure: record the errno. */
	p->m->enable[irqchip][mode].err = -ret;
	return PROBE_OK;
}

/* ---- step 4: the LVR a guest would see ------------------------------------ */

static enum probe_status load_cpuid(struct probe *p)
{
	int err = 0;

	p->cpuid = kvm_get_x2apic_cpuid(p->kvm_fd, &err);
	return p->cpuid ? PROBE_OK : fail_step(p, "");
}

/* On a VM already set up: one vCPU with x2APIC in CPUID, then its LVR. KVM
 * recomputes the LVR only on KVM_SET_CPUID2 / KVM_SET_LAPIC, and sets bit 24
 * only for a vCPU with x2APIC in its CPUID. */
static enum probe_status read_vcpu_lvr(struct probe *p, struct kvm_vm *vm, struct lvr_result *result)
{
	_cleanup_(kvm_vcpu_release) struct kvm_vcpu vcpu = KVM_VCPU_INIT;
	int ret = vcpu_create(vm, 0, &vcpu);

	if (ret == 0)
		ret = vcpu_set_cpuid(&vcpu, p->cpuid);
	if (ret == 0)
		ret = vcpu_read_lvr(&vcpu, &result->lvr);
	result->err = -ret;
	return ret < 0 ? fail_step(p, "") : PROBE_OK;
}

static enum probe_status check_lvr(struct probe *p, enum irqchip_mode irqchip, enum x2apic_mode mode)
{
	struct lvr_result *result = &p->m->lvr[irqchip][mode];
	_cleanup_(kvm_vm_release) struct kvm_vm vm = KVM_VM_INIT;
	enum probe_status status;
	int ret;

	if (!irqchip_supported(p, irqchip))
		return PROBE_OK;
	if (mode != MODE_LEGACY && p->m->enable[irqchip][mode].err != 0) {
		/* The kernel refused this mode's flag: there is no such guest. */
		result->err = p->m->enable[irqchip][mode].err;
		return PROBE_OK;
	}
	status = new_vm_with_irqchip(p, irqchip, "KVM_GET_LAPIC", &vm);
	if (status != PROBE_OK)
		return status;
	if (mode != MODE_LEGACY) {
		ret = vm_enable_x2apic_api(&vm, mode_flags(mode));
		if (ret < 0) {
			/* Accepted a moment ago, refused now: record it, the
			 * verdict reports the contradiction. */
			result->err = -ret;
			return ret == -EINTR ? fail_timeout(p, "KVM_ENABLE_CAP(KVM_CAP_X2APIC_API)") : PROBE_OK;
		}
	}
	return read_vcpu_lvr(p, &vm, result);
}

/* Steps 3 and 4 for one irqchip mode: each flag's VM, then the LVR its
 * guest would see (which needs that flag's answer). */
static enum probe_status check_irqchip_modes(struct probe *p, enum irqchip_mode irqchip)
{
	enum probe_status status = PROBE_OK;

	for (int mode = MODE_LEGACY; mode <= MODE_DISABLE && status == PROBE_OK; mode++) {
		if (mode != MODE_LEGACY)
			status = check_enable(p, irqchip, mode);
		if (status == PROBE_OK)
			status = check_lvr(p, irqchip, mode);
	}
	/* MODE_BOTH is only asked whether KVM accepts it: no guest runs it. */
	if (status == PROBE_OK)
		status = check_enable(p, irqchip, MODE_BOTH);
	return status;
}

/* Steps 2 to 4 in the order that lets the probe end soonest. Closing an
 * in-kernel-irqchip VM is KVM's slowest teardown (~15-20 ms on kvm_pvm,
 * with or without a vCPU, against ~0.5 ms for a split one: measured with
 * strace -f on a real /dev/kvm). The reaper runs every teardown in parallel
 * with the probe, which can only end once the last has: so every
 * in-kernel-irqchip VM comes first, and the split ones run while they are
 * torn down (docs/benchmarks.md, bench/speed.sh). Each answer has its own
 * VM, so the order changes no answer. */
static enum probe_status check_slow_teardowns_first(struct probe *p)
{
	enum probe_status status = load_cpuid(p);

	if (status == PROBE_OK)
		status = check_vm_caps(p);
	if (status == PROBE_OK)
		status = check_irqchip_modes(p, IRQCHIP_IN_KERNEL);
	if (status == PROBE_OK)
		status = check_irqchip_modes(p, IRQCHIP_SPLIT);
	return status;
}

/* ---- the whole probe ------------------------------------------------------- */

void kvm_measurements_init(struct kvm_measurements *m)
{
	memset(m, 0, sizeof(*m));
	m->api_version = PROBE_NOT_MEASURED;
	m->x2apic_api_system = PROBE_NOT_MEASURED;
	m->x2apic_api_vm = PROBE_NOT_MEASURED;
	m->x2apic_api_vm_split = PROBE_NOT_MEASURED;
	m->x2apic_api_vm_irqchip = PROBE_NOT_MEASURED;
	m->cap_split_irqchip = PROBE_NOT_MEASURED;
	m->cap_irqchip = PROBE_NOT_MEASURED;
	for (int irqchip = 0; irqchip < IRQCHIP_COUNT; irqchip++)
		for (int mode = 0; mode < MODE_COUNT; mode++) {
			m->enable[irqchip][mode].err = PROBE_NOT_MEASURED;
			m->lvr[irqchip][mode].err = PROBE_NOT_MEASURED;
		}
}

/* Everything a probe holds, released however it ends. */
static void probe_release(struct probe *p)
{
	free(steal_ptr(p->cpuid));
	cleanup_closep(&p->kvm_fd);
	kvm_deadline_disarm(&p->deadline);
}

/* Without its bound the probe could hang on a wedged kernel: refuse to start. */
static enum probe_status arm_deadline(struct probe *p)
{
	int ret = kvm_deadline_arm(&p->deadline, p->timeout_ms, NULL);

	if (ret < 0)
		return fail(p, PROBE_ERROR,
			    "cannot bound the KVM probe of %s by a timer (timer_create): %s; raise the pending-signal limit (ulimit -i) or free memory, and retry",
			    p->device, strerror(-ret));
	return PROBE_OK;
}

static enum probe_status probe_steps(struct probe *p)
{
	enum probe_status status = arm_deadline(p);

	if (status == PROBE_OK)
		status = open_device(p);
	if (status == PROBE_OK)
		status = check_system_caps(p);
	if (status == PROBE_OK)
		status = check_slow_teardowns_first(p);
	return status;
}

enum probe_status kvm_probe_run(const struct kvm_probe_options *opts, struct kvm_measurements *m,
				char message[SEOIB_MESSAGE_MAX])
{
	_cleanup_(probe_release) struct probe p = {
		.device = opts && opts->device ? opts->device : PROBE_DEFAULT_DEVICE,
		.timeout_ms = opts && opts->timeout_ms ? opts->timeout_ms : PROBE_DEFAULT_TIMEOUT_MS,
		.kvm_fd = -1,
		.m = m,
		.message = message,
	};

	kvm_measurements_init(m);
	message[0] = '\0';
	return probe_steps(&p);
}
