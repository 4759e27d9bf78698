/* seoibctl hook: the libvirt qemu hook (/etc/libvirt/hooks/qemu.d/50-seoib).
 *
 * libvirt runs it synchronously inside the daemon with argv
 * "GUEST OPERATION SUB-OPERATION EXTRA" and the domain XML on stdin
 * (docs/background.md section 4). So: never call back into libvirt (deadlock), keep
 * the run time bounded, and print nothing on stdout, because for
 * "migrate begin" and "restore begin" stdout replaces the domain XML.
 * The decisions themselves are in lib/policy/gate.c, shared with check --dest;
 * this file reads the inputs (stdin, seoib.conf, the records, libvirt's PID
 * file through qemu_launch_read()), calls the gate and prints. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/domain_record.h"
#include "seoib/escape.h"
#include "seoib/exit_codes.h"
#include "seoib/fileio.h"
#include "seoib/gate.h"
#include "seoib/guest_facts.h"
#include "seoib/host_record.h"
#include "seoib/guest_facts_qemu.h"
#include "seoib/host_view.h"
#include "seoib/qemu_launch.h"
#include "seoib/sentence.h"
#include "seoib/vmm.h"

/* Bound on one hook call. libvirt itself waits for ever, holding the
 * domain's job: a stuck hook would hang `virsh start` with it. */
#define HOOK_TIMEOUT_S 10

struct hook_call {
	const char *guest;
	const char *operation;
	const char *sub_operation;
	enum gate_op op;
	struct seoib_config cfg;
	struct guest_facts facts;
	bool have_facts;
	const char *config_path;
	bool config_failed; /* seoib_config_load() failed; only started begin goes on */
};

static volatile sig_atomic_t timeout_denies;

static void on_timeout(int sig)
{
	static const char allow_msg[] =
		"seoib: warning: the hook gave up after 10 s without a decision; allowing (on-error = allow)\n";
	static const char deny_msg[] =
		"seoib: the hook gave up after 10 s without a decision; refusing (on-error = deny); check that /run/seoib is readable\n";

	if (timeout_denies)
		(void)!write(STDERR_FILENO, deny_msg, sizeof(deny_msg) - 1);
	else
		(void)!write(STDERR_FILENO, allow_msg, sizeof(allow_msg) - 1);
	_exit(timeout_denies ? SEOIB_EXIT_UNSAFE : SEOIB_EXIT_OK);
}

static void arm_timeout(void)
{
	struct sigaction sa = {.sa_handler = on_timeout};

	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	alarm(HOOK_TIMEOUT_S);
}

/* libvirt writes the whole XML to our stdin; read what we do not need so
 * that its write never fails with EPIPE. Bounded by the alarm. */
static void drain_stdin(void)
{
	char buf[65536];

	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
}

static void hook_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl hook [--config PATH] GUEST OPERATION SUB-OPERATION EXTRA\n\n"
		     "The libvirt qemu hook, installed as /etc/libvirt/hooks/qemu.d/50-seoib; the\n"
		     "domain XML comes on standard input. The last four words are always libvirt's,\n"
		     "whatever they look like (a guest may be named -h); EXTRA is '-' when empty.\n"
		     "Handles prepare begin, migrate begin, restore begin, started begin, stopped\n"
		     "end and release end; exits 0 for anything else. Prints nothing on standard\n"
		     "output, ever.\n"
		     "Exit status: 0 allowed, 1 refused, 2 usage error.\n");
}

