/* The VMM probe: ask the QEMU binary over QMP whether it has a property that
 * sets a guest's Directed EOI state, without /dev/kvm and without a guest.
 *
 * `qemu-system-x86_64 -machine none -accel tcg -qmp stdio` answers QMP on its
 * stdin/stdout with no accelerator device and no guest RAM; `qom-list-properties`
 * lists a type's properties even when the accelerator cannot be instantiated
 * here (`-accel kvm,help` needs /dev/kvm on QEMU 7.2). The answer only changes
 * when the binary does, so it is cached on the binary's identity the way
 * libvirt caches QEMU capabilities (virQEMUCapsIsValid: path, size, mtime). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/fileio.h"
#include "seoib/json_util.h"
#include "seoib/monotonic.h"
#include "seoib/vmm.h"
#include "seoib/sentence.h"
#include "seoib/trusted_path.h"

#define VMM_DEFAULT_TIMEOUT_MS 3000
#define VMM_QUIT_GRACE_MS 500
#define VMM_CACHE_SCHEMA "seoib.vmm-cache/3" /* 3: identity (ctime, dev, ino), property_type, property_default */
/* A cache entry is a few hundred bytes; anything bigger is not one. */
#define VMM_CACHE_MAX_BYTES (16 * 1024)
/* Bound on the binary scanned to back a cached control (QEMU is ~20 MB). */
#define VMM_BINARY_SCAN_MAX (512LL * 1024 * 1024)


static const char *const default_control_names[] = { "seoib-policy", NULL };

/* ---- the QMP conversation ---- */

struct qmp {
	const char *path;
	pid_t pid;
	int sock;        /* the child's stdin and stdout */
	int err_fd;      /* the child's stderr */
	json_tokener *tok;
	long long deadline_ms;
	unsigned timeout_ms;
	char buf[16384];
	size_t start, end;  /* unparsed bytes in buf */
	char stderr_line[256]; /* first line QEMU wrote to stderr, for messages */
	size_t stderr_len;
	bool stderr_done;
	char *error;        /* info->error: set once, the first failure wins */
};

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

/* Give QEMU a moment to leave after `quit`, then kill it: a probe never
 * leaves a process behind and never waits longer than its bound. */
