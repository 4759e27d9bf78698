/* seoibctl: dispatch to one sub-command per file.
 *
 * Two binaries are built from this file. seoibctl itself links only the core
 * and libsystemd, so that probe, policy, status and the hook start in a few
 * milliseconds; the commands that talk to libvirt or etcd (check, apply,
 * fleet, policy --domain) live in seoibctl-full, which links libvirt and
 * libcurl (65 libraries, ~25 ms of start-up) and which seoibctl executes
 * with the same arguments, as git runs its sub-commands. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

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

#ifdef SEOIBCTL_FULL
#define FULL_ONLY(fn) fn
#else
#define FULL_ONLY(fn) NULL /* run by seoibctl-full */
#endif

static const struct command commands[] = {
	{"probe", cmd_probe, "probe this host's KVM and VMM; print the host record"},
	{"policy", cmd_policy, "decide a guest's Directed EOI state from its domain XML"},
	{"status", cmd_status, "show the record the daemon published and its age"},
	{"reprobe", cmd_reprobe, "ask seoibd to probe again"},
	{"check", FULL_ONLY(cmd_check), "can this host's guests migrate to --dest HOST?"},
	{"apply", FULL_ONLY(cmd_apply), "record a domain's decided state in its libvirt metadata"},
	{"hook", cmd_hook, "libvirt qemu hook entry point"},
	{"fleet", FULL_ONLY(cmd_fleet), "the fleet inventory"},
};

static void usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl COMMAND [OPTIONS]\n\n"
		     "Host compatibility probe and policy for KVM Directed EOI.\n\nCommands:\n");
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fprintf(out, "\nRun 'seoibctl COMMAND --help' for a command's options; see seoibctl(1).\n"
		     "Exit status: 0 ok/safe, 1 unsafe or refused, 2 usage or internal error, 3 unknown.\n");
}

#ifndef SEOIBCTL_FULL
/* seoibctl-full beside this binary (a build tree), else in libexecdir. */
static int run_full(char **argv)
{
	char self[PATH_MAX], path[PATH_MAX + 32];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	path[0] = '\0';
	if (n > 0) {
		self[n] = '\0';
		snprintf(path, sizeof(path), "%s/seoibctl-full", dirname(self));
	}
	if (!path[0] || access(path, X_OK) < 0)
		snprintf(path, sizeof(path), "%s/seoibctl-full", SEOIB_LIBEXECDIR);
	execv(path, argv);
	fprintf(stderr, "seoibctl: cannot run %s for '%s': %s; reinstall seoib.\n", path, argv[1], strerror(errno));
	return SEOIB_EXIT_ERROR;
}

/* policy --domain reads the XML through libvirt. */
static bool needs_libvirt(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
		if (strcmp(argv[i], "--domain") == 0 || strncmp(argv[i], "--domain=", 9) == 0)
			return true;
	return false;
}
#endif

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
#ifndef SEOIBCTL_FULL
		if (!commands[i].run || (commands[i].run == cmd_policy && needs_libvirt(argc - 1, argv + 1)))
			return run_full(argv);
#endif
		return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "seoibctl: unknown command '%s'; run 'seoibctl --help' for the list.\n", argv[1]);
	return SEOIB_EXIT_ERROR;
}
