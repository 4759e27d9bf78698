/* The two rules of seoib/host_view.h, case by case (cmocka): which records
 * a decision may use, and the sentence that says why not. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "seoib/host_view.h"
#include "seoib/record_current.h"

#define NOW 1800000000
#define HOUR 3600

static const struct host_identity here = {
	.hostname = "hv1.example.net",
	.machine_id = "0123456789abcdef0123456789abcdef",
	.boot_id = "11111111-2222-4333-8444-555555555555",
	.kernel_release = "6.18.44-amd64",
};

static const struct host_view_clock clock_60 = {&here, NOW, 60};

/* A usable record of this boot of this host, probed `age` seconds ago. */
static void own_record(struct host_record *rec, int64_t age)
{
	memset(rec, 0, sizeof(*rec));
	rec->status = PROBE_OK;
	rec->host = here;
	rec->probe_time = NOW - age;
}

/* Another host's record, as a peer publishes it. */
static void peer_record(struct host_record *rec, int64_t age)
{
	own_record(rec, age);
	snprintf(rec->host.hostname, sizeof(rec->host.hostname), "hv2.example.net");
	snprintf(rec->host.machine_id, sizeof(rec->host.machine_id), "fedcba9876543210fedcba9876543210");
	snprintf(rec->host.boot_id, sizeof(rec->host.boot_id), "99999999-2222-4333-8444-555555555555");
}

static void assert_view(const struct host_view *v, bool usable, enum host_view_problem problem, const char *why_part)
{
	assert_int_equal(v->usable, usable);
	assert_int_equal(v->problem, problem);
	if (usable)
		assert_string_equal(v->why, "");
	else if (!strstr(v->why, why_part))
		fail_msg("'%s' lacks '%s'", v->why, why_part);
}

/* The case: max-record-age = 60 and a two-hour-old record of this
 * host. Published, or named with this host's identity: too old, whoever
 * reads it (the hook, policy, apply, audit, check, Decide). */
static void local_rule(void **state)
{
	struct host_record rec;
	struct host_view v;

	(void)state;
	own_record(&rec, 2 * HOUR);
	host_view_local(&v, &rec, HOST_ORIGIN_PUBLISHED, &clock_60, "/run/seoib/host.json");
	assert_view(&v, false, HOST_VIEW_AGE, "the host record /run/seoib/host.json is 7200 s old");
	assert_true(v.own);
	host_view_local(&v, &rec, HOST_ORIGIN_NAMED, &clock_60, "own.json");
	assert_view(&v, false, HOST_VIEW_AGE, "own.json is 7200 s old");
	own_record(&rec, 30);
	host_view_local(&v, &rec, HOST_ORIGIN_PUBLISHED, &clock_60, "p");
	assert_view(&v, true, HOST_VIEW_USABLE, NULL);
	/* Another boot, another kernel: stale whatever the age. */
	snprintf(rec.host.boot_id, sizeof(rec.host.boot_id), "00000000-0000-4000-8000-000000000000");
	host_view_local(&v, &rec, HOST_ORIGIN_PUBLISHED, &clock_60, "p");
	assert_view(&v, false, HOST_VIEW_BOOT, "from another boot of this host");
	own_record(&rec, 30);
	snprintf(rec.host.kernel_release, sizeof(rec.host.kernel_release), "5.10.0-0-amd64");
	host_view_local(&v, &rec, HOST_ORIGIN_PUBLISHED, &clock_60, "p");
	assert_view(&v, false, HOST_VIEW_BOOT, "describes kernel 5.10.0-0-amd64");
	/* A live probe is of this boot; its age still counts. */
	host_view_local(&v, &rec, HOST_ORIGIN_PROBE, &clock_60, "p");
	assert_view(&v, true, HOST_VIEW_USABLE, NULL);
	/* The status, in the words every front end shows; a stale record's
	 * is old news: the staleness is what to fix. */
	own_record(&rec, 30);
	rec.status = PROBE_KVM_UNAVAILABLE;
	snprintf(rec.message, sizeof(rec.message), "cannot open /dev/kvm");
	host_view_local(&v, &rec, HOST_ORIGIN_PUBLISHED, &clock_60, "p");
	assert_view(&v, false, HOST_VIEW_STATUS, "record status kvm-unavailable: cannot open /dev/kvm");
	rec.probe_time = NOW - 2 * HOUR;
	host_view_local(&v, &rec, HOST_ORIGIN_PUBLISHED, &clock_60, "p");
	assert_view(&v, false, HOST_VIEW_AGE, "is 7200 s old");
	host_view_local(&v, NULL, HOST_ORIGIN_PUBLISHED, &clock_60, "p");
	assert_view(&v, false, HOST_VIEW_NO_RECORD, "no host record");
	assert_null(host_view_record(&v));
	/* Another host's record named for this one is a what-if: its status
	 * alone, whatever its age. */
	peer_record(&rec, 14 * 24 * HOUR);
	host_view_local(&v, &rec, HOST_ORIGIN_NAMED, &clock_60, "h1-fixed.json");
	assert_view(&v, true, HOST_VIEW_USABLE, NULL);
	assert_false(v.own);
	assert_ptr_equal(host_view_record(&v), &rec);
}

static void peer_rule(void **state)
{
	struct host_record rec;
	struct host_view v;

	(void)state;
	/* From the fleet: max-record-age applies. */
	peer_record(&rec, 2 * HOUR);
	host_view_peer(&v, &rec, HOST_ORIGIN_FLEET, &clock_60, "in the inventory");
	assert_view(&v, false, HOST_VIEW_AGE, "the host record in the inventory is 7200 s old");
	assert_true(strstr(v.why, "run 'seoibctl reprobe' on hv2.example.net") != NULL);
	/* Named by the operator (--target, Decide's targets): as given. */
	host_view_peer(&v, &rec, HOST_ORIGIN_NAMED, &clock_60, "t.json");
	assert_view(&v, true, HOST_VIEW_USABLE, NULL);
	rec.status = PROBE_ERROR;
	host_view_peer(&v, &rec, HOST_ORIGIN_NAMED, &clock_60, "t.json");
	assert_view(&v, false, HOST_VIEW_STATUS, "record status error: no message");
	/* Dated ahead of the clock beyond the skew: not current either. */
	peer_record(&rec, -2 * HOUR);
	host_view_peer(&v, &rec, HOST_ORIGIN_FLEET, &clock_60, "x");
	assert_view(&v, false, HOST_VIEW_AGE, "x");
	/* Same host: this host's own record among the peers, of another
	 * boot, no longer describes it. */
	own_record(&rec, 30);
	snprintf(rec.host.boot_id, sizeof(rec.host.boot_id), "00000000-0000-4000-8000-000000000000");
	host_view_peer(&v, &rec, HOST_ORIGIN_FLEET, &clock_60, "in the inventory");
	assert_view(&v, false, HOST_VIEW_BOOT, "from another boot of this host");
	assert_true(v.own && v.peer);
}

/* "Same host" is host_names_same()'s: a short name is the FQDN's host. */
static void own_by_short_name(void **state)
{
	struct host_record rec;

	(void)state;
	own_record(&rec, 0);
	snprintf(rec.host.hostname, sizeof(rec.host.hostname), "HV1");
	assert_true(host_record_is_own(&rec, &here));
	snprintf(rec.host.hostname, sizeof(rec.host.hostname), "hv1.example.org");
	assert_false(host_record_is_own(&rec, &here));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(local_rule),
		cmocka_unit_test(peer_rule),
		cmocka_unit_test(own_by_short_name),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
