/* STUB: replaced by the verdict implementation. */
#include <string.h>
#include "seoib/kvm_probe.h"

void kvm_verdict_derive(const struct kvm_measurements *m, struct kvm_verdict *v)
{
	memset(v, 0, sizeof(*v));
}

const char *probe_status_to_string(enum probe_status s)
{
	static const char *const names[] = {"ok", "kvm-unavailable", "error"};
	return s < PROBE_STATUS_COUNT ? names[s] : "invalid";
}

int probe_status_from_string(const char *s)
{
	static const char *const names[] = {"ok", "kvm-unavailable", "error"};
	for (int i = 0; i < PROBE_STATUS_COUNT; i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}
