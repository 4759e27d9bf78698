/* cmocka tests of the behavioural probe's classification
 * (behaviour_derive) and of behaviour_run's paths that need no KVM.
 * The fixtures are the tables measured on real kernels (docs/background.md section 2,
 * and Debian 6.1 / 7.3 under TCG): a verdict change here is a behaviour
 * change that docs/behaviour.md must explain. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "lib/kvm/eoi_payload.h"
#include "lib/kvm/behaviour_loop.h"
#include "seoib/behaviour.h"

enum case_index { LEGACY_SET, LEGACY_CLEAR, ENABLE_SET, ENABLE_CLEAR, DISABLE_SET, DISABLE_CLEAR };

static void set_case(struct behaviour *b, enum case_index i, enum x2apic_mode mode, bool bit12,
		     bool lvr, bool stuck, bool eoi_exit)
{
	struct behaviour_case *c = &b->cases[i];

	c->mode = mode;
	c->guest_sets_bit12 = bit12;
	c->outcome = OUTCOME_DONE;
	c->lvr_directed_eoi = lvr;
	c->spiv = 0x1ff | (stuck ? 0x1000 : 0);
	c->spiv_bit12_stuck = stuck;
	c->eoi_exit = eoi_exit;
}

/* Linux 7.3 (and 6.18.44 on Intel): the fixed kernel. */
static void fixed_kernel(struct behaviour *b)
{
	memset(b, 0, sizeof(*b));
	b->ran = true;
	set_case(b, LEGACY_SET, MODE_LEGACY, true, true, true, true);
	set_case(b, LEGACY_CLEAR, MODE_LEGACY, false, true, false, true);
	set_case(b, ENABLE_SET, MODE_ENABLE, true, true, true, false);
	set_case(b, ENABLE_CLEAR, MODE_ENABLE, false, true, false, true);
	set_case(b, DISABLE_SET, MODE_DISABLE, true, false, false, true);
	set_case(b, DISABLE_CLEAR, MODE_DISABLE, false, false, false, true);
}

/* Linux 6.1: bits 2 and 3 refused, so only legacy runs. */
static void legacy_kernel(struct behaviour *b)
{
	fixed_kernel(b);
	for (int i = ENABLE_SET; i <= DISABLE_CLEAR; i++) {
		b->cases[i].outcome = OUTCOME_SKIPPED;
		b->cases[i].lvr_directed_eoi = false;
		b->cases[i].spiv_bit12_stuck = false;
		b->cases[i].eoi_exit = false;
	}
}

static const struct kvm_claims fixed_claims = {
	.generation = GEN_FIXED,
	.kernel_states = STATE_ALL,
};
static const struct kvm_claims legacy_claims = {
	.generation = GEN_LEGACY,
	.kernel_states = STATE_BIT(STATE_QUIRKED),
};

static bool has_conflict(const struct behaviour *b, const char *needle)
{
	for (int i = 0; i < b->n_conflicts; i++)
		if (strstr(b->conflicts[i], needle))
			return true;
	return false;
}

static void fixed_kernel_verifies_everything(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_YES);
	assert_int_equal(b.legacy_quirk_observed, TRI_YES);
	assert_int_equal(b.not_advertised_verified, TRI_YES);
	assert_int_equal(b.n_conflicts, 0);
}

static void legacy_kernel_shows_the_quirk_only(void **state)
{
	struct behaviour b;

	legacy_kernel(&b);
	behaviour_derive(&b, &legacy_claims);
	assert_int_equal(b.legacy_quirk_observed, TRI_YES);
	assert_int_equal(b.respected_verified, TRI_UNKNOWN);
	assert_int_equal(b.not_advertised_verified, TRI_UNKNOWN);
	assert_int_equal(b.n_conflicts, 0);
}

/* The case the project exists for: a kernel that accepts bit 2 and still
 * broadcasts the EOI of a payload that set SPIV bit 12. */
static void enable_still_broadcasting_is_a_loud_conflict(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[ENABLE_SET].eoi_exit = true;
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_NO);
	assert_int_equal(b.n_conflicts, 1);
	assert_true(has_conflict(&b, "KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST"));
	assert_true(has_conflict(&b, "still had its EOI broadcast"));
}

