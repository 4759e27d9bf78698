/* seoib/string_table.h: one bounds rule and one answer for an unknown value
 * in both directions, and every published table round-trips through it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "seoib/audit.h"
#include "seoib/behaviour.h"
#include "seoib/config.h"
#include "seoib/exports.h"
#include "seoib/gate.h"
#include "seoib/guest_edit.h"
#include "seoib/guest_facts.h"
#include "seoib/kvm_claims.h"
#include "seoib/policy.h"
#include "seoib/states.h"
#include "seoib/string_table.h"
#include "seoib/vmm.h"

/* A table with a hole, as a sparse enum has. */
enum fruit { FRUIT_APPLE, FRUIT_HOLE, FRUIT_PEAR, FRUIT_COUNT };
static const char *const fruit_table[FRUIT_COUNT] = {
	[FRUIT_APPLE] = "apple",
	[FRUIT_PEAR] = "pear",
};
DEFINE_PRIVATE_STRING_TABLE_LOOKUP(fruit, enum fruit)

static void bounds(void **state)
{
	assert_string_equal(fruit_to_string(FRUIT_APPLE), "apple");
	assert_string_equal(fruit_to_string(FRUIT_PEAR), "pear");
	/* an empty slot, one past the end, far past it, negative: one answer */
	assert_string_equal(fruit_to_string(FRUIT_HOLE), STRING_TABLE_INVALID);
	assert_string_equal(fruit_to_string(FRUIT_COUNT), STRING_TABLE_INVALID);
	assert_string_equal(fruit_to_string((enum fruit)1000), STRING_TABLE_INVALID);
	assert_string_equal(fruit_to_string((enum fruit)-1), STRING_TABLE_INVALID);
	assert_string_equal(STRING_TABLE_INVALID, "invalid");
}

static void unknown(void **state)
{
	assert_int_equal(fruit_from_string("pear"), FRUIT_PEAR);
	assert_int_equal(fruit_from_string(NULL), -1);
	assert_int_equal(fruit_from_string(""), -1);
	assert_int_equal(fruit_from_string("Pear"), -1);  /* byte for byte */
	assert_int_equal(fruit_from_string("pear "), -1);
	assert_int_equal(fruit_from_string("invalid"), -1); /* the invalid answer never reads back */
}

/* Every value of [0, n) has a word of its own, and reads back as itself
 * when the table has both directions. */
#define ROUND_TRIP(name, type, n)                                                               \
	do {                                                                                    \
		for (int i = 0; i < (int)(n); i++) {                                            \
			const char *w = name##_to_string((type)i);                              \
			assert_non_null(w);                                                     \
			assert_string_not_equal(w, STRING_TABLE_INVALID);                       \
			assert_int_equal(name##_from_string(w), i);                             \
		}                                                                               \
		assert_string_equal(name##_to_string((type)(n)), STRING_TABLE_INVALID);         \
		assert_string_equal(name##_to_string((type)-1), STRING_TABLE_INVALID);          \
		assert_int_equal(name##_from_string(NULL), -1);                                 \
		assert_int_equal(name##_from_string("no-such-word"), -1);                       \
	} while (0)

/* Tables seoib only writes: every word present, distinct, and no more. */
#define WORDS(name, type, n)                                                                  \
	do {                                                                                  \
		for (int i = 0; i < (int)(n); i++) {                                          \
			assert_string_not_equal(name##_to_string((type)i), STRING_TABLE_INVALID); \
			for (int j = 0; j < i; j++)                                           \
				assert_string_not_equal(name##_to_string((type)i),            \
							name##_to_string((type)j));           \
		}                                                                             \
		assert_string_equal(name##_to_string((type)(n)), STRING_TABLE_INVALID);       \
		assert_string_equal(name##_to_string((type)-1), STRING_TABLE_INVALID);        \
	} while (0)

static void every_table(void **state)
{
	ROUND_TRIP(state, enum seoib_state, STATE_COUNT);
	ROUND_TRIP(state_or_unknown, enum seoib_state, STATE_UNKNOWN + 1);
	assert_int_equal(state_from_string(STATE_UNKNOWN_WORD), -1);
	assert_string_equal(state_or_unknown_to_string(STATE_UNKNOWN), "unknown");
	ROUND_TRIP(irqchip, enum irqchip_mode, IRQCHIP_COUNT);
	ROUND_TRIP(generation, enum kernel_generation, GEN_COUNT);
	ROUND_TRIP(risk, enum risk, RISK_COUNT);
	ROUND_TRIP(proof, enum proof, PROOF_COUNT);
	ROUND_TRIP(outcome, enum behaviour_outcome, OUTCOME_COUNT);
	ROUND_TRIP(probe_status, enum probe_status, PROBE_STATUS_COUNT);
	ROUND_TRIP(vmm_model, enum vmm_model, VMM_MODEL_COUNT);
	ROUND_TRIP(vmm_location, enum vmm_location, VMM_LOCATION_COUNT);
	ROUND_TRIP(guest_remedy, enum guest_remedy, GUEST_REMEDY_COUNT);
	ROUND_TRIP(hook_mode, enum hook_mode, HOOK_WARN + 1);
	ROUND_TRIP(on_error, enum on_error, ON_ERROR_DENY + 1);

	WORDS(mode, enum x2apic_mode, MODE_COUNT);
	WORDS(verdict, enum verdict, VERDICT_COUNT);
	WORDS(guest_x2apic, enum guest_x2apic, X2APIC_UNKNOWN + 1);
	WORDS(guest_windows, enum guest_windows, WINDOWS_YES + 1);
	WORDS(guest_victim, enum guest_victim, VICTIM_UNKNOWN + 1);
	WORDS(audit_overall, enum audit_overall, AUDIT_UNKNOWN + 1);
	WORDS(gate_op, enum gate_op, GATE_FORGET + 1);
	WORDS(gate_answer, enum gate_answer, GATE_ERROR_DENY + 1);
	WORDS(gate_check, enum gate_check, GATE_CHECK_UNKNOWN + 1);
	WORDS(probe_run_status, enum probe_run_status, PROBE_RUN_COUNT);
}

/* The words are published: a few of each kind, spelled as the man pages
 * and records spell them. */
static void published_words(void **state)
{
	assert_string_equal(state_to_string(STATE_NOT_ADVERTISED), "not-advertised");
	assert_string_equal(irqchip_to_string(IRQCHIP_IN_KERNEL), "in-kernel");
	assert_string_equal(probe_status_to_string(PROBE_KVM_UNAVAILABLE), "kvm-unavailable");
	assert_string_equal(gate_op_to_string(GATE_COMMIT), "started");
	assert_string_equal(gate_answer_to_string(GATE_ERROR_ALLOW), "error-allow");
	assert_string_equal(guest_remedy_to_string(GUEST_REMEDY_IN_KERNEL_IRQCHIP), "in-kernel-irqchip");
	assert_string_equal(hook_mode_to_string(HOOK_ENFORCE), "enforce");
	assert_string_equal(on_error_to_string(ON_ERROR_DENY), "deny");
	assert_string_equal(guest_victim_to_string(VICTIM_UNKNOWN), "unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(bounds),
		cmocka_unit_test(unknown),
		cmocka_unit_test(every_table),
		cmocka_unit_test(published_words),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
