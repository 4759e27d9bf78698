/* The audit of a host's guests (see seoib/audit.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/audit.h"
#include "seoib/host_identity.h"
#include "seoib/host_view.h"
#include "seoib/exports.h"
#include "seoib/json_util.h"
#include "seoib/record_current.h"
#include "seoib/sentence.h"
#include "seoib/string_table.h"

bool audit_host_load(const struct seoib_config *cfg, int64_t now, struct host_record *host, struct host_view *view,
		     char problem[SEOIB_MESSAGE_MAX])
{
	struct host_identity here;
	struct host_view_clock clock = {&here, now, cfg->max_record_age_s};
	char err[SEOIB_MESSAGE_MAX];

	host_identity_read(&here);
	/* As the hook reads it: under the ownership rule, then by the one
	 * local rule (host_view_local()). */
	if (host_record_load_trusted(cfg->record_path, host, err) < 0) {
		sentence_format(problem, SEOIB_MESSAGE_MAX, "no usable host record (%s)", err);
		return false;
	}
	host_view_local(view, host, HOST_ORIGIN_PUBLISHED, &clock, cfg->record_path);
	if (view->usable)
		return true;
	sentence_format(problem, SEOIB_MESSAGE_MAX, "no usable host record (%s)", view->why);
	return false;
}

/* The state a running guest is in, from its live XML. */
static void judge_running(const struct audit_input *in, const struct host_view *host, const char *dir,
			  struct audit_guest *out)
{
	struct guest_facts live;
	char err[SEOIB_MESSAGE_MAX];

	if (!in->live_xml) {
		sentence_format(out->running_how, sizeof(out->running_how), "%s",
				in->live_error ? in->live_error : "its live XML could not be read");
		return;
	}
	if (guest_facts_from_xml(in->live_xml, strlen(in->live_xml), &live, err) < 0) {
		sentence_format(out->running_how, sizeof(out->running_how), "cannot read its live XML: %s", err);
		return;
	}
	if (!gate_state_running(dir, &live, host, &out->running, out->running_how))
		out->running = STATE_UNKNOWN;
}

/* What the hook would answer at the next start, on the definition it runs. */
static void judge_start(const struct audit_input *in, const struct host_view *host, const char *host_problem,
			const struct seoib_config *cfg, int64_t now, struct audit_guest *out)
{
	char err[SEOIB_MESSAGE_MAX], what[SEOIB_MESSAGE_MAX + 64];
	int r;

	if (!in->start_xml) {
		gate_internal_error(in->start_error ? in->start_error : "its definition could not be read", cfg, &out->gate);
		return;
	}
	r = guest_facts_from_xml(in->start_xml, strlen(in->start_xml), &out->facts, err);
	if (r == GUEST_XML_TOO_COMPLEX) {
		/* The hook refuses it whatever on-error says (cmd_hook.c). */
		memset(&out->gate, 0, sizeof(out->gate));
		out->gate.answer = GATE_REFUSE;
		out->gate.state = STATE_UNKNOWN;
		sentence_format(out->gate.reason, sizeof(out->gate.reason),
				"the domain XML of '%s' is over seoib's limits: %s", out->name, err);
		return;
	}
	if (r < 0) {
		sentence_format(what, sizeof(what), "cannot read the domain XML of '%s': %s", out->name, err);
		gate_internal_error(what, cfg, &out->gate);
		return;
	}
	out->have_facts = true;
	if (!host) {
		gate_internal_error(host_problem ? host_problem : "no usable host record", cfg, &out->gate);
		return;
	}
	/* No record of an arrival: a start from cold, as after a shutdown. */
	gate_start(&out->facts, host, NULL, now, cfg, &out->gate);
	policy_decide(&out->facts, host, NULL, 0, &out->decision);
	out->have_decision = true;
}

void audit_guest(const struct audit_input *in, const struct host_view *host, const char *host_problem,
		 const struct seoib_config *cfg, const char *domain_record_dir, int64_t now, struct audit_guest *out)
{
	memset(out, 0, sizeof(*out));
	out->running = STATE_UNKNOWN;
	snprintf(out->name, sizeof(out->name), "%s", in->name);
	out->active = in->active;
	out->persistent = in->persistent;
	out->autostart = in->autostart;
	if (in->active)
		judge_running(in, host, domain_record_dir, out);
	judge_start(in, host, host_problem, cfg, now, out);
}

void audit_guest_free(struct audit_guest *g)
{
	if (g->have_decision)
		decision_free(&g->decision);
	g->have_decision = false;
}

enum audit_overall audit_overall(const struct audit_guest *guests, size_t n)
{
	bool unknown = false;

	for (size_t i = 0; i < n; i++) {
		if (!gate_answer_allows(guests[i].gate.answer))
			return AUDIT_REFUSE;
		unknown |= guests[i].gate.answer == GATE_ERROR_ALLOW;
	}
	return unknown ? AUDIT_UNKNOWN : AUDIT_CLEAR;
}

