/* seoibd's storm watcher (storm_watch.h). */
#include <errno.h>
#include <libvirt/virterror.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "seoib/bus_names.h"
#include "seoib/cleanup.h"
#include "seoib/fileio.h"
#include "seoib/json_util.h"
#include "seoib/policy.h"
#include "seoib/storm_report.h"
#include "seoibd.h"
#include "storm_watch.h"

struct watched {
	/* Shared, under sw->lock. */
	struct storm_report_guest report;
	bool gone;            /* stopped: dropped once the loop has said so */
	/* The loop's alone: what it last said. */
	bool said_storming;
	bool said_problem;
	/* The libvirt thread's alone. */
	virDomainPtr dom;
	size_t n_vcpus;
	struct storm_window *windows;
	unsigned missing; /* samples in a row without counters */
};

/* libvirt leaves the counters out of a sample when it cannot get the
 * domain's job at once (a start, a metadata write): only this many samples
 * in a row without them make a problem worth saying. */
#define STORM_WATCH_MISSING_MAX 5

struct storm_watch {
	struct seoibd *d;
	pthread_mutex_t lock;
	struct watched **guests;
	size_t n;
	int sample_fd; /* loop -> libvirt thread: sample now */
	int result_fd; /* libvirt thread -> loop: something changed */
	sd_event_source *result_source;
	sd_event_source *timer;
	sd_bus_slot *slot;
	int handle;    /* libvirt's watch of sample_fd; -1 detached */
	virConnectPtr *conn;
};

static void wake(int fd)
{
	uint64_t one = 1;

	/* An eventfd counter only saturates after 2^64 - 2 writes; EAGAIN
	 * then means the other side has a wake-up pending anyway. */
	(void)!write(fd, &one, sizeof(one));
}

static void drain(int fd)
{
	uint64_t n;

	(void)!read(fd, &n, sizeof(n));
}

/* ---- the libvirt thread ------------------------------------------------ */

static struct watched *find(struct storm_watch *sw, const char *uuid)
{
	for (size_t i = 0; i < sw->n; i++)
		if (!sw->guests[i]->gone && strcmp(sw->guests[i]->report.uuid, uuid) == 0)
			return sw->guests[i];
	return NULL;
}

/* Called with the lock held. */
static void forget(struct watched *g)
{
	g->gone = true;
	if (g->dom)
		virDomainFree(g->dom);
	g->dom = NULL;
	free(g->windows);
	g->windows = NULL;
	g->n_vcpus = 0;
}

static void join_reasons(const struct decision *dec, char *out, size_t size)
{
	size_t used = 0;

	out[0] = 0;
	for (int i = 0; i < dec->n_reasons && used < size; i++)
		used += (size_t)snprintf(out + used, size - used, "%s%s%s", i ? "; " : "", dec->reasons[i],
					 i == dec->n_reasons - 1 ? "." : "");
}

static struct watched *add(struct storm_watch *sw, virDomainPtr dom, const char *uuid)
{
	struct watched **grown, *g;
	size_t live = 0;

	for (size_t i = 0; i < sw->n; i++)
		live += !sw->guests[i]->gone;
	if (live >= STORM_WATCH_GUESTS_MAX)
		return NULL;
	g = calloc(1, sizeof(*g));
	grown = g ? realloc(sw->guests, (sw->n + 1) * sizeof(*grown)) : NULL;
	if (!grown) {
		free(g);
		return NULL;
	}
	sw->guests = grown;
	sw->guests[sw->n++] = g;
	g->dom = dom;
	virDomainRef(dom);
	snprintf(g->report.uuid, sizeof(g->report.uuid), "%s", uuid);
	g->report.vcpu = -1;
	g->report.returns_per_s = -1;
	return g;
}

