/* seoibd: probe this host in a child process, publish the record atomically,
 * answer on D-Bus, and probe again when something that matters changes. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#include "build_config.h"
#include "log.h"
#include "publisher.h"
#include "seoib/bus_names.h"
#include "seoib/exports.h"
#include "seoib/fleet_backend.h"
#include "seoib/host_can_run.h"
#include "seoib/host_identity.h"
#include "seoib/host_probe.h"
#include "seoib/cleanup.h"
#include "seoib/domain_record.h"
#include "seoib/escape.h"
#include "seoib/json_util.h"
#include "seoib/record_file.h"
#include "seoib/sentence.h"
#include "seoib/trusted_path.h"
#include "seoib/trusted_paths.h"
#include "seoibd.h"
#include "guest_audit.h"
#include "libvirt_watch.h"
#include "storm_watch.h"

struct options {
	const char *config_path;
	const char *record_path;
	const char *cache_dir;
	const char *boot_id;
	bool no_bus;
	bool check_config;
};

static void probe_options(struct seoibd *d, struct host_probe_options *opts)
{
	memset(opts, 0, sizeof(*opts));
	for (int i = 0; i < d->cfg.n_vmm_controls; i++)
		d->vmm_control_names[i] = d->cfg.vmm_controls[i];
	d->vmm_control_names[d->cfg.n_vmm_controls] = NULL;
	opts->behaviour = d->cfg.behaviour_probe;
	opts->vmm.path = d->cfg.qemu_path;
	opts->vmm.override_model = d->cfg.vmm_model_set;
	opts->vmm.model = d->cfg.vmm_model;
	opts->vmm.control_names = d->vmm_control_names;
	opts->vmm.cache_dir = d->cache_dir;
	opts->boot_id = d->boot_id[0] ? d->boot_id : NULL;
}

/* "kernel fixed; states quirked,respected; behaviour verified", the
 * behaviour word from the proof vocabulary (host_behaviour_proof()). */
static void format_status(const struct seoibd *d, char *buf, size_t size)
{
	const struct host_record *rec = d->record;
	char states[64] = "";
	const char *behaviour = proof_to_string(host_behaviour_proof(rec));

	for (int s = 0; s < STATE_COUNT; s++)
		if (rec->runnable_states & STATE_BIT(s))
			snprintf(states + strlen(states), sizeof(states) - strlen(states), "%s%s",
				 states[0] ? "," : "", state_to_string(s));
	if (rec->status != PROBE_OK)
		snprintf(buf, size, "%s: %s", probe_status_to_string(rec->status), rec->message);
	else
		snprintf(buf, size, "kernel %s; states %s; behaviour %s", generation_to_string(rec->claims.generation),
			 states[0] ? states : "none", behaviour);
	if (d->last.status != PROBE_RUN_OK)
		snprintf(buf + strlen(buf), size - strlen(buf), " (kept: last probe %s)",
			 probe_run_status_to_string(d->last.status));
}

/* A kernel whose guests contradict its capability bits is a warning, with
 * each contradicted state's evidence and each conflict on its own line. */
static void log_contradiction(const struct host_record *rec, const char *status)
{
	log_warning("%s", status);
	for (int s = 0; s < STATE_COUNT; s++)
		if (rec->behaviour.proof[s] == PROOF_CONTRADICTED)
			log_warning("the behavioural probe contradicts %s on kernel %s, so this host does not run it: %s; report the kernel, and keep guests quirked or on the in-kernel irqchip here",
				    state_to_string((enum seoib_state)s), rec->host.kernel_release, rec->behaviour.evidence[s]);
	for (int i = 0; i < rec->behaviour.n_conflicts; i++)
		log_warning("%s", rec->behaviour.conflicts[i]);
}

