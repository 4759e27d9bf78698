/* One bounded QMP conversation with a QEMU child (see qmp.h). QMP is
 * newline-separated JSON on the child's stdin/stdout (QEMU docs/interop/qmp-spec);
 * json-c's tokener reassembles a message split across reads. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "seoib/cleanup.h"
#include "seoib/json_util.h"
#include "seoib/monotonic.h"
#include "qmp.h"

#define QMP_QUIT_GRACE_MS 500

static void qmp_fail(struct qmp *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void qmp_fail(struct qmp *q, const char *fmt, ...)
{
	va_list ap;

	if (q->error[0])
		return;
	va_start(ap, fmt);
	sentence_vformat(q->error, SEOIB_MESSAGE_MAX, fmt, ap);
	va_end(ap);
}

int qmp_init(struct qmp *q, const char *path, const char *hint, unsigned timeout_ms, char *error)
{
	memset(q, 0, sizeof(*q));
	q->path = path;
	q->hint = hint;
	q->pid = -1;
	q->sock = -1;
	q->err_fd = -1;
	q->timeout_ms = timeout_ms;
	q->error = error;
	q->deadline_ms = monotonic_ms() + timeout_ms;
	q->tok = json_tokener_new();
	if (!q->tok) {
		qmp_fail(q, "cannot allocate a JSON parser for QEMU at %s; free some memory", path);
		return -1;
	}
	return 0;
}

/* Give QEMU a moment to leave after `quit`, then kill it: a probe never
 * leaves a process behind and never waits longer than its bound. */
static void qmp_reap(struct qmp *q)
{
	long long until = monotonic_ms() + QMP_QUIT_GRACE_MS;

	if (q->pid <= 0)
		return;
	while (monotonic_ms() < until) {
		if (waitpid(q->pid, NULL, WNOHANG) == q->pid) {
			q->pid = -1;
			return;
		}
		poll(NULL, 0, 5);
	}
	kill(q->pid, SIGKILL);
	waitpid(q->pid, NULL, 0);
	q->pid = -1;
}

void qmp_closep(struct qmp *q)
{
	if (q->pid > 0) {
		kill(q->pid, SIGKILL);
		waitpid(q->pid, NULL, 0);
		q->pid = -1;
	}
	cleanup_closep(&q->sock);
	cleanup_closep(&q->err_fd);
	if (q->tok)
		json_tokener_free(q->tok);
	q->tok = NULL;
}

static bool is_warning(const char *line)
{
	return strstr(line, "warning: ") != NULL;
}

/* One whole stderr line: keep the first error line (QEMU prints its
 * refusal after any number of warnings), else the first warning. */
static void qmp_stderr_line_done(struct qmp *q)
{
	q->stderr_cur[q->cur_len] = '\0';
	if (q->cur_len && !q->stderr_kept_error && (!q->stderr_line[0] || !is_warning(q->stderr_cur))) {
		memcpy(q->stderr_line, q->stderr_cur, q->cur_len + 1);
		q->stderr_kept_error = !is_warning(q->stderr_cur);
	}
	q->cur_len = 0;
}

/* Drain stderr so a chatty QEMU never blocks on a full pipe. */
static void qmp_read_stderr(struct qmp *q)
{
	char chunk[1024];
	ssize_t n = read(q->err_fd, chunk, sizeof(chunk));

	if (n <= 0) {
		if (n == 0 || errno != EINTR) {
			if (q->cur_len)
				qmp_stderr_line_done(q);
			close(q->err_fd);
			q->err_fd = -1; /* end of stderr: stop polling it */
		}
		return;
	}
	for (ssize_t i = 0; i < n; i++) {
		if (chunk[i] == '\n')
			qmp_stderr_line_done(q);
		else if (q->cur_len + 1 < sizeof(q->stderr_cur))
			q->stderr_cur[q->cur_len++] = chunk[i];
	}
}

const char *qmp_stderr(const struct qmp *q)
{
	return q->stderr_line[0] ? q->stderr_line : "nothing on stderr";
}

/* Read more of QEMU's stdout into buf, bounded by the deadline.
 * Returns bytes read, 0 at end of file, -1 on timeout or error. */
