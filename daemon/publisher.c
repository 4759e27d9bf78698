/* The publisher (publisher.h): a small state machine driven by one sd-event
 * timer and the answers of etcd_loop (libcurl multi on the same loop), so
 * that no step ever waits for etcd. One request is in flight at a time:
 *   no lease   -> lease grant (etcd-lease-ttl)
 *   dirty      -> put the record attached to the lease
 *   otherwise  -> lease keepalive, every TTL/3
 * A keepalive answering TTL 0 means etcd forgot the lease (it expired while
 * we were cut off): grant a new one and put again. Any failure marks the
 * record dirty, so the first success after a reconnect republishes it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "etcd_loop.h"
#include "log.h"
#include "publisher.h"
#include "seoib/cleanup.h"
#include "seoib/json_util.h"
#include "seoib/monotonic.h"
#include "seoib/inventory.h"
#include "seoib/sentence.h"

struct publisher {
	sd_event *event;
	sd_event_source *timer;
	struct etcd_client *client;
	struct etcd_loop *loop;
	char key[512];              /* <prefix>hosts/<hostname>, for the log */
	char prefix[256];
	char hostname[256];
	unsigned ttl_s;
	char *record;               /* the JSON to publish; NULL before the first update */
	uint64_t record_gen;        /* bumped by every new record */
	uint64_t put_gen;           /* the record_gen of the put in flight */
	bool dirty;                 /* record not yet in etcd under the current lease */
	bool keepalive_due;         /* this round still owes etcd a keepalive */
	int64_t lease_id;           /* 0 = none */
	unsigned backoff_ms;        /* 0 = last step succeeded */
	bool reported_failure;      /* log once per outage, not per retry */
	char status[SEOIB_MESSAGE_MAX + 64];
};

static void schedule(struct publisher *p, uint64_t delay_ms)
{
	sd_event_source_set_time(p->timer, monotonic_usec() + delay_ms * 1000u);
	sd_event_source_set_enabled(p->timer, SD_EVENT_ONESHOT);
}

static void step_failed(struct publisher *p, const char *err)
{
	p->dirty = true;
	p->backoff_ms = p->backoff_ms ? p->backoff_ms * 2 : PUBLISHER_BACKOFF_MIN_MS;
	if (p->backoff_ms > PUBLISHER_BACKOFF_MAX_MS)
		p->backoff_ms = PUBLISHER_BACKOFF_MAX_MS;
	snprintf(p->status, sizeof(p->status), "etcd: not published (%s); retrying in %u ms", err, p->backoff_ms);
	if (!p->reported_failure)
		log_warning("%s", p->status);
	p->reported_failure = true;
	schedule(p, p->backoff_ms);
}

static void step_succeeded(struct publisher *p)
{
	snprintf(p->status, sizeof(p->status), "etcd: published %s to %s (lease %" PRId64 ", TTL %u s)", p->key,
		 etcd_client_endpoint(p->client), p->lease_id, p->ttl_s);
	if (p->reported_failure || p->backoff_ms)
		log_info("%s", p->status);
	p->reported_failure = false;
	p->backoff_ms = 0;
	/* Three keepalives per TTL: one lost request does not lose the lease. */
	schedule(p, p->ttl_s * 1000u / 3);
}

static void advance(struct publisher *p);

static void on_granted(int r, json_object *reply, const char *err, void *userdata)
{
	struct publisher *p = userdata;
	char why[SEOIB_MESSAGE_MAX];

	if (r < 0 || etcd_lease_grant_reply(p->client, reply, &p->lease_id, why) < 0) {
		step_failed(p, r < 0 ? err : why);
		return;
	}
	p->dirty = true; /* a new lease: the record must be attached to it */
	p->keepalive_due = false;
	advance(p);
}

/* A lease etcd no longer knows is replaced and the record put again. */
static void on_kept_alive(int r, json_object *reply, const char *err, void *userdata)
{
	struct publisher *p = userdata;
	char why[SEOIB_MESSAGE_MAX];
	int64_t ttl_left = 0;

	if (r < 0) {
		step_failed(p, err);
		return;
	}
	if (etcd_lease_keepalive_reply(p->client, reply, &ttl_left, why) < 0) {
		step_failed(p, why);
		return;
	}
	p->keepalive_due = false;
	if (ttl_left <= 0) {
		log_warning("etcd: lease %" PRId64 " expired; publishing %s again on a new lease", p->lease_id, p->key);
		p->lease_id = 0;
	}
	advance(p);
}

static void on_put(int r, json_object *reply, const char *err, void *userdata)
{
	struct publisher *p = userdata;

	if (r < 0) {
		/* "requested lease not found": etcd lost it (e.g. restarted after
		 * the TTL): grant a new one on the next step. */
		if (strstr(err, "lease not found"))
			p->lease_id = 0;
		step_failed(p, err);
		return;
	}
	/* A record that changed while the put was in flight is still to put. */
	p->dirty = p->put_gen != p->record_gen;
	p->keepalive_due = false;
	advance(p);
}

static void call(struct publisher *p, const char *path, json_object *request, etcd_loop_done_fn done)
{
	_cleanup_json_ json_object *owned = request;
	int r = request ? etcd_loop_call(p->loop, path, request, done, p) : -ENOMEM;

	if (r < 0) {
		char err[SEOIB_MESSAGE_MAX];

		sentence_format(err, sizeof(err), "cannot start the etcd request %s: %s", path, strerror(-r));
		step_failed(p, err);
	}
}