void storm_watch_guest(struct storm_watch *sw, virDomainPtr dom, const struct guest_facts *facts, enum seoib_state state,
		       const struct host_view *host)
{
	char uuid[VIR_UUID_STRING_BUFLEN], why[SEOIB_MESSAGE_MAX];
	bool exposed;
	struct decision dec;
	struct watched *g;

	if (!sw || virDomainGetUUIDString(dom, uuid) < 0)
		return;
	exposed = storm_guest_exposed(facts, state, host_view_record(host), why);
	pthread_mutex_lock(&sw->lock);
	g = find(sw, uuid);
	if (!exposed) {
		if (g)
			forget(g);
		pthread_mutex_unlock(&sw->lock);
		if (g)
			wake(sw->result_fd);
		return;
	}
	if (!g && !(g = add(sw, dom, uuid))) {
		pthread_mutex_unlock(&sw->lock);
		log_warning("cannot watch '%s' for an interrupt storm: already watching %d guests, or out of memory",
			    facts->name, STORM_WATCH_GUESTS_MAX);
		return;
	}
	policy_decide(facts, host, NULL, 0, &dec);
	snprintf(g->report.name, sizeof(g->report.name), "%s", facts->name);
	sentence_format(g->report.watched_because, sizeof(g->report.watched_because), "%s", why);
	join_reasons(&dec, g->report.reasons, sizeof(g->report.reasons));
	/* The decision's own words; it names none for a guest it rates low
	 * risk, which a storm seen contradicts: the report says so rather
	 * than make a remediation up (docs/storm.md, "What to do"). */
	if (dec.remediation[0])
		sentence_format(g->report.remediation, sizeof(g->report.remediation), "%s.", dec.remediation);
	else
		sentence_format(g->report.remediation, sizeof(g->report.remediation),
				"the decision names none, as it rates this guest's risk %s; for a guest seen storming see docs/storm.md, \"What to do\".",
				risk_to_string(dec.risk));
	decision_free(&dec);
	pthread_mutex_unlock(&sw->lock);
	wake(sw->result_fd);
}

void storm_watch_gone(struct storm_watch *sw, virDomainPtr dom)
{
	char uuid[VIR_UUID_STRING_BUFLEN];
	struct watched *g;

	if (!sw || virDomainGetUUIDString(dom, uuid) < 0)
		return;
	pthread_mutex_lock(&sw->lock);
	g = find(sw, uuid);
	if (g)
		forget(g);
	pthread_mutex_unlock(&sw->lock);
	if (g)
		wake(sw->result_fd);
}

/* One vCPU's counters from libvirt's typed parameters; false when the
 * kernel's statistics are not there (no irq_injections). */
static bool read_vcpu(virTypedParameterPtr p, int np, unsigned v, uint64_t now_ns, struct storm_sample *s)
{
	static const struct {
		const char *name;
		size_t offset;
	} counters[] = {
		{"fpu_reload.sum", offsetof(struct storm_sample, fpu_reload)},
		{"io_exits.sum", offsetof(struct storm_sample, io_exits)},
		{"mmio_exits.sum", offsetof(struct storm_sample, mmio_exits)},
		{"signal_exits.sum", offsetof(struct storm_sample, signal_exits)},
	};
	char key[VIR_TYPED_PARAM_FIELD_LENGTH];
	unsigned long long value;

	memset(s, 0, sizeof(*s));
	s->t_ns = now_ns;
#define GET(field, suffix)                                                                                            \
	(snprintf(key, sizeof(key), "vcpu.%u." suffix, v), virTypedParamsGetULLong(p, np, key, &value) == 1 &&       \
							 (s->field = value, true))
	if (!GET(irq_injections, "irq_injections.sum") || !GET(halt_exits, "halt_exits.sum") ||
	    !GET(exits, "exits.sum") || !GET(vcpu_time_ns, "time"))
		return false;
	s->have_delay = GET(vcpu_delay_ns, "delay");
#undef GET
	s->have_returns = true;
	for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
		snprintf(key, sizeof(key), "vcpu.%u.%s", v, counters[i].name);
		if (virTypedParamsGetULLong(p, np, key, &value) != 1) {
			s->have_returns = false;
			break;
		}
		*(uint64_t *)((char *)s + counters[i].offset) = value;
	}
	return true;
}

static uint64_t monotonic_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A sample without vCPU v's counters. Lock held. */
static void missing(struct watched *g, unsigned v)
{
	if (++g->missing < STORM_WATCH_MISSING_MAX)
		return;
	sentence_format(g->report.problem, sizeof(g->report.problem),
			"libvirt returned no KVM counters for vCPU %u of '%s' in %d samples in a row (they need KVM's binary statistics, Linux 5.14 or later, and QEMU 7.1 or later with a libvirt that asks it for them), so seoib cannot watch it for an interrupt storm",
			v, g->report.name, STORM_WATCH_MISSING_MAX);
}

