/* The listing summary of a host record (host_summary.h): one owner of its
 * format, both directions. */
#include <stdio.h>
#include <string.h>

#include "seoib/host_can_run.h"
#include "seoib/host_summary.h"
#include "seoib/json_util.h"
#include "seoib/states_json.h"
#include "seoib/kvm_claims.h"
#include "seoib/sentence.h"
#include "seoib/vmm.h"

void host_summary_from_record(const struct host_record *rec, struct host_summary *sum)
{
	char why[SEOIB_MESSAGE_MAX];

	memset(sum, 0, sizeof(*sum));
	snprintf(sum->hostname, sizeof(sum->hostname), "%s", rec->host.hostname);
	snprintf(sum->kernel_release, sizeof(sum->kernel_release), "%s", rec->host.kernel_release);
	sum->probe_time = rec->probe_time;
	sum->status = rec->status;
	sum->generation = rec->claims.generation;
	/* The same answer as policy and the hook: a state the host's guests
	 * contradicted is not counted, whatever the record lists. */
	sum->states = host_can_run_states(rec);
	for (int s = 0; s < STATE_COUNT; s++)
		sum->state_proof[s] = host_state_proof(rec, (enum seoib_state)s, why);
	sum->proof = host_behaviour_proof(rec);
	sum->vmm_control = vmm_sets_flags(&rec->vmm); /* any model but none */
}

/* The states as "quirked,respected" ("none" when empty). */
static const char *states_words(unsigned states, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int s = 0; s < STATE_COUNT; s++)
		if (states & STATE_BIT(s))
			used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s", used ? "," : "",
						 state_to_string((enum seoib_state)s));
	return buf[0] ? buf : "none";
}

/* "FIELD A where its record says B", for the first field that differs. */
static bool differs(const char *field, const char *said, const char *record, char why[SEOIB_MESSAGE_MAX])
{
	if (strcmp(said, record) == 0)
		return false;
	sentence_format(why, SEOIB_MESSAGE_MAX, "it says %s %s where its record says %s", field, said, record);
	return true;
}

int host_summary_match(const struct host_summary *sum, const struct host_summary *of_record,
		       char why[SEOIB_MESSAGE_MAX])
{
	char a[96], b[96];

	/* What decides first, so the sentence names what matters. */
	if (differs("hostname", sum->hostname, of_record->hostname, why) ||
	    differs("status", probe_status_to_string(sum->status), probe_status_to_string(of_record->status), why) ||
	    differs("generation", generation_to_string(sum->generation), generation_to_string(of_record->generation),
		    why) ||
	    differs("states", states_words(sum->states, a, sizeof(a)), states_words(of_record->states, b, sizeof(b)),
		    why) ||
	    differs("vmm_control", sum->vmm_control ? "true" : "false", of_record->vmm_control ? "true" : "false", why) ||
	    differs("behaviour", proof_to_string(sum->proof), proof_to_string(of_record->proof), why))
		return -1;
	for (int s = 0; s < STATE_COUNT; s++) {
		snprintf(a, sizeof(a), "proof.%s", state_to_string((enum seoib_state)s));
		if (differs(a, proof_to_string(sum->state_proof[s]), proof_to_string(of_record->state_proof[s]), why))
			return -1;
	}
	snprintf(a, sizeof(a), "%lld", (long long)sum->probe_time);
	snprintf(b, sizeof(b), "%lld", (long long)of_record->probe_time);
	if (differs("probe_time", a, b, why) ||
	    differs("kernel_release", sum->kernel_release, of_record->kernel_release, why))
		return -1;
	return 0;
}

json_object *host_summary_to_json(const struct host_summary *sum)
{
	json_object *o = json_object_new_object(), *proofs = json_object_new_object();

	for (int s = 0; s < STATE_COUNT; s++)
		json_add(proofs, state_to_string((enum seoib_state)s),
			 json_object_new_string(proof_to_string(sum->state_proof[s])));
	json_add(o, "schema", json_object_new_string(HOST_SUMMARY_SCHEMA));
	json_add(o, "hostname", json_object_new_string(sum->hostname));
	json_add(o, "kernel_release", json_object_new_string(sum->kernel_release));
	json_add(o, "probe_time", json_object_new_int64(sum->probe_time));
	json_add(o, "status", json_object_new_string(probe_status_to_string(sum->status)));
	json_add(o, "generation", json_object_new_string(generation_to_string(sum->generation)));
	json_add(o, "states", states_to_json(sum->states));
	json_add(o, "behaviour", json_object_new_string(proof_to_string(sum->proof)));
	json_add(o, "proof", proofs);
	json_add(o, "vmm_control", json_object_new_boolean(sum->vmm_control));
	return o;
}

