/* seoibd's libvirt watcher (see libvirt_watch.h). Never used by the hook:
 * a hook calling back into libvirtd deadlocks it. */
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "guest_audit.h"
#include "libvirt_watch.h"
#include "log.h"
#include "qemu_prewarm.h"
#include "storm_watch.h"
#include "seoib/cleanup.h"
#include "seoib/domain_record.h"
#include "seoib/gate.h"
#include "seoib/guest_facts.h"
#include "seoib/guest_metadata.h"
#include "seoib/host_record.h"
#include "seoib/host_view.h"
#include "seoib/sentence.h"

#define WATCH_TICK_MS 1000
#define WATCH_BACKOFF_MAX_S 30
/* libvirt's keepalive: a daemon silent for 5 s x 3 probes is gone. */
#define WATCH_KEEPALIVE_S 5
#define WATCH_KEEPALIVE_COUNT 3
/* The audit (guest_audit.h) is made again at most once a tick after a
 * domain event or a new host record, and at least this often: an
 * acknowledgement raises no lifecycle event. */
#define WATCH_AUDIT_INTERVAL_S 60

struct libvirt_watch {
	pthread_t thread;
	atomic_bool stop;
	char uri[1024];
	char record_path[4096];
	unsigned max_record_age_s; /* for this host's view (host_view_local()) */
	virConnectPtr conn;
	int lifecycle_id;
	atomic_bool closed;  /* libvirt closed the connection (close callback) */
	int backoff_s;
	time_t next_attempt;
	bool logged_failure; /* the current outage was logged once */
	struct guest_audit *audit; /* the caller's, NULL: none */
	bool audit_due;            /* an event since the last audit */
	time_t next_audit;
	struct qemu_prewarm *prewarm; /* asks defined guests' QEMU, off this thread */
	struct storm_watch *storm; /* NULL: no storm watch */
};

static const char *last_error(void)
{
	const char *m = virGetLastErrorMessage();

	return m && m[0] ? m : "no libvirt error";
}

/* libvirt prints every error to stderr by default: raw, besides the
 * sentence seoibd logs, and again at each reconnection attempt. */
static void quiet_errors(void *opaque, virErrorPtr error)
{
	(void)opaque;
	(void)error;
}

/* This host's record at record-path, as the hook reads it, and its view
 * by the one local rule (host_view_local()). False when none could be
 * read (no view then). */
static bool read_host(const struct libvirt_watch *w, struct host_record *host, struct host_view *view)
{
	struct host_identity here;
	struct host_view_clock clock;
	char err[SEOIB_MESSAGE_MAX];

	if (!host || host_record_load_trusted(w->record_path, host, err) < 0)
		return false;
	host_view_clock_now(&clock, &here, w->max_record_age_s);
	host_view_local(view, host, HOST_ORIGIN_PUBLISHED, &clock, w->record_path);
	return true;
}

/* The state `dom` runs in here (gate_state_running()), with this host's
 * name for the metadata. False when it cannot be told. */
static bool running_state(const struct host_view *host, const struct guest_facts *facts, enum seoib_state *state,
			  char hostname[256], char how[SEOIB_MESSAGE_MAX])
{
	snprintf(hostname, 256, "%s", host ? host->rec->host.hostname : "");
	return gate_state_running(DOMAIN_RECORD_DIR, facts, host, state, how);
}

/* Whether the persistent definition says no state (what
 * guest_metadata_sync_targets() asks). */
static bool persistent_lacks_state(virDomainPtr dom)
{
	_cleanup_free_ char *xml = NULL;
	_cleanup_free_ struct guest_facts *facts = malloc(sizeof(*facts));
	char err[SEOIB_MESSAGE_MAX];

	if (!facts || virDomainIsPersistent(dom) != 1)
		return false;
	xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
	return xml && guest_facts_from_xml(xml, strlen(xml), facts, err) == 0 && !facts->has_metadata_state;
}

