/* The fleet inventory on etcd (docs/fleet.md), lib/fleet/inventory.c: what
 * the keys under etcd-prefix mean, read and written through the gateway
 * client of etcd_client.h. It is the etcd backend of fleet_backend.h.
 *
 * Layout, both keys on the lease the publishing daemon keeps alive, put
 * together in one transaction:
 *   <prefix>hosts/<hostname>     = the host record JSON (seoib.host/1)
 *   <prefix>summaries/<hostname> = its listing summary (seoib.host-summary/1)
 * A host that stops publishing disappears after the lease TTL, so a missing
 * key means "unknown". Decisions read records; listings read records and
 * check each summary against its record. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seoib/etcd_client.h"
#include "seoib/fleet_backend.h"
#include "seoib/host_record.h"
#include "seoib/host_summary.h"

#define INVENTORY_DEFAULT_PREFIX "/seoib/v1/"
#define INVENTORY_HOSTS_DIR "hosts/"
#define INVENTORY_SUMMARIES_DIR "summaries/"
/* Keys per range request. etcd 3.4's gateway costs a fixed ~50 ms per
 * request on top of its JSON marshalling (measured: 10,000 records of 2.3 KiB
 * take 2.8 s in pages of 500, 1.4 s in pages of 2000 or more), so pages are
 * large: 2,500 records are ~8 MiB of JSON, far below its message limit. */
#define INVENTORY_PAGE_SIZE 2500
/* Summaries are ~320 bytes, ~560 in the gateway's JSON: 5,000 a page are
 * ~2.8 MiB, answered in ~0.1 s by an idle etcd 3.4 holding 100,000 hosts
 * (10,000 a page: 0.2-0.5 s, past seoibctl's 3 s request timeout on a
 * machine loaded 6x over its cores). */
#define INVENTORY_SUMMARY_PAGE_SIZE 5000

/* <prefix>hosts/<hostname> and <prefix>summaries/<hostname>. Return 0, or
 * -1 if it does not fit in size. */
int inventory_host_key(const char *prefix, const char *hostname, char *key, size_t size);
int inventory_summary_key(const char *prefix, const char *hostname, char *key, size_t size);

/* Every host under <prefix> with a valid record under hosts/ (parsed by
 * host_record_from_string(), naming its key's host byte for byte, as
 * inventory_lookup() reads it for a decision): fn gets its summary, derived
 * from that record, and with want_records the record too. Without, the
 * summaries under summaries/ are read as well and each checked against its
 * host's record (host_summary_match()): a summary lists nothing by itself,
 * and one that is broken, differs from its record, has no record or has an
 * invalid one is collected in res with its sentence. Invalid entries are
 * never fatal. 0, or -1 with a sentence. */
int inventory_walk(struct etcd_client *c, const char *prefix, bool want_records, fleet_summary_fn fn,
		   void *userdata, struct fleet_walk_result *res, char err[SEOIB_MESSAGE_MAX]);

/* One host's record. Returns 1 found and valid, 0 absent (never published,
 * or its lease expired), ETCD_UNREACHABLE, or -1 with a sentence in err
 * (the value is not a valid record of that host). */
int inventory_lookup(struct etcd_client *c, const char *prefix, const char *hostname, struct host_record *rec,
		     char err[SEOIB_MESSAGE_MAX]);

/* The transaction operations that publish hostname's record (its JSON
 * text, stored as it is) and its summary (derived from it) under <prefix>,
 * both on lease_id (0 = none): a new JSON array for etcd_txn() or
 * etcd_txn_request(), or NULL with a sentence (a record that does not read
 * back, a host name too long for a key, out of memory). */
json_object *inventory_publish_ops(const char *prefix, const char *hostname, const char *record_json,
				   int64_t lease_id, char err[SEOIB_MESSAGE_MAX]);
