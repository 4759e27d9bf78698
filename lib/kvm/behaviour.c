/* The behavioural probe: run the EOI payload in a throwaway split-irqchip VM
 * per (x2APIC mode x payload asks for Suppress EOI Broadcast) and watch
 * whether its EOI of a level-triggered interrupt still exits to userspace
 * (KVM_EXIT_IOAPIC_EOI). Capability bits say what a kernel claims; this says
 * what it does. The sequence is docs/background.md section 2; the payload is
 * lib/kvm/eoi_payload.S. docs/behaviour.md has the verdict rules. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "behaviour_loop.h"
#include "eoi_payload.h"
#include "seoib/behaviour.h"
#include "seoib/cleanup.h"
#include "seoib/kvm_deadline.h"
#include "seoib/kvm_vm.h"
#include "seoib/monotonic.h"
#include "seoib/kvm_x2apic.h"
#include "seoib/messages.h"
#include "seoib/sentence.h"
#include "seoib/string_table.h"

#define DEFAULT_CASE_TIMEOUT_MS 1000
/* Any GSI below the pins reserved for the VMM's I/O APIC: KVM computes the
 * vectors whose EOI must exit (ioapic_handled_vectors) only from MSI routes
 * on those GSIs (kvm_scan_ioapic_routes). */
#define BEHAVIOUR_GSI 10
#define MSI_ADDRESS 0xfee00000u /* destination APIC ID 0, physical */
#define MSI_DATA_LEVEL (1u << 15)
#define SPIV_ENABLED_VECTOR_FF 0x1ffu /* APIC software enable + spurious vector 0xff */
/* Where VMX's real-mode emulation keeps its TSS when the CPU lacks
 * unrestricted guest; outside guest memory, the address QEMU uses. A no-op
 * on AMD. */
#define VMX_TSS_ADDR 0xfffbd000ul

/* The fixed order of b->cases: what each index asks. */
static const struct {
	enum x2apic_mode mode;
	bool guest_sets_bit12;
} case_plan[BEHAVIOUR_CASES] = {
	{MODE_LEGACY, true},  {MODE_LEGACY, false},  {MODE_ENABLE, true},
	{MODE_ENABLE, false}, {MODE_DISABLE, true}, {MODE_DISABLE, false},
};

/* Test-only faults (docs/behaviour.md): prove the timeout path on a real
 * kernel. Never set in production. */
enum behaviour_fault {
	FAULT_NONE,
	FAULT_NO_IRQ, /* never pulse the line: the payload halts for ever */
	FAULT_NO_EOI, /* the payload's handler neither EOIs nor signals done */
	FAULT_INVALID,
};

/* Milliseconds with the microseconds kept: case durations are fractions. */
static double now_ms(void)
{
	return (double)monotonic_usec() / 1e3;
}

static const char *case_name(const struct behaviour_case *c)
{
	static const char *const names[MODE_COUNT][2] = {
		[MODE_LEGACY] = {"legacy mode, SPIV bit 12 clear", "legacy mode, SPIV bit 12 set"},
		[MODE_ENABLE] = {"enable mode, SPIV bit 12 clear", "enable mode, SPIV bit 12 set"},
		[MODE_DISABLE] = {"disable mode, SPIV bit 12 clear", "disable mode, SPIV bit 12 set"},
		[MODE_BOTH] = {"both flags, SPIV bit 12 clear", "both flags, SPIV bit 12 set"},
	};
	return c->mode < MODE_COUNT ? names[c->mode][c->guest_sets_bit12] : "invalid case";
}

static void __attribute__((format(printf, 3, 4)))
case_fail(struct behaviour_case *c, enum behaviour_outcome outcome, const char *fmt, ...)
{
	va_list ap;

	c->outcome = outcome;
	va_start(ap, fmt);
	sentence_vformat(c->detail, sizeof(c->detail), fmt, ap);
	va_end(ap);
}

/* A call failed: ERROR with the call, the case and the errno. */
static int call_fail(struct behaviour_case *c, const char *call, int err)
{
	c->err = err;
	case_fail(c, OUTCOME_ERROR,
		  "%s failed in the behaviour VM (%s): %s; check the kernel log and report it with the kernel version",
		  call, case_name(c), strerror(c->err));
	return -1;
}

/* A kvm_vm.h helper's answer: on failure (-errno), ERROR naming the KVM call
 * that failed (kvm_last_failure()). */
