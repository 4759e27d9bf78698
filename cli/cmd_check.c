/* seoibctl check --dest HOST: can this host's running guests migrate to HOST?
 *
 * For each running domain it asks the very question HOST's qemu hook will
 * ask at "migrate begin" (gate_arrival() in lib/policy/gate.c), against HOST's
 * record, so the answer matches what a real migration would do. It is also
 * the evacuation planner: "can I drain this host onto HOST?". */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "libvirt_conn.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/display_width.h"
#include "seoib/domain_record.h"
#include "seoib/escape.h"
#include "seoib/exit_codes.h"
#include "seoib/fleet_backend.h"
#include "seoib/gate.h"
#include "seoib/guest_facts.h"
#include "seoib/host_can_run.h"
#include "seoib/hostname.h"
#include "seoib/json_util.h"
#include "seoib/states_json.h"
#include "seoib/policy.h"
#include "seoib/sentence.h"

struct check_args {
	const char *dest;
	const char *uri;
	const char *domain;
	const char *record_file;
	const char *config_path;
	bool json;
};

struct check_result {
	char name[256];
	char uuid[64];
	const char *state; /* "" when unknown */
	enum gate_check answer; /* published as "verdict" */
	/* The risk of the state it runs in, on this host: check answers the
	 * migration question, and an "ok" must not hide a guest that storms
	 * here already (RISK_UNKNOWN when the state is unknown). */
	enum risk risk_here;
	char reason[SEOIB_MESSAGE_MAX];
	char remediation[SEOIB_MESSAGE_MAX];
};

struct check_run {
	struct check_args args;
	struct seoib_config cfg;
	struct host_record dest_record;
	struct host_view dest_view;       /* over dest_record (host_view_peer()) */
	bool have_record;
	struct host_record source_record; /* this host's, for its VMM model */
	struct host_view source_view;     /* over source_record (host_view_local()) */
	bool have_source;
	struct host_identity here;
	struct host_view_clock clock;     /* the views' now and max-record-age */
	char record_problem[SEOIB_MESSAGE_MAX]; /* why every guest is unknown */
	int64_t record_age_s;
	size_t n_results;
	struct check_result *results;
	const char *uri;                  /* the libvirt URI listed (libvirt_uri_choose()) */
	char uri_how[SEOIB_MESSAGE_MAX]; /* where it came from, how to choose another */
};

static void check_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl check --dest HOST [-c URI] [--domain NAME] [--json]\n\n"
		     "Can the running guests of this host migrate to HOST? HOST's record comes from\n"
		     "'ssh -o BatchMode=yes HOST seoibctl status --json'; each guest gets the verdict\n"
		     "HOST's qemu hook would give at migrate begin: ok, refuse (why) or unknown (why).\n\n"
		     "  --dest HOST              destination: an RFC 1123 host name or an IP address\n"
		     "  -c, --connect URI        libvirt URI (default: $LIBVIRT_DEFAULT_URI, else\n"
		     "                           libvirt-uri in seoib.conf, else qemu:///system)\n"
		     "  --domain NAME            check one domain (default: every running one)\n"
		     "  --record-from-file FILE  read HOST's record from FILE instead of ssh\n"
		     "  --config PATH            configuration file (default " SEOIB_CONFIG_PATH ")\n"
		     "  --json                   print the verdicts as JSON\n"
		     "  -h, --help               show this help\n\n"
		     "Exit status: 0 all ok, 1 any refused, 3 any unknown (and none refused), 2 error.\n");
}

static int parse_args(int argc, char **argv, struct check_args *a)
{
	enum { OPT_DEST = 0x100, OPT_DOMAIN, OPT_RECORD_FILE, OPT_CONFIG, OPT_JSON };
	static const struct option options[] = {
		{"dest", required_argument, NULL, OPT_DEST},
		{"connect", required_argument, NULL, 'c'},
		{"domain", required_argument, NULL, OPT_DOMAIN},
		{"record-from-file", required_argument, NULL, OPT_RECORD_FILE},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_DEST: a->dest = optarg; break;
		case 'c': a->uri = optarg; break;
		case OPT_DOMAIN: a->domain = optarg; break;
		case OPT_RECORD_FILE: a->record_file = optarg; break;
		case OPT_CONFIG: a->config_path = optarg; break;
		case OPT_JSON: a->json = true; break;
		case 'h': check_usage(stdout); return 1;
		default: check_usage(stderr); return -1;
		}
	}
	if (optind != argc || !a->dest) {
		fprintf(stderr, "seoibctl check: %s; see 'seoibctl check --help'.\n",
			a->dest ? "unexpected argument" : "--dest HOST is required");
		return -1;
	}
	return 0;
}

