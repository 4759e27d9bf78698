/* Host record round trips and hostile inputs (cmocka). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/fileio.h"
#include "seoib/host_record.h"
#include "seoib/json_util.h"
#include "seoib/record_file.h"

static const char *data_dir;

static char *fixture_text(const char *name, size_t *len)
{
	char path[4096], err[SEOIB_MESSAGE_MAX];
	char *text = NULL;

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	if (read_file_bounded(path, HOST_RECORD_MAX_BYTES, &text, len, err) < 0)
		fail_msg("%s: %s", path, err);
	return text;
}

static const char *to_string(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
}

/* Fixture → struct → JSON must equal the fixture, and stay stable. */
static void round_trip(void **state)
{
	const char *name = *state;
	size_t len;
	_cleanup_free_ char *text = fixture_text(name, &len);
	_cleanup_json_ json_object *fixture = json_tokener_parse(text);
	_cleanup_json_ json_object *again = NULL, *third = NULL;
	struct host_record *rec = calloc(1, sizeof(*rec)), *rec2 = calloc(1, sizeof(*rec2));
	char err[SEOIB_MESSAGE_MAX];

	assert_non_null(fixture);
	if (host_record_from_string(text, len, rec, err) < 0)
		fail_msg("%s: %s", name, err);
	again = host_record_to_json(rec);
	if (!json_object_equal(fixture, again))
		fail_msg("%s changed in a round trip:\n%s\n---\n%s", name, to_string(fixture), to_string(again));
	assert_int_equal(host_record_from_json(again, rec2, err), 0);
	third = host_record_to_json(rec2);
	assert_string_equal(to_string(again), to_string(third));
	free(rec);
	free(rec2);
}

/* Parse the fixed fixture after applying a jq-like edit in C. */
static int parse_edited(void (*edit)(json_object *root), char err[SEOIB_MESSAGE_MAX])
{
	size_t len;
	_cleanup_free_ char *text = fixture_text("fixed-stock-qemu.json", &len);
	_cleanup_json_ json_object *root = json_tokener_parse(text);
	struct host_record *rec = calloc(1, sizeof(*rec));
	int r;

	edit(root);
	r = host_record_from_json(root, rec, err);
	free(rec);
	return r;
}

static json_object *at(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	assert_non_null(v);
	return v;
}

