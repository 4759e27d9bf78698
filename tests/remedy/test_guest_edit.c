/* Remediations as domain XML edits (lib/guest/guest_edit.c) and the
 * operator's acknowledgement in the metadata (lib/guest/guest_metadata.c):
 * XML in, the edit or the refusal out, the edited XML read back. (cmocka) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/guest_edit.h"
#include "seoib/guest_facts.h"
#include "seoib/guest_metadata.h"

#define IOMMU "<devices><iommu model='intel'><driver intremap='on'/></iommu></devices>"
#define CMDLINE_SPLIT "<qemu:commandline><qemu:arg value='-machine'/><qemu:arg value='kernel-irqchip=split'/></qemu:commandline>"
#define ACK "<ack:ack xmlns:ack='" SEOIB_ACK_URI "' reason='checked' by='root' at='2026-11-23T09:40:00Z'/>"
#define STATE(s) "<seoib:guest xmlns:seoib='" SEOIB_METADATA_URI "' state='" s "'/>"

/* A q35 Windows-like domain: `metadata`, `features`, `rest` (after it). */
static char *domain(const char *metadata, const char *features, const char *rest)
{
	static char xml[8192];

	snprintf(xml, sizeof(xml),
		 "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
		 "<name>g</name><uuid>1b4e28ba-2fa1-11d2-883f-0016d3cca427</uuid>"
		 "<metadata><libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>"
		 "<libosinfo:os id='http://microsoft.com/win/11'/></libosinfo:libosinfo>%s</metadata>"
		 "<os><type arch='x86_64' machine='q35'>hvm</type></os>%s%s</domain>",
		 metadata, features, rest);
	return xml;
}

struct edit_case {
	const char *name;
	enum guest_remedy remedy;
	const char *metadata, *features, *rest;
	int ret;              /* 0 or -1 */
	bool changed;
	const char *before;   /* substring of edit.before, or of err when ret < 0 */
	const char *after;    /* substring of edit.after */
	const char *in_xml;   /* substring the edited XML keeps */
};

static const struct edit_case cases[] = {
	{"in-kernel, from qemu", GUEST_REMEDY_IN_KERNEL_IRQCHIP, "", "<features><acpi/><ioapic driver='qemu'/></features>", "",
	 0, true, "<ioapic driver=\"qemu\"/>", "<ioapic driver=\"kvm\"/>", "<acpi/>"},
	{"in-kernel, no <features>", GUEST_REMEDY_IN_KERNEL_IRQCHIP, "", "", "", 0, true, "", "<ioapic driver=\"kvm\"/>",
	 "<features><ioapic driver=\"kvm\"/></features>"},
	{"in-kernel, already", GUEST_REMEDY_IN_KERNEL_IRQCHIP, "", "<features><ioapic driver='kvm'/></features>", "", 0,
	 false, "<ioapic driver=\"kvm\"/>", NULL, NULL},
	{"in-kernel, intremap needs split", GUEST_REMEDY_IN_KERNEL_IRQCHIP, "", "<features><ioapic driver='qemu'/></features>",
	 IOMMU, -1, false, "needs the split irqchip", NULL, NULL},
	{"in-kernel, <qemu:commandline> chooses", GUEST_REMEDY_IN_KERNEL_IRQCHIP, "", "<features/>", CMDLINE_SPLIT, -1,
	 false, "<qemu:commandline> of 'g' chooses its irqchip", NULL, NULL},
	{"in-kernel, recorded respected", GUEST_REMEDY_IN_KERNEL_IRQCHIP, STATE("respected"),
	 "<features><ioapic driver='qemu'/></features>", "", -1, false, "forget-state --domain g", NULL, NULL},
	{"in-kernel keeps the acknowledgement and the arguments", GUEST_REMEDY_IN_KERNEL_IRQCHIP, ACK,
	 "<features><ioapic driver='qemu'/></features>", "<qemu:commandline><qemu:arg value='-S'/></qemu:commandline>", 0,
	 true, "driver=\"qemu\"", "driver=\"kvm\"", "<qemu:arg value=\"-S\"/>"},
	{"no-x2apic, no <cpu>", GUEST_REMEDY_NO_X2APIC, "", "<features><ioapic driver='qemu'/></features>", IOMMU, 0, true,
	 "", "<model fallback=\"forbid\">qemu64</model><feature name=\"x2apic\" policy=\"disable\"/>",
	 "<cpu mode=\"custom\" match=\"exact\" check=\"none\">"},
	{"no-x2apic, host-passthrough", GUEST_REMEDY_NO_X2APIC, "", "", "<cpu mode='host-passthrough'/>", 0, true,
	 "<cpu mode=\"host-passthrough\"/>", "<cpu mode=\"host-passthrough\"><feature name=\"x2apic\" policy=\"disable\"/></cpu>",
	 NULL},
	{"no-x2apic, required before", GUEST_REMEDY_NO_X2APIC, "", "",
	 "<cpu mode='custom'><model>Skylake-Client</model><feature policy='require' name='x2apic'/></cpu>", 0, true,
	 "policy=\"require\"", "<feature policy=\"disable\" name=\"x2apic\"/>", NULL},
	{"no-x2apic, already", GUEST_REMEDY_NO_X2APIC, "", "",
	 "<cpu mode='host-model'><feature policy='disable' name='x2apic'/></cpu>", 0, false, "host-model", NULL, NULL},
	{"no-x2apic, 256 vCPUs", GUEST_REMEDY_NO_X2APIC, "", "", "<vcpu>256</vcpu>", -1, false,
	 "at most 255", NULL, NULL},
};

