/* The host record: everything the probe measured and derived, as the
 * versioned JSON document "seoib.host/1" (docs/host-record.md). It is what
 * the daemon publishes and what peers read back. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "seoib/behaviour.h"
#include "seoib/host_identity.h"
#include "seoib/kvm_claims.h"
#include "seoib/vmm.h"

#define HOST_RECORD_SCHEMA "seoib.host/1"

/* The most bytes of record text any reader takes in (the record file, the
 * probe child's output, a peer's answer over ssh): records are a few KiB,
 * anything much larger is not a record. */
#define HOST_RECORD_MAX_BYTES (1024 * 1024)

struct host_record {
	struct host_identity host;
	char tool_version[32];
	int64_t probe_time;        /* seconds since the epoch, UTC */
	double probe_duration_ms;
	enum probe_status status;
	char message[SEOIB_MESSAGE_MAX]; /* sentence when status != PROBE_OK */
	struct kvm_measurements kvm;
	struct kvm_claims claims;
	struct behaviour behaviour;
	struct vmm_info vmm;
	/* States a guest can be started in on this host: the kernel's states,
	 * less those the VMM cannot set. Quirked needs only a working KVM. */
	unsigned runnable_states;
};

/* The record as "seoib.host/1" JSON (docs/host-record.md); the caller puts
 * the returned object. Unmeasured values are null, errno values their names. */
json_object *host_record_to_json(const struct host_record *rec);
/* Read obj into rec, validating schema, every field's type and range, and
 * that the derived states follow from the measurements (a record claiming
 * more is refused). Returns 0, or -1 with a sentence in err. */
int host_record_from_json(json_object *obj, struct host_record *rec, char err[SEOIB_MESSAGE_MAX]);
/* host_record_from_json() on text (len bytes, at most HOST_RECORD_MAX_BYTES,
 * one JSON document and nothing after it). Returns 0, or -1 with err. */
int host_record_from_string(const char *text, size_t len, struct host_record *rec,
			    char err[SEOIB_MESSAGE_MAX]);
/* Read and validate a record file (a regular file, or "-" for standard
 * input; at most HOST_RECORD_MAX_BYTES); a record file's "last_probe" is
 * ignored. Returns 0, or -1 with a sentence naming path in err. */
int host_record_load(const char *path, struct host_record *rec, char err[SEOIB_MESSAGE_MAX]);
/* host_record_load() of this host's own record (record-path in seoib.conf):
 * read only under the ownership rule of seoib/trusted_path.h, so a record
 * that someone other than root, the reader or the service user could have
 * written is refused with a whole sentence in err, never used. */
int host_record_load_trusted(const char *path, struct host_record *rec, char err[SEOIB_MESSAGE_MAX]);

/* Age of a record in seconds relative to now (both seconds since the
 * epoch): negative for a record dated in the future; saturates at
 * INT64_MIN/INT64_MAX instead of overflowing. */
int64_t host_record_age(const struct host_record *rec, int64_t now);

/* How far a record's probe time may lie ahead of the reader's clock: hosts
 * kept by NTP agree within well under a second; 5 minutes is the tolerance
 * Kerberos uses by default (krb5.conf clockskew). */
#define HOST_RECORD_CLOCK_SKEW_S 300

/* Is the record fresh enough to trust at now? False when it is dated more
 * than HOST_RECORD_CLOCK_SKEW_S in the future (whatever max_age_s), or is
 * older than max_age_s seconds (0 = no age limit). Sets *age_s to
 * host_record_age(); on false, why is a fragment to follow "the record of
 * HOST ": "is 700 s old, older than max-record-age = 600 s". */
bool host_record_age_check(const struct host_record *rec, int64_t now, unsigned max_age_s, int64_t *age_s,
			   char why[SEOIB_MESSAGE_MAX]);
/* The states a host can be trusted to back, the one rule a record's
 * verdict.states and a listing summary's states are checked by: none unless
 * its probe worked (status), never more than its kernel's states
 * (kernel_states, themselves never more than kvm_generation_states() of its
 * generation: a "none" or "legacy" kernel runs every guest quirked), and quirked alone unless its VMM can
 * set the flag (vmm_control, vmm_sets_flags()). A STATE_BIT() set. */
unsigned host_backed_states(enum probe_status status, enum kernel_generation generation, unsigned kernel_states,
			    bool vmm_control);
/* The same check on a probe time alone (a listing summary's). */
bool host_probe_time_age_check(int64_t probe_time, int64_t now, unsigned max_age_s, int64_t *age_s,
			       char why[SEOIB_MESSAGE_MAX]);
