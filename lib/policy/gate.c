/* The libvirt gate (see seoib/gate.h). Pure: no I/O, no clock. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "seoib/gate.h"
#include "seoib/host_can_run.h"
#include "seoib/run_state.h"
#include "seoib/sentence.h"

enum gate_op gate_op_from_hook(const char *operation, const char *sub_operation)
{
	static const struct {
		const char *operation, *sub_operation;
		enum gate_op op;
	} table[] = {
		{"prepare", "begin", GATE_PREPARE},
		{"migrate", "begin", GATE_MIGRATE},
		{"restore", "begin", GATE_RESTORE},
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

const char *gate_op_to_string(enum gate_op op)
{
	static const char *const names[] = {"ignore", "prepare", "migrate", "restore", "forget"};
	return op <= GATE_FORGET ? names[op] : "?";
}

const char *gate_verdict_to_string(enum gate_verdict v)
{
	static const char *const names[] = {"allow", "warn", "refuse", "error-allow", "error-deny"};
	return v <= GATE_ERROR_DENY ? names[v] : "?";
}

bool gate_verdict_allows(enum gate_verdict v)
{
	return v == GATE_ALLOW || v == GATE_WARN || v == GATE_ERROR_ALLOW;
}

bool gate_state_in_flight(const struct guest_facts *facts, const struct host_record *source,
			  const struct domain_record *started, enum seoib_state *state, char how[SEOIB_MESSAGE_MAX])
{
	struct run_state rs;

	if (started && started->state >= STATE_COUNT) {
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
	if (facts->has_recorded_state && facts->recorded_state < STATE_COUNT) {
		*state = facts->recorded_state;
		sentence_format(how, SEOIB_MESSAGE_MAX, "seoib metadata");
		return true;
	}
	if (facts->irqchip == IRQCHIP_IN_KERNEL) {
		*state = STATE_QUIRKED;
		sentence_format(how, SEOIB_MESSAGE_MAX, "no seoib metadata; in-kernel irqchip: no flag changes it");
		return true;
	}
	run_state_decide(facts, source, STATE_QUIRKED, &rs);
	if (rs.known) {
		*state = rs.state;
		sentence_format(how, SEOIB_MESSAGE_MAX, "no seoib metadata; %s", rs.why);
		return true;
	}
	sentence_format(how, SEOIB_MESSAGE_MAX,
		 "'%s' carries no seoib metadata and %s, so the state it runs in is unknown",
		 facts->name, source ? rs.why : "the source's VMM model is unknown here");
	return false;
}

/* The x2APIC API flag a state needs from the kernel, for the sentence. */
static const char *state_flag_name(enum seoib_state state)
{
	return state == STATE_RESPECTED ? "KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST (KVM_CAP_X2APIC_API bit 2)"
					: "KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST (KVM_CAP_X2APIC_API bit 3)";
}

