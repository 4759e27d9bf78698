/* How libvirt launched a guest's QEMU (see seoib/qemu_launch.h): libvirt's
 * PID file, then the process's own command line, both bounded. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seoib/cleanup.h"
#include "seoib/fileio.h"
#include "seoib/qemu_launch.h"
#include "seoib/sentence.h"
#include "seoib/trusted_path.h"

/* QEMU's options that take no argument (those qemu-options.hx declares
 * without HAS_ARG, past and present). Every other option takes the next
 * argument as its value, whatever it looks like (lookup_opt(), system/vl.c):
 * a guest's <os><cmdline> reaches QEMU as the value of -append, a snapshot
 * name as that of -loadvm, so "-incoming" there is no -incoming. An
 * option missing here and taking none puts the walk out of step, which the
 * first value read as an option then shows (see read_options()). */
static const char *const no_argument[] = {
	"S", "s", "h", "help", "version", "snapshot", "nographic", "portrait", "full-screen", "no-frame",
	"alt-grab", "ctrl-grab", "no-quit", "sdl", "curses", "show-cursor", "no-fd-bootchk", "no-acpi",
	"no-hpet", "win2k-hack", "rtc-td-hack", "no-reboot", "no-shutdown", "singlestep", "one-insn-per-tb",
	"daemonize", "nodefaults", "nodefconfig", "no-user-config", "enable-kvm", "no-kvm", "no-kvm-irqchip",
	"no-kvm-pit-reinjection", "enable-nesting", "xen-attach", "xen-domid-restrict",
	"xen-create", "mem-prealloc", "preconfig", "only-migratable", "enable-fips", "enable-sync-profile",
	"usb", "semihosting", "old-param", "perfmap", "jitdump", "async-teardown", "audio-help",
	"kernel-kqemu", "no-kqemu", "enable-kqemu", "localtime", "tdf", "std-vga", "vmwarevga",
};

static bool takes_argument(const char *name)
{
	for (size_t i = 0; i < sizeof(no_argument) / sizeof(no_argument[0]); i++)
		if (strcmp(name, no_argument[i]) == 0)
			return false;
	return true;
}

/* QEMU takes an option with one dash or two (lookup_opt()): its name, or
 * NULL for what QEMU takes as a disk image (no dash, or "-" alone). */
static const char *option_name(const char *arg)
{
	if (arg[0] != '-' || arg[1] == '\0')
		return NULL;
	return arg[1] == '-' ? arg + 2 : arg + 1;
}

/* The options of argv[0..len) as QEMU reads them, argv[0] aside: each
 * option, then its value when it takes one. Sets *ours when -uuid's value
 * is uuid (case-insensitively) and *incoming when -incoming is an option.
 * False when an argument stands where an option must (QEMU's disk image,
 * which libvirt never passes): the walk is out of step, so neither can be
 * told. */
static bool read_options(const char *argv, size_t len, const char *uuid, bool *ours, bool *incoming)
{
	bool value_next = false, uuid_next = false, first = true;

	/* Each argument ends in a NUL; a last one without (cut short) still
	 * counts, never read past len. */
	for (size_t i = 0; i < len;) {
		const char *arg = argv + i;
		size_t n = strnlen(arg, len - i);
		const char *name;
		char one[64];

		i += n + 1;
		if (first) { /* the program */
			first = false;
			continue;
		}
		/* Copied NUL-terminated: only short arguments can be one of ours,
		 * and a longer option name is none QEMU has (it takes a value). */
		if (n >= sizeof(one)) {
			if (!value_next && arg[0] != '-')
				return false;
			value_next = !value_next;
			uuid_next = false;
			continue;
		}
		memcpy(one, arg, n);
		one[n] = '\0';
		if (value_next) {
			if (uuid_next && strcasecmp(one, uuid) == 0)
				*ours = true;
			value_next = uuid_next = false;
			continue;
		}
		name = option_name(one);
		if (!name)
			return false;
		if (strcmp(name, "incoming") == 0)
			*incoming = true;
		value_next = takes_argument(name);
		uuid_next = strcmp(name, "uuid") == 0;
	}
	return true;
}

void qemu_launch_from_cmdline(const char *argv, size_t len, const char *uuid, const char *what,
			      struct qemu_launch_fact *fact)
{
	bool ours = false, incoming = false;

