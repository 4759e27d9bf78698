/* The policy engine: a pure function from guest facts and host records to a
 * decision (docs/policy.md has the rule table and the decision JSON). */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "seoib/guest_facts.h"
#include "seoib/host_record.h"
#include "seoib/host_view.h"
#include "seoib/run_state.h"
#include "seoib/states.h"

#define DECISION_REASONS_MAX 8
#define DECISION_SCHEMA "seoib.decision/1"

/* The state rules of docs/policy.md ("State"). A rule's value is its number
 * as published (the decision's "rule"): stable, never reused. The order the
 * rules are tried in is the rule table's (lib/policy/policy.c, rule_rows[]),
 * which tests/policy/test_policy_rules.c checks against docs/policy.md. */
enum policy_rule {
	RULE_NOT_EXPOSED = 0,          /* QEMU's own local APIC: no KVM flag applies */
	RULE_RECORDED_NEEDS_SPLIT = 1, /* recorded respected, irqchip now in-kernel */
	RULE_RECORDED_NEEDS_EOI = 2,   /* recorded respected, I/O APIC now 0x11 */
	RULE_IN_KERNEL = 3,            /* in-kernel irqchip: quirked on every kernel */
	RULE_NO_HOST_RECORD = 4,       /* this host's record missing or not ok */
	RULE_RECORDED = 5,             /* the recorded state is sticky */
	RULE_SPLIT_EOI = 6,            /* split, I/O APIC 0x20: respected if every host can */
	RULE_SPLIT_NO_EOI = 7,         /* split, I/O APIC 0x11: not-advertised if every host can */
	RULE_FACTS_UNKNOWN = 8,        /* irqchip or I/O APIC unknown */
	RULE_NO_X2APIC = 9,            /* the vCPU has no x2APIC: Directed EOI is never offered */
	RULE_COUNT,
};

/* The rule tried at position `precedence` (0 first), RULE_COUNT past the
 * last one; and a rule's name as docs/policy.md writes it ("invalid" when
 * out of range). */
enum policy_rule policy_rule_at(size_t precedence);
const char *policy_rule_to_string(enum policy_rule rule);

/* Can one host (this host or a migration target) run the decided state? */
struct host_judgement {
	char hostname[256];
	bool known;                  /* false: no usable record (missing, status not ok) */
	bool can_run;                /* meaningful only when known */
	char why[SEOIB_MESSAGE_MAX]; /* why not, or what it runs as */
	enum proof proof;            /* behavioural proof of the decided state there (known only) */
	char evidence[SEOIB_MESSAGE_MAX]; /* what its guests showed, one sentence */
};

/* What the engine asks of one host's view, answered once for every state
 * (policy_host_answers()), so that a decision over many hosts holds these,
 * a few hundred bytes each, instead of the records (~44 KB each): seoibctl
 * fleet answers each record as it reads it. Sentences are owned, NULL for
 * "". */
struct host_answers {
	char *hostname;            /* the record's host name; NULL: none */
	bool usable;               /* the view's (seoib/host_view.h) */
	bool machine_missing;      /* host_can_run_machine() said HOST_MACHINE_MISSING for the guest */
	char *machine_why;         /* its sentence */
	struct {
		bool runs;         /* host_can_run() */
		char *why_cannot;  /* host_why_cannot(), when it cannot or is not usable */
		enum proof proof;  /* host_state_proof() (usable only) */
		char *evidence;    /* its sentence (usable only) */
		char *upgrade;     /* host_upgrade_for() when usable and it cannot */
	} state[STATE_COUNT];
};

/* Answers the view v (NULL: no record) for guest g (NULL: this host, whose
 * own QEMU is asked about the machine type instead). Returns 0, or -1 on an
 * allocation failure (out zeroed). Free with host_answers_free(). The rules
 * are host_can_run.h's; this only asks them once. */
int policy_host_answers(const struct host_view *v, const struct guest_facts *g, struct host_answers *out);
void host_answers_free(struct host_answers *a);

enum verdict {
	VERDICT_SAFE,    /* start / migrate: go */
	VERDICT_UNSAFE,  /* a guest would storm or a state cannot be kept: refuse */
	VERDICT_UNKNOWN, /* missing data (no usable host record): cannot tell */
	VERDICT_COUNT,
};