/* The record and its listing summary, in one transaction on the lease. */
static void publish(struct publisher *p)
{
	_cleanup_json_ json_object *ops = NULL;
	char err[SEOIB_MESSAGE_MAX];

	p->put_gen = p->record_gen;
	ops = inventory_publish_ops(p->prefix, p->hostname, p->record, p->lease_id, err);
	if (!ops) {
		step_failed(p, err);
		return;
	}
	call(p, ETCD_TXN_PATH, etcd_txn_request(ops), on_put);
}

/* The next request of this round, or the round's success. */
static void advance(struct publisher *p)
{
	if (!p->lease_id) {
		call(p, ETCD_LEASE_GRANT_PATH, etcd_lease_grant_request(p->ttl_s), on_granted);
	} else if (p->dirty) {
		publish(p);
	} else if (p->keepalive_due) {
		call(p, ETCD_LEASE_KEEPALIVE_PATH, etcd_lease_id_request(p->lease_id), on_kept_alive);
	} else {
		step_succeeded(p);
	}
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct publisher *p = userdata;

	/* A round in flight picks up whatever changed when its answer comes. */
	if (!p->record || etcd_loop_busy(p->loop))
		return 0;
	p->keepalive_due = true;
	advance(p);
	return 0;
}

int publisher_new(sd_event *event, const struct seoib_config *cfg, const char *hostname, struct publisher **out,
		  char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ struct publisher *p = calloc(1, sizeof(*p));
	struct etcd_options opts;
	int r;

	if (!p) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory creating the etcd publisher");
		return -1;
	}
	char key[512];

	if (inventory_host_key(cfg->etcd_prefix, hostname, p->key, sizeof(p->key)) < 0 ||
	    inventory_summary_key(cfg->etcd_prefix, hostname, key, sizeof(key)) < 0 ||
	    strlen(hostname) >= sizeof(p->hostname)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "etcd key for host %s is too long; use a shorter etcd-prefix", hostname);
		return -1;
	}
	snprintf(p->prefix, sizeof(p->prefix), "%s", cfg->etcd_prefix);
	snprintf(p->hostname, sizeof(p->hostname), "%s", hostname);
	if (etcd_options_from_config(cfg, &opts, err) < 0)
		return -1;
	opts.timeout_ms = PUBLISHER_REQUEST_TIMEOUT_MS;
	opts.connect_timeout_ms = PUBLISHER_CONNECT_TIMEOUT_MS;
	if (etcd_client_new(&opts, &p->client, err) < 0)
		return -1;
	r = etcd_loop_new(event, p->client, &p->loop);
	if (r >= 0)
		r = sd_event_add_time(event, &p->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, p);
	if (r < 0) {
		etcd_loop_free(p->loop);
		etcd_client_free(p->client);
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot set up the etcd publisher on the event loop: %s", strerror(-r));
		return -1;
	}
	p->event = sd_event_ref(event);
	p->ttl_s = cfg->etcd_lease_ttl_s ? cfg->etcd_lease_ttl_s : 60;
	snprintf(p->status, sizeof(p->status), "etcd: waiting for the first record");
	*out = steal_ptr(p);
	return 0;
}

int publisher_update(struct publisher *p, const char *record_json)
{
	char *copy = strdup(record_json);

	if (!copy)
		return -ENOMEM;
	if (p->record && strcmp(p->record, copy) == 0) {
		free(copy);
		return 0;
	}
	free(p->record);
	p->record = copy;
	p->record_gen++;
	p->dirty = true;
	/* During a backoff, wait for it: hammering a down etcd helps nobody. */
	if (!p->backoff_ms)
		schedule(p, 0);
	return 0;
}

const char *publisher_status(const struct publisher *p)
{
	return p->status;
}

/* The lease revoke at stop, the one blocking request: the loop has ended,
 * and nothing else waits. Bounded by PUBLISHER_REVOKE_BUDGET_MS in all,
 * whatever the number of endpoints. */
static int revoke_bounded(struct publisher *p, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *req = etcd_lease_id_request(p->lease_id);
	_cleanup_json_ json_object *reply = NULL;
	const uint64_t deadline = monotonic_usec() + PUBLISHER_REVOKE_BUDGET_MS * 1000u;
	CURL *handle = curl_easy_init(), *easy;
	struct etcd_exchange *x = req && handle ? etcd_exchange_new(p->client, handle, ETCD_LEASE_REVOKE_PATH, req)
						: NULL;
	int r;

	if (!x) {
		curl_easy_cleanup(handle);
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory");
		return -1;
	}
	while ((easy = etcd_exchange_next(x))) {
		uint64_t now = monotonic_usec();
		long left_ms = now < deadline ? (long)((deadline - now) / 1000u) : 0;

		if (left_ms <= 0)
			break;
		if (left_ms < PUBLISHER_REQUEST_TIMEOUT_MS)
			curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, left_ms);
		etcd_exchange_done(x, curl_easy_perform(easy));
	}
	r = etcd_exchange_result(x, &reply, err);
	etcd_exchange_free(x);
	curl_easy_cleanup(handle);
	return r;
}

void publisher_free(struct publisher *p)
{
	char err[SEOIB_MESSAGE_MAX];

	if (!p)
		return;
	etcd_loop_free(p->loop); /* abandons a request in flight */
	if (p->lease_id && revoke_bounded(p, err) < 0)
		log_warning("etcd: cannot revoke lease %" PRId64 " (%s); %s disappears after %u s", p->lease_id, err,
			    p->key, p->ttl_s);
	sd_event_source_disable_unref(p->timer);
	sd_event_unref(p->event);
	etcd_client_free(p->client);
	free(p->record);
	free(p);
}
