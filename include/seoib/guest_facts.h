/* What seoib needs to know about a guest, read from its libvirt domain XML. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "seoib/kvm_probe.h"
#include "seoib/states.h"

/* seoib's own metadata element in the domain XML (virDomainSetMetadata):
 *   <seoib:guest xmlns:seoib="https://seoib.org/xmlns/libvirt/guest/1"
 *                state="respected" host="h1" decided="2026-11-23T09:40:00Z"/> */
#define SEOIB_METADATA_URI "https://seoib.org/xmlns/libvirt/guest/1"
#define SEOIB_METADATA_PREFIX "seoib"
#define SEOIB_METADATA_ELEMENT "guest"

struct guest_facts {
	char name[256];
	char uuid[64];
	char machine[128];        /* <os><type machine=...> */
	enum irqchip_mode irqchip;
	char irqchip_why[256];    /* what made it split / in-kernel */
	unsigned ioapic_version;  /* 0x11 or 0x20 */
	char ioapic_why[256];
	char os_id[256];          /* libosinfo os id, "" if none */
	bool windows;
	bool hyperv;              /* <hyperv> enlightenments present */
	bool nested_virt;         /* vmx/svm exposed to the guest (VBS needs it) */
	bool secure_boot;
	bool tpm;
	bool has_recorded_state;  /* seoib metadata element present */
	enum seoib_state recorded_state;
	char recorded_host[256];  /* host that recorded it, "" if unknown */
};

/* Parse domain XML (len bytes). Returns 0, or -1 with a sentence in err. */
int guest_facts_from_xml(const char *xml, size_t len, struct guest_facts *facts,
			 char err[SEOIB_MESSAGE_MAX]);

/* A guest known to suffer the interrupt storm (Windows with Hyper-V / VBS). */
bool guest_facts_at_risk(const struct guest_facts *facts);