static void hook_log(const struct hook_call *call, const struct gate_outcome *out)
{
	const char *state = state_or_unknown_to_string(out->state);
	const char *name = call->have_facts ? call->facts.name : call->guest;
	const char *uuid = call->have_facts ? call->facts.uuid : "";
	int priority = out->answer == GATE_ALLOW ? LOG_INFO
		     : gate_answer_allows(out->answer) ? LOG_WARNING : LOG_ERR;
	/* The journal gets the same escaping as stderr (seoib/escape.h). */
	char e_op[64], e_sub[64], e_reason[TEXT_ESCAPE_ROOM(sizeof(out->reason))],
		e_name[TEXT_ESCAPE_ROOM(sizeof(call->facts.name))],
		e_fix[TEXT_ESCAPE_ROOM(sizeof(out->remediation))],
		e_source[TEXT_ESCAPE_ROOM(GUEST_FACTS_SOURCE_MAX)];

	/* The message alone tells which guest and what to do (journalctl -t
	 * seoib-hook -p warning, the roll-out's view): an error's reason does
	 * not name the guest, and no reason says the fix. */
	bool error = out->answer == GATE_ERROR_ALLOW || out->answer == GATE_ERROR_DENY;
	bool fix = out->answer != GATE_ALLOW && out->remediation[0];

	text_escape_str(name, e_name, sizeof(e_name));
	text_escape_str(out->remediation, e_fix, sizeof(e_fix));
	/* Silently does nothing without a journal socket (containers, CI). */
	sd_journal_send("MESSAGE=seoib %s %s: %s: %s%s%s%s%s%s", text_escape_str(call->operation, e_op, sizeof(e_op)),
			text_escape_str(call->sub_operation, e_sub, sizeof(e_sub)),
			gate_answer_to_string(out->answer), error ? "'" : "", error ? e_name : "", error ? "': " : "",
			text_escape_str(out->reason, e_reason, sizeof(e_reason)), fix ? "; to fix: " : "",
			fix ? e_fix : "", "PRIORITY=%i", priority, "SYSLOG_IDENTIFIER=seoib-hook", "DOMAIN=%s", e_name,
			"UUID=%s", uuid, "OPERATION=%s", gate_op_to_string(call->op), "STATE=%s", state, "VERDICT=%s",
			gate_answer_to_string(out->answer), "REMEDIATION=%s", e_fix, "FACTS_SOURCE=%s",
			text_escape_str(call->have_facts ? guest_facts_source(&call->facts) : "", e_source, sizeof(e_source)),
			NULL);

	/* stderr is what libvirt puts into the user's error: one line. */
	switch (out->answer) {
	case GATE_ALLOW:
		break;
	case GATE_WARN:
		fprintf(stderr, "seoib: warning: %s; allowed because %s; to fix: %s\n", out->reason,
			out->acknowledged ? "the operator acknowledged it (seoibctl ack)" : "hook-mode = warn",
			out->remediation);
		break;
	case GATE_ERROR_ALLOW:
		fprintf(stderr, "seoib: warning: %s\n", out->reason);
		break;
	case GATE_REFUSE:
	case GATE_ERROR_DENY:
		fprintf(stderr, "seoib: refused: %s; to fix: %s\n", out->reason, out->remediation);
		break;
	}
}

static int hook_finish(const struct hook_call *call, const struct gate_outcome *out)
{
	hook_log(call, out);
	return gate_answer_allows(out->answer) ? SEOIB_EXIT_OK : SEOIB_EXIT_UNSAFE;
}

/* prepare, migrate or restore begin: the pending record becomes this
 * call's (gate_pending()), or is dropped. */
static void remember(const struct hook_call *call, const struct gate_outcome *out)
{
	struct domain_record rec;
	char err[SEOIB_MESSAGE_MAX];

	if (!gate_pending(call->op, &call->facts, out, (int64_t)time(NULL), &rec)) {
		if (domain_record_drop(DOMAIN_RECORD_DIR, call->facts.uuid, DOMAIN_PENDING, err) < 0)
			fprintf(stderr, "seoib: warning: %s\n", err);
		return;
	}
	/* The decision stands without it: say so, do not fail the guest. */
	if (domain_record_write(DOMAIN_RECORD_DIR, &rec, err) < 0)
		fprintf(stderr, "seoib: warning: cannot remember the state of '%s': %s\n", rec.name, err);
}

/* Temporary files a hook killed by its alarm left behind (bounded). */
static void sweep(void)
{
	char err[SEOIB_MESSAGE_MAX];

	if (domain_record_sweep(DOMAIN_RECORD_DIR, (int64_t)time(NULL), err) < 0)
		fprintf(stderr, "seoib: warning: %s\n", err);
}

/* Drop the running record under this guest's UUID unless it is, readably,
 * another guest's (gate_record_is_of(): UUID and name): a hook of a guest
 * that shares the UUID under another name (a save or an incoming migration
 * of a renamed copy) never takes away what the running one runs. */
