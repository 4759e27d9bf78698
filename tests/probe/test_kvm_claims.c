/* kvm_claims_derive(): every branch, from measurements shaped like the
 * kernels of docs/background.md section 2 (6.1 legacy, 6.18.17+/7.x fixed, pre-4.8)
 * and like kernels that contradict themselves. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "seoib/kvm_claims.h"
#include "seoib/kvm_x2apic.h"

/* An LVR as KVM builds it: version 0x14, max LVT entry 5. */
#define LVR_BASE 0x00050014u
#define LVR_DEOI (LVR_BASE | SEOIB_LVR_DIRECTED_EOI)

static void set_lvr(struct kvm_measurements *m, enum irqchip_mode irqchip, enum x2apic_mode mode, uint32_t lvr)
{
	m->lvr[irqchip][mode].err = 0;
	m->lvr[irqchip][mode].lvr = lvr;
}

static void set_caps(struct kvm_measurements *m, long long system, long long vm, long long split, long long irqchip)
{
	m->api_version = 12;
	m->x2apic_api_system = system;
	m->x2apic_api_vm = vm;
	m->x2apic_api_vm_split = split;
	m->x2apic_api_vm_irqchip = irqchip;
	m->cap_split_irqchip = 1;
	m->cap_irqchip = 1;
}

/* Flags refused everywhere; LVR only for the quirked (no flag) guests. */
static void refuse_all(struct kvm_measurements *m, uint32_t split_legacy_lvr, uint32_t in_kernel_legacy_lvr)
{
	for (int irqchip = 0; irqchip < IRQCHIP_COUNT; irqchip++)
		for (int mode = MODE_ENABLE; mode <= MODE_BOTH; mode++) {
			m->enable[irqchip][mode].err = EINVAL;
			m->lvr[irqchip][mode].err = EINVAL;
		}
	set_lvr(m, IRQCHIP_SPLIT, MODE_LEGACY, split_legacy_lvr);
	set_lvr(m, IRQCHIP_IN_KERNEL, MODE_LEGACY, in_kernel_legacy_lvr);
}

/* Linux 6.1 / 6.12: bits 0-1 only. */
static void legacy_kernel(struct kvm_measurements *m)
{
	kvm_measurements_init(m);
	set_caps(m, 0x3, 0x3, 0x3, 0x3);
	refuse_all(m, LVR_DEOI, LVR_BASE);
}

/* Before Linux 4.8: no KVM_CAP_X2APIC_API at all. */
static void pre48_kernel(struct kvm_measurements *m)
{
	kvm_measurements_init(m);
	set_caps(m, 0, 0, 0, 0);
	refuse_all(m, LVR_DEOI, LVR_DEOI);
}

/* Linux 6.18.44 as measured on real hardware (docs/background.md section 2). */
static void fixed_kernel(struct kvm_measurements *m)
{
	kvm_measurements_init(m);
	set_caps(m, 0xf, 0xb, 0xf, 0xb);
	m->enable[IRQCHIP_SPLIT][MODE_ENABLE].err = 0;
	m->enable[IRQCHIP_SPLIT][MODE_DISABLE].err = 0;
	m->enable[IRQCHIP_SPLIT][MODE_BOTH].err = EINVAL;
	m->enable[IRQCHIP_IN_KERNEL][MODE_ENABLE].err = EINVAL;
	m->enable[IRQCHIP_IN_KERNEL][MODE_DISABLE].err = 0;
	m->enable[IRQCHIP_IN_KERNEL][MODE_BOTH].err = EINVAL;
	set_lvr(m, IRQCHIP_SPLIT, MODE_LEGACY, LVR_DEOI);
	set_lvr(m, IRQCHIP_SPLIT, MODE_ENABLE, LVR_DEOI);
	set_lvr(m, IRQCHIP_SPLIT, MODE_DISABLE, LVR_BASE);
	set_lvr(m, IRQCHIP_IN_KERNEL, MODE_LEGACY, LVR_BASE);
	m->lvr[IRQCHIP_IN_KERNEL][MODE_ENABLE].err = EINVAL;
	set_lvr(m, IRQCHIP_IN_KERNEL, MODE_DISABLE, LVR_BASE);
}

static bool any_problem_mentions(const struct kvm_claims *v, const char *needle)
{
	for (int i = 0; i < v->n_problems; i++)
		if (strstr(v->problems[i], needle))
			return true;
	return false;
}

