/* The lean seoibctl links no libvirt: its dispatcher hands policy --domain to
 * seoibctl-full before cmd_policy() runs, so this is never reached; it keeps
 * cmd_policy.c one file for both binaries. */
#include <stdio.h>

#include "libvirt_conn.h"
#include "seoib/sentence.h"

int libvirt_domain_xml(const char *uri, const char *name, char **xml, char err[SEOIB_MESSAGE_MAX])
{
	*xml = NULL;
	sentence_format(err, SEOIB_MESSAGE_MAX, "cannot read domain %s: this seoibctl was built without libvirt; run seoibctl-full",
		 name);
	return -1;
}
