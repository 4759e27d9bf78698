/* The policy engine: guest facts + host records -> decision.
 * rule_rows[] is the state rule table; docs/policy.md publishes it (checked
 * by tests/policy/test_policy_rules.c). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "seoib/cleanup.h"
#include "seoib/host_can_run.h"
#include "seoib/host_view.h"
#include "seoib/policy.h"
#include "seoib/messages.h"
#include "seoib/sentence.h"
#include "seoib/string_table.h"

/* Everything one decision looks at, so that helpers take one argument. */
struct policy_input {
	const struct guest_facts *guest;
	const struct host_view *host; /* NULL: no record */
	const struct host_answers *targets; /* each target's view, answered (policy_host_answers()) */
	size_t n_targets;
};

#define add_reason(d, ...) messages_add((d)->reasons, &(d)->n_reasons, DECISION_REASONS_MAX, __VA_ARGS__)

/* Append "; piece" (or the first piece), shortened at a word if need be. */
static void append(char *buf, size_t size, const char *piece)
{
	sentence_append(buf, size, "; ", piece);
}

/* Whether a record may be used is the view's answer (seoib/host_view.h). */
static bool usable(const struct host_view *v)
{
	return v && v->usable;
}

/* Kernel, VMM and behaviour agree (seoib/host_can_run.h). */
static bool runs(const struct host_view *v, enum seoib_state s)
{
	char why[SEOIB_MESSAGE_MAX];

	return host_can_run(v, s, NULL, why);
}

static const char *host_name(const struct host_view *v)
{
	return v && v->rec && v->rec->host.hostname[0] ? v->rec->host.hostname : "this host";
}

static const char *view_hostname(const struct host_view *v)
{
	return v && v->rec ? v->rec->host.hostname : "";
}

static const char *or_empty(const char *s)
{
	return s ? s : "";
}

/* A copy of a sentence, NULL for "" (most are: a host that runs a state
 * has no why-not). Returns false on an allocation failure. */
static bool keep_sentence(char **out, const char *sentence)
{
	*out = sentence[0] ? strdup(sentence) : NULL;
	return !sentence[0] || *out;
}

void host_answers_free(struct host_answers *a)
{
	free(a->hostname);
	free(a->machine_why);
	for (size_t s = 0; s < STATE_COUNT; s++) {
		free(a->state[s].why_cannot);
		free(a->state[s].evidence);
		free(a->state[s].upgrade);
	}
	memset(a, 0, sizeof(*a));
}

int policy_host_answers(const struct host_view *v, const struct guest_facts *g, struct host_answers *out)
{
	const struct host_record *rec = v ? v->rec : NULL;
	char buf[SEOIB_MESSAGE_MAX];
	bool ok;

	memset(out, 0, sizeof(*out));
	out->usable = usable(v);
	ok = keep_sentence(&out->hostname, view_hostname(v));
	if (g && rec) {
		out->machine_missing = host_can_run_machine(rec, g, buf) == HOST_MACHINE_MISSING;
		ok = ok && keep_sentence(&out->machine_why, buf);
	}
	for (size_t i = 0; i < STATE_COUNT; i++) {
		enum seoib_state s = (enum seoib_state)i;

		out->state[s].runs = runs(v, s);
		if (!out->state[s].runs || !out->usable) {
			host_why_cannot(v, s, buf, sizeof(buf));
			ok = ok && keep_sentence(&out->state[s].why_cannot, buf);
		}
		if (!out->usable)
			continue;
		out->state[s].proof = host_state_proof(rec, s, buf);
		ok = ok && keep_sentence(&out->state[s].evidence, buf);
		if (!out->state[s].runs) {
			host_upgrade_for(rec, s, buf, sizeof(buf));
			ok = ok && keep_sentence(&out->state[s].upgrade, buf);
		}
	}
	if (!ok)
		host_answers_free(out);
	return ok ? 0 : -1;
}

static void host_answers_free_all(struct host_answers *a, size_t n)
{
	for (size_t i = 0; a && i < n; i++)
		host_answers_free(&a[i]);
	free(a);
}

/* Each view answered, NULL on an allocation failure (or for none). */
static struct host_answers *answers_of(const struct host_view *views, size_t n, const struct guest_facts *g)
{
	struct host_answers *a = calloc(n + 1, sizeof(*a));

	for (size_t i = 0; a && i < n; i++)
		if (policy_host_answers(&views[i], g, &a[i]) < 0) {
			host_answers_free_all(a, i);
			return NULL;
		}
	return a;
}

/* One target's name, where it stands in the targets. */
struct named_target {
	const char *name;
	size_t i;
};

/* By name (case-insensitive, as host names compare), then by position. */
static int named_target_cmp(const void *a, const void *b)
{
	const struct named_target *x = a, *y = b;
	int c = strcasecmp(x->name, y->name);

	return c ? c : (x->i > y->i) - (x->i < y->i);
}

/* said[i]: targets[i] names a host already said, this host or an earlier
 * target (seoibctl fleet --all lists this host among the targets). Sorted
 * by name, not each target against every earlier one: 100,000 targets
 * compared pairwise took minutes. Returns NULL on an allocation failure. */
static bool *hosts_said(const struct policy_input *in)
{
	_cleanup_free_ struct named_target *names = calloc(in->n_targets + 1, sizeof(*names));
	bool *said = calloc(in->n_targets + 1, sizeof(*said));
	const char *home = view_hostname(in->host);
	size_t n = 0;

	if (!names || !said) {
		free(said);
		return NULL;
	}
	for (size_t i = 0; i < in->n_targets; i++)
		if (or_empty(in->targets[i].hostname)[0])
			names[n++] = (struct named_target){in->targets[i].hostname, i};
	qsort(names, n, sizeof(*names), named_target_cmp);
	for (size_t k = 0; k < n; k++)
		said[names[k].i] = (k > 0 && strcasecmp(names[k - 1].name, names[k].name) == 0) ||
				   strcasecmp(home, names[k].name) == 0;
	return said;
}

/* Upgrades on every known host (this one and the targets) that cannot run
 * s, each host once. */
static void upgrades_for(const struct policy_input *in, enum seoib_state s, char *buf, size_t size)
{
	_cleanup_free_ bool *said = hosts_said(in);
	char piece[SEOIB_MESSAGE_MAX];

	buf[0] = '\0';
	if (!said) {
		sentence_format(buf, size, "upgrade the hosts that cannot run %s (out of memory listing the upgrades of %zu hosts)", state_to_string(s), in->n_targets + 1);
		return;
	}
	if (usable(in->host) && !runs(in->host, s)) {
		host_upgrade_for(in->host->rec, s, piece, sizeof(piece));
		append(buf, size, piece);
	}
	for (size_t i = 0; i < in->n_targets; i++) {
		const struct host_answers *t = &in->targets[i];

		if (!t->usable || t->state[s].runs || said[i])
			continue;
		append(buf, size, or_empty(t->state[s].upgrade));
	}
}