/* HOST's record, or the reason every guest will be "unknown". */
static void load_dest_record(struct check_run *run)
{
	struct fleet_chain *chain = NULL;
	const char *from;
	char err[SEOIB_MESSAGE_MAX], where[300];

	/* fleet-backends in order (etcd, then ssh when etcd is down), or the
	 * --record-from-file alone. */
	run->have_record = fleet_chain_new(&run->cfg, run->args.record_file, &chain, err) == 0 &&
			   fleet_chain_lookup(chain, run->args.dest, &run->dest_record, &from, err) == 1;
	fleet_chain_free(chain);
	if (!run->have_record) {
		sentence_format(run->record_problem, sizeof(run->record_problem), "no record of %s: %s", run->args.dest, err);
		return;
	}
	snprintf(where, sizeof(where), "of %s", run->args.dest);
	host_view_peer(&run->dest_view, &run->dest_record, HOST_ORIGIN_FLEET, &run->clock, where);
	/* The age, for the report only: the view has judged it. */
	host_record_age_check(&run->dest_record, run->clock.now, 0, &run->record_age_s, err);
	/* A failed probe is still the host's word: the gate refuses on it. */
	if (!run->dest_view.usable && run->dest_view.problem != HOST_VIEW_STATUS) {
		run->have_record = false;
		sentence_format(run->record_problem, sizeof(run->record_problem), "%s", run->dest_view.why);
	}
}

/* This host's record: the source's VMM model, for guests without metadata
 * (none here only makes such guests unknown). */
static void load_source_record(struct check_run *run)
{
	char err[SEOIB_MESSAGE_MAX];

	run->have_source = host_record_load_trusted(run->cfg.record_path, &run->source_record, err) == 0;
	if (run->have_source)
		host_view_local(&run->source_view, &run->source_record, HOST_ORIGIN_PUBLISHED, &run->clock,
				run->cfg.record_path);
}

/* The risk of the state the guest runs in, on this host: the policy's
 * decision for the guest as if that state were recorded (a running guest's
 * state never changes), so that the risk model stays the policy's. facts
 * is the caller's last use of them: the state is written into them rather
 * than into a copy. */
static enum risk risk_here(const struct check_run *run, struct guest_facts *facts, enum seoib_state state)
{
	struct decision d;
	enum risk risk;

	facts->has_metadata_state = true;
	facts->metadata_state = state;
	policy_decide(facts, run->have_source ? &run->source_view : NULL, NULL, 0, &d);
	risk = d.risk;
	decision_free(&d);
	return risk;
}

static void check_one(const struct check_run *run, const char *xml, struct check_result *res)
{
	_cleanup_free_ struct guest_facts *facts = malloc(sizeof(*facts));
	struct gate_outcome out;
	struct domain_record started;
	bool have_started;
	char err[SEOIB_MESSAGE_MAX];

	res->state = "";
	res->risk_here = RISK_UNKNOWN;
	if (!facts || guest_facts_from_xml(xml, strlen(xml), facts, err) < 0) {
		res->answer = GATE_CHECK_UNKNOWN;
		sentence_format(res->reason, sizeof(res->reason), "cannot read its domain XML: %s", facts ? err : "out of memory");
		return;
	}
	snprintf(res->uuid, sizeof(res->uuid), "%s", facts->uuid);
	/* What the hook recorded when the guest started here is the state it
	 * runs in, even where nothing wrote it into the metadata yet. */
	have_started = domain_record_read(DOMAIN_RECORD_DIR, facts->uuid, DOMAIN_RUNNING, &started, err) == 0;
	res->answer = gate_migration_check(facts, run->have_source ? &run->source_view : NULL,
					    have_started ? &started : NULL, run->have_record ? &run->dest_view : NULL,
					    run->record_problem, &out);
	res->state = out.state != STATE_UNKNOWN ? state_to_string(out.state) : "";
	if (out.state != STATE_UNKNOWN)
		res->risk_here = risk_here(run, facts, out.state);
	sentence_format(res->reason, sizeof(res->reason), "%s", out.reason);
	sentence_format(res->remediation, sizeof(res->remediation), "%s", out.remediation);
}

