/* What seoib needs to know about a guest, read from its libvirt domain XML
 * (docs/policy.md, "Guest facts"). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seoib/guest_metadata.h"
#include "seoib/sentence.h"
#include "seoib/states.h"

/* A libvirt domain XML is a few KiB (a large one with many disks and NICs
 * 100 KiB); anything beyond this is not a domain and is refused unread. */
#define GUEST_XML_MAX (2u << 20)
/* Bounds checked on the raw bytes before libxml2 parses them, so that no
 * input costs more than a bounded parse (docs/libvirt.md, "Limits"):
 * libxml2 compares each attribute with every earlier one of its element
 * (xmlParseStartTag2), so its time grows faster than the square of the
 * attributes per element. libvirt's own elements carry at most a few
 * dozen attributes and its largest domains a few thousand elements. */
#define GUEST_XML_MAX_ATTRIBUTES 128           /* per element */
#define GUEST_XML_MAX_ATTRIBUTES_TOTAL 16384    /* in the whole document */
#define GUEST_XML_MAX_TAGS 32768                /* '<' characters: tags, comments, CDATA */
/* Nesting depth: libxml2's own limit without XML_PARSE_HUGE (xmlParserMaxDepth). */
#define GUEST_XML_MAX_DEPTH 256

/* guest_facts_from_xml()'s result for an XML over one of the bounds above:
 * not an error to tolerate (on-error) but a bad input to refuse. */
#define GUEST_XML_TOO_COMPLEX (-2)

/* I/O APIC versions QEMU implements (hw/intc/ioapic.c accepts only these). */
#define IOAPIC_VERSION_11 0x11 /* no EOI register: pc-*-2.7 and older */
#define IOAPIC_VERSION_20 0x20 /* EOI register: QEMU's default since 2.8 */

/* <qemu:commandline> arguments kept for the VMM model (lib/policy/run_state.c):
 * a libvirt guest rarely has more than a handful. */
#define GUEST_QEMU_ARGS_MAX 32
#define GUEST_QEMU_ARG_LEN 256
#define GUEST_FACTS_SOURCE_MAX 1024

/* Whether the guest's vCPU has x2APIC in its CPUID. KVM offers Directed EOI
 * (LVR bit 24) only to such a vCPU (kvm_apic_set_version()), so a guest
 * without it is never exposed. Zero is "present": QEMU turns x2apic on for
 * every KVM vCPU unless told otherwise (target/i386/kvm/kvm-cpu.c,
 * kvm_default_props). */
enum guest_x2apic {
	X2APIC_PRESENT = 0,
	X2APIC_ABSENT,
	X2APIC_UNKNOWN, /* judged as present */
};

/* Whether vmx/svm reaches the guest's CPU, so that Windows can run its own
 * hypervisor (Hyper-V, VBS, Credential Guard, HVCI, WSL2). Zero is unknown. */
enum guest_virt_ext {
	VIRT_EXT_UNKNOWN = 0,
	VIRT_EXT_YES,
	VIRT_EXT_NO,
};

/* How sure seoib is that the guest runs Windows (docs/policy.md, "Who is
 * the victim"), weakest first. */
enum guest_windows {
	WINDOWS_UNKNOWN = 0, /* no OS id and no sign of Windows */
	WINDOWS_NO,          /* a libosinfo id of another OS */
	WINDOWS_POSSIBLE,    /* hints only: a localtime RTC, a <hyperv> that exposes nothing */
	WINDOWS_LIKELY,      /* Hyper-V enlightenments QEMU exposes, an ACPI SLIC table */
	WINDOWS_YES,         /* a libosinfo Windows id */
};

/* Is the guest the known victim: Windows that can run its own hypervisor. */
enum guest_victim {
	VICTIM_NO,
	VICTIM_YES,
	VICTIM_UNKNOWN, /* nothing says which OS, and it can run a hypervisor */
};