/* Known hosts are this host and every target with a usable record; unknown
 * ones do not constrain a fresh choice but make the verdict unknown. */
static bool all_known_run(const struct policy_input *in, enum seoib_state s)
{
	if (!runs(in->host, s))
		return false;
	for (size_t i = 0; i < in->n_targets; i++)
		if (in->targets[i].usable && !in->targets[i].state[s].runs)
			return false;
	return true;
}

/* A fact the state depends on is unknown: the irqchip, or the I/O APIC of a
 * split guest (with the in-kernel irqchip QEMU's I/O APIC is not used). */
static bool facts_unknown(const struct guest_facts *g)
{
	return g->irqchip_unknown || (g->irqchip == IRQCHIP_SPLIT && g->ioapic_unknown);
}

/* With the in-kernel irqchip KVM never advertises Directed EOI (commit
 * 0bcc3fb95b97): no state can storm. With split, only quirked advertises
 * it without honouring it; the known storm needs an I/O APIC with an EOI
 * register (0x20) and a guest that uses it (Windows with Hyper-V / VBS). */
static enum risk risk_of(const struct guest_facts *g, enum seoib_state s)
{
	if (g->irqchip == IRQCHIP_IN_KERNEL || s != STATE_QUIRKED || g->x2apic == X2APIC_ABSENT)
		return RISK_NONE;
	if (g->ioapic_version != IOAPIC_VERSION_20)
		return RISK_LOW;
	switch (guest_facts_victim(g, NULL, 0)) {
	case VICTIM_YES:
		return RISK_HIGH;
	case VICTIM_UNKNOWN:
		return RISK_UNKNOWN;
	case VICTIM_NO:
		break;
	}
	return RISK_LOW;
}

/* The best state for the guest's hardware, before any host is asked
 * (rules 6-7): a split guest's, given its I/O APIC; quirked in-kernel. */
static enum seoib_state best_state(const struct guest_facts *g)
{
	if (g->irqchip == IRQCHIP_IN_KERNEL)
		return STATE_QUIRKED;
	return g->ioapic_version == IOAPIC_VERSION_20 ? STATE_RESPECTED : STATE_NOT_ADVERTISED;
}

/* The victim's line: the known victim is Windows running its own
 * hypervisor (docs/policy.md, "Who is the victim"). */
static void describe_victim(const struct guest_facts *g, struct decision *d)
{
	char why[SEOIB_MESSAGE_MAX];

	switch (guest_facts_victim(g, why, sizeof(why))) {
	case VICTIM_YES:
		add_reason(d, "at risk of the interrupt storm: %s", why);
		break;
	case VICTIM_UNKNOWN:
		add_reason(d, "seoib cannot tell whether the guest is the known victim, Windows running its own hypervisor: %s",
			   why);
		break;
	case VICTIM_NO:
		add_reason(d, "not the known victim (Windows running its own hypervisor): %s", why);
		break;
	}
}

static void describe_guest(const struct guest_facts *g, struct decision *d)
{
	if (g->qemu_lapic) {
		add_reason(d, "not exposed: %s", g->lapic_why);
		return;
	}
	add_reason(d, "%s irqchip: %s", guest_facts_irqchip_string(g), g->irqchip_why);
	if (g->x2apic == X2APIC_ABSENT) {
		add_reason(d, "no x2APIC in the vCPU: %s", g->x2apic_why);
		return;
	}
	if (g->irqchip == IRQCHIP_IN_KERNEL && !g->irqchip_unknown)
		return;
	if (g->ioapic_unknown)
		add_reason(d, "I/O APIC version unknown: %s", g->ioapic_why);
	else
		add_reason(d, "I/O APIC 0x%x: %s", g->ioapic_version, g->ioapic_why);
	if (g->x2apic == X2APIC_UNKNOWN)
		add_reason(d, "x2APIC unknown, judged as present: %s", g->x2apic_why);
	describe_victim(g, d);
}

/* ---- the state rules: one row each in rule_rows[] ---- */

/* Rule 0: KVM's x2APIC flags reach only KVM's local APIC; a guest with
 * QEMU's own (TCG, kernel-irqchip=off) never sees Directed EOI advertised,
 * on any host. Nothing to decide, nothing to refuse. */
static bool not_exposed(const struct policy_input *in, struct decision *d)
{
	if (!in->guest->qemu_lapic)
		return false;
	d->preferred = STATE_QUIRKED;
	d->risk = RISK_NONE;
	d->verdict = VERDICT_SAFE;
	add_reason(d, "quirked: no KVM flag applies to QEMU's own local APIC, on any host");
	return true;
}

/* Rule 9: KVM sets LVR bit 24 only for a vCPU whose CPUID has x2APIC
 * (kvm_apic_set_version()), and SPIV bit 12 cannot stick without it: such
 * a guest is never offered Directed EOI, in any state, on any kernel. A
 * recorded non-quirked state is still the one it migrates in (rule 5). */
static bool no_x2apic(const struct policy_input *in, struct decision *d)
{
	const struct guest_facts *g = in->guest;

	if (g->x2apic != X2APIC_ABSENT || (g->has_metadata_state && g->metadata_state != STATE_QUIRKED))
		return false;
	d->preferred = STATE_QUIRKED;
	d->sticky = g->has_metadata_state;
	add_reason(d, "quirked: KVM never offers Directed EOI to a vCPU without x2APIC (kvm_apic_set_version()), on any kernel");
	return true;
}

static bool recorded_respected(const struct guest_facts *g)
{
	return g->has_metadata_state && g->metadata_state == STATE_RESPECTED;
}

/* Rules 1-2: a recorded respected state the guest's own configuration can
 * no longer run (bit 2 needs split; the guest then EOIs the I/O APIC's EOI
 * register, which 0x11 lacks). Sticky, high risk, unsafe. */
static void recorded_conflict(const struct guest_facts *g, struct decision *d)
{
	d->preferred = STATE_RESPECTED;
	d->sticky = true;
	d->risk = RISK_HIGH;
	d->verdict = VERDICT_UNSAFE;
	sentence_format(d->remediation, sizeof(d->remediation),
		 "restore the split irqchip and I/O APIC 0x20 guest %s was started with, or power it off and clear its recorded state (virsh metadata %s --uri %s --remove --config)",
		 g->name, g->name, SEOIB_METADATA_URI);
}

static bool recorded_needs_split(const struct policy_input *in, struct decision *d)
{
	const struct guest_facts *g = in->guest;

	if (!recorded_respected(g) || g->irqchip != IRQCHIP_IN_KERNEL || g->irqchip_unknown)
		return false;
	add_reason(d, "recorded state respected needs the split irqchip, but the guest now uses the in-kernel irqchip (KVM refuses bit 2 without split)");
	recorded_conflict(g, d);
	return true;
}