static void notify_status(struct seoibd *d)
{
	char status[2 * SEOIB_MESSAGE_MAX + 128];

	format_status(d, status, sizeof(status));
	if (d->publisher)
		snprintf(status + strlen(status), sizeof(status) - strlen(status), "; %s", publisher_status(d->publisher));
	if (d->reload_error[0])
		snprintf(status + strlen(status), sizeof(status) - strlen(status),
			 "; seoib.conf not reloaded, running configuration kept: %s", d->reload_error);
	if (d->record->status == PROBE_OK && behaviour_contradicted(&d->record->behaviour))
		log_contradiction(d->record, status);
	else
		log_info("%s", status);
	sd_notifyf(false, "%sSTATUS=%s", d->ready_sent ? "" : "READY=1\n", status);
	d->ready_sent = true;
}

/* With no good record at all, publish one that says the probe failed, so
 * readers see why instead of a missing file. */
static void adopt_failure_record(struct seoibd *d)
{
	struct host_record *rec = d->record;

	memset(rec, 0, sizeof(*rec));
	host_identity_read(&rec->host);
	if (d->boot_id[0])
		snprintf(rec->host.boot_id, sizeof(rec->host.boot_id), "%s", d->boot_id);
	snprintf(rec->tool_version, sizeof(rec->tool_version), "%s", SEOIB_VERSION);
	rec->probe_time = (int64_t)time(NULL);
	rec->status = PROBE_ERROR;
	sentence_format(rec->message, sizeof(rec->message), "%s", d->last.message);
	kvm_measurements_init(&rec->kvm);
	host_record_derive(rec);
	d->record_json = host_record_to_json(rec);
}

