/* seoibctl status: what the daemon last published, how old it is, and
 * whether the daemon is running. Reads the record file: no daemon needed. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <unistd.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <time.h>

#include "commands.h"
#include "seoib/bus_names.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/exit_codes.h"
#include "seoib/fileio.h"
#include "seoib/host_record.h"
#include "seoib/host_view.h"
#include "seoib/record_file.h"
#include "seoib/host_can_run.h"
#include "seoib/json_util.h"
#include "seoib/states_json.h"
#include "seoib/sentence.h"
#include "seoib/storm_report.h"

#define BUS_QUERY_TIMEOUT_USEC (1000 * 1000)

struct status_report {
	const char *path;
	const char *daemon; /* running, not-running, unknown */
	struct host_record *record;
	json_object *last_probe; /* the file's "last_probe", may be NULL */
	int64_t age_s;
	bool have_record;
	bool stale;
	unsigned max_age_s;
	char error[SEOIB_MESSAGE_MAX];
	int exit;
	/* seoibd's storm watch (storms.json beside the record): */
	char storms_path[4096];
	bool have_storms;
	struct storm_report_guest *storms;
	size_t n_storms;
	char storms_error[SEOIB_MESSAGE_MAX]; /* why there is no report */
};

/* The storm watch's report, if seoibd wrote one: it exists once seoibd has
 * watched a guest. Its absence is not an error. */
static void load_storms(struct status_report *s)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	char why[SEOIB_MESSAGE_MAX];

	storm_report_path(s->path, s->storms_path, sizeof(s->storms_path));
	if (access(s->storms_path, F_OK) < 0) {
		sentence_format(s->storms_error, sizeof(s->storms_error),
				"no storm report at %s: seoibd is not running, or runs without its storm watch", s->storms_path);
		return;
	}
	if (read_regular_file_bounded(AT_FDCWD, s->storms_path, 0, STORM_REPORT_MAX, &text, &len, why) < 0 ||
	    storm_report_from_json(text, len, &s->storms, &s->n_storms, why) < 0) {
		sentence_format(s->storms_error, sizeof(s->storms_error), "the storm report %s cannot be read: %s",
				s->storms_path, why);
		return;
	}
	s->have_storms = true;
}

static void print_storms_human(const struct status_report *s)
{
	size_t storming = 0;

	if (!s->have_storms) {
		printf("storms:     unknown (%s)\n", s->storms_error);
		return;
	}
	for (size_t i = 0; i < s->n_storms; i++)
		storming += s->storms[i].storming;
	printf("storms:     %zu of %zu watched guest%s storming\n", storming, s->n_storms, s->n_storms == 1 ? "" : "s");
	for (size_t i = 0; i < s->n_storms; i++) {
		const struct storm_report_guest *g = &s->storms[i];

		printf("  %s: %s\n", g->name, g->problem[0] ? g->problem : g->storming ? "STORMING" : "calm");
		if (!g->storming)
			continue;
		printf("    evidence:    %s\n", g->evidence);
		printf("    watched:     %s\n", g->watched_because);
		printf("    decision:    %s\n", g->reasons);
		printf("    remediation: %s\n", g->remediation[0] ? g->remediation : "none given");
	}
}

static json_object *storms_to_json(const struct status_report *s)
{
	if (!s->have_storms)
		return NULL;
	return storm_report_to_json(s->storms, s->n_storms);
}

/* Ask the bus who owns org.seoib1, bounded: a bus that is not there or does
 * not answer within a second leaves the answer "unknown". */
static const char *daemon_state(void)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
	int has_owner = 0;

	if (sd_bus_open_system(&bus) < 0 || sd_bus_set_method_call_timeout(bus, BUS_QUERY_TIMEOUT_USEC) < 0)
		return "unknown";
	if (sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
			       "NameHasOwner", NULL, &reply, "s", SEOIB_BUS_NAME) < 0 ||
	    sd_bus_message_read(reply, "b", &has_owner) < 0)
		return "unknown";
	return has_owner ? "running" : "not-running";
}

