/* STUB: seoibctl reprobe (a later issue). */
#include <stdio.h>
#include "commands.h"
#include "seoib/exit_codes.h"

int cmd_reprobe(int argc, char **argv)
{
	fprintf(stderr, "seoibctl reprobe: not implemented yet in this build\n");
	return SEOIB_EXIT_ERROR;
}
