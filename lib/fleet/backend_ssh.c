/* The ssh backend of the fleet chain (fleet_backend.h): a peer's record is
 * what `ssh HOST seoibctl status --json` prints. ssh is spawned with an
 * argv, never through a shell, and the host name is validated first: ssh
 * itself would take "-oProxyCommand=..." as an option. It can look up one
 * host; it cannot list the fleet nor publish. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "seoib/cleanup.h"
#include "seoib/hostname.h"
#include "seoib/fleet_backend.h"
#include "seoib/host_identity.h"
#include "seoib/json_util.h"
#include "seoib/monotonic.h"
#include "seoib/peer_reply.h"
#include "seoib/sentence.h"

extern char **environ;

#define PEER_STDERR_KEEP 1024
/* On top of ssh's ConnectTimeout: the remote seoibctl's own run time. */
#define PEER_COMMAND_SLACK_S 20

struct ssh_run {
	pid_t pid;
	int out_fd, err_fd;
	char *out;
	size_t out_len;
	bool overflow;          /* stdout sent more than HOST_RECORD_MAX_BYTES */
	char err_tail[PEER_STDERR_KEEP];
	size_t err_len;
	int status;
};

/* How collect_until() ended. */
enum collect_end {
	COLLECT_EOF,
	COLLECT_TIMEOUT,
	COLLECT_OVERFLOW,
};