static void qmp_reap(struct qmp *q)
{
	long long until = monotonic_ms() + VMM_QUIT_GRACE_MS;

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

static void qmp_closep(struct qmp *q)
{
	if (q->pid > 0) {
		kill(q->pid, SIGKILL);
		waitpid(q->pid, NULL, 0);
	}
	cleanup_closep(&q->sock);
	cleanup_closep(&q->err_fd);
	if (q->tok)
		json_tokener_free(q->tok);
}

/* Keep the first line of stderr for error sentences; drain the rest so a
 * chatty QEMU never blocks on a full pipe. */
static void qmp_read_stderr(struct qmp *q)
{
	char chunk[1024];
	ssize_t n = read(q->err_fd, chunk, sizeof(chunk));

	if (n <= 0) {
		if (n == 0 || errno != EINTR) {
			close(q->err_fd);
			q->err_fd = -1; /* end of stderr: stop polling it */
		}
		return;
	}
	for (ssize_t i = 0; i < n && !q->stderr_done; i++) {
		if (chunk[i] == '\n' || q->stderr_len + 1 >= sizeof(q->stderr_line))
			q->stderr_done = true;
		else
			q->stderr_line[q->stderr_len++] = chunk[i];
	}
}

static const char *qmp_stderr(struct qmp *q)
{
	return q->stderr_len ? q->stderr_line : "nothing on stderr";
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
				    "-machine none -qmp stdio to see why, or raise probe-timeout-ms",
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
		if (fds[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(q->sock, q->buf, sizeof(q->buf));
			if (n >= 0 || errno != EINTR)
				return n;
		}
	}
}

/* The next complete JSON value from the stream, or NULL with q->error set.
 * QMP messages are newline-separated JSON objects; json_tokener keeps the
 * state of a message split across reads. */
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
				qmp_fail(q, "QEMU at %s answered something that is not QMP (%s); "
					    "check that qemu= in %s names a qemu-system-x86_64 binary",
					 q->path, json_tokener_error_desc(jerr), SEOIB_CONFIG_PATH);
				return NULL;
			}
		}
		q->start = q->end = 0;
		ssize_t n = qmp_fill(q);
		if (n == 0) {
			/* Let stderr catch up so the sentence can quote it. */
			q->deadline_ms = monotonic_ms() + 100;
			while (q->err_fd >= 0 && !q->stderr_done && qmp_fill(q) > 0)
				;
			qmp_fail(q, "QEMU at %s exited before answering QMP (%s); run it by hand with "
				    "-machine none -qmp stdio to see why",
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
			qmp_fail(q, "QEMU at %s answered something that is not QMP (not a JSON object); "
				    "check that qemu= in %s names a qemu-system-x86_64 binary",
				 q->path, SEOIB_CONFIG_PATH);
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
		if (n < 0) {
			qmp_fail(q, "cannot send %s to QEMU at %s: %s; run it by hand with -qmp stdio to see why",
				 command, q->path, strerror(errno));
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Run one command. Returns 0 with *ret holding "return" (caller puts it),
 * 1 when QEMU answered with a QMP "error" (desc copied), -1 on failure. */
static int qmp_execute(struct qmp *q, const char *command, json_object *arguments, json_object **ret,
		       char desc[], size_t desc_size)
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
	qmp_fail(q, "QEMU at %s answered %s with neither return nor error; check that qemu= in %s names a "
		    "qemu-system-x86_64 binary",
		 q->path, command, SEOIB_CONFIG_PATH);
	return -1;
}

/* A command that must succeed for the probe to mean anything. */
static json_object *qmp_require(struct qmp *q, const char *command, json_object *arguments)
{
	json_object *ret = NULL;
	char desc[256];
	int r = qmp_execute(q, command, arguments, &ret, desc, sizeof(desc));

	if (r == 1)
		qmp_fail(q, "QEMU at %s refused %s: %s; check that qemu= in %s names a qemu-system-x86_64 binary",
			 q->path, command, desc, SEOIB_CONFIG_PATH);
	return r == 0 ? ret : NULL;
}

/* The answer is complete before `quit`: a QEMU that already left (EPIPE) or
 * does not answer is reaped or killed, and is no error. */
static void qmp_quit(struct qmp *q)
{
	static const char quit[] = "{\"execute\": \"quit\"}\n";

	if (send(q->sock, quit, sizeof(quit) - 1, MSG_NOSIGNAL) < 0)
		kill(q->pid, SIGKILL);
	qmp_reap(q);
}

/* fork/exec rather than posix_spawn: the child must close every inherited
 * fd (close_range) and die with us (PR_SET_PDEATHSIG) if seoibd is killed
 * mid-probe. Only async-signal-safe calls after fork. */
static int qmp_spawn(struct qmp *q)
{
	char *const argv[] = {
		(char *)q->path, "-machine", "none", "-nodefaults", "-display", "none",
		"-accel", "tcg", "-qmp", "stdio", NULL,
	};
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
		if (getppid() != parent) /* the probe died before the prctl() took effect */
			_exit(127);
		if (dup2(child_sock, 0) < 0 || dup2(child_sock, 1) < 0 || dup2(child_err, 2) < 0)
			_exit(127);
		close_range(3, ~0U, 0);
		execv(q->path, argv);
		_exit(127);
	}
	return 0;
}

/* ---- what to ask ---- */

static void add_type(const char *types[], int *n_types, int max, const char *type)
{
	for (int i = 0; i < *n_types; i++)
		if (!strcmp(types[i], type))
			return;
	if (*n_types < max)
		types[(*n_types)++] = type;
}

/* The concrete machine types behind the "q35" and "pc" aliases: upstream may
 * put the knob on a machine class (like pc-q35-x.y's "default-bus-bypass-iommu"),
 * and a versioned type is the only one whose instance properties show. */
static void machine_types(json_object *machines, char names[2][VMM_NAME_MAX])
{
	size_t n = json_object_is_type(machines, json_type_array) ? json_object_array_length(machines) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(machines, i), *name, *alias;
		if (!json_object_object_get_ex(m, "name", &name) || !json_object_object_get_ex(m, "alias", &alias))
			continue;
		const char *a = json_object_get_string(alias);
		int slot = !strcmp(a, "q35") ? 0 : !strcmp(a, "pc") ? 1 : -1;
		if (slot >= 0)
			snprintf(names[slot], VMM_NAME_MAX, "%s-machine", json_object_get_string(name));
	}
}

/* The first control found is the one the property model uses: keep its
 * value type and default ("default-value", QEMU 5.0 and later). */