static void edit_schema(json_object *r) { json_add(r, "schema", json_object_new_string("seoib.host/2")); }
static void edit_no_status(json_object *r) { json_object_object_del(r, "status"); }
static void edit_status_type(json_object *r) { json_add(r, "status", json_object_new_int(1)); }
static void edit_status_value(json_object *r) { json_add(r, "status", json_object_new_string("great")); }
static void edit_hostname_long(json_object *r)
{
	json_add(at(r, "host"), "hostname",
		 json_object_new_string("h2345678901234567890123456789012345678901234567890123456789012345"));
}
static void edit_hostname_empty(json_object *r) { json_add(at(r, "host"), "hostname", json_object_new_string("")); }
static void edit_hostname_escape(json_object *r)
{
	json_add(at(r, "host"), "hostname", json_object_new_string("h\x1b[2Jx"));
}
static void edit_lvr_type(json_object *r)
{
	json_add(at(at(at(r, "kvm"), "lvr"), "split"), "legacy", json_object_new_string("0x1050014"));
}
static void edit_enable_value(json_object *r)
{
	json_add(at(at(at(r, "kvm"), "enable_cap"), "split"), "enable", json_object_new_string("maybe"));
}
static void edit_state_unknown(json_object *r)
{
	json_object_array_add(at(at(r, "verdict"), "states"), json_object_new_string("fast"));
}
static void edit_state_twice(json_object *r)
{
	json_object_array_add(at(at(r, "verdict"), "states"), json_object_new_string("quirked"));
}
static void edit_generation(json_object *r) { json_add(at(r, "verdict"), "generation", json_object_new_string("8.0")); }
static void edit_no_vmm(json_object *r) { json_object_object_del(r, "vmm"); }
static void edit_vmm_contradiction(json_object *r)
{
	json_add(at(r, "vmm"), "can_set_state", json_object_new_boolean(1));
}
/* Stock QEMU: kernel_states has all three, states only quirked. */
static void edit_states_beyond_vmm(json_object *r)
{
	json_object_array_add(at(at(r, "verdict"), "states"), json_object_new_string("respected"));
}
static void edit_states_beyond_kernel(json_object *r)
{
	json_object *k = json_object_new_array();

	json_object_array_add(k, json_object_new_string("not-advertised"));
	json_add(at(r, "verdict"), "kernel_states", k);
}
/* A kernel of generation none runs every guest quirked (issue 20). */
static void edit_kernel_beyond_generation(json_object *r)
{
	json_add(at(r, "verdict"), "generation", json_object_new_string("none"));
}
static void edit_time_negative(json_object *r)
{
	json_add(at(r, "probe"), "time_unix", json_object_new_int64(INT64_MIN));
}
static void edit_vmm_model(json_object *r) { json_add(at(r, "vmm"), "model", json_object_new_string("magic")); }
static void edit_vmm_no_property(json_object *r) { json_add(at(r, "vmm"), "model", json_object_new_string("property")); }
static void edit_vmm_location(json_object *r)
{
	json_object *p = json_object_new_object();

	json_add(p, "qom_type", json_object_new_string("kvm-accel"));
	json_add(p, "name", json_object_new_string("seoib-policy"));
	json_add(p, "location", json_object_new_string("device"));
	json_add(at(r, "vmm"), "model", json_object_new_string("property"));
	json_add(at(r, "vmm"), "property", p);
}
static void edit_machine_types_type(json_object *r)
{
	json_add(at(r, "vmm"), "machine_types", json_object_new_string("pc-q35-7.2"));
}
static void edit_machine_types_name(json_object *r)
{
	json_object *types = json_object_new_array();

	json_object_array_add(types, json_object_new_string("pc-q35-7.2,kernel-irqchip=split"));
	json_add(at(r, "vmm"), "machine_types", types);
}
static void edit_machine_types_entry(json_object *r)
{
	json_object *types = json_object_new_array();

	json_object_array_add(types, json_object_new_int(7));
	json_add(at(r, "vmm"), "machine_types", types);
}
static void edit_machine_types_many(json_object *r)
{
	json_object *types = json_object_new_array();
	char name[32];

	for (int i = 0; i < 193; i++) {
		snprintf(name, sizeof(name), "pc-q35-%d.0", i);
		json_object_array_add(types, json_object_new_string(name));
	}
	json_add(at(r, "vmm"), "machine_types", types);
}
static void edit_machine_types_empty(json_object *r) { json_add(at(r, "vmm"), "machine_types", json_object_new_array()); }
static void edit_machine_types_null(json_object *r) { json_add(at(r, "vmm"), "machine_types", NULL); }
static void edit_extra_field(json_object *r) { json_add(r, "future_section", json_object_new_object()); }
static void edit_tristate_type(json_object *r)
{
	json_add(at(r, "behaviour"), "respected_verified", json_object_new_string("yes"));
}

struct bad_case {
	void (*edit)(json_object *);
	const char *expect; /* a piece of the sentence */
};

static void rejects(void **state)
{
	static const struct bad_case cases[] = {
		{edit_schema, "seoib.host/2"},
		{edit_no_status, "\"status\" is missing"},
		{edit_status_type, "\"status\" is not a string"},
		{edit_status_value, "\"status\" is not ok"},
		{edit_hostname_long, "host.hostname\" is not a host name Linux accepts"},
		{edit_hostname_empty, "not a host name Linux accepts"},
		{edit_hostname_escape, "control characters"},
		{edit_lvr_type, "kvm.lvr.split.legacy\" is not an object"},
		{edit_enable_value, "kvm.enable_cap.split.enable\" is neither"},
		{edit_state_unknown, "unknown state"},
		{edit_state_twice, "a state twice"},
		{edit_generation, "not a known kernel generation"},
		{edit_no_vmm, "\"vmm\" is missing"},
		{edit_vmm_contradiction, "contradicts"},
		{edit_tristate_type, "behaviour.respected_verified\" is not true, false or null"},
		{edit_states_beyond_vmm, "lists respected in verdict.states, but its VMM sets no flag (model none, or no QEMU found)"},
		{edit_states_beyond_kernel, "lists quirked in verdict.states, but its verdict.kernel_states lack it"},
		{edit_kernel_beyond_generation, "lists respected in verdict.kernel_states, but its generation is none"},
		{edit_time_negative, "probe.time_unix\" is before 1970"},
		{edit_vmm_model, "vmm.model\" is not none, automatic or property"},
		{edit_vmm_no_property, "vmm.property\" is missing"},
		{edit_vmm_location, "vmm.property.location\" is not accelerator, machine or cpu"},
		{edit_machine_types_type, "vmm.machine_types\" is not an array"},
		{edit_machine_types_name, "vmm.machine_types\" holds a name that is not a QEMU machine type"},
		{edit_machine_types_entry, "machine_types"},
		{edit_machine_types_many, "more than 192 entries"},
		{edit_machine_types_empty, "has no entry"},
	};
	char err[SEOIB_MESSAGE_MAX];

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		err[0] = '\0';
		assert_int_equal(parse_edited(cases[i].edit, err), -1);
		if (!strstr(err, cases[i].expect))
			fail_msg("case %zu: expected \"%s\" in \"%s\"", i, cases[i].expect, err);
	}
	assert_int_equal(parse_edited(edit_extra_field, err), 0);
	/* Older writers leave vmm.machine_types out: not known, not an error. */
	assert_int_equal(parse_edited(edit_machine_types_null, err), 0);
}

