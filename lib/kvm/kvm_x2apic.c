/* The x2APIC API flags of a probe mode (seoib/kvm_x2apic.h). */
#include "seoib/kvm_x2apic.h"

unsigned long long mode_flags(enum x2apic_mode m)
{
	switch (m) {
	case MODE_ENABLE:
		return KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST;
	case MODE_DISABLE:
		return KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST;
	case MODE_BOTH:
		return KVM_X2APIC_ENABLE_SUPPRESS_EOI_BROADCAST | KVM_X2APIC_DISABLE_SUPPRESS_EOI_BROADCAST;
	default:
		return 0;
	}
}
