/* The vocabulary shared by the probe, the host record and the policy engine. */
#pragma once

#include <stdbool.h>

/* Per-guest Directed EOI state, named as in QEMU's seoib-policy RFC. Chosen at
 * power-on and never changed under a running guest. */
enum seoib_state {
	STATE_QUIRKED,        /* no flag: legacy behaviour, advertised but ignored */
	STATE_RESPECTED,      /* bit 2: advertised and honoured (split irqchip only) */
	STATE_NOT_ADVERTISED, /* bit 3: never advertised */
	STATE_COUNT,
	/* The one spelling of a state nothing could tell (a guest that arrived
	 * under on-error = allow with no seoib metadata, from a source whose VMM
	 * model was unknown), wherever a state value may be unknown; its word is
	 * STATE_UNKNOWN_WORD. Never a state a guest is started in. */
	STATE_UNKNOWN = STATE_COUNT,
};
#define STATE_UNKNOWN_WORD "unknown"
#define STATE_BIT(s) (1u << (s))
#define STATE_ALL (STATE_BIT(STATE_QUIRKED) | STATE_BIT(STATE_RESPECTED) | STATE_BIT(STATE_NOT_ADVERTISED))

/* How a VM's x2APIC API flags are set for one probe question. */
enum x2apic_mode {
	MODE_LEGACY,  /* no flag */
	MODE_ENABLE,  /* KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST (bit 2) */
	MODE_DISABLE, /* KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST (bit 3) */
	MODE_BOTH,    /* bits 2|3: a negative control, must be refused */
	MODE_COUNT,
};

enum irqchip_mode {
	IRQCHIP_SPLIT,     /* local APIC in KVM, I/O APIC in the VMM */
	IRQCHIP_IN_KERNEL, /* both in KVM (KVM_CREATE_IRQCHIP) */
	IRQCHIP_COUNT,
};

enum kernel_generation {
	GEN_UNKNOWN,      /* not measured (KVM unavailable) */
	GEN_NONE,         /* no KVM_CAP_X2APIC_API (before Linux 4.8) */
	GEN_LEGACY,       /* bits 0-1 only: every guest is quirked */
	GEN_FIXED,        /* bits 2-3 accepted and honoured */
	GEN_INCONSISTENT, /* measurements contradict each other: reported, not guessed */
	GEN_COUNT,
};

enum risk {
	RISK_NONE,
	RISK_LOW,
	RISK_HIGH,
	RISK_UNKNOWN, /* a guest fact the risk depends on is unknown */
	RISK_COUNT,
};

/* A yes/no answer that may not have been measured. */
enum tristate {
	TRI_UNKNOWN,
	TRI_NO,
	TRI_YES,
};

/* The published words (seoib/string_table.h): x_to_string() answers
 * "invalid" for a value out of range, x_from_string() -1 for a word it does
 * not know. */
const char *state_to_string(enum seoib_state s);
int state_from_string(const char *s); /* -1 if unknown */
/* The same, where a state may be unknown: STATE_UNKNOWN is "unknown" and
 * back; state_from_string() never takes "unknown". */
const char *state_or_unknown_to_string(enum seoib_state s);
int state_or_unknown_from_string(const char *s);
const char *mode_to_string(enum x2apic_mode m);
const char *irqchip_to_string(enum irqchip_mode m);
int irqchip_from_string(const char *s);
const char *generation_to_string(enum kernel_generation g);
int generation_from_string(const char *s);
const char *risk_to_string(enum risk r);
int risk_from_string(const char *s);