static void enable_bit12_not_sticking_is_not_respected(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[ENABLE_SET].spiv_bit12_stuck = false;
	b.cases[ENABLE_SET].spiv = 0x1ff;
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_NO);
	assert_true(has_conflict(&b, "LVR bit 24 advertises Directed EOI but SPIV bit 12 did not stick"));
	assert_true(has_conflict(&b, "do not run guests as respected"));
}

/* Respected needs its control: without an EOI exit when the payload did not
 * ask, silence proves nothing. */
static void enable_control_without_exit_is_unknown(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[ENABLE_CLEAR].eoi_exit = false;
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_UNKNOWN);
	assert_true(has_conflict(&b, "enable mode, SPIV bit 12 clear"));
	assert_true(has_conflict(&b, "no KVM_EXIT_IOAPIC_EOI"));
}

static void enable_control_timeout_is_unknown(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[ENABLE_CLEAR].outcome = OUTCOME_TIMEOUT;
	b.cases[ENABLE_CLEAR].eoi_exit = false;
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_UNKNOWN);
	assert_int_equal(b.n_conflicts, 0);
}

static void timeouts_make_every_verdict_unknown(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		b.cases[i].outcome = OUTCOME_TIMEOUT;
		b.cases[i].eoi_exit = false; /* a payload that never EOIed */
	}
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_UNKNOWN);
	assert_int_equal(b.legacy_quirk_observed, TRI_UNKNOWN);
	assert_int_equal(b.not_advertised_verified, TRI_UNKNOWN);
	/* Not measured is not a contradiction. */
	assert_int_equal(b.n_conflicts, 0);
}

static void errors_make_every_verdict_unknown(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		b.cases[i].outcome = OUTCOME_ERROR;
		b.cases[i].err = EINVAL;
	}
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_UNKNOWN);
	assert_int_equal(b.legacy_quirk_observed, TRI_UNKNOWN);
	assert_int_equal(b.not_advertised_verified, TRI_UNKNOWN);
	assert_int_equal(b.n_conflicts, 0);
}

static void nothing_run_is_unknown_without_conflicts(void **state)
{
	struct behaviour b;

	memset(&b, 0, sizeof(b)); /* every case OUTCOME_NOT_RUN */
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_UNKNOWN);
	assert_int_equal(b.legacy_quirk_observed, TRI_UNKNOWN);
	assert_int_equal(b.not_advertised_verified, TRI_UNKNOWN);
	assert_int_equal(b.n_conflicts, 0);
}

static void disable_letting_bit12_stick_is_a_conflict(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[DISABLE_SET].lvr_directed_eoi = true;
	b.cases[DISABLE_SET].spiv_bit12_stuck = true;
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.not_advertised_verified, TRI_NO);
	assert_true(has_conflict(&b, "KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST"));
}

static void disable_advertising_in_lvr_is_not_verified(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[DISABLE_SET].lvr_directed_eoi = true; /* advertised, bit 12 dropped */
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.not_advertised_verified, TRI_NO);
	assert_true(has_conflict(&b, "do not run guests as not-advertised"));
	assert_true(has_conflict(&b, "disable mode, SPIV bit 12 set"));
}

static void bit12_sticking_without_lvr_is_a_conflict(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[LEGACY_SET].lvr_directed_eoi = false;
	behaviour_derive(&b, &fixed_claims);
	assert_true(has_conflict(&b, "SPIV bit 12 stuck although LVR bit 24 says Directed EOI is not supported"));
	/* The quirk itself (stuck and broadcast) is still what was observed. */
	assert_int_equal(b.legacy_quirk_observed, TRI_YES);
}

static void legacy_kernel_suppressing_is_a_conflict(void **state)
{
	struct behaviour b;

	legacy_kernel(&b);
	b.cases[LEGACY_SET].eoi_exit = false;
	behaviour_derive(&b, &legacy_claims);
	assert_int_equal(b.legacy_quirk_observed, TRI_NO);
	assert_true(has_conflict(&b, "the capability probe says legacy kernel"));
}

