/* libvirt, loaded when a command first calls it (see dlopen_library.h):
 * check, apply and policy --domain. The hook never calls libvirt (it runs
 * inside libvirtd), so it never loads it. Each function seoibctl calls is
 * listed once below, with its parameters and the arguments it passes on;
 * libvirt's own header declares it, so a wrong signature does not compile. */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "dlopen_library.h"
#include "libvirt_conn.h"

/* X(return type, name, (parameters), (arguments)); V(...) for a void one. */
#define LIBVIRT_FUNCTIONS(X, V, H)                                                                                     \
	X(int, virInitialize, (void), ())                                                                              \
	X(virConnectPtr, virConnectOpen, (const char *name), (name))                                                   \
	X(int, virConnectClose, (virConnectPtr conn), (conn))                                                          \
	X(int, virConnectListAllDomains, (virConnectPtr conn, virDomainPtr **domains, unsigned int flags),             \
	  (conn, domains, flags))                                                                                      \
	X(virDomainPtr, virDomainLookupByName, (virConnectPtr conn, const char *name), (conn, name))                   \
	X(virDomainPtr, virDomainDefineXML, (virConnectPtr conn, const char *xml), (conn, xml))                        \
	X(int, virDomainFree, (virDomainPtr domain), (domain))                                                         \
	X(virConnectPtr, virDomainGetConnect, (virDomainPtr domain), (domain))                                         \
	X(const char *, virDomainGetName, (virDomainPtr domain), (domain))                                             \
	X(char *, virDomainGetXMLDesc, (virDomainPtr domain, unsigned int flags), (domain, flags))                     \
	X(int, virDomainIsActive, (virDomainPtr domain), (domain))                                                     \
	X(int, virDomainIsPersistent, (virDomainPtr domain), (domain))                                                 \
	X(int, virDomainGetAutostart, (virDomainPtr domain, int *autostart), (domain, autostart))                      \
	X(int, virDomainSetMetadata,                                                                                   \
	  (virDomainPtr domain, int type, const char *metadata, const char *key, const char *uri, unsigned int flags), \
	  (domain, type, metadata, key, uri, flags))                                                                   \
	X(const char *, virGetLastErrorMessage, (void), ())                                                            \
	V(void, virSetErrorFunc, (void *opaque, virErrorFunc handler), (opaque, handler))

DLOPEN_LIBRARY(LIBVIRT_FUNCTIONS, "libvirt.so.0", "libvirt0", "to talk to libvirt")

int libvirt_load(char err[SEOIB_MESSAGE_MAX])
{
	return dlopen_library_load(&library, err);
}