/* Only on a known I/O APIC; an unknown one is rule 8's. */
static bool recorded_needs_eoi(const struct policy_input *in, struct decision *d)
{
	const struct guest_facts *g = in->guest;

	if (!recorded_respected(g) || g->ioapic_unknown || g->ioapic_version == IOAPIC_VERSION_20)
		return false;
	add_reason(d, "recorded state respected needs an I/O APIC with an EOI register (0x20), but the guest now has 0x%x",
		   g->ioapic_version);
	recorded_conflict(g, d);
	return true;
}

/* Rule 8: the irqchip, or a split guest's I/O APIC, is unknown (a machine
 * type seoib's table lacks, a <qemu:commandline> it cannot read). The state
 * is the recorded one, else quirked (what a VMM without the flags runs);
 * the risk and the verdict are unknown, never guessed from a default. */
static bool facts_unknown_rule(const struct policy_input *in, struct decision *d)
{
	const struct guest_facts *g = in->guest;

	if (!facts_unknown(g))
		return false;
	d->preferred = g->has_metadata_state ? g->metadata_state : STATE_QUIRKED;
	d->sticky = g->has_metadata_state;
	d->risk = RISK_UNKNOWN;
	add_reason(d, "seoib cannot tell whether guest %s is exposed: the %s is unknown", g->name,
		   g->irqchip_unknown ? "irqchip" : "I/O APIC version");
	return true;
}

/* Rule 8's remediation when the verdict is unknown. */
static void facts_unknown_remediation(const struct policy_input *in, struct decision *d)
{
	const struct guest_facts *g = in->guest;

	if (g->cmdline_unknown)
		sentence_format(d->remediation, sizeof(d->remediation),
			 "rewrite or remove the <qemu:commandline> argument of guest %s named above, or say what it does with libvirt elements (<ioapic driver='qemu'|'kvm'/>, <iommu>); docs/policy.md lists what seoib reads",
			 g->name);
	else if (g->irqchip_unknown)
		sentence_format(d->remediation, sizeof(d->remediation),
			 "add <ioapic driver='qemu'/> or <ioapic driver='kvm'/> to the <features> of guest %s, or give it a machine type of docs/policy.md's table (virsh capabilities lists each alias's canonical name)",
			 g->name);
	else
		sentence_format(d->remediation, sizeof(d->remediation),
			 "give guest %s a machine type of docs/policy.md's table (virsh capabilities lists each alias's canonical name); docs/policy.md lists what seoib reads",
			 g->name);
}

/* Rule 3: with the in-kernel irqchip KVM never advertises Directed EOI. */
static bool in_kernel(const struct policy_input *in, struct decision *d)
{
	const struct guest_facts *g = in->guest;

	if (g->irqchip != IRQCHIP_IN_KERNEL || (g->has_metadata_state && g->metadata_state != STATE_QUIRKED))
		return false;
	d->preferred = STATE_QUIRKED;
	d->sticky = g->has_metadata_state;
	add_reason(d, "quirked: KVM never advertises Directed EOI with the in-kernel irqchip, on any kernel");
	return true;
}

/* The recorded state, sticky: a guest's state never changes under it. */
static void keep_recorded(const struct guest_facts *g, struct decision *d)
{
	d->preferred = g->metadata_state;
	d->sticky = true;
	add_reason(d, "recorded state %s (by %s%s%s) is sticky: a guest's Directed EOI state never changes under it",
		   state_to_string(g->metadata_state), g->metadata_host[0] ? g->metadata_host : "an unknown host",
		   g->metadata_decided[0] ? " at " : "", g->metadata_decided);
}

/* Rule 4: without this host's record nothing can be chosen; a VMM without
 * the kernel's flags falls back to quirked. */
static bool no_host_record(const struct policy_input *in, struct decision *d)
{
	if (usable(in->host))
		return false;
	if (in->guest->has_metadata_state)
		keep_recorded(in->guest, d);
	else
		d->preferred = STATE_QUIRKED;
	return true;
}

/* Rule 5. */
static bool recorded(const struct policy_input *in, struct decision *d)
{
	if (!in->guest->has_metadata_state)
		return false;
	keep_recorded(in->guest, d);
	return true;
}

/* Rules 6-7: a fresh choice, the best state (best_state()) where every known host
 * can run it. */
static void choose_fresh(const struct policy_input *in, struct decision *d)
{
	enum seoib_state best = best_state(in->guest);

	d->preferred = all_known_run(in, best) ? best : STATE_QUIRKED;
	if (d->preferred == best)
		add_reason(d, "%s: this host and every known target can run it", state_to_string(best));
	else if (in->n_targets == 0)
		add_reason(d, "quirked: this host cannot run %s", state_to_string(best));
	else
		add_reason(d, "quirked: not every host (this one and %zu target%s) can run %s", in->n_targets,
			   in->n_targets == 1 ? "" : "s", state_to_string(best));
}

static bool split_eoi(const struct policy_input *in, struct decision *d)
{
	if (best_state(in->guest) != STATE_RESPECTED)
		return false;
	choose_fresh(in, d);
	return true;
}

/* The last row: every guest that reaches it is split with I/O APIC 0x11. */
static bool split_no_eoi(const struct policy_input *in, struct decision *d)
{
	choose_fresh(in, d);
	return true;
}

/* What a rule settles itself, and what is judged after it. */
enum rule_flag {
	RULE_HOSTS_ALIKE = 1u << 0,    /* every host runs the guest alike: no host record is judged */
	RULE_SETTLES = 1u << 1,        /* the row sets risk, verdict and remediation: nothing is judged after */
	RULE_VMM_MODEL = 1u << 2,      /* a choice: this host's VMM model may replace it; risk from the state */
	RULE_STATE_GUESSED = 1u << 3,  /* the state itself is a guess: verdict unknown (V2) */
	RULE_ANY_KERNEL = 1u << 4,     /* alike on every kernel: missing records change nothing, nothing to fix */
};

struct rule_row {
	enum policy_rule rule;
	const char *name; /* as in docs/policy.md's rule table */
	/* True when the rule applies: it has set seoib's choice (d->preferred),
	 * sticky and its reason; a RULE_SETTLES row also risk, verdict and
	 * remediation. Nothing else is set by a row. */
	bool (*match)(const struct policy_input *in, struct decision *d);
	unsigned flags;
	/* The remediation when the verdict is unknown; NULL: the general one. */
	void (*remediate_unknown)(const struct policy_input *in, struct decision *d);
};

/* First match wins: the rows are in the order they are tried, which is the
 * order of docs/policy.md's table. A new rule is one row here, its number
 * in enum policy_rule, its row in docs/policy.md and its test case. */