static uint64_t realtime_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* Validate into a scratch record: a bad one must not touch the last good. */
static int validate_record(const struct prober_result *res, struct host_record *rec, json_object **obj,
			   char why[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ struct host_record *scratch = malloc(sizeof(*scratch));

	if (!scratch) {
		sentence_format(why, SEOIB_MESSAGE_MAX, "out of memory");
		return -1;
	}
	if (json_parse_text(res->record_text, res->record_len, obj, why) < 0 ||
	    host_record_from_json(*obj, scratch, why) < 0)
		return -1;
	memcpy(rec, scratch, sizeof(*rec));
	return 0;
}

static void adopt_probe_result(struct seoibd *d, const struct prober_result *res)
{
	_cleanup_json_ json_object *obj = NULL;
	char why[SEOIB_MESSAGE_MAX];

	d->last.status = res->status;
	sentence_format(d->last.message, sizeof(d->last.message), "%s", res->message);
	d->last.time_usec = realtime_usec();
	d->last.current = false;
	if (res->status == PROBE_RUN_OK && validate_record(res, d->record, &obj, why) < 0) {
		d->last.status = PROBE_RUN_FAILED;
		sentence_format(d->last.message, sizeof(d->last.message),
			 "the probe's record does not validate (%s); report this as a bug", why);
	}
	if (d->last.status == PROBE_RUN_OK) {
		json_object_put(d->record_json);
		d->record_json = steal_ptr(obj);
		d->last.current = true;
		return;
	}
	log_warning("probe failed: %s", d->last.message);
	if (!d->record_json)
		adopt_failure_record(d);
}

/* Under seoibd.service (ProtectSystem=strict) only /run/seoib and the cache
 * are writable, from start to reload alike: an export anywhere else fails,
 * and the way out is a file under /run/seoib with a link to it in the
 * consumer's directory (docs/seoibd.md, "Exports"). */
static void export_failed(const char *key, const char *path, const char *err)
{
	char msg[SEOIB_MESSAGE_MAX];

	if (strncmp(path, SEOIB_RUNDIR "/", strlen(SEOIB_RUNDIR "/")) == 0) {
		log_warning("%s", err);
		return;
	}
	sentence_format(msg, sizeof(msg),
			"%s; seoibd.service writes only under " SEOIB_RUNDIR ": set %s to a file there, "
			"and make %s a symbolic link to it (seoibd(8), EXPORTS)", err, key, path);
	log_warning("%s", msg);
}

/* The fleet inventory and the exports (docs/fleet.md): never blocking, a
 * failure is logged and the local record stays the source of truth. */
static void export_record(struct seoibd *d)
{
	const struct exports_probe_run run = {
		.status = probe_run_status_to_string(d->last.status),
		.time = (int64_t)(d->last.time_usec / 1000000),
	};
	char err[SEOIB_MESSAGE_MAX];

	if (d->cfg.etcd_endpoints[0] && !d->publisher &&
	    publisher_new(d->event, &d->cfg, d->record->host.hostname, &d->publisher, err) < 0)
		log_error("etcd: %s", err);
	if (d->publisher)
		publisher_update(d->publisher, json_object_to_json_string_ext(d->record_json, JSON_C_TO_STRING_PLAIN));
	if (d->cfg.nfd_features_file[0] && exports_write_nfd(d->cfg.nfd_features_file, d->record, err) < 0)
		export_failed("nfd-features-file", d->cfg.nfd_features_file, err);
	if (d->cfg.prometheus_textfile[0] && exports_write_prometheus(d->cfg.prometheus_textfile, d->record, &run, err) < 0)
		export_failed("prometheus-textfile", d->cfg.prometheus_textfile, err);
	if (d->cfg.nova_provider_file[0] && exports_write_nova(d->cfg.nova_provider_file, d->record, err) < 0)
		export_failed("nova-provider-file", d->cfg.nova_provider_file, err);
}

static void publish(struct seoibd *d)
{
	char err[SEOIB_MESSAGE_MAX];
	char *text = published_record_write(d->cfg.record_path, d->record_json, &d->last, err);

	if (!text) {
		log_error("%s", err);
		return;
	}
	free(d->published);
	d->published = text;
	export_record(d);
}

static void start_probe(struct seoibd *d);

static void on_probe_done(const struct prober_result *res, void *userdata)
{
	struct seoibd *d = userdata;

	adopt_probe_result(d, res);
	prober_free(d->prober); /* res points into it: adopted above */
	d->prober = NULL;
	publish(d);
	notify_status(d);
	bus_emit_changed(d);
	bus_answer_waiting(d);
	watch_rearm_periodic(d);
	if (d->reprobe_pending) {
		d->reprobe_pending = false;
		start_probe(d);
	}
}

static void start_probe(struct seoibd *d)
{
	struct host_probe_options opts;
	int r;

	probe_options(d, &opts);
	r = prober_start(d->event, &opts, d->cfg.probe_timeout_ms, on_probe_done, d, &d->prober);
	if (r < 0) {
		struct prober_result res = {.status = PROBE_RUN_FAILED};

		sentence_format(res.message, sizeof(res.message), "cannot start the probe process: %s; check the service's memory and task limits",
			 strerror(-r));
		d->prober = NULL;
		on_probe_done(&res, d);
	}
}

/* Probes never overlap: one asked for during a probe runs right after it,
 * and any number of such requests collapse into that one. */
void daemon_request_probe(struct seoibd *d, const char *why)
{
	log_info("probing: %s", why);
	if (d->prober) {
		d->reprobe_pending = true;
		return;
	}
	start_probe(d);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	daemon_reload(userdata);
	return 0;
}

static int on_sigterm(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	sd_notify(false, "STOPPING=1");
	return sd_event_exit(sd_event_source_get_event(s), 0);
}

/* sd-event's signal sources need the signals blocked (sd_event_add_signal(3)).
 * Blocked as main()'s first act: a SIGHUP that arrives while the dynamic
 * loader or the config parser still runs would otherwise take the default
 * action, a clean-looking exit that systemd does not restart. A blocked
 * signal stays pending and is delivered once the signalfd is set up. */
static void block_daemon_signals(void)
{
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int setup_signals(struct seoibd *d)
{
	int r;

	r = sd_event_add_signal(d->event, NULL, SIGHUP, on_sighup, d);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL, SIGTERM, on_sigterm, d);
	if (r >= 0)
		r = sd_event_add_signal(d->event, NULL, SIGINT, on_sigterm, d);
	return r;
}

/* A record left by an earlier run (e.g. before a restart) is the last good
 * record until this run's first probe succeeds. It is read by the record
 * file's one reader, which every front end uses: a regular file only (a FIFO
 * there must not hang the daemon's start), under the trusted-path rule, and
 * its "last_probe" left out of d->record_json. */
static void load_previous_record(struct seoibd *d)
{
	char why[SEOIB_MESSAGE_MAX];

	if (access(d->cfg.record_path, F_OK) < 0)
		return;
	if (record_file_read(d->cfg.record_path, d->record, &d->record_json, NULL, why) < 0)
		log_warning("ignoring the existing record: %s: %s", d->cfg.record_path, why);
}

/* --boot-id: the service manager's boot ID (seoibd.service passes %b,
 * 32 hexadecimal digits; a UUID is taken too), recorded in the form
 * /proc/sys/kernel/random/boot_id has, which the hook and seoibctl read. */
static int boot_id_parse(const char *arg, char out[SD_ID128_UUID_STRING_MAX])
{
	sd_id128_t id;

	if (sd_id128_from_string(arg, &id) < 0) {
		log_error("--boot-id '%s' is not a boot ID (32 hexadecimal digits, or a UUID); "
			  "seoibd.service passes its service manager's as --boot-id=%%b", arg);
		return -1;
	}
	sd_id128_to_uuid_string(id, out);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: seoibd [--config PATH] [--record PATH] [--cache-dir DIR] [--boot-id ID] [--no-bus]\n"
		     "              [--check-config]\n\n"
		     "Probe this host's KVM and VMM for Directed EOI support, publish the host record\n"
		     "and answer on the system bus as " SEOIB_BUS_NAME ". See seoibd(8) and seoib.conf(5).\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'}, {"record", required_argument, NULL, 'r'},
		{"cache-dir", required_argument, NULL, 'C'}, {"boot-id", required_argument, NULL, 'b'},
		{"no-bus", no_argument, NULL, 'n'},
		{"check-config", no_argument, NULL, 'k'}, {"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0},
	};
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': o->config_path = optarg; break;
		case 'r': o->record_path = optarg; break;
		case 'C': o->cache_dir = optarg; break;
		case 'b': o->boot_id = optarg; break;
		case 'n': o->no_bus = true; break;
		case 'k': o->check_config = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("seoibd %s\n", SEOIB_VERSION); exit(0);
		default: usage(stderr); return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "seoibd: unexpected argument '%s'; run 'seoibd --help'.\n", argv[optind]);
		return -1;
	}
	return 0;
}

