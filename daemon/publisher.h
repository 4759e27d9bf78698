/* seoibd's side of the fleet inventory (docs/fleet.md): publishes this
 * host's record under <prefix>hosts/<hostname> on a lease, keeps the lease
 * alive from sd-event timers, republishes on change and after etcd comes
 * back, retries with capped exponential backoff. etcd being down never
 * blocks probing, D-Bus or the hook: requests run on libcurl's multi
 * interface from the same sd-event loop (etcd_loop.h), each POST bounded to
 * PUBLISHER_REQUEST_TIMEOUT_MS, and nothing waits for their answers; only
 * the lease revoke at stop blocks, for PUBLISHER_REVOKE_BUDGET_MS at most. */
#pragma once

#include <systemd/sd-event.h>

#include "seoib/config.h"

#define PUBLISHER_REQUEST_TIMEOUT_MS 1000
#define PUBLISHER_CONNECT_TIMEOUT_MS 300
#define PUBLISHER_BACKOFF_MIN_MS 250
#define PUBLISHER_BACKOFF_MAX_MS 30000
/* The lease revoke at stop, in all endpoints together. */
#define PUBLISHER_REVOKE_BUDGET_MS 2000

struct publisher;

/* Nothing is sent until the first publisher_update(). Returns 0, or -1 with
 * a sentence in err (bad endpoints, unreadable password file). */
int publisher_new(sd_event *event, const struct seoib_config *cfg, const char *hostname, struct publisher **out,
		  char err[SEOIB_MESSAGE_MAX]);
/* A new record (the host record JSON text): copied, published soon. */
int publisher_update(struct publisher *p, const char *record_json);
/* One line for STATUS= and the log: "etcd: published to URL (lease ID)". */
const char *publisher_status(const struct publisher *p);
/* Abandons a request in flight, then revokes the lease (blocking, at most
 * PUBLISHER_REVOKE_BUDGET_MS), so the record disappears at once. */
void publisher_free(struct publisher *p);
