/* seoib's metadata element written into a libvirt domain
 * (seoib/guest_metadata.h): the one call of virDomainSetMetadata() for the
 * state element, apart from the core so that binaries without libvirt (the
 * hook, the probe) never link it. */
#include <libvirt/libvirt.h>
#include <stdlib.h>

#include "seoib/cleanup.h"
#include "seoib/guest_metadata.h"

int guest_metadata_write(virDomainPtr dom, enum seoib_state state, const char *hostname, int64_t when,
			 unsigned targets)
{
	_cleanup_free_ char *element = guest_metadata_element(state, hostname, when);
	unsigned flags = 0;

	if (!element)
		return -1;
	if (targets & GUEST_METADATA_LIVE)
		flags |= VIR_DOMAIN_AFFECT_LIVE;
	if (targets & GUEST_METADATA_PERSISTENT)
		flags |= VIR_DOMAIN_AFFECT_CONFIG;
	return virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, element, SEOIB_METADATA_PREFIX,
				    SEOIB_METADATA_URI, flags);
}
