/* Talking to libvirt from seoibctl (never from the hook: a hook calling back
 * into the daemon that runs it deadlocks). Every call is bounded. */
#pragma once

#include <libvirt/libvirt.h>

#include "seoib/cleanup.h"
#include "seoib/config.h"
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

/* The URI seoibd's guests live at, and the one seoibctl opens unless told
 * otherwise: libvirt's own default is qemu:///session for a user who is not
 * root, where no guest of the host's is (docs/libvirt.md). */
#define LIBVIRT_URI_DEFAULT "qemu:///system"

/* The URI seoibctl opens: option (-c URI) when given, else
 * $LIBVIRT_DEFAULT_URI when set, else cfg's libvirt-uri (cfg may be NULL;
 * an empty one is skipped), else LIBVIRT_URI_DEFAULT, whoever runs it. how
 * gets the words that say where it came from and how to choose another,
 * for every sentence that names the URI. Never NULL. */
const char *libvirt_uri_choose(const char *option, const struct seoib_config *cfg, char how[SEOIB_MESSAGE_MAX]);

/* Open the URI libvirt_uri_choose(option, cfg) picks; *chosen and how
 * (each may be NULL) get it and its words. NULL with a sentence naming the
 * URI on failure. */
virConnectPtr libvirt_connect(const char *option, const struct seoib_config *cfg, const char **chosen,
			      char how[SEOIB_MESSAGE_MAX], char err[SEOIB_MESSAGE_MAX]);
/* libvirt_connect(uri, NULL, NULL, NULL, err). */
virConnectPtr libvirt_open(const char *uri, char err[SEOIB_MESSAGE_MAX]);

/* The live XML of domain `name` at uri (NULL as for libvirt_open()); the
 * inactive XML when it is not running, which carries seoib's metadata. Returns 0 (free *xml), or -1 with a sentence.
 * cmd_policy uses it for --domain. */
int libvirt_domain_xml(const char *uri, const char *name, char **xml, char err[SEOIB_MESSAGE_MAX]);
/* The same at the URI libvirt_uri_choose(option, cfg) picks; a missing
 * domain's sentence names that URI and how to choose another. */
int libvirt_domain_xml_at(const char *option, const struct seoib_config *cfg, const char *name, char **xml,
			  char err[SEOIB_MESSAGE_MAX]);

/* The last libvirt error as a sentence fragment. */
const char *libvirt_last_error(void);

/* Arm / disarm the bound around a libvirt call; on expiry seoibctl exits 2
 * with a sentence naming what it waited for. */
void libvirt_deadline_arm(const char *what);
void libvirt_deadline_disarm(void);
