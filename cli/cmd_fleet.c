/* seoibctl fleet: the host records of the fleet inventory in etcd
 * (docs/fleet.md), one line per host and a summary; with --domain / --xml,
 * a guest's migration domain and the state it would get if it must stay
 * mobile across a set of hosts. A thin layer over the fleet chain
 * (lib/fleet/fleet_chain.c) and lib/policy/policy.c. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "commands.h"
#include "libvirt_conn.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/exit_codes.h"
#include "seoib/fleet_backend.h"
#include "seoib/guest_facts.h"
#include "seoib/host_can_run.h"
#include "seoib/inventory.h"
#include "seoib/json_util.h"
#include "seoib/states_json.h"
#include "seoib/policy.h"
#include "seoib/host_identity.h"
#include "seoib/record_current.h"
#include "seoib/sentence.h"

struct fleet_args {
	bool json;
	const char *endpoints;
	const char *prefix;
	const char *config_path;
	const char *domain;
	const char *xml_path;
	const char *connect_uri;
	const char *targets;     /* "h1,h2" */
	bool all;
	const char *home;        /* the guest's current host; default this host */
};

/* What one line shows: kept small, so 10,000 hosts cost little memory. */
struct fleet_row {
	char hostname[256];
	char kernel[128];
	enum kernel_generation generation;
	enum probe_status status;
	unsigned states;
	enum proof proof;               /* host_behaviour_proof() */
	enum proof state_proof[STATE_COUNT];
	bool vmm_control;
	int64_t age_s;
	bool stale;
};

/* A listing keeps one small row a host; a guest's migration domain keeps
 * each host's answers instead (struct host_answers, a few hundred bytes:
 * each record is answered for the guest as it is read, then dropped), and
 * the record of the guest's home, once. --all hands the engine the same
 * answers as its targets. */
struct fleet {
	struct fleet_args args;
	struct seoib_config cfg;
	int64_t now;
	size_t n_rows, capacity;    /* rows, or answers with keep_records; allocated */
	struct fleet_row *rows;     /* the listing */
	bool keep_records;          /* domain mode: records answered, no rows */
	struct host_answers *answers;
	const struct guest_facts *guest;  /* what the records are answered for */
	struct host_view_clock clock;     /* and how they are judged (host_view_peer()) */
	char home_name[256];        /* the guest's current host */
	struct host_record *home;   /* its record (the first whose name is home_name's), or NULL */
	size_t home_index;          /* its answers' index */
	struct fleet_invalid *invalid;
	size_t n_invalid;
	bool oom;
};

static void fleet_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl fleet [--json] [--endpoints URLS] [--prefix PREFIX]\n"
		     "       seoibctl fleet --domain NAME | --xml FILE [--targets H1,H2,... | --all] [--host H]\n\n"
		     "The fleet inventory in etcd: every published host record, one line per host, and a\n"
		     "summary. With --domain or --xml: which hosts can run the guest's state, and the state\n"
		     "the policy engine would choose for the guest to stay mobile across --targets / --all.\n\n"
		     "  --json              print JSON (hosts, summary, invalid entries)\n"
		     "  --endpoints URLS    etcd endpoints, comma-separated (default: etcd-endpoints)\n"
		     "  --prefix PREFIX     key prefix (default: etcd-prefix, " INVENTORY_DEFAULT_PREFIX ")\n"
		     "  --config PATH       configuration file (default " SEOIB_CONFIG_PATH ")\n"
		     "  --domain NAME       the guest, from libvirt (-c URI)\n"
		     "  --xml FILE          the guest, from a domain XML file ('-' = stdin)\n"
		     "  -c, --connect URI   libvirt URI for --domain\n"
		     "  --targets LIST      hosts the guest must be able to move between\n"
		     "  --all               every host in the inventory is a target\n"
		     "  --host NAME         the guest's current host (default: this host)\n"
		     "  -h, --help          show this help\n\n"
		     "Exit status: 0 ok, 1 the guest cannot stay mobile safely, 2 error (etcd unreachable),\n"
		     "3 unknown (a target has no record).\n");
}