static void sync_domain(struct libvirt_watch *w, virDomainPtr dom)
{
	_cleanup_free_ char *xml = virDomainGetXMLDesc(dom, 0);
	_cleanup_free_ struct guest_facts *facts = malloc(sizeof(*facts));
	_cleanup_free_ struct host_record *record = calloc(1, sizeof(*record));
	char err[SEOIB_MESSAGE_MAX], how[SEOIB_MESSAGE_MAX], hostname[256];
	struct host_view view;
	const struct host_view *host;
	enum seoib_state state;
	unsigned targets;

	if (!xml || !facts || guest_facts_from_xml(xml, strlen(xml), facts, err) < 0) {
		log_warning("cannot read the XML of domain '%s': %s; its seoib metadata is left as it is",
			    virDomainGetName(dom), xml ? err : last_error());
		return;
	}
	host = read_host(w, record, &view) ? &view : NULL;
	if (!running_state(host, facts, &state, hostname, how)) {
		storm_watch_guest(w->storm, dom, facts, STATE_UNKNOWN, host);
		log_warning("%s; its seoib metadata is left as it is", how);
		return;
	}
	storm_watch_guest(w->storm, dom, facts, state, host);
	targets = guest_metadata_sync_targets(facts, persistent_lacks_state(dom), state);
	if (!targets)
		return;
	if (guest_metadata_write(dom, state, hostname, time(NULL), targets) < 0)
		log_warning("cannot write state %s into the metadata of '%s': %s", state_to_string(state), facts->name,
			    last_error());
	else
		log_info("'%s' runs %s (%s): written into its %s metadata", facts->name, state_to_string(state), how,
			 targets == GUEST_METADATA_LIVE	    ? "live"
			 : targets == GUEST_METADATA_PERSISTENT ? "persistent"
								 : "live and persistent");
}

