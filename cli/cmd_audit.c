/* seoibctl audit: every guest defined or running on this host, what the
 * qemu hook would answer at its next start, and why.
 *
 * The roll-out question before enforcement ("which of my guests would be
 * refused?") and the operator's view afterwards. Each guest's answer is
 * the start gate's own, gate_start() of lib/policy/gate.c, under this
 * host's seoib.conf (hook-mode, on-error) and record, for the definition
 * its next start runs (the persistent one); nothing here decides. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "domain_access.h"
#include "libvirt_conn.h"
#include "seoib/audit.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/domain_record.h"
#include "seoib/exit_codes.h"
#include "seoib/gate.h"
#include "seoib/guest_facts.h"
#include "seoib/host_record.h"
#include "seoib/json_util.h"
#include "seoib/policy.h"
#include "seoib/sentence.h"

struct audit_args {
	const char *uri;
	const char *config_path;
	const char *hook_mode; /* NULL: seoib.conf's */
	bool json;
};

struct audit_run {
	struct audit_args args;
	const char *uri;
	struct seoib_config cfg;
	struct host_record host;
	struct host_view host_view; /* over host (audit_host_load()) */
	bool have_host;
	char host_problem[SEOIB_MESSAGE_MAX]; /* why every guest is the on-error case */
	size_t n_rows;
	struct audit_guest *rows;
};

static void audit_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl audit [-c URI] [--hook-mode enforce|warn] [--config PATH] [--json]\n\n"
		     "Every guest defined or running on this host: its facts, the state it runs in\n"
		     "and will start in, its risk, what the qemu hook would answer at its next start\n"
		     "(allow, warn, refuse, error-allow, error-deny) under seoib.conf's hook-mode and\n"
		     "on-error, its acknowledgement (seoibctl ack) and the remediation.\n\n"
		     "  -c, --connect URI           libvirt URI (default: $LIBVIRT_DEFAULT_URI, else\n"
		     "                              libvirt-uri in seoib.conf, else qemu:///system)\n"
		     "  --hook-mode enforce|warn    judge as if seoib.conf said this (a roll-out's dry run)\n"
		     "  --config PATH               configuration file (default " SEOIB_CONFIG_PATH ")\n"
		     "  --json                      print the audit as JSON (" AUDIT_SCHEMA ")\n"
		     "  -h, --help                  show this help\n\n"
		     "Exit status: 0 no guest would be refused, 1 some would be refused,\n"
		     "3 some could not be judged (none refused), 2 error.\n");
}

static int parse_args(int argc, char **argv, struct audit_args *a)
{
	enum { OPT_HOOK_MODE = 0x100, OPT_CONFIG, OPT_JSON };
	static const struct option options[] = {
		{"connect", required_argument, NULL, 'c'},
		{"hook-mode", required_argument, NULL, OPT_HOOK_MODE},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (opt) {
		case 'c': a->uri = optarg; break;
		case OPT_HOOK_MODE: a->hook_mode = optarg; break;
		case OPT_CONFIG: a->config_path = optarg; break;
		case OPT_JSON: a->json = true; break;
		case 'h': audit_usage(stdout); return 1;
		default: audit_usage(stderr); return -1;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "seoibctl audit: unexpected argument '%s'; see 'seoibctl audit --help'.\n", argv[optind]);
		return -1;
	}
	if (a->hook_mode && hook_mode_from_string(a->hook_mode) < 0) {
		fprintf(stderr, "seoibctl audit: --hook-mode is '%s', not enforce or warn; see 'seoibctl audit --help'.\n",
			a->hook_mode);
		return -1;
	}
	return 0;
}

/* One domain as libvirt gives it, judged by audit_guest(). */
static void audit_domain(struct audit_run *run, virDomainPtr dom, struct audit_guest *row)
{
	char start_error[SEOIB_MESSAGE_MAX] = "", live_error[SEOIB_MESSAGE_MAX] = "";
	_cleanup_free_ char *start_xml = NULL, *live_xml = NULL;
	struct audit_input in = {.name = virDomainGetName(dom)};
	int autostart = 0;

	libvirt_deadline_arm("libvirt (reading a domain's status)");
	in.active = virDomainIsActive(dom) == 1;
	in.persistent = virDomainIsPersistent(dom) == 1;
	in.autostart = in.persistent && virDomainGetAutostart(dom, &autostart) == 0 && autostart;
	libvirt_deadline_disarm();
	/* Its next start runs the persistent definition. */
	start_xml = domain_xml(dom, in.persistent ? VIR_DOMAIN_XML_INACTIVE : 0, start_error);
	live_xml = in.active ? domain_xml(dom, 0, live_error) : NULL;
	in.start_xml = start_xml;
	in.start_error = start_error;
	in.live_xml = live_xml;
	in.live_error = live_error;
	audit_guest(&in, run->have_host ? &run->host_view : NULL, run->host_problem, &run->cfg, DOMAIN_RECORD_DIR,
		    (int64_t)time(NULL), row);
}

static int compare_by_name(const void *a, const void *b)
{
	return strcmp(((const struct audit_guest *)a)->name, ((const struct audit_guest *)b)->name);
}

