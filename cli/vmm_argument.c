/* Writing the VMM argument into a domain's persistent definition (see
 * vmm_argument.h). libvirt has no API for <qemu:commandline>: the XML is
 * the interface (docs/libvirt.md, "What apply writes"). */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <string.h>

#include "libvirt_conn.h"
#include "seoib/cleanup.h"
#include "seoib/guest_facts.h"
#include "seoib/sentence.h"
#include "vmm_argument.h"

#define QEMU_NS_URI "http://libvirt.org/schemas/domain/qemu/1.0"

DEFINE_TRIVIAL_CLEANUP(xmlDocPtr, xmlFreeDoc)

/* <qemu:commandline> under <domain>, created (with the qemu namespace
 * declared on <domain>, where libvirt expects it) when absent. */
static xmlNodePtr commandline_of(xmlNodePtr domain)
{
	xmlNsPtr ns = xmlSearchNsByHref(domain->doc, domain, BAD_CAST QEMU_NS_URI);

	for (xmlNodePtr n = domain->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && n->ns && xmlStrcmp(n->ns->href, BAD_CAST QEMU_NS_URI) == 0 &&
		    xmlStrcmp(n->name, BAD_CAST "commandline") == 0)
			return n;
	if (!ns)
		ns = xmlNewNs(domain, BAD_CAST QEMU_NS_URI, BAD_CAST "qemu");
	return ns ? xmlNewChild(domain, ns, BAD_CAST "commandline", NULL) : NULL;
}

static bool add_arg(xmlNodePtr commandline, const char *value)
{
	xmlNodePtr arg = xmlNewChild(commandline, commandline->ns, BAD_CAST "arg", NULL);

	return arg && xmlNewProp(arg, BAD_CAST "value", BAD_CAST value);
}

static char *edited_xml(const char *xml, const struct run_state *rs, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_(xmlFreeDocp) xmlDocPtr doc =
		xmlReadMemory(xml, (int)strlen(xml), "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	xmlNodePtr domain = doc ? xmlDocGetRootElement(doc) : NULL, commandline;
	xmlChar *out = NULL;
	int len = 0;

	if (!domain || xmlStrcmp(domain->name, BAD_CAST "domain") != 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "libvirt returned a definition that is not a <domain>");
		return NULL;
	}
	commandline = commandline_of(domain);
	if (!commandline || !add_arg(commandline, rs->option) || !add_arg(commandline, rs->value)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory adding %s %s to the definition", rs->option, rs->value);
		return NULL;
	}
	xmlDocDumpMemory(doc, &out, &len);
	if (!out)
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory writing the definition");
	return (char *)out;
}

int vmm_argument_write(virDomainPtr dom, const struct run_state *rs, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *xml = NULL;
	xmlChar *edited;
	virDomainPtr defined;
	char inner[SEOIB_MESSAGE_MAX];

	libvirt_deadline_arm("libvirt (reading the domain's persistent definition)");
	xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
	libvirt_deadline_disarm();
	if (!xml) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot read the persistent definition of '%s': %s", virDomainGetName(dom),
			 libvirt_last_error());
		return -1;
	}
	edited = (xmlChar *)edited_xml(xml, rs, inner);
	if (!edited) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot add %s %s to the definition of '%s': %s", rs->option, rs->value,
			 virDomainGetName(dom), inner);
		return -1;
	}
	libvirt_deadline_arm("libvirt (defining the domain again)");
	defined = virDomainDefineXML(virDomainGetConnect(dom), (const char *)edited);
	libvirt_deadline_disarm();
	xmlFree(edited);
	if (!defined) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot define '%s' with %s %s in its <qemu:commandline>: %s",
			 virDomainGetName(dom), rs->option, rs->value, libvirt_last_error());
		return -1;
	}
	virDomainFree(defined);
	return 0;
}
