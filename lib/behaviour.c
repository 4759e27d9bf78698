/* STUB: replaced by the behavioural probe. */
#include <string.h>
#include "seoib/behaviour.h"

void behaviour_run(const struct behaviour_options *opts, const struct kvm_measurements *m,
		   struct behaviour *b)
{
	memset(b, 0, sizeof(*b));
}

void behaviour_verdict_derive(struct behaviour *b, const struct kvm_verdict *v)
{
}

const char *outcome_to_string(enum behaviour_outcome o)
{
	static const char *const names[] = {"not-run", "skipped", "done", "timeout", "error"};
	return o < OUTCOME_COUNT ? names[o] : "invalid";
}

int outcome_from_string(const char *s)
{
	static const char *const names[] = {"not-run", "skipped", "done", "timeout", "error"};
	for (int i = 0; i < OUTCOME_COUNT; i++)
		if (s && strcmp(s, names[i]) == 0)
			return i;
	return -1;
}
