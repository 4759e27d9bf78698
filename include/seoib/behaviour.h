/* The behavioural probe: run a few real-mode instructions (the EOI payload,
 * lib/kvm/eoi_payload.S) in a throwaway VM and watch whether EOIs are really
 * suppressed (docs/background.md section 2), instead of trusting capability bits. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "seoib/kvm_probe.h"
#include "seoib/kvm_claims.h"
#include "seoib/messages.h"
#include "seoib/states.h"

enum behaviour_outcome {
	OUTCOME_NOT_RUN, /* behaviour probe disabled or KVM unavailable */
	OUTCOME_SKIPPED, /* the kernel refused this mode's flag: nothing to run */
	OUTCOME_DONE,    /* the payload finished; observations are valid */
	OUTCOME_TIMEOUT, /* the payload did not finish within the bound */
	OUTCOME_ERROR,   /* an ioctl failed or an unexpected exit occurred */
	OUTCOME_COUNT,
};

/* One run: a split-irqchip VM in `mode`, the payload asking (or not) for
 * Suppress EOI Broadcast by setting SPIV bit 12, then EOIing one
 * level-triggered interrupt. */
struct behaviour_case {
	enum x2apic_mode mode;  /* MODE_LEGACY, MODE_ENABLE or MODE_DISABLE */
	bool guest_sets_bit12;  /* the payload sets SPIV bit 12 (the record's published key) */
	enum behaviour_outcome outcome;
	int err;                /* errno for OUTCOME_ERROR, else 0 */
	uint32_t exit_reason;   /* last unexpected KVM exit reason, for OUTCOME_ERROR */
	char detail[SEOIB_MESSAGE_MAX]; /* sentence for TIMEOUT/ERROR/SKIPPED */
	bool lvr_directed_eoi;  /* LVR bit 24 as the payload would see it */
	uint32_t spiv;          /* SPIV as the payload read it back */
	bool spiv_bit12_stuck;
	bool eoi_exit;          /* KVM_EXIT_IOAPIC_EOI seen for the vector */
	double duration_ms;     /* the whole case: VM set-up, payload run, hand-off of the teardown */
	double run_ms;          /* the payload alone: first KVM_RUN to the fence (or the deadline) */
};

#define BEHAVIOUR_CASES 6

/* The proof of one state, the one vocabulary of the record, seoibctl, the
 * exports and the bus (docs/behaviour.md "Proof"). Behaviour runs with a
 * split irqchip: it proves what a split guest in that state gets. */
enum proof {
	PROOF_NOT_RUN,      /* no payload ran in the state's mode (probe off, flag refused) */
	PROOF_UNVERIFIED,   /* it ran but proved nothing (timeout, error, blind control) */
	PROOF_VERIFIED,     /* the payload saw what the capability bits promise */
	PROOF_CONTRADICTED, /* the payload saw the opposite: the state is not runnable here */
	PROOF_COUNT,
};

struct behaviour {
	bool ran;
	double duration_ms;
	struct behaviour_case cases[BEHAVIOUR_CASES];
	/* Derived by behaviour_derive(): */
	enum tristate respected_verified;      /* bit 2 + bit 12: no EOI exit; bit 2 alone: exit */
	enum tristate legacy_quirk_observed;   /* legacy broadcast despite bit 12 */
	enum tristate not_advertised_verified; /* bit 3 kept SPIV bit 12 from sticking */
	int n_conflicts;                       /* claims vs behaviour, each a sentence */
	char conflicts[SEOIB_PROBLEMS_MAX][SEOIB_MESSAGE_MAX];
	enum proof proof[STATE_COUNT];         /* per state, see behaviour_state_proof() */
	char evidence[STATE_COUNT][SEOIB_MESSAGE_MAX]; /* what was observed, one sentence */
};

struct behaviour_options {
	const char *device;       /* default "/dev/kvm" */
	unsigned case_timeout_ms; /* bound on one payload run; 0 = default */
};

/* Run every case the kernel accepts (m says which flags were accepted).
 * Each KVM_RUN is bounded by a per-case deadline (seoib/kvm_deadline.h:
 * SIGALRM to the calling thread, previous disposition restored); the
 * deadline is per thread, so several threads may each run a probe.
 * Test-only: SEOIB_BEHAVIOUR_FAULT=no-irq|no-eoi forces timeouts
 * (docs/behaviour.md). */
void behaviour_run(const struct behaviour_options *opts, const struct kvm_measurements *m,
		   struct behaviour *b);

/* Pure: fill the derived fields from the cases, and conflicts against the
 * capability probe's claims v. */
void behaviour_derive(struct behaviour *b, const struct kvm_claims *v);

/* Pure: the proof of state s from the cases alone (stored verdicts are not
 * trusted), with the observation behind it as a sentence in evidence.
 * respected (bit 2) and not-advertised (bit 3) are contradicted when their
 * mode's payload saw the opposite of the bit's promise, or its control payload
 * saw no EOI exit at all; quirked sets no flag, so the bits promise nothing
 * there and it is verified, unverified or not-run, never contradicted. */
enum proof behaviour_state_proof(const struct behaviour *b, enum seoib_state s,
				 char evidence[SEOIB_MESSAGE_MAX]);
/* Fill b->proof and b->evidence for every state (behaviour_derive
 * does it too; host_record_from_json calls this on what it read). */
void behaviour_proofs_derive(struct behaviour *b);
/* True when any state is contradicted or any conflict is listed. */
bool behaviour_contradicted(const struct behaviour *b);

const char *proof_to_string(enum proof p); /* "not-run", "unverified", "verified", "contradicted" */
int proof_from_string(const char *s);      /* -1 if unknown */

const char *outcome_to_string(enum behaviour_outcome o);
int outcome_from_string(const char *s);
