/* STUB: replaced by the policy engine. */
#include <stdlib.h>
#include <string.h>
#include "seoib/policy.h"

void policy_decide(const struct guest_facts *guest, const struct host_record *host,
		   const struct host_record *targets, size_t n_targets, struct decision *out)
{
	memset(out, 0, sizeof(*out));
	out->verdict = VERDICT_UNKNOWN;
}

void decision_free(struct decision *d)
{
	free(d->targets);
	d->targets = NULL;
}

json_object *decision_to_json(const struct guest_facts *guest, const struct decision *d)
{
	return json_object_new_object();
}

const char *verdict_to_string(enum verdict v)
{
	static const char *const names[] = {"safe", "unsafe", "unknown"};
	return names[v];
}