/* An inconsistent kernel: quirked only, and the sentence says why. */
static void assert_inconsistent(const struct kvm_measurements *m, const char *needle)
{
	struct kvm_claims v;

	kvm_claims_derive(m, &v);
	assert_int_equal(v.generation, GEN_INCONSISTENT);
	assert_int_equal(v.kernel_states, STATE_BIT(STATE_QUIRKED));
	assert_true(v.n_problems >= 1);
	if (!any_problem_mentions(&v, needle))
		fail_msg("no problem mentions \"%s\"; first: %s", needle, v.problems[0]);
}

/* ---- consistent kernels ---------------------------------------------------- */

static void test_fixed(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	fixed_kernel(&m);
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_FIXED);
	assert_int_equal(v.kernel_states, STATE_ALL);
	assert_int_equal(v.n_problems, 0);
	assert_int_equal(v.unknown_bits, 0);
	assert_true(v.split_masking_observed);
}

static void test_fixed_without_masking(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	/* A VM fd that does not mask bit 2 is a difference, not a contradiction. */
	fixed_kernel(&m);
	m.x2apic_api_vm = 0xf;
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_FIXED);
	assert_false(v.split_masking_observed);
}

static void test_legacy(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	legacy_kernel(&m);
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_LEGACY);
	assert_int_equal(v.kernel_states, STATE_BIT(STATE_QUIRKED));
	assert_int_equal(v.n_problems, 0);
	assert_false(v.split_masking_observed);
}

static void test_legacy_partially_measured(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	/* The probe stopped after the system fd: quirked is still safe to claim. */
	kvm_measurements_init(&m);
	m.api_version = 12;
	m.x2apic_api_system = 0x3;
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_LEGACY);
	assert_int_equal(v.kernel_states, STATE_BIT(STATE_QUIRKED));
}

static void test_none(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	pre48_kernel(&m);
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_NONE);
	assert_int_equal(v.kernel_states, STATE_BIT(STATE_QUIRKED));
	assert_int_equal(v.n_problems, 0);
}

static void test_unavailable(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	kvm_measurements_init(&m);
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_UNKNOWN);
	assert_int_equal(v.kernel_states, 0);
	assert_int_equal(v.n_problems, 0);
	assert_false(v.split_masking_observed);
}

static void test_fixed_not_fully_measured(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	/* The probe ran out of time before the LVRs: do not claim "fixed". */
	fixed_kernel(&m);
	for (int mode = MODE_LEGACY; mode < MODE_COUNT; mode++) {
		m.lvr[IRQCHIP_SPLIT][mode].err = PROBE_NOT_MEASURED;
		m.lvr[IRQCHIP_IN_KERNEL][mode].err = PROBE_NOT_MEASURED;
	}
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_UNKNOWN);
	assert_int_equal(v.kernel_states, 0);
	assert_int_equal(v.n_problems, 0);
}

/* ---- unknown future bits: kept, reported, never rejected ----------------- */

static void test_future_bits_fixed(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	fixed_kernel(&m);
	set_caps(&m, 0x2f, 0x2b, 0x2f, 0x2b);
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_FIXED);
	assert_int_equal(v.kernel_states, STATE_ALL);
	assert_int_equal(v.unknown_bits, 0x20);
	assert_int_equal(v.n_problems, 0);
}

static void test_future_bits_only_on_a_vm(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	legacy_kernel(&m);
	m.x2apic_api_vm_split = 0x103;
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_LEGACY);
	assert_int_equal(v.unknown_bits, 0x100);
}

static void test_future_bits_without_known_ones(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	/* Only an unknown bit: no known API, so "none", but the bit is kept. */
	pre48_kernel(&m);
	set_caps(&m, 0x40, 0x40, 0x40, 0x40);
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_NONE);
	assert_int_equal(v.unknown_bits, 0x40);
}

/* ---- contradictions -------------------------------------------------------- */

static void test_enable_accepted_lvr_clear(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	set_lvr(&m, IRQCHIP_SPLIT, MODE_ENABLE, LVR_BASE);
	assert_inconsistent(&m, "LVR bit 24 is clear");
}

static void test_disable_accepted_lvr_set(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	set_lvr(&m, IRQCHIP_IN_KERNEL, MODE_DISABLE, LVR_DEOI);
	assert_inconsistent(&m, "LVR bit 24 is set");
}

static void test_both_bits_accepted(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	m.enable[IRQCHIP_SPLIT][MODE_BOTH].err = 0;
	assert_inconsistent(&m, "bits 2 and 3");
}