static const struct rule_row rule_rows[] = {
	{RULE_NOT_EXPOSED, "not-exposed", not_exposed, RULE_HOSTS_ALIKE | RULE_SETTLES, NULL},
	{RULE_RECORDED_NEEDS_SPLIT, "recorded-needs-split", recorded_needs_split, RULE_SETTLES, NULL},
	{RULE_RECORDED_NEEDS_EOI, "recorded-needs-eoi-register", recorded_needs_eoi, RULE_SETTLES, NULL},
	{RULE_NO_X2APIC, "no-x2apic", no_x2apic, RULE_VMM_MODEL | RULE_ANY_KERNEL, NULL},
	{RULE_FACTS_UNKNOWN, "facts-unknown", facts_unknown_rule, RULE_STATE_GUESSED, facts_unknown_remediation},
	{RULE_IN_KERNEL, "in-kernel", in_kernel, RULE_VMM_MODEL | RULE_ANY_KERNEL, NULL},
	{RULE_NO_HOST_RECORD, "no-host-record", no_host_record, RULE_VMM_MODEL | RULE_STATE_GUESSED, NULL},
	{RULE_RECORDED, "recorded", recorded, RULE_VMM_MODEL, NULL},
	{RULE_SPLIT_EOI, "split-eoi-register", split_eoi, RULE_VMM_MODEL, NULL},
	{RULE_SPLIT_NO_EOI, "split-no-eoi-register", split_no_eoi, RULE_VMM_MODEL, NULL},
};
_Static_assert(sizeof(rule_rows) / sizeof(rule_rows[0]) == RULE_COUNT, "one row per rule");

#define N_RULE_ROWS (sizeof(rule_rows) / sizeof(rule_rows[0]))

static const struct rule_row *rule_row(enum policy_rule rule)
{
	for (size_t i = 0; i < N_RULE_ROWS; i++)
		if (rule_rows[i].rule == rule)
			return &rule_rows[i];
	return NULL;
}

/* The first row that matches; the last one always does. */
static const struct rule_row *match_rule(const struct policy_input *in, struct decision *d)
{
	for (size_t i = 0; i + 1 < N_RULE_ROWS; i++)
		if (rule_rows[i].match(in, d))
			return &rule_rows[i];
	rule_rows[N_RULE_ROWS - 1].match(in, d);
	return &rule_rows[N_RULE_ROWS - 1];
}

enum policy_rule policy_rule_at(size_t precedence)
{
	return precedence < N_RULE_ROWS ? rule_rows[precedence].rule : RULE_COUNT;
}

const char *policy_rule_to_string(enum policy_rule rule)
{
	const struct rule_row *row = rule_row(rule);

	return row ? row->name : "invalid";
}

/* Per host: can it run the decided state; when it can but not the best one
 * (best_state()), say so, since that is what held the guest back. */
static void judge_host(const struct host_answers *a, const char *fallback_name,
		       bool check_machine /* false: this host */,
		       enum seoib_state state, enum seoib_state best, struct host_judgement *hj)
{
	snprintf(hj->hostname, sizeof(hj->hostname), "%s", or_empty(a->hostname)[0] ? a->hostname : fallback_name);
	hj->known = a->usable;
	if (!hj->known) {
		snprintf(hj->why, sizeof(hj->why), "%s", or_empty(a->state[state].why_cannot));
		return;
	}
	/* Another host without the guest's machine type runs no state of it.
	 * This host's own QEMU is asked directly (docs/vmm.md), and refuses
	 * an unsupported machine type in its own words. */
	if (check_machine && a->machine_missing) {
		snprintf(hj->why, sizeof(hj->why), "%s", or_empty(a->machine_why));
		return; /* can_run stays false */
	}
	hj->proof = a->state[state].proof;
	snprintf(hj->evidence, sizeof(hj->evidence), "%s", or_empty(a->state[state].evidence));
	hj->can_run = a->state[state].runs;
	if (!hj->can_run) {
		snprintf(hj->why, sizeof(hj->why), "%s", or_empty(a->state[state].why_cannot));
		return;
	}
	if (state != best && !a->state[best].runs) {
		sentence_format(hj->why, sizeof(hj->why), "runs %s; %s", state_to_string(state),
				or_empty(a->state[best].why_cannot));
		return;
	}
	sentence_format(hj->why, sizeof(hj->why), "runs %s", state_to_string(state));
}

static int judge_hosts(const struct policy_input *in, struct decision *d)
{
	enum seoib_state best = best_state(in->guest);
	struct host_answers home;

	if (policy_host_answers(in->host, NULL, &home) < 0)
		return -1;
	judge_host(&home, "this host", false, d->state, best, &d->host);
	host_answers_free(&home);
	d->host_can_run = d->host.known && d->host.can_run;
	d->targets = in->n_targets ? calloc(in->n_targets, sizeof(*d->targets)) : NULL;
	if (in->n_targets && !d->targets)
		return -1;
	d->n_targets = in->n_targets;
	for (size_t i = 0; i < in->n_targets; i++) {
		char fallback[32];

		snprintf(fallback, sizeof(fallback), "target %zu", i + 1);
		judge_host(&in->targets[i], fallback, true, d->state, best, &d->targets[i]);
	}
	return 0;
}

/* Rule 0: every host runs such a guest alike; say so instead of judging
 * KVM records that do not apply to it. */
static void judge_hosts_alike(const struct policy_input *in, struct decision *d)
{
	static const char why[] = "runs it: KVM's flags do not apply to this guest";

	snprintf(d->host.hostname, sizeof(d->host.hostname), "%s", host_name(in->host));
	d->host.known = d->host.can_run = d->host_can_run = true;
	sentence_format(d->host.why, sizeof(d->host.why), "%s", why);
	d->targets = in->n_targets ? calloc(in->n_targets, sizeof(*d->targets)) : NULL;
	d->n_targets = d->targets ? in->n_targets : 0;
	for (size_t i = 0; i < d->n_targets; i++) {
		struct host_judgement *t = &d->targets[i];

		if (or_empty(in->targets[i].hostname)[0])
			snprintf(t->hostname, sizeof(t->hostname), "%s", in->targets[i].hostname);
		else
			snprintf(t->hostname, sizeof(t->hostname), "target %zu", i + 1);
		t->known = true;
		t->can_run = !in->targets[i].machine_missing;
		snprintf(t->why, sizeof(t->why), "%s", or_empty(in->targets[i].machine_why));
		if (t->can_run)
			sentence_format(t->why, sizeof(t->why), "%s", why);
	}
}

