/* The etcd backend of the fleet chain (fleet_backend.h): the inventory of
 * inventory.h through a blocking gateway client (etcd_client.h). seoibd
 * publishes on its own non-blocking loop (daemon/publisher.c) with the same
 * inventory_publish_ops(); publish() here is the blocking one-shot. */
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/fleet_backend.h"
#include "seoib/inventory.h"
#include "seoib/json_util.h"
#include "seoib/sentence.h"

struct etcd_backend {
	struct etcd_client *client;
	char prefix[256];
	unsigned lease_ttl_s;
};

static bool etcd_configured(const struct seoib_config *cfg)
{
	return cfg->etcd_endpoints[0] != '\0';
}

static int etcd_open(const struct seoib_config *cfg, void **state, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ struct etcd_backend *eb = calloc(1, sizeof(*eb));
	struct etcd_options opts;

	if (!eb) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory opening the etcd inventory");
		return -1;
	}
	if (etcd_options_from_config(cfg, &opts, err) < 0 || etcd_client_new(&opts, &eb->client, err) < 0)
		return -1;
	explicit_bzero(opts.password, sizeof(opts.password));
	snprintf(eb->prefix, sizeof(eb->prefix), "%s", cfg->etcd_prefix);
	eb->lease_ttl_s = cfg->etcd_lease_ttl_s ? cfg->etcd_lease_ttl_s : 60;
	*state = steal_ptr(eb);
	return 0;
}

static void etcd_close(void *state)
{
	struct etcd_backend *eb = state;

	if (!eb)
		return;
	etcd_client_free(eb->client);
	free(eb);
}

static int etcd_lookup(void *state, const char *hostname, struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	struct etcd_backend *eb = state;
	int found = inventory_lookup(eb->client, eb->prefix, hostname, rec, err);

	if (found == 0)
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s has no record in the fleet inventory (its seoibd stopped "
			 "publishing and its lease expired, or it never published); start seoibd on %s", hostname, hostname);
	return found;
}

static int etcd_walk(void *state, bool want_records, fleet_summary_fn fn, void *userdata,
		     struct fleet_walk_result *res, char err[SEOIB_MESSAGE_MAX])
{
	struct etcd_backend *eb = state;

	return inventory_walk(eb->client, eb->prefix, want_records, fn, userdata, res, err) < 0 ? -1 : 0;
}

/* One shot: a lease of etcd-lease-ttl, the record and its summary on it.
 * Nothing keeps the lease alive: the record vanishes after the TTL unless
 * published again (seoibd keeps its own lease alive). */
static int etcd_publish(void *state, const struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	struct etcd_backend *eb = state;
	_cleanup_json_ json_object *record = host_record_to_json(rec);
	_cleanup_json_ json_object *ops = NULL;
	const char *text = record ? json_object_to_json_string_ext(record, JSON_C_TO_STRING_PLAIN) : NULL;
	int64_t lease_id;

	if (!text) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory publishing the record of %s", rec->host.hostname);
		return -1;
	}
	if (etcd_lease_grant(eb->client, eb->lease_ttl_s, &lease_id, err) < 0)
		return -1;
	ops = inventory_publish_ops(eb->prefix, rec->host.hostname, text, lease_id, err);
	if (!ops)
		return -1;
	return etcd_txn(eb->client, ops, err) < 0 ? -1 : 0;
}

const struct fleet_backend_ops fleet_backend_etcd = {
	.name = "etcd",
	.configured = etcd_configured,
	.open = etcd_open,
	.close = etcd_close,
	.lookup = etcd_lookup,
	.walk = etcd_walk,
	.publish = etcd_publish,
};
