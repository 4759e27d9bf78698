/* The child-process probe with a watchdog. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "prober.h"
#include "reap.h"
#include "seoib/fileio.h"
#include "seoib/cleanup.h"
#include "seoib/sentence.h"

struct prober {
	pid_t pid;
	int fd;
	sd_event_source *io;
	sd_event_source *timer;
	char *output;
	size_t len;
	size_t cap;
	bool timed_out;
	bool too_large;
	unsigned timeout_ms;
	prober_done_fn done;
	void *userdata;
};



/* The probe child's SIGTERM: seoibd died (PR_SET_PDEATHSIG) or someone
 * stops the probe. Take down everything the probe spawned first. */
static void on_child_sigterm(int sig)
{
	reap_children();
	_exit(1);
}

/* Die with seoibd, even by kill -9: PR_SET_PDEATHSIG sends SIGTERM when the
 * thread that forked us exits, and the handler kills our descendants. A
 * parent that died before the prctl() took effect is seen by getppid(). */
static void follow_parent(pid_t parent)
{
	struct sigaction sa = {.sa_handler = on_child_sigterm};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(1);
}

/* In the child: own process group (so the watchdog kills QEMU too), dies
 * with seoibd, default signal state, probe, write, kill whatever the probe
 * left running (a QEMU's setsid() child), exit without the parent's atexit. */
static _Noreturn void run_child(int fd, pid_t parent, const struct host_probe_options *opts)
{
	sigset_t none;
	struct host_record *rec = calloc(1, sizeof(*rec));
	json_object *json;
	const char *text;

	setpgid(0, 0);
	follow_parent(parent); /* SIGTERM still blocked: the handler is in place first */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (!rec)
		_exit(1);
	host_probe(opts, rec);
	/* Not part of the record: why the VMM cache was skipped (lib/vmm/vmm.c). */
	if (rec->vmm.cache_note[0])
		log_warning("%s", rec->vmm.cache_note);
	json = host_record_to_json(rec);
	text = json ? json_object_to_json_string_ext(json, JSON_C_TO_STRING_PLAIN) : NULL;
	if (!text || write_all(fd, text, strlen(text)) < 0)
		_exit(1);
	reap_children();
	_exit(0);
}

/* After the probe child is reaped: what it spawned outside its process
 * group was re-parented to seoibd (a subreaper) when it died. */
static void reap_strays(void)
{
	int n = reap_children();

	if (n > 0)
		log_warning("killed %d process(es) the probe left running outside its process group "
			    "(a QEMU that called setsid?)", n);
}

static void describe_exit(struct prober *p, int wstatus, struct prober_result *res)
{
	res->status = PROBE_RUN_FAILED;
	if (p->timed_out) {
		res->status = PROBE_RUN_TIMEOUT;
		sentence_format(res->message, sizeof(res->message),
			 "the probe did not finish within %u ms and was killed; check dmesg for a wedged KVM, or raise probe-timeout-ms in seoib.conf on a slow host",
			 p->timeout_ms);
	} else if (p->too_large) {
		sentence_format(res->message, sizeof(res->message),
			 "the probe process wrote more than %d bytes, which is no host record; report this as a bug",
			 HOST_RECORD_MAX_BYTES);
	} else if (WIFSIGNALED(wstatus)) {
		sentence_format(res->message, sizeof(res->message),
			 "the probe process was killed by signal %s; check dmesg and the journal for the cause",
			 strsignal(WTERMSIG(wstatus)));
	} else if (WEXITSTATUS(wstatus) != 0 || p->len == 0) {
		sentence_format(res->message, sizeof(res->message),
			 "the probe process exited with status %d without a record; check the journal for its error",
			 WEXITSTATUS(wstatus));
	} else {
		res->status = PROBE_RUN_OK;
		res->record_text = p->output;
		res->record_len = p->len;
	}
}

/* EOF: the child is gone (the pipe is close-on-exec, so no grandchild holds
 * it). Reap it; the kill makes the wait immediate even for a straggler. */