/* Hosts that are known but cannot run the state, then hosts not known. */
static void count_hosts(const struct decision *d, size_t *cannot, size_t *unknown)
{
	*cannot = d->host.known && !d->host.can_run;
	*unknown = !d->host.known;
	for (size_t i = 0; i < d->n_targets; i++) {
		*cannot += d->targets[i].known && !d->targets[i].can_run;
		*unknown += !d->targets[i].known;
	}
}

static void explain_hosts(struct decision *d)
{
	if (d->host.known && !d->host.can_run)
		add_reason(d, "this host %s %s", d->host.hostname, d->host.why);
	else if (!d->host.known)
		add_reason(d, "this host %s has no usable record (%s)", d->host.hostname, d->host.why);
	for (size_t i = 0; i < d->n_targets; i++) {
		const struct host_judgement *t = &d->targets[i];

		if (t->known && !t->can_run)
			add_reason(d, "target %s %s", t->hostname, t->why);
		else if (!t->known)
			add_reason(d, "target %s has no usable record (%s)", t->hostname, t->why);
	}
}

/* The VMM model left the state unknown (run_state_decide() could not tell
 * what QEMU runs). */
static bool run_state_unknown(const struct decision *d)
{
	return !d->run.known && d->run.why[0];
}

/* Verdict rows V1-V4 of docs/policy.md, first match wins, after what the
 * VMM model says: a state QEMU here cannot be told is unknown, a recorded
 * state QEMU would not keep is unsafe. */
static enum verdict verdict_of(const struct rule_row *row, const struct decision *d)
{
	size_t cannot, unknown;

	if (run_state_unknown(d))
		return VERDICT_UNKNOWN;
	if (d->run.differs && d->sticky)
		return VERDICT_UNSAFE;
	count_hosts(d, &cannot, &unknown);
	if (row->flags & RULE_ANY_KERNEL)
		/* Such guests behave the same on every kernel: missing
		 * records cannot change anything. */
		unknown = 0;
	if (cannot)
		return VERDICT_UNSAFE;
	if (row->flags & RULE_STATE_GUESSED)
		return VERDICT_UNKNOWN;
	if (d->risk == RISK_HIGH)
		return VERDICT_UNSAFE;
	if (unknown || d->risk == RISK_UNKNOWN)
		return VERDICT_UNKNOWN;
	return VERDICT_SAFE;
}

static void remediate_unsafe_hosts(const struct policy_input *in, struct decision *d)
{
	char upgrades[SEOIB_MESSAGE_MAX];

	upgrades_for(in, d->state, upgrades, sizeof(upgrades));
	if (upgrades[0])
		sentence_format(d->remediation, sizeof(d->remediation), "%s, or keep guest %s on hosts that can run %s",
				upgrades, in->guest->name, state_to_string(d->state));
	else
		sentence_format(d->remediation, sizeof(d->remediation), "keep guest %s on hosts that can run %s",
				in->guest->name, state_to_string(d->state));
}

/* How to take x2APIC away from the guest's vCPU, as its XML stands. */
static const char *x2apic_edit(const struct guest_facts *g)
{
	if (g->cpu_cmdline)
		return "append ,-x2apic to the -cpu argument of its <qemu:commandline>";
	if (g->cpu_mode[0] && (strcmp(g->cpu_mode, "custom") != 0 || g->cpu_model))
		return "add <feature policy='disable' name='x2apic'/> to its <cpu>";
	/* libvirt takes no <feature> without a model. */
	return "give it <cpu mode='custom' match='exact'><model fallback='allow'>qemu64</model><feature policy='disable' name='x2apic'/></cpu> (qemu64 is the CPU QEMU gives it now)";
}

/* The cure that needs nothing from the host: a vCPU without x2APIC is
 * never offered Directed EOI (rule 9), and QEMU runs it with the split
 * irqchip and interrupt remapping (QEMU 7.2 accepts kernel-irqchip=split,
 * intel-iommu / amd-iommu intremap=on and -cpu ...,-x2apic; checked by
 * tests/policy/remediation-qemu.sh). Not for more than 255 vCPUs: xAPIC
 * IDs are 8 bits. False when it does not apply. */
static bool x2apic_remediation(const struct guest_facts *g, char *buf, size_t size)
{
	static const char cost[] =
		"KVM then never offers Directed EOI, on any kernel and QEMU; the cost: the guest's local APIC runs in xAPIC mode, so at most 255 vCPUs and somewhat slower interrupt delivery";

	if (g->x2apic != X2APIC_PRESENT || g->vcpus > 255)
		return false;
	sentence_format(buf, size, "disable x2APIC in the vCPU of guest %s: %s (%s)", g->name, x2apic_edit(g), cost);
	return true;
}

/* A guest judged the victim on signals weaker than a libosinfo Windows id
 * is not the victim once its metadata names another OS. */
static void add_not_windows_hint(const struct guest_facts *g, struct decision *d)
{
	if (!d->remediation[0] || guest_facts_windows(g, NULL, 0) == WINDOWS_YES)
		return;
	sentence_append(d->remediation, sizeof(d->remediation), "; ",
			"if it does not run Windows, say so in its libosinfo metadata (<libosinfo:os id='...'/>, as virt-install writes it)");
}

/* Risk unknown: nothing says which OS the guest runs, and it can run a
 * hypervisor. Naming its OS settles it; so does taking the exposure away. */
static void remediate_os_unknown(const struct policy_input *in, struct decision *d)
{
	const struct guest_facts *g = in->guest;

	if (!g->split_required)
		sentence_format(d->remediation, sizeof(d->remediation),
			 "say which OS guest %s runs with libosinfo metadata (<libosinfo:os id='...'/> in its <metadata>, as virt-install writes it), or switch it to the in-kernel irqchip with <ioapic driver='kvm'/>",
			 g->name);
	else if (g->vcpus <= 255)
		sentence_format(d->remediation, sizeof(d->remediation),
			 "say which OS guest %s runs with libosinfo metadata (<libosinfo:os id='...'/> in its <metadata>, as virt-install writes it), or disable x2APIC in its vCPU: %s",
			 g->name, x2apic_edit(g));
	else
		sentence_format(d->remediation, sizeof(d->remediation),
			 "say which OS guest %s runs with libosinfo metadata (<libosinfo:os id='...'/> in its <metadata>, as virt-install writes it)",
			 g->name);
}

/* High risk: the in-kernel irqchip if nothing needs split; else a sticky
 * quirked guest whose hosts could all run respected only needs its record
 * cleared at a cold boot; else x2APIC off, which needs nothing from any
 * host; else (more than 255 vCPUs) vmx/svm off, which needs nothing from
 * any host either; the upgrades only for what is left. */