static ssize_t qmp_fill(struct qmp *q)
{
	for (;;) {
		long long left = q->deadline_ms - monotonic_ms();
		struct pollfd fds[2] = {
			{ .fd = q->sock, .events = POLLIN },
			{ .fd = q->err_fd, .events = POLLIN },
		};

		if (left <= 0) {
			qmp_fail(q, "QEMU at %s did not answer QMP within %u ms; run it by hand with "
				    "-qmp stdio to see why, or raise probe-timeout-ms",
				 q->path, q->timeout_ms);
			return -1;
		}
		if (poll(fds, q->err_fd >= 0 ? 2 : 1, (int)left) < 0 && errno != EINTR) {
			qmp_fail(q, "cannot wait for QEMU at %s: %s; this is a bug, please report it", q->path,
				 strerror(errno));
			return -1;
		}
		if (q->err_fd >= 0 && (fds[1].revents & (POLLIN | POLLHUP)))
			qmp_read_stderr(q);
		if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t n = read(q->sock, q->buf, sizeof(q->buf));
			/* A QEMU that left with our request unread resets the
			 * socket: it exited, like an end of file. */
			if (n >= 0 || errno == ECONNRESET)
				return n < 0 ? 0 : n;
			if (errno != EINTR) {
				qmp_fail(q, "cannot read QEMU's answer at %s: %s; run it by hand with -qmp stdio to see why",
					 q->path, strerror(errno));
				return -1;
			}
		}
	}
}

/* The next complete JSON value from the stream, or NULL with q->error set. */
static json_object *qmp_next_value(struct qmp *q)
{
	for (;;) {
		while (q->start < q->end) {
			json_object *value = json_tokener_parse_ex(q->tok, q->buf + q->start, (int)(q->end - q->start));
			enum json_tokener_error jerr = json_tokener_get_error(q->tok);

			q->start += json_tokener_get_parse_end(q->tok);
			if (value) {
				json_tokener_reset(q->tok);
				return value;
			}
			if (jerr != json_tokener_continue) {
				qmp_fail(q, "QEMU at %s answered something that is not QMP (%s); %s", q->path,
					 json_tokener_error_desc(jerr), q->hint);
				return NULL;
			}
		}
		q->start = q->end = 0;
		ssize_t n = qmp_fill(q);
		if (n == 0) {
			/* Let stderr catch up so the sentence can quote it. */
			q->deadline_ms = monotonic_ms() + 100;
			while (q->err_fd >= 0 && qmp_fill(q) > 0)
				;
			q->exited = true;
			qmp_fail(q, "QEMU at %s exited before answering QMP (%s); run it by hand with "
				    "-qmp stdio to see why",
				 q->path, qmp_stderr(q));
		}
		if (n <= 0)
			return NULL;
		q->end = (size_t)n;
	}
}

/* The next QMP message that is not an asynchronous event. */
static json_object *qmp_next_message(struct qmp *q)
{
	for (;;) {
		json_object *msg = qmp_next_value(q);

		if (!msg)
			return NULL;
		if (!json_object_is_type(msg, json_type_object)) {
			json_object_put(msg);
			qmp_fail(q, "QEMU at %s answered something that is not QMP (not a JSON object); %s", q->path,
				 q->hint);
			return NULL;
		}
		if (!json_object_object_get_ex(msg, "event", NULL))
			return msg;
		json_object_put(msg);
	}
}