static int parse_args(int argc, char **argv, struct fleet_args *a)
{
	enum { OPT_JSON = 0x100, OPT_ENDPOINTS, OPT_PREFIX, OPT_CONFIG, OPT_DOMAIN, OPT_XML, OPT_TARGETS, OPT_ALL,
	       OPT_HOST };
	static const struct option options[] = {
		{"json", no_argument, NULL, OPT_JSON},
		{"endpoints", required_argument, NULL, OPT_ENDPOINTS},
		{"prefix", required_argument, NULL, OPT_PREFIX},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"domain", required_argument, NULL, OPT_DOMAIN},
		{"xml", required_argument, NULL, OPT_XML},
		{"connect", required_argument, NULL, 'c'},
		{"targets", required_argument, NULL, OPT_TARGETS},
		{"all", no_argument, NULL, OPT_ALL},
		{"host", required_argument, NULL, OPT_HOST},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_JSON: a->json = true; break;
		case OPT_ENDPOINTS: a->endpoints = optarg; break;
		case OPT_PREFIX: a->prefix = optarg; break;
		case OPT_CONFIG: a->config_path = optarg; break;
		case OPT_DOMAIN: a->domain = optarg; break;
		case OPT_XML: a->xml_path = optarg; break;
		case 'c': a->connect_uri = optarg; break;
		case OPT_TARGETS: a->targets = optarg; break;
		case OPT_ALL: a->all = true; break;
		case OPT_HOST: a->home = optarg; break;
		case 'h': fleet_usage(stdout); exit(SEOIB_EXIT_OK);
		default: fleet_usage(stderr); return -1;
		}
	}
	if (optind < argc || (a->domain && a->xml_path) || ((a->targets || a->all || a->home) && !a->domain && !a->xml_path) ||
	    (a->targets && a->all)) {
		fprintf(stderr, "seoibctl fleet: --targets, --all and --host need --domain or --xml, --domain and --xml "
				"exclude each other, and so do --targets and --all; see seoibctl fleet --help\n");
		return -1;
	}
	return 0;
}

static int load_config(struct fleet *f)
{
	char err[SEOIB_MESSAGE_MAX];

	if (seoib_config_load(f->args.config_path, &f->cfg, err) < 0) {
		fprintf(stderr, "seoibctl fleet: %s\n", err);
		return -1;
	}
	if (f->args.endpoints)
		snprintf(f->cfg.etcd_endpoints, sizeof(f->cfg.etcd_endpoints), "%s", f->args.endpoints);
	if (f->args.prefix)
		snprintf(f->cfg.etcd_prefix, sizeof(f->cfg.etcd_prefix), "%s", f->args.prefix);
	return 0;
}

static void fill_row(const struct fleet *f, const struct host_summary *sum, struct fleet_row *row)
{
	char why[SEOIB_MESSAGE_MAX];

	memset(row, 0, sizeof(*row));
	snprintf(row->hostname, sizeof(row->hostname), "%s", sum->hostname);
	sentence_format(row->kernel, sizeof(row->kernel), "%s", sum->kernel_release);
	row->generation = sum->generation;
	row->status = sum->status;
	row->states = sum->states;
	memcpy(row->state_proof, sum->state_proof, sizeof(row->state_proof));
	row->proof = sum->proof;
	row->vmm_control = sum->vmm_control;
	/* A live lease says the daemon runs; an old probe says it stopped
	 * probing; a probe dated in the future says its clock cannot be trusted. */
	row->stale = !host_view_summary_fresh(sum->probe_time, &f->clock, &row->age_s, why);
}

/* Room for one more row or record: doubling, as 10,000 rows grown one by
 * one would be copied over and over. */