struct guest_facts {
	char name[256];
	char uuid[64];
	char machine[128];        /* <os><type machine=...>, or <qemu:commandline>'s -machine type */
	bool qemu_lapic;          /* QEMU's own local APIC: TCG, or kernel-irqchip=off */
	char lapic_why[256];      /* why, "" when KVM's local APIC */
	enum irqchip_mode irqchip;
	bool irqchip_unknown;     /* seoib cannot tell: irqchip_why says why */
	char irqchip_why[256];    /* what made it split / in-kernel */
	bool irqchip_cmdline;     /* <qemu:commandline> chose it, over <ioapic> */
	bool cmdline_unasked;     /* a <qemu:commandline> argument QEMU's question leaves out may change a fact */
	char cmdline_unasked_why[256];
	bool cmdline_unknown;     /* a <qemu:commandline> argument made the irqchip and I/O APIC unknown */
	bool split_required;      /* split needed by intremap (any IOMMU), TDX or microvm */
	unsigned ioapic_version;  /* 0x11 or 0x20; 0 when unknown */
	bool ioapic_unknown;      /* seoib cannot tell: ioapic_why says why */
	char ioapic_why[256];
	enum guest_x2apic x2apic;
	char x2apic_why[256];     /* the <cpu> setting or argument that decided it */
	char cpu_mode[32];        /* <cpu mode=...>; "" without a <cpu> element */
	bool cpu_model;           /* <cpu> names a <model> */
	bool cpu_cmdline;         /* <qemu:commandline> passes its own -cpu */
	unsigned vcpus;           /* <vcpu> (maximum), 0 when absent */
	char os_id[256];          /* libosinfo os id, "" if none */
	bool windows;             /* the libosinfo id is Windows */
	bool hyperv;              /* Hyper-V enlightenments QEMU exposes (not a lone vendor_id) */
	bool hyperv_element;      /* a <hyperv> element, whatever it exposes */
	bool localtime_clock;     /* <clock offset='localtime'> */
	bool slic;                /* an ACPI SLIC table (Windows OEM activation) */
	enum guest_virt_ext virt_ext; /* vmx/svm in the guest's CPU */
	char nested_why[128];     /* which <cpu> setting decided it */
	bool secure_boot;
	bool tpm;
	bool has_metadata_state;  /* seoib metadata element present */
	enum seoib_state metadata_state;
	char metadata_host[256];  /* host that recorded it, "" if unknown */
	char metadata_decided[64]; /* its decided= timestamp, "" if none */
	/* The operator's acknowledgement (seoibctl ack, guest_ack_read()). */
	bool acknowledged;
	bool ack_invalid;         /* an ack element that acknowledges nothing */
	char ack_reason[SEOIB_ACK_REASON_MAX + 1];
	char ack_by[64];
	char ack_at[64];
	char ack_why[256];        /* why ack_invalid */
	/* <qemu:commandline><qemu:arg value=.../>, in order; an argument too
	 * long to keep, or more than GUEST_QEMU_ARGS_MAX, sets the flag. */
	int n_qemu_args;
	bool qemu_args_truncated;
	char qemu_args[GUEST_QEMU_ARGS_MAX][GUEST_QEMU_ARG_LEN];
	/* What the guest's own QEMU answered (guest_facts_apply_qemu_answer(),
	 * seoib/qemu_guest_query.h). facts_source names who answered the
	 * irqchip, I/O APIC and x2APIC facts; "" until it is applied, which
	 * means the domain XML and seoib's machine-type table. */
	char facts_source[GUEST_FACTS_SOURCE_MAX];
	char emulator[512];       /* <devices><emulator>, "" when none (or longer) */
};

/* Parse domain XML (len bytes). External entities are never resolved and
 * nothing is fetched from the network; libxml2's own messages never reach
 * stderr, the first one becomes err. Returns 0, GUEST_XML_TOO_COMPLEX with
 * a sentence in err when the XML is larger than GUEST_XML_MAX or over
 * one of the GUEST_XML_MAX_* counts (checked before parsing),
 * or -1 with a sentence in err (malformed XML, not a <domain>, no name,
 * unknown recorded state). */
int guest_facts_from_xml(const char *xml, size_t len, struct guest_facts *facts,
			 char err[SEOIB_MESSAGE_MAX]);

/* Read a domain XML file ("-" is standard input, at most GUEST_XML_MAX
 * bytes) and parse it with guest_facts_from_xml(). */
int guest_facts_load(const char *path, struct guest_facts *facts, char err[SEOIB_MESSAGE_MAX]);

/* The irqchip as decisions print it: "split", "in-kernel", "unknown"
 * (irqchip_unknown), or "userspace" (qemu_lapic: QEMU's own local APIC). */
const char *guest_facts_irqchip_string(const struct guest_facts *facts);

/* Who answered the irqchip, I/O APIC and x2APIC facts: facts_source, or
 * "the domain XML and seoib's machine-type table" before QEMU was asked. */
const char *guest_facts_source(const struct guest_facts *facts);

/* How sure seoib is that the guest runs Windows; why (may be NULL, size
 * bytes) gets the signals as a sentence fragment ("libosinfo id
 * http://microsoft.com/win/11"). docs/policy.md, "Who is the victim". */
enum guest_windows guest_facts_windows(const struct guest_facts *facts, char *why, size_t size);

/* Is the guest the victim KVM names (kvm_apic_set_version(): "Windows with
 * Hyper-V role"): Windows, at any level above, whose CPU may have vmx/svm.
 * why (may be NULL) gets the reason as a sentence fragment. */
enum guest_victim guest_facts_victim(const struct guest_facts *facts, char *why, size_t size);

/* guest_facts_victim() == VICTIM_YES. */
bool guest_facts_at_risk(const struct guest_facts *facts);

/* The signals that VBS / Credential Guard can run (vmx/svm, Secure Boot,
 * TPM), counted only for a guest that may run Windows (0 otherwise): 0 to 3. */
int guest_facts_vbs_signals(const struct guest_facts *facts);

/* "present", "absent", "unknown". */
const char *guest_x2apic_to_string(enum guest_x2apic x);
/* "yes", "likely", "possible", "no", "unknown". */
const char *guest_windows_to_string(enum guest_windows w);
const char *guest_victim_to_string(enum guest_victim v); /* "no", "yes", "unknown" */