static void record_control(struct vmm_info *info, const char *type, json_object *prop)
{
	json_object *name = json_object_object_get(prop, "name");
	json_object *value_type = json_object_object_get(prop, "type");
	json_object *def = json_object_object_get(prop, "default-value");

	if (info->n_controls >= VMM_CONTROLS_MAX)
		return;
	snprintf(info->controls[info->n_controls++], VMM_NAME_MAX, "%s.%s", type, json_object_get_string(name));
	if (info->n_controls > 1)
		return;
	snprintf(info->property.value_type, sizeof(info->property.value_type), "%s",
		 json_object_is_type(value_type, json_type_string) ? json_object_get_string(value_type) : "");
	if (json_object_is_type(def, json_type_string) &&
	    strlen(json_object_get_string(def)) < sizeof(info->property.default_value))
		snprintf(info->property.default_value, sizeof(info->property.default_value), "%s",
			 json_object_get_string(def));
}

/* qom-list-properties on one type; a type this QEMU lacks is not an error. */
static int look_in_type(struct qmp *q, const char *type, const char *const *names, struct vmm_info *info)
{
	_cleanup_(json_object_putp) json_object *args = json_object_new_object();
	_cleanup_(json_object_putp) json_object *props = NULL;
	char desc[256];
	int r;

	json_object_object_add(args, "typename", json_object_new_string(type));
	r = qmp_execute(q, "qom-list-properties", args, &props, desc, sizeof(desc));
	if (r != 0)
		return r < 0 ? -1 : 0;
	size_t n = json_object_is_type(props, json_type_array) ? json_object_array_length(props) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *prop = json_object_array_get_idx(props, i), *name;
		if (!json_object_object_get_ex(prop, "name", &name))
			continue;
		for (const char *const *want = names; *want; want++)
			if (!strcmp(json_object_get_string(name), *want))
				record_control(info, type, prop);
	}
	return 0;
}

static int read_version(struct qmp *q, struct vmm_info *info)
{
	_cleanup_(json_object_putp) json_object *ret = qmp_require(q, "query-version", NULL);
	json_object *qemu, *major, *minor, *micro;

	if (!ret)
		return -1;
	if (!json_object_object_get_ex(ret, "qemu", &qemu) || !json_object_object_get_ex(qemu, "major", &major) ||
	    !json_object_object_get_ex(qemu, "minor", &minor) || !json_object_object_get_ex(qemu, "micro", &micro)) {
		qmp_fail(q, "QEMU at %s answered query-version without qemu.major/minor/micro; check that qemu= in %s "
			    "names a qemu-system-x86_64 binary",
			 q->path, SEOIB_CONFIG_PATH);
		return -1;
	}
	snprintf(info->version, sizeof(info->version), "%d.%d.%d", json_object_get_int(major),
		 json_object_get_int(minor), json_object_get_int(micro));
	return 0;
}

static int qmp_greeting(struct qmp *q)
{
	_cleanup_(json_object_putp) json_object *greeting = qmp_next_message(q);
	_cleanup_(json_object_putp) json_object *ret = NULL;

	if (!greeting)
		return -1;
	if (!json_object_object_get_ex(greeting, "QMP", NULL)) {
		qmp_fail(q, "QEMU at %s did not greet with QMP; check that qemu= in %s names a qemu-system-x86_64 "
			    "binary",
			 q->path, SEOIB_CONFIG_PATH);
		return -1;
	}
	ret = qmp_require(q, "qmp_capabilities", NULL);
	return ret ? 0 : -1;
}

static int ask_qemu(struct qmp *q, const char *const *names, struct vmm_info *info)
{
	_cleanup_(json_object_putp) json_object *machines = NULL;
	char machine_names[2][VMM_NAME_MAX] = { "", "" };
	const char *types[8];
	int n_types = 0;

	if (qmp_greeting(q) < 0 || read_version(q, info) < 0)
		return -1;
	machines = qmp_require(q, "query-machines", NULL);
	if (!machines)
		return -1;
	machine_types(machines, machine_names);
	/* The RFC's accelerator property first, then the machine and CPU classes. */
	add_type(types, &n_types, 8, "kvm-accel");
	add_type(types, &n_types, 8, "x86-machine");
	for (int i = 0; i < 2; i++)
		if (machine_names[i][0])
			add_type(types, &n_types, 8, machine_names[i]);
	add_type(types, &n_types, 8, "x86_64-cpu");
	add_type(types, &n_types, 8, "max-x86_64-cpu");
	for (int i = 0; i < n_types; i++)
		if (look_in_type(q, types[i], names, info) < 0)
			return -1;
	qmp_quit(q);
	return 0;
}