static int check(struct behaviour_case *c, long long ret)
{
	const struct kvm_failure *failure = kvm_last_failure();

	return ret < 0 ? call_fail(c, failure->call, failure->err) : 0;
}

/* ---- One throwaway VM ---- */

struct behaviour_vm {
	struct kvm_vm vm;
	struct kvm_vcpu vcpu;
};

#define BEHAVIOUR_VM_INIT {.vm = KVM_VM_INIT, .vcpu = KVM_VCPU_INIT}

/* The vCPU first; the VM's last fd and the guest memory then go to the
 * reaper, off this path (kvm_vm_release). */
static void behaviour_vm_release(struct behaviour_vm *bvm)
{
	kvm_vcpu_release(&bvm->vcpu);
	kvm_vm_release(&bvm->vm);
}

/* VM with a split irqchip (24 pins, as QEMU) and the mode's x2APIC flags,
 * set before any vCPU exists (KVM refuses KVM_CAP_SPLIT_IRQCHIP after), and
 * the payload of lib/kvm/eoi_payload.S in memory slot 0. */
static int vm_create_split(int kvm_fd, struct kvm_vm *vm, struct behaviour_case *c)
{
	unsigned long long flags = mode_flags(c->mode);

	if (check(c, vm_create(kvm_fd, vm)) < 0 || check(c, vm_setup_irqchip(vm, IRQCHIP_SPLIT)) < 0 ||
	    (flags && check(c, vm_enable_x2apic_api(vm, flags)) < 0) ||
	    check(c, vm_set_tss_addr(vm, VMX_TSS_ADDR)) < 0 ||
	    check(c, vm_add_guest_memory(vm, EOI_PAYLOAD_MEM_SIZE)) < 0)
		return -1;
	memcpy((char *)vm->mem + EOI_PAYLOAD_LOAD, eoi_payload_start, (size_t)(eoi_payload_end - eoi_payload_start));
	return 0;
}

/* KVM's supported CPUID with x2APIC set in leaf 1. The LVR is recomputed on
 * KVM_SET_CPUID2 (kvm_apic_set_version): Directed EOI is advertised only
 * with x2APIC in CPUID, and only after the flags above are set. Then LVR
 * bit 24 as the payload will see it, read before it runs. */
static int vcpu_set_x2apic_read_lvr(struct kvm_vcpu *vcpu, struct behaviour_case *c)
{
	int err = 0;
	_cleanup_free_ struct kvm_cpuid2 *cpuid = kvm_get_x2apic_cpuid(vcpu->vm->kvm_fd, &err);
	uint32_t lvr;

	if (check(c, cpuid ? 0 : -err) < 0 || check(c, vcpu_set_cpuid(vcpu, cpuid)) < 0 ||
	    check(c, vcpu_read_lvr(vcpu, &lvr)) < 0)
		return -1;
	c->lvr_directed_eoi = (lvr & SEOIB_LVR_DIRECTED_EOI) != 0;
	return 0;
}

static void real_mode_segment(struct kvm_segment *s)
{
	s->base = 0;
	s->selector = 0;
	s->limit = 0xffff;
}

/* Real mode at EOI_PAYLOAD_LOAD with flat zero segments; the payload's inputs
 * in EBX and ESI (lib/kvm/eoi_payload.h). */
static int vcpu_set_entry(struct kvm_vcpu *vcpu, uint32_t spiv, uint32_t payload_flags, struct behaviour_case *c)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs = {
		.rip = EOI_PAYLOAD_LOAD,
		.rflags = 0x2, /* bit 1 is reserved, always set */
		.rbx = spiv,
		.rsi = payload_flags,
	};

	if (check(c, vcpu_get_sregs(vcpu, &sregs)) < 0)
		return -1;
	real_mode_segment(&sregs.cs);
	real_mode_segment(&sregs.ds);
	real_mode_segment(&sregs.es);
	real_mode_segment(&sregs.ss);
	if (check(c, vcpu_set_sregs(vcpu, &sregs)) < 0 || check(c, vcpu_set_regs(vcpu, &regs)) < 0)
		return -1;
	return 0;
}

/* The level-triggered MSI route on a reserved pin, then a pulse on it: the
 * way QEMU's split I/O APIC delivers a level interrupt. */
static int inject_level_interrupt(struct kvm_vm *vm, struct behaviour_case *c)
{
	if (check(c, vm_route_msi(vm, BEHAVIOUR_GSI, MSI_ADDRESS, EOI_PAYLOAD_VECTOR | MSI_DATA_LEVEL)) < 0 ||
	    check(c, vm_irq_line(vm, BEHAVIOUR_GSI, 1)) < 0 || check(c, vm_irq_line(vm, BEHAVIOUR_GSI, 0)) < 0)
		return -1;
	return 0;
}

