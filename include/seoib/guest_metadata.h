/* seoib's own metadata element in a domain's XML (lib/guest/guest_metadata.c),
 * the state seoib chose for the guest, where and when:
 *   <seoib:guest xmlns:seoib="https://seoib.org/xmlns/libvirt/guest/1"
 *                state="respected" host="hv1" decided="2026-11-23T09:40:00Z"/>
 * written through virDomainSetMetadata(VIR_DOMAIN_METADATA_ELEMENT), which
 * adds the namespace and prefix, and read back from the domain XML. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "seoib/sentence.h"
#include "seoib/states.h"

#define SEOIB_METADATA_URI "https://seoib.org/xmlns/libvirt/guest/1"
#define SEOIB_METADATA_PREFIX "seoib"
#define SEOIB_METADATA_ELEMENT "guest"

/* The operator's acknowledgement that a guest may start at risk
 * (seoibctl ack), an element of its own namespace, so that seoibd and
 * seoibctl apply, which rewrite the state element above, never touch it,
 * and forget-state, which removes that element, keeps it:
 *   <ack:ack xmlns:ack="https://seoib.org/xmlns/libvirt/ack/1"
 *            reason="VBS off inside, checked" by="root" at="2026-11-23T09:40:00Z"/>
 * Only the start gate reads it (gate_prepare()): an acknowledged guest the
 * policy judges unsafe starts with a warning under hook-mode = enforce. */
#define SEOIB_ACK_URI "https://seoib.org/xmlns/libvirt/ack/1"
#define SEOIB_ACK_PREFIX "ack"
#define SEOIB_ACK_ELEMENT "ack"
/* The longest reason seoibctl ack writes, in bytes; a longer one in an XML
 * is read cut to this bound (the gate only needs to know it is there). */
#define SEOIB_ACK_REASON_MAX 256

struct guest_facts;
struct _xmlXPathContext;
struct _virDomain;

/* The definitions of a libvirt domain a state is written into. */
enum guest_metadata_target {
	GUEST_METADATA_LIVE = 1 << 0,       /* the running guest's (VIR_DOMAIN_AFFECT_LIVE) */
	GUEST_METADATA_PERSISTENT = 1 << 1, /* the one its next start reads (VIR_DOMAIN_AFFECT_CONFIG) */
};

/* The element for state, chosen on hostname at when (seconds since the
 * epoch, written as UTC), to pass to virDomainSetMetadata() with
 * SEOIB_METADATA_URI and SEOIB_METADATA_PREFIX. NULL when out of memory;
 * free() it. */
char *guest_metadata_element(enum seoib_state state, const char *hostname, int64_t when);

/* Which definitions of a running guest get the state it runs in (seoibd
 * keeps them true, docs/seoibd.md): the live one when its element (in
 * `live`, the facts of the live XML) does not say `running`; the
 * persistent one only when it has no state at all, since a state there that
 * differs was written for the next start (seoibctl apply). A mask of
 * enum guest_metadata_target, 0 when nothing is to be written. Pure. */
unsigned guest_metadata_sync_targets(const struct guest_facts *live, bool persistent_lacks_state,
				     enum seoib_state running);

/* Write the element for state, chosen on hostname at when (as
 * guest_metadata_element()), into dom's definitions `targets` (a mask of
 * enum guest_metadata_target) with one virDomainSetMetadata() call
 * (VIR_DOMAIN_METADATA_ELEMENT, SEOIB_METADATA_URI, SEOIB_METADATA_PREFIX).
 * 0, or -1 with libvirt's error left for virGetLastErrorMessage() (or none
 * when out of memory). In lib/guest/guest_metadata_libvirt.c, the one file
 * of lib/guest that calls libvirt (library seoib-libvirt). */
int guest_metadata_write(struct _virDomain *dom, enum seoib_state state, const char *hostname, int64_t when,
			 unsigned targets);

/* Read the element from a domain XML's /domain/metadata (ctx: an XPath
 * context with SEOIB_METADATA_PREFIX bound to SEOIB_METADATA_URI) into facts:
 * has_metadata_state, metadata_state, metadata_host, metadata_decided; facts
 * must hold the guest's name. No element is not an error (returns 0). A
 * second element, or a state seoib does not know, returns -1 with a sentence
 * in err: guessing could change a running guest's state on migration. */
int guest_metadata_read(struct _xmlXPathContext *ctx, struct guest_facts *facts, char err[SEOIB_MESSAGE_MAX]);

/* The acknowledgement element for `reason` (1 to SEOIB_ACK_REASON_MAX bytes
 * of text; libxml2 escapes it), given by user `by` at `when` (seconds since
 * the epoch, written as UTC), to pass to virDomainSetMetadata() with
 * SEOIB_ACK_URI and SEOIB_ACK_PREFIX. NULL when out of memory; free() it. */
char *guest_ack_element(const char *reason, const char *by, int64_t when);

/* Read the acknowledgement from a domain XML's /domain/metadata (ctx with
 * SEOIB_ACK_PREFIX bound to SEOIB_ACK_URI) into facts: acknowledged,
 * ack_reason, ack_by, ack_at. Never an error, since a broken acknowledgement
 * must neither fail the guest's facts (the hook would then follow on-error)
 * nor acknowledge anything: exactly one element with a non-empty reason
 * acknowledges; any other element (two, or no reason) sets ack_invalid with
 * a sentence in ack_why, and the guest is not acknowledged. */
void guest_ack_read(struct _xmlXPathContext *ctx, struct guest_facts *facts);
