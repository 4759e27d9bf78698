/* Guest facts from domain XML: the edge cases (cmocka). Whole real-world
 * domains live in data/ and run through seoibctl (run-cases.sh). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/guest_facts.h"

/* A domain with `features` inside <features>, `extra` after it, machine m. */
static int facts_of(const char *machine, const char *features, const char *extra, struct guest_facts *facts,
		    char err[SEOIB_MESSAGE_MAX])
{
	char xml[4096];

	snprintf(xml, sizeof(xml),
		 "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
		 "<name>g</name><uuid>1b4e28ba-2fa1-11d2-883f-0016d3cca427</uuid>"
		 "<os><type arch='x86_64' machine='%s'>hvm</type></os>"
		 "<features>%s</features>%s</domain>",
		 machine, features, extra);
	return guest_facts_from_xml(xml, strlen(xml), facts, err);
}

static struct guest_facts parse_ok(const char *machine, const char *features, const char *extra)
{
	struct guest_facts facts;
	char err[SEOIB_MESSAGE_MAX] = "";

	if (facts_of(machine, features, extra, &facts, err) < 0)
		fail_msg("unexpected error: %s", err);
	return facts;
}

static void parse_fails(const char *xml, const char *needle)
{
	struct guest_facts facts;
	char err[SEOIB_MESSAGE_MAX] = "";

	assert_int_equal(guest_facts_from_xml(xml, strlen(xml), &facts, err), -1);
	if (!strstr(err, needle))
		fail_msg("error '%s' lacks '%s'", err, needle);
}

static void irqchip_modes(void **state)
{
	struct guest_facts f = parse_ok("pc-q35-8.2", "", "");

	assert_int_equal(f.irqchip, IRQCHIP_IN_KERNEL);
	assert_string_equal(f.name, "g");
	assert_string_equal(f.uuid, "1b4e28ba-2fa1-11d2-883f-0016d3cca427");
	f = parse_ok("pc-q35-8.2", "<ioapic driver='kvm'/>", "");
	assert_int_equal(f.irqchip, IRQCHIP_IN_KERNEL);
	f = parse_ok("pc-q35-8.2", "<ioapic driver='qemu'/>", "");
	assert_int_equal(f.irqchip, IRQCHIP_SPLIT);
	assert_false(f.split_required);
	/* The one machine type whose default was split. */
	f = parse_ok("pc-q35-4.0", "", "");
	assert_int_equal(f.irqchip, IRQCHIP_SPLIT);
	assert_false(f.split_required);
	f = parse_ok("pc-q35-4.0.1", "", "");
	assert_int_equal(f.irqchip, IRQCHIP_IN_KERNEL);
	/* Paravirtual EOI is unrelated to Directed EOI. */
	f = parse_ok("q35", "<apic eoi='on'/>", "");
	assert_int_equal(f.irqchip, IRQCHIP_IN_KERNEL);
	assert_false(f.hyperv);
}

static void split_required(void **state)
{
	struct guest_facts f = parse_ok("q35", "<ioapic driver='qemu'/>",
					"<devices><iommu model='intel'><driver intremap='on'/></iommu></devices>");

	assert_int_equal(f.irqchip, IRQCHIP_SPLIT);
	assert_true(f.split_required);
	/* An IOMMU without interrupt remapping does not need split. */
	f = parse_ok("q35", "", "<devices><iommu model='intel'><driver intremap='off'/></iommu></devices>");
	assert_int_equal(f.irqchip, IRQCHIP_IN_KERNEL);
	f = parse_ok("q35", "", "<devices><iommu model='virtio'/></devices>");
	assert_int_equal(f.irqchip, IRQCHIP_IN_KERNEL);
	f = parse_ok("q35", "", "<launchSecurity type='tdx'/>");
	assert_true(f.split_required);
	f = parse_ok("q35", "", "<launchSecurity type='sev'/>");
	assert_int_equal(f.irqchip, IRQCHIP_IN_KERNEL);
	f = parse_ok("microvm", "", "");
	assert_true(f.split_required);
	assert_int_equal(f.ioapic_version, IOAPIC_VERSION_20);
}

