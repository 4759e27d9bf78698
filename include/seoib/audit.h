/* The audit of a host's guests (seoibctl audit; docs/libvirt.md, "Rolling
 * out"): for each guest, what the qemu hook would answer at its next start
 * and why, with the facts, risk and acknowledgement an operator needs.
 * Pure but for gate_state_running()'s read of the hook's per-guest record:
 * the front ends read libvirt, this host's record and seoib.conf, and pass
 * them; the answer is the start gate's own (gate_start()). */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seoib/config.h"
#include "seoib/gate.h"
#include "seoib/guest_facts.h"
#include "seoib/host_record.h"
#include "seoib/policy.h"

#define AUDIT_SCHEMA "seoib.audit/1"

/* This host's record as the qemu hook takes it (cmd_hook.c): loaded from
 * cfg->record_path, of this boot and kernel, no older than max-record-age at
 * now (seconds since the epoch): host_view_local() of it. True with *host
 * filled and *view over it, else false with
 * one sentence in problem ("no usable host record (…)"). Reads the file and
 * /proc/sys/kernel/random/boot_id. */
bool audit_host_load(const struct seoib_config *cfg, int64_t now, struct host_record *host, struct host_view *view,
		     char problem[SEOIB_MESSAGE_MAX]);

/* One guest as the front end read it from libvirt. */
struct audit_input {
	const char *name;
	bool active, persistent, autostart;
	/* The definition its next start runs: the persistent one (the live one
	 * for a transient guest). NULL when it could not be read: start_error. */
	const char *start_xml;
	const char *start_error;
	/* Active guests: the live XML (the state it runs in), or NULL and live_error. */
	const char *live_xml;
	const char *live_error;
};

struct audit_guest {
	char name[256];
	bool active, persistent, autostart;
	bool have_facts;          /* start_xml was read: facts hold its facts */
	struct guest_facts facts;
	bool have_decision;       /* policy_decide() on this host: risk and the decision document */
	struct decision decision;
	enum seoib_state running;  /* the state it runs in; STATE_UNKNOWN when not active or not known */
	char running_how[SEOIB_MESSAGE_MAX]; /* where that state came from, or why unknown */
	struct gate_outcome gate; /* the hook at its next start */
};

/* Judge one guest. host: this host's view as the hook takes it (usable),
 * or NULL with host_problem (one sentence) when there is none: every guest
 * then gets on-error. cfg: seoib.conf's hook-mode and on-error.
 * domain_record_dir: where the hook records the guests it let start
 * (DOMAIN_RECORD_DIR). now: seconds since the epoch. Free with
 * audit_guest_free(). */
void audit_guest(const struct audit_input *in, const struct host_view *host, const char *host_problem,
		 const struct seoib_config *cfg, const char *domain_record_dir, int64_t now, struct audit_guest *out);
void audit_guest_free(struct audit_guest *g);

enum audit_overall {
	AUDIT_CLEAR,   /* the hook would let every guest start */
	AUDIT_REFUSE,  /* it would refuse at least one (refuse or error-deny) */
	AUDIT_UNKNOWN, /* none refused, at least one not judged (error-allow) */
};

enum audit_overall audit_overall(const struct audit_guest *guests, size_t n);
const char *audit_overall_to_string(enum audit_overall v); /* "clear", "refuse", "unknown" */

/* The seoib.audit/1 document (docs/seoibctl.1, audit): uri (as named),
 * hook_mode and on_error from cfg, the record used (record_path, host or
 * NULL with host_problem), the overall answer (its key "verdict") and one
 * object a guest. */
json_object *audit_to_json(const char *uri, const struct seoib_config *cfg, const struct host_record *host,
			   const char *host_problem, const struct audit_guest *guests, size_t n);

/* The audit as Prometheus text exposition format, for node-exporter's
 * textfile collector (seoibd writes it beside prometheus-textfile):
 * seoib_guests_audited, seoib_guests_refused and seoib_guests_unjudged
 * (counts), and one seoib_guest_at_risk{domain,uuid,hook,acknowledged} 1
 * series for each guest the policy judges at high risk at its next start,
 * or that the hook would refuse; guests not at risk get no series, so the
 * series stay few. Label values escaped as the format says (\\, \", \n).
 * NULL when out of memory; free() it. */
char *audit_prometheus_text(const struct audit_guest *guests, size_t n);