static void legacy_without_any_exit_is_unknown(void **state)
{
	struct behaviour b;

	legacy_kernel(&b);
	b.cases[LEGACY_SET].eoi_exit = false;
	b.cases[LEGACY_CLEAR].eoi_exit = false;
	behaviour_derive(&b, &legacy_claims);
	assert_int_equal(b.legacy_quirk_observed, TRI_UNKNOWN);
	assert_true(has_conflict(&b, "legacy mode, SPIV bit 12 clear"));
}

/* A kernel that never advertised Directed EOI in legacy mode: no quirk. */
static void legacy_bit12_dropped_is_no_quirk(void **state)
{
	struct behaviour b;

	legacy_kernel(&b);
	for (int i = LEGACY_SET; i <= LEGACY_CLEAR; i++)
		b.cases[i].lvr_directed_eoi = false;
	b.cases[LEGACY_SET].spiv_bit12_stuck = false;
	behaviour_derive(&b, &legacy_claims);
	assert_int_equal(b.legacy_quirk_observed, TRI_NO);
	assert_int_equal(b.n_conflicts, 0);
}

static void conflicts_are_capped_and_rederived(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		b.cases[i].lvr_directed_eoi = false; /* stuck without LVR */
		b.cases[i].spiv_bit12_stuck = true;
		b.cases[i].eoi_exit = false;         /* controls blind */
	}
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.n_conflicts, SEOIB_PROBLEMS_MAX);
	for (int i = 0; i < b.n_conflicts; i++)
		assert_true(strlen(b.conflicts[i]) > 0 && strlen(b.conflicts[i]) < SEOIB_MESSAGE_MAX);
	/* Deriving again starts from scratch. */
	fixed_kernel(&b);
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.n_conflicts, 0);
}

static void missing_claims_still_derive(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[ENABLE_SET].eoi_exit = true;
	behaviour_derive(&b, NULL);
	assert_int_equal(b.respected_verified, TRI_NO);
	assert_int_equal(b.n_conflicts, 0); /* no claim to contradict */
}

static void outcome_names_round_trip(void **state)
{
	for (int o = 0; o < OUTCOME_COUNT; o++)
		assert_int_equal(outcome_from_string(outcome_to_string(o)), o);
	assert_string_equal(outcome_to_string(OUTCOME_TIMEOUT), "timeout");
	assert_string_equal(outcome_to_string(OUTCOME_COUNT), "invalid");
	assert_int_equal(outcome_from_string("hang"), -1);
	assert_int_equal(outcome_from_string(NULL), -1);
}

/* ---- behaviour_run without KVM: the real error paths ---- */

static void refuse_flags(struct kvm_measurements *m, int err)
{
	memset(m, 0, sizeof(*m));
	m->enable[IRQCHIP_SPLIT][MODE_ENABLE].err = err;
	m->enable[IRQCHIP_SPLIT][MODE_DISABLE].err = err;
}

static void run_without_device_reports_every_case(void **state)
{
	struct behaviour_options opts = {.device = "/nonexistent/seoib/kvm"};
	struct kvm_measurements m;
	struct behaviour b;

	refuse_flags(&m, 0);
	behaviour_run(&opts, &m, &b);
	assert_true(b.ran);
	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		assert_int_equal(b.cases[i].outcome, OUTCOME_ERROR);
		assert_int_equal(b.cases[i].err, ENOENT);
		assert_non_null(strstr(b.cases[i].detail, "cannot open /nonexistent/seoib/kvm"));
	}
	assert_int_equal(b.cases[0].mode, MODE_LEGACY);
	assert_true(b.cases[0].guest_sets_bit12);
	assert_int_equal(b.cases[5].mode, MODE_DISABLE);
	assert_false(b.cases[5].guest_sets_bit12);
}

/* /dev/null opens but is no KVM: KVM_CREATE_VM fails with ENOTTY, named in
 * the sentence; modes the kernel refused are skipped, not run. */
