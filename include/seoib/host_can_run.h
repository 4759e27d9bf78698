/* The one answer to "can host H run a guest in state S": the capability
 * bits, the VMM and the behavioural proof must agree. Every consumer asks
 * here (the policy engine for seoibctl policy, the hook's prepare and the
 * fleet; the gate for the hook's arrivals and seoibctl check --dest), so
 * none can give a guest a state that a host's own guests contradicted. */
#pragma once

#include <stdbool.h>

#include "seoib/host_record.h"
#include "seoib/host_view.h"

struct guest_facts;

/* The proof of state s on rec, from its behaviour section's cases (never
 * from stored verdicts, which a peer could get wrong); evidence gets the
 * observation as one sentence. See behaviour_state_proof(). */
enum proof host_state_proof(const struct host_record *rec, enum seoib_state s,
			    char evidence[SEOIB_MESSAGE_MAX]);

/* The host's proof in one word of the same vocabulary, for one-line views
 * (fleet, NFD, Prometheus, status, seoibd's log): contradicted when any
 * state is or any conflict is listed; not-run when the behavioural probe did
 * not run; verified only when every state the kernel claims (at least one)
 * is verified; unverified otherwise. Never verified from verdicts that are
 * all unknown. */
enum proof host_behaviour_proof(const struct host_record *rec);

/* The states a record's probe says its host can run: the kernel's states,
 * those needing a flag only with a VMM that sets it, less every state whose
 * behaviour is contradicted. 0 unless rec->status is PROBE_OK. Used by
 * host_record_derive() for the published "states". */
unsigned host_runnable_states(const struct host_record *rec);

/* The decision's question, on a host's view (seoib/host_view.h): true when
 * the view is usable (v NULL: no record), its record lists s as runnable
 * and s is not contradicted by behaviour. When false and the reason is the
 * behaviour, *contradicted is set (may be NULL) and why says what the
 * guest saw; otherwise why is "" and the caller words the reason
 * (host_why_cannot()). */
bool host_can_run(const struct host_view *v, enum seoib_state s, bool *contradicted,
		  char why[SEOIB_MESSAGE_MAX]);

/* True when rec's own guests contradict s (B1 of docs/policy.md); why gets
 * the evidence. */
bool host_contradicts(const struct host_record *rec, enum seoib_state s, char why[SEOIB_MESSAGE_MAX]);

/* The states rec's own probe says it can run (status ok, listed, not
 * contradicted; host_can_run()'s rule without the view's currency), as
 * STATE_BIT()s: what seoibctl fleet, check --dest and status list for a
 * host beside whether its record is current. */
unsigned host_can_run_states(const struct host_record *rec);

/* Why v's host cannot run s, in the one wording every front end shows (the
 * decision's "why", the hook's and check --dest's reasons): the view's
 * sentence when it is not usable ("no host record" for v NULL, "record
 * status STATUS: MESSAGE", or why the record is not current), "cannot run
 * S: EVIDENCE" (behaviour), or "cannot run S: kernel K is GENERATION
 * and/or QEMU V at PATH has no seoib-policy control". Meaningful when
 * host_can_run() is false. */
void host_why_cannot(const struct host_view *v, enum seoib_state s, char *buf, size_t size);

/* What to do on rec's host so that it can run s: upgrade the kernel,
 * install a QEMU with the control, or report a contradicting kernel; ""
 * when nothing helps. rec must be usable (status ok). */
void host_upgrade_for(const struct host_record *rec, enum seoib_state s, char *buf, size_t size);

/* The remediation for a contradicted state on host_name: report the
 * kernel, keep guests quirked or on the in-kernel irqchip there. */
void host_contradiction_remediation(const struct host_record *rec, enum seoib_state s, char *buf,
				    size_t size);

enum host_machine {
	HOST_MACHINE_UNKNOWN, /* no record, no machine type named, or no list in the record */
	HOST_MACHINE_LISTED,  /* rec's QEMU lists the machine type */
	HOST_MACHINE_MISSING, /* rec's QEMU lists machine types, not this one */
};

/* Can rec's QEMU run guest g's machine type (its <os><type machine=...>)?
 * From the record's vmm.machine_types (QMP query-machines, names and
 * aliases): MISSING only when the list is there and lacks the name, with a
 * sentence in why naming the host, its QEMU and the type; libvirt would
 * otherwise fail late, when QEMU refuses "unsupported machine type" there.
 * UNKNOWN when g names no machine type (QEMU's default), when the record
 * has no list, or when g's <emulator> is another binary than the record's
 * QEMU (a per-guest build: its types are not the record's). The one answer
 * for check --dest, fleet and the destination hook. Pure. */
enum host_machine host_can_run_machine(const struct host_record *rec, const struct guest_facts *g,
				       char why[SEOIB_MESSAGE_MAX]);