/* ---- Running the payload ---- */

enum payload_phase {
	PHASE_STARTING, /* before READY: enabling x2APIC, writing SPIV */
	PHASE_WAITING,  /* interrupt injected; waiting for the EOI and DONE */
	PHASE_DONE,     /* DONE seen; an EOI exit may still be pending in KVM */
	PHASE_FENCED,   /* FENCE seen: the payload was re-entered, nothing is pending */
};

static const char *exit_reason_name(uint32_t reason)
{
	switch (reason) {
	case KVM_EXIT_HLT: return "hlt";
	case KVM_EXIT_MMIO: return "mmio";
	case KVM_EXIT_SHUTDOWN: return "shutdown (triple fault)";
	case KVM_EXIT_FAIL_ENTRY: return "fail-entry";
	case KVM_EXIT_INTERNAL_ERROR: return "internal-error";
	default: return "unexpected";
	}
}

static const char *phase_doing(enum payload_phase phase)
{
	switch (phase) {
	case PHASE_STARTING: return "enabling x2APIC and writing SPIV";
	case PHASE_WAITING: return "handling the interrupt";
	default: return "on its way to the fence after signalling done";
	}
}

/* A port the payload writes only in one phase, written in another: the payload
 * and this loop disagree on the contract in lib/kvm/eoi_payload.h. */
static int out_of_order(struct behaviour_case *c, const char *port, enum payload_phase phase)
{
	c->exit_reason = KVM_EXIT_IO;
	case_fail(c, OUTCOME_ERROR,
		  "the behaviour guest (%s) wrote %s while it was %s; this is a seoib bug: report it",
		  case_name(c), port, phase_doing(phase));
	return -1;
}

/* One KVM_EXIT_IO from the payload. Returns 0 to keep running, -1 when the
 * case is over with an error. */
static int on_port_write(struct behaviour_vcpu *vcpu, struct behaviour_case *c, bool inject_irq,
			 enum payload_phase *phase)
{
	const struct kvm_run *run = vcpu->run;
	const char *data = (const char *)run + run->io.data_offset;

	switch (run->io.port) {
	case EOI_PAYLOAD_PORT_SPIV:
		if (run->io.size == sizeof(c->spiv))
			memcpy(&c->spiv, data, sizeof(c->spiv));
		c->spiv_bit12_stuck = (c->spiv & SEOIB_SPIV_SUPPRESS_EOI) != 0;
		return 0;
	case EOI_PAYLOAD_PORT_READY:
		if (*phase != PHASE_STARTING)
			return out_of_order(c, "READY", *phase);
		*phase = PHASE_WAITING;
		return inject_irq ? vcpu->inject(vcpu, c) : 0;
	case EOI_PAYLOAD_PORT_DONE:
		if (*phase != PHASE_WAITING)
			return out_of_order(c, "DONE", *phase);
		*phase = PHASE_DONE;
		return 0;
	case EOI_PAYLOAD_PORT_FENCE:
		if (*phase != PHASE_DONE)
			return out_of_order(c, "FENCE", *phase);
		*phase = PHASE_FENCED;
		return 0;
	case EOI_PAYLOAD_PORT_FAULT:
		case_fail(c, OUTCOME_ERROR,
			  "the behaviour guest (%s) took a CPU exception while it was %s; this is a seoib bug or a broken KVM: report it with the kernel version",
			  case_name(c), phase_doing(*phase));
		return -1;
	default:
		c->exit_reason = KVM_EXIT_IO;
		case_fail(c, OUTCOME_ERROR,
			  "the behaviour guest (%s) wrote to unexpected port 0x%x; this is a seoib bug: report it",
			  case_name(c), run->io.port);
		return -1;
	}
}

static void case_timed_out(struct behaviour_case *c, unsigned ms, enum payload_phase phase)
{
	static const char *const why[] = {
		[PHASE_STARTING] = "it never signalled readiness",
		[PHASE_WAITING] = "it took no interrupt or never EOIed it",
		[PHASE_DONE] = "it signalled done but never reached the fence after re-entry, so a late EOI exit cannot be ruled out",
	};

	case_fail(c, OUTCOME_TIMEOUT,
		  "the behaviour guest (%s) did not finish within %u ms (%s); a slow or nested host can cause this: run seoibctl probe --behaviour again, and if it times out again, check the kernel log (dmesg)",
		  case_name(c), ms, phase < PHASE_FENCED ? why[phase] : "after the fence");
}

