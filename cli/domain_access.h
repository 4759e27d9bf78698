/* One guest of this host, opened by name for the commands that read or
 * change its definition (ack, forget-state, apply, audit): which libvirt
 * URI they use, the lookup, and seoib's metadata written through
 * virDomainSetMetadata(). Every libvirt call is bounded (libvirt_conn.h). */
#pragma once

#include <libvirt/libvirt.h>

#include "seoib/config.h"
#include "seoib/sentence.h"

/* The URI these commands talk to, by libvirt_uri_choose()'s one rule: -c URI
 * when given, else $LIBVIRT_DEFAULT_URI, else seoib.conf's libvirt-uri, else
 * qemu:///system (the URI seoibd watches). Never NULL. */
const char *domain_uri(const char *option, const struct seoib_config *cfg);

/* The URI as sentences name it: uri, or "libvirt's default URI". */
const char *domain_uri_name(const char *uri);

/* Look domain `name` up on conn. NULL with a sentence naming the URI. */
virDomainPtr domain_lookup(virConnectPtr conn, const char *uri, const char *name, char err[SEOIB_MESSAGE_MAX]);

/* The domain's XML: with VIR_DOMAIN_XML_INACTIVE, its persistent
 * definition, what its next start runs. NULL with a sentence. */
char *domain_xml(virDomainPtr dom, unsigned flags, char err[SEOIB_MESSAGE_MAX]);

/* virDomainSetMetadata(VIR_DOMAIN_METADATA_ELEMENT) of `element` (NULL
 * removes it) under namespace ns_uri with prefix, for flags
 * (VIR_DOMAIN_AFFECT_CONFIG and/or _LIVE). 0, or -1 with a sentence. */
int domain_set_metadata(virDomainPtr dom, const char *element, const char *prefix, const char *ns_uri,
			unsigned flags, char err[SEOIB_MESSAGE_MAX]);
