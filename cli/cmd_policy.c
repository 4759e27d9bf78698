/* seoibctl policy: decide a guest's Directed EOI state from its domain XML
 * and the records of this host and its migration targets (docs/policy.md). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "libvirt_conn.h"
#include "seoib/exit_codes.h"
#include "seoib/fileio.h"
#include "seoib/host_identity.h"
#include "seoib/guest_facts.h"
#include "seoib/host_probe.h"
#include "seoib/host_record.h"
#include "seoib/host_view.h"
#include "seoib/json_util.h"
#include "seoib/policy.h"
#include "seoib/guest_facts_qemu.h"
#include "seoib/vmm.h"
#include "seoib/sentence.h"


struct policy_args {
	const char *xml_path;
	const char *domain;
	const char *connect_uri;
	const char *host_path;       /* NULL: the default record, else a live probe */
	const char **target_paths;   /* argc slots, n_targets used */
	size_t n_targets;
	bool json;
	bool ask_qemu;               /* false: --no-ask-qemu */
	struct probe_args probe;
};

/* Everything one run owns, released in one place. */
struct policy_run {
	struct guest_facts facts;
	struct host_record *host;
	struct host_record *targets;
	struct host_view *target_views; /* n_targets, over targets */
	struct host_view host_view;  /* over host: usable and why not (host_view_local()) */
	struct host_identity here;   /* this host, for the views */
	struct host_view_clock clock; /* now and max-record-age, for the views */
	const char *host_source;     /* "record" or "live probe" */
	char *xml;                   /* the domain XML, for the question to its QEMU */
	size_t xml_len;
	char host_path[4096];
	struct decision decision;
};

static void policy_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl policy --xml FILE|- [--host RECORD] [--target RECORD]... [--json]\n"
		     "       seoibctl policy --domain NAME [-c URI] [...]\n\n"
		     "Decide a guest's Directed EOI state (quirked, respected, not-advertised), its risk\n"
		     "of the Windows/Hyper-V interrupt storm, and whether this host and every migration\n"
		     "target can run it. The rule table is in docs/policy.md.\n\n"
		     "  --xml FILE|-         libvirt domain XML ('-' reads standard input)\n"
		     "  --domain NAME        ask libvirt for the domain's XML instead\n"
		     "  -c, --connect URI    libvirt URI for --domain (default: $LIBVIRT_DEFAULT_URI,\n"
		     "                       else libvirt-uri in seoib.conf, else qemu:///system)\n"
		     "  --host RECORD        this host's record (default record-path in seoib.conf,\n"
		     "                       or a live probe when that file does not exist)\n"
		     "  --target RECORD      a migration target's record (repeatable)\n"
		     "  --json               print the decision (seoib.decision/1)\n"
		     "  --no-ask-qemu        take the irqchip and I/O APIC facts from the XML and\n"
		     "                       seoib's machine-type table, not from the guest's QEMU\n"
		     "  -h, --help           show this help\n"
		     "Live probe options: --behaviour, --no-behaviour, --device, --timeout, --qemu,\n"
		     "  --vmm-control, --vmm-cache, --no-vmm-cache, --no-vmm, --config (see seoibctl probe --help)\n\n"
		     "Exit status: 0 safe, 1 unsafe, 2 usage or internal error, 3 unknown.\n");
}

