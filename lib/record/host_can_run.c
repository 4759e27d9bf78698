/* Can host H run state S (seoib/host_can_run.h). Pure. */
#include <stdio.h>
#include <string.h>

#include "seoib/guest_facts.h"
#include "seoib/host_can_run.h"
#include "seoib/vmm.h"
#include "seoib/sentence.h"

/* The first kernels with the fix (docs/background.md). */
#define FIXED_KERNELS "Linux ≥ 6.18.17 / 7.0"

static const char *host_name(const struct host_record *rec)
{
	return rec->host.hostname[0] ? rec->host.hostname : "this host";
}

static const char *kernel_name(const struct host_record *rec)
{
	return rec->host.kernel_release[0] ? rec->host.kernel_release : "(unknown release)";
}

/* The kernel lacks s: a legacy / pre-4.8 kernel, or one seoib could not
 * make sense of (inconsistent measurements are reported, never guessed). */
static bool kernel_lacks(const struct host_record *rec, enum seoib_state s)
{
	return !(rec->claims.kernel_states & STATE_BIT(s));
}

/* Only respected and not-advertised need the VMM to set a flag at power-on. */
static bool vmm_lacks(const struct host_record *rec, enum seoib_state s)
{
	return s != STATE_QUIRKED && !vmm_sets_flags(&rec->vmm);
}

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
		if (!(rec->claims.kernel_states & STATE_BIT(s)))
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

	/* What the kernel and the VMM back, by the record reader's own rule
	 * (host_backed_states(): quirked needs a working KVM, the two other
	 * states a VMM that sets a flag at power-on), less what the host's
	 * own behaviour contradicts. */
	states = host_backed_states(rec->status, rec->claims.generation, rec->claims.kernel_states,
				    vmm_sets_flags(&rec->vmm));
	for (int s = 0; s < STATE_COUNT; s++)
		if (host_state_proof(rec, (enum seoib_state)s, evidence) == PROOF_CONTRADICTED)
			states &= ~STATE_BIT(s);
	return states;
}

/* host_can_run() on the record itself: its probe's claims, whatever its
 * currency (the view's question). */
static bool record_can_run(const struct host_record *rec, enum seoib_state s, bool *contradicted,
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
			 host_name(rec), state_to_string(s), evidence);
		return false;
	}
	return (rec->runnable_states & STATE_BIT(s)) != 0;
}

bool host_can_run(const struct host_view *v, enum seoib_state s, bool *contradicted,
		  char why[SEOIB_MESSAGE_MAX])
{
	if (v && v->usable)
		return record_can_run(v->rec, s, contradicted, why);
	why[0] = '\0';
	if (contradicted)
		*contradicted = false;
	return false;
}

void host_contradiction_remediation(const struct host_record *rec, enum seoib_state s, char *buf,
				    size_t size)
{
	sentence_format(buf, size,
		 "report kernel %s of %s to its vendor with the output of 'seoibctl probe --behaviour' there (its guests contradict %s), and keep guests quirked or on the in-kernel irqchip there",
		 kernel_name(rec), host_name(rec), state_to_string(s));
}

bool host_contradicts(const struct host_record *rec, enum seoib_state s, char why[SEOIB_MESSAGE_MAX])
{
	bool contradicted;

	return !record_can_run(rec, s, &contradicted, why) && contradicted;
}

unsigned host_can_run_states(const struct host_record *rec)
{
	char why[SEOIB_MESSAGE_MAX];
	unsigned states = 0;

	for (int s = 0; s < STATE_COUNT; s++)
		if (record_can_run(rec, (enum seoib_state)s, NULL, why))
			states |= STATE_BIT(s);
	return states;
}

void host_why_cannot(const struct host_view *v, enum seoib_state s, char *buf, size_t size)
{
	char kernel[SEOIB_MESSAGE_MAX] = "", vmm[SEOIB_MESSAGE_MAX] = "", behaviour[SEOIB_MESSAGE_MAX];
	const struct host_record *rec = host_view_record(v);

	if (!rec) {
		/* The view's sentence: no record, its status, or not current. */
		sentence_format(buf, size, "%s", v ? v->why : "no host record");
		return;
	}
	if (host_contradicts(rec, s, behaviour)) {
		sentence_format(buf, size, "cannot run %s: %s", state_to_string(s), behaviour);
		return;
	}
	if (kernel_lacks(rec, s))
		sentence_format(kernel, sizeof(kernel), "kernel %s is %s", kernel_name(rec),
			 generation_to_string(rec->claims.generation));
	if (vmm_lacks(rec, s))
		sentence_format(vmm, sizeof(vmm), "QEMU %s at %s has no seoib-policy control",
			 rec->vmm.version[0] ? rec->vmm.version : "(version unknown)",
			 rec->vmm.path[0] ? rec->vmm.path : "(no path)");
	if (!kernel[0] && !vmm[0])
		sentence_format(kernel, sizeof(kernel), "its record does not list %s as runnable", state_to_string(s));
	sentence_format(buf, size, "cannot run %s: %s%s%s", state_to_string(s), kernel,
		 kernel[0] && vmm[0] ? " and " : "", vmm);
}

void host_upgrade_for(const struct host_record *rec, enum seoib_state s, char *buf, size_t size)
{
	enum kernel_generation g = rec->claims.generation;
	char piece[SEOIB_MESSAGE_MAX] = "", evidence[SEOIB_MESSAGE_MAX];

	buf[0] = '\0';
	if (host_contradicts(rec, s, evidence)) {
		host_contradiction_remediation(rec, s, buf, size);
		return;
	}
	/* No released QEMU sets the Directed EOI flags (the seoib-policy
	 * control is an RFC, not in upstream QEMU; docs/vmm.md): a host whose
	 * QEMU lacks it cannot be upgraded into running s, so nothing is
	 * offered for it, and the remediations take the exposure away instead. */
	if (vmm_lacks(rec, s))
		return;
	if (kernel_lacks(rec, s) && (g == GEN_NONE || g == GEN_LEGACY))
		sentence_format(piece, sizeof(piece), "upgrade %s to %s", host_name(rec), FIXED_KERNELS);
	else if (kernel_lacks(rec, s))
		sentence_format(piece, sizeof(piece), "investigate the %s KVM of %s (seoibctl probe there)",
			 generation_to_string(g), host_name(rec));
	sentence_format(buf, size, "%s", piece);
}

enum host_machine host_can_run_machine(const struct host_record *rec, const struct guest_facts *g,
				       char why[SEOIB_MESSAGE_MAX])
{
	why[0] = '\0';
	/* No machine type: QEMU's default, which every QEMU has. No list: an
	 * older record, or no QEMU found there; nothing is known. Another
	 * binary than the record's: its own machine types, not known here. */
	if (!rec || !g->machine[0] || rec->vmm.n_machine_types == 0 ||
	    (g->emulator[0] && rec->vmm.path[0] && strcmp(g->emulator, rec->vmm.path) != 0))
		return HOST_MACHINE_UNKNOWN;
	if (vmm_has_machine_type(&rec->vmm, g->machine))
		return HOST_MACHINE_LISTED;
	sentence_format(why, SEOIB_MESSAGE_MAX,
			"QEMU %s at %s on %s has no machine type %s (its record lists %d machine types), so the guest "
			"would fail there only when QEMU starts",
			rec->vmm.version[0] ? rec->vmm.version : "(version unknown)",
			rec->vmm.path[0] ? rec->vmm.path : "(no path)", host_name(rec), g->machine, rec->vmm.n_machine_types);
	return HOST_MACHINE_MISSING;
}
