/* The question to the guest's own QEMU, read from its domain XML
 * (seoib/qemu_guest_query.h; docs/vmm.md, "Asking the guest's QEMU").
 *
 * Only what shapes the machine is passed, the way libvirt's
 * src/qemu/qemu_command.c writes it: the machine type with
 * kernel_irqchip from <features><ioapic>, the CPU model and the features
 * the XML requires or disables, the vCPU limit (-smp 1,maxcpus=N: QEMU checks
 * the APIC IDs of N without creating them), the IOMMU, and from
 * <qemu:commandline> its -machine, -cpu, -global of the devices asked
 * about, and -device intel-iommu / amd-iommu. Never a disk, a host device,
 * RAM preallocation or a backend: QEMU would open or grab them for real. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>

#include "seoib/cleanup.h"
#include "seoib/guest_facts.h"
#include "seoib/qemu_question.h"
#include "guest_xpath.h"

DEFINE_TRIVIAL_CLEANUP(xmlDocPtr, xmlFreeDoc)
DEFINE_TRIVIAL_CLEANUP(xmlXPathContextPtr, xmlXPathFreeContext)
DEFINE_TRIVIAL_CLEANUP(xmlXPathObjectPtr, xmlXPathFreeObject)

static void xml_charp_free(xmlChar **p)
{
	if (*p)
		xmlFree(*p);
}

#define QEMU_NS_URI "http://libvirt.org/schemas/domain/qemu/1.0"
#define MAXCPUS_LIMIT 4096

static void cannot_ask(struct qemu_question *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cannot_ask(struct qemu_question *q, const char *fmt, ...)
{
	va_list ap;

	if (q->cannot_ask[0])
		return;
	va_start(ap, fmt);
	sentence_vformat(q->cannot_ask, sizeof(q->cannot_ask), fmt, ap);
	va_end(ap);
}

static void add_pair(struct qemu_question *q, const char *option, const char *value)
{
	if (q->argc + 2 > QEMU_QUESTION_ARGS_MAX || strlen(value) >= QEMU_QUESTION_ARG_LEN) {
		cannot_ask(q, "the guest's machine needs more QEMU options than seoib asks with (%d at most, of %d bytes)",
			   QEMU_QUESTION_ARGS_MAX / 2, QEMU_QUESTION_ARG_LEN);
		return;
	}
	snprintf(q->argv[q->argc++], QEMU_QUESTION_ARG_LEN, "%s", option);
	snprintf(q->argv[q->argc++], QEMU_QUESTION_ARG_LEN, "%s", value);
}

/* A name that can go into a QEMU option without changing its meaning:
 * no ',' (the option separator), '=' or space. */
static bool plain_name(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_' && *s != '.')
			return false;
	return true;
}

/* Add ",key=value" to a keyval option ("key=value" when it is empty). */
static void append_kv(char *buf, size_t size, const char *key, const char *value)
{
	size_t used = strlen(buf);

	snprintf(buf + used, size - used, "%s%s=%s", used ? "," : "", key, value);
}

/* -machine TYPE[,kernel_irqchip=split|on]: libvirt's spelling. */
static void read_machine(xmlXPathContextPtr ctx, struct qemu_question *q)
{
	char machine[QEMU_QUESTION_ARG_LEN] = "", driver[16];

	guest_xpath_string(ctx, "/domain/os/type/@machine", q->machine, sizeof(q->machine));
	if (q->machine[0] && !plain_name(q->machine)) {
		cannot_ask(q, "the machine type '%s' is not a plain QEMU machine-type name", q->machine);
		return;
	}
	snprintf(machine, sizeof(machine), "%s", q->machine[0] ? q->machine : "");
	guest_xpath_string(ctx, "/domain/features/ioapic/@driver", driver, sizeof(driver));
	if (q->kvm && !strcmp(driver, "qemu"))
		append_kv(machine, sizeof(machine), "kernel_irqchip", "split");
	else if (q->kvm && !strcmp(driver, "kvm"))
		append_kv(machine, sizeof(machine), "kernel_irqchip", "on");
	if (machine[0])
		add_pair(q, "-machine", machine);
}

