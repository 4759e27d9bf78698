/* seoib's metadata element for a domain (see seoib/guest_facts.h), built
 * with libxml2; libvirt adds the namespace and prefix on
 * virDomainSetMetadata(VIR_DOMAIN_METADATA_ELEMENT). */
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/guest_facts.h"
#include "seoib/json_util.h"

DEFINE_TRIVIAL_CLEANUP(xmlDocPtr, xmlFreeDoc)
DEFINE_TRIVIAL_CLEANUP(xmlBufferPtr, xmlBufferFree)

char *guest_metadata_element(enum seoib_state state, const char *hostname, int64_t when)
{
	_cleanup_(xmlFreeDocp) xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	_cleanup_(xmlBufferFreep) xmlBufferPtr buf = xmlBufferCreate();
	xmlNodePtr node;
	char decided[32];

	if (!doc || !buf)
		return NULL;
	format_utc(when, decided, sizeof(decided));
	node = xmlNewDocNode(doc, NULL, BAD_CAST SEOIB_METADATA_ELEMENT, NULL);
	if (!node)
		return NULL;
	xmlDocSetRootElement(doc, node);
	if (!xmlNewProp(node, BAD_CAST "state", BAD_CAST state_to_string(state)) ||
	    !xmlNewProp(node, BAD_CAST "host", BAD_CAST hostname) ||
	    !xmlNewProp(node, BAD_CAST "decided", BAD_CAST decided) || xmlNodeDump(buf, doc, node, 0, 0) < 0)
		return NULL;
	return strdup((const char *)xmlBufferContent(buf));
}