static void run_on_non_kvm_device_fails_cleanly(void **state)
{
	struct behaviour_options opts = {.device = "/dev/null"};
	struct kvm_measurements m;
	struct behaviour b;

	refuse_flags(&m, EINVAL);
	behaviour_run(&opts, &m, &b);
	for (int i = LEGACY_SET; i <= LEGACY_CLEAR; i++) {
		assert_int_equal(b.cases[i].outcome, OUTCOME_ERROR);
		assert_int_equal(b.cases[i].err, ENOTTY);
		assert_non_null(strstr(b.cases[i].detail, "KVM_CREATE_VM failed"));
	}
	for (int i = ENABLE_SET; i <= DISABLE_CLEAR; i++) {
		assert_int_equal(b.cases[i].outcome, OUTCOME_SKIPPED);
		assert_non_null(strstr(b.cases[i].detail, "refused the flag"));
	}
	behaviour_derive(&b, &legacy_claims);
	assert_int_equal(b.legacy_quirk_observed, TRI_UNKNOWN);
}

static void unknown_fault_is_refused(void **state)
{
	struct behaviour_options opts = {.device = "/dev/null"};
	struct kvm_measurements m;
	struct behaviour b;

	refuse_flags(&m, EINVAL);
	setenv("SEOIB_BEHAVIOUR_FAULT", "bogus", 1);
	behaviour_run(&opts, &m, &b);
	unsetenv("SEOIB_BEHAVIOUR_FAULT");
	assert_int_equal(b.cases[LEGACY_SET].outcome, OUTCOME_ERROR);
	assert_non_null(strstr(b.cases[LEGACY_SET].detail, "SEOIB_BEHAVIOUR_FAULT=bogus"));
}


/* ---- The run loop against recorded exit sequences ----
 *
 * behaviour_run_payload() is the loop lib/kvm/behaviour.c drives with KVM_RUN. Here
 * it is driven by exit sequences as real hosts deliver them: the EOI exit
 * before the payload's DONE write (TCG+SVM), or after it, on the next
 * KVM_RUN (Linux 6.18.44 kvm_pvm, Intel, nested: `out DONE`, `eoi(vector)`,
 * `out FENCE`). A sequence that ends is a deadline: immediate_exit set and
 * EINTR, as the SIGALRM handler makes every later KVM_RUN return. */

enum step_kind { STEP_OUT, STEP_EOI, STEP_INTR, STEP_HLT };

struct step {
	enum step_kind kind;
	uint16_t port;
	uint32_t value; /* STEP_OUT: the data; STEP_EOI: the vector */
};

#define OUT(p, v) {STEP_OUT, (p), (v)}
#define EOI(v) {STEP_EOI, 0, (v)}
#define SPIV_SET 0x11ffu
#define SPIV_CLEAR 0x1ffu

struct replay {
	struct behaviour_vcpu vcpu;
	union {
		struct kvm_run run;
		char page[4096];
	} shared;
	const struct step *steps;
	size_t n_steps, next;
	int injected;
	size_t entries_after_end;
};

static int replay_enter(struct behaviour_vcpu *vcpu)
{
	struct replay *r = vcpu->opaque;
	struct kvm_run *run = &r->shared.run;
	const struct step *s;

	if (r->next == r->n_steps) {
		r->entries_after_end++;
		run->immediate_exit = 1; /* the deadline fired */
		errno = EINTR;
		return -1;
	}
	s = &r->steps[r->next++];
	switch (s->kind) {
	case STEP_OUT:
		run->exit_reason = KVM_EXIT_IO;
		run->io.direction = KVM_EXIT_IO_OUT;
		run->io.port = s->port;
		run->io.size = s->port == EOI_PAYLOAD_PORT_SPIV ? 4 : 1;
		run->io.count = 1;
		run->io.data_offset = 1024;
		memcpy(r->shared.page + 1024, &s->value, sizeof(s->value));
		break;
	case STEP_EOI:
		run->exit_reason = KVM_EXIT_IOAPIC_EOI;
		run->eoi.vector = (uint8_t)s->value;
		break;
	case STEP_INTR:
		run->exit_reason = KVM_EXIT_INTR;
		break;
	case STEP_HLT:
		run->exit_reason = KVM_EXIT_HLT;
		break;
	}
	return 0;
}