struct decision {
	enum seoib_state state;
	enum risk risk;
	enum verdict verdict;
	enum policy_rule rule;       /* the rule table row that decided (docs/policy.md) */
	bool sticky;                 /* state came from the guest's metadata state */
	enum seoib_state preferred;  /* seoib's choice (the rule's), before the VMM model */
	/* The fields are set in this order, each by one step and never after:
	 * the rule (preferred, sticky, rule; risk, verdict and remediation for
	 * a row that settles them), the VMM model (run), the state (run.state
	 * where QEMU here runs another, else preferred), the risk, the hosts
	 * (host, host_can_run, targets), the verdict, the remediation. */
	struct run_state run;        /* this host's VMM model applied (run.known false: not applied) */
	bool host_can_run;           /* this host can run `state` */
	struct host_judgement host;  /* this host, as for a target */
	int n_reasons;
	char reasons[DECISION_REASONS_MAX][SEOIB_MESSAGE_MAX];
	char remediation[SEOIB_MESSAGE_MAX]; /* "" when nothing to do */
	size_t n_targets;
	struct host_judgement *targets; /* owned; free with decision_free() */
};

/* host is this host's view (host_view_local(); NULL: no record), targets
 * the targets' (host_view_peer()), n_targets of them (may be 0). A view's
 * record is used only when the view is usable; an unusable one is
 * "unknown", with the view's sentence as its why. Pure apart from the
 * allocation of out->targets. */
void policy_decide(const struct guest_facts *guest, const struct host_view *host,
		   const struct host_view *targets, size_t n_targets, struct decision *out);
void decision_free(struct decision *d);

/* policy_decide(), then, when an argument in the guest's <qemu:commandline>
 * would make this host's QEMU run seoib's preference (d->run.writable: a
 * machine or CPU property), decide again as if `seoibctl apply` had written
 * it: the state the guest gets here. Returns true with that argument in
 * *argument (may be NULL) when one was assumed; false leaves the plain
 * decision (no argument needed, or no room for one: 32 arguments). */
bool policy_decide_applied(const struct guest_facts *guest, const struct host_view *host,
			   const struct host_view *targets, size_t n_targets, struct decision *d,
			   struct run_state *argument);
/* seoibctl fleet --domain, the guest's migration domain: which of `hosts`
 * can run the state the guest is in. A recorded state is the one the guest
 * runs in and carries (it never changes under it), whatever home's QEMU
 * would start it in; otherwise the state it gets on `home` (its current
 * host, NULL when unknown) once seoibctl apply wrote any argument
 * (policy_decide_applied()). out->state is that state and out->targets one
 * judgement per host, in order (known, can_run, why as for any target).
 * out->verdict answers "can it go anywhere": safe when at least one host
 * can run the state, unsafe when every host is known and none can, unknown
 * otherwise (no hosts at all included). out->host is home's judgement.
 * rule, sticky, preferred, run, risk and the reasons are the choice of
 * that state (as policy_decide() on home with no targets makes it);
 * remediation is empty: there is nothing to remedy in where a guest may
 * go. home and hosts are views (host_view_local() / host_view_peer()).
 * Free with decision_free(). */
void policy_migration_domain(const struct guest_facts *guest, const struct host_view *home,
			     const struct host_view *hosts, size_t n_hosts, struct decision *out);
/* policy_decide_applied() and policy_migration_domain() over targets
 * already answered (policy_host_answers(), for the same guest): what the
 * view-taking ones do after answering each view. */
bool policy_decide_applied_answers(const struct guest_facts *guest, const struct host_view *host,
				   const struct host_answers *targets, size_t n_targets, struct decision *d,
				   struct run_state *argument);
void policy_migration_domain_answers(const struct guest_facts *guest, const struct host_view *home,
				     const struct host_answers *hosts, size_t n_hosts, struct decision *out);
/* The decision as the "seoib.decision/1" JSON document (docs/policy.md). */
json_object *decision_to_json(const struct guest_facts *guest, const struct decision *d);
const char *verdict_to_string(enum verdict v);
/* The decision's proof over this host and every known target: "verified",
 * "unverified" (not run or inconclusive somewhere) or "contradicted". */
const char *decision_proof_to_string(const struct decision *d);