static void check_domain(struct check_run *run, virDomainPtr dom, struct check_result *res)
{
	_cleanup_free_ char *xml = NULL;

	snprintf(res->name, sizeof(res->name), "%s", virDomainGetName(dom));
	libvirt_deadline_arm("libvirt (reading a domain's XML)");
	xml = virDomainGetXMLDesc(dom, 0);
	libvirt_deadline_disarm();
	if (!xml) {
		res->state = "";
		res->risk_here = RISK_UNKNOWN;
		res->answer = GATE_CHECK_UNKNOWN;
		sentence_format(res->reason, sizeof(res->reason), "cannot read its domain XML: %s", libvirt_last_error());
		return;
	}
	check_one(run, xml, res);
}

static int compare_by_name(const void *a, const void *b)
{
	return strcmp(((const struct check_result *)a)->name, ((const struct check_result *)b)->name);
}

static void free_domains(virDomainPtr *doms, int n)
{
	for (int i = 0; i < n; i++)
		virDomainFree(doms[i]);
	free(doms);
}

/* The running domains (or --domain), each checked. -1 with a sentence. */
static int check_domains(struct check_run *run, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_virconnect_ virConnectPtr conn =
		libvirt_connect(run->args.uri, &run->cfg, &run->uri, run->uri_how, err);
	virDomainPtr *doms = NULL;
	int n;

	if (!conn)
		return -1;
	libvirt_deadline_arm("libvirt (listing domains)");
	if (run->args.domain) {
		doms = calloc(1, sizeof(*doms));
		n = doms && (doms[0] = virDomainLookupByName(conn, run->args.domain)) ? 1 : -1;
	} else {
		n = virConnectListAllDomains(conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);
	}
	libvirt_deadline_disarm();
	if (n < 0) {
		free(doms);
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot %s at %s (%s): %s", run->args.domain ? "find the domain" : "list domains",
			 run->uri, run->uri_how, libvirt_last_error());
		return -1;
	}
	run->results = calloc((size_t)n + 1, sizeof(*run->results));
	if (!run->results) {
		free_domains(doms, n);
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory");
		return -1;
	}
	for (int i = 0; i < n; i++)
		check_domain(run, doms[i], &run->results[i]);
	run->n_results = (size_t)n;
	free_domains(doms, n);
	qsort(run->results, run->n_results, sizeof(*run->results), compare_by_name);
	return 0;
}

static enum gate_check overall(const struct check_run *run)
{
	bool unknown = false;

	for (size_t i = 0; i < run->n_results; i++) {
		if (run->results[i].answer == GATE_CHECK_REFUSE)
			return GATE_CHECK_REFUSE; /* a definite "no" answers "can I drain onto HOST" */
		unknown |= run->results[i].answer == GATE_CHECK_UNKNOWN;
	}
	return unknown ? GATE_CHECK_UNKNOWN : GATE_CHECK_OK;
}

static void print_json(const struct check_run *run)
{
	_cleanup_json_ json_object *o = json_object_new_object();
	json_object *domains = json_object_new_array();
	json_object *rec = json_object_new_object();

	json_add(o, "dest", json_object_new_string(run->args.dest));
	json_add(o, "uri", json_object_new_string(run->uri));
	json_add(o, "verdict", json_object_new_string(gate_check_to_string(overall(run))));
	json_add(rec, "usable", json_object_new_boolean(run->have_record));
	json_add(rec, "problem", run->have_record ? NULL : json_object_new_string(run->record_problem));
	if (run->have_record) {
		json_add(rec, "hostname", json_object_new_string(run->dest_record.host.hostname));
		json_add(rec, "age_s", json_object_new_int64(run->record_age_s));
		json_add(rec, "states", states_to_json(host_can_run_states(&run->dest_record)));
		json_add(rec, "behaviour", json_object_new_string(proof_to_string(host_behaviour_proof(&run->dest_record))));
	}
	json_add(o, "record", rec);
	for (size_t i = 0; i < run->n_results; i++) {
		const struct check_result *r = &run->results[i];
		json_object *d = json_object_new_object();

		json_add(d, "name", json_object_new_string(r->name));
		json_add(d, "uuid", json_object_new_string(r->uuid));
		json_add(d, "state", r->state[0] ? json_object_new_string(r->state) : NULL);
		json_add(d, "verdict", json_object_new_string(gate_check_to_string(r->answer)));
		json_add(d, "risk_here", json_object_new_string(risk_to_string(r->risk_here)));
		json_add(d, "reason", json_object_new_string(r->reason));
		json_add(d, "remediation", r->remediation[0] ? json_object_new_string(r->remediation) : NULL);
		json_object_array_add(domains, d);
	}
	json_add(o, "domains", domains);
	json_print(o, true);
}