static int drop_running(const struct hook_call *call, char err[SEOIB_MESSAGE_MAX])
{
	struct domain_record running;

	if (domain_record_read(DOMAIN_RECORD_DIR, call->facts.uuid, DOMAIN_RUNNING, &running, err) == 0 &&
	    !gate_record_is_of(&running, &call->facts)) {
		fprintf(stderr, "seoib: warning: the running record under UUID %s is of '%s', not of '%s': kept\n",
			call->facts.uuid, running.name, call->facts.name);
		return 0;
	}
	return domain_record_drop(DOMAIN_RECORD_DIR, call->facts.uuid, DOMAIN_RUNNING, err);
}

static int forget(const struct hook_call *call)
{
	char err[SEOIB_MESSAGE_MAX];

	if (domain_record_drop(DOMAIN_RECORD_DIR, call->facts.uuid, DOMAIN_PENDING, err) < 0 ||
	    drop_running(call, err) < 0)
		fprintf(stderr, "seoib: warning: %s\n", err);
	else
		sweep();
	return SEOIB_EXIT_OK; /* "stopped end" / "release end" cannot abort anything */
}

static struct host_record *usable_host(const struct hook_call *call, struct host_view *view,
				       char what[SEOIB_MESSAGE_MAX + 64]);
static void ask_guest_qemu(const char *xml, size_t len, struct guest_facts *facts);
static void hook_config_note(const char *sentence, void *userdata);

/* started begin after a prepare begin an arrival's authorisation let in:
 * how libvirt launched the guest's QEMU, and, for a fresh start, this
 * host's record and the guest's QEMU facts, judged by gate_launched().
 * True with *start set to the record to commit. */
static bool judge_launch(struct hook_call *call, const char *xml, size_t len, const struct domain_record *pending,
			 int64_t now, struct gate_outcome *out, struct domain_record *start)
{
	_cleanup_free_ struct host_record *host = NULL;
	struct host_view view;
	struct qemu_launch_fact launch;
	char err[SEOIB_MESSAGE_MAX], what[SEOIB_MESSAGE_MAX + 64] = "";

	/* This started begin may refuse: seoib.conf counts as it does at prepare begin. */
	if (call->config_failed &&
	    seoib_config_salvage(call->config_path, &call->cfg, hook_config_note, NULL, err) != 0) {
		gate_config_error(err, out);
		return false;
	}
	timeout_denies = gate_timeout_denies(true, call->cfg.on_error);
	qemu_launch_read(QEMU_LAUNCH_STATE_DIR, call->facts.name, call->facts.uuid, &launch);
	if (launch.launch == QEMU_LAUNCH_FRESH) {
		host = usable_host(call, &view, what);
		if (host)
			ask_guest_qemu(xml, len, &call->facts);
	}
	return gate_launched(&call->facts, host ? &view : NULL, what, pending, &launch, now, &call->cfg, out, start);
}

/* started begin: the pending record of this start becomes what the guest
 * runs (gate_commit()), or nothing does. Exits 0 (libvirt kills a guest
 * whose started hook fails) unless an arrival's authorisation let a fresh
 * start in at prepare begin and gate_launched() refuses it. */
static int commit(struct hook_call *call, const char *xml, size_t len)
{
	struct domain_record pending, start, running;
	struct gate_outcome out;
	char err[SEOIB_MESSAGE_MAX], why[SEOIB_MESSAGE_MAX];
	int64_t now = (int64_t)time(NULL);
	int r = domain_record_read(DOMAIN_RECORD_DIR, call->facts.uuid, DOMAIN_PENDING, &pending, err);
	bool judged = r == 0 && gate_launch_matters(&call->facts, &pending);
	bool have_start = r == 0;

	if (r < 0)
		fprintf(stderr, "seoib: warning: %s\n", err);
	/* Whatever this guest committed before is of an earlier run of it. */
	if (drop_running(call, err) < 0)
		fprintf(stderr, "seoib: warning: %s\n", err);
	if (judged)
		have_start = judge_launch(call, xml, len, &pending, now, &out, &start);
	else if (have_start)
		start = pending;
	if (!gate_commit(&call->facts, have_start ? &start : NULL, now, &running, why)) {
		/* A judged start refused, or undecided, has its answer say why;
		 * one allowed must still say why nothing is recorded. */
		if (!judged || have_start)
			fprintf(stderr, "seoib: warning: %s; seoib records nothing as what it runs, and takes its state from its seoib metadata instead\n",
				why);
	} else if (domain_record_write(DOMAIN_RECORD_DIR, &running, err) < 0)
		fprintf(stderr, "seoib: warning: cannot record what '%s' runs: %s\n", call->facts.name, err);
	if (r == 0 && domain_record_drop(DOMAIN_RECORD_DIR, call->facts.uuid, DOMAIN_PENDING, err) < 0)
		fprintf(stderr, "seoib: warning: %s\n", err);
	if (r >= 0) /* the directory was usable */
		sweep();
	return judged ? hook_finish(call, &out) : SEOIB_EXIT_OK;
}