static void ioapic_version_by_machine(void **state)
{
	static const struct {
		const char *machine;
		unsigned version;
	} table[] = {
		{"pc-i440fx-2.7", 0x11}, {"pc-i440fx-2.8", 0x20}, {"pc-q35-2.6", 0x11}, {"pc-q35-2.10", 0x20},
		{"pc-1.0", 0x11},        {"pc-0.15", 0x11},       {"pc", 0x20},         {"q35", 0x20},
		{"pc-q35-8.2", 0x20},    {"pc-i440fx-10.1", 0x20}, {"pc-q35-rhel9.4.0", 0x20}, {"", 0x20},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct guest_facts f = parse_ok(table[i].machine, "<ioapic driver='qemu'/>", "");

		if (f.ioapic_version != table[i].version)
			fail_msg("%s: 0x%x, expected 0x%x", table[i].machine, f.ioapic_version, table[i].version);
	}
}

static unsigned version_with_args(const char *machine, const char *args)
{
	char extra[1024];

	snprintf(extra, sizeof(extra), "<qemu:commandline>%s</qemu:commandline>", args);
	return parse_ok(machine, "<ioapic driver='qemu'/>", extra).ioapic_version;
}

static void ioapic_version_override(void **state)
{
	assert_int_equal(version_with_args("q35", "<qemu:arg value='-global'/><qemu:arg value='ioapic.version=0x11'/>"),
			 0x11);
	assert_int_equal(version_with_args("q35", "<qemu:arg value='-global'/><qemu:arg value='ioapic.version=17'/>"),
			 0x11);
	assert_int_equal(version_with_args("pc-i440fx-2.7", "<qemu:arg value='--global=ioapic.version=0x20'/>"), 0x20);
	assert_int_equal(version_with_args("pc-1.0", "<qemu:arg value='-global=ioapic.version=32'/>"), 0x20);
	assert_int_equal(version_with_args("q35", "<qemu:arg value='-global'/>"
						  "<qemu:arg value='driver=ioapic,property=version,value=0x11'/>"),
			 0x11);
	/* The last global wins, as in QEMU; other drivers do not count. */
	assert_int_equal(version_with_args("q35", "<qemu:arg value='-global'/><qemu:arg value='ioapic.version=0x11'/>"
						  "<qemu:arg value='-global'/><qemu:arg value='ioapic.version=0x20'/>"),
			 0x20);
	assert_int_equal(version_with_args("q35", "<qemu:arg value='-global'/><qemu:arg value='kvm-ioapic.version=0x11'/>"),
			 0x20);
	/* "ioapic.version=0x11" as a plain argument is not a global. */
	assert_int_equal(version_with_args("q35", "<qemu:arg value='ioapic.version=0x11'/>"), 0x20);
}

static void ioapic_version_bad_override(void **state)
{
	struct guest_facts f;
	char err[SEOIB_MESSAGE_MAX] = "";

	assert_int_equal(facts_of("q35", "<ioapic driver='qemu'/>",
				  "<qemu:commandline><qemu:arg value='-global'/><qemu:arg value='ioapic.version=0x15'/>"
				  "</qemu:commandline>",
				  &f, err),
			 -1);
	assert_non_null(strstr(err, "unsupported I/O APIC version '0x15'"));
}

