/* Who this host is (lib/record/host_identity.c): the identity a host record
 * carries, by which a reader tells this host's record, and this boot's, from
 * another's. */
#pragma once
#include <stdbool.h>

struct host_identity {
	char hostname[256];
	char machine_id[64];
	char boot_id[64];
	char kernel_release[128];
	char cpu_vendor[32];
};

/* Fill id from gethostname(2), uname(2)'s release, /etc/machine-id,
 * /proc/sys/kernel/random/boot_id and /proc/cpuinfo's vendor_id. A file that
 * cannot be read leaves its field empty: no errors, since a record is still
 * worth having without them. */
void host_identity_read(struct host_identity *id);

/* seoibd --boot-id: the boot ID its service manager gave, which every later
 * host_identity_read() in this process returns instead of /proc's, so that
 * seoibd judges its own record (its watchers, its audit) against the boot
 * ID it recorded: in a container the service's sandbox sees the host
 * kernel's boot ID in /proc, the hook the container's (docs/seoibd.md, "The
 * boot identity, also in a container"). NULL or "" goes back to /proc's.
 * Call before any thread reads an identity. */
void host_identity_set_boot_id(const char *boot_id);

/* The one rule for "same host", for every reader of a host name: the fleet
 * backends (a record fetched for a name), seoibctl fleet (this host among
 * the records) and check. Do a and b name the same host? As DNS names,
 * without regard to case (RFC 4343), and a short name matches a fully
 * qualified one whose first label it is (gethostname(2) often returns the
 * short name where seoibd's peers publish the FQDN, or the reverse). Two
 * qualified names must be equal. */
bool host_names_same(const char *a, const char *b);
