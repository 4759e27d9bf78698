/* seoib-hook: `seoibctl hook` as its own executable, for libvirt's
 * hooks/qemu.d/50-seoib. It links no libvirt: loading libvirt's ~60 shared
 * libraries was most of a hook call's time, and the hook must never call
 * libvirt anyway (it runs inside libvirtd). */
#include "commands.h"

int main(int argc, char **argv)
{
	return cmd_hook(argc, argv);
}