static const char *edited_hostname;
static void edit_hostname_to(json_object *r)
{
	json_add(at(r, "host"), "hostname", json_object_new_string(edited_hostname));
}

/* Every name Linux accepts is read as the host wrote it: '_' (fleets use
 * it), "(none)" (not set yet), 64 bytes, even shell or ssh syntax; those
 * never reach ssh from a record (tests/libvirt/hostile.sh checks --dest). */
static void accepts_linux_host_names(void **state)
{
	static const char *const names[] = {
		"hv_01", "(none)", "a;b", "-oProxyCommand=x", "UPPER.lower", "h\xc3\xa9te",
		"h234567890123456789012345678901234567890123456789012345678901234",
	};
	char err[SEOIB_MESSAGE_MAX];

	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		edited_hostname = names[i];
		if (parse_edited(edit_hostname_to, err) != 0)
			fail_msg("host name '%s' refused: %s", names[i], err);
	}
	edited_hostname = "h\x1b[2J";
	assert_int_equal(parse_edited(edit_hostname_to, err), -1);
}

/* A record written before the VMM model existed is read as its writer
 * meant it: a control found is a property, none found is stock QEMU. */
static void model_of_older_records(void **state)
{
	static const char *const names[] = {"fixed-control.json", "fixed-stock-qemu.json"};
	struct host_record *rec = calloc(1, sizeof(*rec));
	char err[SEOIB_MESSAGE_MAX];

	for (size_t i = 0; i < ELEMENTSOF(names); i++) {
		size_t len;
		_cleanup_free_ char *text = fixture_text(names[i], &len);
		_cleanup_json_ json_object *root = json_tokener_parse(text);

		json_object_object_del(at(root, "vmm"), "model");
		json_object_object_del(at(root, "vmm"), "model_configured");
		json_object_object_del(at(root, "vmm"), "property");
		if (host_record_from_json(root, rec, err) < 0)
			fail_msg("%s without vmm.model: %s", names[i], err);
		if (i == 0) {
			assert_int_equal(rec->vmm.model, VMM_MODEL_PROPERTY);
			assert_string_equal(rec->vmm.property.qom_type, "kvm-accel");
			assert_int_equal(rec->vmm.property.location, VMM_LOCATION_ACCEL);
			assert_false(vmm_property_settable_from_xml(&rec->vmm.property));
		} else {
			assert_int_equal(rec->vmm.model, VMM_MODEL_NONE);
			assert_false(vmm_sets_flags(&rec->vmm));
		}
	}
	free(rec);
}

static void rejects_bad_text(void **state)
{
	size_t len;
	_cleanup_free_ char *text = fixture_text("fixed-stock-qemu.json", &len);
	struct host_record *rec = calloc(1, sizeof(*rec));
	char err[SEOIB_MESSAGE_MAX];
	_cleanup_free_ char *doubled = NULL;

	/* Every truncation of a valid record is refused, never half-read. */
	for (size_t cut = 0; cut < len - 2; cut += 7)
		if (host_record_from_string(text, cut, rec, err) == 0)
			fail_msg("a record cut at %zu of %zu bytes was accepted", cut, len);
	assert_non_null(strstr(err, "truncated") ? err : strstr(err, "invalid JSON"));

	assert_true(asprintf(&doubled, "%s%s", text, text) > 0);
	assert_int_equal(host_record_from_string(doubled, strlen(doubled), rec, err), -1);
	assert_non_null(strstr(err, "after the JSON document"));

	assert_int_equal(host_record_from_string("[1,2]", 5, rec, err), -1);
	assert_non_null(strstr(err, "not a JSON object"));
	free(rec);
}

/* The record file seoibd writes: the record plus "last_probe", which comes
 * back apart from the record; the record's own checks still apply. */
