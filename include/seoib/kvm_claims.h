/* The claims on what this kernel offers (lib/kvm/kvm_claims.c): a pure
 * function of the capability probe's raw measurements, and the names of the
 * probe's statuses as records carry them. */
#pragma once

#include <stdbool.h>

#include "seoib/kvm_probe.h"
#include "seoib/messages.h"
#include "seoib/states.h"

/* What the measurements mean, derived by kvm_claims_derive() alone. */
struct kvm_claims {
	enum kernel_generation generation;
	unsigned kernel_states;              /* STATE_BIT()s this kernel can run */
	unsigned long long unknown_bits;     /* reported bits seoib does not know */
	bool split_masking_observed;         /* VM fd without split masks bit 2 */
	int n_problems;                      /* inconsistencies, each a sentence */
	char problems[SEOIB_PROBLEMS_MAX][SEOIB_MESSAGE_MAX];
};

/* Pure: derive generation, states and problems from raw measurements m
 * (kvm_probe_run()) into v. The claims must be consistent with every
 * measurement; a contradiction makes the generation GEN_INCONSISTENT with a
 * problem sentence, never a guess. No errors: unmeasured values narrow the
 * claims. Relies on KVM_CAP_X2APIC_API's bits and the LVR's Directed EOI bit
 * as arch/x86/kvm/lapic.c sets them (docs/background.md section 2). */
void kvm_claims_derive(const struct kvm_measurements *m, struct kvm_claims *v);

/* The STATE_BIT()s a kernel of generation g can run: all three for fixed,
 * quirked alone for none, legacy and inconsistent (what every KVM does with
 * no flag set), none for unknown. The claims' kernel_states are exactly
 * these; a record or summary claiming more for its generation contradicts
 * itself (host_record.c, host_summary.c). */
unsigned kvm_generation_states(enum kernel_generation g);

/* The record's name of a probe status ("ok", "kvm-unavailable", "error"),
 * and back: -1 for NULL or an unknown name. */
const char *probe_status_to_string(enum probe_status s);
int probe_status_from_string(const char *s);
