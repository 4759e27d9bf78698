/* STUB: seoibctl fleet (a later issue). */
#include <stdio.h>
#include "commands.h"
#include "seoib/exit_codes.h"

int cmd_fleet(int argc, char **argv)
{
	fprintf(stderr, "seoibctl fleet: not implemented yet in this build\n");
	return SEOIB_EXIT_ERROR;
}
