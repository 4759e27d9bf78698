/* STUB: being written. */
#include <stdio.h>
#include "commands.h"
#include "seoib/exit_codes.h"

int cmd_probe(int argc, char **argv)
{
	return SEOIB_EXIT_ERROR;
}