/* Vendor machine types: the table's rows, and names no row matches. */
static void machine_type_table(void **state)
{
	static const struct {
		const char *machine;
		unsigned version; /* 0: unknown */
	} table[] = {
		{"pc-i440fx-rhel7.2.0", 0x11}, {"pc-q35-rhel7.3.0", 0x11}, {"pc-i440fx-rhel7.4.0", 0x20},
		{"pc-q35-rhel8.6.0", 0x20},    {"pc-i440fx-rhel6.6.0", 0x11},
		{"pc-q35-jammy", 0x20},        {"pc-i440fx-focal-hpb", 0x20}, {"pc-q35-7.2-custom", 0},
		{"pc-q35-noble", 0x20},        {"pc-q35-noble-v2", 0x20},     {"pc-q35-jammy-hpb-maxcpus", 0x20},
		{"pc-i440fx-xenial", 0x11},    {"pc-q35-yakkety", 0x11},      {"pc-q35-zesty", 0x20},
		{"ubuntu-q35", 0x20},          {"rhel6.5.0", 0x11},           {"pc-q35-noble-custom", 0},
		{"pc-q35-nobleX", 0},          {"pc-q35-rhel9", 0},           {"virt-6.2", 0},
		{"pc-q35-", 0},
	};

	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++) {
		struct guest_facts f = parse_ok(table[i].machine, "<ioapic driver='qemu'/>", "");

		if (table[i].version == 0 ? !f.ioapic_unknown : (f.ioapic_unknown || f.ioapic_version != table[i].version))
			fail_msg("%s: 0x%x%s, expected %s0x%x", table[i].machine, f.ioapic_version,
				 f.ioapic_unknown ? " (unknown)" : "", table[i].version ? "" : "unknown ", table[i].version);
		if (table[i].version == 0 && !strstr(f.ioapic_why, "machine-type table"))
			fail_msg("%s: the reason does not say the machine type is unknown: %s", table[i].machine, f.ioapic_why);
		assert_false(f.irqchip_unknown); /* <ioapic> says it */
	}
	/* Without <ioapic>, an unknown type's default irqchip is unknown too;
	 * Ubuntu's types (virt-manager on 24.04 writes pc-q35-noble) default
	 * to the in-kernel one, eoan's too (4.0 without its split default). */
	assert_true(parse_ok("pc-q35-7.2-custom", "", "").irqchip_unknown);
	assert_false(parse_ok("pc-q35-noble", "", "").irqchip_unknown);
	assert_int_equal(parse_ok("pc-q35-noble", "", "").irqchip, IRQCHIP_IN_KERNEL);
	assert_int_equal(parse_ok("pc-q35-eoan", "", "").irqchip, IRQCHIP_IN_KERNEL);
	assert_false(parse_ok("pc-q35-rhel9.4.0", "", "").irqchip_unknown);
}

static struct guest_facts with_args(const char *features, const char *args)
{
	char extra[2048];

	snprintf(extra, sizeof(extra), "<qemu:commandline>%s</qemu:commandline>", args);
	return parse_ok("pc-q35-7.2", features, extra);
}

#define ARG(v) "<qemu:arg value='" v "'/>"

/* <qemu:commandline> as QEMU applies it. */
static void commandline_machine(void **state)
{
	struct guest_facts f = with_args("", ARG("-machine") ARG("kernel-irqchip=split"));

	assert_int_equal(f.irqchip, IRQCHIP_SPLIT);
	assert_true(f.irqchip_cmdline);
	f = with_args("", ARG("-M") ARG("pc-q35-7.2,kernel_irqchip=split"));
	assert_int_equal(f.irqchip, IRQCHIP_SPLIT);
	/* Merged in order: the later key wins, over <ioapic> too. */
	f = with_args("<ioapic driver='qemu'/>", ARG("--machine") ARG("kernel-irqchip=split,usb=off")
						   ARG("-machine") ARG("kernel_irqchip=on"));
	assert_int_equal(f.irqchip, IRQCHIP_IN_KERNEL);
	/* type= changes the machine type, and so the I/O APIC. */
	f = with_args("<ioapic driver='qemu'/>", ARG("-machine") ARG("type=pc-i440fx-2.7"));
	assert_string_equal(f.machine, "pc-i440fx-2.7");
	assert_int_equal(f.ioapic_version, 0x11);
	/* ",," is an escaped comma, not a new key. */
	f = with_args("", ARG("-machine") ARG("pc-q35-7.2,x=a,,kernel-irqchip=split"));
	assert_int_equal(f.irqchip, IRQCHIP_IN_KERNEL);
	/* kernel-irqchip=off: QEMU's own local APIC. */
	f = with_args("", ARG("-machine") ARG("kernel-irqchip=off"));
	assert_true(f.qemu_lapic);
	/* A second -accel is only a fallback: ignored. */
	f = with_args("", ARG("-accel") ARG("tcg"));
	assert_false(f.qemu_lapic);
	assert_false(f.irqchip_unknown);
}