/* One exit the payload caused. Returns 0 to keep running, -1 when the case is
 * over with an error. */
static int on_vcpu_exit(struct behaviour_vcpu *vcpu, struct behaviour_case *c, bool inject_irq,
			enum payload_phase *phase)
{
	const struct kvm_run *run = vcpu->run;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.direction == KVM_EXIT_IO_OUT)
			return on_port_write(vcpu, c, inject_irq, phase);
		c->exit_reason = KVM_EXIT_IO;
		case_fail(c, OUTCOME_ERROR,
			  "the behaviour guest (%s) read from port 0x%x; this is a seoib bug: report it",
			  case_name(c), run->io.port);
		return -1;
	case KVM_EXIT_IOAPIC_EOI:
		/* The EOI was broadcast to the (userspace) I/O APIC: what a guest
		 * that set SPIV bit 12 in a respected VM must not cause. It may
		 * come before or after DONE (a request, delivered at an entry),
		 * never after FENCE. */
		if (run->eoi.vector == EOI_PAYLOAD_VECTOR)
			c->eoi_exit = true;
		return 0;
	case KVM_EXIT_INTR:
		return 0; /* a signal; the caller checks the deadline */
	default:
		c->exit_reason = run->exit_reason;
		case_fail(c, OUTCOME_ERROR,
			  "the behaviour guest (%s) stopped with KVM exit %u (%s); this is a seoib bug or a broken KVM: report it with the kernel version",
			  case_name(c), c->exit_reason, exit_reason_name(c->exit_reason));
		return -1;
	}
}

/* KVM_RUN until the payload's FENCE (behaviour_loop.h says why not DONE). The
 * armed deadline sets immediate_exit, after which every KVM_RUN fails with
 * EINTR at once; the loop is bounded by it. */
void behaviour_run_payload(struct behaviour_vcpu *vcpu, struct behaviour_case *c, bool inject_irq,
			 unsigned timeout_ms)
{
	enum payload_phase phase = PHASE_STARTING;

	while (phase != PHASE_FENCED) {
		if (vcpu->enter(vcpu) == 0) {
			if (on_vcpu_exit(vcpu, c, inject_irq, &phase) < 0)
				return;
			continue;
		}
		if (errno != EINTR && errno != EAGAIN) {
			call_fail(c, "KVM_RUN", errno);
			return;
		}
		if (vcpu->run->immediate_exit) {
			case_timed_out(c, timeout_ms, phase);
			return;
		}
		/* Another signal interrupted KVM_RUN (an injected enter() may say
		 * so; vcpu_run() restarts those itself, kvm_ioctl()): run on,
		 * the deadline holds. */
	}
	c->outcome = OUTCOME_DONE;
}

static int vcpu_enter(struct behaviour_vcpu *vcpu)
{
	struct behaviour_vm *bvm = vcpu->opaque;
	int ret = vcpu_run(&bvm->vcpu);

	if (ret < 0) {
		errno = -ret;
		return -1;
	}
	return 0;
}

static int vcpu_inject(struct behaviour_vcpu *vcpu, struct behaviour_case *c)
{
	struct behaviour_vm *bvm = vcpu->opaque;

	return inject_level_interrupt(&bvm->vm, c);
}

/* vCPU 0 (APIC ID 0, the MSI's destination) with its kvm_run page. */
static int vm_prepare(int kvm_fd, struct behaviour_vm *bvm, struct behaviour_case *c,
		      enum behaviour_fault fault)
{
	uint32_t spiv = SPIV_ENABLED_VECTOR_FF | (c->guest_sets_bit12 ? SEOIB_SPIV_SUPPRESS_EOI : 0);
	uint32_t payload_flags = fault == FAULT_NO_EOI ? EOI_PAYLOAD_FLAG_SKIP_EOI : 0;

	if (vm_create_split(kvm_fd, &bvm->vm, c) < 0 || check(c, vcpu_create(&bvm->vm, 0, &bvm->vcpu)) < 0 ||
	    check(c, vcpu_map_run(&bvm->vcpu)) < 0 || vcpu_set_x2apic_read_lvr(&bvm->vcpu, c) < 0 ||
	    vcpu_set_entry(&bvm->vcpu, spiv, payload_flags, c) < 0)
		return -1;
	return 0;
}

