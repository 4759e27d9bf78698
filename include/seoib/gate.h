/* The libvirt gate: may a guest start on this host, or arrive here by
 * migration or restore? Pure functions over guest facts, a policy decision
 * and this host's record, shared by the qemu hook (seoibctl hook) and the
 * migration planner (seoibctl check --dest), so that both give the same
 * answer for the same guest and host. docs/libvirt.md explains the rules. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "seoib/config.h"
#include "seoib/domain_record.h"
#include "seoib/guest_facts.h"
#include "seoib/host_record.h"
#include "seoib/policy.h"
#include "seoib/qemu_launch.h"

/* What a libvirt qemu hook call asks of seoib (docs/background.md section 4). */
enum gate_op {
	GATE_IGNORE,  /* every call seoib has no business with: exit 0 */
	GATE_PREPARE, /* prepare begin: the guest is about to start here */
	GATE_MIGRATE, /* migrate begin: on the destination, before any memory moves */
	GATE_RESTORE, /* restore begin: a saved guest carries its state */
	GATE_COMMIT,  /* started begin: the QEMU process runs that XML; commit the pending record */
	GATE_FORGET,  /* stopped end / release end: the guest is gone */
};

enum gate_answer {
	GATE_ALLOW,       /* safe */
	GATE_WARN,        /* unsafe, allowed because hook-mode = warn */
	GATE_REFUSE,      /* unsafe, refused (hook-mode = enforce) */
	GATE_ERROR_ALLOW, /* could not decide, allowed (on-error = allow) */
	GATE_ERROR_DENY,  /* could not decide, refused (on-error = deny) */
};

/* A gate's reason quotes the decision's reasons, each a whole sentence:
 * room for all of them, so that libvirt shows every one uncut. */
#define GATE_REASON_MAX (DECISION_REASONS_MAX * SEOIB_MESSAGE_MAX + 512)

struct gate_outcome {
	enum gate_answer answer;
	/* the state the guest runs in here; STATE_UNKNOWN where nothing
	 * could tell, or the outcome decided no state (an error, a refusal
	 * before any state was read) */
	enum seoib_state state;
	/* prepare begin after an arrival let in by on-error = allow in a state
	 * nothing could tell: the hook records it as used, state unknown. */
	bool arrival_unknown;
	/* prepare begin: an unsafe guest allowed because the operator
	 * acknowledged it (seoibctl ack, facts->acknowledged): GATE_WARN
	 * whatever hook-mode says. */
	bool acknowledged;
	/* prepare begin let in by an arrival's authorisation (gate_start()):
	 * that arrival's operation, GATE_MIGRATE or GATE_RESTORE; GATE_IGNORE
	 * for a start judged on its own. */
	enum gate_op arrival;
	char reason[GATE_REASON_MAX];        /* one sentence: what and why */
	char remediation[SEOIB_MESSAGE_MAX]; /* what to do, "" if nothing */
};

enum gate_op gate_op_from_hook(const char *operation, const char *sub_operation);
const char *gate_op_to_string(enum gate_op op);
const char *gate_answer_to_string(enum gate_answer v);
bool gate_answer_allows(enum gate_answer v);

/* Whether `rec` is the hook's record of this guest: its UUID and its name
 * both match (libvirt renames only a guest that does not run, and a
 * running guest's UUID and name are both unique on a host). */
bool gate_record_is_of(const struct domain_record *rec, const struct guest_facts *facts);

/* THE rule that reconciles the hook's records with a running guest's own
 * metadata (docs/libvirt.md, "What a guest runs"): the state a guest that
 * already runs is in, as it arrives by migration or restore (or as check
 * --dest, apply and seoibd's watcher see it). In order: what libvirt
 * committed for this very guest (`started`: a DOMAIN_RUNNING record whose
 * UUID and name match facts; a pending one, or another guest's, is
 * ignored; NULL when not at hand); its
 * seoib metadata element; quirked for an in-kernel irqchip guest (KVM
 * never advertises Directed EOI there); what the source's QEMU ran it in,
 * by the source's VMM model (run_state_decide() on `source`'s record when
 * that view is usable; NULL when unknown). Otherwise unknown: never assumed quirked, since an automatic
 * QEMU chooses a state by itself (docs/background.md section 3). Returns true with
 * *state set, false when unknown; `how` says where it came from or why it
 * is unknown. */
