/* seoib's own metadata element in a domain's XML (lib/guest/guest_metadata.c),
 * the state seoib chose for the guest, where and when:
 *   <seoib:guest xmlns:seoib="https://seoib.org/xmlns/libvirt/guest/1"
 *                state="respected" host="hv1" decided="2026-11-23T09:40:00Z"/>
 * written through virDomainSetMetadata(VIR_DOMAIN_METADATA_ELEMENT), which
 * adds the namespace and prefix, and read back from the domain XML. */
#pragma once

#include <stdint.h>

#include "seoib/sentence.h"
#include "seoib/states.h"

#define SEOIB_METADATA_URI "https://seoib.org/xmlns/libvirt/guest/1"
#define SEOIB_METADATA_PREFIX "seoib"
#define SEOIB_METADATA_ELEMENT "guest"

struct guest_facts;
struct _xmlXPathContext;

/* The element for state, chosen on hostname at when (seconds since the
 * epoch, written as UTC), to pass to virDomainSetMetadata() with
 * SEOIB_METADATA_URI and SEOIB_METADATA_PREFIX. NULL when out of memory;
 * free() it. */
char *guest_metadata_element(enum seoib_state state, const char *hostname, int64_t when);

/* Read the element from a domain XML's /domain/metadata (ctx: an XPath
 * context with SEOIB_METADATA_PREFIX bound to SEOIB_METADATA_URI) into facts:
 * has_recorded_state, recorded_state, recorded_host, recorded_decided; facts
 * must hold the guest's name. No element is not an error (returns 0). A
 * second element, or a state seoib does not know, returns -1 with a sentence
 * in err: guessing could change a running guest's state on migration. */
int guest_metadata_read(struct _xmlXPathContext *ctx, struct guest_facts *facts, char err[SEOIB_MESSAGE_MAX]);
