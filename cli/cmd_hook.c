/* seoibctl hook: the libvirt qemu hook (/etc/libvirt/hooks/qemu.d/50-seoib).
 *
 * libvirt runs it synchronously inside the daemon with argv
 * "GUEST OPERATION SUB-OPERATION EXTRA" and the domain XML on stdin
 * (domain.md section 4). So: never call back into libvirt (deadlock), keep
 * the run time bounded, and print nothing on stdout, because for
 * "migrate begin" and "restore begin" stdout replaces the domain XML.
 * The decisions themselves are in lib/gate.c, shared with check --dest. */
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
#include "seoib/exit_codes.h"
#include "seoib/fileio.h"
#include "seoib/gate.h"
#include "seoib/guest_facts.h"
#include "seoib/host_record.h"
#include "seoib/policy.h"

/* Bound on one hook call. libvirt itself waits for ever, holding the
 * domain's job: a stuck hook would hang `virsh start` with it. */
#define HOOK_TIMEOUT_S 10

/* How long a migrate/restore check stays valid for the "prepare begin"
 * that follows it on the same host (libvirt runs them back to back). */
#define HOOK_ARRIVAL_VALID_S 300

struct hook_call {
	const char *guest;
	const char *operation;
	const char *sub_operation;
	enum gate_op op;
	struct seoib_config cfg;
	struct guest_facts facts;
	bool have_facts;
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
	fprintf(out, "Usage: seoibctl hook [--config PATH] GUEST OPERATION SUB-OPERATION [EXTRA]\n\n"
		     "The libvirt qemu hook, installed as /etc/libvirt/hooks/qemu.d/50-seoib; the\n"
		     "domain XML comes on standard input. Handles prepare begin, migrate begin,\n"
		     "restore begin, stopped end and release end; exits 0 for anything else.\n"
		     "Exit status: 0 allowed, 1 refused, 2 usage error.\n");
}

