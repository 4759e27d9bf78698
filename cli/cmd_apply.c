/* STUB: seoibctl apply (a later issue). */
#include <stdio.h>
#include "commands.h"
#include "seoib/exit_codes.h"

int cmd_apply(int argc, char **argv)
{
	fprintf(stderr, "seoibctl apply: not implemented yet in this build\n");
	return SEOIB_EXIT_ERROR;
}
