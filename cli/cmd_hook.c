/* STUB: seoibctl hook (a later issue). */
#include <stdio.h>
#include "commands.h"
#include "seoib/exit_codes.h"

int cmd_hook(int argc, char **argv)
{
	fprintf(stderr, "seoibctl hook: not implemented yet in this build\n");
	return SEOIB_EXIT_ERROR;
}