static void commandline_devices(void **state)
{
	struct guest_facts f = with_args("", ARG("-device") ARG("intel-iommu,intremap=on"));

	assert_true(f.split_required);
	assert_int_equal(f.irqchip, IRQCHIP_SPLIT);
	f = with_args("", ARG("-device") ARG("{\"driver\":\"amd-iommu\",\"intremap\":\"on\"}"));
	assert_true(f.split_required);
	f = with_args("", ARG("-device") ARG("driver=amd-iommu,intremap=on"));
	assert_true(f.split_required);
	f = with_args("", ARG("-device") ARG("intel-iommu,intremap=auto"));
	assert_false(f.split_required);
	f = with_args("", ARG("-device") ARG("virtio-net-pci,intremap=on"));
	assert_false(f.split_required);
	/* <iommu model='amd'> with intremap: any model that remaps needs split. */
	f = parse_ok("q35", "<ioapic driver='kvm'/>",
		     "<devices><iommu model='amd'><driver intremap='on'/></iommu></devices>");
	assert_true(f.split_required);
	assert_int_equal(f.irqchip, IRQCHIP_SPLIT);
}

/* What cannot be read is unknown, with the argument named; never a default. */
static void commandline_unknown(void **state)
{
	static const char *const args[] = {
		ARG("-set") ARG("device.iommu0.intremap=on"),
		ARG("-readconfig") ARG("/etc/qemu/extra.cfg"),
		ARG("-machine") ARG("accel=kvm"),
		ARG("-machine") ARG("kernel-irqchip=maybe"),
		ARG("-machine") ARG("{\"kernel-irqchip\":\"split\"}"),
		ARG("-device") ARG("{not json"),
		ARG("-device") ARG("intel-iommu,intremap=yes"),
		ARG("-global") ARG("intel-iommu.intremap=on"),
		ARG("-machine"),
	};

	for (size_t i = 0; i < sizeof(args) / sizeof(args[0]); i++) {
		struct guest_facts f = with_args("<ioapic driver='qemu'/>", args[i]);

		if (!f.irqchip_unknown || !f.ioapic_unknown || !strstr(f.irqchip_why, "commandline"))
			fail_msg("%s: not unknown (%s)", args[i], f.irqchip_why);
	}
	struct guest_facts f = parse_ok("q35", "",
					"<qemu:override xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>"
					"<qemu:device alias='iommu0'><qemu:frontend>"
					"<qemu:property name='intremap' type='string' value='on'/>"
					"</qemu:frontend></qemu:device></qemu:override>");
	assert_true(f.irqchip_unknown);
}

static void tcg(void **state)
{
	const char xml[] = "<domain type='qemu'><name>t</name><os><type machine='q35'>hvm</type></os>"
			   "<features><ioapic driver='qemu'/></features></domain>";
	struct guest_facts f;
	char err[SEOIB_MESSAGE_MAX];

	assert_int_equal(guest_facts_from_xml(xml, strlen(xml), &f, err), 0);
	assert_true(f.qemu_lapic);
	assert_string_equal(guest_facts_irqchip_string(&f), "userspace");
}

