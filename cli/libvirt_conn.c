/* Bounded libvirt access for seoibctl (see libvirt_conn.h). */
#include <signal.h>
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

virConnectPtr libvirt_open(const char *uri, char err[SEOIB_MESSAGE_MAX])
{
	char what[SEOIB_MESSAGE_MAX];
	virConnectPtr conn;

	if (libvirt_load(err) < 0)
		return NULL;
	virSetErrorFunc(NULL, quiet_errors);
	if (virInitialize() < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot initialise libvirt: %s", libvirt_last_error());
		return NULL;
	}
	sentence_format(what, sizeof(what), "libvirt at %s", uri ? uri : "the default URI");
	libvirt_deadline_arm(what);
	conn = virConnectOpen(uri);
	libvirt_deadline_disarm();
	if (!conn)
		sentence_format(err, SEOIB_MESSAGE_MAX,
			 "cannot connect to libvirt at %s: %s; check the URI (-c) and that libvirtd runs",
			 uri ? uri : "the default URI", libvirt_last_error());
	return conn;
}

int libvirt_domain_xml(const char *uri, const char *name, char **xml, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_virconnect_ virConnectPtr conn = libvirt_open(uri, err);
	_cleanup_virdomain_ virDomainPtr dom = NULL;

	*xml = NULL;
	if (!conn)
		return -1;
	libvirt_deadline_arm("libvirt (reading a domain's XML)");
	dom = virDomainLookupByName(conn, name);
	if (dom)
		*xml = virDomainGetXMLDesc(dom, 0);
	libvirt_deadline_disarm();
	if (!dom) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "no domain '%s' at %s: %s; check the name with 'virsh list --all'",
			 name, uri ? uri : "the default URI", libvirt_last_error());
		return -1;
	}
	if (!*xml) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot read the XML of domain '%s': %s", name,
			 libvirt_last_error());
		return -1;
	}
	return 0;
}