static bool grow(struct fleet *f)
{
	size_t want = f->capacity ? f->capacity * 2 : 256;

	if (f->n_rows < f->capacity)
		return true;
	if (f->keep_records) {
		struct host_answers *answers = reallocarray(f->answers, want, sizeof(*answers));

		if (!answers)
			return false;
		f->answers = answers;
	} else {
		struct fleet_row *rows = reallocarray(f->rows, want, sizeof(*rows));

		if (!rows)
			return false;
		f->rows = rows;
	}
	f->capacity = want;
	return true;
}

/* The record answered for the guest by the one peer rule (its view,
 * host_view_peer(): an old record no longer says what that host runs, so
 * it is unknown, with why); the home's record kept whole, as the guest's
 * state is chosen on it. */
static bool keep_record(struct fleet *f, const struct host_record *rec)
{
	struct host_view view;

	host_view_peer(&view, rec, HOST_ORIGIN_FLEET, &f->clock, "in the inventory");
	if (policy_host_answers(&view, f->guest, &f->answers[f->n_rows]) < 0)
		return false;
	if (!f->home && host_names_same(rec->host.hostname, f->home_name)) {
		f->home = malloc(sizeof(*f->home));
		if (!f->home) {
			host_answers_free(&f->answers[f->n_rows]);
			return false;
		}
		*f->home = *rec;
		f->home_index = f->n_rows;
	}
	return true;
}

static int collect_record(const struct host_summary *sum, const struct host_record *rec, void *userdata)
{
	struct fleet *f = userdata;

	if (!grow(f) || (f->keep_records && (!rec || !keep_record(f, rec)))) {
		f->oom = true; /* a walk for records always hands one */
		return 1;
	}
	if (!f->keep_records)
		fill_row(f, sum, &f->rows[f->n_rows]);
	f->n_rows++;
	return 0;
}

DEFINE_TRIVIAL_CLEANUP(struct fleet_chain *, fleet_chain_free)

/* The first backend of fleet-backends that can list: summaries for the
 * listing, whole records for a guest's migration domain. */
static int read_inventory(struct fleet *f)
{
	_cleanup_(fleet_chain_freep) struct fleet_chain *chain = NULL;
	struct fleet_walk_result res = {0};
	char err[SEOIB_MESSAGE_MAX];
	int r;

	if (fleet_chain_new(&f->cfg, NULL, &chain, err) < 0) {
		fprintf(stderr, "seoibctl fleet: %s\n", err);
		return -1;
	}
	if (!fleet_chain_walker(chain)) {
		fleet_chain_why_none(chain, true, NULL, err);
		fprintf(stderr, "seoibctl fleet: %s (configuration file %s)\n", err,
			f->args.config_path ? f->args.config_path : SEOIB_CONFIG_PATH);
		return -1;
	}
	r = fleet_chain_walk(chain, f->keep_records, collect_record, f, &res, err);
	f->invalid = res.invalid;
	f->n_invalid = res.n_invalid;
	if (r < 0) {
		fprintf(stderr, "seoibctl fleet: %s\n", err);
		return -1;
	}
	if (f->oom) {
		fprintf(stderr, "seoibctl fleet: out of memory reading %zu host records\n", f->n_rows);
		return -1;
	}
	if (res.note[0])
		fprintf(stderr, "seoibctl fleet: %s\n", res.note);
	for (size_t i = 0; i < f->n_invalid; i++)
		fprintf(stderr, "seoibctl fleet: skipped %s: %s\n", f->invalid[i].key, f->invalid[i].why);
	return 0;
}

/* ---- the listing ---- */

static const char *behaviour_text(const struct fleet_row *row)
{
	return proof_to_string(row->proof);
}

static json_object *state_proofs_to_json(const struct fleet_row *row)
{
	json_object *o = json_object_new_object();

	for (int s = 0; s < STATE_COUNT; s++)
		json_add(o, state_to_string((enum seoib_state)s), json_object_new_string(proof_to_string(row->state_proof[s])));
	return o;
}

/* Hosts per generation, and hosts able to run each state as a decision
 * would count them: a stale record is unknown to every decision
 * (collect_record()), so its states count for nothing. */