/* Fold one guest's stats into its windows and its report. Lock held. */
static void update(struct watched *g, virDomainStatsRecordPtr rec, uint64_t now_ns)
{
	unsigned current = 0;
	struct storm_evidence best = {0}, ev;
	int best_vcpu = -1, state = 0;
	bool storming = false;

	/* state.state comes in the same reply (VIR_DOMAIN_STATS_STATE): no
	 * second call to libvirt, which must never happen under the lock. */
	if (virTypedParamsGetInt(rec->params, rec->nparams, "state.state", &state) == 1 && state == VIR_DOMAIN_PAUSED) {
		/* libvirt returns no KVM counters while a guest is paused
		 * (measured, libvirt 9.0); a paused guest cannot storm. */
		g->report.storming = false;
		g->report.vcpu = -1;
		g->report.duration_s = g->report.injections_per_s = g->report.halts_per_s = 0;
		g->report.cpu = g->report.runnable = 0;
		g->report.returns_per_s = -1;
		g->report.problem[0] = 0;
		sentence_format(g->report.evidence, sizeof(g->report.evidence), "paused: no vCPU runs");
		/* Resumed, it starts again from a fresh window: the interval
		 * across the pause says nothing about either side. */
		free(g->windows);
		g->windows = NULL;
		g->n_vcpus = 0;
		return;
	}
	if (virTypedParamsGetUInt(rec->params, rec->nparams, "vcpu.current", &current) != 1 || current == 0) {
		missing(g, 0);
		return;
	}
	if (current > STORM_WATCH_VCPUS_MAX)
		current = STORM_WATCH_VCPUS_MAX;
	if (current != g->n_vcpus) {
		/* vCPUs hot-plugged or unplugged: start the windows again. */
		free(g->windows);
		g->windows = calloc(current ? current : 1, sizeof(*g->windows));
		g->n_vcpus = g->windows ? current : 0;
	}
	for (unsigned v = 0; v < g->n_vcpus; v++) {
		struct storm_sample s;

		if (!read_vcpu(rec->params, rec->nparams, v, now_ns, &s)) {
			missing(g, v);
			return;
		}
		storm_window_push(&g->windows[v], &s);
		storm_judge(&g->windows[v], &ev);
		/* The report shows the storming vCPU that injects most, or,
		 * while calm, the one that injects most. */
		if ((ev.storming && !storming) || (ev.storming == storming && ev.rates.injections_per_s >= best.rates.injections_per_s)) {
			best = ev;
			best_vcpu = (int)v;
			storming = storming || ev.storming;
		}
	}
	g->missing = 0;
	g->report.problem[0] = 0;
	g->report.storming = storming;
	g->report.vcpu = storming ? best_vcpu : -1;
	g->report.duration_s = best.duration_s;
	g->report.injections_per_s = best.rates.injections_per_s;
	g->report.halts_per_s = best.rates.halts_per_s;
	g->report.returns_per_s = best.rates.returns_per_s;
	g->report.cpu = best.rates.cpu;
	g->report.runnable = best.rates.runnable;
	snprintf(g->report.evidence, sizeof(g->report.evidence), "%s", best.summary);
}

static void sample(struct storm_watch *sw)
{
	virDomainPtr doms[STORM_WATCH_GUESTS_MAX + 1];
	virDomainStatsRecordPtr *recs = NULL;
	size_t n = 0;
	int got;
	uint64_t now_ns;

	if (!sw->conn || !*sw->conn)
		return;
	pthread_mutex_lock(&sw->lock);
	for (size_t i = 0; i < sw->n && n < STORM_WATCH_GUESTS_MAX; i++)
		if (!sw->guests[i]->gone && virDomainRef(sw->guests[i]->dom) == 0)
			doms[n++] = sw->guests[i]->dom;
	pthread_mutex_unlock(&sw->lock);
	doms[n] = NULL;
	if (n == 0)
		return;
	/* One call for every watched guest; the lock is not held across it. */
	got = virDomainListGetStats(doms, VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_STATE, &recs, 0);
	now_ns = monotonic_ns();
	pthread_mutex_lock(&sw->lock);
	for (int i = 0; i < got; i++) {
		char uuid[VIR_UUID_STRING_BUFLEN];
		struct watched *g;

		if (virDomainGetUUIDString(recs[i]->dom, uuid) == 0 && (g = find(sw, uuid)))
			update(g, recs[i], now_ns);
	}
	pthread_mutex_unlock(&sw->lock);
	if (got < 0)
		log_warning("cannot read the vCPU counters of the guests watched for an interrupt storm: %s; trying again in a second",
			    virGetLastErrorMessage());
	virDomainStatsRecordListFree(recs);
	for (size_t i = 0; i < n; i++)
		virDomainFree(doms[i]);
	wake(sw->result_fd);
}

static void on_sample_request(int watch, int fd, int events, void *opaque)
{
	drain(fd);
	sample(opaque);
}