static void probe_qemu(const struct vmm_options *opts, const char *const *names, struct vmm_info *info)
{
	_cleanup_(qmp_closep) struct qmp q = {
		.path = info->path,
		.pid = -1,
		.sock = -1,
		.err_fd = -1,
		.timeout_ms = opts->timeout_ms ? opts->timeout_ms : VMM_DEFAULT_TIMEOUT_MS,
		.error = info->error,
	};

	q.tok = json_tokener_new();
	q.deadline_ms = monotonic_ms() + q.timeout_ms;
	if (!q.tok || qmp_spawn(&q) < 0 || ask_qemu(&q, names, info) < 0) {
		info->n_controls = 0;
		info->version[0] = '\0';
		if (!q.tok)
			qmp_fail(&q, "cannot allocate a JSON parser for QEMU at %s; free some memory", info->path);
		return;
	}
	info->found = true;
	info->can_set_state = info->n_controls > 0;
}

/* ---- the cache ---- */

/* FNV-1a: stable across runs and builds, enough to spread paths over names. */
static unsigned long long path_hash(const char *path)
{
	unsigned long long h = 14695981039346656037ULL;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}

static void cache_name(const char *path, char out[], size_t size)
{
	snprintf(out, size, "vmm-%016llx.json", path_hash(path));
}

static json_object *names_to_json(const char *const *names)
{
	json_object *array = json_object_new_array();

	for (; *names; names++)
		json_object_array_add(array, json_object_new_string(*names));
	return array;
}

static bool same_names(json_object *cached, const char *const *names)
{
	size_t i = 0;

	if (!json_object_is_type(cached, json_type_array))
		return false;
	for (; names[i]; i++) {
		json_object *name = json_object_array_get_idx(cached, i);
		if (!json_object_is_type(name, json_type_string) || strcmp(json_object_get_string(name), names[i]))
			return false;
	}
	return i == json_object_array_length(cached);
}

static json_object *get_typed(json_object *obj, const char *key, json_type type)
{
	json_object *value;

	if (!json_object_object_get_ex(obj, key, &value) || !json_object_is_type(value, type))
		return NULL;
	return value;
}

static bool cache_controls(json_object *controls, struct vmm_info *info)
{
	size_t n = json_object_array_length(controls);

	if (n > VMM_CONTROLS_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(controls, i);
		if (!json_object_is_type(c, json_type_string) || strlen(json_object_get_string(c)) >= VMM_NAME_MAX)
			return false;
		snprintf(info->controls[i], VMM_NAME_MAX, "%s", json_object_get_string(c));
	}
	info->n_controls = (int)n;
	return true;
}

/* The first control's value type and default; absent or malformed ones
 * read as "not reported", as the probe itself records them. */
static void cache_property(json_object *entry, struct vmm_info *info)
{
	json_object *type = get_typed(entry, "property_type", json_type_string);
	json_object *def = get_typed(entry, "property_default", json_type_string);

	if (type && strlen(json_object_get_string(type)) < sizeof(info->property.value_type))
		snprintf(info->property.value_type, sizeof(info->property.value_type), "%s", json_object_get_string(type));
	if (def && strlen(json_object_get_string(def)) < sizeof(info->property.default_value))
		snprintf(info->property.default_value, sizeof(info->property.default_value), "%s",
			 json_object_get_string(def));
}

/* Does the binary itself contain every cached control's property name? A
 * QOM property is registered under a string literal of the binary, so an
 * entry claiming a control the binary never names is forged or stale: the
 * cache may save a QEMU start, never vouch for what the binary lacks. */
static bool binary_backs_controls(const struct vmm_info *info)
{
	_cleanup_close_ int fd = open(info->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	void *map;
	bool ok = true;

	if (info->n_controls == 0)
		return true;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > VMM_BINARY_SCAN_MAX || (unsigned long long)st.st_ino != info->ino ||
	    (unsigned long long)st.st_dev != info->dev)
		return false;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return false;
	for (int i = 0; ok && i < info->n_controls; i++) {
		const char *property = strrchr(info->controls[i], '.');

		property = property ? property + 1 : info->controls[i];
		ok = *property && memmem(map, (size_t)st.st_size, property, strlen(property)) != NULL;
	}
	munmap(map, (size_t)st.st_size);
	return ok;
}