static void tally(const struct fleet *f, size_t per_gen[GEN_COUNT], size_t per_state[STATE_COUNT])
{
	for (size_t i = 0; i < f->n_rows; i++) {
		per_gen[f->rows[i].generation]++;
		for (int s = 0; s < STATE_COUNT && !f->rows[i].stale; s++)
			per_state[s] += (f->rows[i].states & STATE_BIT(s)) != 0;
	}
}

static void print_summary_text(const struct fleet *f)
{
	size_t per_gen[GEN_COUNT] = {0}, per_state[STATE_COUNT] = {0};

	tally(f, per_gen, per_state);
	printf("\n%zu hosts; by kernel generation:", f->n_rows);
	for (int g = 0; g < GEN_COUNT; g++)
		if (per_gen[g])
			printf(" %s %zu", generation_to_string((enum kernel_generation)g), per_gen[g]);
	printf("\nhosts able to run each state:");
	for (int s = 0; s < STATE_COUNT; s++)
		printf(" %s %zu", state_to_string((enum seoib_state)s), per_state[s]);
	printf("\n");
	if (f->n_invalid)
		printf("%zu invalid entries skipped (see stderr)\n", f->n_invalid);
}

static void print_rows_text(const struct fleet *f)
{
	char states[96];

	printf("%-24s %-22s %-12s %-34s %-12s %-4s %8s\n", "HOST", "KERNEL", "GENERATION", "STATES", "BEHAVIOUR",
	       "VMM", "AGE");
	for (size_t i = 0; i < f->n_rows; i++) {
		const struct fleet_row *r = &f->rows[i];
		printf("%-24s %-22s %-12s %-34s %-12s %-4s %7llds%s%s\n", r->hostname, r->kernel,
		       generation_to_string(r->generation),
		       r->status == PROBE_OK ? states_text(r->states, states, sizeof(states))
					     : probe_status_to_string(r->status),
		       behaviour_text(r), r->vmm_control ? "yes" : "no", (long long)r->age_s,
		       r->stale ? " STALE" : "", "");
	}
	print_summary_text(f);
	if (f->cfg.max_record_age_s)
		printf("max-record-age %u s: older records are STALE and count as unknown in decisions\n",
		       f->cfg.max_record_age_s);
	else
		printf("max-record-age 0: no record is ever stale (seoib.conf)\n");
}

static json_object *row_to_json(const struct fleet_row *r)
{
	json_object *o = json_object_new_object();

	json_add(o, "hostname", json_object_new_string(r->hostname));
	json_add(o, "kernel_release", json_object_new_string(r->kernel));
	json_add(o, "status", json_object_new_string(probe_status_to_string(r->status)));
	json_add(o, "generation", json_object_new_string(generation_to_string(r->generation)));
	json_add(o, "states", states_to_json(r->states));
	json_add(o, "behaviour", json_object_new_string(behaviour_text(r)));
	json_add(o, "proof", state_proofs_to_json(r));
	json_add(o, "vmm_control", json_object_new_boolean(r->vmm_control));
	json_add(o, "age_s", json_object_new_int64(r->age_s));
	json_add(o, "stale", json_object_new_boolean(r->stale));
	return o;
}

static json_object *summary_to_json(const struct fleet *f)
{
	json_object *summary = json_object_new_object(), *gens = json_object_new_object();
	json_object *states = json_object_new_object();
	size_t per_gen[GEN_COUNT] = {0}, per_state[STATE_COUNT] = {0};

	tally(f, per_gen, per_state);
	for (int g = 0; g < GEN_COUNT; g++)
		json_add(gens, generation_to_string((enum kernel_generation)g), json_object_new_int64((int64_t)per_gen[g]));
	for (int s = 0; s < STATE_COUNT; s++)
		json_add(states, state_to_string((enum seoib_state)s), json_object_new_int64((int64_t)per_state[s]));
	json_add(summary, "hosts", json_object_new_int64((int64_t)f->n_rows));
	json_add(summary, "generations", gens);
	json_add(summary, "states", states);
	return summary;
}