/* One <cpu><feature>: require/force on, disable/forbid off; optional
 * (on when the host has it) and unknown policies are left to the model. */
static void read_cpu_features(xmlXPathContextPtr ctx, char *cpu, size_t size, struct qemu_question *q)
{
	_cleanup_(xmlXPathFreeObjectp) xmlXPathObjectPtr obj =
		xmlXPathEvalExpression((const xmlChar *)"/domain/cpu/feature", ctx);
	xmlNodeSetPtr set = obj ? obj->nodesetval : NULL;

	for (int i = 0; set && i < set->nodeNr; i++) {
		_cleanup_(xml_charp_free) xmlChar *name = xmlGetProp(set->nodeTab[i], (const xmlChar *)"name");
		_cleanup_(xml_charp_free) xmlChar *policy = xmlGetProp(set->nodeTab[i], (const xmlChar *)"policy");
		const char *p = policy ? (const char *)policy : "require"; /* libvirt's default */
		const char *value = !strcmp(p, "require") || !strcmp(p, "force") ? "on"
				  : !strcmp(p, "disable") || !strcmp(p, "forbid") ? "off" : NULL;

		if (!name || !value)
			continue;
		if (!plain_name((const char *)name)) {
			cannot_ask(q, "the <cpu> feature name '%s' is not a plain QEMU property name", (const char *)name);
			return;
		}
		append_kv(cpu, size, (const char *)name, value);
	}
}

/* -cpu: host-passthrough is `host`, maximum `max`, a custom model its name;
 * host-model becomes a named model chosen by libvirt at start, which this
 * question cannot know: QEMU's default model stands in for it (under KVM
 * every model has x2APIC unless a feature turns it off). */
static void read_cpu(xmlXPathContextPtr ctx, struct qemu_question *q)
{
	char mode[32], model[96], cpu[QEMU_QUESTION_ARG_LEN] = "";

	guest_xpath_string(ctx, "/domain/cpu/@mode", mode, sizeof(mode));
	guest_xpath_string(ctx, "/domain/cpu/model", model, sizeof(model));
	if (!strcmp(mode, "host-passthrough"))
		snprintf(cpu, sizeof(cpu), "host");
	else if (!strcmp(mode, "maximum"))
		snprintf(cpu, sizeof(cpu), "max");
	else if (!strcmp(mode, "host-model") || !model[0])
		snprintf(cpu, sizeof(cpu), "qemu64");
	else if (!plain_name(model)) {
		cannot_ask(q, "the <cpu> model '%s' is not a plain QEMU CPU model name", model);
		return;
	} else
		snprintf(cpu, sizeof(cpu), "%s", model);
	read_cpu_features(ctx, cpu, sizeof(cpu), q);
	add_pair(q, "-cpu", cpu);
}

/* <vcpu>N</vcpu>: QEMU refuses a vCPU count the machine or the APIC mode
 * cannot address (more than 255 without x2APIC); -smp 1,maxcpus=N makes it
 * check N while creating one vCPU. */
static void read_vcpus(xmlXPathContextPtr ctx, struct qemu_question *q)
{
	char text[16], smp[64];
	char *end;
	long n;

	guest_xpath_string(ctx, "/domain/vcpu", text, sizeof(text));
	n = strtol(text, &end, 10);
	if (!text[0] || *end || n < 1 || n > MAXCPUS_LIMIT)
		return;
	snprintf(smp, sizeof(smp), "1,maxcpus=%ld", n);
	add_pair(q, "-smp", smp);
}

/* <devices><iommu model='intel'|'amd'><driver intremap=… eim=… …/>: libvirt's
 * -device intel-iommu / amd-iommu with the properties that shape interrupts. */
