/* Which running guests are exposed to the storm (storm_report.h). */
#include "seoib/behaviour.h"
#include "seoib/storm_report.h"

bool storm_guest_exposed(const struct guest_facts *facts, enum seoib_state state, const struct host_record *host,
			 char why[SEOIB_MESSAGE_MAX])
{
	enum proof proof = host ? host->behaviour.proof[STATE_RESPECTED] : PROOF_NOT_RUN;

	if (facts->qemu_lapic) {
		sentence_format(why, SEOIB_MESSAGE_MAX, "it runs QEMU's own local APIC (%s), which no KVM flag concerns",
				facts->lapic_why);
		return false;
	}
	if (!facts->irqchip_unknown && facts->irqchip != IRQCHIP_SPLIT) {
		sentence_format(why, SEOIB_MESSAGE_MAX,
				"its irqchip is in-kernel, where KVM never advertises Directed EOI and its own I/O APIC takes the EOI");
		return false;
	}
	/* KVM advertises Directed EOI only to a vCPU with x2APIC in its CPUID
	 * (kvm_apic_set_version()); unknown is watched, as if it had it. */
	if (facts->x2apic == X2APIC_ABSENT) {
		sentence_format(why, SEOIB_MESSAGE_MAX, "its vCPU has no x2APIC (%s), so Directed EOI is never offered",
				facts->x2apic_why);
		return false;
	}
	if (state == STATE_NOT_ADVERTISED) {
		sentence_format(why, SEOIB_MESSAGE_MAX, "it runs not-advertised: Directed EOI is hidden from it");
		return false;
	}
	if (facts->irqchip_unknown) {
		sentence_format(why, SEOIB_MESSAGE_MAX, "seoib cannot tell its irqchip (%s)", facts->irqchip_why);
		return true;
	}
	if (state == STATE_UNKNOWN) {
		sentence_format(why, SEOIB_MESSAGE_MAX, "it has a split irqchip and seoib cannot tell the state it runs in");
		return true;
	}
	if (state == STATE_QUIRKED) {
		sentence_format(why, SEOIB_MESSAGE_MAX,
				"it runs quirked on a split irqchip: Directed EOI is advertised and KVM ignores it");
		return true;
	}
	if (proof != PROOF_VERIFIED) {
		sentence_format(why, SEOIB_MESSAGE_MAX,
				"it runs respected on a split irqchip and this host's proof of that state is %s, not verified",
				proof_to_string(proof));
		return true;
	}
	sentence_format(why, SEOIB_MESSAGE_MAX, "it runs respected and this host verified that state");
	return false;
}
