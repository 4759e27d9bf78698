/* When a host record is current (see seoib/record_current.h). */
#include <stdio.h>
#include <string.h>

#include "seoib/host_identity.h"
#include "seoib/record_current.h"
#include "seoib/sentence.h"

bool host_record_is_own(const struct host_record *rec, const struct host_identity *here)
{
	return rec->host.machine_id[0] && strcmp(rec->host.machine_id, here->machine_id) == 0 &&
	       host_names_same(rec->host.hostname, here->hostname);
}

bool host_record_this_boot(const struct host_record *rec, const struct host_identity *here, const char *path,
			   char why[SEOIB_MESSAGE_MAX])
{
	why[0] = '\0';
	if (here->boot_id[0] && strcmp(rec->host.boot_id, here->boot_id) != 0)
		sentence_format(why, SEOIB_MESSAGE_MAX,
			 "the host record %s is from another boot of this host (boot_id %s, this boot %s): it may not describe the running kernel; let seoibd probe again (seoibctl reprobe, or start seoibd)",
			 path, rec->host.boot_id[0] ? rec->host.boot_id : "(none)", here->boot_id);
	else if (here->kernel_release[0] && strcmp(rec->host.kernel_release, here->kernel_release) != 0)
		sentence_format(why, SEOIB_MESSAGE_MAX,
			 "the host record %s describes kernel %s, but this host runs %s; let seoibd probe again (seoibctl reprobe, or start seoibd)",
			 path, rec->host.kernel_release[0] ? rec->host.kernel_release : "(none)", here->kernel_release);
	return why[0] == '\0';
}

bool host_record_young_enough(const struct host_record *rec, int64_t now, unsigned max_age_s, const char *path,
			      char why[SEOIB_MESSAGE_MAX])
{
	char fragment[SEOIB_MESSAGE_MAX];
	int64_t age;

	why[0] = '\0';
	/* One staleness rule (future dates, overflow, max-record-age) for
	 * every reader: host_record_age_check()'s. */
	if (host_record_age_check(rec, now, max_age_s, &age, fragment))
		return true;
	sentence_format(why, SEOIB_MESSAGE_MAX, "the host record %s %s; run 'seoibctl reprobe' on %s", path, fragment,
		 rec->host.hostname[0] ? rec->host.hostname : "its host");
	return false;
}
