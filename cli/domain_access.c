/* One guest of this host, opened by name (see domain_access.h). */
#include <stdio.h>

#include "domain_access.h"
#include "libvirt_conn.h"

/* The one rule of libvirt_uri_choose(): -c, $LIBVIRT_DEFAULT_URI,
 * libvirt-uri, qemu:///system; never libvirt's own default, which is
 * qemu:///session for a user who is not root. */
const char *domain_uri(const char *option, const struct seoib_config *cfg)
{
	char how[SEOIB_MESSAGE_MAX];

	return libvirt_uri_choose(option, cfg, how);
}

const char *domain_uri_name(const char *uri)
{
	return uri ? uri : "libvirt's default URI";
}

virDomainPtr domain_lookup(virConnectPtr conn, const char *uri, const char *name, char err[SEOIB_MESSAGE_MAX])
{
	virDomainPtr dom;

	libvirt_deadline_arm("libvirt (looking a domain up)");
	dom = virDomainLookupByName(conn, name);
	libvirt_deadline_disarm();
	if (!dom)
		sentence_format(err, SEOIB_MESSAGE_MAX, "no domain '%s' at %s: %s; check the name with 'virsh -c %s list --all'",
				name, domain_uri_name(uri), libvirt_last_error(), uri ? uri : "URI");
	return dom;
}

char *domain_xml(virDomainPtr dom, unsigned flags, char err[SEOIB_MESSAGE_MAX])
{
	char *xml;

	libvirt_deadline_arm("libvirt (reading a domain's XML)");
	xml = virDomainGetXMLDesc(dom, flags);
	libvirt_deadline_disarm();
	if (!xml)
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot read the %sXML of domain '%s': %s",
				flags & VIR_DOMAIN_XML_INACTIVE ? "persistent " : "", virDomainGetName(dom),
				libvirt_last_error());
	return xml;
}

int domain_set_metadata(virDomainPtr dom, const char *element, const char *prefix, const char *ns_uri,
			unsigned flags, char err[SEOIB_MESSAGE_MAX])
{
	int r;

	libvirt_deadline_arm("libvirt (setting the domain's metadata)");
	r = virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, element, element ? prefix : NULL, ns_uri, flags);
	libvirt_deadline_disarm();
	if (r < 0)
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot %s the %s metadata of '%s': %s",
				element ? "set" : "remove", ns_uri, virDomainGetName(dom), libvirt_last_error());
	return r;
}
