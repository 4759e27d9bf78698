/* Talking to libvirt from seoibctl (never from the hook: a hook calling back
 * into the daemon that runs it deadlocks). Every call is bounded. */
#pragma once

#include <libvirt/libvirt.h>

#include "seoib/cleanup.h"
#include "seoib/sentence.h"

/* Bound on connecting and on each call, so a wedged daemon cannot hang us. */
#define LIBVIRT_TIMEOUT_S 30

DEFINE_TRIVIAL_CLEANUP(virConnectPtr, virConnectClose)
DEFINE_TRIVIAL_CLEANUP(virDomainPtr, virDomainFree)
#define _cleanup_virconnect_ _cleanup_(virConnectClosep)
#define _cleanup_virdomain_ _cleanup_(virDomainFreep)

/* Load libvirt (cli/libvirt_dlopen.c): seoibctl does not link it, so that
 * the commands without it start fast. 0, or -1 with a sentence naming the
 * package to install. libvirt_open() calls it first. */
int libvirt_load(char err[SEOIB_MESSAGE_MAX]);

/* Open uri (NULL = libvirt's default). NULL with a sentence on failure. */
virConnectPtr libvirt_open(const char *uri, char err[SEOIB_MESSAGE_MAX]);

/* The live XML of domain `name` (the inactive XML when it is not running),
 * which carries seoib's metadata. Returns 0 (free *xml), or -1 with a sentence.
 * cmd_policy uses it for --domain. */
int libvirt_domain_xml(const char *uri, const char *name, char **xml, char err[SEOIB_MESSAGE_MAX]);

/* The last libvirt error as a sentence fragment. */
const char *libvirt_last_error(void);

/* Arm / disarm the bound around a libvirt call; on expiry seoibctl exits 2
 * with a sentence naming what it waited for. */
void libvirt_deadline_arm(const char *what);
void libvirt_deadline_disarm(void);