static void finish(struct prober *p)
{
	struct prober_result res = {0};
	int wstatus = 0;

	p->io = sd_event_source_disable_unref(p->io);
	p->timer = sd_event_source_disable_unref(p->timer);
	kill(-p->pid, SIGKILL);
	while (waitpid(p->pid, &wstatus, 0) < 0 && errno == EINTR)
		;
	p->pid = 0;
	/* A probe child that exited 0 killed and reaped its own descendants
	 * first (run_child(): it is a subreaper too), so nothing of it can be
	 * left here; seoibd's children now are its own, e.g. the pre-warmer's
	 * QEMU asking about a running guest, which must not be killed. Only
	 * a probe that died otherwise (the watchdog, a signal) leaves strays. */
	if (p->timed_out || !WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0)
		reap_strays();
	describe_exit(p, wstatus, &res);
	p->done(&res, p->userdata); /* may free p: touch nothing after */
}

static int grow_output(struct prober *p)
{
	size_t cap = p->cap ? p->cap * 2 : 16384;
	char *bigger;

	if (cap > HOST_RECORD_MAX_BYTES + 1)
		return -1;
	bigger = realloc(p->output, cap);
	if (!bigger)
		return -1;
	p->output = bigger;
	p->cap = cap;
	return 0;
}

static int on_output(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct prober *p = userdata;

	for (;;) {
		ssize_t n;

		if (p->len + 1 >= p->cap && grow_output(p) < 0) {
			p->too_large = true;
			break;
		}
		n = read(fd, p->output + p->len, p->cap - p->len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return 0;
		if (n <= 0)
			break;
		p->len += (size_t)n;
		p->output[p->len] = '\0';
	}
	finish(p);
	return 0;
}

static int on_timeout(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct prober *p = userdata;

	log_warning("probe child %d ran past %u ms; killing it", (int)p->pid, p->timeout_ms);
	p->timed_out = true;
	kill(-p->pid, SIGKILL); /* the pipe's EOF then finishes the probe */
	return 0;
}

static int watch_child(sd_event *event, struct prober *p)
{
	int r = sd_event_add_io(event, &p->io, p->fd, EPOLLIN, on_output, p);

	if (r < 0)
		return r;
	return sd_event_add_time_relative(event, &p->timer, CLOCK_MONOTONIC, (uint64_t)p->timeout_ms * 1000, 0,
					  on_timeout, p);
}

int prober_start(sd_event *event, const struct host_probe_options *opts, unsigned timeout_ms,
		 prober_done_fn done, void *userdata, struct prober **out)
{
	struct prober *p = calloc(1, sizeof(*p));
	pid_t parent = getpid();
	int fds[2];
	int r;

	if (!p)
		return -ENOMEM;
	/* Orphans of the probe's descendants come to us, not to init (reap.h). */
	prctl(PR_SET_CHILD_SUBREAPER, 1);
	*p = (struct prober){.fd = -1, .timeout_ms = timeout_ms, .done = done, .userdata = userdata};
	if (pipe2(fds, O_CLOEXEC) < 0) {
		r = -errno;
		free(p);
		return r;
	}
	p->pid = fork();
	if (p->pid == 0) {
		close(fds[0]);
		run_child(fds[1], parent, opts);
	}
	close(fds[1]);
	p->fd = fds[0];
	if (p->pid < 0) {
		r = -errno;
		p->pid = 0;
		prober_free(p);
		return r;
	}
	setpgid(p->pid, p->pid); /* also here: no window where the kill misses */
	fcntl(p->fd, F_SETFL, O_NONBLOCK);
	r = watch_child(event, p);
	if (r < 0) {
		prober_free(p);
		return r;
	}
	*out = p;
	return 0;
}

void prober_free(struct prober *p)
{
	if (!p)
		return;
	sd_event_source_disable_unref(p->io);
	sd_event_source_disable_unref(p->timer);
	if (p->pid > 0) {
		kill(-p->pid, SIGKILL);
		while (waitpid(p->pid, NULL, 0) < 0 && errno == EINTR)
			;
		reap_strays();
	}
	cleanup_closep(&p->fd);
	free(p->output);
	free(p);
}
