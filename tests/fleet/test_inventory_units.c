/* Unit tests of the pure parts of the inventory and exports: base64 as
 * etcd's gateway encodes bytes, the decoders of its replies (lib/fleet/etcd_reply.c)
 * against hostile ones, inventory keys, and the export texts of the
 * legacy and fixed fixture records. Argument: tests/record/data. */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "seoib/exports.h"
#include "seoib/fileio.h"
#include "seoib/inventory.h"
#include "seoib/json_util.h"

static const char *data_dir;

static void test_base64_vectors(void **state)
{
	/* RFC 4648 section 10 test vectors. */
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		char *enc = base64_encode(plain[i], strlen(plain[i]));
		size_t len = 99;
		char *dec = base64_decode(coded[i], &len);
		assert_string_equal(enc, coded[i]);
		assert_non_null(dec);
		assert_int_equal(len, strlen(plain[i]));
		assert_memory_equal(dec, plain[i], len);
		free(enc);
		free(dec);
	}
}

static void test_base64_binary_round_trip(void **state)
{
	unsigned char bytes[256];
	size_t len;

	for (int i = 0; i < 256; i++)
		bytes[i] = (unsigned char)(255 - i);
	char *enc = base64_encode(bytes, sizeof(bytes));
	char *dec = base64_decode(enc, &len);
	assert_int_equal(len, sizeof(bytes));
	assert_memory_equal(dec, bytes, sizeof(bytes));
	free(enc);
	free(dec);
}

static void test_base64_rejects_garbage(void **state)
{
	size_t len;

	assert_null(base64_decode("Zm9v!", &len));
	assert_null(base64_decode("Z", &len));
	/* etcd's gateway pads (Go's base64.StdEncoding): unpadded is garbage. */
	assert_null(base64_decode("Zg", &len));
	/* Padding only at the end: a lax decoder reads these as 6 and 3 bytes. */
	assert_null(base64_decode("Zg==Zg==", &len));
	assert_null(base64_decode("Zm=v", &len));
	assert_null(base64_decode("====", &len));
}

static void test_base64_ignores_white_space(void **state)
{
	size_t len = 0;
	char *dec = base64_decode("Zm 9v\n", &len);

	/* OpenSSL's decoder skips white space; nothing else is lenient. */
	assert_non_null(dec);
	assert_int_equal(len, 3);
	assert_string_equal(dec, "foo");
	free(dec);
}

/* ---- etcd reply decoders: every reply is untrusted ---- */

static json_object *reply(const char *text)
{
	json_object *o = NULL;
	char err[SEOIB_MESSAGE_MAX];

	if (etcd_reply_parse(text, strlen(text), &o, err) < 0)
		fail_msg("%s: %s", text, err);
	return o;
}

static void test_reply_parse_needs_an_object(void **state)
{
	static const struct {
		const char *body, *why;
	} bad[] = {
		{"[]", "is a JSON array, not an object"},
		{"\"ok\"", "is a JSON string, not an object"},
		{"null", "JSON ends early"},
		{"", "JSON ends early"},
		{"{} {}", "unexpected data"},
		{"{\"a\": ", "JSON ends early"},
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		json_object *o = (json_object *)1;
		char err[SEOIB_MESSAGE_MAX] = "";

		assert_int_equal(etcd_reply_parse(bad[i].body, strlen(bad[i].body), &o, err), -1);
		assert_null(o);
		if (!strstr(err, bad[i].why))
			fail_msg("'%s': '%s' lacks '%s'", bad[i].body, err, bad[i].why);
	}
}