bool gate_state_in_flight(const struct guest_facts *facts, const struct host_view *source,
			  const struct domain_record *started, enum seoib_state *state, char how[SEOIB_MESSAGE_MAX]);

/* The state a guest that runs on this host is in now: gate_state_in_flight()
 * with this host (`here`, NULL when it has no record) as the source and the
 * hook's record of the guest's start read from dir (DOMAIN_RECORD_DIR; a
 * missing or unreadable record counts as none). The gate's one function
 * that reads a file: seoibctl apply and seoibd's libvirt watcher ask it. */
bool gate_state_running(const char *dir, const struct guest_facts *facts, const struct host_view *here,
			enum seoib_state *state, char how[SEOIB_MESSAGE_MAX]);

/* Can this host (its view: host_view_local(), or host_view_peer() for a
 * planned destination) start or receive a guest in `state`? If not, `why`
 * says which part (kernel flag, VMM control, KVM itself) is missing, or
 * why the view is not usable. */
bool gate_host_can_run(const struct host_view *host, enum seoib_state state,
		       char why[SEOIB_MESSAGE_MAX]);

/* How long an accepted migrate or restore answers the "prepare begin" that
 * libvirt runs next in the same job on the same host, in seconds: libvirt
 * waits at most 30 s for a domain's job between the two
 * (QEMU_JOB_WAIT_TIME, src/qemu/qemu_domainjob.c), plus the hooks' own
 * time. An arrival libvirt aborts before its prepare begin leaves its
 * authorisation behind for no longer than this. */
#define GATE_ARRIVAL_VALID_S 40

/* What a prepare, migrate or restore begin leaves as the guest's pending
 * record, given its answer `out` at `now` (seconds since the epoch):
 * true with *rec set (phase DOMAIN_PENDING, this guest's name and UUID,
 * this operation, the state allowed, STATE_UNKNOWN for an arrival in a state
 * nothing could tell); false when the pending record is to be dropped (a
 * refusal, a start allowed with nothing known, any other operation). Every
 * such call replaces or drops it: an arrival's authorisation answers the
 * next step of its own operation only (docs/libvirt.md, "What a guest
 * runs"). */
bool gate_pending(enum gate_op op, const struct guest_facts *facts, const struct gate_outcome *out, int64_t now,
		  struct domain_record *rec);

/* started begin: libvirt has committed the start (the QEMU process exists
 * with that XML). For an incoming migration libvirt runs this hook at the
 * end of its Prepare phase, before the guest's memory arrives: a migration
 * that fails after it stops that QEMU, and stopped end / release end drop
 * what was committed here (docs/libvirt.md). `pending` is the hook's
 * record of the start's prepare begin (NULL when none). It becomes what the
 * guest runs (*running, phase DOMAIN_RUNNING, dated `now`, seconds since the
 * epoch) only when it is pending, of prepare begin, of this very guest
 * (gate_record_is_of()) and not dated ahead of `now`. Returns true with
 * *running set, false when nothing is committed; `why` says which, one
 * sentence. Never refuses: a failing started hook would kill the guest
 * (only gate_launched() judges a start there, for a prepare begin that an
 * arrival's authorisation let in). */
bool gate_commit(const struct guest_facts *facts, const struct domain_record *pending, int64_t now,
		 struct domain_record *running, char why[SEOIB_MESSAGE_MAX]);

/* started begin: whether `pending` (the hook's record of this start's
 * prepare begin, NULL when none) is one gate_commit() would commit, its
 * date aside (a clock stepped back must not spare a start its judgement),
 * and that prepare begin was let in by an arrival's
 * authorisation (its "arrival"). Only then does the hook ask how libvirt launched the guest's
 * QEMU (qemu_launch_read()) and judge it with gate_launched(). */
bool gate_launch_matters(const struct guest_facts *facts, const struct domain_record *pending);

