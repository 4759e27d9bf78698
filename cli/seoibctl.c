/* seoibctl: dispatch to one sub-command per file.
 *
 * One binary for every command. It links only the core and libsystemd, so
 * that probe, policy, status and the hook start in a few milliseconds;
 * libvirt, libcurl and libcrypto are loaded with dlopen() by the first call
 * into them (check, apply, fleet, policy --domain; cli/dlopen_library.h),
 * as systemd loads its optional libraries (docs/layout.md, "The binaries"). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "build_config.h"
#include "seoib/cleanup.h"
#include "seoib/escape.h"
#include "seoib/exit_codes.h"

struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
	{"probe", cmd_probe, "probe this host's KVM and VMM; print the host record"},
	{"policy", cmd_policy, "decide a guest's Directed EOI state from its domain XML"},
	{"status", cmd_status, "show the record the daemon published and its age"},
	{"reprobe", cmd_reprobe, "ask seoibd to probe again"},
	{"check", cmd_check, "can this host's guests migrate to --dest HOST?"},
	{"apply", cmd_apply, "record a domain's decided state, or apply a remediation to its definition"},
	{"audit", cmd_audit, "every guest of this host: would the hook refuse it, and what to do"},
	{"ack", cmd_ack, "acknowledge that a guest may start at risk here (or --remove it)"},
	{"forget-state", cmd_forget_state, "clear the state recorded in a shut-off guest's definition"},
	{"hook", cmd_hook, "libvirt qemu hook entry point"},
	{"fleet", cmd_fleet, "the fleet inventory"},
	{"check-config", cmd_check_config, "check seoib.conf as seoibd and the hook read it"},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl COMMAND [OPTIONS]\n\n"
		     "Host compatibility probe and policy for KVM Directed EOI.\n\nCommands:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(out, "  %-13s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'seoibctl COMMAND --help' for a command's options; see seoibctl(1).\n"
		     "Exit status: 0 ok/safe, 1 unsafe or refused, 2 usage or internal error, 3 unknown.\n");
}

int main(int argc, char **argv)
{
	/* Guest names and record strings reach the terminal in many messages:
	 * they are escaped once, here, on their way out. */
	if (text_escape_std_streams() < 0) {
		fprintf(stderr, "seoibctl: cannot set up output escaping: %s\n", strerror(errno));
		return SEOIB_EXIT_ERROR;
	}
	if (argc < 2) {
		usage(stderr);
		return SEOIB_EXIT_ERROR;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return SEOIB_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("seoibctl %s\n", SEOIB_VERSION);
		return SEOIB_EXIT_OK;
	}
	for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "seoibctl: unknown command '%s'; run 'seoibctl --help' for the list.\n", argv[1]);
	return SEOIB_EXIT_ERROR;
}