static void sync_all(struct libvirt_watch *w)
{
	virDomainPtr *doms = NULL;
	int n = virConnectListAllDomains(w->conn, &doms, VIR_CONNECT_LIST_DOMAINS_ACTIVE);

	for (int i = 0; i < n; i++) {
		sync_domain(w, doms[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
}

/* The definition the next start uses goes to the pre-warmer's queue:
 * the hook at prepare begin then reads QEMU's answer from the cache. */
static void prewarm_domain(struct libvirt_watch *w, virDomainPtr dom)
{
	_cleanup_free_ char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);

	if (xml)
		qemu_prewarm_add(w->prewarm, xml);
}

/* Every defined guest, active or not, at each connection. */
static void prewarm_all(struct libvirt_watch *w)
{
	virDomainPtr *doms = NULL;
	int n = w->prewarm ? virConnectListAllDomains(w->conn, &doms, 0) : 0;

	for (int i = 0; i < n; i++) {
		prewarm_domain(w, doms[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
}

/* Started here (booted, migrated in, restored) or resumed: the state it
 * runs in is settled; write it. Defined or changed: warm its answer. */
static int on_lifecycle(virConnectPtr conn, virDomainPtr dom, int event, int detail, void *opaque)
{
	struct libvirt_watch *w = opaque;

	/* Defined, undefined, started, stopped...: the audit is due. */
	w->audit_due = true;
	if (event == VIR_DOMAIN_EVENT_STARTED || event == VIR_DOMAIN_EVENT_RESUMED)
		sync_domain(w, dom);
	else if (event == VIR_DOMAIN_EVENT_STOPPED || event == VIR_DOMAIN_EVENT_CRASHED)
		storm_watch_gone(w->storm, dom);
	if (event == VIR_DOMAIN_EVENT_DEFINED)
		prewarm_domain(w, dom);
	return 0;
}

static void on_close(virConnectPtr conn, int reason, void *opaque)
{
	struct libvirt_watch *w = opaque;

	atomic_store(&w->closed, true);
}

static void disconnect(struct libvirt_watch *w)
{
	if (!w->conn)
		return;
	storm_watch_forget_all(w->storm); /* its domain objects go with the connection */
	if (w->lifecycle_id >= 0)
		virConnectDomainEventDeregisterAny(w->conn, w->lifecycle_id);
	virConnectUnregisterCloseCallback(w->conn, on_close);
	virConnectClose(w->conn);
	w->conn = NULL;
	w->lifecycle_id = -1;
}

static void schedule_retry(struct libvirt_watch *w, const char *what)
{
	if (!w->logged_failure)
		log_warning("libvirt at %s: %s; the guests' running state is not written into their metadata until it answers (retrying, at most every %d s)",
			    w->uri, what, WATCH_BACKOFF_MAX_S);
	w->logged_failure = true;
	w->backoff_s = w->backoff_s ? (w->backoff_s * 2 > WATCH_BACKOFF_MAX_S ? WATCH_BACKOFF_MAX_S : w->backoff_s * 2) : 1;
	w->next_attempt = time(NULL) + w->backoff_s;
}

static void try_connect(struct libvirt_watch *w)
{
	char what[SEOIB_MESSAGE_MAX];

	w->conn = virConnectOpen(w->uri);
	if (!w->conn) {
		sentence_format(what, sizeof(what), "cannot connect: %s", last_error());
		schedule_retry(w, what);
		return;
	}
	atomic_store(&w->closed, false);
	w->lifecycle_id = virConnectDomainEventRegisterAny(w->conn, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE,
							   VIR_DOMAIN_EVENT_CALLBACK(on_lifecycle), w, NULL);
	if (w->lifecycle_id < 0 || virConnectRegisterCloseCallback(w->conn, on_close, w, NULL) < 0 ||
	    virConnectSetKeepAlive(w->conn, WATCH_KEEPALIVE_S, WATCH_KEEPALIVE_COUNT) < 0) {
		sentence_format(what, sizeof(what), "cannot watch domain events: %s", last_error());
		disconnect(w);
		schedule_retry(w, what);
		return;
	}
	log_info("watching libvirt at %s for guests that start or arrive", w->uri);
	w->logged_failure = false;
	w->backoff_s = 0;
	sync_all(w);
	w->audit_due = true;
	prewarm_all(w);
}

static void on_tick(int timer, void *opaque)
{
	struct libvirt_watch *w = opaque;

	if (w->conn && atomic_load(&w->closed)) {
		disconnect(w);
		schedule_retry(w, "the connection closed");
	}
	if (!w->conn && !atomic_load(&w->stop) && time(NULL) >= w->next_attempt)
		try_connect(w);
	if (w->conn && w->audit &&
	    (w->audit_due || time(NULL) >= w->next_audit || guest_audit_record_changed(w->audit))) {
		w->audit_due = false;
		w->next_audit = time(NULL) + WATCH_AUDIT_INTERVAL_S;
		guest_audit_refresh(w->audit, w->conn);
	}
}

static void *watch_thread(void *opaque)
{
	struct libvirt_watch *w = opaque;
	int timer = virEventAddTimeout(WATCH_TICK_MS, on_tick, w, NULL);

	if (timer < 0) {
		log_error("cannot add a timer to libvirt's event loop: %s; not watching libvirt", last_error());
		return NULL;
	}
	storm_watch_attach(w->storm, &w->conn);
	on_tick(timer, w);
	while (!atomic_load(&w->stop))
		if (virEventRunDefaultImpl() < 0)
			break;
	virEventRemoveTimeout(timer);
	disconnect(w);
	storm_watch_detach(w->storm);
	return NULL;
}

/* Once per process, before any connection (libvirt's rule), however
 * often a reload restarts the watcher. */
static pthread_once_t libvirt_once = PTHREAD_ONCE_INIT;
static bool libvirt_ready;

static void libvirt_init_once(void)
{
	virSetErrorFunc(NULL, quiet_errors);
	libvirt_ready = virInitialize() == 0 && virEventRegisterDefaultImpl() == 0;
	if (!libvirt_ready)
		log_error("cannot start libvirt's event loop: %s; not watching libvirt", last_error());
}

struct libvirt_watch *libvirt_watch_start(const char *uri, const char *record_path, unsigned max_record_age_s,
					  struct guest_audit *audit, struct storm_watch *storm)
{
	struct libvirt_watch *w;

	if (!uri[0])
		return NULL;
	pthread_once(&libvirt_once, libvirt_init_once);
	if (!libvirt_ready)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	snprintf(w->uri, sizeof(w->uri), "%s", uri);
	snprintf(w->record_path, sizeof(w->record_path), "%s", record_path);
	w->max_record_age_s = max_record_age_s;
	w->lifecycle_id = -1;
	w->audit = audit;
	w->prewarm = qemu_prewarm_start(NULL);
	w->storm = storm;
	if (pthread_create(&w->thread, NULL, watch_thread, w) != 0) {
		log_error("cannot start the libvirt watcher thread; not watching libvirt");
		qemu_prewarm_stop(w->prewarm);
		free(w);
		return NULL;
	}
	return w;
}

void libvirt_watch_stop(struct libvirt_watch *w)
{
	if (!w)
		return;
	atomic_store(&w->stop, true);
	pthread_join(w->thread, NULL); /* the 1 s tick wakes the loop */
	qemu_prewarm_stop(w->prewarm);  /* bounded by one question's timeout */
	free(w);
}