static int parse_args(int argc, char **argv, struct policy_args *a)
{
	enum { OPT_XML = PROBE_ARG_LAST, OPT_DOMAIN, OPT_HOST, OPT_TARGET, OPT_JSON, OPT_NO_ASK_QEMU };
	static const struct option options[] = {
		PROBE_LONG_OPTIONS,
		{"xml", required_argument, NULL, OPT_XML},
		{"domain", required_argument, NULL, OPT_DOMAIN},
		{"connect", required_argument, NULL, 'c'},
		{"host", required_argument, NULL, OPT_HOST},
		{"target", required_argument, NULL, OPT_TARGET},
		{"json", no_argument, NULL, OPT_JSON},
		{"no-ask-qemu", no_argument, NULL, OPT_NO_ASK_QEMU},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int c;

	while ((c = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (c) {
		case OPT_XML:
			a->xml_path = optarg;
			break;
		case OPT_DOMAIN:
			a->domain = optarg;
			break;
		case 'c':
			a->connect_uri = optarg;
			break;
		case OPT_HOST:
			a->host_path = optarg;
			break;
		case OPT_TARGET:
			a->target_paths[a->n_targets++] = optarg;
			break;
		case OPT_JSON:
			a->json = true;
			break;
		case OPT_NO_ASK_QEMU:
			a->ask_qemu = false;
			break;
		case 'h':
			policy_usage(stdout);
			return 1;
		case '?':
			policy_usage(stderr);
			return -1;
		default:
			if (probe_args_parse(&a->probe, c, optarg) < 0)
				return -1;
		}
	}
	return 0;
}

static int check_args(int argc, char **argv, const struct policy_args *a)
{
	size_t stdin_users = 0;

	if (optind < argc) {
		fprintf(stderr, "seoibctl policy: unexpected argument '%s'; see 'seoibctl policy --help'.\n", argv[optind]);
		return -1;
	}
	if (!a->xml_path == !a->domain) {
		fprintf(stderr, "seoibctl policy: give exactly one of --xml FILE or --domain NAME; see 'seoibctl policy --help'.\n");
		return -1;
	}
	stdin_users += a->xml_path && strcmp(a->xml_path, "-") == 0;
	stdin_users += a->host_path && strcmp(a->host_path, "-") == 0;
	for (size_t i = 0; i < a->n_targets; i++)
		stdin_users += strcmp(a->target_paths[i], "-") == 0;
	if (stdin_users > 1) {
		fprintf(stderr, "seoibctl policy: only one of --xml, --host and --target can read standard input ('-').\n");
		return -1;
	}
	return 0;
}

/* The XML from --xml FILE|- or from libvirt (--domain: the XML libvirt has
 * now, with seoib's metadata in it), kept for the question to its QEMU. */
static int read_guest(const struct policy_args *a, struct policy_run *run)
{
	char err[SEOIB_MESSAGE_MAX], inner[SEOIB_MESSAGE_MAX];
	int r;

	if (a->xml_path) {
		r = read_file_bounded(a->xml_path, GUEST_XML_MAX, &run->xml, &run->xml_len, inner);
		if (r < 0)
			sentence_format(err, sizeof(err), "domain XML %s: %s; pass the XML as libvirt writes it (virsh dumpxml GUEST)",
					strcmp(a->xml_path, "-") == 0 ? "on standard input" : a->xml_path, inner);
	} else {
		/* libvirt-uri is the URI the operator means (libvirt_uri_choose()). */
		r = libvirt_domain_xml_at(a->connect_uri, &a->probe.config, a->domain, &run->xml, err);
		run->xml_len = r < 0 ? 0 : strlen(run->xml);
	}
	if (r >= 0)
		r = guest_facts_from_xml(run->xml, run->xml_len, &run->facts, err);
	if (r < 0)
		fprintf(stderr, "seoibctl policy: %s\n", err);
	return r;
}

/* The guest's own QEMU answers for this host only: a live probe, the
 * published record, or a --host record whose machine id and host name are
 * this host's. Another host's guest is judged on the XML and the table. */
static bool judging_this_host(const struct policy_args *a, const struct policy_run *run)
{
	return !a->host_path || run->host_view.own;
}

static void ask_guest_qemu(const struct policy_args *a, struct policy_run *run)
{
	_cleanup_free_ struct qemu_guest_answer *answer = calloc(1, sizeof(*answer));
	struct qemu_guest_query_options opts = {0};
	char cache[4096];

	if (!a->ask_qemu || !judging_this_host(a, run))
		return;
	if (!answer) {
		sentence_format(run->facts.facts_source, sizeof(run->facts.facts_source),
				"the domain XML and seoib's machine-type table (QEMU not asked: out of memory)");
		return;
	}
	opts.cache_dir = vmm_default_cache_dir(cache, sizeof(cache));
	qemu_guest_facts(run->xml, run->xml_len, &opts, &run->facts, answer);
}

/* --host, else the record seoibd publishes (record-path, as the hook reads
 * it), else probe this host now; then its view, by the one local rule
 * (host_view_local()). */
static int read_host(struct policy_args *a, struct policy_run *run)
{
	char err[SEOIB_MESSAGE_MAX];
	const char *path = a->host_path;

	/* seoib.conf (loaded by decide()): record-path, and max-record-age
	 * for this host's own record, judged as the hook judges it. */
	host_view_clock_now(&run->clock, &run->here, a->probe.config.max_record_age_s);
	if (!path && access(a->probe.config.record_path, F_OK) == 0)
		path = a->probe.config.record_path;
	if (path) {
		run->host_source = "record";
		snprintf(run->host_path, sizeof(run->host_path), "%s", path);
		if ((a->host_path ? host_record_load(path, run->host, err)
				 : host_record_load_trusted(path, run->host, err)) == 0) {
			host_view_local(&run->host_view, run->host,
					a->host_path ? HOST_ORIGIN_NAMED : HOST_ORIGIN_PUBLISHED, &run->clock, path);
			return 0;
		}
		fprintf(stderr, "seoibctl policy: cannot use host record %s; check the file or omit --host for a live probe.\n",
			err);
		return -1;
	}
	if (probe_args_finish(&a->probe) < 0)
		return -1;
	run->host_source = "live probe";
	if (probe_args_run(&a->probe, run->host) < 0)
		return -1;
	host_view_local(&run->host_view, run->host, HOST_ORIGIN_PROBE, &run->clock, "of the live probe");
	return 0;
}

/* Each --target and its view, by the one peer rule (host_view_peer()). */
static int read_targets(const struct policy_args *a, struct policy_run *run)
{
	char err[SEOIB_MESSAGE_MAX];

	for (size_t i = 0; i < a->n_targets; i++) {
		if (host_record_load(a->target_paths[i], &run->targets[i], err) == 0) {
			host_view_peer(&run->target_views[i], &run->targets[i], HOST_ORIGIN_NAMED, &run->clock,
				       a->target_paths[i]);
			continue;
		}
		fprintf(stderr, "seoibctl policy: cannot use target record %s; check the file.\n", err);
		return -1;
	}
	return 0;
}

/* One host: what it runs ("runs respected"), "CANNOT run S: why", or
 * "unknown: why"; the word that matters first, said once. */
static void print_host_line(const char *label, const struct host_judgement *hj)
{
	static const char cannot[] = "cannot ";

	if (!hj->known)
		printf("%-12s %-24s unknown: %s\n", label, hj->hostname, hj->why);
	else if (hj->can_run)
		printf("%-12s %-24s %s\n", label, hj->hostname, hj->why);
	else if (strncmp(hj->why, cannot, sizeof(cannot) - 1) == 0)
		printf("%-12s %-24s CANNOT %s\n", label, hj->hostname, hj->why + sizeof(cannot) - 1);
	else
		printf("%-12s %-24s CANNOT run it: %s\n", label, hj->hostname, hj->why);
	if (hj->known)
		printf("%-12s %-24s %-10s %s\n", "", "", proof_to_string(hj->proof), hj->evidence);
}

/* The guest's facts, each unknown one printed as unknown, and the signals
 * named for what they are: VBS only for the victim, Windows that can run
 * its own hypervisor. */
static void print_guest(const struct guest_facts *g)
{
	char why[SEOIB_MESSAGE_MAX], windows[256];
	enum guest_windows w = guest_facts_windows(g, windows, sizeof(windows));
	enum guest_victim v = guest_facts_victim(g, why, sizeof(why));

	printf("Guest        %s (%s, %s irqchip", g->name, g->machine[0] ? g->machine : "no machine type",
	       guest_facts_irqchip_string(g));
	if (!g->qemu_lapic && (g->irqchip == IRQCHIP_SPLIT || g->irqchip_unknown)) {
		if (g->ioapic_unknown)
			printf(", I/O APIC unknown");
		else
			printf(", I/O APIC 0x%x", g->ioapic_version);
	}
	if (!g->qemu_lapic && g->x2apic != X2APIC_PRESENT)
		printf(", x2APIC %s", guest_x2apic_to_string(g->x2apic));
	printf(")\n");
	if (g->facts_source[0])
		printf("Facts from   %s\n", g->facts_source);
	printf("Windows      %s: %s\n", guest_windows_to_string(w), windows);
	if (!g->qemu_lapic && g->x2apic == X2APIC_ABSENT) {
		/* The victim or not, it is never offered Directed EOI. */
		printf("At risk      no: its vCPU has no x2APIC, so Directed EOI is never offered (the victim otherwise: %s)\n",
		       guest_victim_to_string(v));
		return;
	}
	printf("At risk      %s: %s\n", guest_victim_to_string(v), why);
	if (v == VICTIM_YES && (g->secure_boot || g->tpm))
		printf("VBS signals  %s%s (Windows 11 turns VBS on by default where they exist)\n",
		       g->secure_boot ? " Secure-Boot" : "", g->tpm ? " TPM" : "");
	if (g->has_metadata_state)
		printf("Recorded     %s%s%s\n", state_to_string(g->metadata_state), g->metadata_host[0] ? " by " : "",
		       g->metadata_host);
}

static void print_decision(const struct policy_run *run)
{
	const struct decision *d = &run->decision;

	print_guest(&run->facts);
	printf("State        %s%s\n", state_to_string(d->state), d->sticky ? " (sticky: recorded)" : "");
	if (d->run.differs)
		printf("Preferred    %s (QEMU here runs %s: see the reasons)\n", state_to_string(d->preferred),
		       state_to_string(d->state));
	/* Risk is the storm's in the decided state; an unsafe verdict with
	 * no risk comes from a host that cannot run that state. */
	if (d->verdict == VERDICT_UNSAFE && d->risk == RISK_NONE)
		printf("Risk         none in %s, on a host that can run it (the verdict: a host cannot)\n",
		       state_to_string(d->state));
	else
		printf("Risk         %s\n", risk_to_string(d->risk));
	printf("Verdict      %s (rule %u)\n", verdict_to_string(d->verdict), d->rule);
	printf("Proof        %s (behaviour of %s on the hosts below)\n", decision_proof_to_string(d),
	       state_to_string(d->state));
	for (int i = 0; i < d->n_reasons; i++)
		printf("%-12s %s\n", i == 0 ? "Reasons" : "", d->reasons[i]);
	if (d->remediation[0])
		printf("Remediation  %s\n", d->remediation);
	print_host_line(strcmp(run->host_source, "live probe") == 0 ? "Host (live)" : "Host", &d->host);
	for (size_t i = 0; i < d->n_targets; i++)
		print_host_line("Target", &d->targets[i]);
}

static void print_json(const struct policy_run *run)
{
	_cleanup_json_ json_object *obj = decision_to_json(&run->facts, &run->decision);

	json_add(obj, "host_source", json_object_new_string(run->host_source));
	json_print(obj, true);
}

static int verdict_exit(enum verdict v)
{
	switch (v) {
	case VERDICT_SAFE:
		return SEOIB_EXIT_OK;
	case VERDICT_UNSAFE:
		return SEOIB_EXIT_UNSAFE;
	default:
		return SEOIB_EXIT_UNKNOWN;
	}
}

/* seoib.conf, once, into a->probe.config: libvirt-uri for --domain,
 * record-path and max-record-age for this host's record, and the probe's
 * settings. */
static int load_config(struct policy_args *a)
{
	char err[SEOIB_MESSAGE_MAX];

	if (seoib_config_load(a->probe.config_path, &a->probe.config, err) == 0)
		return 0;
	fprintf(stderr, "seoibctl policy: %s\n", err);
	return -1;
}

static int decide(struct policy_args *a, struct policy_run *run)
{
	if (load_config(a) < 0 || read_guest(a, run) < 0 || read_host(a, run) < 0 || read_targets(a, run) < 0)
		return SEOIB_EXIT_ERROR;
	ask_guest_qemu(a, run);
	policy_decide(&run->facts, &run->host_view, run->target_views, a->n_targets, &run->decision);
	if (a->json)
		print_json(run);
	else
		print_decision(run);
	return verdict_exit(run->decision.verdict);
}

int cmd_policy(int argc, char **argv)
{
	_cleanup_free_ const char **target_paths = calloc((size_t)argc + 1, sizeof(*target_paths));
	_cleanup_free_ struct policy_run *run = calloc(1, sizeof(*run));
	_cleanup_free_ struct host_record *host = calloc(1, sizeof(*host));
	struct policy_args a = {.target_paths = target_paths, .ask_qemu = true};
	_cleanup_free_ struct host_record *targets = NULL;
	_cleanup_free_ struct host_view *target_views = NULL;
	int r;

	if (!target_paths || !run || !host) {
		fprintf(stderr, "seoibctl policy: out of memory.\n");
		return SEOIB_EXIT_ERROR;
	}
	probe_args_init(&a.probe);
	r = parse_args(argc, argv, &a);
	if (r != 0)
		return r > 0 ? SEOIB_EXIT_OK : SEOIB_EXIT_ERROR;
	if (check_args(argc, argv, &a) < 0)
		return SEOIB_EXIT_ERROR;
	targets = a.n_targets ? calloc(a.n_targets, sizeof(*targets)) : NULL;
	target_views = a.n_targets ? calloc(a.n_targets, sizeof(*target_views)) : NULL;
	if (a.n_targets && (!targets || !target_views)) {
		fprintf(stderr, "seoibctl policy: out of memory for %zu target records.\n", a.n_targets);
		return SEOIB_EXIT_ERROR;
	}
	run->host = host;
	run->targets = targets;
	run->target_views = target_views;
	r = decide(&a, run);
	decision_free(&run->decision);
	free(run->xml);
	return r;
}