static int malformed(struct status_report *s, const char *why)
{
	sentence_format(s->error, sizeof(s->error), "%s is malformed: %s; run 'seoibctl reprobe' to rewrite it", s->path, why);
	return SEOIB_EXIT_ERROR;
}

/* The daemon's file is the host record plus "last_probe" (docs/seoibd.md). */
static int load_record(struct status_report *s, json_object **last_probe)
{
	char why[SEOIB_MESSAGE_MAX];

	if (access(s->path, F_OK) < 0) {
		sentence_format(s->error, sizeof(s->error),
			 "no host record at %s: seoibd has not published one; start it with 'systemctl start seoibd'", s->path);
		return SEOIB_EXIT_UNKNOWN;
	}
	/* Regular files only: a FIFO put there must not hang status. */
	if (record_file_read(s->path, s->record, NULL, last_probe, why) < 0) {
		if (errno != EPERM)
			return malformed(s, why);
		/* Not to be trusted (seoib/trusted_path.h): why is the sentence. */
		snprintf(s->error, sizeof(s->error), "%s", why);
		return SEOIB_EXIT_ERROR;
	}
	s->last_probe = *last_probe;
	s->have_record = true;
	return SEOIB_EXIT_OK;
}

/* The record seoibd publishes is this host's: its view by the one local
 * rule (host_view_local(), as the hook builds it) says whether it is
 * stale (another boot or kernel, or too old) or failed. */
static void judge_record(struct status_report *s)
{
	struct host_identity here;
	struct host_view_clock clock;
	struct host_view view;
	char why[SEOIB_MESSAGE_MAX];

	host_view_clock_now(&clock, &here, s->max_age_s);
	host_view_local(&view, s->record, HOST_ORIGIN_PUBLISHED, &clock, s->path);
	/* The age, for the report: the view has judged it. */
	host_record_age_check(s->record, clock.now, 0, &s->age_s, why);
	s->stale = view.problem == HOST_VIEW_BOOT || view.problem == HOST_VIEW_AGE;
	if (s->stale)
		sentence_format(s->error, sizeof(s->error), "%s", view.why);
	else if (view.problem == HOST_VIEW_STATUS)
		sentence_format(s->error, sizeof(s->error), "the host record says %s: %s",
			 probe_status_to_string(s->record->status), s->record->message);
	s->exit = view.usable ? SEOIB_EXIT_OK : SEOIB_EXIT_UNKNOWN;
}

/* A usable record nobody keeps current: the hook trusts it until it is
 * max-record-age old, then every guest follows on-error. Said, and 1. */
static void judge_daemon(struct status_report *s)
{
	sentence_format(s->error, sizeof(s->error),
			"seoibd is not running (nothing owns %s on the system bus), so nothing keeps the record %s current "
			"and it goes stale %u s after its probe; start it with 'systemctl start seoibd'",
			SEOIB_BUS_NAME, s->path, s->max_age_s);
	s->exit = SEOIB_EXIT_UNSAFE;
}

static const char *last_probe_field(const struct status_report *s, const char *key)
{
	json_object *v = NULL;

	if (!s->last_probe || !json_object_object_get_ex(s->last_probe, key, &v) || !v)
		return NULL;
	return json_object_get_string(v);
}

static json_object *proofs_to_json(const struct host_record *rec)
{
	json_object *o = json_object_new_object();

	for (int st = 0; st < STATE_COUNT; st++)
		json_add(o, state_to_string((enum seoib_state)st),
			 json_object_new_string(proof_to_string(rec->behaviour.proof[st])));
	return o;
}