static void risk_signals(void **state)
{
	struct guest_facts f = parse_ok("q35", "<hyperv mode='custom'><relaxed state='off'/></hyperv>", "");

	assert_false(f.hyperv);
	assert_true(f.hyperv_element);
	f = parse_ok("q35", "<hyperv mode='custom'><relaxed state='on'/></hyperv>", "");
	assert_true(f.hyperv);
	f = parse_ok("q35", "<hyperv mode='passthrough'/>", "");
	assert_true(f.hyperv);
	assert_int_equal(guest_facts_windows(&f, NULL, 0), WINDOWS_LIKELY);
	/* No <cpu>: qemu64, no vmx/svm: Windows cannot run its hypervisor. */
	assert_int_equal(f.virt_ext, VIRT_EXT_NO);
	assert_false(guest_facts_at_risk(&f));
	f = parse_ok("q35", "<hyperv mode='passthrough'/>", "<cpu mode='host-passthrough'/>");
	assert_true(guest_facts_at_risk(&f));
	/* A lone vendor_id exposes no Hyper-V CPUID (QEMU hyperv_enabled()). */
	f = parse_ok("q35", "<hyperv mode='custom'><vendor_id state='on' value='whatever'/></hyperv>", "");
	assert_false(f.hyperv);
	assert_int_equal(guest_facts_windows(&f, NULL, 0), WINDOWS_POSSIBLE);
	/* hypervclock is hv-time, an enlightenment. */
	f = parse_ok("q35", "", "<clock offset='utc'><timer name='hypervclock' present='yes'/></clock>");
	assert_true(f.hyperv);
	f = parse_ok("q35", "", "<cpu mode='host-passthrough'/>");
	assert_int_equal(f.virt_ext, VIRT_EXT_YES);
	/* Nothing says which OS, and it can run a hypervisor: unknown. */
	assert_int_equal(guest_facts_victim(&f, NULL, 0), VICTIM_UNKNOWN);
	f = parse_ok("q35", "", "<cpu mode='host-passthrough'><feature policy='disable' name='vmx'/></cpu>");
	assert_int_equal(f.virt_ext, VIRT_EXT_UNKNOWN); /* svm still passes on an AMD host */
	f = parse_ok("q35", "", "<cpu mode='host-passthrough'><feature policy='disable' name='vmx'/><feature policy='forbid' name='svm'/></cpu>");
	assert_int_equal(f.virt_ext, VIRT_EXT_NO);
	f = parse_ok("q35", "", "<cpu mode='custom'><model>EPYC</model><feature policy='require' name='svm'/></cpu>");
	assert_int_equal(f.virt_ext, VIRT_EXT_YES);
	f = parse_ok("q35", "", "<cpu mode='custom'><model>EPYC</model><feature name='svm'/></cpu>");
	assert_int_equal(f.virt_ext, VIRT_EXT_YES); /* libvirt's default policy is require */
	f = parse_ok("q35", "", "<cpu mode='custom'><model>EPYC</model></cpu>");
	assert_int_equal(f.virt_ext, VIRT_EXT_NO);
	f = parse_ok("q35", "", "<devices><tpm model='tpm-crb'><backend type='emulator'/></tpm></devices>");
	assert_true(f.tpm);
	assert_false(guest_facts_at_risk(&f)); /* a TPM alone does not make a victim */
	assert_int_equal(guest_facts_vbs_signals(&f), 0); /* nor a VBS signal: nothing says Windows */
	/* Secure Boot with a TPM, svm required, <hyperv> all off, no libosinfo:
	 * Windows 11 as Proxmox-style tools define it. */
	f = parse_ok("q35", "<hyperv mode='custom'><relaxed state='off'/></hyperv>",
		     "<cpu mode='custom'><model>EPYC</model><feature policy='require' name='svm'/></cpu>"
		     "<devices><tpm model='tpm-crb'><backend type='emulator'/></tpm></devices>");
	assert_true(guest_facts_at_risk(&f));
	/* The libosinfo id of another OS wins over any hint. */
	f = parse_ok("q35", "<hyperv mode='custom'><relaxed state='on'/></hyperv>",
		     "<metadata><libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'>"
		     "<libosinfo:os id='http://android-x86.org/android-x86/9.0'/></libosinfo:libosinfo></metadata>"
		     "<cpu mode='host-passthrough'/>");
	assert_int_equal(guest_facts_windows(&f, NULL, 0), WINDOWS_NO);
	assert_false(guest_facts_at_risk(&f));
	assert_int_equal(guest_facts_vbs_signals(&f), 0);
}

/* KVM offers Directed EOI only to a vCPU with x2APIC; QEMU gives it to
 * every KVM vCPU unless something turns it off. */
