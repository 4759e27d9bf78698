#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/states.h"
#include "seoib/string_table.h"

static const char *const state_table[STATE_COUNT] = {
	[STATE_QUIRKED] = "quirked",
	[STATE_RESPECTED] = "respected",
	[STATE_NOT_ADVERTISED] = "not-advertised",
};
static const char *const mode_table[MODE_COUNT] = {
	[MODE_LEGACY] = "legacy",
	[MODE_ENABLE] = "enable",
	[MODE_DISABLE] = "disable",
	[MODE_BOTH] = "both",
};
static const char *const irqchip_table[IRQCHIP_COUNT] = {
	[IRQCHIP_SPLIT] = "split",
	[IRQCHIP_IN_KERNEL] = "in-kernel",
};
static const char *const generation_table[GEN_COUNT] = {
	[GEN_UNKNOWN] = "unknown",
	[GEN_NONE] = "none",
	[GEN_LEGACY] = "legacy",
	[GEN_FIXED] = "fixed",
	[GEN_INCONSISTENT] = "inconsistent",
};
static const char *const risk_table[RISK_COUNT] = {
	[RISK_NONE] = "none",
	[RISK_LOW] = "low",
	[RISK_HIGH] = "high",
	[RISK_UNKNOWN] = "unknown",
};

DEFINE_STRING_TABLE_LOOKUP(state, enum seoib_state)
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(mode, enum x2apic_mode)
DEFINE_STRING_TABLE_LOOKUP(irqchip, enum irqchip_mode)
DEFINE_STRING_TABLE_LOOKUP(generation, enum kernel_generation)
DEFINE_STRING_TABLE_LOOKUP(risk, enum risk)

const char *state_or_unknown_to_string(enum seoib_state s)
{
	return s == STATE_UNKNOWN ? STATE_UNKNOWN_WORD : state_to_string(s);
}

int state_or_unknown_from_string(const char *s)
{
	return s && strcmp(s, STATE_UNKNOWN_WORD) == 0 ? STATE_UNKNOWN : state_from_string(s);
}