void storm_watch_attach(struct storm_watch *sw, virConnectPtr *conn)
{
	if (!sw)
		return;
	sw->conn = conn;
	sw->handle = virEventAddHandle(sw->sample_fd, VIR_EVENT_HANDLE_READABLE, on_sample_request, sw, NULL);
	if (sw->handle < 0)
		log_error("cannot watch for storm sample requests in libvirt's event loop: %s; guests are not watched for an interrupt storm",
			  virGetLastErrorMessage());
}

void storm_watch_forget_all(struct storm_watch *sw)
{
	bool any = false;

	if (!sw)
		return;
	pthread_mutex_lock(&sw->lock);
	for (size_t i = 0; i < sw->n; i++)
		if (!sw->guests[i]->gone) {
			forget(sw->guests[i]);
			any = true;
		}
	pthread_mutex_unlock(&sw->lock);
	if (any)
		wake(sw->result_fd);
}

void storm_watch_detach(struct storm_watch *sw)
{
	if (!sw)
		return;
	if (sw->handle >= 0)
		virEventRemoveHandle(sw->handle);
	sw->handle = -1;
	storm_watch_forget_all(sw);
}

/* ---- the loop ---------------------------------------------------------- */

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct storm_watch *sw = userdata;

	int r;

	wake(sw->sample_fd);
	r = sd_event_source_set_time_relative(s, STORM_WATCH_INTERVAL_USEC);
	return r < 0 ? r : sd_event_source_set_enabled(s, SD_EVENT_ON);
}

/* The timer exists only while a guest is watched: no wake-ups otherwise. */
static void arm(struct storm_watch *sw, size_t watched)
{
	int r;

	if (watched && !sw->timer) {
		r = sd_event_add_time_relative(sw->d->event, &sw->timer, CLOCK_MONOTONIC, STORM_WATCH_INTERVAL_USEC,
					       0, on_timer, sw);
		if (r >= 0)
			r = sd_event_source_set_enabled(sw->timer, SD_EVENT_ON);
		if (r < 0)
			log_error("cannot add the storm watch timer: %s; exposed guests are not watched", strerror(-r));
	} else if (!watched && sw->timer) {
		sw->timer = sd_event_source_disable_unref(sw->timer);
	}
}

static void say(struct storm_watch *sw, struct watched *g)
{
	const struct storm_report_guest *r = &g->report;

	if (r->problem[0] && !g->said_problem)
		log_warning("%s", r->problem);
	g->said_problem = r->problem[0] != 0;
	if (r->storming && !g->said_storming)
		log_warning("guest '%s' (%s) is in an interrupt storm on vCPU %d: %s. It is watched because %s. seoib's decision: %s Remediation: %s seoib takes no action on the guest.",
			    r->name, r->uuid, r->vcpu, r->evidence, r->watched_because, r->reasons,
			    r->remediation);
	else if (!r->storming && g->said_storming)
		log_info("guest '%s' (%s): the interrupt storm is over%s",
			 r->name, r->uuid, g->gone ? ": the guest stopped or is no longer exposed" : ": it is calm again");
	if (r->storming != g->said_storming && sw->d->bus)
		sd_bus_emit_signal(sw->d->bus, SEOIB_BUS_PATH, SEOIB_BUS_INTERFACE, "StormChanged", "ssbs", r->name,
				   r->uuid, r->storming, r->storming ? r->evidence : "the storm is over");
	g->said_storming = r->storming;
}

/* NAME.prom's storm file: NAME-storms.prom; false when there is none. */
static bool prometheus_path(const struct storm_watch *sw, char *out, size_t size)
{
	const char *p = sw->d->cfg.prometheus_textfile;
	size_t len = strlen(p);

	if (len <= 5)
		return false;
	snprintf(out, size, "%.*s-storms.prom", (int)(len - 5), p);
	return true;
}

static void write_outputs(struct storm_watch *sw, const struct storm_report_guest *rep, size_t n)
{
	_cleanup_json_ json_object *o = storm_report_to_json(rep, n);
	_cleanup_free_ char *prom = NULL;
	char path[4096], err[SEOIB_MESSAGE_MAX];
	const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY);

	storm_report_path(sw->d->cfg.record_path, path, sizeof(path));
	if (write_file_atomic(path, text, strlen(text), 0644, err) < 0)
		log_warning("%s", err);
	/* Beside the host's textfile, which node_exporter reads with it: the
	 * temporary file hidden, as exports.c does, so no collector reads it. */
	if (prometheus_path(sw, path, sizeof(path)) && (prom = storm_report_prometheus_text(rep, n)) &&
	    write_file_atomic_hidden(path, prom, strlen(prom), 0644, err) < 0)
		log_warning("%s", err);
}

