/* The engine's entry points on host views (seoib/host_view.h): a view that
 * is not usable makes its host unknown, in the view's own sentence, whoever
 * asks (policy_decide(), the gate's start, arrival and check --dest, and
 * gate_state_in_flight()); a usable view is judged on its record (cmocka). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/gate.h"
#include "seoib/host_can_run.h"
#include "seoib/host_view.h"
#include "seoib/policy.h"

#define NOW 1800000000

static const struct host_identity here = {
	.hostname = "hv1",
	.machine_id = "0123456789abcdef0123456789abcdef",
	.boot_id = "11111111-2222-4333-8444-555555555555",
	.kernel_release = "6.18.44-amd64",
};

/* max-record-age = 60, as in the issue. */
static const struct host_view_clock clock_60 = {&here, NOW, 60};

/* This host's record, a fixed kernel whose QEMU chooses the state itself
 * (VMM model automatic), probed `age` seconds ago in this boot. */
static struct host_record *own(int64_t age)
{
	struct host_record *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	h->status = PROBE_OK;
	h->host = here;
	h->probe_time = NOW - age;
	h->claims.generation = GEN_FIXED;
	h->claims.kernel_states = STATE_ALL;
	h->runnable_states = STATE_ALL;
	h->vmm.found = true;
	h->vmm.model = VMM_MODEL_AUTOMATIC;
	snprintf(h->vmm.path, sizeof(h->vmm.path), "/usr/bin/qemu-system-x86_64");
	return h;
}

/* A split guest with I/O APIC 0x20, not Windows: respected, low risk. */
static struct guest_facts *split_guest(void)
{
	struct guest_facts *g = calloc(1, sizeof(*g));

	assert_non_null(g);
	snprintf(g->name, sizeof(g->name), "g");
	snprintf(g->uuid, sizeof(g->uuid), "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	g->irqchip = IRQCHIP_SPLIT;
	g->ioapic_version = 0x20;
	g->x2apic = X2APIC_PRESENT;
	g->virt_ext = VIRT_EXT_NO;
	return g;
}

/* The disagreement, at the engine: the same two-hour-old record of
 * this host is unknown to the decision, whichever front end builds the
 * view, and the why is the view's sentence (not a status written over
 * the record); the record probed now decides safe. */
static void decision_on_a_stale_own_record(void **state)
{
	struct host_record *old = own(7200), *fresh = own(10);
	struct guest_facts *g = split_guest();
	struct host_view v;
	struct decision d;

	(void)state;
	host_view_local(&v, old, HOST_ORIGIN_PUBLISHED, &clock_60, "/run/seoib/host.json");
	policy_decide(g, &v, NULL, 0, &d);
	assert_int_equal(d.verdict, VERDICT_UNKNOWN);
	assert_int_equal(d.rule, RULE_NO_HOST_RECORD);
	assert_false(d.host.known);
	assert_string_equal(d.host.why, v.why);
	assert_non_null(strstr(d.host.why, "the host record /run/seoib/host.json is 7200 s old"));
	assert_int_equal(old->status, PROBE_OK); /* nobody wrote over it */
	decision_free(&d);
	host_view_local(&v, fresh, HOST_ORIGIN_PUBLISHED, &clock_60, "/run/seoib/host.json");
	policy_decide(g, &v, NULL, 0, &d);
	assert_int_equal(d.verdict, VERDICT_SAFE);
	assert_int_equal(d.state, STATE_RESPECTED);
	decision_free(&d);
	free(old);
	free(fresh);
	free(g);
}

/* The gate asks the same views: a start on a stale record follows
 * on-error, an arrival is refused with the view's sentence, and a stale
 * source tells no state. */
static void gate_on_a_stale_own_record(void **state)
{
	struct host_record *old = own(7200);
	struct guest_facts *g = split_guest();
	struct seoib_config cfg = {.hook_mode = HOOK_ENFORCE, .on_error = ON_ERROR_DENY};
	struct gate_outcome out;
	struct host_view v;
	enum seoib_state s;
	char why[SEOIB_MESSAGE_MAX];

	(void)state;
	host_view_local(&v, old, HOST_ORIGIN_PUBLISHED, &clock_60, "/run/seoib/host.json");
	gate_start(g, &v, NULL, NOW, &cfg, &out);
	assert_int_equal(out.answer, GATE_ERROR_DENY);
	assert_non_null(strstr(out.reason, "is 7200 s old"));
	assert_false(host_can_run(&v, STATE_QUIRKED, NULL, why));
	host_why_cannot(&v, STATE_QUIRKED, why, sizeof(why));
	assert_string_equal(why, v.why);
	assert_false(gate_host_can_run(&v, STATE_QUIRKED, why));
	assert_non_null(strstr(why, "hv1 has no usable record (the host record /run/seoib/host.json is 7200 s old"));
	assert_false(gate_state_in_flight(g, &v, NULL, &s, why));
	assert_non_null(strstr(why, "the source's record cannot be used (the host record"));
	free(old);
	free(g);
}

/* check --dest: a destination whose record is too old is unknown (nothing
 * is known of it); one whose probe failed cannot run the state: refused. */
static void check_dest_views(void **state)
{
	struct host_record *dest = own(7200);
	struct guest_facts *g = split_guest();
	struct gate_outcome out;
	struct host_view v;

	(void)state;
	g->has_metadata_state = true;
	g->metadata_state = STATE_RESPECTED;
	snprintf(dest->host.hostname, sizeof(dest->host.hostname), "hv2");
	snprintf(dest->host.machine_id, sizeof(dest->host.machine_id), "fedcba9876543210fedcba9876543210");
	host_view_peer(&v, dest, HOST_ORIGIN_FLEET, &clock_60, "of hv2");
	assert_int_equal(gate_migration_check(g, NULL, NULL, &v, "", &out), GATE_CHECK_UNKNOWN);
	assert_non_null(strstr(out.reason, "the host record of hv2 is 7200 s old"));
	dest->probe_time = NOW;
	dest->status = PROBE_KVM_UNAVAILABLE;
	snprintf(dest->message, sizeof(dest->message), "cannot open /dev/kvm");
	host_view_peer(&v, dest, HOST_ORIGIN_FLEET, &clock_60, "of hv2");
	assert_int_equal(gate_migration_check(g, NULL, NULL, &v, "", &out), GATE_CHECK_REFUSE);
	assert_non_null(strstr(out.reason, "hv2 has no usable record (record status kvm-unavailable: cannot open /dev/kvm)"));
	dest->status = PROBE_OK;
	host_view_peer(&v, dest, HOST_ORIGIN_FLEET, &clock_60, "of hv2");
	assert_int_equal(gate_migration_check(g, NULL, NULL, &v, "", &out), GATE_CHECK_OK);
	free(dest);
	free(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(decision_on_a_stale_own_record),
		cmocka_unit_test(gate_on_a_stale_own_record),
		cmocka_unit_test(check_dest_views),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
