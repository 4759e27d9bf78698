/* Who this host is (lib/record/host_identity.c): the identity a host record
 * carries, by which a reader tells this host's record, and this boot's, from
 * another's. */
#pragma once

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