static bool cache_entry_matches(json_object *entry, const char *const *names, struct vmm_info *info)
{
	json_object *schema, *path, *size, *mtime, *ctime, *dev, *ino, *version, *controls;

	if (!json_object_is_type(entry, json_type_object))
		return false;
	schema = get_typed(entry, "schema", json_type_string);
	path = get_typed(entry, "path", json_type_string);
	size = get_typed(entry, "size", json_type_int);
	mtime = get_typed(entry, "mtime_ns", json_type_int);
	ctime = get_typed(entry, "ctime_ns", json_type_int);
	dev = get_typed(entry, "dev", json_type_int);
	ino = get_typed(entry, "ino", json_type_int);
	version = get_typed(entry, "version", json_type_string);
	controls = get_typed(entry, "controls", json_type_array);
	return schema && path && size && mtime && ctime && dev && ino && version && controls &&
	       !strcmp(json_object_get_string(schema), VMM_CACHE_SCHEMA) &&
	       !strcmp(json_object_get_string(path), info->path) && json_object_get_int64(size) == info->size &&
	       json_object_get_int64(mtime) == info->mtime_ns && json_object_get_int64(ctime) == info->ctime_ns &&
	       (unsigned long long)json_object_get_uint64(dev) == info->dev &&
	       (unsigned long long)json_object_get_uint64(ino) == info->ino &&
	       same_names(json_object_object_get(entry, "control_names"), names) &&
	       strlen(json_object_get_string(version)) < sizeof(info->version) && cache_controls(controls, info) &&
	       (snprintf(info->version, sizeof(info->version), "%s", json_object_get_string(version)), true);
}

/* The cache is a hint, read only from a regular file of our own in a
 * directory of our own (see vmm_probe), bounded, and counted only when
 * every key matches the binary's identity (path, device, inode, size,
 * mtime and ctime; ctime cannot be set back by anyone) and the binary backs
 * each control it lists. Anything else is re-probed: a corrupt or forged
 * cache is never trusted. */
static bool cache_load(int dfd, const char *name, const char *const *names, struct vmm_info *info)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	_cleanup_(json_object_putp) json_object *entry = NULL;
	char err[SEOIB_MESSAGE_MAX];
	struct stat st;
	size_t len;

	fd = open_regular_file(dfd, name, O_NOFOLLOW, &st, err);
	if (fd < 0) {
		if (errno != ENOENT)
			sentence_format(info->cache_note, sizeof(info->cache_note), "the VMM cache entry %s %s; asked QEMU instead",
				 name, err);
		return false;
	}
	if (!trusted_path_stat_ok(name, &st, true, 0, err)) {
		sentence_format(info->cache_note, sizeof(info->cache_note), "the VMM cache entry is not used: %s; asked QEMU "
				"instead and replaced it", err);
		return false;
	}
	if (st.st_size > VMM_CACHE_MAX_BYTES) {
		sentence_format(info->cache_note, sizeof(info->cache_note),
				"the VMM cache entry %s has %lld bytes, more than the %d it may have; asked QEMU instead and "
				"replaced it", name, (long long)st.st_size, VMM_CACHE_MAX_BYTES);
		return false;
	}
	if (read_fd_bounded(fd, VMM_CACHE_MAX_BYTES, &text, &len, err) < 0 || json_parse_text(text, len, &entry, err) < 0)
		return false;
	if (!cache_entry_matches(entry, names, info) || !binary_backs_controls(info)) {
		info->n_controls = 0;
		info->version[0] = '\0';
		return false;
	}
	cache_property(entry, info);
	info->found = true;
	info->from_cache = true;
	info->can_set_state = info->n_controls > 0;
	return true;
}

static json_object *cache_entry(const char *const *names, const struct vmm_info *info)
{
	json_object *entry = json_object_new_object();
	json_object *controls = json_object_new_array();

	json_object_object_add(entry, "schema", json_object_new_string(VMM_CACHE_SCHEMA));
	json_object_object_add(entry, "path", json_object_new_string(info->path));
	json_object_object_add(entry, "size", json_object_new_int64(info->size));
	json_object_object_add(entry, "mtime_ns", json_object_new_int64(info->mtime_ns));
	json_object_object_add(entry, "ctime_ns", json_object_new_int64(info->ctime_ns));
	json_object_object_add(entry, "dev", json_object_new_uint64(info->dev));
	json_object_object_add(entry, "ino", json_object_new_uint64(info->ino));
	json_object_object_add(entry, "control_names", names_to_json(names));
	json_object_object_add(entry, "version", json_object_new_string(info->version));
	for (int i = 0; i < info->n_controls; i++)
		json_object_array_add(controls, json_object_new_string(info->controls[i]));
	json_object_object_add(entry, "controls", controls);
	json_object_object_add(entry, "property_type", json_object_new_string(info->property.value_type));
	json_object_object_add(entry, "property_default", json_object_new_string(info->property.default_value));
	return entry;
}