static void run_case(int kvm_fd, struct behaviour_case *c, enum behaviour_fault fault,
		     unsigned timeout_ms)
{
	_cleanup_(behaviour_vm_release) struct behaviour_vm bvm = BEHAVIOUR_VM_INIT;
	_cleanup_(kvm_deadline_disarm) struct kvm_deadline deadline = {.armed = false};
	struct behaviour_vcpu vcpu = {.enter = vcpu_enter, .inject = vcpu_inject, .opaque = &bvm};
	double start;
	int ret;

	if (vm_prepare(kvm_fd, &bvm, c, fault) < 0)
		return;
	vcpu.run = bvm.vcpu.run;
	ret = kvm_deadline_arm(&deadline, timeout_ms, bvm.vcpu.run);
	if (ret < 0) {
		call_fail(c, "arming the case deadline (timer_create)", -ret);
		return;
	}
	start = now_ms();
	behaviour_run_payload(&vcpu, c, fault != FAULT_NO_IRQ, timeout_ms);
	c->run_ms = now_ms() - start;
}

/* ---- The matrix ---- */

static enum behaviour_fault fault_from_env(const char **value)
{
	*value = getenv("SEOIB_BEHAVIOUR_FAULT");
	if (!*value || !**value)
		return FAULT_NONE;
	if (strcmp(*value, "no-irq") == 0)
		return FAULT_NO_IRQ;
	if (strcmp(*value, "no-eoi") == 0)
		return FAULT_NO_EOI;
	return FAULT_INVALID;
}

/* A mode runs only where the capability probe saw the kernel accept its
 * flag on a split VM; legacy (no flag) always runs. */
static bool mode_accepted(const struct kvm_measurements *m, enum x2apic_mode mode, int *err)
{
	*err = 0;
	if (mode == MODE_LEGACY)
		return true;
	*err = m->enable[IRQCHIP_SPLIT][mode].err;
	return *err == 0;
}

static void case_skip(struct behaviour_case *c, int err)
{
	c->outcome = OUTCOME_SKIPPED;
	if (err == PROBE_NOT_MEASURED)
		sentence_format(c->detail, sizeof(c->detail),
			 "%s not run: the capability probe did not measure whether the kernel accepts the flag",
			 case_name(c));
	else
		sentence_format(c->detail, sizeof(c->detail),
			 "%s not run: the kernel refused the flag on a split-irqchip VM (%s), so no guest can run in this mode",
			 case_name(c), strerror(err));
}

static void run_all_cases(const struct behaviour_options *opts, const struct kvm_measurements *m,
			  struct behaviour *b, int kvm_fd)
{
	unsigned timeout_ms = opts && opts->case_timeout_ms ? opts->case_timeout_ms : DEFAULT_CASE_TIMEOUT_MS;
	const char *fault_value;
	enum behaviour_fault fault = fault_from_env(&fault_value);

	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		struct behaviour_case *c = &b->cases[i];
		double start = now_ms();
		int err;

		if (!mode_accepted(m, c->mode, &err)) {
			case_skip(c, err);
			continue;
		}
		if (fault == FAULT_INVALID)
			case_fail(c, OUTCOME_ERROR,
				  "SEOIB_BEHAVIOUR_FAULT=%s is not a known test fault (no-irq, no-eoi); unset it, it is for tests only",
				  fault_value);
		else
			run_case(kvm_fd, c, fault, timeout_ms);
		c->duration_ms = now_ms() - start;
	}
}

static void fail_all_cases(struct behaviour *b, const char *device, int err)
{
	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		b->cases[i].err = err;
		case_fail(&b->cases[i], OUTCOME_ERROR,
			  "cannot open %s for the behaviour probe: %s; run it as a user in group kvm on a host with KVM loaded",
			  device, strerror(err));
	}
}

void behaviour_run(const struct behaviour_options *opts, const struct kvm_measurements *m,
		   struct behaviour *b)
{
	const char *device = opts && opts->device ? opts->device : "/dev/kvm";
	double start = now_ms();
	_cleanup_close_ int kvm_fd = -1;

	memset(b, 0, sizeof(*b));
	b->ran = true;
	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		b->cases[i].mode = case_plan[i].mode;
		b->cases[i].guest_sets_bit12 = case_plan[i].guest_sets_bit12;
	}
	kvm_fd = kvm_open(device);
	if (kvm_fd < 0)
		fail_all_cases(b, device, -kvm_fd);
	else
		run_all_cases(opts, m, b, kvm_fd);
	b->duration_ms = now_ms() - start;
}

