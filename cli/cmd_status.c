/* STUB: seoibctl status (a later issue). */
#include <stdio.h>
#include "commands.h"
#include "seoib/exit_codes.h"

int cmd_status(int argc, char **argv)
{
	fprintf(stderr, "seoibctl status: not implemented yet in this build\n");
	return SEOIB_EXIT_ERROR;
}