static void test_reply_int64(void **state)
{
	static const struct {
		const char *body;
		int rc;
		int64_t value;
	} cases[] = {
		{"{\"ID\": \"12\"}", 0, 12},
		{"{\"ID\": 12}", 0, 12},
		{"{\"ID\": \"-3\"}", 0, -3},
		{"{\"ID\": \"9223372036854775807\"}", 0, INT64_MAX},
		{"{}", 0, 0},
		{"{\"ID\": null}", 0, 0},
		{"{\"ID\": \"12abc\"}", -1, 0},
		{"{\"ID\": \" 12\"}", -1, 0},
		{"{\"ID\": \"+12\"}", -1, 0},
		{"{\"ID\": \"\"}", -1, 0},
		{"{\"ID\": \"-\"}", -1, 0},
		{"{\"ID\": \"1\\u00002\"}", -1, 0},
		{"{\"ID\": \"9223372036854775808\"}", -1, 0},
		{"{\"ID\": 1.5}", -1, 0},
		{"{\"ID\": {}}", -1, 0},
		{"{\"ID\": []}", -1, 0},
		{"{\"ID\": true}", -1, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *o = reply(cases[i].body);
		char err[SEOIB_MESSAGE_MAX] = "";
		int64_t v = 42;

		if (etcd_reply_int64(o, "ID", &v, err) != cases[i].rc || v != cases[i].value)
			fail_msg("%s: got %" PRId64 " (%s)", cases[i].body, v, err);
		json_object_put(o);
	}
}

static void test_reply_leases(void **state)
{
	static const struct {
		const char *body;
		int grant_rc;
		int64_t id;
		int keepalive_rc;
		int64_t ttl;
	} cases[] = {
		{"{\"ID\": \"7\", \"TTL\": \"5\"}", 0, 7, 0, 5},
		{"{\"result\": {\"ID\": \"7\", \"TTL\": \"5\"}}", -1, 0, 0, 5},
		{"{\"result\": {\"ID\": \"7\"}}", -1, 0, 0, 0},      /* TTL omitted: forgotten */
		{"{\"result\": {\"TTL\": \"-1\"}}", -1, 0, 0, 0},    /* negative: forgotten */
		{"{\"result\": null}", -1, 0, 0, 0},
		{"{\"result\": []}", -1, 0, -1, 0},
		{"{\"result\": {\"TTL\": []}}", -1, 0, -1, 0},
		{"{\"ID\": \"0\"}", -1, 0, 0, 0},
		{"{\"ID\": \"-7\"}", -1, 0, 0, 0},
		{"{\"ID\": \"7\", \"error\": \"etcdserver: too many requests\"}", -1, 0, -1, 0},
		{"{\"error\": {\"grpc_code\": 5, \"message\": \"lease not found\"}}", -1, 0, -1, 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *o = reply(cases[i].body);
		char err[SEOIB_MESSAGE_MAX] = "";
		int64_t id = 42, ttl = 42;

		if (etcd_reply_lease_grant(o, &id, err) != cases[i].grant_rc || id != cases[i].id)
			fail_msg("grant %s: got %" PRId64 " (%s)", cases[i].body, id, err);
		if (etcd_reply_lease_keepalive(o, &ttl, err) != cases[i].keepalive_rc || ttl != cases[i].ttl)
			fail_msg("keepalive %s: got %" PRId64 " (%s)", cases[i].body, ttl, err);
		json_object_put(o);
	}
}

static void test_reply_token(void **state)
{
	static const struct {
		const char *body;
		int rc;
	} cases[] = {
		{"{\"token\": \"KjNwZmNpaFdrZXF2.9\"}", 0},
		{"{}", -1},
		{"{\"token\": \"\"}", -1},
		{"{\"token\": {}}", -1},
		{"{\"token\": \"a b\"}", -1},
		{"{\"token\": \"a\\r\\nX-Injected: 1\"}", -1},
		{"{\"token\": \"caf\\u00e9\"}", -1},
		{"{\"token\": \"0123456789abcdef0123456789\"}", -1}, /* longer than 23 bytes */
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *o = reply(cases[i].body);
		char err[SEOIB_MESSAGE_MAX] = "", token[24];

		if (etcd_reply_token(o, token, sizeof(token), err) != cases[i].rc)
			fail_msg("%s: %s", cases[i].body, err);
		json_object_put(o);
	}
}

#define P "/seoib/v1/hosts/"
#define K_A "L3Nlb2liL3YxL2hvc3RzL2E="  /* P "a" */
#define K_B "L3Nlb2liL3YxL2hvc3RzL2I="  /* P "b" */
#define K_SHORT "L3Nl"                 /* "/se" */
#define K_OTHER "L3Nlb2liL3YxL290aGVy"  /* "/seoib/v1/other" */
#define V_REC "eyJhIjogMX0="            /* {"a": 1} */

struct collected {
	char keys[512];
	size_t n;
	int stop_after;
};

static int collect(const char *key, const char *value, size_t len, void *userdata)
{
	struct collected *c = userdata;
	size_t used = strlen(c->keys);

	assert_int_equal(value[len], '\0');
	snprintf(c->keys + used, sizeof(c->keys) - used, "%s%s=%zu", used ? "," : "", key + strlen(P), len);
	return ++c->n == (size_t)c->stop_after;
}

static void test_reply_range(void **state)
{
	static const struct {
		const char *body;
		int rc;
		const char *keys; /* fn got these (key suffix=value length), or the error */
		const char *next; /* continuation suffix, "" = none */
		int stop_after;
	} cases[] = {
		{"{}", 0, "", "", 0},
		{"{\"kvs\": []}", 0, "", "", 0},
		{"{\"kvs\": [{\"key\": \"" K_A "\", \"value\": \"" V_REC "\"}, {\"key\": \"" K_B "\"}]}", 0, "a=8,b=0", "", 0},
		{"{\"kvs\": [{\"key\": \"" K_A "\", \"value\": null}], \"more\": true}", 0, "a=0", "a", 0},
		{"{\"kvs\": [{\"key\": \"" K_A "\"}, {\"key\": \"" K_B "\"}], \"more\": true}", 1, "a=0", "", 1},
		{"{\"kvs\": {}}", -1, "\"kvs\" is object, not array", "", 0},
		{"{\"kvs\": \"x\"}", -1, "\"kvs\" is string, not array", "", 0},
		{"{\"kvs\": [null]}", -1, "entry 0 of \"kvs\" is null, not an object", "", 0},
		{"{\"kvs\": [{\"key\": null}]}", -1, "empty key", "", 0},
		{"{\"kvs\": [{}]}", -1, "empty key", "", 0},
		{"{\"kvs\": [{\"key\": 1}]}", -1, "\"key\" is int, not string", "", 0},
		{"{\"kvs\": [{\"key\": \"" K_A "\", \"value\": 1}]}", -1, "\"value\" is int, not string", "", 0},
		{"{\"kvs\": [{\"key\": \"" K_A "\", \"value\": \"%%\"}]}", -1, "\"value\" is not padded base64", "", 0},
		{"{\"kvs\": [{\"key\": \"" K_SHORT "\"}]}", -1, "outside the range", "", 0},
		{"{\"kvs\": [{\"key\": \"" K_OTHER "\"}]}", -1, "outside the range", "", 0},
		{"{\"kvs\": [{\"key\": \"" K_B "\"}, {\"key\": \"" K_A "\"}]}", -1, "out of order", "", 0},
		{"{\"kvs\": [{\"key\": \"" K_A "\"}, {\"key\": \"" K_A "\"}]}", -1, "out of order", "", 0},
		{"{\"kvs\": [{\"key\": \"" K_A "\"}, {\"key\": \"" K_B "\"}, {\"key\": \"" K_B "\"}]}", -1, "more than the 2", "", 0},
		{"{\"more\": true}", -1, "\"more\" but \"kvs\" is empty", "", 0},
		{"{\"kvs\": [], \"more\": 1}", -1, "\"more\" is int, not boolean", "", 0},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *o = reply(cases[i].body);
		struct collected c = {.stop_after = cases[i].stop_after};
		char err[SEOIB_MESSAGE_MAX] = "", *next = (char *)1;
		size_t next_len = 99;
		int rc = etcd_reply_range(o, P, strlen(P), "/seoib/v1/hosts0", 16, 2, collect, &c, &next, &next_len, err);

		if (rc != cases[i].rc || (rc >= 0 && strcmp(c.keys, cases[i].keys) != 0))
			fail_msg("%s: rc %d, keys '%s', err '%s'", cases[i].body, rc, c.keys, err);
		if (rc < 0 && !strstr(err, cases[i].keys))
			fail_msg("%s: '%s' lacks '%s'", cases[i].body, err, cases[i].keys);
		if (cases[i].next[0]) {
			/* The next page starts just past the last key: key + "\0". */
			assert_non_null(next);
			assert_int_equal(next_len, strlen(P) + strlen(cases[i].next) + 1);
			assert_string_equal(next + strlen(P), cases[i].next);
			assert_int_equal(next[next_len - 1], '\0');
		} else {
			assert_null(next);
		}
		free(next);
		json_object_put(o);
	}
}

static void test_reply_get(void **state)
{
	static const struct {
		const char *body;
		int rc;
		const char *value_or_err;
	} cases[] = {
		{"{}", 0, ""},
		{"{\"kvs\": [{\"key\": \"" K_A "\", \"value\": \"" V_REC "\"}], \"count\": \"1\"}", 1, "{\"a\": 1}"},
		{"{\"kvs\": [{\"key\": \"" K_A "\"}]}", 1, ""},
		{"{\"kvs\": [{\"key\": \"" K_B "\", \"value\": \"" V_REC "\"}]}", -1, "another key"},
		{"{\"kvs\": [{\"key\": \"" K_A "\"}, {\"key\": \"" K_B "\"}]}", -1, "more than the 1"},
		{"{\"kvs\": {}}", -1, "\"kvs\" is object"},
		{"{\"kvs\": [{\"key\": \"" K_A "\", \"value\": null}]}", 1, ""},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		json_object *o = reply(cases[i].body);
		char err[SEOIB_MESSAGE_MAX] = "", *value = NULL;
		size_t len = 99;
		int rc = etcd_reply_get(o, P "a", &value, &len, err);

		if (rc != cases[i].rc)
			fail_msg("%s: rc %d (%s)", cases[i].body, rc, err);
		if (rc == 1 && (len != strlen(cases[i].value_or_err) || strcmp(value, cases[i].value_or_err)))
			fail_msg("%s: value '%s'", cases[i].body, value);
		if (rc < 0 && !strstr(err, cases[i].value_or_err))
			fail_msg("%s: '%s' lacks '%s'", cases[i].body, err, cases[i].value_or_err);
		if (rc != 1)
			assert_null(value);
		free(value);
		json_object_put(o);
	}
}

static void test_reply_error_text(void **state)
{
	static const struct {
		const char *body, *text;
	} cases[] = {
		{"", "empty answer"},
		{"{\"error\": \"e\", \"code\": 3, \"message\": \"etcdserver: user name is empty\"}",
		 "etcdserver: user name is empty"},
		{"{\"error\": {\"grpc_code\": 5, \"message\": \"lease not found\"}}", "lease not found"},
		{"{\"error\": \"only error\"}", "only error"},
		{"404 page not found\n", "404 page not found?"},
		{"{\"message\": \"\\u001b[2J\\u009b31m\"}", "?[2J??31m"},
		{"[\"\\u001b\"]", "[\"\\u001b\"]"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char text[64];

		etcd_reply_error_text(cases[i].body, strlen(cases[i].body), text, sizeof(text));
		assert_string_equal(text, cases[i].text);
	}
}

static void test_host_key(void **state)
{
	char key[32];

	assert_int_equal(inventory_host_key("/seoib/v1/", "hv-1", key, sizeof(key)), 0);
	assert_string_equal(key, "/seoib/v1/hosts/hv-1");
	assert_int_equal(inventory_host_key("/seoib/v1/", "a-very-long-host-name-indeed", key, sizeof(key)), -1);
}

static void load(const char *name, struct host_record *rec)
{
	char path[4096], err[SEOIB_MESSAGE_MAX];

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	if (host_record_load(path, rec, err) < 0)
		fail_msg("%s", err);
}

static void test_summary_key(void **state)
{
	char key[48];

	assert_int_equal(inventory_summary_key("/seoib/v1/", "hv-1", key, sizeof(key)), 0);
	assert_string_equal(key, "/seoib/v1/summaries/hv-1");
	assert_int_equal(inventory_summary_key("/seoib/v1/", "a-very-long-host-name-indeed-longer", key, sizeof(key)), -1);
}

static char *summary_text_of(const struct host_summary *sum)
{
	json_object *o = host_summary_to_json(sum);
	char *text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));

	json_object_put(o);
	return text;
}

/* The summary the publisher derives is the fixture, field for field, and
 * the fixture reads back into the same summary. */
static void test_summary_of_fixture(void **state)
{
	struct host_record *rec = malloc(sizeof(*rec));
	struct host_summary derived, read;
	char path[4096], err[SEOIB_MESSAGE_MAX], *text, *a, *b;
	size_t len;

	load("fixed-control.json", rec);
	host_summary_from_record(rec, &derived);
	snprintf(path, sizeof(path), "%s/fixed-control.summary.json", data_dir);
	assert_int_equal(read_file_bounded(path, HOST_SUMMARY_MAX, &text, &len, err), 0);
	if (host_summary_from_string(text, len, &read, err) < 0)
		fail_msg("%s", err);
	a = summary_text_of(&derived);
	b = summary_text_of(&read);
	assert_string_equal(a, b);
	assert_string_equal(read.hostname, "hv-fixed-2");
	assert_int_equal(read.states, STATE_ALL);
	free(a);
	free(b);
	free(text);
	free(rec);
}

/* A summary is a peer's: each of these is refused with a sentence. */
/* A summary says what its record says, or names the first field that
 * differs, what decides first. */
static void test_summary_match(void **state)
{
	struct host_record *rec = malloc(sizeof(*rec));
	struct host_summary of_record, sum;
	char why[SEOIB_MESSAGE_MAX];

	load("fixed-control.json", rec);
	host_summary_from_record(rec, &of_record);
	sum = of_record;
	assert_int_equal(host_summary_match(&sum, &of_record, why), 0);
	load("legacy.json", rec);
	host_summary_from_record(rec, &of_record);
	snprintf(of_record.hostname, sizeof(of_record.hostname), "%s", sum.hostname);
	assert_int_equal(host_summary_match(&sum, &of_record, why), -1);
	assert_string_equal(why, "it says generation fixed where its record says legacy");
	of_record = sum;
	of_record.probe_time--;
	assert_int_equal(host_summary_match(&sum, &of_record, why), -1);
	assert_non_null(strstr(why, "probe_time"));
	of_record = sum;
	of_record.state_proof[STATE_RESPECTED] = PROOF_UNVERIFIED;
	assert_int_equal(host_summary_match(&sum, &of_record, why), -1);
	assert_non_null(strstr(why, "proof.respected"));
	free(rec);
}

static void test_summary_hostile(void **state)
{
	static const struct {
		const char *edit; /* jq-like: a replacement of one field */
		const char *from, *to;
		const char *expect;
	} cases[] = {
		{"schema", "\"seoib.host-summary/1\"", "\"seoib.host-summary/2\"", "is not seoib.host-summary/1"},
		{"hostname", "\"hv-fixed-2\"", "\"\"", "not a host name Linux accepts"},
		{"hostname type", "\"hv-fixed-2\"", "7", "not a string"},
		{"probe_time", "1795424400", "\"1795424400\"", "not an integer"},
		{"status", "\"ok\"", "\"fine\"", "not a known word"},
		{"generation", "\"fixed\"", "\"future\"", "not a known word"},
		{"states", "\"quirked\",", "\"quirked\", \"quirked\",", "names a state twice"},
		{"states word", "\"quirked\",", "\"bogus\",", "unknown state"},
		{"behaviour", "\"behaviour\": \"verified\"", "\"behaviour\": 1", "not a string"},
		{"proof", "\"respected\": \"verified\"", "\"respected\": \"sure\"", "not a known word"},
		{"proof missing", "\"respected\": \"verified\",", "", "is missing"},
		{"vmm_control", "\"vmm_control\": true", "\"vmm_control\": \"yes\"", "not true or false"},
		/* Well-formed but refused by its own facts (host_runnable_states()):
		 * a listing must never show a state the record behind it refuses. */
		{"states of a failed probe", "\"status\": \"ok\"", "\"status\": \"error\"", "its status is error"},
		{"contradicted state listed", "\"respected\": \"verified\"", "\"respected\": \"contradicted\"",
		 "contradicted"},
		{"flags without a VMM control", "\"vmm_control\": true", "\"vmm_control\": false", "no VMM control"},
		/* The record's own rule, generation included (issue 20): a kernel
		 * of generation none or legacy runs every guest quirked. */
		{"respected on generation none", "\"generation\": \"fixed\"", "\"generation\": \"none\"",
		 "its generation is none"},
		{"respected on a legacy kernel", "\"generation\": \"fixed\"", "\"generation\": \"legacy\"",
		 "its generation is legacy"},
		{"any state on generation unknown", "\"generation\": \"fixed\"", "\"generation\": \"unknown\"",
		 "lists quirked in states, but its generation is unknown"},
	};
	char path[4096], err[SEOIB_MESSAGE_MAX], *text;
	struct host_summary sum;
	size_t len;

	snprintf(path, sizeof(path), "%s/fixed-control.summary.json", data_dir);
	assert_int_equal(read_file_bounded(path, HOST_SUMMARY_MAX, &text, &len, err), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char edited[HOST_SUMMARY_MAX * 2];
		const char *at = strstr(text, cases[i].from);

		assert_non_null(at);
		snprintf(edited, sizeof(edited), "%.*s%s%s", (int)(at - text), text, cases[i].to, at + strlen(cases[i].from));
		err[0] = '\0';
		if (host_summary_from_string(edited, strlen(edited), &sum, err) == 0)
			fail_msg("case %s: accepted", cases[i].edit);
		assert_true(strlen(err) > 20);
		if (cases[i].expect && !strstr(err, cases[i].expect))
			fail_msg("case %s: '%s' lacks '%s'", cases[i].edit, err, cases[i].expect);
	}
	/* Not an object, not JSON, and over the bound. */
	assert_int_equal(host_summary_from_string("[]", 2, &sum, err), -1);
	assert_non_null(strstr(err, "not an object"));
	assert_int_equal(host_summary_from_string("{", 1, &sum, err), -1);
	{
		char *big = malloc(HOST_SUMMARY_MAX + 2);
		memset(big, ' ', HOST_SUMMARY_MAX + 1);
		big[HOST_SUMMARY_MAX + 1] = '\0';
		assert_int_equal(host_summary_from_string(big, HOST_SUMMARY_MAX + 1, &sum, err), -1);
		assert_non_null(strstr(err, "more than the 4096"));
		free(big);
	}
	free(text);
}

/* One transaction, two puts on the lease: the record as given, its summary. */
static void test_publish_ops(void **state)
{
	char path[4096], err[SEOIB_MESSAGE_MAX], *record;
	size_t len, value_len;
	json_object *ops, *put, *v;
	struct host_summary sum;

	snprintf(path, sizeof(path), "%s/fixed-control.json", data_dir);
	assert_int_equal(read_file_bounded(path, 1 << 20, &record, &len, err), 0);
	ops = inventory_publish_ops("/seoib/v1/", "hv-fixed-2", record, 7587, err);
	assert_non_null(ops);
	assert_int_equal(json_object_array_length(ops), 2);
	for (int i = 0; i < 2; i++) {
		char *key, *value;

		assert_true(json_object_object_get_ex(json_object_array_get_idx(ops, i), "request_put", &put));
		assert_true(json_object_object_get_ex(put, "lease", &v));
		assert_int_equal(json_object_get_int64(v), 7587);
		json_object_object_get_ex(put, "key", &v);
		key = base64_decode(json_object_get_string(v), &value_len);
		json_object_object_get_ex(put, "value", &v);
		value = base64_decode(json_object_get_string(v), &value_len);
		assert_string_equal(key, i ? "/seoib/v1/summaries/hv-fixed-2" : "/seoib/v1/hosts/hv-fixed-2");
		if (i == 0)
			assert_string_equal(value, record);
		else if (host_summary_from_string(value, value_len, &sum, err) < 0)
			fail_msg("%s", err);
		free(key);
		free(value);
	}
	json_object_put(ops);
	/* A record that does not read back is never published. */
	assert_null(inventory_publish_ops("/seoib/v1/", "hv-fixed-2", "{}", 0, err));
	assert_non_null(strstr(err, "does not read back"));
	free(record);
}

static void test_exports_legacy(void **state)
{
	struct host_record *rec = malloc(sizeof(*rec));
	char *nfd, *prom;

	load("legacy.json", rec);
	nfd = exports_nfd_text(rec);
	prom = exports_prometheus_text(rec, &(struct exports_probe_run){.status = "timeout", .time = rec->probe_time + 42});
	assert_non_null(strstr(nfd, "seoib.org/generation=legacy\n"));
	assert_non_null(strstr(nfd, "seoib.org/state.quirked=true\n"));
	assert_non_null(strstr(nfd, "seoib.org/state.respected=false\n"));
	assert_non_null(strstr(nfd, "seoib.org/vmm-control=false\n"));
	assert_non_null(strstr(prom, "seoib_host_supports{state=\"respected\"} 0\n"));
	assert_non_null(strstr(prom, "seoib_probe_status{status=\"ok\"} 1\n"));
	assert_non_null(strstr(prom, "seoib_probe_status{status=\"kvm-unavailable\"} 0\n"));
	assert_non_null(strstr(prom, "seoib_kernel_generation{generation=\"legacy\"} 1\n"));
	assert_non_null(strstr(prom, "seoib_last_probe_status{status=\"timeout\"} 1\n"));
	assert_non_null(strstr(prom, "seoib_last_probe_status{status=\"ok\"} 0\n"));
	assert_null(strstr(prom, "seoib_record_age_seconds"));
	free(nfd);
	free(prom);
	free(rec);
}

static void test_exports_unavailable(void **state)
{
	struct host_record *rec = malloc(sizeof(*rec));
	char *nfd, *prom;

	load("kvm-unavailable.json", rec);
	nfd = exports_nfd_text(rec);
	prom = exports_prometheus_text(rec, NULL);
	assert_non_null(strstr(nfd, "seoib.org/status=kvm-unavailable\n"));
	assert_non_null(strstr(nfd, "seoib.org/state.quirked=false\n"));
	assert_non_null(strstr(prom, "seoib_host_supports{state=\"quirked\"} 0\n"));
	assert_non_null(strstr(prom, "seoib_probe_status{status=\"ok\"} 0\n"));
	assert_non_null(strstr(prom, "seoib_behaviour_proof{state=\"respected\",proof=\"not-run\"} 1\n"));
	assert_null(strstr(prom, "seoib_last_probe_status"));
	free(nfd);
	free(prom);
	free(rec);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_binary_round_trip),
		cmocka_unit_test(test_base64_rejects_garbage),
		cmocka_unit_test(test_base64_ignores_white_space),
		cmocka_unit_test(test_reply_parse_needs_an_object),
		cmocka_unit_test(test_reply_int64),
		cmocka_unit_test(test_reply_leases),
		cmocka_unit_test(test_reply_token),
		cmocka_unit_test(test_reply_range),
		cmocka_unit_test(test_reply_get),
		cmocka_unit_test(test_reply_error_text),
		cmocka_unit_test(test_host_key),
		cmocka_unit_test(test_summary_key),
		cmocka_unit_test(test_summary_of_fixture),
		cmocka_unit_test(test_summary_hostile),
		cmocka_unit_test(test_summary_match),
		cmocka_unit_test(test_publish_ops),
		cmocka_unit_test(test_exports_legacy),
		cmocka_unit_test(test_exports_unavailable),
	};

	data_dir = argc > 1 ? argv[1] : "tests/record/data";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