/* ---- Verdicts (pure) ---- */

static const struct behaviour_case *find_case(const struct behaviour *b, enum x2apic_mode mode,
					      bool bit12)
{
	for (int i = 0; i < BEHAVIOUR_CASES; i++)
		if (b->cases[i].mode == mode && b->cases[i].guest_sets_bit12 == bit12)
			return &b->cases[i];
	return NULL;
}

static bool done(const struct behaviour_case *c)
{
	return c && c->outcome == OUTCOME_DONE;
}

#define conflict(b, ...) messages_add((b)->conflicts, &(b)->n_conflicts, SEOIB_PROBLEMS_MAX, __VA_ARGS__)

/* Respected is verified only with its control: bit 2 + SPIV bit 12 gave no
 * EOI exit AND bit 2 without bit 12 gave one (so the silence is suppression,
 * not a broken route). */
static enum tristate derive_respected(const struct behaviour *b)
{
	const struct behaviour_case *asked = find_case(b, MODE_ENABLE, true);
	const struct behaviour_case *control = find_case(b, MODE_ENABLE, false);

	if (!done(asked))
		return TRI_UNKNOWN;
	if (asked->eoi_exit || !asked->spiv_bit12_stuck)
		return TRI_NO;
	if (!done(control) || !control->eoi_exit)
		return TRI_UNKNOWN;
	return TRI_YES;
}

/* The bug itself: legacy mode let the payload set bit 12 and broadcast anyway. */
static enum tristate derive_legacy_quirk(const struct behaviour *b)
{
	const struct behaviour_case *asked = find_case(b, MODE_LEGACY, true);
	const struct behaviour_case *control = find_case(b, MODE_LEGACY, false);

	if (!done(asked))
		return TRI_UNKNOWN;
	if (asked->spiv_bit12_stuck && asked->eoi_exit)
		return TRI_YES;
	if (!asked->eoi_exit && !(done(control) && control->eoi_exit))
		return TRI_UNKNOWN; /* no EOI exit at all: cannot tell suppression from a lost route */
	return TRI_NO;
}

static enum tristate derive_not_advertised(const struct behaviour *b)
{
	const struct behaviour_case *asked = find_case(b, MODE_DISABLE, true);

	if (!done(asked))
		return TRI_UNKNOWN;
	return !asked->spiv_bit12_stuck && !asked->lvr_directed_eoi ? TRI_YES : TRI_NO;
}

/* Within one case: the LVR and SPIV must agree, and a payload that did not ask
 * for suppression must see its EOI exit (else the probe itself is blind). */
static void case_conflicts(struct behaviour *b, const struct behaviour_case *c)
{
	if (!done(c))
		return;
	if (c->spiv_bit12_stuck && !c->lvr_directed_eoi)
		conflict(b, "CONFLICT (%s): SPIV bit 12 stuck although LVR bit 24 says Directed EOI is not supported; the kernel lets a guest ask for a feature it does not advertise",
			 case_name(c));
	if (c->guest_sets_bit12 && c->lvr_directed_eoi && !c->spiv_bit12_stuck)
		conflict(b, "CONFLICT (%s): LVR bit 24 advertises Directed EOI but SPIV bit 12 did not stick; a guest that relies on it will misbehave",
			 case_name(c));
	if (!c->guest_sets_bit12 && !c->eoi_exit)
		conflict(b, "CONFLICT (%s): no KVM_EXIT_IOAPIC_EOI although the guest did not ask for suppression; the I/O APIC would never see this EOI, so no result of this mode can be trusted",
			 case_name(c));
}

/* What the capability probe claims against what the payload saw. */
static void claim_conflicts(struct behaviour *b, const struct kvm_claims *v)
{
	const struct behaviour_case *legacy = find_case(b, MODE_LEGACY, true);
	bool claims_respected = v && (v->kernel_states & STATE_BIT(STATE_RESPECTED));
	bool claims_not_advertised = v && (v->kernel_states & STATE_BIT(STATE_NOT_ADVERTISED));

	if (claims_respected && b->respected_verified == TRI_NO)
		conflict(b, "CONFLICT: the kernel accepts KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST but a guest that set SPIV bit 12 still had its EOI broadcast (or could not set the bit); do not run guests as respected on this host");
	if (claims_not_advertised && b->not_advertised_verified == TRI_NO)
		conflict(b, "CONFLICT: the kernel accepts KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST but the guest still saw Directed EOI (LVR bit 24 or SPIV bit 12); do not run guests as not-advertised on this host");
	if (v && v->generation == GEN_LEGACY && done(legacy) && legacy->spiv_bit12_stuck && !legacy->eoi_exit)
		conflict(b, "CONFLICT: the capability probe says legacy kernel, yet the legacy-mode guest's EOI was suppressed; the capability bits understate this kernel, report it with the kernel version");
}