static void hook_log(const struct hook_call *call, const struct gate_outcome *out)
{
	const char *state = out->state_known ? state_to_string(out->state) : "unknown";
	const char *name = call->have_facts ? call->facts.name : call->guest;
	const char *uuid = call->have_facts ? call->facts.uuid : "";
	int priority = out->verdict == GATE_ALLOW ? LOG_INFO
		     : gate_verdict_allows(out->verdict) ? LOG_WARNING : LOG_ERR;

	/* Silently does nothing without a journal socket (containers, CI). */
	sd_journal_send("MESSAGE=seoib %s %s: %s: %s", call->operation, call->sub_operation,
			gate_verdict_to_string(out->verdict), out->reason, "PRIORITY=%i", priority,
			"SYSLOG_IDENTIFIER=seoib-hook", "DOMAIN=%s", name, "UUID=%s", uuid, "OPERATION=%s",
			gate_op_to_string(call->op), "STATE=%s", state, "VERDICT=%s",
			gate_verdict_to_string(out->verdict), "REMEDIATION=%s", out->remediation, NULL);

	/* stderr is what libvirt puts into the user's error: one line. */
	switch (out->verdict) {
	case GATE_ALLOW:
		break;
	case GATE_WARN:
		fprintf(stderr, "seoib: warning: %s; allowed because hook-mode = warn; to fix: %s\n", out->reason,
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
	return gate_verdict_allows(out->verdict) ? SEOIB_EXIT_OK : SEOIB_EXIT_UNSAFE;
}

static void remember(const struct hook_call *call, const struct gate_outcome *out)
{
	struct domain_record rec = {.state = out->state, .time = time(NULL)};
	char err[SEOIB_MESSAGE_MAX];

	if (!out->state_known || !gate_verdict_allows(out->verdict))
		return;
	snprintf(rec.name, sizeof(rec.name), "%s", call->facts.name);
	snprintf(rec.uuid, sizeof(rec.uuid), "%s", call->facts.uuid);
	snprintf(rec.operation, sizeof(rec.operation), "%s", gate_op_to_string(call->op));
	snprintf(rec.verdict, sizeof(rec.verdict), "%s", gate_verdict_to_string(out->verdict));
	/* The decision stands without it: say so, do not fail the guest. */
	if (domain_record_write(DOMAIN_RECORD_DIR, &rec, err) < 0)
		fprintf(stderr, "seoib: warning: cannot remember the state of '%s': %s\n", rec.name, err);
}

/* libvirt runs "prepare begin" right after "migrate begin" / "restore begin"
 * on the same host. The guest already runs (elsewhere, or in the saved
 * image) in the state the arrival gate accepted: a fresh start decision
 * would judge a state it cannot change. True when that applies. */
static bool arrival_accepted(const struct hook_call *call, struct gate_outcome *out)
{
	struct domain_record rec;
	char err[SEOIB_MESSAGE_MAX];

	if (domain_record_read(DOMAIN_RECORD_DIR, call->facts.uuid, &rec, err) != 0)
		return false;
	if (strcmp(rec.operation, "migrate") != 0 && strcmp(rec.operation, "restore") != 0)
		return false;
	if (time(NULL) - rec.time > HOOK_ARRIVAL_VALID_S)
		return false;
	memset(out, 0, sizeof(*out));
	out->verdict = GATE_ALLOW;
	out->state_known = true;
	out->state = rec.state;
	snprintf(out->reason, sizeof(out->reason), "'%s' arrives by %s in state %s, accepted at %s begin",
		 call->facts.name, rec.operation, state_to_string(rec.state), rec.operation);
	return true;
}

static void decide_prepare(struct hook_call *call, const struct host_record *host, struct gate_outcome *out)
{
	struct decision d;

	if (arrival_accepted(call, out))
		return;
	policy_decide(&call->facts, host, NULL, 0, &d);
	gate_prepare(&call->facts, &d, &call->cfg, out);
	decision_free(&d);
}

static int forget(const struct hook_call *call)
{
	char err[SEOIB_MESSAGE_MAX];

	if (domain_record_forget(DOMAIN_RECORD_DIR, call->facts.uuid, err) < 0)
		fprintf(stderr, "seoib: warning: %s\n", err);
	return SEOIB_EXIT_OK; /* "stopped end" / "release end" cannot abort anything */
}

/* Everything from the XML on stdin to the verdict. */
static int hook_run(struct hook_call *call)
{
	_cleanup_free_ struct host_record *host = calloc(1, sizeof(*host));
	_cleanup_free_ char *xml = NULL;
	char err[SEOIB_MESSAGE_MAX], what[SEOIB_MESSAGE_MAX + 64];
	struct gate_outcome out;
	size_t len;

	if (read_file_bounded("-", GUEST_XML_MAX, &xml, &len, err) < 0) {
		drain_stdin();
		snprintf(what, sizeof(what), "the domain XML on standard input %s", err);
		gate_internal_error(what, &call->cfg, &out);
		return hook_finish(call, &out);
	}
	if (guest_facts_from_xml(xml, len, &call->facts, err) < 0) {
		snprintf(what, sizeof(what), "cannot read the domain XML of '%.64s': %s", call->guest, err);
		gate_internal_error(what, &call->cfg, &out);
		return call->op == GATE_FORGET ? SEOIB_EXIT_OK : hook_finish(call, &out);
	}
	call->have_facts = true;
	if (call->op == GATE_FORGET)
		return forget(call);
	if (!host || host_record_load(call->cfg.record_path, host, err) < 0) {
		snprintf(what, sizeof(what), "no usable host record (%s)", host ? err : "out of memory");
		gate_internal_error(what, &call->cfg, &out);
		return hook_finish(call, &out);
	}
	if (call->op == GATE_PREPARE)
		decide_prepare(call, host, &out);
	else
		/* The source is not known here: no record of it, no hook record. */
		gate_arrival(call->op, &call->facts, NULL, NULL, host, &call->cfg, &out);
	remember(call, &out);
	return hook_finish(call, &out);
}

int cmd_hook(int argc, char **argv)
{
	static const struct option options[] = {
		{"config", required_argument, NULL, 'C'},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct hook_call call = {0};
	const char *config_path = NULL;
	char err[SEOIB_MESSAGE_MAX];
	int opt;

	/* "+": stop at the first operand; a guest name may start with '-'. */
	while ((opt = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
		if (opt == 'C')
			config_path = optarg;
		else {
			hook_usage(opt == 'h' ? stdout : stderr);
			return opt == 'h' ? SEOIB_EXIT_OK : SEOIB_EXIT_ERROR;
		}
	}
	if (argc - optind < 3 || argc - optind > 4) {
		hook_usage(stderr);
		return SEOIB_EXIT_ERROR;
	}
	call.guest = argv[optind];
	call.operation = argv[optind + 1];
	call.sub_operation = argv[optind + 2];
	call.op = gate_op_from_hook(call.operation, call.sub_operation);
	arm_timeout();
	if (call.op == GATE_IGNORE) {
		drain_stdin();
		return SEOIB_EXIT_OK;
	}
	if (seoib_config_load(config_path, &call.cfg, err) < 0) {
		struct gate_outcome out;

		drain_stdin();
		/* Defaults still hold on-error = allow: the message says so. */
		seoib_config_defaults(&call.cfg);
		gate_internal_error(err, &call.cfg, &out);
		return hook_finish(&call, &out);
	}
	timeout_denies = call.cfg.on_error == ON_ERROR_DENY;
	return hook_run(&call);
}
