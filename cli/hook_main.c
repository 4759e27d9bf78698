/* seoib-hook: `seoibctl hook` under its own path, the one libvirt's
 * hooks/qemu.d/50-seoib runs. Like seoibctl it links no libvirt (the hook must
 * never call libvirt: it runs inside libvirtd); it starts no faster than
 * `seoibctl hook` (docs/layout.md, "The binaries"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "seoib/escape.h"
#include "seoib/exit_codes.h"

int main(int argc, char **argv)
{
	/* What libvirt shows the user comes from our stderr (see seoibctl.c). */
	if (text_escape_std_streams() < 0) {
		fprintf(stderr, "seoib: cannot set up output escaping: %s\n", strerror(errno));
		return SEOIB_EXIT_ERROR;
	}
	return cmd_hook(argc, argv);
}