/* started begin after a prepare begin that an arrival's authorisation let
 * in (gate_launch_matters()): an authorisation answers its own operation's
 * next step only, and never opens a fresh start. prepare begin cannot tell
 * an arrival's start from a fresh one whose XML says the arrival's state
 * (libvirt names neither), but started begin can: libvirt launches the
 * QEMU of every arrival, and of no fresh start, with -incoming
 * (seoib/qemu_launch.h). `pending` is the record gate_launch_matters()
 * accepted (never NULL); `launch` is what the guest's QEMU command line
 * says. Then:
 * - QEMU_LAUNCH_INCOMING: the arrival's authorisation stands, GATE_ALLOW,
 *   and *start is `pending`, unless the guest's own <qemu:commandline>
 *   passes -incoming itself (then, as unknown);
 * - QEMU_LAUNCH_FRESH: the guest is judged as the fresh start it is,
 *   gate_start() with no pending record, on `host`, this host's view (NULL
 *   when this host has no usable record; host_problem says why, one sentence fragment): a
 *   refusal refuses the start (the hook fails, libvirt stops the guest;
 *   hook-mode = warn only warns), and *start is what that fresh start's
 *   prepare begin would have left pending (gate_pending()), never the
 *   arrival's state;
 * - QEMU_LAUNCH_UNKNOWN: on-error decides, with its own sentence; nothing
 *   is committed.
 * Returns true with *start set to the record gate_commit() is to commit,
 * false when nothing is; `now` in seconds since the epoch. */
bool gate_launched(const struct guest_facts *facts, const struct host_view *host, const char *host_problem,
		   const struct domain_record *pending, const struct qemu_launch_fact *launch, int64_t now,
		   const struct seoib_config *cfg, struct gate_outcome *out, struct domain_record *start);

/* prepare begin, the whole question: may the guest start on this host?
 * libvirt runs "prepare begin" right after "migrate begin" / "restore
 * begin" on the same host; the guest then already runs (elsewhere, or in
 * the saved image) in the state the arrival gate accepted, which a fresh
 * start decision would judge although it cannot change. So when `last`
 * (the hook's pending record of this guest, NULL when none) is a migrate
 * or restore allowed at most GATE_ARRIVAL_VALID_S seconds before `now`
 * (seconds since the epoch; a record dated after `now` proves nothing),
 * of this very guest (gate_record_is_of()), and this prepare's own XML
 * still says the state that arrival accepted (gate_state_in_flight() of
 * facts alone: its metadata, or unknown for both), the guest is allowed in
 * that state. Otherwise, a fresh start after an arrival libvirt aborted
 * included, policy_decide() for this host (`host` may be NULL: unknown)
 * through gate_prepare(). The hook replaces or drops `last` after every
 * prepare begin, whatever its answer: an authorisation answers one
 * prepare only. */
void gate_start(const struct guest_facts *facts, const struct host_view *host,
		const struct domain_record *last, int64_t now, const struct seoib_config *cfg,
		struct gate_outcome *out);

/* The hook's whole decision for one operation: gate_start() at prepare
 * begin, gate_arrival() at migrate / restore begin (the hook knows neither
 * the source nor the source's record of the start, so those are NULL).
 * `last` and `now` as for gate_start(). The operations that decide nothing
 * (GATE_IGNORE, GATE_FORGET) are allowed. A new operation is a row in
 * gate_op_from_hook()'s table and a case here. */
void gate_hook(enum gate_op op, const struct guest_facts *facts, const struct host_view *host,
	       const struct domain_record *last, int64_t now, const struct seoib_config *cfg,
	       struct gate_outcome *out);

/* prepare begin: turn the policy decision for this host into an answer.
 * A decision that cannot be made (VERDICT_UNKNOWN) is an internal error.
 * An unsafe decision is refused under hook-mode = enforce unless the guest
 * carries the operator's acknowledgement (facts->acknowledged, from its
 * metadata: guest_ack_read()); then, as under warn, it is allowed with a
 * warning that quotes the acknowledgement (out->acknowledged). */
void gate_prepare(const struct guest_facts *facts, const struct decision *d,
		  const struct seoib_config *cfg, struct gate_outcome *out);

/* migrate begin / restore begin: refuse unless this host can run the state
 * the guest already runs in (it must never change under a running guest);
 * a state that cannot be known follows on-error. `source` and `started` as
 * for gate_state_in_flight(); the hook has neither. */