static void remediate_risk(const struct policy_input *in, struct decision *d)
{
	const struct guest_facts *g = in->guest;
	char upgrades[SEOIB_MESSAGE_MAX];

	upgrades_for(in, STATE_RESPECTED, upgrades, sizeof(upgrades));
	if (!g->split_required && g->irqchip_cmdline)
		/* <ioapic driver='kvm'/> alone would be overridden by it. */
		sentence_format(d->remediation, sizeof(d->remediation),
			 "remove kernel-irqchip=split from the <qemu:commandline> of guest %s and use <ioapic driver='kvm'/> (Directed EOI is then never advertised)",
			 g->name);
	else if (!g->split_required)
		sentence_format(d->remediation, sizeof(d->remediation),
			 "switch guest %s to the in-kernel irqchip with <ioapic driver='kvm'/> (Directed EOI is then never advertised)",
			 g->name);
	else if (!upgrades[0] && d->sticky)
		sentence_format(d->remediation, sizeof(d->remediation),
			 "power guest %s off and clear its recorded quirked state (virsh metadata %s --uri %s --remove --config) so that it starts respected",
			 g->name, g->name, SEOIB_METADATA_URI);
	else if (x2apic_remediation(g, d->remediation, sizeof(d->remediation)))
		;
	else if (g->virt_ext != VIRT_EXT_NO)
		/* More than 255 vCPUs: x2APIC stays; the victim's other
		 * condition, a hypervisor inside, can go. */
		sentence_format(d->remediation, sizeof(d->remediation),
			 "take vmx and svm away from the vCPU of guest %s: add <feature policy='disable' name='vmx'/> and <feature policy='disable' name='svm'/> to its <cpu> (Windows then cannot run Hyper-V, VBS, Credential Guard or WSL2, the known victim's condition, on any kernel and QEMU; the cost: exactly those features in the guest)",
			 g->name);
	else if (upgrades[0])
		sentence_format(d->remediation, sizeof(d->remediation), "%s", upgrades);
	add_not_windows_hint(g, d);
}

static void remediate_unknown(const struct rule_row *row, const struct policy_input *in, struct decision *d)
{
	if (row->remediate_unknown)
		row->remediate_unknown(in, d);
	else if (!usable(in->host))
		sentence_format(d->remediation, sizeof(d->remediation),
			 "publish a usable record for %s (start seoibd, or run seoibctl reprobe where it runs) and fix what its status says",
			 host_name(in->host));
	else
		sentence_format(d->remediation, sizeof(d->remediation),
			 "refresh the records of the targets listed without one (seoibctl probe --json on each)");
}

static void remediate(const struct rule_row *row, const struct policy_input *in, struct decision *d)
{
	size_t cannot, unknown;
	char upgrades[SEOIB_MESSAGE_MAX];

	if (row->flags & RULE_ANY_KERNEL)
		return;
	count_hosts(d, &cannot, &unknown);
	if (cannot)
		remediate_unsafe_hosts(in, d);
	else if (d->risk == RISK_UNKNOWN && !(row->flags & RULE_STATE_GUESSED))
		remediate_os_unknown(in, d);
	else if (d->verdict == VERDICT_UNKNOWN)
		remediate_unknown(row, in, d);
	else if (d->risk == RISK_HIGH)
		remediate_risk(in, d);
	else if (d->state == STATE_QUIRKED && !d->sticky && d->risk == RISK_LOW) {
		upgrades_for(in, best_state(in->guest), upgrades, sizeof(upgrades));
		if (upgrades[0])
			sentence_format(d->remediation, sizeof(d->remediation), "optional, to run %s: %s",
				 state_to_string(best_state(in->guest)), upgrades);
	}
}

/* ---- the pipeline: each step sets its own fields, once ---- */

/* What QEMU will do overrides seoib's choice: say it first, where the
 * hook's one line (libvirt's error) cannot cut it off. */