static int replay_inject(struct behaviour_vcpu *vcpu, struct behaviour_case *c)
{
	struct replay *r = vcpu->opaque;

	r->injected++;
	return 0;
}

static void replay_run(const struct step *steps, size_t n, struct behaviour_case *c, struct replay *r)
{
	memset(r, 0, sizeof(*r));
	r->vcpu = (struct behaviour_vcpu){.run = &r->shared.run, .enter = replay_enter,
					  .inject = replay_inject, .opaque = r};
	r->steps = steps;
	r->n_steps = n;
	behaviour_run_payload(&r->vcpu, c, true, 1000);
}

#define REPLAY(steps, c, r) replay_run((steps), sizeof(steps) / sizeof((steps)[0]), (c), (r))

/* The real-KVM order: DONE, then the EOI exit, then FENCE. Stopping at DONE
 * (the loop before the fence) would have seen no EOI exit. */
static void late_eoi_exit_is_seen_before_the_fence(void **state)
{
	static const struct step steps[] = {
		OUT(EOI_PAYLOAD_PORT_SPIV, SPIV_CLEAR), OUT(EOI_PAYLOAD_PORT_READY, 0xff),
		OUT(EOI_PAYLOAD_PORT_DONE, 0), EOI(EOI_PAYLOAD_VECTOR), OUT(EOI_PAYLOAD_PORT_FENCE, 0),
	};
	struct behaviour_case c = {.mode = MODE_LEGACY};
	struct replay r;

	REPLAY(steps, &c, &r);
	assert_int_equal(c.outcome, OUTCOME_DONE);
	assert_true(c.eoi_exit);
	assert_int_equal(c.spiv, SPIV_CLEAR);
	assert_int_equal(r.injected, 1);
	assert_int_equal(r.next, r.n_steps); /* it ran to the fence, and no further */
	assert_int_equal(r.entries_after_end, 0);
}

/* The TCG order: the EOI exit before DONE. */
static void early_eoi_exit_is_seen(void **state)
{
	static const struct step steps[] = {
		OUT(EOI_PAYLOAD_PORT_SPIV, SPIV_CLEAR), OUT(EOI_PAYLOAD_PORT_READY, 0xff),
		EOI(EOI_PAYLOAD_VECTOR), OUT(EOI_PAYLOAD_PORT_DONE, 0), OUT(EOI_PAYLOAD_PORT_FENCE, 0),
	};
	struct behaviour_case c = {.mode = MODE_LEGACY};
	struct replay r;

	REPLAY(steps, &c, &r);
	assert_int_equal(c.outcome, OUTCOME_DONE);
	assert_true(c.eoi_exit);
}

/* A suppressed EOI: nothing between DONE and FENCE. Only the fence makes
 * "no exit" an observation. */
static void no_eoi_exit_is_concluded_at_the_fence(void **state)
{
	static const struct step steps[] = {
		OUT(EOI_PAYLOAD_PORT_SPIV, SPIV_SET), OUT(EOI_PAYLOAD_PORT_READY, 0xff),
		{STEP_INTR, 0, 0}, OUT(EOI_PAYLOAD_PORT_DONE, 0), OUT(EOI_PAYLOAD_PORT_FENCE, 0),
	};
	struct behaviour_case c = {.mode = MODE_ENABLE, .guest_sets_bit12 = true};
	struct replay r;

	REPLAY(steps, &c, &r);
	assert_int_equal(c.outcome, OUTCOME_DONE);
	assert_false(c.eoi_exit);
	assert_true(c.spiv_bit12_stuck);
}

/* DONE but the deadline before the fence: inconclusive, never "no exit". */
static void missing_fence_is_a_timeout_not_no_exit(void **state)
{
	static const struct step steps[] = {
		OUT(EOI_PAYLOAD_PORT_SPIV, SPIV_SET), OUT(EOI_PAYLOAD_PORT_READY, 0xff),
		OUT(EOI_PAYLOAD_PORT_DONE, 0),
	};
	struct behaviour_case c = {.mode = MODE_ENABLE, .guest_sets_bit12 = true};
	struct replay r;
	struct behaviour b;

	REPLAY(steps, &c, &r);
	assert_int_equal(c.outcome, OUTCOME_TIMEOUT);
	assert_int_equal(r.entries_after_end, 1);
	assert_non_null(strstr(c.detail, "never reached the fence"));
	assert_non_null(strstr(c.detail, "1000 ms"));
	/* In a matrix, the timed-out case draws no verdict. */
	fixed_kernel(&b);
	b.cases[ENABLE_SET] = c;
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_UNKNOWN);
	assert_int_equal(b.n_conflicts, 0);
}