/* Atomic (write_file_atomic_at): a reader sees the old entry or the new
 * one, never half of one. A cache that cannot be written only costs the
 * next probe a QEMU start; the reason is kept in cache_note. */
static void cache_store(int dfd, const char *name, const char *const *names, struct vmm_info *info)
{
	_cleanup_(json_object_putp) json_object *entry = cache_entry(names, info);
	const char *text = json_object_to_json_string_ext(entry, JSON_C_TO_STRING_PRETTY);
	char err[SEOIB_MESSAGE_MAX];

	if (write_file_atomic_at(dfd, name, text, strlen(text), 0644, err) < 0 && !info->cache_note[0])
		sentence_format(info->cache_note, sizeof(info->cache_note), "cannot update the VMM cache: %s", err);
}

/* ---- entry points ---- */

static int read_identity(struct vmm_info *info)
{
	struct stat st;

	if (stat(info->path, &st) < 0) {
		if (errno == ENOENT)
			sentence_format(info->error, sizeof(info->error),
				 "QEMU not found at %s; install qemu-system-x86 or set qemu= in %s", info->path,
				 SEOIB_CONFIG_PATH);
		else
			sentence_format(info->error, sizeof(info->error),
				 "cannot inspect QEMU at %s: %s; set qemu= in %s to a readable binary", info->path,
				 strerror(errno), SEOIB_CONFIG_PATH);
		return -1;
	}
	if (!S_ISREG(st.st_mode) || access(info->path, X_OK) < 0) {
		sentence_format(info->error, sizeof(info->error),
			 "QEMU at %s is not an executable file; fix its mode or set qemu= in %s", info->path,
			 SEOIB_CONFIG_PATH);
		return -1;
	}
	info->size = (long long)st.st_size;
	info->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	info->ctime_ns = (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
	info->dev = (unsigned long long)st.st_dev;
	info->ino = (unsigned long long)st.st_ino;
	return 0;
}

void vmm_probe(const struct vmm_options *opts, struct vmm_info *info)
{
	const char *const *names = opts->control_names ? opts->control_names : default_control_names;
	_cleanup_close_ int dfd = -1;
	char name[64], err[SEOIB_MESSAGE_MAX];

	memset(info, 0, sizeof(*info));
	snprintf(info->path, sizeof(info->path), "%s", opts->path ? opts->path : SEOIB_DEFAULT_QEMU);
	if (read_identity(info) < 0)
		return;
	cache_name(info->path, name, sizeof(name));
	if (opts->cache_dir) {
		/* The ownership rule of every trusted path: root with another
		 * user's $HOME must not read that user's entries, nor write into
		 * their ~/.cache; seoibd's own CacheDirectory is trusted. */
		dfd = trusted_path_open_dir(opts->cache_dir, TRUSTED_CREATE, err);
		if (dfd < 0)
			sentence_format(info->cache_note, sizeof(info->cache_note), "not using the VMM cache: %s", err);
		else if (cache_load(dfd, name, names, info)) {
			vmm_model_derive(opts, info);
			return;
		}
	}
	probe_qemu(opts, names, info);
	if (info->found && dfd >= 0)
		cache_store(dfd, name, names, info);
	vmm_model_derive(opts, info);
}

static const char *writable_dir(const char *dir)
{
	return access(dir, W_OK) == 0 ? dir : NULL;
}

const char *vmm_default_cache_dir(char buf[], size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (writable_dir(SEOIB_CACHEDIR))
		return (size_t)snprintf(buf, size, "%s", SEOIB_CACHEDIR) < size ? buf : NULL;
	/* XDG Base Directory: a relative $XDG_CACHE_HOME is invalid and ignored. */
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/seoib", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, size, "%s/.cache/seoib", home);
	else
		return NULL;
	return n >= 0 && (size_t)n < size ? buf : NULL;
}