static int qmp_send(struct qmp *q, const char *command, json_object *arguments)
{
	_cleanup_(json_object_putp) json_object *request = json_object_new_object();
	const char *text;
	size_t len, done = 0;

	json_object_object_add(request, "execute", json_object_new_string(command));
	if (arguments)
		json_object_object_add(request, "arguments", json_object_get(arguments));
	text = json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN);
	len = strlen(text);
	while (done < len + 1) {
		/* MSG_NOSIGNAL: a QEMU that died must be an error sentence, not SIGPIPE. */
		const char *from = done < len ? text + done : "\n";
		ssize_t n = send(q->sock, from, done < len ? len - done : 1, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EPIPE) {
			/* QEMU left: read what it said on the way out, so that
			 * the sentence is QEMU's own (its refusal on stderr). */
			json_object *rest;
			while ((rest = qmp_next_value(q)))
				json_object_put(rest);
		}
		if (n < 0) {
			qmp_fail(q, "cannot send %s to QEMU at %s: %s; run it by hand with -qmp stdio to see why",
				 command, q->path, strerror(errno));
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

int qmp_execute(struct qmp *q, const char *command, json_object *arguments, json_object **ret, char desc[],
		size_t desc_size)
{
	_cleanup_(json_object_putp) json_object *reply = NULL;
	json_object *value, *error, *text;

	if (qmp_send(q, command, arguments) < 0)
		return -1;
	reply = qmp_next_message(q);
	if (!reply)
		return -1;
	if (json_object_object_get_ex(reply, "return", &value)) {
		*ret = json_object_get(value);
		return 0;
	}
	if (json_object_object_get_ex(reply, "error", &error)) {
		json_object_object_get_ex(error, "desc", &text);
		snprintf(desc, desc_size, "%s", text ? json_object_get_string(text) : "no description");
		return 1;
	}
	qmp_fail(q, "QEMU at %s answered %s with neither return nor error; %s", q->path, command, q->hint);
	return -1;
}

json_object *qmp_require(struct qmp *q, const char *command, json_object *arguments)
{
	json_object *ret = NULL;
	char desc[256];
	int r = qmp_execute(q, command, arguments, &ret, desc, sizeof(desc));

	if (r == 1)
		qmp_fail(q, "QEMU at %s refused %s: %s; %s", q->path, command, desc, q->hint);
	return r == 0 ? ret : NULL;
}

/* The answer is complete before `quit`: a QEMU that already left (EPIPE) or
 * does not answer is reaped or killed, and is no error. */
void qmp_quit(struct qmp *q)
{
	static const char quit[] = "{\"execute\": \"quit\"}\n";

	if (send(q->sock, quit, sizeof(quit) - 1, MSG_NOSIGNAL) < 0)
		kill(q->pid, SIGKILL);
	qmp_reap(q);
}

/* fork/exec rather than posix_spawn: the child must close every inherited
 * fd (close_range) and die with us (PR_SET_PDEATHSIG) if seoibd is killed
 * mid-probe. Only async-signal-safe calls after fork. */
int qmp_spawn(struct qmp *q, char *const argv[])
{
	_cleanup_close_ int child_sock = -1, child_err = -1;
	int pair[2], errpipe[2];
	pid_t parent;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) {
		qmp_fail(q, "cannot start QEMU at %s: %s; check the open-file limit", q->path, strerror(errno));
		return -1;
	}
	q->sock = pair[0];
	child_sock = pair[1];
	if (pipe2(errpipe, O_CLOEXEC) < 0) {
		qmp_fail(q, "cannot start QEMU at %s: %s; check the open-file limit", q->path, strerror(errno));
		return -1;
	}
	q->err_fd = errpipe[0];
	child_err = errpipe[1];
	parent = getpid();
	q->pid = fork();
	if (q->pid < 0) {
		qmp_fail(q, "cannot start QEMU at %s: %s; check the process limit and free memory", q->path,
			 strerror(errno));
		return -1;
	}
	if (q->pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent) /* the caller died before the prctl() took effect */
			_exit(127);
		if (dup2(child_sock, 0) < 0 || dup2(child_sock, 1) < 0 || dup2(child_err, 2) < 0)
			_exit(127);
		close_range(3, ~0U, 0);
		execv(q->path, argv);
		_exit(127);
	}
	return 0;
}

int qmp_read_version(struct qmp *q, char *version, size_t size)
{
	_cleanup_(json_object_putp) json_object *ret = qmp_require(q, "query-version", NULL);
	json_object *qemu, *major, *minor, *micro;

	if (!ret)
		return -1;
	if (!json_object_object_get_ex(ret, "qemu", &qemu) || !json_object_object_get_ex(qemu, "major", &major) ||
	    !json_object_object_get_ex(qemu, "minor", &minor) || !json_object_object_get_ex(qemu, "micro", &micro)) {
		qmp_fail(q, "QEMU at %s answered query-version without qemu.major/minor/micro; %s", q->path, q->hint);
		return -1;
	}
	snprintf(version, size, "%d.%d.%d", json_object_get_int(major), json_object_get_int(minor),
		 json_object_get_int(micro));
	return 0;
}

int qmp_greeting(struct qmp *q)
{
	_cleanup_(json_object_putp) json_object *greeting = qmp_next_message(q);
	_cleanup_(json_object_putp) json_object *ret = NULL;

	if (!greeting)
		return -1;
	if (!json_object_object_get_ex(greeting, "QMP", NULL)) {
		qmp_fail(q, "QEMU at %s did not greet with QMP; %s", q->path, q->hint);
		return -1;
	}
	ret = qmp_require(q, "qmp_capabilities", NULL);
	return ret ? 0 : -1;
}
