/* STUB: replaced by the libxml2 reader. */
#include <string.h>
#include "seoib/guest_facts.h"

int guest_facts_from_xml(const char *xml, size_t len, struct guest_facts *facts,
			 char err[SEOIB_MESSAGE_MAX])
{
	memset(facts, 0, sizeof(*facts));
	strcpy(err, "not implemented");
	return -1;
}

bool guest_facts_at_risk(const struct guest_facts *facts)
{
	return facts->windows || facts->hyperv;
}
