/* How libvirt launched a running guest's QEMU process: to receive an
 * incoming migration or a restore (QEMU's -incoming), or afresh.
 *
 * libvirt starts the QEMU of every arrival with -incoming on its command
 * line ("-incoming defer" then migrate-incoming over QMP, or "-incoming
 * fd:N" / "stdio" for a restore from a file: qemuProcessIncomingDefNew() in
 * src/qemu/qemu_process.c, the "-incoming" argument in qemuBuildCommandLine(),
 * src/qemu/qemu_command.c) and never that of a fresh start (its incoming
 * definition is NULL). It writes the process's PID into STATE_DIR/NAME.pid
 * (virPidFileBuildPath(cfg->stateDir, name) in qemuProcessPrepareHost();
 * stateDir is /run/libvirt/qemu for the system daemon, src/qemu/qemu_conf.c)
 * before it runs any hook after "start begin", and passes "-uuid UUID".
 * The qemu hook (started begin, docs/libvirt.md "An arrival's
 * authorisation") asks this of the guest it was called for. */
#pragma once

#include <stddef.h>

#include "seoib/sentence.h"

/* libvirt's system daemon's QEMU state directory. */
#define QEMU_LAUNCH_STATE_DIR "/run/libvirt/qemu"
/* The most bytes of a PID file read. */
#define QEMU_LAUNCH_PIDFILE_MAX 64
/* The most bytes of /proc/PID/cmdline read: libvirt's command lines are
 * some kilobytes; one beyond this is no QEMU libvirt launched. */
#define QEMU_LAUNCH_CMDLINE_MAX (1024 * 1024)

enum qemu_launch {
	QEMU_LAUNCH_UNKNOWN,  /* could not be read: why says so */
	QEMU_LAUNCH_FRESH,    /* no -incoming: a fresh start */
	QEMU_LAUNCH_INCOMING, /* -incoming: an incoming migration or a restore */
};

struct qemu_launch_fact {
	enum qemu_launch launch;
	char why[SEOIB_MESSAGE_MAX]; /* one sentence fragment: how it was told, or why not */
};

/* The command line's NUL-separated arguments, argv[0..len) (untrusted: a
 * guest's <qemu:commandline>, <os><cmdline> and other strings of its XML
 * reach it), read as QEMU reads them (lookup_opt(), system/vl.c): after
 * argv[0], an option (one dash or two), then its value unless QEMU's
 * option takes none (qemu-options.hx), so that "-incoming" as the value
 * of -append or -loadvm is no option. QEMU_LAUNCH_UNKNOWN when an argument
 * stands where an option must (libvirt never passes QEMU's disk-image
 * argument: the walk is out of step), or unless the -uuid (or --uuid)
 * option's value is uuid (case-insensitively: the process is that guest's
 * QEMU); then INCOMING when -incoming (or --incoming) is an option, else
 * FRESH. `what` names the process in
 * fact->why ("the QEMU of 'vm1', pid 1234,"). Never fails otherwise. */
void qemu_launch_from_cmdline(const char *argv, size_t len, const char *uuid, const char *what,
			      struct qemu_launch_fact *fact);

/* The guest's QEMU as libvirt launched it: its PID from state_dir/NAME.pid
 * (state_dir under the trusted-path rule, seoib/trusted_path.h, for root:
 * the directory and the file belong to root and no one else may write
 * them; at most QEMU_LAUNCH_PIDFILE_MAX bytes, a regular file, never
 * through a symbolic link), then /proc/PID/cmdline (at most
 * QEMU_LAUNCH_CMDLINE_MAX bytes) through qemu_launch_from_cmdline(). A
 * name that cannot be a file name, a missing or malformed PID file, or a
 * process gone or not this guest's is QEMU_LAUNCH_UNKNOWN with a sentence
 * fragment in fact->why. Bounded: no wait, a fixed number of reads. */
void qemu_launch_read(const char *state_dir, const char *name, const char *uuid, struct qemu_launch_fact *fact);