static const char *const audit_overall_table[] = {
	[AUDIT_CLEAR] = "clear",
	[AUDIT_REFUSE] = "refuse",
	[AUDIT_UNKNOWN] = "unknown",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(audit_overall, enum audit_overall)

static json_object *ack_to_json(const struct guest_facts *f)
{
	json_object *o;

	if (!f->acknowledged && !f->ack_invalid)
		return NULL;
	o = json_object_new_object();
	json_add(o, "valid", json_object_new_boolean(f->acknowledged));
	json_add(o, "reason", json_object_new_string(f->ack_reason));
	json_add(o, "by", f->ack_by[0] ? json_object_new_string(f->ack_by) : NULL);
	json_add(o, "at", f->ack_at[0] ? json_object_new_string(f->ack_at) : NULL);
	json_add(o, "problem", f->ack_invalid ? json_object_new_string(f->ack_why) : NULL);
	return o;
}

static json_object *guest_to_json(const struct audit_guest *g)
{
	json_object *d = json_object_new_object();
	json_object *hook = json_object_new_object();

	json_add(d, "name", json_object_new_string(g->name));
	json_add(d, "uuid", g->have_facts ? json_object_new_string(g->facts.uuid) : NULL);
	json_add(d, "active", json_object_new_boolean(g->active));
	json_add(d, "persistent", json_object_new_boolean(g->persistent));
	json_add(d, "autostart", json_object_new_boolean(g->autostart));
	json_add(d, "running_state", g->running != STATE_UNKNOWN ? json_object_new_string(state_to_string(g->running)) : NULL);
	json_add(d, "running_how", g->active ? json_object_new_string(g->running_how) : NULL);
	json_add(d, "start_state", g->gate.state != STATE_UNKNOWN ? json_object_new_string(state_to_string(g->gate.state)) : NULL);
	json_add(d, "risk", g->have_decision ? json_object_new_string(risk_to_string(g->decision.risk)) : NULL);
	json_add(hook, "verdict", json_object_new_string(gate_answer_to_string(g->gate.answer)));
	json_add(hook, "allows", json_object_new_boolean(gate_answer_allows(g->gate.answer)));
	json_add(hook, "reason", json_object_new_string(g->gate.reason));
	json_add(hook, "remediation", g->gate.remediation[0] ? json_object_new_string(g->gate.remediation) : NULL);
	json_add(d, "hook", hook);
	json_add(d, "acknowledged", json_object_new_boolean(g->have_facts && g->facts.acknowledged));
	json_add(d, "ack", g->have_facts ? ack_to_json(&g->facts) : NULL);
	/* The decision document carries the guest's facts (docs/policy.md). */
	json_add(d, "decision", g->have_decision ? decision_to_json(&g->facts, &g->decision) : NULL);
	return d;
}

json_object *audit_to_json(const char *uri, const struct seoib_config *cfg, const struct host_record *host,
			   const char *host_problem, const struct audit_guest *guests, size_t n)
{
	json_object *o = json_object_new_object();
	json_object *domains = json_object_new_array();
	json_object *rec = json_object_new_object();

	json_add(o, "schema", json_object_new_string(AUDIT_SCHEMA));
	json_add(o, "uri", json_object_new_string(uri));
	json_add(o, "hook_mode", json_object_new_string(hook_mode_to_string(cfg->hook_mode)));
	json_add(o, "on_error", json_object_new_string(on_error_to_string(cfg->on_error)));
	json_add(o, "verdict", json_object_new_string(audit_overall_to_string(audit_overall(guests, n))));
	json_add(rec, "path", json_object_new_string(cfg->record_path));
	json_add(rec, "usable", json_object_new_boolean(host != NULL));
	json_add(rec, "problem", host ? NULL : json_object_new_string(host_problem ? host_problem : ""));
	json_add(rec, "hostname", host ? json_object_new_string(host->host.hostname) : NULL);
	json_add(o, "record", rec);
	for (size_t i = 0; i < n; i++)
		json_object_array_add(domains, guest_to_json(&guests[i]));
	json_add(o, "domains", domains);
	return o;
}

static bool at_risk(const struct audit_guest *g)
{
	return (g->have_decision && g->decision.risk == RISK_HIGH) || !gate_answer_allows(g->gate.answer);
}

char *audit_prometheus_text(const struct audit_guest *guests, size_t n)
{
	char *text = NULL;
	size_t len = 0, refused = 0, unjudged = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		refused += !gate_answer_allows(guests[i].gate.answer);
		unjudged += guests[i].gate.answer == GATE_ERROR_ALLOW;
	}
	fprintf(f, "# HELP seoib_guests_audited Guests defined or running on this host, as seoibd last audited them.\n"
		   "# TYPE seoib_guests_audited gauge\nseoib_guests_audited %zu\n", n);
	fprintf(f, "# HELP seoib_guests_refused Guests the qemu hook would refuse at their next start.\n"
		   "# TYPE seoib_guests_refused gauge\nseoib_guests_refused %zu\n", refused);
	fprintf(f, "# HELP seoib_guests_unjudged Guests the qemu hook could not judge (on-error = allow lets them start).\n"
		   "# TYPE seoib_guests_unjudged gauge\nseoib_guests_unjudged %zu\n", unjudged);
	fprintf(f, "# HELP seoib_guest_at_risk 1 for a guest at high risk of the interrupt storm at its next start here, or that the hook would refuse.\n"
		   "# TYPE seoib_guest_at_risk gauge\n");
	for (size_t i = 0; i < n; i++) {
		const struct audit_guest *g = &guests[i];

		if (!at_risk(g))
			continue;
		fputs("seoib_guest_at_risk{domain=\"", f);
		exports_prometheus_label(f, g->name);
		fputs("\",uuid=\"", f);
		exports_prometheus_label(f, g->have_facts ? g->facts.uuid : "");
		fprintf(f, "\",hook=\"%s\",acknowledged=\"%s\"} 1\n", gate_answer_to_string(g->gate.answer),
			g->have_facts && g->facts.acknowledged ? "true" : "false");
	}
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