static void x2apic(void **state)
{
	struct guest_facts f = parse_ok("q35", "<ioapic driver='qemu'/>", "");

	assert_int_equal(f.x2apic, X2APIC_PRESENT);
	f = parse_ok("q35", "<ioapic driver='qemu'/>",
		     "<cpu mode='host-passthrough'><feature policy='disable' name='x2apic'/></cpu>");
	assert_int_equal(f.x2apic, X2APIC_ABSENT);
	assert_non_null(strstr(f.x2apic_why, "name='x2apic'"));
	f = parse_ok("q35", "", "<cpu mode='host-model'><feature policy='forbid' name='x2apic'/></cpu>");
	assert_int_equal(f.x2apic, X2APIC_ABSENT);
	f = parse_ok("q35", "", "<cpu mode='custom'><model>qemu64</model></cpu>");
	assert_int_equal(f.x2apic, X2APIC_PRESENT);
	/* The last -cpu replaces libvirt's, features and all. */
	f = parse_ok("q35", "", "<cpu mode='host-passthrough'><feature policy='disable' name='x2apic'/></cpu>"
		     "<qemu:commandline><qemu:arg value='-cpu'/><qemu:arg value='host,+vmx'/></qemu:commandline>");
	assert_int_equal(f.x2apic, X2APIC_PRESENT);
	assert_true(f.cpu_cmdline);
	f = parse_ok("q35", "", "<qemu:commandline><qemu:arg value='-cpu'/><qemu:arg value='Skylake-Client,-x2apic'/></qemu:commandline>");
	assert_int_equal(f.x2apic, X2APIC_ABSENT);
	assert_int_equal(f.virt_ext, VIRT_EXT_NO);
	f = parse_ok("q35", "", "<qemu:commandline><qemu:arg value='-cpu'/><qemu:arg value='max,x2apic=off'/></qemu:commandline>");
	assert_int_equal(f.x2apic, X2APIC_ABSENT);
	assert_int_equal(f.virt_ext, VIRT_EXT_YES);
	f = parse_ok("q35", "", "<qemu:commandline><qemu:arg value='-global'/><qemu:arg value='x86_64-cpu.x2apic=off'/></qemu:commandline>");
	assert_int_equal(f.x2apic, X2APIC_ABSENT);
	/* A model's own type: which vCPUs it reaches is not followed. */
	f = parse_ok("q35", "", "<qemu:commandline><qemu:arg value='-global'/><qemu:arg value='EPYC-x86_64-cpu.x2apic=off'/></qemu:commandline>");
	assert_int_equal(f.x2apic, X2APIC_UNKNOWN);
	/* A -global against a <feature>: which wins is not told. */
	f = parse_ok("q35", "", "<cpu mode='host-model'><feature policy='disable' name='x2apic'/></cpu>"
		     "<qemu:commandline><qemu:arg value='-global'/><qemu:arg value='x86_64-cpu.x2apic=on'/></qemu:commandline>");
	assert_int_equal(f.x2apic, X2APIC_UNKNOWN);
}

/* -set edits one existing entry; only what can reach the facts counts. */
static void set_reaches(void **state)
{
	struct guest_facts f = parse_ok("pc-q35-7.2", "<ioapic driver='qemu'/>",
					"<qemu:commandline><qemu:arg value='-set'/><qemu:arg value='device.video0.blob=true'/></qemu:commandline>");

	assert_false(f.irqchip_unknown);
	assert_false(f.ioapic_unknown);
	assert_int_equal(f.irqchip, IRQCHIP_SPLIT);
	f = parse_ok("pc-q35-7.2", "", "<qemu:commandline><qemu:arg value='-set'/><qemu:arg value='device.iommu0.intremap=on'/></qemu:commandline>");
	assert_true(f.irqchip_unknown);
	assert_true(f.cmdline_unknown);
	f = parse_ok("pc-q35-7.2", "", "<qemu:commandline><qemu:arg value='-set'/><qemu:arg value='device.hostdev0.driver=intel-iommu'/></qemu:commandline>");
	assert_true(f.irqchip_unknown);
	f = parse_ok("pc-q35-7.2", "", "<qemu:commandline><qemu:arg value='-set'/><qemu:arg value='global.g0.value=0x11'/></qemu:commandline>");
	assert_true(f.irqchip_unknown);
	assert_int_equal(f.x2apic, X2APIC_UNKNOWN);
	f = parse_ok("pc-q35-7.2", "", "<qemu:commandline><qemu:arg value='-set'/><qemu:arg value='device.vcpu1.x2apic=off'/></qemu:commandline>");
	assert_false(f.irqchip_unknown);
	assert_int_equal(f.x2apic, X2APIC_UNKNOWN);
	/* QEMU refuses -set on the machine group: it changes nothing. */
	f = parse_ok("pc-q35-7.2", "", "<qemu:commandline><qemu:arg value='-set'/><qemu:arg value='machine.pc.kernel-irqchip=split'/></qemu:commandline>");
	assert_false(f.irqchip_unknown);
	assert_int_equal(f.irqchip, IRQCHIP_IN_KERNEL);
	f = parse_ok("pc-q35-7.2", "", "<qemu:commandline><qemu:arg value='-set'/><qemu:arg value='drive.drive0.cache=none'/></qemu:commandline>");
	assert_false(f.irqchip_unknown);
	f = parse_ok("pc-q35-7.2", "", "<qemu:commandline><qemu:arg value='-set'/><qemu:arg value='accel.a0.kernel_irqchip=split'/></qemu:commandline>");
	assert_true(f.irqchip_unknown);
}