static void fence_before_done_is_an_error(void **state)
{
	static const struct step steps[] = {
		OUT(EOI_PAYLOAD_PORT_SPIV, SPIV_CLEAR), OUT(EOI_PAYLOAD_PORT_READY, 0xff),
		OUT(EOI_PAYLOAD_PORT_FENCE, 0), OUT(EOI_PAYLOAD_PORT_DONE, 0),
	};
	struct behaviour_case c = {.mode = MODE_LEGACY};
	struct replay r;

	REPLAY(steps, &c, &r);
	assert_int_equal(c.outcome, OUTCOME_ERROR);
	assert_non_null(strstr(c.detail, "wrote FENCE while it was handling the interrupt"));
}

static void unexpected_exit_after_done_is_an_error(void **state)
{
	static const struct step steps[] = {
		OUT(EOI_PAYLOAD_PORT_SPIV, SPIV_CLEAR), OUT(EOI_PAYLOAD_PORT_READY, 0xff),
		OUT(EOI_PAYLOAD_PORT_DONE, 0), {STEP_HLT, 0, 0},
	};
	struct behaviour_case c = {.mode = MODE_LEGACY};
	struct replay r;

	REPLAY(steps, &c, &r);
	assert_int_equal(c.outcome, OUTCOME_ERROR);
	assert_int_equal(c.exit_reason, KVM_EXIT_HLT);
}

/* The whole matrix of a fixed kernel, each case replayed in one order, the
 * LVR as KVM_GET_LAPIC reads it: the behaviour table of docs/behaviour.md. */
static void replay_fixed_matrix(bool late_eoi)
{
	static const struct {
		enum x2apic_mode mode;
		bool bit12, lvr, eoi;
	} table[BEHAVIOUR_CASES] = {
		{MODE_LEGACY, true, true, true},   {MODE_LEGACY, false, true, true},
		{MODE_ENABLE, true, true, false},  {MODE_ENABLE, false, true, true},
		{MODE_DISABLE, true, false, true}, {MODE_DISABLE, false, false, true},
	};
	struct behaviour b;

	memset(&b, 0, sizeof(b));
	b.ran = true;
	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		bool sticks = table[i].bit12 && table[i].lvr;
		struct step steps[6] = {
			OUT(EOI_PAYLOAD_PORT_SPIV, sticks ? SPIV_SET : SPIV_CLEAR), OUT(EOI_PAYLOAD_PORT_READY, 0xff),
		};
		size_t n = 2;
		struct behaviour_case *c = &b.cases[i];
		struct replay r;

		if (table[i].eoi && !late_eoi)
			steps[n++] = (struct step)EOI(EOI_PAYLOAD_VECTOR);
		steps[n++] = (struct step)OUT(EOI_PAYLOAD_PORT_DONE, 0);
		if (table[i].eoi && late_eoi)
			steps[n++] = (struct step)EOI(EOI_PAYLOAD_VECTOR);
		steps[n++] = (struct step)OUT(EOI_PAYLOAD_PORT_FENCE, 0);
		c->mode = table[i].mode;
		c->guest_sets_bit12 = table[i].bit12;
		c->lvr_directed_eoi = table[i].lvr;
		replay_run(steps, n, c, &r);
		assert_int_equal(c->outcome, OUTCOME_DONE);
		assert_int_equal(c->eoi_exit, table[i].eoi);
	}
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.legacy_quirk_observed, TRI_YES);
	assert_int_equal(b.respected_verified, TRI_YES);
	assert_int_equal(b.not_advertised_verified, TRI_YES);
	assert_int_equal(b.n_conflicts, 0);
	for (int s = 0; s < STATE_COUNT; s++)
		assert_int_equal(b.proof[s], PROOF_VERIFIED);
}