static void print_human(const struct status_report *s)
{
	const struct host_record *rec = s->record;
	char when[32];
	const char *last = last_probe_field(s, "status");

	printf("record:     %s\n", s->path);
	if (s->have_record) {
		format_utc(rec->probe_time, when, sizeof(when));
		printf("probed:     %s (%lld s ago)%s\n", when, (long long)s->age_s, s->stale ? ", stale" : "");
		printf("status:     %s\n", probe_status_to_string(rec->status));
		printf("kernel:     %s\n", generation_to_string(rec->claims.generation));
		printf("states:    ");
		for (int st = 0; st < STATE_COUNT; st++)
			if (host_can_run_states(rec) & STATE_BIT(st))
				printf(" %s", state_to_string(st));
		printf("%s\n", host_can_run_states(rec) ? "" : " none");
		printf("behaviour:  %s (", proof_to_string(host_behaviour_proof(rec)));
		for (int st = 0; st < STATE_COUNT; st++)
			printf("%s%s %s", st ? ", " : "", state_to_string((enum seoib_state)st),
			       proof_to_string(rec->behaviour.proof[st]));
		printf(")\n");
		if (last)
			printf("last probe: %s%s%s\n", last, last_probe_field(s, "message") ? ": " : "",
			       last_probe_field(s, "message") ? last_probe_field(s, "message") : "");
	}
	printf("daemon:     %s\n", s->daemon);
	print_storms_human(s);
	if (s->error[0])
		fprintf(stderr, "seoibctl status: %s\n", s->error);
}

static void print_json(const struct status_report *s)
{
	_cleanup_json_ json_object *o = json_object_new_object();

	json_add(o, "record_path", json_object_new_string(s->path));
	json_add(o, "daemon", json_object_new_string(s->daemon));
	json_add(o, "exit", json_object_new_int(s->exit));
	json_add(o, "error", s->error[0] ? json_object_new_string(s->error) : NULL);
	json_add(o, "storms", storms_to_json(s));
	json_add(o, "storms_error", s->have_storms ? NULL : json_object_new_string(s->storms_error));
	if (s->have_record) {
		json_add(o, "age_s", json_object_new_int64(s->age_s));
		json_add(o, "max_record_age_s", json_object_new_int64(s->max_age_s));
		json_add(o, "stale", json_object_new_boolean(s->stale));
		json_add(o, "status", json_object_new_string(probe_status_to_string(s->record->status)));
		json_add(o, "generation", json_object_new_string(generation_to_string(s->record->claims.generation)));
		json_add(o, "runnable_states", states_to_json(host_can_run_states(s->record)));
		json_add(o, "behaviour", json_object_new_string(proof_to_string(host_behaviour_proof(s->record))));
		json_add(o, "proof", proofs_to_json(s->record));
		json_add(o, "last_probe", s->last_probe ? json_object_get(s->last_probe) : NULL);
		/* The whole record, for peers: seoibctl check --dest reads it over ssh. */
		json_add(o, "record", host_record_to_json(s->record));
	}
	json_print(o, true);
}

static void status_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl status [--json] [--record PATH] [--config PATH]\n\n"
		     "Show the host record seoibd published, its age, and whether seoibd runs.\n"
		     "Exit status: 0 ok, 1 usable record but seoibd not running, 2 malformed record,\n"
		     "3 missing, stale or not ok.\n");
}

int cmd_status(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'}, {"record", required_argument, NULL, 'r'},
		{"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	_cleanup_free_ struct host_record *record = calloc(1, sizeof(*record));
	_cleanup_json_ json_object *last_probe = NULL;
	struct seoib_config cfg;
	struct status_report s = {.record = record};
	const char *record_path = NULL, *config_path = NULL;
	char err[SEOIB_MESSAGE_MAX];
	bool json = false;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'j': json = true; break;
		case 'r': record_path = optarg; break;
		case 'c': config_path = optarg; break;
		case 'h': status_usage(stdout); return SEOIB_EXIT_OK;
		default: status_usage(stderr); return SEOIB_EXIT_ERROR;
		}
	}
	if (!record || seoib_config_load(config_path, &cfg, err) < 0) {
		fprintf(stderr, "seoibctl status: %s\n", record ? err : "out of memory");
		return SEOIB_EXIT_ERROR;
	}
	s.path = record_path ? record_path : cfg.record_path;
	s.max_age_s = cfg.max_record_age_s;
	s.daemon = daemon_state();
	s.exit = load_record(&s, &last_probe);
	if (s.exit == SEOIB_EXIT_OK)
		judge_record(&s);
	load_storms(&s);
	if (s.exit == SEOIB_EXIT_OK && strcmp(s.daemon, "not-running") == 0)
		judge_daemon(&s);
	if (json)
		print_json(&s);
	else
		print_human(&s);
	free(s.storms);
	return s.exit;
}