/* The record at record-path is this host's own: its view by the one
 * local rule (host_view_local(); docs/policy.md, "Which host records a
 * decision uses"). */
static void view_host(const struct hook_call *call, const struct host_record *host, struct host_view *view)
{
	struct host_identity here;
	struct host_view_clock clock;

	host_view_clock_now(&clock, &here, call->cfg.max_record_age_s);
	host_view_local(view, host, HOST_ORIGIN_PUBLISHED, &clock, call->cfg.record_path);
}

/* A domain XML the hook cannot use (gate_oversized_xml(),
 * gate_internal_error()): the answer, for the operations it may refuse,
 * and for a started begin of a start an arrival's authorisation let in,
 * found by the guest's name (gate_commit_bad_input()), whose pending
 * record is then dropped. */
static int bad_input(const struct hook_call *call, struct gate_outcome *out)
{
	struct domain_record pending;
	char err[SEOIB_MESSAGE_MAX];

	if (gate_op_refuses_bad_input(call->op))
		return hook_finish(call, out);
	if (call->op != GATE_COMMIT ||
	    domain_record_find_named(DOMAIN_RECORD_DIR, call->guest, DOMAIN_PENDING, &pending, err) != 0 ||
	    !gate_commit_bad_input(&pending, out))
		return SEOIB_EXIT_OK;
	if (domain_record_drop(DOMAIN_RECORD_DIR, pending.uuid, DOMAIN_PENDING, err) < 0)
		fprintf(stderr, "seoib: warning: %s\n", err);
	return hook_finish(call, out);
}

/* This host's record, read, with its view by the one local rule
 * (view_host()); NULL with a sentence in what when it cannot be read or
 * the view says it cannot be used. */
static struct host_record *usable_host(const struct hook_call *call, struct host_view *view,
				       char what[SEOIB_MESSAGE_MAX + 64])
{
	struct host_record *host = calloc(1, sizeof(*host));
	char err[SEOIB_MESSAGE_MAX];

	if (!host || host_record_load_trusted(call->cfg.record_path, host, err) < 0) {
		sentence_format(what, SEOIB_MESSAGE_MAX + 64, "no usable host record (%s)", host ? err : "out of memory");
		free(host);
		return NULL;
	}
	view_host(call, host, view);
	if (!view->usable) {
		sentence_format(what, SEOIB_MESSAGE_MAX + 64, "no usable host record (%s)", view->why);
		free(host);
		return NULL;
	}
	return host;
}

/* The guest's own QEMU answers its irqchip, I/O APIC and x2APIC facts
 * (seoib/qemu_guest_query.h). seoibd keeps the answers of defined guests
 * cached, so the hook normally reads one; with a cold cache it asks QEMU
 * itself, bounded (about 0.1 s, at most GUEST_QEMU_BOUND_MS, well inside the
 * hook's alarm), and when QEMU does not answer in time the facts come from
 * the XML and the machine-type table, and facts_source says so. */
#define GUEST_QEMU_BOUND_MS 3000

static void ask_guest_qemu(const char *xml, size_t len, struct guest_facts *facts)
{
	_cleanup_free_ struct qemu_guest_answer *answer = calloc(1, sizeof(*answer));
	struct qemu_guest_query_options opts = {.timeout_ms = GUEST_QEMU_BOUND_MS};
	char cache[4096];

	if (!answer)
		return;
	opts.cache_dir = vmm_default_cache_dir(cache, sizeof(cache));
	qemu_guest_facts(xml, len, &opts, facts, answer);
}

