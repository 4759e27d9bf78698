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
#include "seoib/guest_metadata.h"
#include "guest_xpath.h"
#include "seoib/machine_types.h"
#include "seoib/qemu_cmdline.h"
#include "seoib/sentence.h"
#include "seoib/string_table.h"

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
	sentence_vformat(err, SEOIB_MESSAGE_MAX, fmt, ap);
	va_end(ap);
}

/* Copy src into a fixed field, always terminated; long values are cut. */
static void copy_field(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

static bool xpath_equals(xmlXPathContextPtr ctx, const char *expr, const char *value)
{
	char s[128];

	guest_xpath_string(ctx, expr, s, sizeof(s));
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
	if (e->line > 0)
		set_err(err, "malformed domain XML at line %d: %s; pass the XML as libvirt writes it (virsh dumpxml GUEST)",
			e->line, msg);
	else /* encoding and I/O errors have no line */
		set_err(err, "malformed domain XML: %s; pass the XML as libvirt writes it (virsh dumpxml GUEST)", msg);
}

/* libxml2 reports encoding (XML_FROM_I18N) and I/O errors without the
 * parser context, to the thread's global handlers, which print raw lines
 * such as "encoding error : input conversion failed" on stderr. During a
 * parse both handlers are ours: structured errors join the context's
 * first-error sentence, generic ones (duplicates of structured ones in
 * libxml2 2.9) are dropped. */
struct xml_error_route {
	xmlStructuredErrorFunc structured;
	void *structured_ctx;
	xmlGenericErrorFunc generic;
	void *generic_ctx;
};

static void drop_generic_error(void *ctx, const char *msg, ...)
{
}

static void route_xml_errors(xmlParserCtxtPtr ctxt, struct xml_error_route *saved)
{
	*saved = (struct xml_error_route){xmlStructuredError, xmlStructuredErrorContext, xmlGenericError,
					  xmlGenericErrorContext};
	xmlSetStructuredErrorFunc(ctxt, first_parse_error);
	xmlSetGenericErrorFunc(NULL, drop_generic_error);
}

static void restore_xml_errors(const struct xml_error_route *saved)
{
	xmlSetStructuredErrorFunc(saved->structured_ctx, saved->structured);
	xmlSetGenericErrorFunc(saved->generic_ctx, saved->generic);
}

/* The bounds of guest_facts.h, counted on the raw bytes in one pass, before
 * libxml2's superlinear attribute checks can run. An attribute value cannot
 * hold '<' (XML 1.0, AttValue), so a start tag lies between one '<' and the
 * next: the '=' there bound its attributes from above ('=' inside values or
 * text only over-count, which errs on the side of refusing). */
static int check_xml_bounds(const char *xml, size_t len, char err[SEOIB_MESSAGE_MAX])
{
	const char *end = xml + len;
	size_t tags = 0, equals = 0, equals_total = 0;

	for (const char *p = xml; p < end; p++) {
		if (*p == '<') {
			equals = 0;
			if (++tags > GUEST_XML_MAX_TAGS) {
				set_err(err, "the domain XML has more than %d tags, far more than any libvirt domain; "
					"refusing it unparsed (pass the XML as libvirt writes it: virsh dumpxml GUEST)",
					GUEST_XML_MAX_TAGS);
				return GUEST_XML_TOO_COMPLEX;
			}
		} else if (*p == '=' && ++equals_total > GUEST_XML_MAX_ATTRIBUTES_TOTAL) {
			set_err(err, "the domain XML has more than %d attributes, far more than any libvirt domain; "
				"refusing it unparsed (pass the XML as libvirt writes it: virsh dumpxml GUEST)",
				GUEST_XML_MAX_ATTRIBUTES_TOTAL);
			return GUEST_XML_TOO_COMPLEX;
		} else if (*p == '=' && ++equals > GUEST_XML_MAX_ATTRIBUTES) {
			set_err(err, "the domain XML has an element with more than %d attributes (near byte %zu), far "
				"more than any libvirt element; refusing it unparsed (pass the XML as libvirt writes it: "
				"virsh dumpxml GUEST)", GUEST_XML_MAX_ATTRIBUTES, (size_t)(p - xml));
			return GUEST_XML_TOO_COMPLEX;
		}
	}
	return 0;
}

/* No XML_PARSE_NOENT and no XML_PARSE_DTDLOAD: entities are never
 * substituted or fetched; NONET forbids any network access. */
static xmlDocPtr parse_domain(const char *xml, size_t len, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_(xmlFreeParserCtxtp) xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	struct xml_error_route saved;
	xmlDocPtr doc;

	err[0] = '\0';
	if (!ctxt) {
		set_err(err, "cannot parse the domain XML: out of memory");
		return NULL;
	}
	ctxt->_private = err;
	ctxt->sax->serror = first_parse_error;
	route_xml_errors(ctxt, &saved);
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOWARNING);
	restore_xml_errors(&saved);
	if (!doc && !err[0])
		set_err(err, "malformed domain XML; pass the XML as libvirt writes it (virsh dumpxml GUEST)");
	if (doc && err[0]) {
		/* Recovered errors still mean the input is not what libvirt wrote. */
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

/* The <qemu:commandline> arguments, in document order, read as QEMU would
 * (lib/guest/qemu_cmdline.c); <qemu:override> may set an IOMMU's intremap too,
 * and is not followed: it makes the facts unknown. */
/* Keep the arguments too: a -machine or -global there may set the VMM
 * property that chooses the state (lib/policy/run_state.c reads them). */
static void keep_qemu_arg(struct guest_facts *facts, const char *arg)
{
	if (facts->qemu_args_truncated)
		return;
	if (facts->n_qemu_args == GUEST_QEMU_ARGS_MAX || strlen(arg) >= GUEST_QEMU_ARG_LEN) {
		facts->qemu_args_truncated = true;
		return;
	}
	memcpy(facts->qemu_args[facts->n_qemu_args++], arg, strlen(arg) + 1);
}

static int read_commandline(xmlXPathContextPtr ctx, struct qemu_cmdline *cmd, struct guest_facts *facts,
			    char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_(xmlXPathFreeObjectp) xmlXPathObjectPtr obj =
		xmlXPathEvalExpression((const xmlChar *)"/domain/qemu:commandline/qemu:arg/@value", ctx);
	xmlNodeSetPtr args = obj ? obj->nodesetval : NULL;
	_cleanup_free_ const char **argv = NULL;
	int argc = args ? args->nodeNr : 0;
	char inner[SEOIB_MESSAGE_MAX];

	argv = calloc((size_t)argc + 1, sizeof(*argv));
	if (!argv) {
		set_err(err, "cannot read <qemu:commandline>: out of memory");
		return -1;
	}
	for (int i = 0; i < argc; i++) {
		xmlNodePtr attr = args->nodeTab[i];

		argv[i] = attr->children ? (const char *)attr->children->content : "";
		keep_qemu_arg(facts, argv[i]);
	}
	if (qemu_cmdline_read(argv, argc, cmd, inner) < 0) {
		set_err(err, "%s", inner);
		return -1;
	}
	if (!cmd->unknown && guest_xpath_count(ctx, "/domain/qemu:override//qemu:property[@name='intremap']") > 0) {
		cmd->unknown = true;
		snprintf(cmd->unknown_why, sizeof(cmd->unknown_why), "%s",
			 "<qemu:override> sets an intremap property, which seoib does not follow to its device");
		if (!cmd->unasked) {
			cmd->unasked = true;
			snprintf(cmd->unasked_why, sizeof(cmd->unasked_why), "%s", "<qemu:override> sets an intremap property");
		}
	}
	facts->cmdline_unasked = cmd->unasked;
	snprintf(facts->cmdline_unasked_why, sizeof(facts->cmdline_unasked_why), "%s", cmd->unasked_why);
	return 0;
}

/* Split is required by any IOMMU that remaps interrupts (libvirt refuses
 * intremap='on' without <ioapic driver='qemu'/>, QEMU refuses it with
 * kernel-irqchip=on, measured for amd-iommu too), by TDX (QEMU demands
 * kernel-irqchip=split) and by microvm (its default). */
static const char *split_requirement(xmlXPathContextPtr ctx, const struct qemu_cmdline *cmd,
				     const struct machine_type_facts *mt)
{
	if (guest_xpath_count(ctx, "/domain/launchSecurity[@type='tdx']") > 0)
		return "TDX (<launchSecurity type='tdx'>) requires the split irqchip";
	if (guest_xpath_count(ctx, "/domain/devices/iommu[driver/@intremap='on']") > 0)
		return "an IOMMU with intremap='on' (interrupt remapping) requires the split irqchip";
	if (cmd->split_required)
		return cmd->split_why;
	if (mt->known && mt->split_default && strcmp(mt->family, "upstream microvm") == 0)
		return "the microvm machine type uses the split irqchip";
	return NULL;
}

/* The irqchip without a <qemu:commandline> kernel-irqchip: <ioapic>, else
 * the machine type's default, which an unknown machine type leaves unknown. */
static void irqchip_from_domain(const char *driver, const struct machine_type_facts *mt,
				struct guest_facts *facts)
{
	facts->irqchip = IRQCHIP_IN_KERNEL;
	if (strcmp(driver, "qemu") == 0) {
		facts->irqchip = IRQCHIP_SPLIT;
		snprintf(facts->irqchip_why, sizeof(facts->irqchip_why), "<ioapic driver='qemu'/> chooses it");
	} else if (strcmp(driver, "kvm") == 0)
		snprintf(facts->irqchip_why, sizeof(facts->irqchip_why), "<ioapic driver='kvm'/> chooses it");
	else if (!mt->known) {
		facts->irqchip_unknown = true;
		sentence_format(facts->irqchip_why, sizeof(facts->irqchip_why),
			 "no <ioapic> element, and the default irqchip of machine type %s is unknown: %s",
			 facts->machine, mt->source);
	} else if (mt->split_default) {
		/* pc-q35-4.0 (QEMU 4.0; 4.0.1 reverted it); libvirt passes
		 * no kernel_irqchip without an <ioapic> element. */
		facts->irqchip = IRQCHIP_SPLIT;
		sentence_format(facts->irqchip_why, sizeof(facts->irqchip_why), "no <ioapic> element: %s defaults to the split irqchip",
			 facts->machine);
	} else
		snprintf(facts->irqchip_why, sizeof(facts->irqchip_why), "no <ioapic> element: QEMU's default for pc and q35");
}

static int read_irqchip(xmlXPathContextPtr ctx, const struct qemu_cmdline *cmd, const struct machine_type_facts *mt,
			struct guest_facts *facts, char err[SEOIB_MESSAGE_MAX])
{
	char driver[32];
	const char *required = split_requirement(ctx, cmd, mt);

	guest_xpath_string(ctx, "/domain/features/ioapic/@driver", driver, sizeof(driver));
	if (driver[0] && strcmp(driver, "qemu") != 0 && strcmp(driver, "kvm") != 0) {
		set_err(err, "unknown <ioapic driver='%s'/> in guest %s; libvirt accepts 'kvm' or 'qemu'",
			driver, facts->name);
		return -1;
	}
	irqchip_from_domain(driver, mt, facts);
	if (cmd->kernel_irqchip[0]) {
		facts->irqchip_unknown = false;
		facts->irqchip = strcmp(cmd->kernel_irqchip, "split") == 0 ? IRQCHIP_SPLIT : IRQCHIP_IN_KERNEL;
		facts->irqchip_cmdline = true;
		snprintf(facts->irqchip_why, sizeof(facts->irqchip_why), "%s", cmd->irqchip_why);
	}
	facts->split_required = required != NULL;
	if (required) {
		bool refused = cmd->kernel_irqchip[0] ? strcmp(cmd->kernel_irqchip, "split") != 0 : strcmp(driver, "kvm") == 0;

		facts->irqchip_unknown = false;
		facts->irqchip = IRQCHIP_SPLIT;
		sentence_format(facts->irqchip_why, sizeof(facts->irqchip_why), "%s%s", required,
			 refused ? " (QEMU refuses the in-kernel irqchip also chosen: the guest runs split or not at all)" : "");
	}
	if (cmd->unknown) {
		facts->cmdline_unknown = true;
		facts->irqchip_unknown = true;
		snprintf(facts->irqchip_why, sizeof(facts->irqchip_why), "%s", cmd->unknown_why);
	}
	return 0;
}

/* The I/O APIC version: a -global in <qemu:commandline> (the last wins, as
 * in QEMU), else the machine-type table; an unknown machine type leaves it
 * unknown. */
static void read_ioapic(const struct qemu_cmdline *cmd, const struct machine_type_facts *mt,
			struct guest_facts *facts)
{
	if (cmd->unknown) {
		facts->ioapic_unknown = true;
		snprintf(facts->ioapic_why, sizeof(facts->ioapic_why), "%s", cmd->unknown_why);
	} else if (cmd->ioapic_version) {
		facts->ioapic_version = cmd->ioapic_version;
		snprintf(facts->ioapic_why, sizeof(facts->ioapic_why), "%s", cmd->ioapic_why);
	} else if (!mt->known) {
		facts->ioapic_unknown = true;
		sentence_format(facts->ioapic_why, sizeof(facts->ioapic_why),
			 "the I/O APIC version of machine type %s is unknown: %s", facts->machine, mt->source);
	} else {
		facts->ioapic_version = mt->ioapic_version;
		sentence_format(facts->ioapic_why, sizeof(facts->ioapic_why), "machine type %s (%s): %s",
			 facts->machine[0] ? facts->machine : "none", mt->family, mt->source);
	}
}

/* KVM's x2APIC flags reach only KVM's local APIC. A TCG guest, or one with
 * kernel-irqchip=off, has QEMU's own (hw/intc/apic.c), whose version
 * register never sets bit 24: Directed EOI is never advertised there. */
static void read_lapic(xmlXPathContextPtr ctx, const struct qemu_cmdline *cmd, struct guest_facts *facts)
{
	char type[32];

	guest_xpath_string(ctx, "/domain/@type", type, sizeof(type));
	if (strcmp(type, "qemu") == 0) {
		facts->qemu_lapic = true;
		snprintf(facts->lapic_why, sizeof(facts->lapic_why),
			 "a TCG guest (<domain type='qemu'>): KVM's flags do not apply and QEMU's own local APIC never advertises Directed EOI");
	} else if (strcmp(cmd->kernel_irqchip, "off") == 0 && !facts->split_required && !cmd->unknown) {
		facts->qemu_lapic = true;
		snprintf(facts->lapic_why, sizeof(facts->lapic_why),
			 "<qemu:commandline> sets kernel-irqchip=off: QEMU's own local APIC never advertises Directed EOI");
	}
}

/* Hyper-V enlightenments QEMU really exposes: it sets the Hyper-V CPUID
 * leaves only when a hv-* feature, hv-spinlocks or hv-passthrough is on
 * (target/i386/kvm/kvm.c, hyperv_enabled()). <hyperv mode='passthrough'>
 * is hv-passthrough; in mode='custom' (the default) every child but
 * <vendor_id> is a feature, and <clock><timer name='hypervclock'> is
 * hv-time. A lone <vendor_id> only names the vendor of leaves that are
 * never exposed. */
static bool read_hyperv(xmlXPathContextPtr ctx)
{
	if (xpath_equals(ctx, "/domain/features/hyperv/@mode", "passthrough"))
		return true;
	return guest_xpath_count(ctx, "/domain/features/hyperv/*[@state='on' and local-name()!='vendor_id']") > 0 ||
	       guest_xpath_count(ctx, "/domain/clock/timer[@name='hypervclock' and @present='yes']") > 0;
}

static bool cpu_feature(xmlXPathContextPtr ctx, const char *name, const char *policies)
{
	char expr[256];

	snprintf(expr, sizeof(expr), "/domain/cpu/feature[@name='%s' and contains('%s', concat('|', @policy, '|'))]",
		 name, policies);
	return guest_xpath_count(ctx, expr) > 0;
}

#define POLICY_OFF "|disable|forbid|"
/* libvirt's default policy is require (formatdomain: "feature"). */
#define POLICY_ON "|require|force|optional||"

static void set_virt_ext(struct guest_facts *facts, enum guest_virt_ext v, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_virt_ext(struct guest_facts *facts, enum guest_virt_ext v, const char *fmt, ...)
{
	va_list ap;

	facts->virt_ext = v;
	va_start(ap, fmt);
	sentence_vformat(facts->nested_why, sizeof(facts->nested_why), fmt, ap);
	va_end(ap);
}

/* vmx/svm from a <qemu:commandline> -cpu, which replaces libvirt's: host and
 * max pass the host's; a named model has neither unless asked for (QEMU
 * turns svm off for KVM named models, kvm_default_props). vmx and svm are two
 * features: "+vmx,-svm" leaves vmx on, and "host,-vmx" leaves an AMD host's
 * svm on (the host's vendor decides, as for <cpu mode='host-passthrough'>). */
static void read_virt_ext_cmdline(const struct qemu_cmdline *cmd, struct guest_facts *facts)
{
	bool host = strcmp(cmd->cpu_model, "host") == 0 || strcmp(cmd->cpu_model, "max") == 0;

	if (cmd->cpu_vmx == 1 || cmd->cpu_svm == 1)
		set_virt_ext(facts, VIRT_EXT_YES, "<qemu:commandline>'s -cpu %s turns %s on", cmd->cpu_model,
			     cmd->cpu_vmx == 1 ? "vmx" : "svm");
	else if (host && cmd->cpu_vmx == 0 && cmd->cpu_svm == 0)
		set_virt_ext(facts, VIRT_EXT_NO, "<qemu:commandline>'s -cpu %s turns vmx and svm off", cmd->cpu_model);
	else if (host && (cmd->cpu_vmx == 0 || cmd->cpu_svm == 0))
		set_virt_ext(facts, VIRT_EXT_UNKNOWN, "<qemu:commandline>'s -cpu %s turns %s off only: the host's vendor decides",
			     cmd->cpu_model, cmd->cpu_vmx == 0 ? "vmx" : "svm");
	else if (host)
		set_virt_ext(facts, VIRT_EXT_YES, "<qemu:commandline>'s -cpu %s passes vmx/svm", cmd->cpu_model);
	else if (cmd->cpu_vmx == 0 || cmd->cpu_svm == 0)
		set_virt_ext(facts, VIRT_EXT_NO, "<qemu:commandline>'s -cpu %s turns vmx/svm off", cmd->cpu_model);
	else
		set_virt_ext(facts, VIRT_EXT_NO, "<qemu:commandline>'s -cpu %s has no vmx/svm", cmd->cpu_model);
}

/* vmx/svm reaches the guest with host-passthrough / maximum CPUs, and with
 * host-model (libvirt copies the host's vmx/svm when the host allows nested
 * virtualisation, the default since Linux 4.20), unless feature elements
 * disable both (one alone leaves the other vendor's); a custom CPU, or none
 * (qemu64), has them only when asked for. */
static void read_virt_ext(xmlXPathContextPtr ctx, const struct qemu_cmdline *cmd, struct guest_facts *facts)
{
	const char *mode = facts->cpu_mode;
	bool vmx_off = cpu_feature(ctx, "vmx", POLICY_OFF), svm_off = cpu_feature(ctx, "svm", POLICY_OFF);

	if (cmd->cpu_model[0]) {
		read_virt_ext_cmdline(cmd, facts);
		return;
	}
	if (strcmp(mode, "host-passthrough") == 0 || strcmp(mode, "maximum") == 0 || strcmp(mode, "host-model") == 0) {
		if (vmx_off && svm_off)
			set_virt_ext(facts, VIRT_EXT_NO, "<cpu mode='%s'> with vmx and svm disabled", mode);
		else if (vmx_off || svm_off)
			set_virt_ext(facts, VIRT_EXT_UNKNOWN, "<cpu mode='%s'> disables %s only: the host's vendor decides",
				     mode, vmx_off ? "vmx" : "svm");
		else
			set_virt_ext(facts, VIRT_EXT_YES, "<cpu mode='%s'> passes the host's vmx/svm", mode);
		return;
	}
	if (cpu_feature(ctx, "vmx", POLICY_ON) || cpu_feature(ctx, "svm", POLICY_ON))
		set_virt_ext(facts, VIRT_EXT_YES, "<cpu> requires the %s feature",
			     cpu_feature(ctx, "vmx", POLICY_ON) ? "vmx" : "svm");
	else
		set_virt_ext(facts, VIRT_EXT_NO, "%s has no vmx/svm feature",
			     facts->cpu_model ? "the <cpu> model" : "QEMU's default CPU (qemu64, no <cpu> model)");
}

/* The vCPU's x2APIC: off only when something turns it off, since QEMU turns
 * it on for every KVM vCPU (kvm_default_props) and KVM always emulates it
 * for host-passthrough. The last -cpu of <qemu:commandline> replaces
 * libvirt's -cpu and its <feature> elements. */
static void read_x2apic(xmlXPathContextPtr ctx, const struct qemu_cmdline *cmd, struct guest_facts *facts)
{
	int explicit = -1;
	char from[200] = "";

	if (cmd->x2apic_unknown) {
		facts->x2apic = X2APIC_UNKNOWN;
		snprintf(facts->x2apic_why, sizeof(facts->x2apic_why), "%s", cmd->x2apic_unknown_why);
		return;
	}
	if (cmd->cpu_model[0]) {
		explicit = cmd->cpu_x2apic;
		if (explicit >= 0)
			snprintf(from, sizeof(from), "%s", cmd->x2apic_why);
	} else if (cpu_feature(ctx, "x2apic", POLICY_OFF)) {
		explicit = 0;
		sentence_format(from, sizeof(from), "<cpu> has <feature policy='disable' name='x2apic'/>");
	} else if (cpu_feature(ctx, "x2apic", POLICY_ON)) {
		explicit = 1;
		sentence_format(from, sizeof(from), "<cpu> requires the x2apic feature");
	}
	if (cmd->global_x2apic >= 0 && explicit >= 0 && cmd->global_x2apic != explicit) {
		facts->x2apic = X2APIC_UNKNOWN;
		sentence_format(facts->x2apic_why, sizeof(facts->x2apic_why),
				"%s, but %s the other way; seoib does not tell which one QEMU applies", from, cmd->x2apic_why);
		return;
	}
	if (explicit < 0 && cmd->global_x2apic >= 0) {
		explicit = cmd->global_x2apic;
		snprintf(from, sizeof(from), "%s", cmd->x2apic_why);
	}
	if (explicit < 0 && (cmd->cpu_model[0] ? strcmp(cmd->cpu_model, "host") == 0 || strcmp(cmd->cpu_model, "max") == 0
					       : strncmp(facts->cpu_mode, "host-", 5) == 0 || strcmp(facts->cpu_mode, "maximum") == 0))
		sentence_format(from, sizeof(from), "%s%s%s passes the host CPU's features, and KVM always offers x2APIC (KVM_GET_SUPPORTED_CPUID)",
				cmd->cpu_model[0] ? "<qemu:commandline>'s -cpu " : "<cpu mode='",
				cmd->cpu_model[0] ? cmd->cpu_model : facts->cpu_mode, cmd->cpu_model[0] ? "" : "'>");
	else if (explicit < 0)
		sentence_format(from, sizeof(from), "QEMU gives every KVM vCPU of a named model x2APIC unless something turns it off (kvm_default_props)");
	facts->x2apic = explicit == 0 ? X2APIC_ABSENT : X2APIC_PRESENT;
	snprintf(facts->x2apic_why, sizeof(facts->x2apic_why), "%s", from);
}

/* The CPU's shape, for the remediation that disables x2APIC. */
static void read_cpu_shape(xmlXPathContextPtr ctx, const struct qemu_cmdline *cmd, struct guest_facts *facts)
{
	char vcpus[32];

	guest_xpath_string(ctx, "/domain/cpu/@mode", facts->cpu_mode, sizeof(facts->cpu_mode));
	if (!facts->cpu_mode[0] && guest_xpath_count(ctx, "/domain/cpu") > 0)
		snprintf(facts->cpu_mode, sizeof(facts->cpu_mode), "custom"); /* libvirt's default mode */
	facts->cpu_model = guest_xpath_count(ctx, "/domain/cpu/model") > 0;
	facts->cpu_cmdline = cmd->cpu_model[0] != '\0';
	guest_xpath_string(ctx, "/domain/vcpu", vcpus, sizeof(vcpus));
	facts->vcpus = strspn(vcpus, "0123456789") == strlen(vcpus) && strlen(vcpus) < 9 ? (unsigned)atoi(vcpus) : 0;
}

static void read_risk_signals(xmlXPathContextPtr ctx, const struct qemu_cmdline *cmd, struct guest_facts *facts)
{
	guest_xpath_string(ctx, "/domain/metadata/libosinfo:libosinfo/libosinfo:os/@id", facts->os_id,
		     sizeof(facts->os_id));
	facts->windows = strncmp(facts->os_id, WINDOWS_OS_PREFIX, strlen(WINDOWS_OS_PREFIX)) == 0;
	/* libvirt passes <hyperv> and hypervclock as -cpu features: a -cpu of
	 * <qemu:commandline> replaces them with its own. */
	facts->hyperv = cmd->cpu_model[0] ? cmd->cpu_hyperv : read_hyperv(ctx);
	facts->hyperv_element = guest_xpath_count(ctx, "/domain/features/hyperv") > 0;
	facts->localtime_clock = xpath_equals(ctx, "/domain/clock/@offset", "localtime");
	facts->slic = guest_xpath_count(ctx, "/domain/os/acpi/table[@type='slic']") > 0;
	read_cpu_shape(ctx, cmd, facts);
	read_virt_ext(ctx, cmd, facts);
	read_x2apic(ctx, cmd, facts);
	facts->secure_boot =
		xpath_equals(ctx, "/domain/os/loader/@secure", "yes") ||
		guest_xpath_count(ctx, "/domain/os/firmware/feature[@name='secure-boot' and @enabled='yes']") > 0;
	facts->tpm = guest_xpath_count(ctx, "/domain/devices/tpm") > 0;
}

static int read_identity(xmlXPathContextPtr ctx, struct guest_facts *facts, char err[SEOIB_MESSAGE_MAX])
{
	guest_xpath_string(ctx, "/domain/name", facts->name, sizeof(facts->name));
	if (!facts->name[0]) {
		set_err(err, "the domain XML has no <name>; pass the XML as libvirt writes it (virsh dumpxml GUEST)");
		return -1;
	}
	guest_xpath_string(ctx, "/domain/uuid", facts->uuid, sizeof(facts->uuid));
	guest_xpath_string(ctx, "/domain/os/type/@machine", facts->machine, sizeof(facts->machine));
	guest_xpath_string(ctx, "/domain/devices/emulator", facts->emulator, sizeof(facts->emulator));
	return 0;
}

static int read_facts(xmlXPathContextPtr ctx, struct guest_facts *facts, char err[SEOIB_MESSAGE_MAX])
{
	struct qemu_cmdline cmd;
	struct machine_type_facts mt;

	if (read_identity(ctx, facts, err) < 0 || read_commandline(ctx, &cmd, facts, err) < 0)
		return -1;
	if (cmd.machine_type[0])
		copy_field(facts->machine, sizeof(facts->machine), cmd.machine_type);
	machine_type_lookup(facts->machine, &mt);
	if (read_irqchip(ctx, &cmd, &mt, facts, err) < 0)
		return -1;
	read_lapic(ctx, &cmd, facts);
	read_ioapic(&cmd, &mt, facts);
	read_risk_signals(ctx, &cmd, facts);
	guest_ack_read(ctx, facts);
	return guest_metadata_read(ctx, facts, err);
}

static xmlXPathContextPtr new_xpath_context(xmlDocPtr doc)
{
	_cleanup_(xmlXPathFreeContextp) xmlXPathContextPtr ctx = xmlXPathNewContext(doc);

	if (!ctx ||
	    xmlXPathRegisterNs(ctx, (const xmlChar *)"qemu", (const xmlChar *)QEMU_NS_URI) < 0 ||
	    xmlXPathRegisterNs(ctx, (const xmlChar *)"libosinfo", (const xmlChar *)LIBOSINFO_URI) < 0 ||
	    xmlXPathRegisterNs(ctx, (const xmlChar *)SEOIB_METADATA_PREFIX,
			       (const xmlChar *)SEOIB_METADATA_URI) < 0 ||
	    xmlXPathRegisterNs(ctx, (const xmlChar *)SEOIB_ACK_PREFIX, (const xmlChar *)SEOIB_ACK_URI) < 0)
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
	if (len == 0) {
		set_err(err, "the domain XML is empty; pass the XML as libvirt writes it (virsh dumpxml GUEST)");
		return -1;
	}
	if (len > GUEST_XML_MAX) {
		set_err(err, "the domain XML is larger than %u MiB (%zu bytes), far larger than any libvirt domain; "
			"refusing it unparsed (pass the XML as libvirt writes it: virsh dumpxml GUEST)",
			GUEST_XML_MAX >> 20, len);
		return GUEST_XML_TOO_COMPLEX;
	}
	if (check_xml_bounds(xml, len, err) < 0)
		return GUEST_XML_TOO_COMPLEX;
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
		set_err(err, "the XML root is <%s>, not <domain>; pass a libvirt domain XML (virsh dumpxml GUEST)",
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
		set_err(err, "domain XML %s: %s; pass the XML as libvirt writes it (virsh dumpxml GUEST)",
			strcmp(path, "-") == 0 ? "on standard input" : path, inner);
		return -1;
	}
	return guest_facts_from_xml(xml, len, facts, err);
}

const char *guest_facts_irqchip_string(const struct guest_facts *facts)
{
	if (facts->qemu_lapic)
		return "userspace";
	return facts->irqchip_unknown ? "unknown" : irqchip_to_string(facts->irqchip);
}

/* libosinfo's id for "an OS it does not know" (virt-install --osinfo unknown). */
#define LIBOSINFO_UNKNOWN "http://libosinfo.org/unknown"

enum guest_windows guest_facts_windows(const struct guest_facts *g, char *why, size_t size)
{
	char buf[256] = "";
	enum guest_windows w = WINDOWS_UNKNOWN;

	if (g->windows) {
		w = WINDOWS_YES;
		snprintf(buf, sizeof(buf), "libosinfo id %s", g->os_id);
	} else if (g->os_id[0] && strcmp(g->os_id, LIBOSINFO_UNKNOWN) != 0) {
		w = WINDOWS_NO;
		snprintf(buf, sizeof(buf), "libosinfo id %s", g->os_id);
	} else if (g->hyperv || g->slic) {
		w = WINDOWS_LIKELY;
		if (g->hyperv)
			sentence_append(buf, sizeof(buf), ", ", "Hyper-V enlightenments");
		if (g->slic)
			sentence_append(buf, sizeof(buf), ", ", "an ACPI SLIC table");
	} else {
		/* Tools write these only for Windows guests: hints. */
		if (g->hyperv_element)
			sentence_append(buf, sizeof(buf), ", ", "a <hyperv> element that exposes no enlightenment");
		if (g->localtime_clock)
			sentence_append(buf, sizeof(buf), ", ", "an RTC in local time");
		w = buf[0] ? WINDOWS_POSSIBLE : WINDOWS_UNKNOWN;
		/* Windows 11's hardware requirements, which Linux and ESXi
		 * guests meet as well: said, but never a hint alone. */
		if (g->secure_boot && g->tpm)
			sentence_append(buf, sizeof(buf), ", ", "Secure Boot with a TPM");
		if (w == WINDOWS_UNKNOWN)
			sentence_format(buf, sizeof(buf), "no libosinfo id and no sign of Windows%s",
					g->secure_boot && g->tpm ? "; Secure Boot with a TPM alone is none" : "");
	}
	if (why)
		snprintf(why, size, "%s", buf);
	return w;
}

/* "Windows", "likely Windows", "possibly Windows". */
static const char *windows_words(enum guest_windows w)
{
	return w == WINDOWS_YES ? "Windows" : w == WINDOWS_LIKELY ? "likely Windows" : "possibly Windows";
}

enum guest_victim guest_facts_victim(const struct guest_facts *g, char *why, size_t size)
{
	char os[256], buf[512];
	enum guest_windows w = guest_facts_windows(g, os, sizeof(os));
	enum guest_victim v;

	if (w == WINDOWS_NO) {
		v = VICTIM_NO;
		snprintf(buf, sizeof(buf), "not Windows (%s)", os);
	} else if (w == WINDOWS_UNKNOWN && g->virt_ext != VIRT_EXT_YES) {
		v = VICTIM_NO;
		snprintf(buf, sizeof(buf), "no sign of Windows, and %s", g->nested_why[0] ? g->nested_why : "no vmx/svm");
	} else if (g->virt_ext == VIRT_EXT_NO) {
		v = VICTIM_NO;
		snprintf(buf, sizeof(buf), "%s (%s), but it cannot run its own hypervisor: %s",
			 windows_words(w), os, g->nested_why);
	} else if (w == WINDOWS_UNKNOWN) {
		v = VICTIM_UNKNOWN;
		snprintf(buf, sizeof(buf), "nothing says which OS it runs, and it can run a hypervisor (%s)", g->nested_why);
	} else {
		v = VICTIM_YES;
		snprintf(buf, sizeof(buf), "%s (%s) that can run its own hypervisor (%s)",
			 windows_words(w), os, g->nested_why[0] ? g->nested_why : "vmx/svm not ruled out");
	}
	if (why)
		sentence_format(why, size, "%s", buf);
	return v;
}

bool guest_facts_at_risk(const struct guest_facts *facts)
{
	return guest_facts_victim(facts, NULL, 0) == VICTIM_YES;
}

int guest_facts_vbs_signals(const struct guest_facts *facts)
{
	enum guest_windows w = guest_facts_windows(facts, NULL, 0);

	if (w == WINDOWS_NO || w == WINDOWS_UNKNOWN)
		return 0;
	return (int)(facts->virt_ext == VIRT_EXT_YES) + (int)facts->secure_boot + (int)facts->tpm;
}

static const char *const guest_x2apic_table[] = {
	[X2APIC_PRESENT] = "present",
	[X2APIC_ABSENT] = "absent",
	[X2APIC_UNKNOWN] = "unknown",
};

static const char *const guest_windows_table[] = {
	[WINDOWS_UNKNOWN] = "unknown",
	[WINDOWS_NO] = "no",
	[WINDOWS_POSSIBLE] = "possible",
	[WINDOWS_LIKELY] = "likely",
	[WINDOWS_YES] = "yes",
};

static const char *const guest_victim_table[] = {
	[VICTIM_NO] = "no",
	[VICTIM_YES] = "yes",
	[VICTIM_UNKNOWN] = "unknown",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(guest_x2apic, enum guest_x2apic)
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(guest_windows, enum guest_windows)
DEFINE_STRING_TABLE_LOOKUP_TO_STRING(guest_victim, enum guest_victim)