static void print_table(const struct check_run *run)
{
	if (run->n_results == 0) {
		printf("No running domains at %s (%s) to check against %s.\n", run->uri, run->uri_how, run->args.dest);
		return;
	}
	/* Columns in terminal columns, not bytes (a name is any UTF-8), the
	 * names as the terminal shows them (escaped), as wide as the widest. */
	size_t width = 24;
	char shown[TEXT_ESCAPE_ROOM(sizeof(run->results[0].name))];
	size_t at_risk = 0;

	for (size_t i = 0; i < run->n_results; i++) {
		size_t w = text_display_width(text_escape_str(run->results[i].name, shown, sizeof(shown)));

		width = w > width ? w : width;
	}
	text_print_padded(stdout, "DOMAIN", width);
	printf(" %-15s %-8s %-8s %s\n", "STATE", "VERDICT", "HERE", "REASON");
	for (size_t i = 0; i < run->n_results; i++) {
		const struct check_result *r = &run->results[i];
		bool high = r->risk_here == RISK_HIGH;

		text_print_padded(stdout, text_escape_str(r->name, shown, sizeof(shown)), width);
		printf(" %-15s %-8s %-8s %s\n", r->state[0] ? r->state : "-", gate_check_to_string(r->answer),
		       high ? "at-risk" : "-", r->answer == GATE_CHECK_OK ? "" : r->reason);
		if (high)
			printf("  at risk on this host: it runs %s with risk high, whatever %s says; see 'seoibctl audit'\n",
			       r->state, run->args.dest);
		at_risk += high;
	}
	if (at_risk)
		printf("%zu running guest%s at risk of the interrupt storm on this host already (HERE); 'ok' only answers whether %s would take %s.\n",
		       at_risk, at_risk == 1 ? " is" : "s are", run->args.dest, at_risk == 1 ? "it" : "them");
}

int cmd_check(int argc, char **argv)
{
	_cleanup_free_ struct check_run *run = calloc(1, sizeof(*run));
	char err[SEOIB_MESSAGE_MAX];
	int r;

	if (!run)
		return SEOIB_EXIT_ERROR;
	r = parse_args(argc, argv, &run->args);
	if (r != 0)
		return r > 0 ? SEOIB_EXIT_OK : SEOIB_EXIT_ERROR;
	if (!hostname_is_valid(run->args.dest, err)) {
		fprintf(stderr, "seoibctl check: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	if (seoib_config_load(run->args.config_path, &run->cfg, err) < 0) {
		fprintf(stderr, "seoibctl check: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	/* A backend name the chain does not know is a configuration error, as
	 * seoibctl check-config says, not a destination without a record. */
	if (fleet_backends_check(&run->cfg, err) < 0) {
		fprintf(stderr, "seoibctl check: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	host_view_clock_now(&run->clock, &run->here, run->cfg.max_record_age_s);
	load_dest_record(run);
	load_source_record(run);
	if (!run->have_record)
		fprintf(stderr, "seoibctl check: %s\n", run->record_problem);
	if (check_domains(run, err) < 0) {
		fprintf(stderr, "seoibctl check: %s\n", err);
		free(run->results);
		return SEOIB_EXIT_ERROR;
	}
	if (run->args.json)
		print_json(run);
	else
		print_table(run);
	r = overall(run);
	free(run->results);
	return r == GATE_CHECK_OK ? SEOIB_EXIT_OK : r == GATE_CHECK_REFUSE ? SEOIB_EXIT_UNSAFE : SEOIB_EXIT_UNKNOWN;
}
