/* The capability probe's claims (issue 2, "The probe", item 5): a pure function of
 * the raw measurements. It claims a generation only when every measurement
 * agrees with it; a contradiction is reported as GEN_INCONSISTENT with one
 * sentence per problem, and such a kernel is promised nothing beyond the
 * quirked state every KVM runs. Expected values: docs/background.md section 2. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "seoib/kvm_claims.h"
#include "seoib/kvm_x2apic.h"
#include "seoib/messages.h"
#include "seoib/string_table.h"

#define BIT_ENABLE KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST
#define BIT_DISABLE KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST
#define BITS_SEOIB (BIT_ENABLE | BIT_DISABLE)
#define BITS_4_8 (KVM_X2APIC_API_USE_32BIT_IDS | KVM_X2APIC_API_DISABLE_BROADCAST_QUIRK)

/* The first problems already say the kernel cannot be trusted. */
#define add_problem(v, ...) messages_add((v)->problems, &(v)->n_problems, SEOIB_PROBLEMS_MAX, __VA_ARGS__)

static bool measured(long long cap)
{
	return cap >= 0;
}

static bool accepted(const struct enable_result *e)
{
	return e->err == 0;
}

static bool refused(const struct enable_result *e)
{
	return e->err > 0;
}

static bool lvr_read(const struct lvr_result *l)
{
	return l->err == 0;
}

static bool lvr_directed_eoi(const struct lvr_result *l)
{
	return (l->lvr & SEOIB_LVR_DIRECTED_EOI) != 0;
}

static const char *vm_kind(enum irqchip_mode irqchip)
{
	return irqchip == IRQCHIP_SPLIT ? "split-irqchip" : "in-kernel-irqchip";
}

static int mode_bit(enum x2apic_mode mode)
{
	return mode == MODE_ENABLE ? 2 : 3;
}

/* ---- derived facts ------------------------------------------------------- */

static unsigned long long reported_unknown_bits(const struct kvm_measurements *m)
{
	const long long caps[] = {m->x2apic_api_system, m->x2apic_api_vm, m->x2apic_api_vm_split,
				  m->x2apic_api_vm_irqchip};
	unsigned long long unknown = 0;

	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		if (measured(caps[i]))
			unknown |= (unsigned long long)caps[i] & ~SEOIB_X2APIC_KNOWN_BITS;
	return unknown;
}

/* A fixed kernel masks bit 2 on a VM fd until the split irqchip exists. */
static bool split_masking(const struct kvm_measurements *m)
{
	return measured(m->x2apic_api_vm) && measured(m->x2apic_api_vm_split) &&
	       !(m->x2apic_api_vm & BIT_ENABLE) && (m->x2apic_api_vm_split & BIT_ENABLE);
}

/* ---- contradictions any kernel can show -------------------------------- */

/* A VM can only narrow what /dev/kvm reports, never widen it. */
static void check_vm_within_system(const struct kvm_measurements *m, struct kvm_claims *v)
{
	const struct {
		long long cap;
		const char *vm;
	} vms[] = {
		{m->x2apic_api_vm, "a fresh"},
		{m->x2apic_api_vm_split, "a split-irqchip"},
		{m->x2apic_api_vm_irqchip, "an in-kernel-irqchip"},
	};
	unsigned long long system = (unsigned long long)m->x2apic_api_system;

	for (size_t i = 0; i < sizeof(vms) / sizeof(vms[0]); i++) {
		unsigned long long extra;

		if (!measured(vms[i].cap))
			continue;
		extra = (unsigned long long)vms[i].cap & SEOIB_X2APIC_KNOWN_BITS & ~system;
		if (extra)
			add_problem(v, "%s VM reports KVM_CAP_X2APIC_API 0x%llx, with bits 0x%llx that /dev/kvm does not report (0x%llx); a VM can only narrow the system answer",
				    vms[i].vm, (unsigned long long)vms[i].cap, extra, system);
	}
}

/* The kernel must refuse bits 2|3 together, and bit 2 without a split irqchip. */
static void check_negative_controls(const struct kvm_measurements *m, struct kvm_claims *v)
{
	for (int irqchip = 0; irqchip < IRQCHIP_COUNT; irqchip++)
		if (accepted(&m->enable[irqchip][MODE_BOTH]))
			add_problem(v, "a %s VM accepted bits 2 and 3 of KVM_CAP_X2APIC_API together, which the kernel must refuse with EINVAL; its flag checks cannot be trusted",
				    vm_kind(irqchip));
	if (accepted(&m->enable[IRQCHIP_IN_KERNEL][MODE_ENABLE]))
		add_problem(v, "an in-kernel-irqchip VM accepted bit 2 (KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST), which needs a split irqchip: KVM's own I/O APIC (version 0x11) has no EOI register to honour it");
}