/* Everything from the XML on stdin to the answer. */
static int hook_run(struct hook_call *call)
{
	_cleanup_free_ struct host_record *host = NULL;
	_cleanup_free_ char *xml = NULL;
	char err[SEOIB_MESSAGE_MAX], what[SEOIB_MESSAGE_MAX + 64];
	struct gate_outcome out;
	struct host_view view;
	struct domain_record last;
	bool have_last;
	size_t len;

	int r = read_file_bounded("-", GUEST_XML_MAX, &xml, &len, err);

	if (r == -EFBIG) {
		drain_stdin();
		sentence_format(what, sizeof(what), "the domain XML on standard input %s", err);
		gate_oversized_xml(call->guest, what, &out);
		return bad_input(call, &out);
	}
	if (r < 0) {
		drain_stdin();
		sentence_format(what, sizeof(what), "the domain XML on standard input %s", err);
		gate_internal_error(what, &call->cfg, &out);
		return bad_input(call, &out);
	}
	r = guest_facts_from_xml(xml, len, &call->facts, err);
	if (r == GUEST_XML_TOO_COMPLEX) {
		gate_oversized_xml(call->guest, err, &out);
		return bad_input(call, &out);
	}
	if (r < 0) {
		sentence_format(what, sizeof(what), "cannot read the domain XML of '%s': %s", call->guest, err);
		gate_internal_error(what, &call->cfg, &out);
		return bad_input(call, &out);
	}
	call->have_facts = true;
	if (call->op == GATE_FORGET)
		return forget(call);
	if (call->op == GATE_COMMIT)
		return commit(call, xml, len);
	/* The hook's pending record of this guest (an arrival a prepare may
	 * follow): only prepare begin judges it, an arrival never reads it.
	 * Then it is dropped at once: prepare, migrate and restore begin each
	 * replace it or drop it, and a path that returns before remember()
	 * (no usable host record with on-error = allow, the alarm) must not
	 * leave an older operation's record for started begin to commit as
	 * what this start runs. */
	have_last = call->op == GATE_PREPARE &&
		    domain_record_read(DOMAIN_RECORD_DIR, call->facts.uuid, DOMAIN_PENDING, &last, err) == 0;
	if (gate_uuid_is_valid(call->facts.uuid) &&
	    domain_record_drop(DOMAIN_RECORD_DIR, call->facts.uuid, DOMAIN_PENDING, err) < 0)
		fprintf(stderr, "seoib: warning: %s\n", err);
	host = usable_host(call, &view, what);
	if (!host) {
		gate_internal_error(what, &call->cfg, &out);
		return hook_finish(call, &out);
	}
	/* The facts QEMU itself gives (its own answer, cached; docs/vmm.md). */
	ask_guest_qemu(xml, len, &call->facts);
	/* The pending record read above and the clock: the only inputs
	 * gate_hook() does not get from above. */
	gate_hook(call->op, &call->facts, &view, have_last ? &last : NULL, (int64_t)time(NULL), &call->cfg, &out);
	remember(call, &out);
	return hook_finish(call, &out);
}

/* A line of seoib.conf the hook goes past: said on stderr (libvirt shows
 * it) and in the journal. */
static void hook_config_note(const char *sentence, void *userdata)
{
	(void)userdata;
	fprintf(stderr, "seoib: warning: %s\n", sentence);
	sd_journal_send("MESSAGE=seoib: %s", sentence, "PRIORITY=%i", LOG_WARNING, "SYSLOG_IDENTIFIER=seoib-hook", NULL);
}

/* seoib.conf does not load (seoib_config_salvage(), docs/seoib.conf.5
 * "ERRORS"): a bad hook-mode or on-error line is taken at its strictest and
 * the guest is still checked, so a typo neither turns enforcement off nor
 * refuses a guest enforcement would start; a bad record-path or
 * max-record-age line, or a file that cannot be read, refuses whatever
 * on-error says; any other bad line keeps its key's built-in value. */