	if (!read_options(argv, len, uuid, &ours, &incoming)) {
		fact->launch = QEMU_LAUNCH_UNKNOWN;
		sentence_format(fact->why, sizeof(fact->why),
				"%s has an argument where QEMU takes an option, which libvirt never passes, so seoib cannot read its options",
				what);
		return;
	}
	if (!ours) {
		fact->launch = QEMU_LAUNCH_UNKNOWN;
		sentence_format(fact->why, sizeof(fact->why), "%s does not carry -uuid %s on its command line, so it is not that guest's QEMU",
				what, uuid);
		return;
	}
	fact->launch = incoming ? QEMU_LAUNCH_INCOMING : QEMU_LAUNCH_FRESH;
	sentence_format(fact->why, sizeof(fact->why), "%s %s", what,
			incoming ? "was started with -incoming, to receive a migration or a restore"
				 : "has no -incoming on its command line");
}

/* The PID in libvirt's PID file: decimal digits, an optional newline. */
static int parse_pid(const char *text, size_t len, pid_t *pid)
{
	long v = 0;
	size_t i = 0;

	for (; i < len && text[i] >= '0' && text[i] <= '9'; i++) {
		v = v * 10 + (text[i] - '0');
		if (v > 4194304) /* PID_MAX_LIMIT, include/linux/threads.h */
			return -1;
	}
	if (i == 0 || (i < len && !(text[i] == '\n' && i + 1 == len)) || v < 2)
		return -1;
	*pid = (pid_t)v;
	return 0;
}

void qemu_launch_read(const char *state_dir, const char *name, const char *uuid, struct qemu_launch_fact *fact)
{
	_cleanup_free_ char *text = NULL, *cmdline = NULL;
	_cleanup_close_ int dfd = -1, fd = -1;
	char file[300], full[4400], path[64], what[SEOIB_MESSAGE_MAX], inner[SEOIB_MESSAGE_MAX];
	struct stat st;
	size_t len;
	pid_t pid;
	int r;

	fact->launch = QEMU_LAUNCH_UNKNOWN;
	/* libvirt refuses a name with '/' (virDomainDefParse); still, never
	 * let the XML name another file. A leading dot is libvirt's too
	 * (".vm1.pid"), and NAME.pid is never "." or "..". */
	if (!name[0] || strchr(name, '/') ||
	    (size_t)snprintf(file, sizeof(file), "%s.pid", name) >= sizeof(file)) {
		sentence_format(fact->why, sizeof(fact->why), "the guest name '%s' cannot name libvirt's PID file", name);
		return;
	}
	dfd = trusted_path_open_dir(state_dir, TRUSTED_NOT_SERVICE, inner);
	if (dfd < 0) {
		sentence_format(fact->why, sizeof(fact->why), "libvirt's QEMU state directory is not usable: %s", inner);
		return;
	}
	fd = open_regular_file(dfd, file, O_NOFOLLOW, &st, inner);
	if (fd < 0) {
		sentence_format(fact->why, sizeof(fact->why), "libvirt's PID file %s/%s %s", state_dir, file, inner);
		return;
	}
	snprintf(full, sizeof(full), "%s/%s", state_dir, file);
	if (!trusted_path_stat_ok(full, &st, true, TRUSTED_NOT_SERVICE, inner)) {
		sentence_format(fact->why, sizeof(fact->why), "libvirt's PID file is not trusted: %s", inner);
		return;
	}
	r = read_fd_bounded(fd, QEMU_LAUNCH_PIDFILE_MAX, &text, &len, inner);
	if (r < 0 || parse_pid(text, len, &pid) < 0) {
		sentence_format(fact->why, sizeof(fact->why), "%s %s", full, r < 0 ? inner : "does not hold one process ID");
		return;
	}
	snprintf(path, sizeof(path), "/proc/%ld/cmdline", (long)pid);
	r = read_regular_file_bounded(AT_FDCWD, path, O_NOFOLLOW, QEMU_LAUNCH_CMDLINE_MAX, &cmdline, &len, inner);
	if (r < 0) {
		sentence_format(fact->why, sizeof(fact->why), "the command line of pid %ld, from %s, %s", (long)pid, full,
				inner);
		return;
	}
	sentence_format(what, sizeof(what), "the QEMU of '%s', pid %ld,", name, (long)pid);
	qemu_launch_from_cmdline(cmdline, len, uuid, what, fact);
}