static void test_enable_accepted_in_kernel(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	m.enable[IRQCHIP_IN_KERNEL][MODE_ENABLE].err = 0;
	set_lvr(&m, IRQCHIP_IN_KERNEL, MODE_ENABLE, LVR_BASE);
	assert_inconsistent(&m, "in-kernel-irqchip VM accepted bit 2");
}

static void test_system_reports_split_refuses(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	m.enable[IRQCHIP_SPLIT][MODE_ENABLE].err = EINVAL;
	m.lvr[IRQCHIP_SPLIT][MODE_ENABLE].err = EINVAL;
	assert_inconsistent(&m, "split-irqchip VM refused it");
}

static void test_in_kernel_refuses_bit3(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	m.enable[IRQCHIP_IN_KERNEL][MODE_DISABLE].err = EINVAL;
	m.lvr[IRQCHIP_IN_KERNEL][MODE_DISABLE].err = EINVAL;
	assert_inconsistent(&m, "in-kernel-irqchip VM refused it");
}

static void test_legacy_accepts_unreported_bit(void **state)
{
	struct kvm_measurements m;

	legacy_kernel(&m);
	m.enable[IRQCHIP_SPLIT][MODE_ENABLE].err = 0;
	set_lvr(&m, IRQCHIP_SPLIT, MODE_ENABLE, LVR_DEOI);
	assert_inconsistent(&m, "does not report it");
}

static void test_pre48_accepts_bit3(void **state)
{
	struct kvm_measurements m;

	pre48_kernel(&m);
	m.enable[IRQCHIP_IN_KERNEL][MODE_DISABLE].err = 0;
	set_lvr(&m, IRQCHIP_IN_KERNEL, MODE_DISABLE, LVR_BASE);
	assert_inconsistent(&m, "does not report it");
}

static void test_vm_reports_more_than_system(void **state)
{
	struct kvm_measurements m;

	legacy_kernel(&m);
	m.x2apic_api_vm_split = 0xf;
	assert_inconsistent(&m, "does not report (0x3)");
}

static void test_only_bit2_reported(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	set_caps(&m, 0x7, 0x3, 0x7, 0x3);
	m.enable[IRQCHIP_SPLIT][MODE_DISABLE].err = EINVAL;
	m.enable[IRQCHIP_IN_KERNEL][MODE_DISABLE].err = EINVAL;
	m.lvr[IRQCHIP_SPLIT][MODE_DISABLE].err = EINVAL;
	m.lvr[IRQCHIP_IN_KERNEL][MODE_DISABLE].err = EINVAL;
	assert_inconsistent(&m, "only one of bits 2 and 3");
}

static void test_seoib_bits_without_4_8_bits(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	set_caps(&m, 0xc, 0x8, 0xc, 0x8);
	assert_inconsistent(&m, "without bits 0-1");
}

static void test_fixed_without_split_irqchip(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	m.cap_split_irqchip = 0;
	m.x2apic_api_vm_split = PROBE_NOT_MEASURED;
	for (int mode = 0; mode < MODE_COUNT; mode++) {
		m.enable[IRQCHIP_SPLIT][mode].err = PROBE_NOT_MEASURED;
		m.lvr[IRQCHIP_SPLIT][mode].err = PROBE_NOT_MEASURED;
	}
	assert_inconsistent(&m, "not KVM_CAP_SPLIT_IRQCHIP");
}

static void test_split_vm_lacks_bit3(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	m.x2apic_api_vm_split = 0x7;
	assert_inconsistent(&m, "split VM's answer");
}

static void test_fixed_split_legacy_lvr_clear(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	set_lvr(&m, IRQCHIP_SPLIT, MODE_LEGACY, LVR_BASE);
	assert_inconsistent(&m, "without flags has LVR bit 24 clear");
}

static void test_fixed_in_kernel_legacy_lvr_set(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	set_lvr(&m, IRQCHIP_IN_KERNEL, MODE_LEGACY, LVR_DEOI);
	assert_inconsistent(&m, "without flags has LVR bit 24 set");
}

static void test_enable_accepted_then_refused(void **state)
{
	struct kvm_measurements m;

	fixed_kernel(&m);
	m.lvr[IRQCHIP_SPLIT][MODE_ENABLE].err = EINVAL;
	assert_inconsistent(&m, "second VM");
}