static int configure(struct seoibd *d, const struct options *o)
{
	char err[SEOIB_MESSAGE_MAX];
	const char *cache = o->cache_dir ? o->cache_dir : getenv("CACHE_DIRECTORY"); /* CacheDirectory= sets it */

	if (o->boot_id && boot_id_parse(o->boot_id, d->boot_id) < 0)
		return -1;
	/* Every view of this host's record in seoibd (watchers, audit) is
	 * judged against the boot ID it records, not its sandbox's /proc. */
	host_identity_set_boot_id(d->boot_id);
	if (seoib_config_load(o->config_path, &d->cfg, err) < 0 || fleet_backends_check(&d->cfg, err) < 0) {
		log_error("%s", err);
		return -1;
	}
	if (seoib_config_record_goes_stale(&d->cfg, err))
		log_warning("%s: %s", o->config_path ? o->config_path : SEOIB_CONFIG_PATH, err);
	d->config_path = o->config_path;
	d->record_override = o->record_path;
	if (o->record_path)
		snprintf(d->cfg.record_path, sizeof(d->cfg.record_path), "%s", o->record_path);
	snprintf(d->cache_dir, sizeof(d->cache_dir), "%s", cache ? cache : SEOIB_CACHEDIR);
	return 0;
}

static int run(struct seoibd *d, const struct options *o)
{
	int r = sd_event_default(&d->event);

	if (r < 0 || setup_signals(d) < 0) {
		log_error("cannot set up the event loop: %s", strerror(r < 0 ? -r : errno));
		return 1;
	}
	/* Pings the service manager at half of WatchdogSec= from the loop itself:
	 * a wedged loop stops pinging and systemd restarts us. */
	sd_event_set_watchdog(d->event, true);
	published_record_prepare_dir(d->cfg.record_path);
	load_previous_record(d);
	if (!o->no_bus && bus_start(d) < 0)
		return 1;
	d->storm = storm_watch_new(d);
	storm_watch_bus_start(d->storm);
	watch_kvm_device(d);
	watch_vmm_binary(d);
	watch_periodic(d);
	daemon_request_probe(d, "start");
	d->audit = d->cfg.libvirt_uri[0] ? guest_audit_new(&d->cfg) : NULL;
	d->libvirt = libvirt_watch_start(d->cfg.libvirt_uri, d->cfg.record_path, d->cfg.max_record_age_s, d->audit,
					 d->storm);
	r = sd_event_loop(d->event);
	if (r < 0)
		log_error("the event loop failed: %s", strerror(-r));
	return r < 0 ? 1 : 0;
}

