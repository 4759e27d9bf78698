/* STUB: seoibctl check (a later issue). */
#include <stdio.h>
#include "commands.h"
#include "seoib/exit_codes.h"

int cmd_check(int argc, char **argv)
{
	fprintf(stderr, "seoibctl check: not implemented yet in this build\n");
	return SEOIB_EXIT_ERROR;
}
