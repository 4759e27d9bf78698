/* The publisher (publisher.h): a small state machine run from one sd-event
 * timer. Each step does at most one or two bounded requests:
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

#include "log.h"
#include "publisher.h"
#include "seoib/cleanup.h"
#include "seoib/inventory.h"

struct publisher {
	sd_event *event;
	sd_event_source *timer;
	struct etcd_client *client;
	char key[512];
	unsigned ttl_s;
	char *record;               /* the JSON to publish; NULL before the first update */
	bool dirty;                 /* record not yet in etcd under the current lease */
	int64_t lease_id;           /* 0 = none */
	unsigned backoff_ms;        /* 0 = last step succeeded */
	bool reported_failure;      /* log once per outage, not per retry */
	char status[SEOIB_MESSAGE_MAX + 64];
};

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void schedule(struct publisher *p, uint64_t delay_ms)
{
	sd_event_source_set_time(p->timer, now_usec() + delay_ms * 1000u);
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

static int ensure_lease(struct publisher *p, char err[SEOIB_MESSAGE_MAX])
{
	if (p->lease_id)
		return 0;
	if (etcd_lease_grant(p->client, p->ttl_s, &p->lease_id, err) < 0)
		return -1;
	p->dirty = true; /* a new lease: the record must be attached to it */
	return 0;
}

/* Keepalive; a lease etcd no longer knows is replaced and the record put again. */
static int keep_lease(struct publisher *p, char err[SEOIB_MESSAGE_MAX])
{
	int64_t ttl_left = 0;

	if (etcd_lease_keepalive(p->client, p->lease_id, &ttl_left, err) < 0)
		return -1;
	if (ttl_left > 0)
		return 0;
	log_warning("etcd: lease %" PRId64 " expired; publishing %s again on a new lease", p->lease_id, p->key);
	p->lease_id = 0;
	return ensure_lease(p, err);
}

static int publish_step(struct publisher *p, char err[SEOIB_MESSAGE_MAX])
{
	if (ensure_lease(p, err) < 0)
		return -1;
	if (!p->dirty && keep_lease(p, err) < 0)
		return -1;
	if (!p->dirty)
		return 0;
	if (etcd_put(p->client, p->key, p->record, strlen(p->record), p->lease_id, err) < 0) {
		/* "requested lease not found": etcd lost it (e.g. restarted after
		 * the TTL): grant a new one on the next step. */
		if (strstr(err, "lease not found"))
			p->lease_id = 0;
		return -1;
	}
	p->dirty = false;
	return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct publisher *p = userdata;
	char err[SEOIB_MESSAGE_MAX];

	if (!p->record)
		return 0;
	if (publish_step(p, err) < 0)
		step_failed(p, err);
	else
		step_succeeded(p);
	return 0;
}

int publisher_new(sd_event *event, const struct seoib_config *cfg, const char *hostname, struct publisher **out,
		  char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ struct publisher *p = calloc(1, sizeof(*p));
	struct etcd_options opts;
	int r;

	if (!p) {
		snprintf(err, SEOIB_MESSAGE_MAX, "out of memory creating the etcd publisher");
		return -1;
	}
	if (inventory_host_key(cfg->etcd_prefix, hostname, p->key, sizeof(p->key)) < 0) {
		snprintf(err, SEOIB_MESSAGE_MAX, "etcd key for host %s is too long; use a shorter etcd-prefix", hostname);
		return -1;
	}
	if (etcd_options_from_config(cfg, &opts, err) < 0)
		return -1;
	opts.timeout_ms = PUBLISHER_REQUEST_TIMEOUT_MS;
	opts.connect_timeout_ms = PUBLISHER_CONNECT_TIMEOUT_MS;
	if (etcd_client_new(&opts, &p->client, err) < 0)
		return -1;
	r = sd_event_add_time(event, &p->timer, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timer, p);
	if (r < 0) {
		etcd_client_free(p->client);
		snprintf(err, SEOIB_MESSAGE_MAX, "cannot add the etcd publisher timer: %s", strerror(-r));
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

void publisher_free(struct publisher *p)
{
	char err[SEOIB_MESSAGE_MAX];

	if (!p)
		return;
	/* Bounded like every request: a stopping daemon must not hang on etcd. */
	if (p->lease_id && etcd_lease_revoke(p->client, p->lease_id, err) < 0)
		log_warning("etcd: cannot revoke lease %" PRId64 " (%s); %s disappears after %u s", p->lease_id, err,
			    p->key, p->ttl_s);
	sd_event_source_disable_unref(p->timer);
	sd_event_unref(p->event);
	etcd_client_free(p->client);
	free(p->record);
	free(p);
}