static void record_file_envelope(void **state)
{
	size_t len;
	_cleanup_free_ char *text = fixture_text("fixed-stock-qemu.json", &len);
	_cleanup_free_ struct host_record *rec = calloc(1, sizeof(*rec));
	_cleanup_json_ json_object *record = NULL, *back = NULL, *last = NULL;
	_cleanup_free_ char *file = NULL;
	json_object *status = NULL;
	char err[SEOIB_MESSAGE_MAX];

	assert_int_equal(json_parse_text(text, len, &record, err), 0);
	last = json_object_new_object();
	json_add(last, "status", json_object_new_string("timeout"));
	file = record_file_format(record, json_object_get(last));
	assert_non_null(file);
	json_object_put(steal_ptr(last));
	assert_int_equal(record_file_parse(file, strlen(file), rec, &back, &last, err), 0);
	assert_non_null(last);
	assert_true(json_object_object_get_ex(last, "status", &status));
	assert_string_equal(json_object_get_string(status), "timeout");
	assert_false(json_object_object_get_ex(back, RECORD_FILE_LAST_PROBE, NULL));

	assert_int_equal(record_file_parse("[1,2]", 5, rec, NULL, NULL, err), -1);
	assert_string_equal(err, "it is not a JSON object");
	json_add(record, "schema", json_object_new_string("seoib.host/2"));
	free(file);
	file = record_file_format(record, NULL);
	assert_null(strstr(file, RECORD_FILE_LAST_PROBE));
	assert_int_equal(record_file_parse(file, strlen(file), rec, NULL, NULL, err), -1);
	assert_non_null(strstr(err, "seoib.host/2"));
	assert_int_equal(record_file_read("/nonexistent/host.json", rec, NULL, NULL, err), -1);
	assert_non_null(strstr(err, "cannot be opened"));
}

static void load_names_file(void **state)
{
	struct host_record *rec = calloc(1, sizeof(*rec));
	char err[SEOIB_MESSAGE_MAX];

	assert_int_equal(host_record_load("/nonexistent/host.json", rec, err), -1);
	assert_non_null(strstr(err, "/nonexistent/host.json: cannot be opened"));
	free(rec);
}

/* max-record-age: a record from the future, beyond the clock skew, is
 * stale even with no age limit; ages that overflow saturate, never wrap. */
static void age_check(void **state)
{
	struct host_record rec = {.probe_time = 1000000};
	char why[SEOIB_MESSAGE_MAX];
	int64_t age;

	assert_true(host_record_age_check(&rec, 1000000 + 600, 600, &age, why));
	assert_int_equal(age, 600);
	assert_false(host_record_age_check(&rec, 1000000 + 601, 600, &age, why));
	assert_string_equal(why, "is 601 s old, older than max-record-age = 600 s");
	assert_true(host_record_age_check(&rec, 1000000 + 601, 0, &age, why));
	/* Within the skew: another host's clock a little ahead is fine. */
	assert_true(host_record_age_check(&rec, 1000000 - HOST_RECORD_CLOCK_SKEW_S, 600, &age, why));
	assert_int_equal(age, -HOST_RECORD_CLOCK_SKEW_S);
	/* The instance: ten years ahead read as age -315359987 s. */
	rec.probe_time = 1795424400 + 315359987LL;
	assert_false(host_record_age_check(&rec, 1795424400, 600, &age, why));
	assert_string_equal(why, "is dated 315359987 s in the future, more than the 300 s of clock skew allowed; "
				 "check the clocks (NTP) of both hosts");
	assert_false(host_record_age_check(&rec, 1795424400, 0, &age, why));
	/* Overflow both ways (UBSan used to flag now - INT64_MIN). */
	rec.probe_time = INT64_MIN;
	assert_int_equal(host_record_age(&rec, 1795424400), INT64_MAX);
	assert_false(host_record_age_check(&rec, 1795424400, 600, &age, why));
	rec.probe_time = INT64_MAX;
	assert_int_equal(host_record_age(&rec, -10), INT64_MIN);
	assert_false(host_record_age_check(&rec, -10, 0, &age, why));
	assert_string_equal(why, "is dated 9223372036854775808 s in the future, more than the 300 s of clock skew "
				 "allowed; check the clocks (NTP) of both hosts");
}

int main(int argc, char **argv)
{
	static const char *names[] = {"fixed-stock-qemu.json", "fixed-control.json", "legacy.json",
				      "kvm-unavailable.json", "fixed-machine-types.json"};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_prestate(round_trip, (void *)names[0]),
		cmocka_unit_test_prestate(round_trip, (void *)names[1]),
		cmocka_unit_test_prestate(round_trip, (void *)names[2]),
		cmocka_unit_test_prestate(round_trip, (void *)names[3]),
		cmocka_unit_test_prestate(round_trip, (void *)names[4]),
		cmocka_unit_test(rejects),
		cmocka_unit_test(accepts_linux_host_names),
		cmocka_unit_test(rejects_bad_text),
		cmocka_unit_test(model_of_older_records),
		cmocka_unit_test(record_file_envelope),
		cmocka_unit_test(load_names_file),
		cmocka_unit_test(age_check),
	};

	data_dir = argc > 1 ? argv[1] : "tests/record/data";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