static void add_reason_first(struct decision *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_reason_first(struct decision *d, const char *fmt, ...)
{
	va_list ap;
	int n = d->n_reasons < DECISION_REASONS_MAX ? d->n_reasons : DECISION_REASONS_MAX - 1;

	memmove(d->reasons[1], d->reasons[0], (size_t)n * sizeof(d->reasons[0]));
	d->n_reasons = n + 1;
	va_start(ap, fmt);
	sentence_vformat(d->reasons[0], sizeof(d->reasons[0]), fmt, ap);
	va_end(ap);
}

/* Step 2, for a row that makes a choice (RULE_VMM_MODEL): d->run, the state
 * this host's QEMU runs for seoib's choice d->preferred (run_state_decide();
 * not applied without a usable record: no state can be chosen without
 * it), and its reasons. */
static void apply_vmm_model(const struct policy_input *in, struct decision *d)
{
	const struct guest_facts *guest = in->guest;

	if (!usable(in->host))
		return;
	run_state_decide(guest, in->host->rec, d->preferred, &d->run);
	if (!d->run.known)
		add_reason(d, "%s", d->run.why);
	else if (d->run.differs)
		add_reason_first(d, "seoib prefers %s, but %s", state_to_string(d->preferred), d->run.why);
	else if (guest->irqchip == IRQCHIP_SPLIT)
		/* Say how QEMU chooses wherever the state matters (split). */
		add_reason(d, "%s", d->run.why);
}

/* Steps 1-2: the rule (seoib's choice, sticky, its reasons), then the VMM
 * model; d->state once, from both; d->risk once, for that state, unless
 * the row set it. Returns the row. */
static const struct rule_row *choose_state(const struct policy_input *in, struct decision *d)
{
	const struct rule_row *row;

	memset(d, 0, sizeof(*d));
	describe_guest(in->guest, d);
	row = match_rule(in, d);
	d->rule = row->rule;
	if (row->flags & RULE_VMM_MODEL)
		apply_vmm_model(in, d);
	d->state = d->run.known && d->run.differs ? d->run.state : d->preferred;
	if (row->flags & RULE_VMM_MODEL)
		d->risk = risk_of(in->guest, d->state);
	return row;
}

/* The remediation for what the VMM model changed; false when it changed
 * nothing to remediate (the rule's remediation stands). */
static bool remediate_run_state(const struct guest_facts *guest, struct decision *d)
{
	if (run_state_unknown(d) && (guest->irqchip_unknown || guest->ioapic_unknown))
		sentence_format(d->remediation, sizeof(d->remediation),
			 "make the irqchip and I/O APIC version of guest %s known to seoib (docs/policy.md lists what it reads), or set vmm-model in seoib.conf to what this host's QEMU does",
			 guest->name);
	else if (run_state_unknown(d))
		sentence_format(d->remediation, sizeof(d->remediation),
			 "make the guest's <qemu:commandline> readable to seoib (at most %d short arguments), or set vmm-model in seoib.conf to what this host's QEMU does",
			 GUEST_QEMU_ARGS_MAX);
	else if (d->run.differs && d->run.writable)
		sentence_format(d->remediation, sizeof(d->remediation),
			 "run 'seoibctl apply --domain %s': it writes %s %s into the guest's <qemu:commandline> so that QEMU runs %s",
			 guest->name, d->run.option, d->run.value, state_to_string(d->preferred));
	else if (d->run.differs && d->sticky)
		sentence_format(d->remediation, sizeof(d->remediation),
			 "start guest %s on a host whose QEMU runs %s (VMM model automatic, or a machine or CPU property), or power it off and clear its recorded state (virsh metadata %s --uri %s --remove --config)",
			 guest->name, state_to_string(d->preferred), guest->name, SEOIB_METADATA_URI);
	else
		return false;
	return true;
}

/* Steps 3-5: every host judged for d->state, then the verdict, then the
 * remediation, each once. A RULE_SETTLES row set verdict and remediation
 * itself. */
static void judge_decision(const struct rule_row *row, const struct policy_input *in, struct decision *d)
{
	if (row->flags & RULE_HOSTS_ALIKE) {
		judge_hosts_alike(in, d);
		return;
	}
	if (judge_hosts(in, d) < 0) {
		d->verdict = VERDICT_UNKNOWN;
		add_reason(d, "out of memory while judging %zu targets", in->n_targets);
		return;
	}
	if (row->flags & RULE_SETTLES)
		return;
	d->verdict = verdict_of(row, d);
	if (!(row->flags & RULE_ANY_KERNEL))
		explain_hosts(d);
	if (d->run.differs && d->sticky)
		add_reason_first(d, "QEMU would start guest %s %s, not in its recorded state %s, which must never change under it",
				 in->guest->name, state_to_string(d->run.state), state_to_string(d->preferred));
	if (!remediate_run_state(in->guest, d))
		remediate(row, in, d);
}

/* The hosts' answers could not be held: nothing can be judged. */
static void decide_out_of_memory(struct decision *d, size_t n_targets)
{
	memset(d, 0, sizeof(*d));
	d->verdict = VERDICT_UNKNOWN;
	d->state = STATE_QUIRKED;
	add_reason(d, "out of memory while judging %zu targets", n_targets);
}

void policy_decide(const struct guest_facts *guest, const struct host_view *host,
		   const struct host_view *targets, size_t n_targets, struct decision *out)
{
	struct host_answers *answers = answers_of(targets, n_targets, guest);
	const struct policy_input in = {guest, host, answers, n_targets};

	if (!answers) {
		decide_out_of_memory(out, n_targets);
		return;
	}
	judge_decision(choose_state(&in, out), &in, out);
	host_answers_free_all(answers, n_targets);
}

/* choose_state(), and when the choice needs an argument in the guest's
 * <qemu:commandline> (d->run.writable), the choice again as if seoibctl
 * apply had written it into `with`. The row of the choice that stands. */
static const struct rule_row *choose_applied(const struct policy_input *in, struct decision *d,
					     struct guest_facts *with, struct run_state *argument, bool *applied)
{
	const struct rule_row *row = choose_state(in, d);
	struct policy_input again = *in;

	*applied = false;
	if (!d->run.writable || run_state_with_argument(in->guest, &d->run, with) < 0)
		return row; /* nothing to write, or no room for it: the plain choice stands */
	if (argument)
		*argument = d->run;
	*applied = true;
	again.guest = with;
	return choose_state(&again, d);
}

bool policy_decide_applied_answers(const struct guest_facts *guest, const struct host_view *host,
				   const struct host_answers *targets, size_t n_targets, struct decision *d,
				   struct run_state *argument)
{
	_cleanup_free_ struct guest_facts *with = malloc(sizeof(*with));
	const struct policy_input in = {guest, host, targets, n_targets};
	struct policy_input judged = in;
	const struct rule_row *row;
	bool applied = false;

	if (!with)
		row = choose_state(&in, d); /* no room to try the argument: the plain decision stands */
	else
		row = choose_applied(&in, d, with, argument, &applied);
	if (applied)
		judged.guest = with;
	judge_decision(row, &judged, d);
	return applied;
}

bool policy_decide_applied(const struct guest_facts *guest, const struct host_view *host,
			   const struct host_view *targets, size_t n_targets, struct decision *d,
			   struct run_state *argument)
{
	struct host_answers *answers = answers_of(targets, n_targets, guest);
	bool applied;

	if (!answers) {
		decide_out_of_memory(d, n_targets);
		return false;
	}
	applied = policy_decide_applied_answers(guest, host, answers, n_targets, d, argument);
	host_answers_free_all(answers, n_targets);
	return applied;
}

/* Can the guest go anywhere: safe when at least one host can run its
 * state, unsafe when every host is known and none can, unknown otherwise
 * (no host, or only hosts without a usable record left). */
static enum verdict domain_verdict(const struct decision *d)
{
	size_t can = 0, unknown = 0;

	for (size_t i = 0; i < d->n_targets; i++) {
		can += d->targets[i].known && d->targets[i].can_run;
		unknown += !d->targets[i].known;
	}
	if (can)
		return VERDICT_SAFE;
	return unknown || d->n_targets == 0 ? VERDICT_UNKNOWN : VERDICT_UNSAFE;
}

void policy_migration_domain_answers(const struct guest_facts *guest, const struct host_view *home,
				     const struct host_answers *hosts, size_t n_hosts, struct decision *out)
{
	/* A recorded state is chosen and judged without home's VMM model
	 * replacing it. */
	const struct policy_input in = {guest, guest->has_metadata_state ? NULL : home, hosts, n_hosts};
	/* The state is home's own choice: the hosts judged below do not
	 * constrain it (they are where it may go, not where it must run). */
	const struct policy_input choice = {guest, in.host, NULL, 0};
	_cleanup_free_ struct guest_facts *with = malloc(sizeof(*with));
	const struct rule_row *row;
	bool applied = false;

	if (guest->has_metadata_state || !with)
		row = choose_state(&choice, out);
	else
		row = choose_applied(&choice, out, with, NULL, &applied);
	if (row->flags & RULE_HOSTS_ALIKE)
		judge_hosts_alike(&in, out);
	else if (judge_hosts(&in, out) < 0)
		add_reason(out, "out of memory while judging %zu hosts", n_hosts);
	out->verdict = domain_verdict(out);
}

void policy_migration_domain(const struct guest_facts *guest, const struct host_view *home,
			     const struct host_view *hosts, size_t n_hosts, struct decision *out)
{
	struct host_answers *answers = answers_of(hosts, n_hosts, guest);

	if (!answers) {
		decide_out_of_memory(out, n_hosts);
		return;
	}
	policy_migration_domain_answers(guest, home, answers, n_hosts, out);
	host_answers_free_all(answers, n_hosts);
}

void decision_free(struct decision *d)
{
	free(d->targets);
	d->targets = NULL;
	d->n_targets = 0;
}

static void add_string(json_object *obj, const char *key, const char *value)
{
	json_object_object_add(obj, key, value && value[0] ? json_object_new_string(value) : NULL);
}

static void add_bool(json_object *obj, const char *key, bool value)
{
	json_object_object_add(obj, key, json_object_new_boolean(value));
}

static json_object *recorded_to_json(const struct guest_facts *g)
{
	json_object *obj;

	if (!g->has_metadata_state)
		return NULL;
	obj = json_object_new_object();
	add_string(obj, "state", state_to_string(g->metadata_state));
	add_string(obj, "host", g->metadata_host);
	add_string(obj, "decided", g->metadata_decided);
	return obj;
}

static json_object *guest_to_json(const struct guest_facts *g)
{
	json_object *obj = json_object_new_object();
	char version[8], windows_why[256], victim_why[SEOIB_MESSAGE_MAX];

	snprintf(version, sizeof(version), g->ioapic_unknown ? "unknown" : "0x%x", g->ioapic_version);
	add_string(obj, "name", g->name);
	add_string(obj, "uuid", g->uuid);
	add_string(obj, "machine", g->machine);
	add_string(obj, "irqchip", guest_facts_irqchip_string(g));
	add_string(obj, "irqchip_why", g->irqchip_why);
	add_bool(obj, "split_required", g->split_required);
	add_string(obj, "ioapic_version", version);
	add_string(obj, "ioapic_why", g->ioapic_why);
	if (g->facts_source[0]) /* QEMU was consulted (seoib/qemu_guest_query.h) */
		add_string(obj, "facts_source", g->facts_source);
	add_string(obj, "lapic_why", g->lapic_why);
	add_string(obj, "os_id", g->os_id);
	add_bool(obj, "windows", g->windows);
	add_bool(obj, "hyperv", g->hyperv);
	json_object_object_add(obj, "nested_virt", g->virt_ext == VIRT_EXT_UNKNOWN ? NULL
						   : json_object_new_boolean(g->virt_ext == VIRT_EXT_YES));
	add_string(obj, "nested_why", g->nested_why);
	add_string(obj, "x2apic", g->qemu_lapic ? NULL : guest_x2apic_to_string(g->x2apic));
	add_string(obj, "x2apic_why", g->qemu_lapic ? NULL : g->x2apic_why);
	add_string(obj, "windows_evidence", guest_windows_to_string(guest_facts_windows(g, windows_why, sizeof(windows_why))));
	add_string(obj, "windows_why", windows_why);
	add_string(obj, "victim", guest_victim_to_string(guest_facts_victim(g, victim_why, sizeof(victim_why))));
	add_string(obj, "victim_why", victim_why);
	add_bool(obj, "secure_boot", g->secure_boot);
	add_bool(obj, "tpm", g->tpm);
	add_bool(obj, "at_risk", guest_facts_at_risk(g));
	json_object_object_add(obj, "vbs_signals", json_object_new_int(guest_facts_vbs_signals(g)));
	json_object_object_add(obj, "recorded", recorded_to_json(g));
	return obj;
}

static json_object *host_judgement_to_json(const struct host_judgement *hj)
{
	json_object *obj = json_object_new_object();

	add_string(obj, "hostname", hj->hostname);
	json_object_object_add(obj, "can_run", hj->known ? json_object_new_boolean(hj->can_run) : NULL);
	add_string(obj, "why", hj->why);
	add_string(obj, "proof", hj->known ? proof_to_string(hj->proof) : NULL);
	add_string(obj, "evidence", hj->known ? hj->evidence : NULL);
	return obj;
}

/* How this host's QEMU chooses, when the VMM model was applied. */
static json_object *run_state_to_json(const struct decision *d)
{
	json_object *obj;
	char argument[sizeof(d->run.option) + sizeof(d->run.value) + 1];

	if (!d->run.why[0])
		return NULL;
	obj = json_object_new_object();
	add_bool(obj, "known", d->run.known);
	add_bool(obj, "differs", d->run.differs);
	add_bool(obj, "from_xml", d->run.from_xml);
	snprintf(argument, sizeof(argument), "%s %s", d->run.option, d->run.value);
	add_string(obj, "argument", d->run.writable ? argument : NULL);
	add_string(obj, "why", d->run.why);
	return obj;
}

json_object *decision_to_json(const struct guest_facts *guest, const struct decision *d)
{
	json_object *obj = json_object_new_object();
	json_object *reasons = json_object_new_array();
	json_object *targets = json_object_new_array();

	add_string(obj, "schema", DECISION_SCHEMA);
	json_object_object_add(obj, "guest", guest_to_json(guest));
	add_string(obj, "state", state_to_string(d->state));
	add_string(obj, "risk", risk_to_string(d->risk));
	add_string(obj, "verdict", verdict_to_string(d->verdict));
	add_string(obj, "proof", decision_proof_to_string(d));
	json_object_object_add(obj, "rule", json_object_new_int((int)d->rule));
	add_bool(obj, "sticky", d->sticky);
	for (int i = 0; i < d->n_reasons; i++)
		json_object_array_add(reasons, json_object_new_string(d->reasons[i]));
	json_object_object_add(obj, "reasons", reasons);
	add_string(obj, "remediation", d->remediation);
	add_string(obj, "preferred", state_to_string(d->preferred));
	json_object_object_add(obj, "vmm", run_state_to_json(d));
	json_object_object_add(obj, "host", host_judgement_to_json(&d->host));
	for (size_t i = 0; i < d->n_targets; i++)
		json_object_array_add(targets, host_judgement_to_json(&d->targets[i]));
	json_object_object_add(obj, "targets", targets);
	return obj;
}

/* verified only when every known host that runs the state proved it;
 * contradicted when one contradicted it; unverified otherwise (not run or
 * inconclusive somewhere: the state stays runnable, the proof is missing). */
const char *decision_proof_to_string(const struct decision *d)
{
	bool any_known = d->host.known, contradicted = d->host.known && d->host.proof == PROOF_CONTRADICTED;
	bool unproven = d->host.known && d->host.proof != PROOF_VERIFIED;

	for (size_t i = 0; i < d->n_targets; i++) {
		const struct host_judgement *t = &d->targets[i];

		any_known |= t->known;
		contradicted |= t->known && t->proof == PROOF_CONTRADICTED;
		unproven |= t->known && t->proof != PROOF_VERIFIED;
	}
	if (contradicted)
		return proof_to_string(PROOF_CONTRADICTED);
	if (!any_known || unproven)
		return proof_to_string(PROOF_UNVERIFIED);
	return proof_to_string(PROOF_VERIFIED);
}

static const char *const verdict_table[VERDICT_COUNT] = {
	[VERDICT_SAFE] = "safe",
	[VERDICT_UNSAFE] = "unsafe",
	[VERDICT_UNKNOWN] = "unknown",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(verdict, enum verdict)
