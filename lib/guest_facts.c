/* Guest facts from a libvirt domain XML (libxml2 + XPath).
 * docs/policy.md, "Guest facts", lists every element read and why. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "seoib/cleanup.h"
#include "seoib/fileio.h"
#include "seoib/guest_facts.h"

DEFINE_TRIVIAL_CLEANUP(xmlDocPtr, xmlFreeDoc)
DEFINE_TRIVIAL_CLEANUP(xmlParserCtxtPtr, xmlFreeParserCtxt)
DEFINE_TRIVIAL_CLEANUP(xmlXPathContextPtr, xmlXPathFreeContext)
DEFINE_TRIVIAL_CLEANUP(xmlXPathObjectPtr, xmlXPathFreeObject)

#define LIBOSINFO_URI "http://libosinfo.org/xmlns/libvirt/domain/1.0"
#define QEMU_NS_URI "http://libvirt.org/schemas/domain/qemu/1.0"
#define WINDOWS_OS_PREFIX "http://microsoft.com/win/"

static void set_err(char err[SEOIB_MESSAGE_MAX], const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void set_err(char err[SEOIB_MESSAGE_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, SEOIB_MESSAGE_MAX, fmt, ap);
	va_end(ap);
}

/* Copy src into a fixed field, always terminated; long values are cut. */
static void copy_field(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The string value of an XPath expression (wrapped in string()), trimmed of
 * surrounding whitespace; "" when the node does not exist. */
static void xpath_string(xmlXPathContextPtr ctx, const char *expr, char *dst, size_t size)
{
	char wrapped[512];
	_cleanup_(xmlXPathFreeObjectp) xmlXPathObjectPtr obj = NULL;
	const char *s;
	size_t n;

	dst[0] = '\0';
	snprintf(wrapped, sizeof(wrapped), "normalize-space(%s)", expr);
	obj = xmlXPathEvalExpression((const xmlChar *)wrapped, ctx);
	if (!obj || obj->type != XPATH_STRING || !obj->stringval)
		return;
	s = (const char *)obj->stringval;
	n = strlen(s);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int xpath_count(xmlXPathContextPtr ctx, const char *expr)
{
	char wrapped[512];
	_cleanup_(xmlXPathFreeObjectp) xmlXPathObjectPtr obj = NULL;

	snprintf(wrapped, sizeof(wrapped), "count(%s)", expr);
	obj = xmlXPathEvalExpression((const xmlChar *)wrapped, ctx);
	if (!obj || obj->type != XPATH_NUMBER)
		return 0;
	return (int)obj->floatval;
}

static bool xpath_equals(xmlXPathContextPtr ctx, const char *expr, const char *value)
{
	char s[128];

	xpath_string(ctx, expr, s, sizeof(s));
	return strcmp(s, value) == 0;
}

/* The first parse error is the one that names the real mistake; libxml2's
 * last error (xmlGetLastError) is usually a consequence, such as
 * "Premature end of data". ctxt->_private holds the destination. */
static void first_parse_error(void *user, xmlErrorPtr e)
{
	xmlParserCtxtPtr ctxt = user;
	char *err = ctxt ? ctxt->_private : NULL;
	char msg[256];

	if (!err || err[0] || !e || e->level < XML_ERR_ERROR)
		return;
	copy_field(msg, sizeof(msg), e->message ? e->message : "not well-formed");
	msg[strcspn(msg, "\n")] = '\0';
	set_err(err, "malformed domain XML at line %d: %s; pass the XML as libvirt writes it (virsh dumpxml GUEST)",
		e->line, msg);
}

/* No XML_PARSE_NOENT and no XML_PARSE_DTDLOAD: entities are never
 * substituted or fetched; NONET forbids any network access. */
static xmlDocPtr parse_domain(const char *xml, size_t len, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_(xmlFreeParserCtxtp) xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	xmlDocPtr doc;

	err[0] = '\0';
	if (!ctxt) {
		set_err(err, "cannot parse the domain XML: out of memory");
		return NULL;
	}
	ctxt->_private = err;
	ctxt->sax->serror = first_parse_error;
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING);
	if (!doc && !err[0])
		set_err(err, "malformed domain XML; pass the XML as libvirt writes it (virsh dumpxml GUEST)");
	if (doc && err[0]) {
		/* Recovered errors still mean the input is not what libvirt wrote. */
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* QEMU's I/O APIC version per machine type: hw_compat_2_7 sets 0x11 for every
 * pc-* type of 2.7 and older; later and unversioned aliases (pc, q35) get
 * 0x20, QEMU's default since 2.8. */
static void machine_ioapic_version(struct guest_facts *facts)
{
	static const char *const prefixes[] = {"pc-i440fx-", "pc-q35-", "pc-"};
	const char *m = facts->machine;
	unsigned major, minor;

	facts->ioapic_version = IOAPIC_VERSION_20;
	if (!m[0]) {
		snprintf(facts->ioapic_why, sizeof(facts->ioapic_why),
			 "no machine type: QEMU's default machine has I/O APIC 0x20");
		return;
	}
	for (size_t i = 0; i < ELEMENTSOF(prefixes); i++) {
		size_t len = strlen(prefixes[i]);

		if (strncmp(m, prefixes[i], len) != 0)
			continue;
		if (sscanf(m + len, "%u.%u", &major, &minor) != 2)
			break;
		if (major < 2 || (major == 2 && minor <= 7)) {
			facts->ioapic_version = IOAPIC_VERSION_11;
			snprintf(facts->ioapic_why, sizeof(facts->ioapic_why),
				 "machine type %.100s is 2.7 or older (QEMU hw_compat_2_7: I/O APIC 0x11)", m);
			return;
		}
		snprintf(facts->ioapic_why, sizeof(facts->ioapic_why),
			 "machine type %.100s is 2.8 or newer (I/O APIC 0x20)", m);
		return;
	}
	snprintf(facts->ioapic_why, sizeof(facts->ioapic_why),
		 "machine type %.100s is not a versioned pc type: QEMU's default I/O APIC 0x20", m);
}

/* One QEMU global, "ioapic.version=0x11" or "driver=ioapic,property=version,value=0x11".
 * Returns true and copies the value when it sets the I/O APIC version. */
static bool global_ioapic_version(const char *spec, char *value, size_t size)
{
	static const char short_form[] = "ioapic.version=";
	char copy[256];
	bool driver = false, property = false;

	value[0] = '\0';
	if (strncmp(spec, short_form, sizeof(short_form) - 1) == 0) {
		copy_field(value, size, spec + sizeof(short_form) - 1);
		return true;
	}
	copy_field(copy, sizeof(copy), spec);
	for (char *save = NULL, *kv = strtok_r(copy, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		if (strcmp(kv, "driver=ioapic") == 0)
			driver = true;
		else if (strcmp(kv, "property=version") == 0)
			property = true;
		else if (strncmp(kv, "value=", 6) == 0)
			copy_field(value, size, kv + 6);
	}
	return driver && property;
}

/* QEMU's ioapic realize() accepts only 0x11 and 0x20; anything else would
 * not start, so it is an error here too. */
static int parse_ioapic_version(const char *value, unsigned *version)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 0);
	if (errno || end == value || *end || (v != IOAPIC_VERSION_11 && v != IOAPIC_VERSION_20))
		return -1;
	*version = (unsigned)v;
	return 0;
}

/* The global's argument: "-global X", "--global X", "-global=X", "--global=X". */
static const char *attr_value(xmlNodePtr attr)
{
	return attr->children ? (const char *)attr->children->content : NULL;
}

static const char *global_spec(xmlNodeSetPtr args, int *i)
{
	const char *arg = attr_value(args->nodeTab[*i]);

	if (!arg)
		return NULL;
	if (strcmp(arg, "-global") == 0 || strcmp(arg, "--global") == 0) {
		if (*i + 1 >= args->nodeNr)
			return NULL;
		*i += 1;
		return attr_value(args->nodeTab[*i]);
	}
	if (strncmp(arg, "-global=", 8) == 0)
		return arg + 8;
	if (strncmp(arg, "--global=", 9) == 0)
		return arg + 9;
	return NULL;
}

/* <qemu:commandline> may force the version; QEMU applies globals in order, so
 * the last one wins. */
static int commandline_ioapic_version(xmlXPathContextPtr ctx, struct guest_facts *facts,
				      char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_(xmlXPathFreeObjectp) xmlXPathObjectPtr obj =
		xmlXPathEvalExpression((const xmlChar *)"/domain/qemu:commandline/qemu:arg/@value", ctx);
	xmlNodeSetPtr args = obj ? obj->nodesetval : NULL;

	for (int i = 0; args && i < args->nodeNr; i++) {
		const char *spec = global_spec(args, &i);
		char value[64];

		if (!spec || !global_ioapic_version(spec, value, sizeof(value)))
			continue;
		if (parse_ioapic_version(value, &facts->ioapic_version) < 0) {
			set_err(err, "unsupported I/O APIC version '%.64s' in <qemu:commandline> of guest %.200s; QEMU accepts only 0x11 or 0x20",
				value, facts->name);
			return -1;
		}
		snprintf(facts->ioapic_why, sizeof(facts->ioapic_why),
			 "<qemu:commandline> sets -global %.100s", spec);
	}
	return 0;
}

/* Keep the arguments for the VMM model: a -machine or -global there may set
 * the property that chooses the state (lib/run_state.c reads them). */
static void read_qemu_args(xmlXPathContextPtr ctx, struct guest_facts *facts)
{
	_cleanup_(xmlXPathFreeObjectp) xmlXPathObjectPtr obj =
		xmlXPathEvalExpression((const xmlChar *)"/domain/qemu:commandline/qemu:arg/@value", ctx);
	xmlNodeSetPtr args = obj ? obj->nodesetval : NULL;

	for (int i = 0; args && i < args->nodeNr; i++) {
		const char *arg = attr_value(args->nodeTab[i]);

		if (!arg)
			arg = "";
		if (facts->n_qemu_args == GUEST_QEMU_ARGS_MAX || strlen(arg) >= GUEST_QEMU_ARG_LEN) {
			facts->qemu_args_truncated = true;
			return;
		}
		memcpy(facts->qemu_args[facts->n_qemu_args++], arg, strlen(arg) + 1);
	}
}

/* Split is required by an Intel IOMMU with interrupt remapping (libvirt
 * refuses it without <ioapic driver='qemu'/>), by TDX (QEMU demands
 * kernel-irqchip=split) and by microvm (its default). */
static const char *split_requirement(xmlXPathContextPtr ctx, const struct guest_facts *facts)
{
	if (xpath_count(ctx, "/domain/launchSecurity[@type='tdx']") > 0)
		return "TDX (<launchSecurity type='tdx'>) requires the split irqchip";
	if (xpath_equals(ctx, "/domain/devices/iommu[@model='intel']/driver/@intremap", "on"))
		return "an Intel IOMMU with intremap='on' requires the split irqchip";
	if (strncmp(facts->machine, "microvm", 7) == 0)
		return "the microvm machine type uses the split irqchip";
	return NULL;
}

static int read_irqchip(xmlXPathContextPtr ctx, struct guest_facts *facts, char err[SEOIB_MESSAGE_MAX])
{
	char driver[32];
	const char *required = split_requirement(ctx, facts);

	xpath_string(ctx, "/domain/features/ioapic/@driver", driver, sizeof(driver));
	if (driver[0] && strcmp(driver, "qemu") != 0 && strcmp(driver, "kvm") != 0) {
		set_err(err, "unknown <ioapic driver='%.32s'/> in guest %.200s; libvirt accepts 'kvm' or 'qemu'",
			driver, facts->name);
		return -1;
	}
	facts->irqchip = IRQCHIP_SPLIT;
	facts->split_required = required != NULL;
	if (required)
		snprintf(facts->irqchip_why, sizeof(facts->irqchip_why), "%s%s", required,
			 strcmp(driver, "kvm") == 0 ? " (the <ioapic driver='kvm'/> cannot apply)" : "");
	else if (strcmp(driver, "qemu") == 0)
		snprintf(facts->irqchip_why, sizeof(facts->irqchip_why), "<ioapic driver='qemu'/> chooses it");
	else if (strcmp(driver, "kvm") == 0) {
		facts->irqchip = IRQCHIP_IN_KERNEL;
		snprintf(facts->irqchip_why, sizeof(facts->irqchip_why), "<ioapic driver='kvm'/> chooses it");
	} else if (strcmp(facts->machine, "pc-q35-4.0") == 0)
		/* The one machine type whose default was kernel-irqchip=split
		 * (QEMU 4.0; 4.0.1 reverted it); libvirt passes no
		 * kernel_irqchip without an <ioapic> element. */
		snprintf(facts->irqchip_why, sizeof(facts->irqchip_why),
			 "no <ioapic> element: pc-q35-4.0 defaults to the split irqchip");
	else {
		facts->irqchip = IRQCHIP_IN_KERNEL;
		snprintf(facts->irqchip_why, sizeof(facts->irqchip_why),
			 "no <ioapic> element: QEMU's default for pc and q35");
	}
	return 0;
}

/* <hyperv mode='passthrough'> exposes every enlightenment the host has;
 * mode='custom' (the default) exposes those with state='on'. */
static bool read_hyperv(xmlXPathContextPtr ctx)
{
	if (xpath_equals(ctx, "/domain/features/hyperv/@mode", "passthrough"))
		return true;
	return xpath_count(ctx, "/domain/features/hyperv/*[@state='on']") > 0;
}

/* vmx/svm reaches the guest with host-passthrough / maximum CPUs, and with
 * host-model (libvirt copies the host's vmx/svm when the host allows nested
 * virtualisation, the default since Linux 4.20), unless a feature element
 * disables it; a custom CPU exposes it only when asked for. */
static void read_nested_virt(xmlXPathContextPtr ctx, struct guest_facts *facts)
{
	static const char vmx_svm[] = "(@name='vmx' or @name='svm')";
	char mode[32], expr[256];

	xpath_string(ctx, "/domain/cpu/@mode", mode, sizeof(mode));
	snprintf(expr, sizeof(expr), "/domain/cpu/feature[%s and (@policy='disable' or @policy='forbid')]", vmx_svm);
	if (xpath_count(ctx, expr) > 0)
		return;
	if (strcmp(mode, "host-passthrough") == 0 || strcmp(mode, "maximum") == 0 ||
	    strcmp(mode, "host-model") == 0) {
		facts->nested_virt = true;
		snprintf(facts->nested_why, sizeof(facts->nested_why), "<cpu mode='%s'> exposes vmx/svm", mode);
		return;
	}
	snprintf(expr, sizeof(expr),
		 "/domain/cpu/feature[%s and (@policy='require' or @policy='force' or @policy='optional')]", vmx_svm);
	if (xpath_count(ctx, expr) > 0) {
		facts->nested_virt = true;
		snprintf(facts->nested_why, sizeof(facts->nested_why), "<cpu> requires the vmx/svm feature");
	}
}

static void read_risk_signals(xmlXPathContextPtr ctx, struct guest_facts *facts)
{
	xpath_string(ctx, "/domain/metadata/libosinfo:libosinfo/libosinfo:os/@id", facts->os_id,
		     sizeof(facts->os_id));
	facts->windows = strncmp(facts->os_id, WINDOWS_OS_PREFIX, strlen(WINDOWS_OS_PREFIX)) == 0;
	facts->hyperv = read_hyperv(ctx);
	read_nested_virt(ctx, facts);
	facts->secure_boot =
		xpath_equals(ctx, "/domain/os/loader/@secure", "yes") ||
		xpath_count(ctx, "/domain/os/firmware/feature[@name='secure-boot' and @enabled='yes']") > 0;
	facts->tpm = xpath_count(ctx, "/domain/devices/tpm") > 0;
}

/* seoib's own element: a state it cannot read is an error, never ignored,
 * because ignoring it could change a running guest's state on migration. */
static int read_recorded_state(xmlXPathContextPtr ctx, struct guest_facts *facts,
			       char err[SEOIB_MESSAGE_MAX])
{
	int n = xpath_count(ctx, "/domain/metadata/seoib:guest");
	char state[64];
	int s;

	if (n == 0)
		return 0;
	if (n > 1) {
		set_err(err, "guest %.200s has %d seoib metadata elements; keep one (virsh metadata %.200s --uri %s --remove, then seoibctl apply)",
			facts->name, n, facts->name, SEOIB_METADATA_URI);
		return -1;
	}
	xpath_string(ctx, "/domain/metadata/seoib:guest/@state", state, sizeof(state));
	s = state_from_string(state);
	if (s < 0) {
		set_err(err, "unknown recorded state '%.40s' in the seoib metadata of guest %.200s; expected quirked, respected or not-advertised (virsh metadata %.100s --uri %s --remove clears it)",
			state, facts->name, facts->name, SEOIB_METADATA_URI);
		return -1;
	}
	facts->has_recorded_state = true;
	facts->recorded_state = (enum seoib_state)s;
	xpath_string(ctx, "/domain/metadata/seoib:guest/@host", facts->recorded_host, sizeof(facts->recorded_host));
	xpath_string(ctx, "/domain/metadata/seoib:guest/@decided", facts->recorded_decided,
		     sizeof(facts->recorded_decided));
	return 0;
}

static int read_identity(xmlXPathContextPtr ctx, struct guest_facts *facts, char err[SEOIB_MESSAGE_MAX])
{
	xpath_string(ctx, "/domain/name", facts->name, sizeof(facts->name));
	if (!facts->name[0]) {
		set_err(err, "the domain XML has no <name>; pass the XML as libvirt writes it (virsh dumpxml GUEST)");
		return -1;
	}
	xpath_string(ctx, "/domain/uuid", facts->uuid, sizeof(facts->uuid));
	xpath_string(ctx, "/domain/os/type/@machine", facts->machine, sizeof(facts->machine));
	return 0;
}

static int read_facts(xmlXPathContextPtr ctx, struct guest_facts *facts, char err[SEOIB_MESSAGE_MAX])
{
	if (read_identity(ctx, facts, err) < 0 || read_irqchip(ctx, facts, err) < 0)
		return -1;
	machine_ioapic_version(facts);
	if (commandline_ioapic_version(ctx, facts, err) < 0)
		return -1;
	read_qemu_args(ctx, facts);
	read_risk_signals(ctx, facts);
	return read_recorded_state(ctx, facts, err);
}

static xmlXPathContextPtr new_xpath_context(xmlDocPtr doc)
{
	_cleanup_(xmlXPathFreeContextp) xmlXPathContextPtr ctx = xmlXPathNewContext(doc);

	if (!ctx ||
	    xmlXPathRegisterNs(ctx, (const xmlChar *)"qemu", (const xmlChar *)QEMU_NS_URI) < 0 ||
	    xmlXPathRegisterNs(ctx, (const xmlChar *)"libosinfo", (const xmlChar *)LIBOSINFO_URI) < 0 ||
	    xmlXPathRegisterNs(ctx, (const xmlChar *)SEOIB_METADATA_PREFIX,
			       (const xmlChar *)SEOIB_METADATA_URI) < 0)
		return NULL;
	return steal_ptr(ctx);
}

int guest_facts_from_xml(const char *xml, size_t len, struct guest_facts *facts,
			 char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_(xmlFreeDocp) xmlDocPtr doc = NULL;
	_cleanup_(xmlXPathFreeContextp) xmlXPathContextPtr ctx = NULL;
	xmlNodePtr root;

	memset(facts, 0, sizeof(*facts));
	if (len == 0 || len > GUEST_XML_MAX) {
		set_err(err, "the domain XML is %s (%zu bytes); pass the XML as libvirt writes it (virsh dumpxml GUEST)",
			len ? "larger than 16 MiB" : "empty", len);
		return -1;
	}
	doc = parse_domain(xml, len, err);
	if (!doc)
		return -1;
	if (doc->intSubset) {
		/* libvirt never writes a DOCTYPE; refusing it keeps entity
		 * tricks (external or exponential) out entirely. */
		set_err(err, "the domain XML has a <!DOCTYPE>, which libvirt never writes; pass the XML as libvirt writes it (virsh dumpxml GUEST)");
		return -1;
	}
	root = xmlDocGetRootElement(doc);
	if (!root || root->ns || strcmp((const char *)root->name, "domain") != 0) {
		set_err(err, "the XML root is <%.64s>, not <domain>; pass a libvirt domain XML (virsh dumpxml GUEST)",
			root ? (const char *)root->name : "");
		return -1;
	}
	ctx = new_xpath_context(doc);
	if (!ctx) {
		set_err(err, "cannot set up XPath on the domain XML: out of memory");
		return -1;
	}
	return read_facts(ctx, facts, err);
}

int guest_facts_load(const char *path, struct guest_facts *facts, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *xml = NULL;
	char inner[SEOIB_MESSAGE_MAX];
	size_t len = 0;

	memset(facts, 0, sizeof(*facts));
	if (read_file_bounded(path, GUEST_XML_MAX, &xml, &len, inner) < 0) {
		set_err(err, "domain XML %.200s: %.250s; pass the XML as libvirt writes it (virsh dumpxml GUEST)",
			strcmp(path, "-") == 0 ? "on standard input" : path, inner);
		return -1;
	}
	return guest_facts_from_xml(xml, len, facts, err);
}

bool guest_facts_at_risk(const struct guest_facts *facts)
{
	return facts->windows || facts->hyperv;
}

int guest_facts_vbs_signals(const struct guest_facts *facts)
{
	return (int)facts->nested_virt + (int)facts->secure_boot + (int)facts->tpm;
}