/* A string member from a fixed vocabulary: its index, or -1 with r's sentence. */
static int read_word(struct json_reader *r, json_object *o, const char *key, int (*from_string)(const char *),
		     int *out)
{
	char word[64];

	if (json_read_string(r, o, key, word, sizeof(word)) < 0)
		return -1;
	*out = from_string(word);
	if (*out < 0)
		return json_reader_fail(r, key, "is not a known word");
	return 0;
}

static int read_proofs(struct json_reader *r, json_object *o, struct host_summary *sum)
{
	json_object *proofs;
	int v;

	if (json_read_object(r, o, "proof", &proofs) < 0)
		return -1;
	json_reader_push(r, "proof");
	for (int s = 0; s < STATE_COUNT; s++) {
		if (read_word(r, proofs, state_to_string((enum seoib_state)s), proof_from_string, &v) < 0)
			return -1;
		sum->state_proof[s] = (enum proof)v;
	}
	json_reader_pop(r);
	return 0;
}

/* The summary's states, checked against its own facts by the record's own
 * rule (host_backed_states(): status, generation, VMM control) and
 * host_can_run()'s (a contradicted state is not run), as host_record.c
 * checks a record's: a summary claiming more contradicts itself, and a
 * listing would show a state the record behind it refuses. */
static int check_summary_states(const struct host_summary *sum, char err[SEOIB_MESSAGE_MAX])
{
	unsigned backed = host_backed_states(sum->status, sum->generation, kvm_generation_states(sum->generation),
					     sum->vmm_control);
	char why[SEOIB_MESSAGE_MAX];

	for (int s = 0; s < STATE_COUNT; s++) {
		if (!(sum->states & STATE_BIT(s)))
			continue;
		if (sum->status != PROBE_OK)
			sentence_format(why, sizeof(why), "its status is %s", probe_status_to_string(sum->status));
		else if (!(kvm_generation_states(sum->generation) & STATE_BIT(s)))
			sentence_format(why, sizeof(why), "its generation is %s, whose kernels cannot run it",
					generation_to_string(sum->generation));
		else if (sum->state_proof[s] == PROOF_CONTRADICTED)
			sentence_format(why, sizeof(why), "its proof of that state is contradicted");
		else if (!(backed & STATE_BIT(s)))
			sentence_format(why, sizeof(why), "it has no VMM control to set the flag");
		else
			continue;
		sentence_format(err, SEOIB_MESSAGE_MAX, "the host summary of %s lists %s in states, but %s; the "
				"summary contradicts itself, re-publish it from the host's record", sum->hostname,
				state_to_string((enum seoib_state)s), why);
		return -1;
	}
	return 0;
}

static int summary_from_json(struct json_reader *r, json_object *o, struct host_summary *sum)
{
	char schema[64];
	int status, generation, proof;

	if (!json_object_is_type(o, json_type_object)) {
		sentence_format(r->err, SEOIB_MESSAGE_MAX, "the host summary is a JSON %s, not an object",
				json_type_to_name(json_object_get_type(o)));
		return -1;
	}
	if (json_read_string(r, o, "schema", schema, sizeof(schema)) < 0)
		return -1;
	if (strcmp(schema, HOST_SUMMARY_SCHEMA) != 0)
		return json_reader_fail(r, "schema", "is not " HOST_SUMMARY_SCHEMA);
	if (json_read_hostname(r, o, "hostname", sum->hostname, sizeof(sum->hostname)) < 0 ||
	    json_read_string(r, o, "kernel_release", sum->kernel_release, sizeof(sum->kernel_release)) < 0 ||
	    json_read_int64(r, o, "probe_time", &sum->probe_time) < 0 ||
	    read_word(r, o, "status", probe_status_from_string, &status) < 0 ||
	    read_word(r, o, "generation", generation_from_string, &generation) < 0 ||
	    json_read_states(r, o, "states", &sum->states) < 0 ||
	    read_word(r, o, "behaviour", proof_from_string, &proof) < 0 || read_proofs(r, o, sum) < 0 ||
	    json_read_bool(r, o, "vmm_control", &sum->vmm_control) < 0)
		return -1;
	sum->status = (enum probe_status)status;
	sum->generation = (enum kernel_generation)generation;
	sum->proof = (enum proof)proof;
	return check_summary_states(sum, r->err);
}

int host_summary_from_string(const char *text, size_t len, struct host_summary *sum, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *o = NULL;
	struct json_reader r = {.err = err};

	memset(sum, 0, sizeof(*sum));
	if (len > HOST_SUMMARY_MAX) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the host summary is %zu bytes, more than the %d a summary can be",
				len, HOST_SUMMARY_MAX);
		return -1;
	}
	if (json_parse_text(text, len, &o, err) < 0)
		return -1;
	return summary_from_json(&r, o, sum);
}