/* A flag a VM accepts must be one /dev/kvm reports. */
static void check_accepted_reported(const struct kvm_measurements *m, struct kvm_claims *v)
{
	unsigned long long system = (unsigned long long)m->x2apic_api_system;

	for (int irqchip = 0; irqchip < IRQCHIP_COUNT; irqchip++)
		for (int mode = MODE_ENABLE; mode <= MODE_DISABLE; mode++)
			if (accepted(&m->enable[irqchip][mode]) && !(system & mode_flags(mode)))
				add_problem(v, "a %s VM accepted bit %d of KVM_CAP_X2APIC_API although /dev/kvm does not report it (0x%llx)",
					    vm_kind(irqchip), mode_bit(mode), system);
}

/* An accepted flag must show in the LVR a guest reads: bit 2 advertises
 * Directed EOI (LVR bit 24), bit 3 hides it. */
static void check_lvr_follows_flag(const struct kvm_measurements *m, struct kvm_claims *v,
				   enum irqchip_mode irqchip, enum x2apic_mode mode)
{
	const struct lvr_result *lvr = &m->lvr[irqchip][mode];
	bool want_directed_eoi = mode == MODE_ENABLE;

	if (!accepted(&m->enable[irqchip][mode]))
		return;
	if (lvr->err > 0)
		add_problem(v, "a %s VM accepted bit %d of KVM_CAP_X2APIC_API, but a second VM set up the same way then failed (%s) before its LVR could be read",
			    vm_kind(irqchip), mode_bit(mode), strerror(lvr->err));
	else if (lvr_read(lvr) && lvr_directed_eoi(lvr) != want_directed_eoi)
		add_problem(v, "a %s VM accepted bit %d of KVM_CAP_X2APIC_API but its LVR bit 24 is %s (LVR 0x%08x): Directed EOI is %s, the opposite of what the flag promises",
			    vm_kind(irqchip), mode_bit(mode), want_directed_eoi ? "clear" : "set", lvr->lvr,
			    want_directed_eoi ? "not advertised" : "still advertised");
}

static void check_common(const struct kvm_measurements *m, struct kvm_claims *v)
{
	check_vm_within_system(m, v);
	check_negative_controls(m, v);
	check_accepted_reported(m, v);
	for (int irqchip = 0; irqchip < IRQCHIP_COUNT; irqchip++)
		for (int mode = MODE_ENABLE; mode <= MODE_DISABLE; mode++)
			check_lvr_follows_flag(m, v, irqchip, mode);
}

/* ---- a kernel that reports the fix (bits 2-3) ---------------------------- */

static void check_fixed_caps(const struct kvm_measurements *m, struct kvm_claims *v)
{
	unsigned long long system = (unsigned long long)m->x2apic_api_system;

	if ((system & BITS_SEOIB) != BITS_SEOIB)
		add_problem(v, "/dev/kvm reports KVM_CAP_X2APIC_API 0x%llx, only one of bits 2 and 3, which the kernel fix (kvm-x86 6517dfbcc918) adds together",
			    system);
	if ((system & BITS_4_8) != BITS_4_8)
		add_problem(v, "/dev/kvm reports KVM_CAP_X2APIC_API 0x%llx, bits 2-3 without bits 0-1 that every kernel since 4.8 has",
			    system);
	if (m->cap_split_irqchip == 0)
		add_problem(v, "/dev/kvm reports bit 2 of KVM_CAP_X2APIC_API, which works only with a split irqchip, but not KVM_CAP_SPLIT_IRQCHIP");
	if (measured(m->x2apic_api_vm_split) && (m->x2apic_api_vm_split & system & BITS_SEOIB) != (system & BITS_SEOIB))
		add_problem(v, "a split-irqchip VM reports KVM_CAP_X2APIC_API 0x%llx, without bits /dev/kvm reports (0x%llx); the split VM's answer is the one a guest gets",
			    m->x2apic_api_vm_split, system);
}