static int on_result(sd_event_source *s, int fd, uint32_t revents, void *userdata)
{
	struct storm_watch *sw = userdata;
	_cleanup_free_ struct storm_report_guest *rep = NULL;
	size_t n = 0, kept = 0;

	drain(fd);
	pthread_mutex_lock(&sw->lock);
	rep = calloc(sw->n ? sw->n : 1, sizeof(*rep));
	for (size_t i = 0; i < sw->n; i++) {
		struct watched *g = sw->guests[i];

		if (g->gone)
			g->report.storming = false;
		say(sw, g);
		if (g->gone) {
			free(g);
			continue;
		}
		sw->guests[kept++] = g;
		if (rep)
			rep[n++] = g->report;
	}
	sw->n = kept;
	pthread_mutex_unlock(&sw->lock);
	arm(sw, n);
	if (rep)
		write_outputs(sw, rep, n);
	if (sw->d->bus)
		sd_bus_emit_properties_changed(sw->d->bus, SEOIB_BUS_PATH, SEOIB_BUS_INTERFACE, "Storms", NULL);
	return 0;
}

static int property_storms(sd_bus *bus, const char *path, const char *interface, const char *property,
			   sd_bus_message *reply, void *userdata, sd_bus_error *error)
{
	struct storm_watch *sw = userdata;
	_cleanup_free_ struct storm_report_guest *rep = NULL;
	_cleanup_json_ json_object *o = NULL;
	size_t n = 0;

	pthread_mutex_lock(&sw->lock);
	rep = calloc(sw->n ? sw->n : 1, sizeof(*rep));
	for (size_t i = 0; rep && i < sw->n; i++)
		if (!sw->guests[i]->gone)
			rep[n++] = sw->guests[i]->report;
	pthread_mutex_unlock(&sw->lock);
	if (!rep)
		return -ENOMEM;
	o = storm_report_to_json(rep, n);
	return sd_bus_message_append(reply, "s", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* A second vtable on org.seoib1.Host (sd-bus merges them): the storm
 * watch's property and signal, beside the host's. */
static const sd_bus_vtable storm_vtable[] = {
	SD_BUS_VTABLE_START(0),
	SD_BUS_PROPERTY("Storms", "s", property_storms, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
	SD_BUS_SIGNAL_WITH_ARGS("StormChanged", SD_BUS_ARGS("s", domain, "s", uuid, "b", storming, "s", evidence), 0),
	SD_BUS_VTABLE_END,
};

int storm_watch_bus_start(struct storm_watch *sw)
{
	int r;

	if (!sw || !sw->d->bus)
		return 0;
	r = sd_bus_add_object_vtable(sw->d->bus, &sw->slot, SEOIB_BUS_PATH, SEOIB_BUS_INTERFACE, storm_vtable, sw);
	if (r < 0)
		log_error("cannot publish the Storms property on the bus: %s", strerror(-r));
	return r;
}

struct storm_watch *storm_watch_new(struct seoibd *d)
{
	struct storm_watch *sw = calloc(1, sizeof(*sw));
	int r;

	if (!sw)
		return NULL;
	sw->d = d;
	sw->handle = -1;
	pthread_mutex_init(&sw->lock, NULL);
	sw->sample_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	sw->result_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	r = sw->sample_fd < 0 || sw->result_fd < 0 ? -errno
		: sd_event_add_io(d->event, &sw->result_source, sw->result_fd, EPOLLIN, on_result, sw);
	if (r < 0) {
		log_error("cannot start the storm watch: %s; exposed guests are not watched", strerror(-r));
		storm_watch_free(sw);
		return NULL;
	}
	/* A report left by an earlier seoibd would show its storms as now's. */
	write_outputs(sw, NULL, 0);
	return sw;
}

/* After the libvirt thread has stopped (libvirt_watch_stop()). */
void storm_watch_free(struct storm_watch *sw)
{
	char path[4096];

	if (!sw)
		return;
	/* No report outlives the daemon: status then says nobody watches. */
	storm_report_path(sw->d->cfg.record_path, path, sizeof(path));
	unlink(path);
	if (prometheus_path(sw, path, sizeof(path)))
		unlink(path);
	for (size_t i = 0; i < sw->n; i++) {
		forget(sw->guests[i]);
		free(sw->guests[i]);
	}
	free(sw->guests);
	sd_event_source_disable_unref(sw->timer);
	sd_event_source_disable_unref(sw->result_source);
	sd_bus_slot_unref(sw->slot);
	if (sw->sample_fd >= 0)
		close(sw->sample_fd);
	if (sw->result_fd >= 0)
		close(sw->result_fd);
	pthread_mutex_destroy(&sw->lock);
	free(sw);
}