static void windows_and_secure_boot(void **state)
{
	static const char xml[] =
		"<domain type='kvm'><name>w</name><metadata>"
		"<l:libosinfo xmlns:l='http://libosinfo.org/xmlns/libvirt/domain/1.0'><l:os id='http://microsoft.com/win/11'/></l:libosinfo>"
		"</metadata><os firmware='efi'><type machine='q35'>hvm</type><firmware>"
		"<feature enabled='yes' name='secure-boot'/></firmware></os></domain>";
	static const char linux_xml[] =
		"<domain type='kvm'><name>l</name><metadata>"
		"<libosinfo:libosinfo xmlns:libosinfo='http://libosinfo.org/xmlns/libvirt/domain/1.0'><libosinfo:os id='http://debian.org/debian/12'/></libosinfo:libosinfo>"
		"</metadata><os><type machine='q35'>hvm</type><loader secure='no'/></os></domain>";
	struct guest_facts f;
	char err[SEOIB_MESSAGE_MAX];

	assert_int_equal(guest_facts_from_xml(xml, strlen(xml), &f, err), 0);
	assert_true(f.windows);
	assert_true(f.secure_boot);
	/* Windows, but qemu64 has no vmx/svm for its hypervisor. */
	assert_false(guest_facts_at_risk(&f));
	assert_int_equal(guest_facts_windows(&f, NULL, 0), WINDOWS_YES);
	assert_int_equal(guest_facts_from_xml(linux_xml, strlen(linux_xml), &f, err), 0);
	assert_false(f.windows);
	assert_false(f.secure_boot);
	assert_string_equal(f.os_id, "http://debian.org/debian/12");
}

static void metadata_state(void **state)
{
	static const char xml[] =
		"<domain><name>r</name><metadata><s:guest xmlns:s='https://seoib.org/xmlns/libvirt/guest/1' "
		"state='not-advertised' host='h2' decided='2026-11-23T09:40:00Z'/></metadata></domain>";
	static const char other_ns[] =
		"<domain><name>r</name><metadata><s:guest xmlns:s='https://example.org/other' state='bogus'/></metadata></domain>";
	struct guest_facts f;
	char err[SEOIB_MESSAGE_MAX];

	assert_int_equal(guest_facts_from_xml(xml, strlen(xml), &f, err), 0);
	assert_true(f.has_metadata_state);
	assert_int_equal(f.metadata_state, STATE_NOT_ADVERTISED);
	assert_string_equal(f.metadata_host, "h2");
	assert_string_equal(f.metadata_decided, "2026-11-23T09:40:00Z");
	/* Matched by namespace URI, not by prefix. */
	assert_int_equal(guest_facts_from_xml(other_ns, strlen(other_ns), &f, err), 0);
	assert_false(f.has_metadata_state);
	parse_fails("<domain><name>r</name><metadata><seoib:guest xmlns:seoib='https://seoib.org/xmlns/libvirt/guest/1'/>"
		    "</metadata></domain>",
		    "unknown recorded state ''");
	parse_fails("<domain><name>r</name><metadata><seoib:guest xmlns:seoib='https://seoib.org/xmlns/libvirt/guest/1' "
		    "state='Respected'/></metadata></domain>",
		    "unknown recorded state 'Respected'");
}

