/* Remediations as edits of a domain XML (seoib/guest_edit.h): libxml2's tree,
 * changed in place and written back whole, so that every element seoib does
 * not touch reaches libvirt as it came. */
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/guest_edit.h"
#include "seoib/string_table.h"

DEFINE_TRIVIAL_CLEANUP(xmlDocPtr, xmlFreeDoc)
DEFINE_TRIVIAL_CLEANUP(xmlBufferPtr, xmlBufferFree)

static const char *const guest_remedy_table[GUEST_REMEDY_COUNT] = {
	[GUEST_REMEDY_IN_KERNEL_IRQCHIP] = "in-kernel-irqchip",
	[GUEST_REMEDY_NO_X2APIC] = "no-x2apic",
};

DEFINE_STRING_TABLE_LOOKUP(guest_remedy, enum guest_remedy)

enum guest_remedy guest_remedy_choose(const struct guest_facts *facts)
{
	return facts->split_required || facts->irqchip_cmdline ? GUEST_REMEDY_NO_X2APIC
							       : GUEST_REMEDY_IN_KERNEL_IRQCHIP;
}

/* The first child element of parent named name, in no namespace. */
static xmlNodePtr child(xmlNodePtr parent, const char *name)
{
	for (xmlNodePtr n = parent->children; n; n = n->next)
		if (n->type == XML_ELEMENT_NODE && !n->ns && strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

static xmlNodePtr child_or_new(xmlNodePtr parent, const char *name)
{
	xmlNodePtr n = child(parent, name);

	return n ? n : xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

/* One element as text, for the operator to see what changes. */
static void dump(xmlDocPtr doc, xmlNodePtr node, char *dst, size_t size)
{
	_cleanup_(xmlBufferFreep) xmlBufferPtr buf = xmlBufferCreate();

	dst[0] = '\0';
	if (node && buf && xmlNodeDump(buf, doc, node, 0, 0) >= 0)
		snprintf(dst, size, "%s", (const char *)xmlBufferContent(buf));
}

static bool attr_is(xmlNodePtr node, const char *name, const char *value)
{
	xmlChar *v = xmlGetProp(node, BAD_CAST name);
	bool same = v && strcmp((const char *)v, value) == 0;

	xmlFree(v);
	return same;
}

static int in_kernel_fits(const struct guest_facts *f, char err[SEOIB_MESSAGE_MAX])
{
	if (f->split_required)
		sentence_format(err, SEOIB_MESSAGE_MAX,
				"'%s' needs the split irqchip (%s), so QEMU would not start it with the in-kernel one; use the no-x2apic remediation",
				f->name, f->irqchip_why);
	else if (f->irqchip_cmdline)
		sentence_format(err, SEOIB_MESSAGE_MAX,
				"the <qemu:commandline> of '%s' chooses its irqchip (%s), over any <ioapic>; remove that argument (virsh edit %s) and run apply again",
				f->name, f->irqchip_why, f->name);
	else if (f->has_metadata_state && f->metadata_state == STATE_RESPECTED)
		sentence_format(err, SEOIB_MESSAGE_MAX,
				"'%s' has the recorded state respected, which needs the split irqchip; clear it first (seoibctl forget-state --domain %s) and run apply again",
				f->name, f->name);
	else
		return 0;
	return -1;
}

/* <features><ioapic driver='kvm'/>; unchanged when it is there already. */
static int edit_in_kernel(xmlDocPtr doc, const struct guest_facts *f, struct guest_edit *out,
			  char err[SEOIB_MESSAGE_MAX])
{
	xmlNodePtr root = xmlDocGetRootElement(doc), features, ioapic;

	if (in_kernel_fits(f, err) < 0)
		return -1;
	features = child_or_new(root, "features");
	ioapic = features ? child(features, "ioapic") : NULL;
	dump(doc, ioapic, out->before, sizeof(out->before));
	if (ioapic && attr_is(ioapic, "driver", "kvm"))
		return 0;
	if (!ioapic)
		ioapic = features ? xmlNewChild(features, NULL, BAD_CAST "ioapic", NULL) : NULL;
	if (!ioapic || !xmlSetProp(ioapic, BAD_CAST "driver", BAD_CAST "kvm")) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory editing the XML of '%s'", f->name);
		return -1;
	}
	out->changed = true;
	dump(doc, ioapic, out->after, sizeof(out->after));
	return 0;
}

static long vcpus(xmlNodePtr root)
{
	xmlNodePtr v = child(root, "vcpu");
	xmlChar *text = v ? xmlNodeGetContent(v) : NULL;
	long n = text ? strtol((const char *)text, NULL, 10) : 1;

	xmlFree(text);
	return n;
}

/* A <cpu> with no model takes no features (libvirt refuses "a feature list
 * without a CPU model" in custom mode); QEMU's own default CPU model for a
 * guest with no <cpu> is qemu64, named here so that only x2APIC changes. */
static xmlNodePtr new_cpu(xmlNodePtr root)
{
	xmlNodePtr cpu = xmlNewChild(root, NULL, BAD_CAST "cpu", NULL), model;

	if (!cpu || !xmlSetProp(cpu, BAD_CAST "mode", BAD_CAST "custom") ||
	    !xmlSetProp(cpu, BAD_CAST "match", BAD_CAST "exact") || !xmlSetProp(cpu, BAD_CAST "check", BAD_CAST "none"))
		return NULL;
	model = xmlNewChild(cpu, NULL, BAD_CAST "model", BAD_CAST "qemu64");
	return model && xmlSetProp(model, BAD_CAST "fallback", BAD_CAST "forbid") ? cpu : NULL;
}

/* <cpu><feature policy='disable' name='x2apic'/>, whatever policy it had. */
static int edit_no_x2apic(xmlDocPtr doc, const struct guest_facts *f, struct guest_edit *out,
			  char err[SEOIB_MESSAGE_MAX])
{
	xmlNodePtr root = xmlDocGetRootElement(doc), cpu = child(root, "cpu"), feature = NULL;
	long n = vcpus(root);

	if (n > GUEST_XAPIC_MAX_VCPUS) {
		sentence_format(err, SEOIB_MESSAGE_MAX,
				"'%s' has %ld vCPUs, and without x2APIC a guest can use at most %d (xAPIC IDs have 8 bits); use the in-kernel irqchip where nothing needs split, or give it fewer vCPUs",
				f->name, n, GUEST_XAPIC_MAX_VCPUS);
		return -1;
	}
	dump(doc, cpu, out->before, sizeof(out->before));
	for (xmlNodePtr c = cpu ? cpu->children : NULL; c; c = c->next)
		if (c->type == XML_ELEMENT_NODE && !c->ns && strcmp((const char *)c->name, "feature") == 0 &&
		    attr_is(c, "name", "x2apic"))
			feature = c;
	if (feature && attr_is(feature, "policy", "disable"))
		return 0;
	if (!cpu)
		cpu = new_cpu(root);
	if (cpu && !feature) {
		feature = xmlNewChild(cpu, NULL, BAD_CAST "feature", NULL);
		if (feature && !xmlSetProp(feature, BAD_CAST "name", BAD_CAST "x2apic"))
			feature = NULL;
	}
	if (!feature || !xmlSetProp(feature, BAD_CAST "policy", BAD_CAST "disable")) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory editing the XML of '%s'", f->name);
		return -1;
	}
	out->changed = true;
	dump(doc, cpu, out->after, sizeof(out->after));
	return 0;
}

static int write_doc(xmlDocPtr doc, struct guest_edit *out, const char *name, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_(xmlBufferFreep) xmlBufferPtr buf = xmlBufferCreate();

	if (!buf || xmlNodeDump(buf, doc, xmlDocGetRootElement(doc), 0, 0) < 0 ||
	    !(out->xml = strdup((const char *)xmlBufferContent(buf)))) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory writing the edited XML of '%s'", name);
		return -1;
	}
	return 0;
}

int guest_edit_remedy(const char *xml, size_t len, enum guest_remedy r, struct guest_facts *facts,
		      struct guest_edit *out, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_(xmlFreeDocp) xmlDocPtr doc = NULL;
	int ret;

	memset(out, 0, sizeof(*out));
	/* Bounds, DOCTYPE and root checked here, before libxml2 builds a tree. */
	if (guest_facts_from_xml(xml, len, facts, err) < 0)
		return -1;
	doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING | XML_PARSE_NOERROR);
	if (!doc || !xmlDocGetRootElement(doc)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot parse the domain XML of '%s' for editing", facts->name);
		return -1;
	}
	ret = r == GUEST_REMEDY_IN_KERNEL_IRQCHIP ? edit_in_kernel(doc, facts, out, err)
						 : edit_no_x2apic(doc, facts, out, err);
	if (ret < 0 || !out->changed)
		return ret;
	return write_doc(doc, out, facts->name, err);
}

void guest_edit_free(struct guest_edit *e)
{
	free(e->xml);
	e->xml = NULL;
}
