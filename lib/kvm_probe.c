/* STUB: replaced by the probe implementation. */
#include <string.h>
#include "seoib/kvm_probe.h"

void kvm_measurements_init(struct kvm_measurements *m)
{
	memset(m, 0, sizeof(*m));
}

enum probe_status kvm_probe_run(const struct kvm_probe_options *opts, struct kvm_measurements *m,
				char message[SEOIB_MESSAGE_MAX])
{
	kvm_measurements_init(m);
	strcpy(message, "not implemented");
	return PROBE_ERROR;
}