static void malformed(void **state)
{
	struct guest_facts f;
	char err[SEOIB_MESSAGE_MAX];

	parse_fails("<domain><name>x</name>", "malformed domain XML at line 1");
	parse_fails("<domain><name>x</nam></domain>", "Opening and ending tag mismatch");
	parse_fails("<network><name>x</name></network>", "root is <network>");
	parse_fails("<d:domain xmlns:d='urn:x'><name>x</name></d:domain>", "not <domain>");
	parse_fails("<domain><uuid>u</uuid></domain>", "no <name>");
	parse_fails("<domain><name>  </name></domain>", "no <name>");
	parse_fails("<domain><name>x</name><features><ioapic driver='xen'/></features></domain>",
		    "unknown <ioapic driver='xen'/>");
	parse_fails("<?xml version='1.0'?><!DOCTYPE domain [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>"
		    "<domain><name>&e;</name></domain>",
		    "<!DOCTYPE>");
	assert_int_equal(guest_facts_from_xml("", 0, &f, err), -1);
	assert_non_null(strstr(err, "empty"));
	assert_int_equal(guest_facts_from_xml("<domain/>", (size_t)GUEST_XML_MAX + 1, &f, err), GUEST_XML_TOO_COMPLEX);
	assert_non_null(strstr(err, "larger than 2 MiB"));
}

static void load_missing_file(void **state)
{
	struct guest_facts f;
	char err[SEOIB_MESSAGE_MAX];

	assert_int_equal(guest_facts_load("/nonexistent/seoib/guest.xml", &f, err), -1);
	assert_non_null(strstr(err, "/nonexistent/seoib/guest.xml"));
}

/* What seoib writes into a domain's metadata, it reads back: the element
 * as guest_metadata_element() builds it, with the namespace libvirt's
 * virDomainSetMetadata() adds. */
static void metadata_round_trip(void **state)
{
	char *element = guest_metadata_element(STATE_RESPECTED, "hv1", 86400);
	char extra[1024];
	struct guest_facts f;

	assert_non_null(element);
	assert_int_equal(strncmp(element, "<" SEOIB_METADATA_ELEMENT " ", strlen(SEOIB_METADATA_ELEMENT) + 2), 0);
	snprintf(extra, sizeof(extra), "<metadata><" SEOIB_METADATA_PREFIX ":" SEOIB_METADATA_ELEMENT
		 " xmlns:" SEOIB_METADATA_PREFIX "='" SEOIB_METADATA_URI "'%s</metadata>",
		 element + strlen(SEOIB_METADATA_ELEMENT) + 1);
	free(element);
	f = parse_ok("pc-q35-8.2", "", extra);
	assert_true(f.has_metadata_state);
	assert_int_equal(f.metadata_state, STATE_RESPECTED);
	assert_string_equal(f.metadata_host, "hv1");
	assert_string_equal(f.metadata_decided, "1970-01-02T00:00:00Z");
}

/* seoibd's watcher writes the state a guest runs in where it is missing or
 * wrong live, and into the persistent definition only where that has none
 * (a different one there is the next start's, written by seoibctl apply). */
static void metadata_sync_targets(void **state)
{
	struct guest_facts live = {.has_metadata_state = true, .metadata_state = STATE_RESPECTED};

	assert_int_equal(guest_metadata_sync_targets(&live, false, STATE_RESPECTED), 0);
	assert_int_equal(guest_metadata_sync_targets(&live, false, STATE_QUIRKED), GUEST_METADATA_LIVE);
	assert_int_equal(guest_metadata_sync_targets(&live, true, STATE_RESPECTED), GUEST_METADATA_PERSISTENT);
	live.has_metadata_state = false;
	assert_int_equal(guest_metadata_sync_targets(&live, true, STATE_RESPECTED),
			 GUEST_METADATA_LIVE | GUEST_METADATA_PERSISTENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(irqchip_modes),
		cmocka_unit_test(split_required),
		cmocka_unit_test(x2apic),
		cmocka_unit_test(set_reaches),
		cmocka_unit_test(ioapic_version_by_machine),
		cmocka_unit_test(ioapic_version_override),
		cmocka_unit_test(ioapic_version_bad_override),
		cmocka_unit_test(machine_type_table),
		cmocka_unit_test(commandline_machine),
		cmocka_unit_test(commandline_devices),
		cmocka_unit_test(commandline_unknown),
		cmocka_unit_test(tcg),
		cmocka_unit_test(risk_signals),
		cmocka_unit_test(windows_and_secure_boot),
		cmocka_unit_test(metadata_state),
		cmocka_unit_test(metadata_round_trip),
		cmocka_unit_test(metadata_sync_targets),
		cmocka_unit_test(malformed),
		cmocka_unit_test(load_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