/* ---- Proof per state (pure) ---- */

static const enum x2apic_mode state_mode[STATE_COUNT] = {
	[STATE_QUIRKED] = MODE_LEGACY,
	[STATE_RESPECTED] = MODE_ENABLE,
	[STATE_NOT_ADVERTISED] = MODE_DISABLE,
};

static bool attempted(const struct behaviour_case *c)
{
	return c && c->outcome != OUTCOME_NOT_RUN && c->outcome != OUTCOME_SKIPPED;
}

/* A contradiction any mode can show: a payload that did not ask for
 * suppression whose EOI never reached the VMM's I/O APIC, or SPIV bit 12
 * sticking while the LVR does not advertise Directed EOI. */
static bool mode_broken(const struct behaviour_case *asked, const struct behaviour_case *control,
			char *evidence)
{
	const char *mode = mode_to_string(control ? control->mode : asked->mode);

	if (done(control) && !control->eoi_exit) {
		sentence_format(evidence, SEOIB_MESSAGE_MAX,
			 "in %s mode the EOI of a guest that did not set SPIV bit 12 never exited to the VMM's I/O APIC (no KVM_EXIT_IOAPIC_EOI for vector 0x%x)",
			 mode, EOI_PAYLOAD_VECTOR);
		return true;
	}
	if (done(asked) && asked->spiv_bit12_stuck && !asked->lvr_directed_eoi) {
		sentence_format(evidence, SEOIB_MESSAGE_MAX,
			 "in %s mode SPIV bit 12 stuck (SPIV 0x%x) although LVR bit 24 did not advertise Directed EOI",
			 mode, asked->spiv);
		return true;
	}
	return false;
}

static bool respected_contradicted(const struct behaviour_case *asked, char *evidence)
{
	if (!done(asked))
		return false;
	if (asked->eoi_exit)
		sentence_format(evidence, SEOIB_MESSAGE_MAX,
			 "in enable mode a guest that set SPIV bit 12 still had its EOI of vector 0x%x broadcast (KVM_EXIT_IOAPIC_EOI)",
			 EOI_PAYLOAD_VECTOR);
	else if (!asked->spiv_bit12_stuck)
		sentence_format(evidence, SEOIB_MESSAGE_MAX,
			 "in enable mode SPIV bit 12 did not stick (SPIV read back 0x%x, LVR bit 24 %s)", asked->spiv,
			 asked->lvr_directed_eoi ? "set" : "clear");
	else
		return false;
	return true;
}

static bool not_advertised_contradicted(const struct behaviour_case *asked, char *evidence)
{
	if (!done(asked) || (!asked->lvr_directed_eoi && !asked->spiv_bit12_stuck))
		return false;
	sentence_format(evidence, SEOIB_MESSAGE_MAX,
		 "in disable mode the guest still saw Directed EOI (LVR bit 24 %s, SPIV bit 12 %s)",
		 asked->lvr_directed_eoi ? "set" : "clear", asked->spiv_bit12_stuck ? "stuck" : "dropped");
	return true;
}

/* Why a mode that ran proved nothing: the first case that did not finish. */
static void unverified_evidence(const struct behaviour_case *asked, const struct behaviour_case *control,
				char *evidence)
{
	const struct behaviour_case *c = attempted(asked) && !done(asked) ? asked : control;

	if (attempted(c) && !done(c))
		sentence_format(evidence, SEOIB_MESSAGE_MAX, "%s: %s", outcome_to_string(c->outcome),
			 c->detail[0] ? c->detail : "no detail");
	else
		sentence_format(evidence, SEOIB_MESSAGE_MAX,
			 "in %s mode the guests finished but their observations prove nothing either way",
			 mode_to_string((asked ? asked : control)->mode));
}