static json_object *invalid_to_json(const struct fleet *f)
{
	json_object *list = json_object_new_array();

	for (size_t i = 0; i < f->n_invalid; i++) {
		json_object *o = json_object_new_object();
		json_add(o, "key", json_object_new_string(f->invalid[i].key));
		json_add(o, "why", json_object_new_string(f->invalid[i].why));
		json_object_array_add(list, o);
	}
	return list;
}

static json_object *fleet_to_json(const struct fleet *f)
{
	json_object *doc = json_object_new_object(), *hosts = json_object_new_array_ext((int)f->n_rows);

	for (size_t i = 0; i < f->n_rows; i++)
		json_object_array_add(hosts, row_to_json(&f->rows[i]));
	json_add(doc, "schema", json_object_new_string("seoib.fleet/1"));
	json_add(doc, "prefix", json_object_new_string(f->cfg.etcd_prefix));
	json_add(doc, "max_record_age_s", json_object_new_int64(f->cfg.max_record_age_s));
	json_add(doc, "hosts", hosts);
	json_add(doc, "summary", summary_to_json(f));
	json_add(doc, "invalid", invalid_to_json(f));
	return doc;
}

/* ---- the migration domain of one guest ---- */

static int read_guest(const struct fleet_args *a, struct guest_facts *facts)
{
	_cleanup_free_ char *xml = NULL;
	char err[SEOIB_MESSAGE_MAX];
	int r;

	if (a->xml_path)
		r = guest_facts_load(a->xml_path, facts, err);
	else if ((r = libvirt_domain_xml(a->connect_uri, a->domain, &xml, err)) == 0)
		r = guest_facts_from_xml(xml, strlen(xml), facts, err);
	if (r < 0)
		fprintf(stderr, "seoibctl fleet: %s\n", err);
	return r;
}

static const struct host_answers *find_answers(const struct fleet *f, const char *hostname)
{
	for (size_t i = 0; i < f->n_rows; i++)
		if (host_names_same(f->answers[i].hostname ? f->answers[i].hostname : "", hostname))
			return &f->answers[i];
	return NULL;
}

/* The requested targets that have a record; the others are absent (their
 * lease expired, or they never published): unknown, never "can run".
 * --all: every host's answers, in place (*owned NULL). --targets: shallow
 * copies of the answers named (*owned, to free; the sentences stay f's),
 * at most one a record held. */
static int select_targets(const struct fleet *f, const struct host_answers **out, struct host_answers **owned,
			  size_t *n, json_object *absent)
{
	_cleanup_free_ char *list = strdup(f->args.targets ? f->args.targets : "");
	_cleanup_free_ struct host_answers *picked = NULL;
	size_t names = 1;
	char *save = NULL;

	*n = 0;
	*owned = NULL;
	if (f->args.all) {
		*out = f->answers;
		*n = f->n_rows;
		return 0;
	}
	if (!list)
		return -1;
	for (const char *c = list; *c; c++)
		names += *c == ',';
	picked = calloc((names < f->n_rows ? names : f->n_rows) + 1, sizeof(*picked));
	if (!picked)
		return -1;
	for (char *h = strtok_r(list, ",", &save); h; h = strtok_r(NULL, ",", &save)) {
		const struct host_answers *a = find_answers(f, h);
		if (!a) {
			json_object_array_add(absent, json_object_new_string(h));
			continue;
		}
		if (*n == f->n_rows) /* a name listed twice: one a record held */
			continue;
		picked[(*n)++] = *a;
	}
	*out = *owned = steal_ptr(picked);
	return 0;
}

/* A host of the domain is one that can run the state, one that cannot, or
 * one nothing usable is known of (no usable record: too old, another
 * boot, its probe failed), which is neither (the engine's `known`). */