static int hook_bad_config(struct hook_call *call, const char *config_path)
{
	char err[SEOIB_MESSAGE_MAX];
	struct gate_outcome out;
	int closed = seoib_config_salvage(config_path, &call->cfg, hook_config_note, NULL, err);

	timeout_denies = gate_timeout_denies(gate_op_refuses_bad_input(call->op),
					     closed ? ON_ERROR_DENY : call->cfg.on_error);
	if (!closed)
		return hook_run(call);
	drain_stdin();
	gate_config_error(err, &out);
	return hook_finish(call, &out);
}

/* libvirt always passes exactly four words, GUEST OPERATION SUB-OPERATION
 * EXTRA (EXTRA is "-" when it has nothing to say), and a guest name may be
 * anything but a newline: "-h", "--config", "-". So the last four words are
 * libvirt's, always, and are never read as options; only what comes before
 * them is, and only --config PATH / --config=PATH. Nothing is ever printed
 * on stdout: on "migrate begin" libvirt would take it for the domain XML.
 * Returns 0, 1 for --help alone (no libvirt call), or -1 after the usage. */
static int hook_args(int argc, char **argv, struct hook_call *call, const char **config_path)
{
	int n_options = argc - 1 - 4;

	if (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		hook_usage(stderr);
		return 1;
	}
	if (n_options < 0) {
		hook_usage(stderr);
		return -1;
	}
	for (int i = 1; i <= n_options; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 <= n_options)
			*config_path = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			*config_path = argv[i] + 9;
		else {
			fprintf(stderr, "seoib: hook option '%s' is not --config PATH; libvirt's four words GUEST OPERATION SUB-OPERATION EXTRA come last\n",
				argv[i]);
			hook_usage(stderr);
			return -1;
		}
	}
	call->guest = argv[argc - 4];
	call->operation = argv[argc - 3];
	call->sub_operation = argv[argc - 2];
	return 0;
}

/* Whatever a library might print goes nowhere: libvirt reads this hook's
 * stdout as a replacement domain XML on migrate/restore. The descriptor is
 * redirected, not the FILE: stdout may be seoib's escaping stream, which
 * freopen() cannot reopen. */
static void silence_stdout(void)
{
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);

	fflush(stdout);
	if (devnull < 0)
		/* Read-only, so every write to fd 1 fails; a closed fd 1 would
		 * be handed to the next open() (a record file). */
		devnull = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (devnull < 0 || (devnull != STDOUT_FILENO && dup2(devnull, STDOUT_FILENO) < 0)) {
		/* stdout cannot be made safe: libvirt fails the call, and shows this. */
		fprintf(stderr, "seoib: refused: the hook cannot point its standard output away from libvirt (%s); "
				"check that /dev/null exists and is a character device\n", strerror(errno));
		_exit(SEOIB_EXIT_ERROR);
	}
	if (devnull > STDOUT_FILENO)
		close(devnull);
}

int cmd_hook(int argc, char **argv)
{
	struct hook_call call = {0};
	const char *config_path = NULL;
	char err[SEOIB_MESSAGE_MAX];
	int r;

	silence_stdout();
	r = hook_args(argc, argv, &call, &config_path);
	if (r != 0)
		return r > 0 ? SEOIB_EXIT_OK : SEOIB_EXIT_ERROR;
	call.op = gate_op_from_hook(call.operation, call.sub_operation);
	arm_timeout();
	if (call.op == GATE_IGNORE) {
		drain_stdin();
		return SEOIB_EXIT_OK;
	}
	/* "started begin", "stopped end" and "release end" refuse nothing and
	 * commit or forget the guest's records under DOMAIN_RECORD_DIR, which
	 * no seoib.conf key names: a bad file must not leave a record behind. */
	call.config_path = config_path;
	call.config_failed = seoib_config_load(config_path, &call.cfg, err) < 0;
	if (call.config_failed && gate_op_refuses_bad_input(call.op))
		return hook_bad_config(&call, config_path);
	/* started begin fails only once it judges an arrival's launch
	 * (judge_launch()): libvirt would kill the guest. */
	timeout_denies = gate_timeout_denies(gate_op_refuses_bad_input(call.op), call.cfg.on_error);
	return hook_run(&call);
}
