/* One QMP conversation with a QEMU child on its stdin/stdout (-qmp stdio),
 * shared by the VMM probe (vmm.c) and the guest query (qemu_guest_query.c):
 * start, greet, ask, quit, every step bounded by one deadline.
 * Internal to lib/vmm/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "seoib/sentence.h"

#define QMP_STDERR_LINE_MAX 512

struct qmp {
	const char *path;
	/* What to tell the user to check when QEMU does not speak QMP, e.g.
	 * "check that qemu= in /etc/seoib/seoib.conf names a qemu-system-x86_64 binary". */
	const char *hint;
	pid_t pid;
	int sock;        /* the child's stdin and stdout */
	int err_fd;      /* the child's stderr */
	json_tokener *tok;
	long long deadline_ms;
	unsigned timeout_ms;
	char buf[16384];
	size_t start, end;  /* unparsed bytes in buf */
	/* The first line QEMU wrote to stderr that is not a warning (else the
	 * first warning): QEMU's own sentence when it refuses something. */
	char stderr_line[QMP_STDERR_LINE_MAX];
	char stderr_cur[QMP_STDERR_LINE_MAX];
	size_t cur_len;
	bool stderr_kept_error;
	bool exited;        /* QEMU closed QMP before answering (refusal or crash) */
	char *error;        /* SEOIB_MESSAGE_MAX bytes: set once, the first failure wins */
};

/* Set up q for the binary at path; timeout_ms bounds the whole conversation.
 * error must hold SEOIB_MESSAGE_MAX bytes. Returns 0, or -1 with error set. */
int qmp_init(struct qmp *q, const char *path, const char *hint, unsigned timeout_ms, char *error);
/* Kill (SIGKILL) and reap a child still running, close everything. */
void qmp_closep(struct qmp *q);
/* Start argv (argv[0] is q->path) with its stdin/stdout on a socket and its
 * stderr on a pipe; it dies with the caller (PR_SET_PDEATHSIG). */
int qmp_spawn(struct qmp *q, char *const argv[]);
/* Read the greeting and leave capabilities negotiation mode. */
int qmp_greeting(struct qmp *q);
/* Run one command. Returns 0 with *ret holding "return" (caller puts it),
 * 1 when QEMU answered with a QMP "error" (desc copied), -1 on failure. */
int qmp_execute(struct qmp *q, const char *command, json_object *arguments, json_object **ret, char desc[],
		size_t desc_size);
/* A command that must succeed: its "return", or NULL with q->error set. */
json_object *qmp_require(struct qmp *q, const char *command, json_object *arguments);
/* query-version as "MAJOR.MINOR.MICRO" into version (size bytes). */
int qmp_read_version(struct qmp *q, char *version, size_t size);
/* Ask QEMU to quit, wait a moment, then kill it. */
void qmp_quit(struct qmp *q);
/* The stderr line kept for sentences, or "nothing on stderr". */
const char *qmp_stderr(const struct qmp *q);
