/* The start gate's one input from the operator's acknowledgement
 * (gate_prepare(), facts->acknowledged): an unsafe start is allowed with a
 * warning under enforce, quoting it; a safe or undecidable one is judged as
 * before; an invalid acknowledgement acknowledges nothing. (cmocka) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "seoib/gate.h"

static struct decision decided(enum verdict v, enum risk risk)
{
	struct decision d;

	memset(&d, 0, sizeof(d));
	d.verdict = v;
	d.state = STATE_QUIRKED;
	d.risk = risk;
	d.n_reasons = 1;
	snprintf(d.reasons[0], sizeof(d.reasons[0]), "%s", "at risk of the interrupt storm");
	snprintf(d.remediation, sizeof(d.remediation), "%s", "switch to <ioapic driver='kvm'/>");
	return d;
}

static struct guest_facts acknowledged_guest(bool acknowledged, bool invalid)
{
	struct guest_facts g;

	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "win11");
	g.acknowledged = acknowledged;
	g.ack_invalid = invalid;
	snprintf(g.ack_reason, sizeof(g.ack_reason), "VBS off inside");
	snprintf(g.ack_by, sizeof(g.ack_by), "root");
	snprintf(g.ack_at, sizeof(g.ack_at), "2026-12-07T10:00:00Z");
	return g;
}

static void test_ack_allows_unsafe_under_enforce(void **state)
{
	struct seoib_config cfg;
	struct guest_facts g = acknowledged_guest(true, false);
	struct decision unsafe = decided(VERDICT_UNSAFE, RISK_HIGH);
	struct gate_outcome out;

	seoib_config_defaults(&cfg);
	cfg.hook_mode = HOOK_ENFORCE;
	gate_prepare(&g, &unsafe, &cfg, &out);
	assert_int_equal(out.answer, GATE_WARN);
	assert_true(out.acknowledged);
	assert_non_null(strstr(out.reason, "acknowledged by root at 2026-12-07T10:00:00Z: VBS off inside"));
	assert_non_null(strstr(out.remediation, "ioapic"));
	/* Under warn the same warning, still marked acknowledged. */
	cfg.hook_mode = HOOK_WARN;
	gate_prepare(&g, &unsafe, &cfg, &out);
	assert_int_equal(out.answer, GATE_WARN);
	assert_true(out.acknowledged);
}

static void test_no_ack_refuses(void **state)
{
	struct seoib_config cfg;
	struct guest_facts plain = acknowledged_guest(false, false), invalid = acknowledged_guest(false, true);
	struct decision unsafe = decided(VERDICT_UNSAFE, RISK_HIGH);
	struct gate_outcome out;

	seoib_config_defaults(&cfg);
	cfg.hook_mode = HOOK_ENFORCE;
	gate_prepare(&plain, &unsafe, &cfg, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_false(out.acknowledged);
	gate_prepare(&invalid, &unsafe, &cfg, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_null(strstr(out.reason, "acknowledged"));
}

/* The acknowledgement accepts a risk, not missing data: unknown still
 * follows on-error, and a safe guest is allowed without a word of it. */
static void test_ack_changes_nothing_else(void **state)
{
	struct seoib_config cfg;
	struct guest_facts g = acknowledged_guest(true, false);
	struct decision unknown = decided(VERDICT_UNKNOWN, RISK_UNKNOWN), safe = decided(VERDICT_SAFE, RISK_NONE);
	struct gate_outcome out;

	seoib_config_defaults(&cfg);
	cfg.hook_mode = HOOK_ENFORCE;
	cfg.on_error = ON_ERROR_DENY;
	gate_prepare(&g, &unknown, &cfg, &out);
	assert_int_equal(out.answer, GATE_ERROR_DENY);
	gate_prepare(&g, &safe, &cfg, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	assert_false(out.acknowledged);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ack_allows_unsafe_under_enforce),
		cmocka_unit_test(test_no_ack_refuses),
		cmocka_unit_test(test_ack_changes_nothing_else),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