static void verified_evidence(enum seoib_state s, const struct behaviour_case *asked, char *evidence)
{
	switch (s) {
	case STATE_RESPECTED:
		sentence_format(evidence, SEOIB_MESSAGE_MAX,
			 "in enable mode a guest that set SPIV bit 12 had no EOI exit and one that did not had its EOI exit");
		break;
	case STATE_NOT_ADVERTISED:
		sentence_format(evidence, SEOIB_MESSAGE_MAX,
			 "in disable mode LVR bit 24 was clear and SPIV bit 12 did not stick");
		break;
	default:
		sentence_format(evidence, SEOIB_MESSAGE_MAX, "in legacy mode EOIs exit to the VMM's I/O APIC; %s",
			 !asked->spiv_bit12_stuck ? "Directed EOI was not advertised to the guest"
			 : asked->eoi_exit ? "the quirk was observed (broadcast despite SPIV bit 12)"
					   : "SPIV bit 12 suppressed the broadcast without any flag");
		break;
	}
}

enum proof behaviour_state_proof(const struct behaviour *b, enum seoib_state s,
				 char evidence[SEOIB_MESSAGE_MAX])
{
	enum x2apic_mode mode = s < STATE_COUNT ? state_mode[s] : MODE_LEGACY;
	const struct behaviour_case *asked = find_case(b, mode, true);
	const struct behaviour_case *control = find_case(b, mode, false);
	enum tristate verified;

	evidence[0] = '\0';
	if (!b->ran) {
		sentence_format(evidence, SEOIB_MESSAGE_MAX, "the behavioural probe did not run");
		return PROOF_NOT_RUN;
	}
	if (!attempted(asked) && !attempted(control)) {
		sentence_format(evidence, SEOIB_MESSAGE_MAX, "no guest ran in %s mode%s%s", mode_to_string(mode),
			 asked && asked->detail[0] ? ": " : "", asked ? asked->detail : "");
		return PROOF_NOT_RUN;
	}
	if (s != STATE_QUIRKED && asked && control &&
	    (mode_broken(asked, control, evidence) ||
	     (s == STATE_RESPECTED ? respected_contradicted(asked, evidence)
				   : not_advertised_contradicted(asked, evidence))))
		return PROOF_CONTRADICTED;
	if (s == STATE_QUIRKED && asked && control && mode_broken(asked, control, evidence))
		return PROOF_UNVERIFIED; /* quirked promises nothing to contradict */
	verified = s == STATE_RESPECTED ? derive_respected(b)
		 : s == STATE_NOT_ADVERTISED ? derive_not_advertised(b)
		 : done(control) ? derive_legacy_quirk(b) : TRI_UNKNOWN;
	if (verified == TRI_UNKNOWN || (s == STATE_NOT_ADVERTISED && !done(control))) {
		if (!evidence[0])
			unverified_evidence(asked, control, evidence);
		return PROOF_UNVERIFIED;
	}
	verified_evidence(s, asked, evidence);
	return PROOF_VERIFIED;
}

void behaviour_proofs_derive(struct behaviour *b)
{
	for (int s = 0; s < STATE_COUNT; s++)
		b->proof[s] = behaviour_state_proof(b, (enum seoib_state)s, b->evidence[s]);
}

bool behaviour_contradicted(const struct behaviour *b)
{
	for (int s = 0; s < STATE_COUNT; s++)
		if (b->proof[s] == PROOF_CONTRADICTED)
			return true;
	return b->n_conflicts > 0;
}

static const char *const proof_table[PROOF_COUNT] = {
	[PROOF_NOT_RUN] = "not-run",
	[PROOF_UNVERIFIED] = "unverified",
	[PROOF_VERIFIED] = "verified",
	[PROOF_CONTRADICTED] = "contradicted",
};

static const char *const outcome_table[OUTCOME_COUNT] = {
	[OUTCOME_NOT_RUN] = "not-run",
	[OUTCOME_SKIPPED] = "skipped",
	[OUTCOME_DONE] = "done",
	[OUTCOME_TIMEOUT] = "timeout",
	[OUTCOME_ERROR] = "error",
};

DEFINE_STRING_TABLE_LOOKUP(proof, enum proof)
DEFINE_STRING_TABLE_LOOKUP(outcome, enum behaviour_outcome)

void behaviour_derive(struct behaviour *b, const struct kvm_claims *v)
{
	b->n_conflicts = 0;
	b->respected_verified = derive_respected(b);
	b->legacy_quirk_observed = derive_legacy_quirk(b);
	b->not_advertised_verified = derive_not_advertised(b);
	for (int i = 0; i < BEHAVIOUR_CASES; i++)
		case_conflicts(b, &b->cases[i]);
	claim_conflicts(b, v);
	behaviour_proofs_derive(b);
}