static int audit_domains(struct audit_run *run, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_virconnect_ virConnectPtr conn = libvirt_connect(run->args.uri, &run->cfg, NULL, NULL, err);
	virDomainPtr *doms = NULL;
	int n;

	if (!conn)
		return -1;
	libvirt_deadline_arm("libvirt (listing domains)");
	n = virConnectListAllDomains(conn, &doms, 0);
	libvirt_deadline_disarm();
	if (n < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot list the domains at %s: %s", domain_uri_name(run->uri),
				libvirt_last_error());
		return -1;
	}
	run->rows = calloc((size_t)n + 1, sizeof(*run->rows));
	for (int i = 0; i < n; i++) {
		if (run->rows)
			audit_domain(run, doms[i], &run->rows[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
	if (!run->rows) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory for %d domains", n);
		return -1;
	}
	run->n_rows = (size_t)n;
	qsort(run->rows, run->n_rows, sizeof(*run->rows), compare_by_name);
	return 0;
}

static int audit_exit(const struct audit_run *run)
{
	static const int codes[] = {
		[AUDIT_CLEAR] = SEOIB_EXIT_OK, [AUDIT_REFUSE] = SEOIB_EXIT_UNSAFE, [AUDIT_UNKNOWN] = SEOIB_EXIT_UNKNOWN,
	};

	return codes[audit_overall(run->rows, run->n_rows)];
}

static void print_json(const struct audit_run *run)
{
	_cleanup_json_ json_object *o = audit_to_json(domain_uri_name(run->uri), &run->cfg,
						      run->have_host ? &run->host : NULL, run->host_problem, run->rows,
						      run->n_rows);

	json_print(o, true);
}

static const char *ack_word(const struct audit_guest *r)
{
	if (!r->have_facts)
		return "-";
	return r->facts.acknowledged ? "yes" : r->facts.ack_invalid ? "invalid" : "-";
}

static void print_table(const struct audit_run *run)
{
	size_t refused = 0, warned = 0, acked = 0, unjudged = 0;

	if (!run->have_host)
		fprintf(stderr, "seoibctl audit: %s; every guest gets on-error = %s\n", run->host_problem,
			on_error_to_string(run->cfg.on_error));
	if (run->n_rows == 0) {
		printf("No domains at %s.\n", domain_uri_name(run->uri));
		return;
	}
	printf("%-24s %-8s %-14s %-14s %-7s %-11s %s\n", "DOMAIN", "STATUS", "RUNS", "NEXT-START", "RISK", "HOOK", "ACK");
	for (size_t i = 0; i < run->n_rows; i++) {
		const struct audit_guest *r = &run->rows[i];

		printf("%-24s %-8s %-14s %-14s %-7s %-11s %s\n", r->name, r->active ? "running" : "shut-off",
		       r->active ? state_or_unknown_to_string(r->running) : "-",
		       r->gate.state != STATE_UNKNOWN ? state_to_string(r->gate.state) : "-",
		       r->have_decision ? risk_to_string(r->decision.risk) : "-", gate_answer_to_string(r->gate.answer),
		       ack_word(r));
		if (r->gate.answer != GATE_ALLOW)
			printf("  why: %s\n", r->gate.reason);
		if (r->have_facts && r->facts.ack_invalid)
			printf("  ack: %s\n", r->facts.ack_why);
		if (r->gate.remediation[0] && r->gate.answer != GATE_ALLOW)
			printf("  to fix: %s\n", r->gate.remediation);
		/* What this host can do about it now, without another QEMU. */
		if (r->have_decision && r->decision.risk == RISK_HIGH && r->persistent)
			printf("  remedy: seoibctl apply --domain %s --remediation auto (shows the change; --yes writes it)%s%s%s\n",
			       r->name, r->facts.acknowledged ? "" : ", or accept the risk: seoibctl ack --domain ",
			       r->facts.acknowledged ? "" : r->name, r->facts.acknowledged ? "" : " --reason TEXT");
		if (r->gate.answer != GATE_ALLOW && r->autostart && !gate_answer_allows(r->gate.answer))
			printf("  autostart: libvirt will not start it at boot while the hook refuses it\n");
		refused += !gate_answer_allows(r->gate.answer);
		warned += r->gate.answer == GATE_WARN;
		acked += r->gate.acknowledged;
		unjudged += r->gate.answer == GATE_ERROR_ALLOW;
	}
	printf("%zu domain%s at %s, hook-mode = %s: %zu would be refused at the next start, %zu allowed with a warning (%zu acknowledged)",
	       run->n_rows, run->n_rows == 1 ? "" : "s", domain_uri_name(run->uri), hook_mode_to_string(run->cfg.hook_mode),
	       refused, warned, acked);
	/* Those on-error = allow lets start unjudged, whatever hook-mode says. */
	if (unjudged)
		printf(", %zu allowed unjudged (on-error = allow)", unjudged);
	printf(".\n");
}

static void free_rows(struct audit_run *run)
{
	for (size_t i = 0; i < run->n_rows; i++)
		audit_guest_free(&run->rows[i]);
	free(run->rows);
	run->rows = NULL;
}

int cmd_audit(int argc, char **argv)
{
	_cleanup_free_ struct audit_run *run = calloc(1, sizeof(*run));
	char err[SEOIB_MESSAGE_MAX];
	int r;

	if (!run)
		return SEOIB_EXIT_ERROR;
	r = parse_args(argc, argv, &run->args);
	if (r != 0)
		return r > 0 ? SEOIB_EXIT_OK : SEOIB_EXIT_ERROR;
	if (seoib_config_load(run->args.config_path, &run->cfg, err) < 0) {
		fprintf(stderr, "seoibctl audit: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	if (run->args.hook_mode)
		run->cfg.hook_mode = hook_mode_from_string(run->args.hook_mode);
	run->uri = domain_uri(run->args.uri, &run->cfg);
	run->have_host = audit_host_load(&run->cfg, (int64_t)time(NULL), &run->host, &run->host_view, run->host_problem);
	if (audit_domains(run, err) < 0) {
		fprintf(stderr, "seoibctl audit: %s\n", err);
		free_rows(run);
		return SEOIB_EXIT_ERROR;
	}
	if (run->args.json)
		print_json(run);
	else
		print_table(run);
	r = audit_exit(run);
	free_rows(run);
	return r;
}