static void daemon_free(struct seoibd *d)
{
	prober_free(d->prober);
	libvirt_watch_stop(d->libvirt);
	guest_audit_free(d->audit);
	storm_watch_free(d->storm); /* after the thread that samples for it */
	publisher_free(d->publisher); /* revokes the lease: the record goes at once */
	watch_stop(d);
	bus_stop(d);
	sd_event_unref(d->event);
	json_object_put(d->record_json);
	free(d->record);
	free(d->published);
}

/* Every path the configuration makes seoib trust, under the one ownership
 * rule (seoib/trusted_path.h), as the reader that trusts it would see it:
 * run as root, this is the hook's view of the record path. Each violation
 * is a sentence on stderr; returns how many there are. */
static void log_untrusted(const char *sentence, void *userdata)
{
	(void)userdata;
	log_error("%s", sentence);
}

static int check_trusted_paths(const struct seoibd *d)
{
	return config_trusted_paths_check(&d->cfg, d->cache_dir, log_untrusted, NULL);
}

/* After a load that succeeded: a missing file loads as the defaults, and
 * "ok" would let a mistyped --config path pass for a checked file. A path
 * it names that fails the ownership rule makes the file not ok: the hook
 * would refuse the record there (exit 2). */
static int check_config_report(const struct seoibd *d, const char *path)
{
	struct stat st;

	if (check_trusted_paths(d) > 0) {
		log_error("%s: loads, but names paths seoib cannot trust (above); fix their owner and mode", path);
		return 2;
	}
	if (stat(path, &st) < 0 && errno == ENOENT)
		printf("%s: does not exist, so the built-in defaults apply; see seoib.conf(5)\n", path);
	else
		printf("%s: ok\n", path);
	return 0;
}

int main(int argc, char **argv)
{
	struct options o = {0};
	struct seoibd d = {0};
	int status;

	block_daemon_signals();
	/* Everything logged goes to the journal through stderr: record strings
	 * and peer names in it are escaped once, here (seoib/escape.h). */
	if (text_escape_std_streams() < 0) {
		log_error("cannot set up output escaping: %s", strerror(errno));
		return 2;
	}
	if (parse_options(argc, argv, &o) < 0)
		return 2;
	d.record = calloc(1, sizeof(*d.record));
	if (!d.record || configure(&d, &o) < 0) {
		free(d.record);
		return 2;
	}
	if (o.check_config) {
		status = check_config_report(&d, o.config_path ? o.config_path : SEOIB_CONFIG_PATH);
		free(d.record);
		return status;
	}
	status = run(&d, &o);
	daemon_free(&d);
	return status;
}
