/* cmocka tests of the behavioural probe's classification
 * (behaviour_verdict_derive) and of behaviour_run's paths that need no KVM.
 * The fixtures are the tables measured on real kernels (domain.md section 2,
 * and Debian 6.1 / 7.3 under TCG): a verdict change here is a behaviour
 * change that docs/behaviour.md must explain. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

static const struct kvm_verdict fixed_claims = {
	.generation = GEN_FIXED,
	.kernel_states = STATE_ALL,
};
static const struct kvm_verdict legacy_claims = {
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
	behaviour_verdict_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_YES);
	assert_int_equal(b.legacy_quirk_observed, TRI_YES);
	assert_int_equal(b.not_advertised_verified, TRI_YES);
	assert_int_equal(b.n_conflicts, 0);
}

static void legacy_kernel_shows_the_quirk_only(void **state)
{
	struct behaviour b;

	legacy_kernel(&b);
	behaviour_verdict_derive(&b, &legacy_claims);
	assert_int_equal(b.legacy_quirk_observed, TRI_YES);
	assert_int_equal(b.respected_verified, TRI_UNKNOWN);
	assert_int_equal(b.not_advertised_verified, TRI_UNKNOWN);
	assert_int_equal(b.n_conflicts, 0);
}

/* The case the project exists for: a kernel that accepts bit 2 and still
 * broadcasts the EOI of a guest that set SPIV bit 12. */
static void enable_still_broadcasting_is_a_loud_conflict(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[ENABLE_SET].eoi_exit = true;
	behaviour_verdict_derive(&b, &fixed_claims);
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
	behaviour_verdict_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_NO);
	assert_true(has_conflict(&b, "LVR bit 24 advertises Directed EOI but SPIV bit 12 did not stick"));
	assert_true(has_conflict(&b, "do not run guests as respected"));
}

/* Respected needs its control: without an EOI exit when the guest did not
 * ask, silence proves nothing. */
static void enable_control_without_exit_is_unknown(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[ENABLE_CLEAR].eoi_exit = false;
	behaviour_verdict_derive(&b, &fixed_claims);
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
	behaviour_verdict_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_UNKNOWN);
	assert_int_equal(b.n_conflicts, 0);
}

static void timeouts_make_every_verdict_unknown(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		b.cases[i].outcome = OUTCOME_TIMEOUT;
		b.cases[i].eoi_exit = false; /* a guest that never EOIed */
	}
	behaviour_verdict_derive(&b, &fixed_claims);
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
	behaviour_verdict_derive(&b, &fixed_claims);
	assert_int_equal(b.respected_verified, TRI_UNKNOWN);
	assert_int_equal(b.legacy_quirk_observed, TRI_UNKNOWN);
	assert_int_equal(b.not_advertised_verified, TRI_UNKNOWN);
	assert_int_equal(b.n_conflicts, 0);
}

static void nothing_run_is_unknown_without_conflicts(void **state)
{
	struct behaviour b;

	memset(&b, 0, sizeof(b)); /* every case OUTCOME_NOT_RUN */
	behaviour_verdict_derive(&b, &fixed_claims);
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
	behaviour_verdict_derive(&b, &fixed_claims);
	assert_int_equal(b.not_advertised_verified, TRI_NO);
	assert_true(has_conflict(&b, "KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST"));
}

static void disable_advertising_in_lvr_is_not_verified(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[DISABLE_SET].lvr_directed_eoi = true; /* advertised, bit 12 dropped */
	behaviour_verdict_derive(&b, &fixed_claims);
	assert_int_equal(b.not_advertised_verified, TRI_NO);
	assert_true(has_conflict(&b, "do not run guests as not-advertised"));
	assert_true(has_conflict(&b, "disable mode, SPIV bit 12 set"));
}

static void bit12_sticking_without_lvr_is_a_conflict(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[LEGACY_SET].lvr_directed_eoi = false;
	behaviour_verdict_derive(&b, &fixed_claims);
	assert_true(has_conflict(&b, "SPIV bit 12 stuck although LVR bit 24 says Directed EOI is not supported"));
	/* The quirk itself (stuck and broadcast) is still what was observed. */
	assert_int_equal(b.legacy_quirk_observed, TRI_YES);
}

static void legacy_kernel_suppressing_is_a_conflict(void **state)
{
	struct behaviour b;

	legacy_kernel(&b);
	b.cases[LEGACY_SET].eoi_exit = false;
	behaviour_verdict_derive(&b, &legacy_claims);
	assert_int_equal(b.legacy_quirk_observed, TRI_NO);
	assert_true(has_conflict(&b, "the capability probe says legacy kernel"));
}

static void legacy_without_any_exit_is_unknown(void **state)
{
	struct behaviour b;

	legacy_kernel(&b);
	b.cases[LEGACY_SET].eoi_exit = false;
	b.cases[LEGACY_CLEAR].eoi_exit = false;
	behaviour_verdict_derive(&b, &legacy_claims);
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
	behaviour_verdict_derive(&b, &legacy_claims);
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
	behaviour_verdict_derive(&b, &fixed_claims);
	assert_int_equal(b.n_conflicts, SEOIB_PROBLEMS_MAX);
	for (int i = 0; i < b.n_conflicts; i++)
		assert_true(strlen(b.conflicts[i]) > 0 && strlen(b.conflicts[i]) < SEOIB_MESSAGE_MAX);
	/* Deriving again starts from scratch. */
	fixed_kernel(&b);
	behaviour_verdict_derive(&b, &fixed_claims);
	assert_int_equal(b.n_conflicts, 0);
}

static void missing_claims_still_derive(void **state)
{
	struct behaviour b;

	fixed_kernel(&b);
	b.cases[ENABLE_SET].eoi_exit = true;
	behaviour_verdict_derive(&b, NULL);
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
	behaviour_verdict_derive(&b, &legacy_claims);
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
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
