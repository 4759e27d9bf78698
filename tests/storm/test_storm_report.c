/* Which guests the storm watch watches (storm_guest_exposed()) and its
 * report: JSON out and back, hostile reports, Prometheus text (cmocka). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/behaviour.h"
#include "seoib/storm_report.h"

static void test_exposure(void **state)
{
	struct guest_facts f;
	struct host_record *h = calloc(1, sizeof(*h));
	char why[SEOIB_MESSAGE_MAX];

	assert_non_null(h);
	memset(&f, 0, sizeof(f));
	f.irqchip = IRQCHIP_SPLIT;
	assert_true(storm_guest_exposed(&f, STATE_QUIRKED, h, why));
	assert_non_null(strstr(why, "quirked"));
	assert_false(storm_guest_exposed(&f, STATE_NOT_ADVERTISED, h, why));
	/* Respected: watched until this host verified that state. */
	h->behaviour.proof[STATE_RESPECTED] = PROOF_UNVERIFIED;
	assert_true(storm_guest_exposed(&f, STATE_RESPECTED, h, why));
	assert_non_null(strstr(why, "unverified"));
	assert_true(storm_guest_exposed(&f, STATE_RESPECTED, NULL, why));
	h->behaviour.proof[STATE_RESPECTED] = PROOF_VERIFIED;
	assert_false(storm_guest_exposed(&f, STATE_RESPECTED, h, why));
	/* A state that cannot be told: watched. */
	assert_true(storm_guest_exposed(&f, STATE_UNKNOWN, h, why));
	/* No x2APIC in the vCPU: never offered Directed EOI, not watched;
	 * an x2APIC that cannot be told is watched. */
	f.x2apic = X2APIC_ABSENT;
	snprintf(f.x2apic_why, sizeof(f.x2apic_why), "<cpu> disables x2apic");
	assert_false(storm_guest_exposed(&f, STATE_QUIRKED, h, why));
	assert_non_null(strstr(why, "no x2APIC"));
	f.x2apic = X2APIC_UNKNOWN;
	assert_true(storm_guest_exposed(&f, STATE_QUIRKED, h, why));
	f.x2apic = X2APIC_PRESENT;
	f.irqchip = IRQCHIP_IN_KERNEL;
	assert_false(storm_guest_exposed(&f, STATE_QUIRKED, h, why));
	f.irqchip_unknown = true;
	assert_true(storm_guest_exposed(&f, STATE_QUIRKED, h, why));
	f.qemu_lapic = true;
	assert_false(storm_guest_exposed(&f, STATE_UNKNOWN, h, why));
	free(h);
}

static struct storm_report_guest sample_guest(void)
{
	struct storm_report_guest g;

	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "vm \"one\" \\ x");
	snprintf(g.uuid, sizeof(g.uuid), "21000000-0000-4000-8000-000000000003");
	snprintf(g.watched_because, sizeof(g.watched_because), "it runs quirked");
	g.storming = true;
	g.vcpu = 3;
	g.duration_s = 12.04;
	g.injections_per_s = 7061.26;
	g.returns_per_s = -1;
	g.cpu = 0.68;
	g.runnable = 1;
	snprintf(g.evidence, sizeof(g.evidence), "for 12 s");
	snprintf(g.reasons, sizeof(g.reasons), "a; b.");
	return g;
}

static void test_round_trip(void **state)
{
	struct storm_report_guest in[2] = {sample_guest(), sample_guest()}, *out = NULL;
	size_t n;
	char err[SEOIB_MESSAGE_MAX];
	json_object *o;
	const char *text;

	in[1].storming = false;
	in[1].vcpu = -1;
	snprintf(in[1].problem, sizeof(in[1].problem), "no counters");
	o = storm_report_to_json(in, 2);
	text = json_object_to_json_string(o);
	assert_non_null(strstr(text, "7061.3"));
	if (storm_report_from_json(text, strlen(text), &out, &n, err) != 0)
		fail_msg("%s", err);
	assert_int_equal(n, 2);
	assert_string_equal(out[0].name, in[0].name);
	assert_true(out[0].storming);
	assert_int_equal(out[0].vcpu, 3);
	assert_true(out[0].returns_per_s < 0);
	assert_int_equal(out[1].vcpu, -1);
	assert_string_equal(out[1].problem, "no counters");
	assert_string_equal(out[1].remediation, "");
	free(out);
	json_object_put(o);
}

static void test_hostile_reports(void **state)
{
	static const char *const bad[] = {
		"[]",
		"{\"schema\":\"seoib.storms/2\",\"guests\":[]}",
		"{\"schema\":\"seoib.storms/1\"}",
		"{\"schema\":\"seoib.storms/1\",\"guests\":[1]}",
		"{\"schema\":\"seoib.storms/1\",\"guests\":[{\"name\":\"x\"}]}",
		"{\"schema\":\"seoib.storms/1\",\"guests\":[{\"name\":\"x\",\"uuid\":\"u\",\"watched_because\":\"w\","
		"\"storming\":true,\"vcpu\":-1,\"duration_s\":1,\"injections_per_s\":1,\"halts_per_s\":1,\"cpu\":1,"
		"\"runnable\":1,\"evidence\":\"e\",\"reasons\":\"r\"}]}",
		"{\"schema\":\"seoib.storms/1\",\"guests\":[{\"name\":\"x\",\"uuid\":\"u\",\"watched_because\":\"w\","
		"\"storming\":true,\"duration_s\":-5,\"injections_per_s\":1,\"halts_per_s\":1,\"cpu\":1,"
		"\"runnable\":1,\"evidence\":\"e\",\"reasons\":\"r\"}]}",
	};
	struct storm_report_guest *out;
	size_t n;
	char err[SEOIB_MESSAGE_MAX];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		if (storm_report_from_json(bad[i], strlen(bad[i]), &out, &n, err) == 0)
			fail_msg("accepted hostile report %zu", i);
		assert_null(out);
		assert_true(err[0] != 0);
	}
}

static void test_prometheus(void **state)
{
	struct storm_report_guest g = sample_guest();
	char *text;

	/* libvirt forbids control characters in names (and the report's reader
	 * refuses them), but the writer escapes a newline all the same. */
	snprintf(g.name, sizeof(g.name), "vm \"one\"\\\nx");
	text = storm_report_prometheus_text(&g, 1);

	assert_non_null(text);
	/* Label values escaped as the text format wants: \\, \" and \n. */
	assert_non_null(strstr(text, "seoib_guest_storming{domain=\"vm \\\"one\\\"\\\\\\nx\",uuid=\"21000000-0000-4000-8000-000000000003\"} 1.0\n"));
	assert_non_null(strstr(text, "seoib_guests_storm_watched 1\n"));
	free(text);
}

static void test_report_path(void **state)
{
	char p[256];

	storm_report_path("/run/seoib/host.json", p, sizeof(p));
	assert_string_equal(p, "/run/seoib/storms.json");
	storm_report_path("host.json", p, sizeof(p));
	assert_string_equal(p, "storms.json");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exposure),
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_hostile_reports),
		cmocka_unit_test(test_prometheus),
		cmocka_unit_test(test_report_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
