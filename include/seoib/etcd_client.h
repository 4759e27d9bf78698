/* The etcd v3 JSON gateway client (lib/fleet/etcd_client.c): options,
 * endpoints with failover, authentication, the exchange that the blocking
 * calls and seoibd's non-blocking loop share, and the calls seoib makes
 * (lease grant/keepalive/revoke, put, get, txn, range). libcurl and json-c;
 * keys and values are base64 in that JSON (etcd_reply.h decodes replies).
 * What the keys mean is the inventory's (inventory.h). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "seoib/config.h"
#include "seoib/etcd_reply.h"
#include "seoib/kvm_probe.h"

struct etcd_options {
	char endpoints[1024];      /* "http://a:2379,https://b:2379": tried in order */
	char ca[4096];             /* PEM CA bundle, "" = system default */
	char cert[4096];           /* client certificate, "" = none */
	char key[4096];            /* its private key */
	char user[256];            /* "" = no authentication */
	char password[256];
	long timeout_ms;           /* whole request, CURLOPT_TIMEOUT_MS */
	long connect_timeout_ms;   /* CURLOPT_CONNECTTIMEOUT_MS */
};

struct etcd_client;

/* Returned (instead of -1) when no endpoint could be reached at all, so a
 * caller can fall back to another source; -1 is any other failure. */
#define ETCD_UNREACHABLE (-2)

/* Options from seoib.conf (the password read from etcd-password-file).
 * Returns 0, or -1 with a sentence in err. */
int etcd_options_from_config(const struct seoib_config *cfg, struct etcd_options *opts,
			     char err[SEOIB_MESSAGE_MAX]);

/* Creates the client; connects lazily (first request). */
int etcd_client_new(const struct etcd_options *opts, struct etcd_client **out, char err[SEOIB_MESSAGE_MAX]);
void etcd_client_free(struct etcd_client *c);
/* The endpoint the last request went to. */
const char *etcd_client_endpoint(const struct etcd_client *c);

int etcd_lease_grant(struct etcd_client *c, int64_t ttl_s, int64_t *lease_id, char err[SEOIB_MESSAGE_MAX]);
/* Returns 1 and a malloc'ed NUL-terminated *value when found, 0 when absent,
 * -1 or ETCD_UNREACHABLE with a sentence in err. */
int etcd_get(struct etcd_client *c, const char *key, char **value, size_t *len, char err[SEOIB_MESSAGE_MAX]);

/* ---- the same calls, split for a caller that runs its own event loop ----
 * seoibd must never block on etcd (docs/fleet.md): it drives libcurl's multi
 * interface from sd-event (daemon/etcd_loop.c). An exchange is one call: a
 * POST of a JSON request to a gateway path, preceded by authentication when
 * etcd-user is set and no token is held, and moved to the next endpoint on
 * a transport error, exactly as the blocking calls above do (they are the
 * same exchange driven by curl_easy_perform()). Not thread-safe: one client,
 * one thread. */

#define ETCD_LEASE_GRANT_PATH "/v3/lease/grant"
#define ETCD_LEASE_KEEPALIVE_PATH "/v3/lease/keepalive"
#define ETCD_LEASE_REVOKE_PATH "/v3/lease/revoke"

struct etcd_exchange;

/* request: the call's JSON body (copied); easy: the handle every POST of the
 * exchange reuses (reset each time). Returns NULL when out of memory. */
struct etcd_exchange *etcd_exchange_new(struct etcd_client *c, CURL *easy, const char *path, json_object *request);
/* The easy handle set up for the next POST, or NULL when the exchange has
 * its answer (then call etcd_exchange_result()). */
CURL *etcd_exchange_next(struct etcd_exchange *x);
/* How the POST set up by etcd_exchange_next() ended (its CURLcode). */
void etcd_exchange_done(struct etcd_exchange *x, CURLcode rc);
/* 0 and the reply object (the caller's, a JSON object), ETCD_UNREACHABLE
 * when no endpoint answered, or -1 (refused, malformed, abandoned), with a
 * sentence in err. */
int etcd_exchange_result(struct etcd_exchange *x, json_object **reply, char err[SEOIB_MESSAGE_MAX]);
void etcd_exchange_free(struct etcd_exchange *x);

/* Requests (new objects, NULL when out of memory) and replies of the calls
 * above: ETCD_LEASE_GRANT_PATH, etcd_lease_grant_request(TTL in seconds),
 * etcd_lease_grant_reply(); ETCD_LEASE_KEEPALIVE_PATH or
 * ETCD_LEASE_REVOKE_PATH with etcd_lease_id_request(), and
 * etcd_lease_keepalive_reply() (*ttl_left in seconds, 0 = lease gone; -1
 * with a sentence when the reply is malformed);
 * etcd_put_request(), a put for a transaction (lease_id 0 = no lease). */
json_object *etcd_lease_grant_request(int64_t ttl_s);
int etcd_lease_grant_reply(const struct etcd_client *c, json_object *reply, int64_t *lease_id,
			   char err[SEOIB_MESSAGE_MAX]);
json_object *etcd_lease_id_request(int64_t lease_id);
int etcd_lease_keepalive_reply(const struct etcd_client *c, json_object *reply, int64_t *ttl_left,
			       char err[SEOIB_MESSAGE_MAX]);
json_object *etcd_put_request(const char *key, const char *value, size_t len, int64_t lease_id);


/* Range over every key starting with prefix, page_size keys per request:
 * fn gets every key under prefix, in key order, and only those (the reply
 * decoder refuses any other); a non-zero return stops. At most
 * ETCD_RANGE_PAGES_MAX pages and ETCD_RANGE_BYTES_MAX reply bytes: past
 * that, -1 with a sentence. */
int etcd_range_prefix(struct etcd_client *c, const char *prefix, long page_size, etcd_kv_fn fn,
		      void *userdata, char err[SEOIB_MESSAGE_MAX]);

/* A transaction without conditions: every operation of ops (a JSON array of
 * RequestOp objects, e.g. {"request_put": ...}; borrowed) applied at once.
 * 0, ETCD_UNREACHABLE or -1 with a sentence. */
#define ETCD_TXN_PATH "/v3/kv/txn"
json_object *etcd_txn_request(json_object *ops);
int etcd_txn(struct etcd_client *c, json_object *ops, char err[SEOIB_MESSAGE_MAX]);