bool gate_host_can_run(const struct host_record *host, enum seoib_state state,
		       char why[SEOIB_MESSAGE_MAX])
{
	bool contradicted;

	if (host_can_run(host, state, &contradicted, why))
		return true;
	if (contradicted)
		return false; /* why has the guests' evidence */
	if (host->status != PROBE_OK)
		sentence_format(why, SEOIB_MESSAGE_MAX, "KVM on %s is not usable (%s: %s)", host->host.hostname,
			 probe_status_to_string(host->status), host->message);
	else if (state == STATE_QUIRKED)
		sentence_format(why, SEOIB_MESSAGE_MAX, "the record of %s lists no runnable state", host->host.hostname);
	else if (!(host->verdict.kernel_states & STATE_BIT(state)))
		sentence_format(why, SEOIB_MESSAGE_MAX, "kernel %s on %s (generation %s) lacks %s",
			 host->host.kernel_release, host->host.hostname,
			 generation_to_string(host->verdict.generation), state_flag_name(state));
	else if (!vmm_sets_flags(&host->vmm))
		sentence_format(why, SEOIB_MESSAGE_MAX, "QEMU %s %s on %s has no control to set the state",
			 host->vmm.path, host->vmm.version, host->host.hostname);
	else
		sentence_format(why, SEOIB_MESSAGE_MAX, "the record of %s does not list %s as runnable",
			 host->host.hostname, state_to_string(state));
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

void gate_internal_error(const char *what, const struct seoib_config *cfg, struct gate_outcome *out)
{
	bool deny = cfg->on_error == ON_ERROR_DENY;

	memset(out, 0, sizeof(*out));
	out->verdict = deny ? GATE_ERROR_DENY : GATE_ERROR_ALLOW;
	sentence_format(out->reason, sizeof(out->reason), "seoib could not decide: %s; %s (on-error = %s)", what,
		 deny ? "refusing" : "allowing without a check", deny ? "deny" : "allow");
	sentence_format(out->remediation, sizeof(out->remediation), "%s",
		 "make sure seoibd has published this host's record (seoibctl status), or set on-error in seoib.conf");
}

void gate_prepare(const struct guest_facts *facts, const struct decision *d,
		  const struct seoib_config *cfg, struct gate_outcome *out)
{
	char reasons[GATE_REASON_MAX];

	join_reasons(d, reasons, sizeof(reasons));
	if (d->verdict == VERDICT_UNKNOWN) {
		gate_internal_error(reasons[0] ? reasons : "the policy engine had no usable host record", cfg, out);
		return;
	}
	memset(out, 0, sizeof(*out));
	out->state_known = true;
	out->state = d->state;
	if (d->verdict == VERDICT_SAFE && facts->qemu_lapic) {
		out->verdict = GATE_ALLOW;
		sentence_format(out->reason, sizeof(out->reason), "'%s' is not exposed: %s", facts->name, facts->lapic_why);
		return;
	}
	if (d->verdict == VERDICT_SAFE) {
		out->verdict = GATE_ALLOW;
		sentence_format(out->reason, sizeof(out->reason), "'%s' starts %s (risk %s)", facts->name,
			 state_to_string(d->state), risk_to_string(d->risk));
		return;
	}
	out->verdict = cfg->hook_mode == HOOK_ENFORCE ? GATE_REFUSE : GATE_WARN;
	sentence_format(out->reason, sizeof(out->reason), "'%s' would start %s with risk %s on this host: %s",
		 facts->name, state_to_string(d->state), risk_to_string(d->risk),
		 reasons[0] ? reasons : "the policy engine judged it unsafe");
	sentence_format(out->remediation, sizeof(out->remediation), "%s",
		 d->remediation[0] ? d->remediation : "see 'seoibctl policy --domain NAME' for the details");
}

static bool contradicted_here(const struct host_record *host, enum seoib_state state)
{
	char why[SEOIB_MESSAGE_MAX];
	bool contradicted;

	return !host_can_run(host, state, &contradicted, why) && contradicted;
}

void gate_arrival(enum gate_op op, const struct guest_facts *facts, const struct host_record *source,
		  const struct domain_record *started, const struct host_record *host,
		  const struct seoib_config *cfg, struct gate_outcome *out)
{
	char how[SEOIB_MESSAGE_MAX], why[SEOIB_MESSAGE_MAX];
	enum seoib_state state;

	if (facts->qemu_lapic) {
		/* No KVM flag reaches QEMU's own local APIC: nothing to keep. */
		memset(out, 0, sizeof(*out));
		out->verdict = GATE_ALLOW;
		out->state_known = true;
		out->state = STATE_QUIRKED;
		sentence_format(out->reason, sizeof(out->reason), "'%s' is not exposed: %s", facts->name, facts->lapic_why);
		return;
	}
	if (!gate_state_in_flight(facts, source, started, &state, how)) {
		gate_internal_error(how, cfg, out);
		sentence_format(out->remediation, sizeof(out->remediation),
			 "let seoibd on the source write the state into the guest's metadata (or run seoibctl apply there), or set on-error in seoib.conf");
		return;
	}
	memset(out, 0, sizeof(*out));
	out->state_known = true;
	out->state = state;
	if (gate_host_can_run(host, out->state, why)) {
		out->verdict = GATE_ALLOW;
		sentence_format(out->reason, sizeof(out->reason), "'%s' runs %s (%s) and this host can run it", facts->name,
			 state_to_string(out->state), how);
		return;
	}
	out->verdict = cfg->hook_mode == HOOK_ENFORCE ? GATE_REFUSE : GATE_WARN;
	sentence_format(out->reason, sizeof(out->reason), "'%s' runs %s (%s), which cannot change under a running guest, and %s",
		 facts->name, state_to_string(out->state), how, why);
	sentence_format(out->remediation, sizeof(out->remediation),
		 "%s it to a host whose kernel and QEMU support %s (seoibctl check --dest HOST), or shut it down and start it afresh",
		 op == GATE_RESTORE ? "restore" : "migrate", state_to_string(out->state));
	if (contradicted_here(host, out->state)) {
		char report[SEOIB_MESSAGE_MAX];

		host_contradiction_remediation(host, out->state, report, sizeof(report));
		sentence_format(out->remediation, sizeof(out->remediation),
			 "%s it to a host whose behaviour proves %s (seoibctl check --dest HOST); %s",
			 op == GATE_RESTORE ? "restore" : "migrate", state_to_string(out->state), report);
	}
}

bool gate_uuid_is_valid(const char *uuid)
{
	/* 8-4-4-4-12 hexadecimal digits, as libvirt prints <uuid>. */
	static const char pattern[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (!uuid || strlen(uuid) != sizeof(pattern) - 1)
		return false;
	for (size_t i = 0; pattern[i]; i++)
		if (pattern[i] == '-' ? uuid[i] != '-' : !isxdigit((unsigned char)uuid[i]))
			return false;
	return true;
}