void gate_arrival(enum gate_op op, const struct guest_facts *facts, const struct host_view *source,
		  const struct domain_record *started, const struct host_view *host,
		  const struct seoib_config *cfg, struct gate_outcome *out);

/* seoibctl check --dest: the planner's answer on one running guest. */
enum gate_check {
	GATE_CHECK_OK,      /* dest's hook would allow it at migrate begin */
	GATE_CHECK_REFUSE,  /* dest cannot run the guest's state: refused */
	GATE_CHECK_UNKNOWN, /* the guest's state or dest's record is unknown */
};

const char *gate_check_to_string(enum gate_check v); /* "ok", "refuse", "unknown" */

/* check --dest: the answer dest's qemu hook would give at "migrate begin"
 * (gate_arrival()) if it enforced, whatever dest's own hook-mode: the
 * planner reports what enforcement means. A state that cannot be known,
 * or a dest without a record (dest NULL; dest_problem says why, one
 * sentence) or whose record is no longer current (dest's view says why),
 * is unknown, whatever any on-error says: dest's hook follows dest's own.
 * For an unknown state the reason says why and the remediation what to do
 * on this host (make its record current, when `source` is not usable). A
 * dest whose probe failed (HOST_VIEW_STATUS) cannot run the state:
 * refused. `source` (this host's record, NULL when none) and `started`
 * as for gate_state_in_flight(). out->state is gate_state_in_flight()'s
 * answer (STATE_UNKNOWN where it has none), given even when dest is NULL. */
enum gate_check gate_migration_check(const struct guest_facts *facts, const struct host_view *source,
				     const struct domain_record *started, const struct host_view *dest,
				     const char *dest_problem, struct gate_outcome *out);

/* No decision possible (no record, malformed XML...): follow on-error. */
void gate_internal_error(const char *what, const struct seoib_config *cfg, struct gate_outcome *out);

/* Whether a hook call of `op` fails libvirt's operation when its own input
 * (the domain XML) cannot be read or is over seoib's limits: prepare,
 * migrate and restore begin do (gate_internal_error(), gate_oversized_xml());
 * started begin never does (libvirt kills a guest whose started hook
 * fails, and libvirt itself wrote that XML), and an end cannot abort
 * anything. */
bool gate_op_refuses_bad_input(enum gate_op op);

/* started begin whose domain XML cannot be used (over seoib's bounds or
 * unreadable; *out already says so: gate_oversized_xml(),
 * gate_internal_error()). libvirt's live XML there is longer than prepare
 * begin's, so one within the bounds at prepare begin may not be here.
 * `pending` is the pending record of the guest's name (the XML's UUID is
 * not at hand; NULL when none). When it is of a prepare begin an arrival's
 * authorisation let in (gate_launch_matters() cannot be asked: the start
 * can be judged neither as that arrival nor as a fresh start), the
 * answer stands, out->reason says why it counts here, and this returns
 * true; otherwise false, and started begin refuses nothing (libvirt kills
 * a guest whose started hook fails). */
bool gate_commit_bad_input(const struct domain_record *pending, struct gate_outcome *out);

/* An XML over guest_facts.h's bounds is no domain libvirt wrote (its
 * <metadata> carries foreign XML through unchanged): a hostile input,
 * GATE_REFUSE whatever on-error and hook-mode say, so that a big XML can
 * neither stall the hook into its alarm nor turn enforcement off. `guest`
 * is libvirt's name for it (argv), `why` a sentence fragment. */
void gate_oversized_xml(const char *guest, const char *why, struct gate_outcome *out);

/* seoib.conf cannot be read, or has a bad line without a strict value
 * (seoib_config_salvage() returned 1; `why` is its sentence): GATE_ERROR_DENY
 * whatever on-error says, since seoib cannot tell which host record, or
 * how old a one, it may trust. */
void gate_config_error(const char *why, struct gate_outcome *out);

/* The answer to a hook call its alarm cuts short, as a refusal (true) or
 * not: on-error's for a call that may refuse (`may_refuse`: prepare,
 * migrate or restore begin, gate_op_refuses_bad_input(); started begin
 * once it judges an arrival's launch, gate_launched()), an allowance for
 * any other. A configuration that cannot be read counts as on-error =
 * deny (gate_config_error()). */
bool gate_timeout_denies(bool may_refuse, enum on_error on_error);

