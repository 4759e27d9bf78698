/* A host's listing summary: the few fields one line of `seoibctl fleet`
 * shows, derived from its host record by the publisher and stored beside
 * it (docs/fleet.md "What a listing reads"), so that a listing of 10,000
 * hosts reads ~300 bytes a host instead of the whole record. Decisions
 * (check --dest, fleet --domain) never read a summary: they read records.
 *
 * JSON "seoib.host-summary/1":
 *   {"schema": ..., "hostname": "hv1", "kernel_release": "6.8.0",
 *    "probe_time": 1795424400, "status": "ok", "generation": "fixed",
 *    "states": ["quirked", ...], "behaviour": "verified",
 *    "proof": {"quirked": "verified", ...}, "vmm_control": true}
 * A summary is a peer's, so hostile: host_summary_from_string() bounds it
 * (HOST_SUMMARY_MAX bytes), checks every field's type and vocabulary, and
 * the reader checks its hostname against the key and its age with
 * host_probe_time_age_check(), as for a record. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "seoib/behaviour.h"
#include "seoib/host_record.h"
#include "seoib/kvm_probe.h"
#include "seoib/states.h"

#define HOST_SUMMARY_SCHEMA "seoib.host-summary/1"
/* Bytes of one summary: a full one is ~350; a larger value is refused unread. */
#define HOST_SUMMARY_MAX 4096

struct host_summary {
	char hostname[256];
	char kernel_release[128];
	int64_t probe_time;                 /* seconds since the epoch, UTC */
	enum probe_status status;
	enum kernel_generation generation;
	unsigned states;                    /* STATE_BITs host_can_run() allows */
	enum proof proof;                   /* host_behaviour_proof() */
	enum proof state_proof[STATE_COUNT];/* host_state_proof() per state */
	bool vmm_control;                   /* vmm_sets_flags() */
};

/* The summary of rec, by the same functions policy and the hook use
 * (host_can_run(), host_state_proof(), host_behaviour_proof()). */
void host_summary_from_record(const struct host_record *rec, struct host_summary *sum);
/* Does sum say exactly what of_record (host_summary_from_record() of the
 * host's record) says? 0, or -1 with why: "it says generation fixed where
 * its record says legacy", the first field that differs. A listing shows a
 * summary only when it matches its record (docs/fleet.md). */
int host_summary_match(const struct host_summary *sum, const struct host_summary *of_record,
		       char why[SEOIB_MESSAGE_MAX]);
json_object *host_summary_to_json(const struct host_summary *sum);
/* A summary's JSON text, len bytes. 0, or -1 with a sentence in err. */
int host_summary_from_string(const char *text, size_t len, struct host_summary *sum, char err[SEOIB_MESSAGE_MAX]);