static void check_fixed_enables(const struct kvm_measurements *m, struct kvm_claims *v)
{
	unsigned long long system = (unsigned long long)m->x2apic_api_system;

	for (int irqchip = 0; irqchip < IRQCHIP_COUNT; irqchip++)
		for (int mode = MODE_ENABLE; mode <= MODE_DISABLE; mode++) {
			const struct enable_result *e = &m->enable[irqchip][mode];

			/* Bit 2 is refused in-kernel by design; bit 3 works in both. */
			if (irqchip == IRQCHIP_IN_KERNEL && mode == MODE_ENABLE)
				continue;
			if (refused(e) && (system & mode_flags(mode)))
				add_problem(v, "/dev/kvm reports bit %d of KVM_CAP_X2APIC_API (0x%llx) but a %s VM refused it (%s)",
					    mode_bit(mode), system, vm_kind(irqchip), strerror(e->err));
		}
}

/* Quirked guests keep what they always saw: Directed EOI advertised with a
 * split irqchip, not with KVM's own I/O APIC (commit 0bcc3fb95b97). */
static void check_fixed_legacy_lvr(const struct kvm_measurements *m, struct kvm_claims *v)
{
	const struct lvr_result *split = &m->lvr[IRQCHIP_SPLIT][MODE_LEGACY];
	const struct lvr_result *in_kernel = &m->lvr[IRQCHIP_IN_KERNEL][MODE_LEGACY];

	if (lvr_read(split) && !lvr_directed_eoi(split))
		add_problem(v, "a split-irqchip VM without flags has LVR bit 24 clear (LVR 0x%08x), where a kernel with the fix still advertises Directed EOI to quirked guests",
			    split->lvr);
	if (lvr_read(in_kernel) && lvr_directed_eoi(in_kernel))
		add_problem(v, "an in-kernel-irqchip VM without flags has LVR bit 24 set (LVR 0x%08x), which KVM stopped advertising with its own I/O APIC long before the fix",
			    in_kernel->lvr);
}

/* Every measurement the claim "fixed" rests on was taken. */
static bool fixed_fully_measured(const struct kvm_measurements *m)
{
	return accepted(&m->enable[IRQCHIP_SPLIT][MODE_ENABLE]) && accepted(&m->enable[IRQCHIP_SPLIT][MODE_DISABLE]) &&
	       lvr_read(&m->lvr[IRQCHIP_SPLIT][MODE_LEGACY]) && lvr_read(&m->lvr[IRQCHIP_SPLIT][MODE_ENABLE]) &&
	       lvr_read(&m->lvr[IRQCHIP_SPLIT][MODE_DISABLE]) && lvr_read(&m->lvr[IRQCHIP_IN_KERNEL][MODE_LEGACY]);
}

/* ---- the claims ----------------------------------------------------------- */

static enum kernel_generation claimed_generation(const struct kvm_measurements *m)
{
	unsigned long long known = (unsigned long long)m->x2apic_api_system & SEOIB_X2APIC_KNOWN_BITS;

	if (known & BITS_SEOIB)
		return GEN_FIXED;
	return known ? GEN_LEGACY : GEN_NONE;
}

unsigned kvm_generation_states(enum kernel_generation generation)
{
	switch (generation) {
	case GEN_FIXED:
		return STATE_ALL;
	case GEN_NONE:
	case GEN_LEGACY:
	case GEN_INCONSISTENT:
		/* Never promise what was contradicted: quirked is what every
		 * KVM does with no flag set. */
		return STATE_BIT(STATE_QUIRKED);
	default:
		return 0;
	}
}

void kvm_claims_derive(const struct kvm_measurements *m, struct kvm_claims *v)
{
	enum kernel_generation generation;

	memset(v, 0, sizeof(*v));
	v->unknown_bits = reported_unknown_bits(m);
	v->split_masking_observed = split_masking(m);
	if (!measured(m->x2apic_api_system)) {
		v->generation = GEN_UNKNOWN; /* KVM unavailable: nothing to judge */
		return;
	}

	generation = claimed_generation(m);
	check_common(m, v);
	if (generation == GEN_FIXED) {
		check_fixed_caps(m, v);
		check_fixed_enables(m, v);
		check_fixed_legacy_lvr(m, v);
		if (!v->n_problems && !fixed_fully_measured(m))
			generation = GEN_UNKNOWN; /* the probe stopped before it could confirm */
	}
	if (v->n_problems)
		generation = GEN_INCONSISTENT;
	v->generation = generation;
	v->kernel_states = kvm_generation_states(generation);
}

static const char *const probe_status_table[PROBE_STATUS_COUNT] = {
	[PROBE_OK] = "ok",
	[PROBE_KVM_UNAVAILABLE] = "kvm-unavailable",
	[PROBE_ERROR] = "error",
};

DEFINE_STRING_TABLE_LOOKUP(probe_status, enum probe_status)