static void read_iommu(xmlXPathContextPtr ctx, struct qemu_question *q)
{
	static const struct {
		const char *attribute, *property;
	} props[] = {
		{"intremap", "intremap"}, {"eim", "eim"}, {"caching_mode", "caching-mode"},
		{"iotlb", "device-iotlb"}, {"aw_bits", "aw-bits"},
	};
	char model[16], device[QEMU_QUESTION_ARG_LEN], value[16], expr[128];

	guest_xpath_string(ctx, "/domain/devices/iommu/@model", model, sizeof(model));
	if (strcmp(model, "intel") && strcmp(model, "amd"))
		return; /* none, or virtio / smmuv3: no interrupt remapping of the I/O APIC */
	snprintf(device, sizeof(device), "%s-iommu", model);
	for (size_t i = 0; i < sizeof(props) / sizeof(props[0]); i++) {
		snprintf(expr, sizeof(expr), "/domain/devices/iommu/driver/@%s", props[i].attribute);
		guest_xpath_string(ctx, expr, value, sizeof(value));
		if (!value[0])
			continue;
		if (!plain_name(value)) {
			cannot_ask(q, "the <iommu> driver attribute %s='%s' is not a plain value", props[i].attribute, value);
			return;
		}
		append_kv(device, sizeof(device), props[i].property, value);
	}
	add_pair(q, "-device", device);
}

/* The value of a keyval option without the keys that name other objects
 * (the guest's RAM backend, firmware flash, confidential-guest object),
 * which a question never creates, or files QEMU would read at machine
 * creation (a kernel, an initrd, a device tree, firmware). ",," is QEMU's
 * escaped comma. */
static void drop_object_keys(const char *in, char *out, size_t size)
{
	static const char *const object_keys[] = {
		"memory-backend", "memory_backend", "pflash0", "pflash1", "confidential-guest-support",
		"confidential_guest_support", "memory-encryption", "memory_encryption", "sgx-epc", "sgx_epc",
		"accel", "kernel", "initrd", "append", "dtb", "dumpdtb", "firmware", "memory-backend-file",
	};
	const char *p = in;

	out[0] = '\0';
	while (*p) {
		const char *end = p;
		bool drop = false;

		while (*end && !(end[0] == ',' && end[1] != ',')) /* ",," stays inside the item */
			end += end[0] == ',' ? 2 : 1;
		for (size_t i = 0; i < sizeof(object_keys) / sizeof(object_keys[0]); i++) {
			size_t n = strlen(object_keys[i]);
			if (!strncmp(p, object_keys[i], n) && (p[n] == '=' || p[n] == '.'))
				drop = true;
		}
		if (!drop && strlen(out) + (size_t)(end - p) + 2 < size) {
			if (out[0])
				strcat(out, ",");
			strncat(out, p, (size_t)(end - p));
		}
		p = *end ? end + 1 : end;
	}
}

static bool starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* -device of an IOMMU, in keyval or JSON form. */
static bool iommu_device(const char *value)
{
	return starts_with(value, "intel-iommu") || starts_with(value, "amd-iommu") ||
	       (value[0] == '{' && (strstr(value, "\"intel-iommu\"") || strstr(value, "\"amd-iommu\"")));
}

