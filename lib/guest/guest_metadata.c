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

/* <name a="…" b="…" c="…"/> as text, for virDomainSetMetadata(): the one
 * writer of seoib's metadata elements. xmlNewProp() escapes each value (an
 * acknowledgement's reason is the operator's words). NULL on failure. */
static char *element_text(const char *name, const char *const attrs[3][2])
{
	_cleanup_(xmlFreeDocp) xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	_cleanup_(xmlBufferFreep) xmlBufferPtr buf = xmlBufferCreate();
	xmlNodePtr node;

	if (!doc || !buf)
		return NULL;
	node = xmlNewDocNode(doc, NULL, BAD_CAST name, NULL);
	if (!node)
		return NULL;
	xmlDocSetRootElement(doc, node);
	for (int i = 0; i < 3; i++)
		if (!xmlNewProp(node, BAD_CAST attrs[i][0], BAD_CAST attrs[i][1]))
			return NULL;
	if (xmlNodeDump(buf, doc, node, 0, 0) < 0)
		return NULL;
	return strdup((const char *)xmlBufferContent(buf));
}

char *guest_metadata_element(enum seoib_state state, const char *hostname, int64_t when)
{
	char decided[32];

	format_utc(when, decided, sizeof(decided));
	return element_text(SEOIB_METADATA_ELEMENT, (const char *const[3][2]){
		{"state", state_to_string(state)}, {"host", hostname}, {"decided", decided}});
}

unsigned guest_metadata_sync_targets(const struct guest_facts *live, bool persistent_lacks_state,
				     enum seoib_state running)
{
	unsigned targets = 0;

	if (!live->has_metadata_state || live->metadata_state != running)
		targets |= GUEST_METADATA_LIVE;
	if (persistent_lacks_state)
		targets |= GUEST_METADATA_PERSISTENT;
	return targets;
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
	facts->has_metadata_state = true;
	facts->metadata_state = (enum seoib_state)s;
	guest_xpath_string(ctx, "/domain/metadata/seoib:guest/@host", facts->metadata_host,
			   sizeof(facts->metadata_host));
	guest_xpath_string(ctx, "/domain/metadata/seoib:guest/@decided", facts->metadata_decided,
			   sizeof(facts->metadata_decided));
	return 0;
}

char *guest_ack_element(const char *reason, const char *by, int64_t when)
{
	char at[32];

	format_utc(when, at, sizeof(at));
	return element_text(SEOIB_ACK_ELEMENT, (const char *const[3][2]){{"reason", reason}, {"by", by}, {"at", at}});
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