static json_object *domain_to_json(const struct decision *d)
{
	json_object *o = json_object_new_object(), *can = json_object_new_array(), *cannot = json_object_new_array(),
		    *unknown = json_object_new_array();

	for (size_t i = 0; i < d->n_targets; i++) {
		const struct host_judgement *t = &d->targets[i];
		if (t->known && t->can_run) {
			json_object_array_add(can, json_object_new_string(t->hostname));
			continue;
		}
		json_object *entry = json_object_new_object();
		json_add(entry, "hostname", json_object_new_string(t->hostname));
		json_add(entry, "why", json_object_new_string(t->why));
		json_object_array_add(t->known ? cannot : unknown, entry);
	}
	json_add(o, "state", json_object_new_string(state_to_string(d->state)));
	json_add(o, "can_run", can);
	json_add(o, "cannot_run", cannot);
	json_add(o, "unknown", unknown);
	return o;
}

/* The hosts of one kind (can_run when it can, else known when it cannot,
 * neither when unknown), a line each with why. */
static void print_domain_hosts(const struct decision *d, const char *title, bool known)
{
	size_t n = 0;

	for (size_t i = 0; i < d->n_targets; i++)
		n += d->targets[i].known == known && !(known && d->targets[i].can_run);
	printf("%s (%zu):\n", title, n);
	for (size_t i = 0; i < d->n_targets; i++)
		if (d->targets[i].known == known && !(known && d->targets[i].can_run))
			printf("  %s: %s\n", d->targets[i].hostname, d->targets[i].why);
}

static void print_domain_text(const struct guest_facts *guest, const struct decision *d)
{
	size_t can = 0, unknown = 0;

	printf("guest %s: state %s\n", guest->name, state_to_string(d->state));
	for (size_t i = 0; i < d->n_targets; i++) {
		can += d->targets[i].known && d->targets[i].can_run;
		unknown += !d->targets[i].known;
	}
	printf("can run it (%zu):", can);
	for (size_t i = 0; i < d->n_targets; i++)
		if (d->targets[i].known && d->targets[i].can_run)
			printf(" %s", d->targets[i].hostname);
	printf("\n");
	print_domain_hosts(d, "cannot run it", true);
	if (unknown)
		print_domain_hosts(d, "unknown, no usable record", false);
}

static void print_mobility_text(const struct decision *m, json_object *absent)
{
	printf("\nto stay mobile across the targets: state %s, verdict %s, risk %s\n", state_to_string(m->state),
	       verdict_to_string(m->verdict), risk_to_string(m->risk));
	for (int i = 0; i < m->n_reasons; i++)
		printf("  - %s\n", m->reasons[i]);
	for (size_t i = 0; i < json_object_array_length(absent); i++)
		printf("  - %s: no record in the inventory (lease expired or never published): unknown\n",
		       json_object_get_string(json_object_array_get_idx(absent, i)));
	if (m->remediation[0])
		printf("remediation: %s\n", m->remediation);
}

static int mobility_exit(const struct decision *m, json_object *absent)
{
	if (m->verdict == VERDICT_UNSAFE)
		return SEOIB_EXIT_UNSAFE;
	if (m->verdict == VERDICT_UNKNOWN || json_object_array_length(absent) > 0)
		return SEOIB_EXIT_UNKNOWN;
	return SEOIB_EXIT_OK;
}

/* Without targets the question is "which hosts can run this guest's
 * state?": 0 when at least one can, 1 when every known host cannot, 3 when
 * none is known to (the same rule as with targets: 0 yes, 1 no, 3 unknown). */
static int domain_exit(const struct decision *d)
{
	return d->verdict == VERDICT_SAFE ? SEOIB_EXIT_OK
	     : d->verdict == VERDICT_UNSAFE ? SEOIB_EXIT_UNSAFE : SEOIB_EXIT_UNKNOWN;
}