/* -global of a device a question creates: the I/O APIC, an IOMMU, a CPU. */
static bool asked_global(const char *value)
{
	static const char *const drivers[] = {"ioapic.", "kvm-ioapic.", "intel-iommu.", "amd-iommu.",
					      "x86-iommu.", "driver=ioapic", "driver=kvm-ioapic"};

	for (size_t i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		if (starts_with(value, drivers[i]))
			return true;
	return strstr(value, "-x86_64-cpu.") != NULL || starts_with(value, "x86_64-cpu.");
}

/* <qemu:commandline>: appended after libvirt's own options, so QEMU merges
 * its -machine into libvirt's (a later key wins) and its -cpu replaces
 * libvirt's. An option seoib does not pass is skipped with its argument
 * (the next word, unless that starts with '-'). A second -accel is never
 * used by QEMU (the first that works wins) and is skipped too. */
static void read_commandline(xmlXPathContextPtr ctx, struct qemu_question *q)
{
	_cleanup_(xmlXPathFreeObjectp) xmlXPathObjectPtr obj =
		xmlXPathEvalExpression((const xmlChar *)"/domain/qemu:commandline/qemu:arg/@value", ctx);
	xmlNodeSetPtr set = obj ? obj->nodesetval : NULL;
	int n = set ? set->nodeNr : 0;

	for (int i = 0; i < n; i++) {
		xmlNodePtr attr = set->nodeTab[i];
		const char *opt = attr->children ? (const char *)attr->children->content : "";
		const char *value = NULL;
		char cleaned[QEMU_QUESTION_ARG_LEN];

		if (opt[0] != '-')
			continue;
		if (opt[1] == '-')
			opt++; /* QEMU reads --machine as -machine */
		if (i + 1 < n && set->nodeTab[i + 1]->children)
			value = (const char *)set->nodeTab[i + 1]->children->content;
		if (value && value[0] != '-')
			i++;
		else
			value = NULL;
		if (!value)
			continue;
		if (!strcmp(opt, "-machine") || !strcmp(opt, "-M")) {
			drop_object_keys(value, cleaned, sizeof(cleaned));
			if (cleaned[0])
				add_pair(q, "-machine", cleaned);
		} else if (!strcmp(opt, "-cpu"))
			add_pair(q, "-cpu", value);
		else if (!strcmp(opt, "-global") && asked_global(value))
			add_pair(q, "-global", value);
		else if (!strcmp(opt, "-device") && iommu_device(value))
			add_pair(q, "-device", value);
	}
}

static void read_question(xmlXPathContextPtr ctx, struct qemu_question *q)
{
	char type[16];

	guest_xpath_string(ctx, "/domain/devices/emulator", q->emulator, sizeof(q->emulator));
	guest_xpath_string(ctx, "/domain/@type", type, sizeof(type));
	if (!q->emulator[0])
		cannot_ask(q, "the domain XML names no <emulator>");
	else if (q->emulator[0] != '/')
		cannot_ask(q, "the guest's <emulator> '%s' is not an absolute path", q->emulator);
	if (strcmp(type, "kvm") && strcmp(type, "qemu"))
		cannot_ask(q, "the domain type '%s' is neither kvm nor qemu", type);
	if (guest_xpath_count(ctx, "/domain/launchSecurity") > 0)
		cannot_ask(q, "the guest's <launchSecurity> needs objects that a question never creates");
	q->kvm = !strcmp(type, "kvm");
	read_machine(ctx, q);
	read_cpu(ctx, q);
	read_vcpus(ctx, q);
	read_iommu(ctx, q);
	read_commandline(ctx, q);
}

void qemu_question_from_xml(const char *xml, size_t len, struct qemu_question *q)
{
	_cleanup_(xmlFreeDocp) xmlDocPtr doc = NULL;
	_cleanup_(xmlXPathFreeContextp) xmlXPathContextPtr ctx = NULL;

	memset(q, 0, sizeof(*q));
	if (len == 0 || len > GUEST_XML_MAX) {
		cannot_ask(q, "the domain XML is empty or over seoib's limits");
		return;
	}
	doc = xmlReadMemory(xml, (int)len, "domain.xml", NULL, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
	if (!doc || doc->intSubset || !xmlDocGetRootElement(doc)) {
		cannot_ask(q, "the domain XML does not parse");
		return;
	}
	ctx = xmlXPathNewContext(doc);
	if (!ctx || xmlXPathRegisterNs(ctx, (const xmlChar *)"qemu", (const xmlChar *)QEMU_NS_URI) < 0) {
		cannot_ask(q, "cannot read the domain XML: out of memory");
		return;
	}
	read_question(ctx, q);
}
