/* Who this host is: the identity a host record carries. */
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "seoib/cleanup.h"
#include "seoib/host_identity.h"

/* Copy the first line of a small file, or leave dst empty. */
static void read_first_line(const char *path, char *dst, size_t size)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");

	dst[0] = '\0';
	if (!f || !fgets(dst, (int)size, f))
		return;
	dst[strcspn(dst, "\n")] = '\0';
}

static void read_cpu_vendor(char *dst, size_t size)
{
	_cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
	char line[256];

	dst[0] = '\0';
	while (f && fgets(line, sizeof(line), f)) {
		char *colon = strchr(line, ':');

		if (strncmp(line, "vendor_id", 9) != 0 || !colon)
			continue;
		colon += strspn(colon + 1, " \t") + 1;
		snprintf(dst, size, "%s", colon);
		dst[strcspn(dst, "\n")] = '\0';
		return;
	}
}

/* host_identity_set_boot_id()'s, "" for /proc's. */
static char boot_id_given[sizeof(((struct host_identity *)0)->boot_id)];

void host_identity_set_boot_id(const char *boot_id)
{
	snprintf(boot_id_given, sizeof(boot_id_given), "%s", boot_id ? boot_id : "");
}

void host_identity_read(struct host_identity *id)
{
	struct utsname u;

	memset(id, 0, sizeof(*id));
	if (gethostname(id->hostname, sizeof(id->hostname) - 1) < 0)
		id->hostname[0] = '\0';
	if (uname(&u) == 0)
		snprintf(id->kernel_release, sizeof(id->kernel_release), "%s", u.release);
	read_first_line("/etc/machine-id", id->machine_id, sizeof(id->machine_id));
	if (boot_id_given[0])
		snprintf(id->boot_id, sizeof(id->boot_id), "%s", boot_id_given);
	else
		read_first_line("/proc/sys/kernel/random/boot_id", id->boot_id, sizeof(id->boot_id));
	read_cpu_vendor(id->cpu_vendor, sizeof(id->cpu_vendor));
}

bool host_names_same(const char *a, const char *b)
{
	size_t la = strcspn(a, "."), lb = strcspn(b, ".");

	if (strcasecmp(a, b) == 0)
		return true;
	if ((a[la] == '\0') == (b[lb] == '\0')) /* both short, or both qualified */
		return false;
	return la == lb && strncasecmp(a, b, la) == 0;
}
