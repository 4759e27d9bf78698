/* seoib's metadata element for a domain (seoib/guest_metadata.h): built
 * with libxml2 for virDomainSetMetadata(VIR_DOMAIN_METADATA_ELEMENT), which
 * adds the namespace and prefix, and read back from the domain XML. */
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "guest_xpath.h"
#include "seoib/cleanup.h"
#include "seoib/guest_facts.h"
#include "seoib/guest_metadata.h"
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

/* A state it cannot read is an error, never ignored, because ignoring it
 * could change a running guest's state on migration. */
int guest_metadata_read(xmlXPathContextPtr ctx, struct guest_facts *facts, char err[SEOIB_MESSAGE_MAX])
{
	int n = guest_xpath_count(ctx, "/domain/metadata/seoib:guest");
	char state[64];
	int s;

	if (n == 0)
		return 0;
	if (n > 1) {
		sentence_format(err, SEOIB_MESSAGE_MAX,
				"guest %s has %d seoib metadata elements; keep one (virsh metadata %s --uri %s --remove, then seoibctl apply)",
				facts->name, n, facts->name, SEOIB_METADATA_URI);
		return -1;
	}
	guest_xpath_string(ctx, "/domain/metadata/seoib:guest/@state", state, sizeof(state));
	s = state_from_string(state);
	if (s < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX,
				"unknown recorded state '%s' in the seoib metadata of guest %s; expected quirked, respected or not-advertised (virsh metadata %s --uri %s --remove clears it)",
				state, facts->name, facts->name, SEOIB_METADATA_URI);
		return -1;
	}
	facts->has_recorded_state = true;
	facts->recorded_state = (enum seoib_state)s;
	guest_xpath_string(ctx, "/domain/metadata/seoib:guest/@host", facts->recorded_host,
			   sizeof(facts->recorded_host));
	guest_xpath_string(ctx, "/domain/metadata/seoib:guest/@decided", facts->recorded_decided,
			   sizeof(facts->recorded_decided));
	return 0;
}

char *guest_ack_element(const char *reason, const char *by, int64_t when)
{
	_cleanup_(xmlFreeDocp) xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	_cleanup_(xmlBufferFreep) xmlBufferPtr buf = xmlBufferCreate();
	xmlNodePtr node;
	char at[32];

	if (!doc || !buf)
		return NULL;
	format_utc(when, at, sizeof(at));
	node = xmlNewDocNode(doc, NULL, BAD_CAST SEOIB_ACK_ELEMENT, NULL);
	if (!node)
		return NULL;
	xmlDocSetRootElement(doc, node);
	/* xmlNewProp() escapes the text: a reason is the operator's words. */
	if (!xmlNewProp(node, BAD_CAST "reason", BAD_CAST reason) || !xmlNewProp(node, BAD_CAST "by", BAD_CAST by) ||
	    !xmlNewProp(node, BAD_CAST "at", BAD_CAST at) || xmlNodeDump(buf, doc, node, 0, 0) < 0)
		return NULL;
	return strdup((const char *)xmlBufferContent(buf));
}

void guest_ack_read(xmlXPathContextPtr ctx, struct guest_facts *facts)
{
	int n = guest_xpath_count(ctx, "/domain/metadata/ack:ack");

	if (n == 0)
		return;
	if (n > 1) {
		facts->ack_invalid = true;
		snprintf(facts->ack_why, sizeof(facts->ack_why),
			 "%d acknowledgement elements, which acknowledge nothing; keep one (seoibctl ack --remove, then seoibctl ack)",
			 n);
		return;
	}
	guest_xpath_string(ctx, "/domain/metadata/ack:ack/@reason", facts->ack_reason, sizeof(facts->ack_reason));
	guest_xpath_string(ctx, "/domain/metadata/ack:ack/@by", facts->ack_by, sizeof(facts->ack_by));
	guest_xpath_string(ctx, "/domain/metadata/ack:ack/@at", facts->ack_at, sizeof(facts->ack_at));
	if (!facts->ack_reason[0]) {
		facts->ack_invalid = true;
		snprintf(facts->ack_why, sizeof(facts->ack_why), "%s",
			 "an acknowledgement without a reason, which acknowledges nothing; give one (seoibctl ack --reason TEXT)");
		return;
	}
	facts->acknowledged = true;
}
