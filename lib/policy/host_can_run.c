/* Can host H run state S (seoib/host_can_run.h). Pure. */
#include <stdio.h>
#include <string.h>

#include "seoib/host_can_run.h"
#include "seoib/vmm.h"
#include "seoib/sentence.h"

enum proof host_state_proof(const struct host_record *rec, enum seoib_state s,
			    char evidence[SEOIB_MESSAGE_MAX])
{
	return behaviour_state_proof(&rec->behaviour, s, evidence);
}

enum proof host_behaviour_proof(const struct host_record *rec)
{
	char evidence[SEOIB_MESSAGE_MAX];
	bool all_verified = true, any_claimed = false;

	if (!rec->behaviour.ran)
		return PROOF_NOT_RUN;
	if (rec->behaviour.n_conflicts > 0)
		return PROOF_CONTRADICTED;
	for (int s = 0; s < STATE_COUNT; s++) {
		enum proof p = host_state_proof(rec, (enum seoib_state)s, evidence);

		if (p == PROOF_CONTRADICTED)
			return PROOF_CONTRADICTED;
		if (!(rec->verdict.kernel_states & STATE_BIT(s)))
			continue;
		any_claimed = true;
		all_verified &= p == PROOF_VERIFIED;
	}
	return any_claimed && all_verified ? PROOF_VERIFIED : PROOF_UNVERIFIED;
}

unsigned host_runnable_states(const struct host_record *rec)
{
	char evidence[SEOIB_MESSAGE_MAX];
	unsigned states;

	if (rec->status != PROBE_OK)
		return 0;
	/* Quirked is what every working KVM does when no flag is set. The two
	 * other states need the VMM to set a flag at power-on. */
	states = rec->verdict.kernel_states & STATE_BIT(STATE_QUIRKED);
	if (vmm_sets_flags(&rec->vmm)) /* any model but none (docs/vmm.md) */
		states = rec->verdict.kernel_states;
	for (int s = 0; s < STATE_COUNT; s++)
		if (host_state_proof(rec, (enum seoib_state)s, evidence) == PROOF_CONTRADICTED)
			states &= ~STATE_BIT(s);
	return states;
}

bool host_can_run(const struct host_record *rec, enum seoib_state s, bool *contradicted,
		  char why[SEOIB_MESSAGE_MAX])
{
	char evidence[SEOIB_MESSAGE_MAX];

	why[0] = '\0';
	if (contradicted)
		*contradicted = false;
	if (!rec || rec->status != PROBE_OK || s >= STATE_COUNT)
		return false;
	/* Checked first: a record from an older seoib may list a state its
	 * own behaviour section contradicts. */
	if (host_state_proof(rec, s, evidence) == PROOF_CONTRADICTED) {
		if (contradicted)
			*contradicted = true;
		sentence_format(why, SEOIB_MESSAGE_MAX, "the behavioural probe on %s contradicts %s: %s",
			 rec->host.hostname[0] ? rec->host.hostname : "this host", state_to_string(s), evidence);
		return false;
	}
	return (rec->runnable_states & STATE_BIT(s)) != 0;
}

void host_contradiction_remediation(const struct host_record *rec, enum seoib_state s, char *buf,
				    size_t size)
{
	const char *host = rec->host.hostname[0] ? rec->host.hostname : "this host";

	sentence_format(buf, size,
		 "report kernel %s of %s to its vendor with the output of 'seoibctl probe --behaviour' there (its guests contradict %s), and keep guests quirked or on the in-kernel irqchip there",
		 rec->host.kernel_release[0] ? rec->host.kernel_release : "(unknown release)", host,
		 state_to_string(s));
}
