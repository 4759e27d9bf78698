/* The libvirt gate (see seoib/gate.h). Pure but for gate_state_running(),
 * which reads the hook's record of one guest: no other I/O, no clock (the
 * front ends read the records and the time, and pass them). */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "seoib/gate.h"
#include "seoib/host_can_run.h"
#include "seoib/host_view.h"
#include "seoib/run_state.h"
#include "seoib/sentence.h"
#include "seoib/string_table.h"

enum gate_op gate_op_from_hook(const char *operation, const char *sub_operation)
{
	static const struct {
		const char *operation, *sub_operation;
		enum gate_op op;
	} table[] = {
		{"prepare", "begin", GATE_PREPARE},
		{"migrate", "begin", GATE_MIGRATE},
		{"restore", "begin", GATE_RESTORE},
		{"started", "begin", GATE_COMMIT},
		{"stopped", "end", GATE_FORGET},
		{"release", "end", GATE_FORGET},
	};

	if (!operation || !sub_operation)
		return GATE_IGNORE;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(operation, table[i].operation) == 0 &&
		    strcmp(sub_operation, table[i].sub_operation) == 0)
			return table[i].op;
	return GATE_IGNORE;
}

static const char *const gate_op_table[] = {
	[GATE_IGNORE] = "ignore",   [GATE_PREPARE] = "prepare", [GATE_MIGRATE] = "migrate",
	[GATE_RESTORE] = "restore", [GATE_COMMIT] = "started",  [GATE_FORGET] = "forget",
};
static const char *const gate_answer_table[] = {
	[GATE_ALLOW] = "allow",		    [GATE_WARN] = "warn",	      [GATE_REFUSE] = "refuse",
	[GATE_ERROR_ALLOW] = "error-allow", [GATE_ERROR_DENY] = "error-deny",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(gate_op, enum gate_op)
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(gate_answer, enum gate_answer)

bool gate_answer_allows(enum gate_answer v)
{
	return v == GATE_ALLOW || v == GATE_WARN || v == GATE_ERROR_ALLOW;
}

bool gate_record_is_of(const struct domain_record *rec, const struct guest_facts *facts)
{
	return strcmp(rec->uuid, facts->uuid) == 0 && strcmp(rec->name, facts->name) == 0;
}

bool gate_state_in_flight(const struct guest_facts *facts, const struct host_view *source,
			  const struct domain_record *started, enum seoib_state *state, char how[SEOIB_MESSAGE_MAX])
{
	struct run_state rs;

	/* Only what libvirt committed, for this very guest: a pending record
	 * (an operation libvirt may still abort, a rejected restore) or one
	 * of another guest under the same UUID never says what this one runs. */
	if (started && (started->phase != DOMAIN_RUNNING || !gate_record_is_of(started, facts)))
		started = NULL;
	if (started && started->state == STATE_UNKNOWN) {
		/* Its state came with it from a source nothing here knows: this
		 * host's VMM model says nothing about it. */
		sentence_format(how, SEOIB_MESSAGE_MAX,
			 "'%s' arrived here carrying no seoib metadata from a source whose VMM model was unknown, "
			 "so the state it runs in is unknown", facts->name);
		return false;
	}
	if (started) {
		*state = started->state;
		sentence_format(how, SEOIB_MESSAGE_MAX, "recorded by the hook at %s", started->operation);
		return true;
	}
	if (facts->has_metadata_state && facts->metadata_state < STATE_COUNT) {
		*state = facts->metadata_state;
		sentence_format(how, SEOIB_MESSAGE_MAX, "seoib metadata");
		return true;
	}
	if (facts->irqchip == IRQCHIP_IN_KERNEL) {
		*state = STATE_QUIRKED;
		sentence_format(how, SEOIB_MESSAGE_MAX, "no seoib metadata; in-kernel irqchip: no flag changes it");
		return true;
	}
	run_state_decide(facts, host_view_record(source), STATE_QUIRKED, &rs);
	if (rs.known) {
		*state = rs.state;
		sentence_format(how, SEOIB_MESSAGE_MAX, "no seoib metadata; %s", rs.why);
		return true;
	}
	if (source && !source->usable) /* its view says why */
		sentence_format(how, SEOIB_MESSAGE_MAX,
				"'%s' carries no seoib metadata and the source's record cannot be used (%s), so the state it runs in is unknown",
				facts->name, source->why);
	else
		sentence_format(how, SEOIB_MESSAGE_MAX,
				"'%s' carries no seoib metadata and %s, so the state it runs in is unknown", facts->name,
				source ? rs.why : "the source's VMM model is unknown here");
	return false;
}

bool gate_state_running(const char *dir, const struct guest_facts *facts, const struct host_view *here,
			enum seoib_state *state, char how[SEOIB_MESSAGE_MAX])
{
	struct domain_record started;
	char err[SEOIB_MESSAGE_MAX];
	bool have_started = domain_record_read(dir, facts->uuid, DOMAIN_RUNNING, &started, err) == 0;

	return gate_state_in_flight(facts, here, have_started ? &started : NULL, state, how);
}

bool gate_host_can_run(const struct host_view *host, enum seoib_state state,
		       char why[SEOIB_MESSAGE_MAX])
{
	const struct host_record *rec = host->rec;
	const char *name = rec && rec->host.hostname[0] ? rec->host.hostname : "this host";
	char cannot[SEOIB_MESSAGE_MAX];

	if (host_can_run(host, state, NULL, why))
		return true;
	host_why_cannot(host, state, cannot, sizeof(cannot));
	if (!host->usable)
		sentence_format(why, SEOIB_MESSAGE_MAX, "%s has no usable record (%s)", name, cannot);
	else
		sentence_format(why, SEOIB_MESSAGE_MAX, "%s %s", name, cannot);
	return false;
}

/* One line from the decision's reasons, joined with "; ". */
static void join_reasons(const struct decision *d, char *buf, size_t size)
{
	buf[0] = '\0';
	for (int i = 0; i < d->n_reasons && i < DECISION_REASONS_MAX; i++)
		sentence_append(buf, size, "; ", d->reasons[i]);
	/* Keep it one line: libvirt shows the hook's stderr inside its error. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
}

/* An outcome that says nothing yet: its state is STATE_UNKNOWN until the
 * path that fills it knows one. */
static void outcome_clear(struct gate_outcome *out)
{
	memset(out, 0, sizeof(*out));
	out->state = STATE_UNKNOWN;
}

static void internal_error(const char *what, enum on_error on_error, struct gate_outcome *out)
{
	bool deny = on_error == ON_ERROR_DENY;

	outcome_clear(out);
	out->answer = deny ? GATE_ERROR_DENY : GATE_ERROR_ALLOW;
	sentence_format(out->reason, sizeof(out->reason), "seoib could not decide: %s; %s (on-error = %s)", what,
		 deny ? "refusing" : "allowing without a check", on_error_to_string(on_error));
	sentence_format(out->remediation, sizeof(out->remediation), "%s",
		 "make sure seoibd has published this host's record (seoibctl status), or set on-error in seoib.conf");
}

void gate_internal_error(const char *what, const struct seoib_config *cfg, struct gate_outcome *out)
{
	internal_error(what, cfg->on_error, out);
}

bool gate_op_refuses_bad_input(enum gate_op op)
{
	return op == GATE_PREPARE || op == GATE_MIGRATE || op == GATE_RESTORE;
}

bool gate_commit_bad_input(const struct domain_record *pending, struct gate_outcome *out)
{
	char why[SEOIB_MESSAGE_MAX];

	if (!pending || pending->phase != DOMAIN_PENDING || !pending->arrival[0] ||
	    strcmp(pending->operation, gate_op_to_string(GATE_PREPARE)) != 0)
		return false;
	sentence_format(why, sizeof(why),
			"'%s' was let in at prepare begin by the authorisation of a %s begin, and without its domain XML "
			"started begin cannot tell whether libvirt started it for that %s or afresh",
			pending->name, pending->arrival, pending->arrival);
	sentence_append(out->reason, sizeof(out->reason), "; ", why);
	return true;
}

void gate_oversized_xml(const char *guest, const char *why, struct gate_outcome *out)
{
	outcome_clear(out);
	out->answer = GATE_REFUSE;
	sentence_format(out->reason, sizeof(out->reason), "the domain XML of '%s' is over seoib's limits: %s", guest,
			why);
	sentence_format(out->remediation, sizeof(out->remediation), "%s",
			"remove the oversized content (often under <metadata>) from the domain definition; "
			"docs/libvirt.md lists the limits");
}

void gate_config_error(const char *why, struct gate_outcome *out)
{
	outcome_clear(out);
	out->answer = GATE_ERROR_DENY;
	sentence_format(out->reason, sizeof(out->reason),
			"seoib could not read its configuration: %s; refusing whatever on-error says, because seoib cannot tell which host record, or how old a one, it may trust",
			why);
	sentence_format(out->remediation, sizeof(out->remediation), "%s",
			"correct that line, then check the file with 'seoibctl check-config'");
}

bool gate_timeout_denies(bool may_refuse, enum on_error on_error)
{
	return may_refuse && on_error == ON_ERROR_DENY;
}

void gate_prepare(const struct guest_facts *facts, const struct decision *d,
		  const struct seoib_config *cfg, struct gate_outcome *out)
{
	char reasons[GATE_REASON_MAX];

	join_reasons(d, reasons, sizeof(reasons));
	if (d->verdict == VERDICT_UNKNOWN) {
		gate_internal_error(reasons[0] ? reasons : "the policy engine had no usable host record", cfg, out);
		/* The decision knows what it lacked (e.g. which OS the guest
		 * runs): its remediation, not the one for a missing record. */
		if (d->remediation[0])
			sentence_format(out->remediation, sizeof(out->remediation), "%s", d->remediation);
		return;
	}
	outcome_clear(out);
	out->state = d->state;
	if (d->verdict == VERDICT_SAFE && facts->qemu_lapic) {
		out->answer = GATE_ALLOW;
		sentence_format(out->reason, sizeof(out->reason), "'%s' is not exposed: %s", facts->name, facts->lapic_why);
		return;
	}
	if (d->verdict == VERDICT_SAFE) {
		out->answer = GATE_ALLOW;
		sentence_format(out->reason, sizeof(out->reason), "'%s' starts %s (risk %s)", facts->name,
			 state_to_string(d->state), risk_to_string(d->risk));
		return;
	}
	out->acknowledged = facts->acknowledged;
	out->answer = cfg->hook_mode == HOOK_ENFORCE && !facts->acknowledged ? GATE_REFUSE : GATE_WARN;
	sentence_format(out->reason, sizeof(out->reason), "'%s' would start %s with risk %s on this host: %s",
		 facts->name, state_to_string(d->state), risk_to_string(d->risk),
		 reasons[0] ? reasons : "the policy engine judged it unsafe");
	if (facts->acknowledged) {
		char ack[SEOIB_MESSAGE_MAX];

		sentence_format(ack, sizeof(ack), "acknowledged by %s at %s: %s", facts->ack_by[0] ? facts->ack_by : "?",
				facts->ack_at[0] ? facts->ack_at : "?", facts->ack_reason);
		sentence_append(out->reason, sizeof(out->reason), "; ", ack);
	}
	sentence_format(out->remediation, sizeof(out->remediation), "%s",
		 d->remediation[0] ? d->remediation : "see 'seoibctl policy --domain NAME' for the details");
}

/* The arrival's prepare runs the XML that arrived: it still says the
 * state the arrival gate read from it (its metadata, an in-kernel
 * irqchip), or says none where that arrival's state was unknown. A fresh
 * start's XML, the definition on this host, need not. */
static bool same_state_as_arrival(const struct guest_facts *facts, const struct domain_record *last)
{
	char how[SEOIB_MESSAGE_MAX];
	enum seoib_state state;
	bool known = gate_state_in_flight(facts, NULL, NULL, &state, how);

	return known ? last->state == state : last->state == STATE_UNKNOWN;
}

/* The hook's record of an arrival this "prepare begin" follows. Its state
 * may be unknown (STATE_UNKNOWN): an arrival on-error = allow let in. */
static bool arrival_accepted(const struct guest_facts *facts, const struct domain_record *last, int64_t now)
{
	if (!last || last->phase != DOMAIN_PENDING)
		return false;
	if (strcmp(last->operation, gate_op_to_string(GATE_MIGRATE)) != 0 &&
	    strcmp(last->operation, gate_op_to_string(GATE_RESTORE)) != 0)
		return false;
	/* Another guest's arrival under this UUID is no arrival of this one. */
	if (!gate_record_is_of(last, facts))
		return false;
	/* last->time >= 0 (domain_record_read): no overflow. A record dated
	 * in the future (the clock went back) proves nothing either. */
	if (now < last->time || now - last->time > GATE_ARRIVAL_VALID_S)
		return false;
	return same_state_as_arrival(facts, last);
}

void gate_start(const struct guest_facts *facts, const struct host_view *host,
		const struct domain_record *last, int64_t now, const struct seoib_config *cfg,
		struct gate_outcome *out)
{
	struct decision d;

	if (arrival_accepted(facts, last, now) && last->state == STATE_UNKNOWN) {
		/* Used once, as a known arrival's record is (the hook rewrites it
		 * as this prepare's): a later start of this guest is a start again. */
		outcome_clear(out);
		out->answer = GATE_ERROR_ALLOW;
		out->arrival_unknown = true;
		out->arrival = gate_op_from_hook(last->operation, "begin");
		sentence_format(out->reason, sizeof(out->reason),
			 "'%s' arrives by %s in a state seoib cannot tell, allowed at %s begin (on-error = allow)",
			 facts->name, last->operation, last->operation);
		return;
	}
	if (arrival_accepted(facts, last, now)) {
		outcome_clear(out);
		out->answer = GATE_ALLOW;
		out->state = last->state;
		out->arrival = gate_op_from_hook(last->operation, "begin");
		sentence_format(out->reason, sizeof(out->reason), "'%s' arrives by %s in state %s, accepted at %s begin",
			 facts->name, last->operation, state_to_string(last->state), last->operation);
		return;
	}
	policy_decide(facts, host, NULL, 0, &d);
	gate_prepare(facts, &d, cfg, out);
	decision_free(&d);
}

/* Whether `pending` is the record of this very start's prepare begin:
 * false with a sentence when not. Its date is gate_commit()'s to judge. */
static bool of_this_prepare(const struct guest_facts *facts, const struct domain_record *pending,
			    char why[SEOIB_MESSAGE_MAX])
{
	if (!pending || pending->phase != DOMAIN_PENDING) {
		sentence_format(why, SEOIB_MESSAGE_MAX, "'%s' started with no record of its prepare begin", facts->name);
		return false;
	}
	/* Every start, fresh or an arrival's, passes prepare begin, which
	 * replaces the pending record: an arrival's record here is one whose
	 * prepare begin never ran, or was not recorded. */
	if (strcmp(pending->operation, gate_op_to_string(GATE_PREPARE)) != 0) {
		sentence_format(why, SEOIB_MESSAGE_MAX,
				"'%s' started, but the pending record is of %s begin, not of its prepare begin",
				facts->name, pending->operation);
		return false;
	}
	if (!gate_record_is_of(pending, facts)) {
		sentence_format(why, SEOIB_MESSAGE_MAX,
				"the pending record under UUID %s is of '%s', not of '%s' that started", facts->uuid,
				pending->name, facts->name);
		return false;
	}
	return true;
}

bool gate_commit(const struct guest_facts *facts, const struct domain_record *pending, int64_t now,
		 struct domain_record *running, char why[SEOIB_MESSAGE_MAX])
{
	if (!of_this_prepare(facts, pending, why))
		return false;
	if (now < pending->time) {
		sentence_format(why, SEOIB_MESSAGE_MAX, "the pending record of '%s' is dated ahead of the clock",
				facts->name);
		return false;
	}
	*running = *pending;
	running->phase = DOMAIN_RUNNING;
	running->time = now;
	sentence_format(why, SEOIB_MESSAGE_MAX, "'%s' runs %s, committed at started begin", facts->name,
			pending->state != STATE_UNKNOWN ? state_to_string(pending->state) : "in a state seoib cannot tell");
	return true;
}

bool gate_launch_matters(const struct guest_facts *facts, const struct domain_record *pending)
{
	char why[SEOIB_MESSAGE_MAX];

	/* Not its date: a clock stepped back between prepare and started begin
	 * makes the record uncommittable (gate_commit()), but must not spare
	 * a fresh start an arrival's authorisation let in from its judgement. */
	return of_this_prepare(facts, pending, why) && pending->arrival[0] != '\0';
}

/* The guest's own <qemu:commandline> passes -incoming: its QEMU's
 * -incoming then says nothing about what libvirt launched. */
static bool xml_passes_incoming(const struct guest_facts *facts)
{
	if (facts->qemu_args_truncated)
		return true;
	for (int i = 0; i < facts->n_qemu_args && i < GUEST_QEMU_ARGS_MAX; i++) {
		const char *a = facts->qemu_args[i];

		if (strcmp(a, "-incoming") == 0 || strcmp(a, "--incoming") == 0)
			return true;
	}
	return false;
}

bool gate_launched(const struct guest_facts *facts, const struct host_view *host, const char *host_problem,
		   const struct domain_record *pending, const struct qemu_launch_fact *launch, int64_t now,
		   const struct seoib_config *cfg, struct gate_outcome *out, struct domain_record *start)
{
	char what[SEOIB_MESSAGE_MAX], fresh[GATE_REASON_MAX];
	enum qemu_launch how = launch->launch;

	memset(start, 0, sizeof(*start));
	if (how == QEMU_LAUNCH_INCOMING && xml_passes_incoming(facts)) {
		sentence_format(what, sizeof(what),
				"cannot tell whether libvirt started the QEMU of '%s' for the %s that let it in at prepare begin, "
				"or afresh: its <qemu:commandline> passes -incoming itself, or more arguments than seoib reads",
				facts->name, pending->arrival);
		internal_error(what, cfg->on_error, out);
		sentence_format(out->remediation, sizeof(out->remediation), "%s",
				"remove -incoming from the guest's <qemu:commandline>, or set on-error in seoib.conf");
		return false;
	}
	if (how == QEMU_LAUNCH_INCOMING) {
		outcome_clear(out);
		out->answer = GATE_ALLOW;
		out->state = pending->state; /* a state, or STATE_UNKNOWN (domain_record_read()) */
		sentence_format(out->reason, sizeof(out->reason), "'%s' arrives by %s: %s, so its authorisation stands",
				facts->name, pending->arrival, launch->why);
		*start = *pending;
		return true;
	}
	if (how != QEMU_LAUNCH_FRESH) {
		sentence_format(what, sizeof(what),
				"cannot tell whether libvirt started the QEMU of '%s' for the %s that let it in at prepare begin, "
				"or afresh: %s", facts->name, pending->arrival, launch->why);
		internal_error(what, cfg->on_error, out);
		sentence_format(out->remediation, sizeof(out->remediation),
				"make sure libvirt's QEMU state directory (%s) and its PID files belong to root, or set on-error in seoib.conf",
				QEMU_LAUNCH_STATE_DIR);
		return false;
	}
	/* A fresh start: judged as one, as its prepare begin would have been
	 * judged without the arrival's record. */
	if (host)
		gate_start(facts, host, NULL, now, cfg, out);
	else
		gate_internal_error(host_problem, cfg, out);
	sentence_format(fresh, sizeof(fresh),
			"'%s' was let in at prepare begin by the authorisation of a %s begin, but libvirt started its QEMU afresh "
			"(%s), so it is judged as the fresh start it is: %s",
			facts->name, pending->arrival, launch->why, out->reason);
	memcpy(out->reason, fresh, sizeof(out->reason));
	return gate_pending(GATE_PREPARE, facts, out, now, start);
}

bool gate_pending(enum gate_op op, const struct guest_facts *facts, const struct gate_outcome *out, int64_t now,
		  struct domain_record *rec)
{
	bool arrival = op == GATE_MIGRATE || op == GATE_RESTORE;

	memset(rec, 0, sizeof(*rec));
	if ((op != GATE_PREPARE && !arrival) || !gate_answer_allows(out->answer))
		return false;
	/* An arrival allowed in an unknown state is remembered as unknown, so
	 * that its prepare begin does not take it for a fresh start; that
	 * prepare records it as used. A start allowed with nothing known
	 * (on-error = allow) records nothing. */
	if (out->state == STATE_UNKNOWN && !arrival && !out->arrival_unknown)
		return false;
	rec->phase = DOMAIN_PENDING;
	rec->state = out->state;
	rec->time = now;
	snprintf(rec->name, sizeof(rec->name), "%s", facts->name);
	snprintf(rec->uuid, sizeof(rec->uuid), "%s", facts->uuid);
	snprintf(rec->operation, sizeof(rec->operation), "%s", gate_op_to_string(op));
	snprintf(rec->answer, sizeof(rec->answer), "%s", gate_answer_to_string(out->answer));
	if (op == GATE_PREPARE && (out->arrival == GATE_MIGRATE || out->arrival == GATE_RESTORE))
		snprintf(rec->arrival, sizeof(rec->arrival), "%s", gate_op_to_string(out->arrival));
	return true;
}

/* The arrival gate under an explicit hook-mode and on-error. */
static void arrive(enum gate_op op, const struct guest_facts *facts, const struct host_view *source,
		   const struct domain_record *started, const struct host_view *host, enum hook_mode mode,
		   enum on_error on_error, struct gate_outcome *out)
{
	char how[SEOIB_MESSAGE_MAX], why[SEOIB_MESSAGE_MAX];
	enum seoib_state state;

	/* A machine type the destination's QEMU lacks: refused early, in a
	 * sentence, rather than by QEMU at the end of libvirt's preparation. */
	if (host_can_run_machine(host_view_record(host), facts, why) == HOST_MACHINE_MISSING) {
		outcome_clear(out);
		out->answer = mode == HOOK_ENFORCE ? GATE_REFUSE : GATE_WARN;
		sentence_format(out->reason, sizeof(out->reason), "'%s' uses machine type %s, and %s", facts->name,
				facts->machine, why);
		sentence_format(out->remediation, sizeof(out->remediation),
				"%s it to a host whose QEMU has machine type %s (seoibctl fleet --domain %s lists them), or "
				"install a QEMU that has it there",
				op == GATE_RESTORE ? "restore" : "migrate", facts->machine, facts->name);
		return;
	}
	if (facts->qemu_lapic) {
		/* No KVM flag reaches QEMU's own local APIC: nothing to keep. */
		outcome_clear(out);
		out->answer = GATE_ALLOW;
		out->state = STATE_QUIRKED;
		sentence_format(out->reason, sizeof(out->reason), "'%s' is not exposed: %s", facts->name, facts->lapic_why);
		return;
	}
	if (!gate_state_in_flight(facts, source, started, &state, how)) {
		internal_error(how, on_error, out);
		sentence_format(out->remediation, sizeof(out->remediation),
			 "let seoibd on the source write the state into the guest's metadata (or run seoibctl apply there), or set on-error in seoib.conf");
		return;
	}
	outcome_clear(out);
	out->state = state;
	if (gate_host_can_run(host, out->state, why)) {
		out->answer = GATE_ALLOW;
		sentence_format(out->reason, sizeof(out->reason), "'%s' runs %s (%s) and this host can run it", facts->name,
			 state_to_string(out->state), how);
		return;
	}
	out->answer = mode == HOOK_ENFORCE ? GATE_REFUSE : GATE_WARN;
	sentence_format(out->reason, sizeof(out->reason), "'%s' runs %s (%s), which cannot change under a running guest, and %s",
		 facts->name, state_to_string(out->state), how, why);
	/* A saved guest runs nowhere: its saved state, not a running QEMU, is
	 * what keeps it from a fresh start. */
	if (op == GATE_RESTORE)
		sentence_format(out->remediation, sizeof(out->remediation),
				"restore it to a host whose kernel and QEMU support %s (seoibctl check --dest HOST), or "
				"discard its saved state and start it afresh (virsh start --force-boot, for a managed save)",
				state_to_string(out->state));
	else
		sentence_format(out->remediation, sizeof(out->remediation),
				"migrate it to a host whose kernel and QEMU support %s (seoibctl check --dest HOST), or "
				"shut it down and start it afresh",
				state_to_string(out->state));
	if (host_contradicts(host_view_record(host), out->state, how)) {
		char report[SEOIB_MESSAGE_MAX];

		host_contradiction_remediation(host->rec, out->state, report, sizeof(report));
		sentence_format(out->remediation, sizeof(out->remediation),
			 "%s it to a host whose behaviour proves %s (seoibctl check --dest HOST); %s",
			 op == GATE_RESTORE ? "restore" : "migrate", state_to_string(out->state), report);
	}
}

void gate_arrival(enum gate_op op, const struct guest_facts *facts, const struct host_view *source,
		  const struct domain_record *started, const struct host_view *host,
		  const struct seoib_config *cfg, struct gate_outcome *out)
{
	arrive(op, facts, source, started, host, cfg->hook_mode, cfg->on_error, out);
}

void gate_hook(enum gate_op op, const struct guest_facts *facts, const struct host_view *host,
	       const struct domain_record *last, int64_t now, const struct seoib_config *cfg,
	       struct gate_outcome *out)
{
	switch (op) {
	case GATE_PREPARE:
		gate_start(facts, host, last, now, cfg, out);
		return;
	case GATE_MIGRATE:
	case GATE_RESTORE:
		gate_arrival(op, facts, NULL, NULL, host, cfg, out);
		return;
	case GATE_IGNORE:
	case GATE_COMMIT:
	case GATE_FORGET:
		break;
	}
	outcome_clear(out);
	out->answer = GATE_ALLOW;
	sentence_format(out->reason, sizeof(out->reason), "%s decides nothing", gate_op_to_string(op));
}

static const char *const gate_check_table[] = {
	[GATE_CHECK_OK] = "ok",
	[GATE_CHECK_REFUSE] = "refuse",
	[GATE_CHECK_UNKNOWN] = "unknown",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(gate_check, enum gate_check)

/* check --dest's words for a guest whose state is unknown: check neither
 * allows nor refuses (dest's hook follows dest's own on-error), and what to
 * do is done here, on the source. */
static void state_unknown(const struct guest_facts *facts, const struct host_view *source, const char *how,
			  struct gate_outcome *out)
{
	sentence_format(out->reason, sizeof(out->reason), "%s", how);
	if (!source || !source->usable)
		sentence_format(out->remediation, sizeof(out->remediation),
				"make this host's record current (seoibctl status says why it cannot be used; start seoibd, "
				"or run seoibctl reprobe): seoibd then writes the state '%s' runs in into its metadata",
				facts->name);
	else
		sentence_format(out->remediation, sizeof(out->remediation), "%s",
				"let seoibd on the source write the state into the guest's metadata (or run seoibctl apply there)");
}

enum gate_check gate_migration_check(const struct guest_facts *facts, const struct host_view *source,
				     const struct domain_record *started, const struct host_view *dest,
				     const char *dest_problem, struct gate_outcome *out)
{
	char how[SEOIB_MESSAGE_MAX];
	enum seoib_state state;
	bool known = gate_state_in_flight(facts, source, started, &state, how);

	/* A dest whose probe failed is a host that cannot run the state (the
	 * hook there would refuse); one with no record, or one no longer
	 * current, is a host nothing is known of. */
	if (dest && (dest->usable || dest->problem == HOST_VIEW_STATUS)) {
		arrive(GATE_MIGRATE, facts, source, started, dest, HOOK_ENFORCE, ON_ERROR_ALLOW, out);
		if (out->answer == GATE_ERROR_ALLOW)
			state_unknown(facts, source, how, out);
	} else {
		outcome_clear(out);
		out->answer = GATE_ERROR_ALLOW;
		sentence_format(out->reason, sizeof(out->reason), "%s", dest ? dest->why : dest_problem);
	}
	out->state = known ? state : STATE_UNKNOWN;
	/* Under enforce only a refusal is one; the rest could not decide. */
	return out->answer == GATE_ALLOW ? GATE_CHECK_OK : out->answer == GATE_REFUSE ? GATE_CHECK_REFUSE
											 : GATE_CHECK_UNKNOWN;
}