static void real_kvm_order_gives_the_table(void **state)
{
	replay_fixed_matrix(true);
}

static void tcg_order_gives_the_table(void **state)
{
	replay_fixed_matrix(false);
}


/* ---- The proof per state ---- */

static void assert_proofs(const struct behaviour *b, enum proof quirked, enum proof respected,
			  enum proof not_advertised)
{
	char evidence[SEOIB_MESSAGE_MAX];

	assert_int_equal(b->proof[STATE_QUIRKED], quirked);
	assert_int_equal(b->proof[STATE_RESPECTED], respected);
	assert_int_equal(b->proof[STATE_NOT_ADVERTISED], not_advertised);
	for (int s = 0; s < STATE_COUNT; s++) {
		/* Pure and repeatable: the same answer from the cases alone. */
		assert_int_equal(behaviour_state_proof(b, (enum seoib_state)s, evidence), b->proof[s]);
		assert_string_equal(evidence, b->evidence[s]);
		assert_true(strlen(b->evidence[s]) > 0);
	}
}

static void proof_fixed_kernel_all_verified(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	behaviour_derive(&b, &fixed_claims);
	assert_proofs(&b, PROOF_VERIFIED, PROOF_VERIFIED, PROOF_VERIFIED);
	assert_false(behaviour_contradicted(&b));
	assert_non_null(strstr(b.evidence[STATE_QUIRKED], "the quirk was observed"));
}

static void proof_legacy_kernel_flags_not_run(void **state)
{
	struct behaviour b;

	legacy_kernel(&b);
	behaviour_derive(&b, &legacy_claims);
	assert_proofs(&b, PROOF_VERIFIED, PROOF_NOT_RUN, PROOF_NOT_RUN);
	assert_non_null(strstr(b.evidence[STATE_RESPECTED], "no guest ran in enable mode"));
}

static void proof_probe_off_is_not_run(void **state)
{
	struct behaviour b;

	memset(&b, 0, sizeof(b));
	behaviour_proofs_derive(&b);
	assert_proofs(&b, PROOF_NOT_RUN, PROOF_NOT_RUN, PROOF_NOT_RUN);
	assert_string_equal(b.evidence[STATE_RESPECTED], "the behavioural probe did not run");
}

static void proof_enable_broadcasting_is_contradicted(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[ENABLE_SET].eoi_exit = true;
	behaviour_derive(&b, &fixed_claims);
	assert_proofs(&b, PROOF_VERIFIED, PROOF_CONTRADICTED, PROOF_VERIFIED);
	assert_non_null(strstr(b.evidence[STATE_RESPECTED], "still had its EOI of vector 0x50 broadcast"));
	assert_true(behaviour_contradicted(&b));
}

static void proof_disable_advertising_is_contradicted(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[DISABLE_SET].lvr_directed_eoi = true;
	behaviour_derive(&b, &fixed_claims);
	assert_proofs(&b, PROOF_VERIFIED, PROOF_VERIFIED, PROOF_CONTRADICTED);
	assert_non_null(strstr(b.evidence[STATE_NOT_ADVERTISED], "LVR bit 24 set"));
}

/* What the loop without the fence reported on a real host: no EOI exit
 * anywhere. The blind controls contradict bits 2 and 3; quirked, which
 * promises nothing, is only unverified. */
static void proof_blind_matrix(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	for (int i = 0; i < BEHAVIOUR_CASES; i++)
		b.cases[i].eoi_exit = false;
	behaviour_derive(&b, &fixed_claims);
	assert_proofs(&b, PROOF_UNVERIFIED, PROOF_CONTRADICTED, PROOF_CONTRADICTED);
	assert_non_null(strstr(b.evidence[STATE_QUIRKED], "never exited to the VMM's I/O APIC"));
	assert_true(behaviour_contradicted(&b));
}

static void proof_timeouts_are_unverified(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		b.cases[i].outcome = OUTCOME_TIMEOUT;
		snprintf(b.cases[i].detail, sizeof(b.cases[i].detail), "case %d timed out", i);
	}
	behaviour_derive(&b, &fixed_claims);
	assert_proofs(&b, PROOF_UNVERIFIED, PROOF_UNVERIFIED, PROOF_UNVERIFIED);
	assert_string_equal(b.evidence[STATE_RESPECTED], "timeout: case 2 timed out");
	assert_false(behaviour_contradicted(&b));
}