static int run_domain(struct fleet *f, const struct guest_facts *guest)
{
	struct decision domain, mobility = {0};
	_cleanup_free_ struct host_answers *owned_targets = NULL;
	const struct host_answers *targets = NULL;
	_cleanup_json_ json_object *absent = json_object_new_array();
	struct host_view home;
	bool want_mobility = f->args.targets || f->args.all;
	size_t n_targets = 0;
	int rc = SEOIB_EXIT_OK;

	if (!f->home)
		fprintf(stderr, "seoibctl fleet: no record of the guest's host %s in the inventory; its state is "
				"judged without it (pass --host NAME)\n", f->home_name);
	else
		host_view_peer(&home, f->home, HOST_ORIGIN_FLEET, &f->clock, "in the inventory");
	policy_migration_domain_answers(guest, f->home ? &home : NULL, f->answers, f->n_rows, &domain);
	rc = domain_exit(&domain);
	if (want_mobility) {
		if (select_targets(f, &targets, &owned_targets, &n_targets, absent) < 0) {
			decision_free(&domain);
			fprintf(stderr, "seoibctl fleet: out of memory selecting the targets\n");
			return SEOIB_EXIT_ERROR;
		}
		policy_decide_applied_answers(guest, f->home ? &home : NULL, targets, n_targets, &mobility, NULL);
		rc = mobility_exit(&mobility, absent);
	}
	if (f->args.json) {
		_cleanup_json_ json_object *doc = json_object_new_object();
		json_add(doc, "schema", json_object_new_string("seoib.fleet-domain/1"));
		json_add(doc, "guest", json_object_new_string(guest->name));
		json_add(doc, "home", json_object_new_string(f->home_name));
		json_add(doc, "domain", domain_to_json(&domain));
		json_add(doc, "mobility", want_mobility ? decision_to_json(guest, &mobility) : NULL);
		json_add(doc, "absent_targets", json_object_get(absent));
		json_add(doc, "invalid", invalid_to_json(f));
		json_print(doc, true);
	} else {
		print_domain_text(guest, &domain);
		if (want_mobility)
			print_mobility_text(&mobility, absent);
	}
	decision_free(&domain);
	if (want_mobility)
		decision_free(&mobility);
	return rc;
}

/* A guest's migration domain: the guest first, so that each record can be
 * answered for it as it is read. */
static int fleet_domain(struct fleet *f)
{
	_cleanup_free_ struct guest_facts *guest = malloc(sizeof(*guest));

	if (!guest) {
		fprintf(stderr, "seoibctl fleet: out of memory reading the guest\n");
		return SEOIB_EXIT_ERROR;
	}
	if (read_guest(&f->args, guest) < 0)
		return SEOIB_EXIT_ERROR;
	if (f->args.home)
		snprintf(f->home_name, sizeof(f->home_name), "%s", f->args.home);
	else
		gethostname(f->home_name, sizeof(f->home_name) - 1);
	f->guest = guest;
	if (read_inventory(f) < 0)
		return SEOIB_EXIT_ERROR;
	return run_domain(f, guest);
}

int cmd_fleet(int argc, char **argv)
{
	struct fleet f = {0};
	struct host_identity here;
	int rc;

	if (parse_args(argc, argv, &f.args) < 0 || load_config(&f) < 0)
		return SEOIB_EXIT_ERROR;
	f.now = time(NULL);
	/* How peers' records are judged (host_view_peer()), and the listing's
	 * rows by the same rule's age part (host_view_summary_fresh()). */
	host_identity_read(&here);
	f.clock = (struct host_view_clock){&here, f.now, f.cfg.max_record_age_s};
	f.keep_records = f.args.domain || f.args.xml_path;
	if (f.keep_records) {
		rc = fleet_domain(&f);
	} else if (read_inventory(&f) < 0) {
		rc = SEOIB_EXIT_ERROR;
	} else if (f.args.json) {
		_cleanup_json_ json_object *doc = fleet_to_json(&f);
		json_print(doc, false);
		rc = SEOIB_EXIT_OK;
	} else {
		print_rows_text(&f);
		rc = SEOIB_EXIT_OK;
	}
	free(f.rows);
	for (size_t i = 0; f.keep_records && i < f.n_rows; i++)
		host_answers_free(&f.answers[i]);
	free(f.answers);
	free(f.home);
	free(f.invalid);
	return rc;
}
