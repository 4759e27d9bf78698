/* Bounded libvirt access for seoibctl (see libvirt_conn.h). */
#include <signal.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "libvirt_conn.h"
#include "seoib/exit_codes.h"
#include "seoib/sentence.h"

static char deadline_message[SEOIB_MESSAGE_MAX];

static void on_deadline(int sig)
{
	(void)!write(STDERR_FILENO, deadline_message, strlen(deadline_message));
	_exit(SEOIB_EXIT_ERROR);
}

void libvirt_deadline_arm(const char *what)
{
	struct sigaction sa = {.sa_handler = on_deadline};

	snprintf(deadline_message, sizeof(deadline_message),
		 "seoibctl: %s did not answer within %d s; check that libvirtd is running and responsive\n", what,
		 LIBVIRT_TIMEOUT_S);
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(LIBVIRT_TIMEOUT_S);
}

void libvirt_deadline_disarm(void)
{
	alarm(0);
}

/* libvirt prints every error to stderr by default; we report our own sentence. */
static void quiet_errors(void *opaque, virErrorPtr error)
{
}

const char *libvirt_last_error(void)
{
	const char *msg = virGetLastErrorMessage();

	return msg && msg[0] ? msg : "unknown libvirt error";
}

const char *libvirt_uri_choose(const char *option, const struct seoib_config *cfg, char how[SEOIB_MESSAGE_MAX])
{
	const char *env = getenv("LIBVIRT_DEFAULT_URI");

	if (option) {
		sentence_format(how, SEOIB_MESSAGE_MAX, "%s", "given with -c");
		return option;
	}
	if (env && env[0]) {
		sentence_format(how, SEOIB_MESSAGE_MAX, "%s", "from LIBVIRT_DEFAULT_URI; choose another with -c URI");
		return env;
	}
	if (cfg && cfg->libvirt_uri[0]) {
		sentence_format(how, SEOIB_MESSAGE_MAX, "%s",
			 "libvirt-uri in seoib.conf, where seoibd watches the guests; choose another with -c URI");
		return cfg->libvirt_uri;
	}
	sentence_format(how, SEOIB_MESSAGE_MAX, "%s", "seoib's default, the host's guests; choose another with -c URI");
	return LIBVIRT_URI_DEFAULT;
}

virConnectPtr libvirt_connect(const char *option, const struct seoib_config *cfg, const char **chosen,
			      char how[SEOIB_MESSAGE_MAX], char err[SEOIB_MESSAGE_MAX])
{
	char what[SEOIB_MESSAGE_MAX], own_how[SEOIB_MESSAGE_MAX];
	/* Never libvirt's own default: for a user who is not root it is
	 * qemu:///session, whose empty list would read as an all-clear. */
	const char *uri = libvirt_uri_choose(option, cfg, how ? how : own_how);
	virConnectPtr conn;

	if (chosen)
		*chosen = uri;
	if (libvirt_load(err) < 0)
		return NULL;
	virSetErrorFunc(NULL, quiet_errors);
	if (virInitialize() < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot initialise libvirt: %s", libvirt_last_error());
		return NULL;
	}
	sentence_format(what, sizeof(what), "libvirt at %s", uri);
	libvirt_deadline_arm(what);
	conn = virConnectOpen(uri);
	libvirt_deadline_disarm();
	if (!conn)
		sentence_format(err, SEOIB_MESSAGE_MAX,
			 "cannot connect to libvirt at %s (%s): %s; check the URI, that libvirtd runs, and that this user may "
			 "use it (root, or a member of group libvirt for qemu:///system)",
			 uri, how ? how : own_how, libvirt_last_error());
	return conn;
}

virConnectPtr libvirt_open(const char *uri, char err[SEOIB_MESSAGE_MAX])
{
	return libvirt_connect(uri, NULL, NULL, NULL, err);
}

int libvirt_domain_xml(const char *uri, const char *name, char **xml, char err[SEOIB_MESSAGE_MAX])
{
	return libvirt_domain_xml_at(uri, NULL, name, xml, err);
}

int libvirt_domain_xml_at(const char *option, const struct seoib_config *cfg, const char *name, char **xml,
			  char err[SEOIB_MESSAGE_MAX])
{
	char how[SEOIB_MESSAGE_MAX];
	const char *uri = NULL;
	_cleanup_virconnect_ virConnectPtr conn = libvirt_connect(option, cfg, &uri, how, err);
	_cleanup_virdomain_ virDomainPtr dom = NULL; /* freed before conn closes */

	*xml = NULL;
	if (!conn)
		return -1;
	libvirt_deadline_arm("libvirt (reading a domain's XML)");
	dom = virDomainLookupByName(conn, name);
	if (dom)
		*xml = virDomainGetXMLDesc(dom, 0);
	libvirt_deadline_disarm();
	if (!dom) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "no domain '%s' at %s (%s): %s; check the name with 'virsh -c %s list --all'",
			 name, uri, how, libvirt_last_error(), uri);
		return -1;
	}
	if (!*xml) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot read the XML of domain '%s': %s", name,
			 libvirt_last_error());
		return -1;
	}
	return 0;
}