static int spawn_ssh(const char *host, unsigned connect_timeout_s, struct ssh_run *run, char err[SEOIB_MESSAGE_MAX])
{
	char timeout_opt[64];
	char *const argv[] = {"ssh", "-o", "BatchMode=yes", "-o", timeout_opt, "--", (char *)host,
			      "seoibctl", "status", "--json", NULL};
	int out_pipe[2], err_pipe[2];
	posix_spawn_file_actions_t fa;
	int r;

	snprintf(timeout_opt, sizeof(timeout_opt), "ConnectTimeout=%u", connect_timeout_s);
	if (pipe2(out_pipe, O_CLOEXEC) < 0 || pipe2(err_pipe, O_CLOEXEC) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot create a pipe for ssh: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, out_pipe[1], STDOUT_FILENO);
	posix_spawn_file_actions_adddup2(&fa, err_pipe[1], STDERR_FILENO);
	r = posix_spawnp(&run->pid, "ssh", &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(out_pipe[1]);
	close(err_pipe[1]);
	run->out_fd = out_pipe[0];
	run->err_fd = err_pipe[0];
	if (r != 0) {
		close(run->out_fd);
		close(run->err_fd);
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot run ssh: %s; install openssh-client", strerror(r));
		return -1;
	}
	return 0;
}

/* One read from fd into the run's buffers; 0 at EOF, 1 more to come. */
static int collect(struct ssh_run *run, int fd)
{
	char buf[16384];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return 1;
	if (n <= 0)
		return 0;
	if (fd == run->err_fd) {
		/* Keep the tail: ssh's last line says why it failed. */
		for (ssize_t i = 0; i < n; i++) {
			if (run->err_len == sizeof(run->err_tail) - 1) {
				memmove(run->err_tail, run->err_tail + 1, run->err_len - 1);
				run->err_len--;
			}
			run->err_tail[run->err_len++] = buf[i];
		}
		run->err_tail[run->err_len] = '\0';
		return 1;
	}
	if (run->out_len + (size_t)n > HOST_RECORD_MAX_BYTES) {
		run->overflow = true; /* more than a reply can be: stop at once */
		return 0;
	}
	memcpy(run->out + run->out_len, buf, (size_t)n);
	run->out_len += (size_t)n;
	return 1;
}

/* Read both pipes until EOF, the deadline, or stdout past its bound: a
 * peer that sends too much is stopped there, not waited for. */
static enum collect_end collect_until(struct ssh_run *run, int64_t deadline)
{
	struct pollfd fds[2] = {{.fd = run->out_fd, .events = POLLIN}, {.fd = run->err_fd, .events = POLLIN}};
	int open_fds = 2;

	while (open_fds > 0) {
		int64_t left = deadline - monotonic_ms();

		if (left <= 0)
			return COLLECT_TIMEOUT;
		if (poll(fds, 2, (int)left) < 0 && errno != EINTR)
			return COLLECT_TIMEOUT;
		for (int i = 0; i < 2; i++) {
			if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (collect(run, fds[i].fd) == 0) {
				fds[i].fd = -1;
				open_fds--;
			}
			if (run->overflow)
				return COLLECT_OVERFLOW;
		}
	}
	return COLLECT_EOF;
}

/* The last non-empty line of ssh's stderr, for the sentence. */
static const char *last_line(char *text)
{
	char *end = text + strlen(text);

	while (end > text && (end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	for (char *p = end; p > text; p--)
		if (p[-1] == '\n')
			return p;
	return text[0] ? text : "no message";
}

/* 0 when ssh ran to its end; FLEET_UNREACHABLE when it could not be run
 * or ran past the deadline (the host is unasked); -1 when the host answered
 * more than a reply can be. Each with its own sentence. */
static int run_ssh(const struct seoib_config *cfg, const char *host, struct ssh_run *run, char err[SEOIB_MESSAGE_MAX])
{
	unsigned connect_timeout = cfg->ssh_connect_timeout_s;
	int64_t deadline = monotonic_ms() + (int64_t)(connect_timeout + PEER_COMMAND_SLACK_S) * 1000;
	enum collect_end end;

	if (spawn_ssh(host, connect_timeout, run, err) < 0)
		return FLEET_UNREACHABLE;
	end = collect_until(run, deadline);
	close(run->out_fd);
	close(run->err_fd);
	if (end != COLLECT_EOF)
		kill(run->pid, SIGKILL);
	while (waitpid(run->pid, &run->status, 0) < 0 && errno == EINTR)
		;
	if (end == COLLECT_OVERFLOW) {
		sentence_format(err, SEOIB_MESSAGE_MAX,
			 "ssh %s seoibctl status --json sent more than %d bytes, more than any status reply can be; "
			 "stopped reading it: check what runs as seoibctl on %s", host, HOST_RECORD_MAX_BYTES, host);
		return -1;
	}
	if (end == COLLECT_TIMEOUT) {
		sentence_format(err, SEOIB_MESSAGE_MAX,
			 "ssh %s seoibctl status --json did not finish within %u s; check that %s is reachable and answers",
			 host, connect_timeout + PEER_COMMAND_SLACK_S, host);
		return FLEET_UNREACHABLE;
	}
	return 0;
}

static int fetch_over_ssh(const struct seoib_config *cfg, const char *host, struct host_record *rec,
			  char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *out = malloc(HOST_RECORD_MAX_BYTES + 1);
	struct ssh_run run = {.out = out};
	char inner[SEOIB_MESSAGE_MAX];
	int r;

	if (!out) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory");
		return -1;
	}
	r = run_ssh(cfg, host, &run, err);
	if (r != 0)
		return r;
	if (WIFEXITED(run.status) && WEXITSTATUS(run.status) == 255) {
		sentence_format(err, SEOIB_MESSAGE_MAX,
			 "ssh to %s failed: %s; check that %s is reachable and accepts this host's key (BatchMode: no password prompts)",
			 host, last_line(run.err_tail), host);
		return FLEET_UNREACHABLE;
	}
	if (run.out_len == 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "seoibctl status --json on %s printed nothing (%s); check that seoib is installed and seoibd runs there",
			 host, last_line(run.err_tail));
		return -1;
	}
	if (peer_reply_parse(out, run.out_len, rec, inner) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the record from %s is not usable: %s", host, inner);
		return -1;
	}
	/* The remote seoibctl's exit status, which ssh passes on, is the
	 * peer's verdict too (3: missing, stale or not ok). */
	if (!WIFEXITED(run.status) || WEXITSTATUS(run.status) != 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the record from %s is not usable: seoibctl status --json there "
			 "%s %d (%s); run seoibctl status on %s", host,
			 WIFEXITED(run.status) ? "exited" : "was killed by signal",
			 WIFEXITED(run.status) ? WEXITSTATUS(run.status) : WTERMSIG(run.status),
			 last_line(run.err_tail), host);
		return -1;
	}
	/* An ssh alias or a stale DNS entry reaches another machine: its
	 * record would judge the migration against the wrong host. */
	if (!host_names_same(rec->host.hostname, host)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "ssh to %s reached host '%s', whose record is not %s's; "
			 "check the ssh configuration and DNS entry of %s", host, rec->host.hostname, host, host);
		return -1;
	}
	return 1;
}

/* Connection failures (ssh's own exit 255, a run past the deadline) leave
 * the host unasked: FLEET_UNREACHABLE, so a chain may ask another backend. */
static int ssh_lookup(void *state, const char *host, struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	const struct seoib_config *cfg = state;

	if (!hostname_is_valid(host, err))
		return -1;
	return fetch_over_ssh(cfg, host, rec, err);
}

static bool ssh_configured(const struct seoib_config *cfg)
{
	(void)cfg;
	return true; /* needs nothing but ssh and the host's keys */
}

static int ssh_open(const struct seoib_config *cfg, void **state, char err[SEOIB_MESSAGE_MAX])
{
	(void)err;
	*state = (void *)cfg;
	return 0;
}

static void ssh_close(void *state)
{
	(void)state;
}

const struct fleet_backend_ops fleet_backend_ssh = {
	.name = "ssh",
	.configured = ssh_configured,
	.open = ssh_open,
	.close = ssh_close,
	.lookup = ssh_lookup,
};
