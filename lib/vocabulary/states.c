#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/states.h"

static const char *const state_names[STATE_COUNT] = {
	[STATE_QUIRKED] = "quirked",
	[STATE_RESPECTED] = "respected",
	[STATE_NOT_ADVERTISED] = "not-advertised",
};
static const char *const mode_names[MODE_COUNT] = {
	[MODE_LEGACY] = "legacy",
	[MODE_ENABLE] = "enable",
	[MODE_DISABLE] = "disable",
	[MODE_BOTH] = "both",
};
static const char *const irqchip_names[IRQCHIP_COUNT] = {
	[IRQCHIP_SPLIT] = "split",
	[IRQCHIP_IN_KERNEL] = "in-kernel",
};
static const char *const generation_names[GEN_COUNT] = {
	[GEN_UNKNOWN] = "unknown",
	[GEN_NONE] = "none",
	[GEN_LEGACY] = "legacy",
	[GEN_FIXED] = "fixed",
	[GEN_INCONSISTENT] = "inconsistent",
};
static const char *const risk_names[RISK_COUNT] = {
	[RISK_NONE] = "none",
	[RISK_LOW] = "low",
	[RISK_HIGH] = "high",
	[RISK_UNKNOWN] = "unknown",
};

static int lookup(const char *const *names, int n, const char *s)
{
	if (!s)
		return -1;
	for (int i = 0; i < n; i++)
		if (names[i] && strcmp(names[i], s) == 0)
			return i;
	return -1;
}

static const char *name_of(const char *const *names, int n, int i)
{
	return i >= 0 && i < n && names[i] ? names[i] : "invalid";
}

const char *state_to_string(enum seoib_state s) { return name_of(state_names, STATE_COUNT, s); }
int state_from_string(const char *s) { return lookup(state_names, STATE_COUNT, s); }
const char *mode_to_string(enum x2apic_mode m) { return name_of(mode_names, MODE_COUNT, m); }
const char *irqchip_to_string(enum irqchip_mode m) { return name_of(irqchip_names, IRQCHIP_COUNT, m); }
int irqchip_from_string(const char *s) { return lookup(irqchip_names, IRQCHIP_COUNT, s); }
const char *generation_to_string(enum kernel_generation g) { return name_of(generation_names, GEN_COUNT, g); }
int generation_from_string(const char *s) { return lookup(generation_names, GEN_COUNT, s); }
const char *risk_to_string(enum risk r) { return name_of(risk_names, RISK_COUNT, r); }
int risk_from_string(const char *s) { return lookup(risk_names, RISK_COUNT, s); }