/* One case of a mode timed out, the other saw the promise broken: the
 * observation that finished is evidence enough. */
static void proof_contradiction_wins_over_a_timeout(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[ENABLE_CLEAR].outcome = OUTCOME_TIMEOUT;
	b.cases[ENABLE_SET].eoi_exit = true;
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.proof[STATE_RESPECTED], PROOF_CONTRADICTED);
	b.cases[ENABLE_SET].eoi_exit = false;
	behaviour_derive(&b, &fixed_claims);
	assert_int_equal(b.proof[STATE_RESPECTED], PROOF_UNVERIFIED);
}

static void proof_names_round_trip(void **state)
{
	for (int p = 0; p < PROOF_COUNT; p++)
		assert_int_equal(proof_from_string(proof_to_string(p)), p);
	assert_string_equal(proof_to_string(PROOF_NOT_RUN), "not-run");
	assert_string_equal(proof_to_string(PROOF_CONTRADICTED), "contradicted");
	assert_string_equal(proof_to_string(PROOF_COUNT), "invalid");
	assert_int_equal(proof_from_string("conflict"), -1);
	assert_int_equal(proof_from_string(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fixed_kernel_verifies_everything),
		cmocka_unit_test(legacy_kernel_shows_the_quirk_only),
		cmocka_unit_test(enable_still_broadcasting_is_a_loud_conflict),
		cmocka_unit_test(enable_bit12_not_sticking_is_not_respected),
		cmocka_unit_test(enable_control_without_exit_is_unknown),
		cmocka_unit_test(enable_control_timeout_is_unknown),
		cmocka_unit_test(timeouts_make_every_verdict_unknown),
		cmocka_unit_test(errors_make_every_verdict_unknown),
		cmocka_unit_test(nothing_run_is_unknown_without_conflicts),
		cmocka_unit_test(disable_letting_bit12_stick_is_a_conflict),
		cmocka_unit_test(disable_advertising_in_lvr_is_not_verified),
		cmocka_unit_test(bit12_sticking_without_lvr_is_a_conflict),
		cmocka_unit_test(legacy_kernel_suppressing_is_a_conflict),
		cmocka_unit_test(legacy_without_any_exit_is_unknown),
		cmocka_unit_test(legacy_bit12_dropped_is_no_quirk),
		cmocka_unit_test(conflicts_are_capped_and_rederived),
		cmocka_unit_test(missing_claims_still_derive),
		cmocka_unit_test(outcome_names_round_trip),
		cmocka_unit_test(run_without_device_reports_every_case),
		cmocka_unit_test(run_on_non_kvm_device_fails_cleanly),
		cmocka_unit_test(unknown_fault_is_refused),
		cmocka_unit_test(late_eoi_exit_is_seen_before_the_fence),
		cmocka_unit_test(early_eoi_exit_is_seen),
		cmocka_unit_test(no_eoi_exit_is_concluded_at_the_fence),
		cmocka_unit_test(missing_fence_is_a_timeout_not_no_exit),
		cmocka_unit_test(fence_before_done_is_an_error),
		cmocka_unit_test(unexpected_exit_after_done_is_an_error),
		cmocka_unit_test(real_kvm_order_gives_the_table),
		cmocka_unit_test(tcg_order_gives_the_table),
		cmocka_unit_test(proof_fixed_kernel_all_verified),
		cmocka_unit_test(proof_legacy_kernel_flags_not_run),
		cmocka_unit_test(proof_probe_off_is_not_run),
		cmocka_unit_test(proof_enable_broadcasting_is_contradicted),
		cmocka_unit_test(proof_disable_advertising_is_contradicted),
		cmocka_unit_test(proof_blind_matrix),
		cmocka_unit_test(proof_timeouts_are_unverified),
		cmocka_unit_test(proof_contradiction_wins_over_a_timeout),
		cmocka_unit_test(proof_names_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