static void test_edit(void **state)
{
	const struct edit_case *c = *state;
	struct guest_facts facts, again;
	struct guest_edit edit;
	char err[SEOIB_MESSAGE_MAX] = "";
	const char *xml = domain(c->metadata, c->features, c->rest);
	int r = guest_edit_remedy(xml, strlen(xml), c->remedy, &facts, &edit, err);

	if (r != c->ret)
		fail_msg("%s: returned %d, not %d (%s)", c->name, r, c->ret, err);
	if (r < 0) {
		if (!strstr(err, c->before))
			fail_msg("%s: error '%s' lacks '%s'", c->name, err, c->before);
		return;
	}
	assert_int_equal(edit.changed, c->changed);
	if (!strstr(edit.before, c->before))
		fail_msg("%s: before '%s' lacks '%s'", c->name, edit.before, c->before);
	if (!c->changed) {
		assert_null(edit.xml);
		return;
	}
	if (!strstr(edit.after, c->after))
		fail_msg("%s: after '%s' lacks '%s'", c->name, edit.after, c->after);
	if (c->in_xml && !strstr(edit.xml, c->in_xml))
		fail_msg("%s: the edited XML lacks '%s': %s", c->name, c->in_xml, edit.xml);
	/* The edited XML reads back, keeps what it had, and needs no edit. */
	assert_int_equal(guest_facts_from_xml(edit.xml, strlen(edit.xml), &again, err), 0);
	assert_int_equal(again.windows, facts.windows);
	assert_int_equal(again.acknowledged, facts.acknowledged);
	if (c->remedy == GUEST_REMEDY_IN_KERNEL_IRQCHIP)
		assert_int_equal(again.irqchip, IRQCHIP_IN_KERNEL);
	{
		struct guest_edit twice;

		assert_int_equal(guest_edit_remedy(edit.xml, strlen(edit.xml), c->remedy, &again, &twice, err), 0);
		assert_false(twice.changed);
	}
	guest_edit_free(&edit);
}

static void test_hostile(void **state)
{
	struct guest_facts facts;
	struct guest_edit edit;
	char err[SEOIB_MESSAGE_MAX];
	static const char *const bad[] = {
		"", "<domain>", "<notdomain><name>g</name></notdomain>",
		"<!DOCTYPE d [<!ENTITY x 'y'>]><domain><name>&x;</name></domain>",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(guest_edit_remedy(bad[i], strlen(bad[i]), GUEST_REMEDY_NO_X2APIC, &facts, &edit, err), -1);
		assert_null(edit.xml);
		assert_true(err[0] != '\0');
	}
}

static void test_choose(void **state)
{
	struct guest_facts f = {0};

	assert_int_equal(guest_remedy_choose(&f), GUEST_REMEDY_IN_KERNEL_IRQCHIP);
	f.split_required = true;
	assert_int_equal(guest_remedy_choose(&f), GUEST_REMEDY_NO_X2APIC);
	f.split_required = false;
	f.irqchip_cmdline = true;
	assert_int_equal(guest_remedy_choose(&f), GUEST_REMEDY_NO_X2APIC);
	for (int r = 0; r < GUEST_REMEDY_COUNT; r++)
		assert_int_equal(guest_remedy_from_string(guest_remedy_to_string(r)), r);
	assert_int_equal(guest_remedy_from_string("auto"), -1);
}

/* The acknowledgement: written escaped, read back; broken ones acknowledge
 * nothing and never fail the facts (the hook would follow on-error). */
static void test_ack(void **state)
{
	struct guest_facts f;
	char err[SEOIB_MESSAGE_MAX];
	const char *xml;

	xml = domain("<ack:ack xmlns:ack='" SEOIB_ACK_URI "' reason='VBS off &lt;checked&gt; &amp; &quot;signed&quot;' by='root' at='1970-01-01T00:00:00Z'/>", "", "");
	assert_int_equal(guest_facts_from_xml(xml, strlen(xml), &f, err), 0);
	assert_true(f.acknowledged);
	assert_string_equal(f.ack_reason, "VBS off <checked> & \"signed\"");
	assert_string_equal(f.ack_by, "root");

	xml = domain("<ack:ack xmlns:ack='" SEOIB_ACK_URI "' by='root'/>", "", "");
	assert_int_equal(guest_facts_from_xml(xml, strlen(xml), &f, err), 0);
	assert_false(f.acknowledged);
	assert_true(f.ack_invalid);
	assert_non_null(strstr(f.ack_why, "without a reason"));

	xml = domain(ACK ACK, "", "");
	assert_int_equal(guest_facts_from_xml(xml, strlen(xml), &f, err), 0);
	assert_false(f.acknowledged);
	assert_true(f.ack_invalid);

	/* Another namespace's <ack> is not seoib's. */
	xml = domain("<ack xmlns='urn:other' reason='x'/>", "", "");
	assert_int_equal(guest_facts_from_xml(xml, strlen(xml), &f, err), 0);
	assert_false(f.acknowledged || f.ack_invalid);
}

static void test_ack_element(void **state)
{
	char *element = guest_ack_element("a <b> & \"c\"", "root", 0);

	assert_non_null(element);
	assert_non_null(strstr(element, "reason=\"a &lt;b&gt; &amp; &quot;c&quot;\""));
	assert_non_null(strstr(element, "at=\"1970-01-01T00:00:00Z\""));
	free(element);
}

int main(void)
{
	struct CMUnitTest tests[sizeof(cases) / sizeof(cases[0]) + 4];
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		tests[n++] = (struct CMUnitTest){cases[i].name, test_edit, NULL, NULL, (void *)&cases[i]};
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_hostile);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_choose);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_ack);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_ack_element);
	return _cmocka_run_group_tests("guest-edit", tests, n, NULL, NULL);
}