static void test_legacy_in_kernel_lvr_is_not_judged(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	/* Before commit 0bcc3fb95b97 in-kernel guests saw bit 24 too: only a
	 * kernel claiming the fix is held to the new LVR table. */
	legacy_kernel(&m);
	set_lvr(&m, IRQCHIP_IN_KERNEL, MODE_LEGACY, LVR_DEOI);
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_LEGACY);
}

static void test_problems_are_bounded(void **state)
{
	struct kvm_measurements m;
	struct kvm_claims v;

	/* A kernel contradicting itself everywhere: the list stops at the cap. */
	pre48_kernel(&m);
	set_caps(&m, 0, 0xf, 0xf, 0xf);
	for (int irqchip = 0; irqchip < IRQCHIP_COUNT; irqchip++)
		for (int mode = MODE_ENABLE; mode <= MODE_BOTH; mode++) {
			m.enable[irqchip][mode].err = 0;
			set_lvr(&m, irqchip, mode, mode == MODE_ENABLE ? LVR_BASE : LVR_DEOI);
		}
	kvm_claims_derive(&m, &v);
	assert_int_equal(v.generation, GEN_INCONSISTENT);
	assert_int_equal(v.n_problems, SEOIB_PROBLEMS_MAX);
	for (int i = 0; i < v.n_problems; i++)
		assert_true(strlen(v.problems[i]) > 0);
}

/* ---- the probe's small pieces ----------------------------------------------- */

static void test_measurements_init(void **state)
{
	struct kvm_measurements m;

	memset(&m, 0x5a, sizeof(m));
	kvm_measurements_init(&m);
	assert_int_equal(m.api_version, PROBE_NOT_MEASURED);
	assert_int_equal(m.x2apic_api_system, PROBE_NOT_MEASURED);
	assert_int_equal(m.x2apic_api_vm_irqchip, PROBE_NOT_MEASURED);
	assert_int_equal(m.cap_irqchip, PROBE_NOT_MEASURED);
	assert_int_equal(m.enable[IRQCHIP_IN_KERNEL][MODE_BOTH].err, PROBE_NOT_MEASURED);
	assert_int_equal(m.lvr[IRQCHIP_SPLIT][MODE_LEGACY].err, PROBE_NOT_MEASURED);
}

static void test_probe_status_strings(void **state)
{
	for (int s = 0; s < PROBE_STATUS_COUNT; s++)
		assert_int_equal(probe_status_from_string(probe_status_to_string(s)), s);
	assert_string_equal(probe_status_to_string(PROBE_KVM_UNAVAILABLE), "kvm-unavailable");
	assert_int_equal(probe_status_from_string("bogus"), -1);
	assert_int_equal(probe_status_from_string(NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixed),
		cmocka_unit_test(test_fixed_without_masking),
		cmocka_unit_test(test_legacy),
		cmocka_unit_test(test_legacy_partially_measured),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_unavailable),
		cmocka_unit_test(test_fixed_not_fully_measured),
		cmocka_unit_test(test_future_bits_fixed),
		cmocka_unit_test(test_future_bits_only_on_a_vm),
		cmocka_unit_test(test_future_bits_without_known_ones),
		cmocka_unit_test(test_enable_accepted_lvr_clear),
		cmocka_unit_test(test_disable_accepted_lvr_set),
		cmocka_unit_test(test_both_bits_accepted),
		cmocka_unit_test(test_enable_accepted_in_kernel),
		cmocka_unit_test(test_system_reports_split_refuses),
		cmocka_unit_test(test_in_kernel_refuses_bit3),
		cmocka_unit_test(test_legacy_accepts_unreported_bit),
		cmocka_unit_test(test_pre48_accepts_bit3),
		cmocka_unit_test(test_vm_reports_more_than_system),
		cmocka_unit_test(test_only_bit2_reported),
		cmocka_unit_test(test_seoib_bits_without_4_8_bits),
		cmocka_unit_test(test_fixed_without_split_irqchip),
		cmocka_unit_test(test_split_vm_lacks_bit3),
		cmocka_unit_test(test_fixed_split_legacy_lvr_clear),
		cmocka_unit_test(test_fixed_in_kernel_legacy_lvr_set),
		cmocka_unit_test(test_enable_accepted_then_refused),
		cmocka_unit_test(test_legacy_in_kernel_lvr_is_not_judged),
		cmocka_unit_test(test_problems_are_bounded),
		cmocka_unit_test(test_measurements_init),
		cmocka_unit_test(test_probe_status_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
