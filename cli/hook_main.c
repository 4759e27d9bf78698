/* seoib-hook: `seoibctl hook` as its own executable, for libvirt's
 * hooks/qemu.d/50-seoib. It links no libvirt: loading libvirt's ~60 shared
 * libraries was most of a hook call's time, and the hook must never call
 * libvirt anyway (it runs inside libvirtd). */
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
