/* The fleet inventory on etcd (inventory.h, docs/fleet.md): what the keys
 * under etcd-prefix hold, and how a listing and a lookup read them. Every
 * value is a peer's: bounded by the reply decoders (etcd_reply.c), parsed
 * by the one owner of its format (host_record.c, host_summary.c), and its
 * hostname checked against its key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/inventory.h"
#include "seoib/json_util.h"
#include "seoib/sentence.h"

static int prefixed_key(const char *prefix, const char *dir, const char *hostname, char *key, size_t size)
{
	int n = snprintf(key, size, "%s%s%s", prefix, dir, hostname);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int inventory_host_key(const char *prefix, const char *hostname, char *key, size_t size)
{
	return prefixed_key(prefix, INVENTORY_HOSTS_DIR, hostname, key, size);
}

int inventory_summary_key(const char *prefix, const char *hostname, char *key, size_t size)
{
	return prefixed_key(prefix, INVENTORY_SUMMARIES_DIR, hostname, key, size);
}

/* ---- walking the inventory ---- */

struct walk_state {
	struct etcd_client *c;
	const char *prefix;
	size_t dir_len;              /* of <prefix>hosts/ or <prefix>summaries/ */
	fleet_summary_fn fn;
	void *userdata;
	struct fleet_walk_result *res;
	size_t n_valid;
	bool oom;
	/* When a listing reads summaries: the hosts with a record under hosts/,
	 * in etcd's key order, and which of them a summary listed. A summary
	 * must name one, and a host left without one is read from its record. */
	char **names;
	bool *listed;
	size_t n_names, names_size;
};

static int note_invalid(struct walk_state *w, const char *key, const char *why)
{
	if (!fleet_walk_note_invalid(w->res, key, why))
		w->oom = true;
	return w->oom;
}

/* A value stored under another host's key would lie about that host. */
static bool key_names(const struct walk_state *w, const char *key, const char *hostname)
{
	/* etcd_reply_range() passes only keys inside the range asked for, so
	 * key starts with the directory. */
	return strcmp(key + w->dir_len, hostname) == 0;
}

/* One record of hosts/: parsed, checked, summarised, handed on. */
static int walk_record(const char *key, const char *value, size_t len, void *userdata)
{
	struct walk_state *w = userdata;
	_cleanup_free_ struct host_record *rec = malloc(sizeof(*rec));
	struct host_summary sum;
	char err[SEOIB_MESSAGE_MAX];

	if (!rec) {
		w->oom = true;
		return 1;
	}
	if (host_record_from_string(value, len, rec, err) < 0)
		return note_invalid(w, key, err);
	if (!key_names(w, key, rec->host.hostname)) {
		sentence_format(err, sizeof(err), "record of host %s stored under another host's key", rec->host.hostname);
		return note_invalid(w, key, err);
	}
	host_summary_from_record(rec, &sum);
	w->n_valid++;
	return w->fn(&sum, rec, w->userdata);
}

/* A host whose summary is unusable (broken, or of a newer schema) is
 * listed from its full record, so that one bad summary hides no host. */
static int walk_record_instead(struct walk_state *w, const char *hostname)
{
	_cleanup_free_ struct host_record *rec = malloc(sizeof(*rec));
	struct host_summary sum;
	char err[SEOIB_MESSAGE_MAX], key[512];
	int found;

	if (!rec) {
		w->oom = true;
		return 1;
	}
	found = inventory_lookup(w->c, w->prefix, hostname, rec, err);
	if (found == 0)
		return 0; /* gone since: unknown, as any host without a key */
	if (found < 0) {
		inventory_host_key(w->prefix, hostname, key, sizeof(key));
		return note_invalid(w, key, err);
	}
	host_summary_from_record(rec, &sum);
	w->n_valid++;
	return w->fn(&sum, NULL, w->userdata);
}

/* One key of hosts/, from a keys-only range: the host's name kept. */
static int collect_name(const char *key, const char *value, size_t len, void *userdata)
{
	struct walk_state *w = userdata;

	if (w->n_names == w->names_size) {
		size_t want = w->names_size ? w->names_size * 2 : 256;
		char **names = reallocarray(w->names, want, sizeof(*names));

		bool *listed;

		if (names)
			w->names = names;
		listed = names ? reallocarray(w->listed, want, sizeof(*listed)) : NULL;
		if (!listed) {
			w->oom = true;
			return 1;
		}
		w->listed = listed;
		w->names_size = want;
	}
	w->names[w->n_names] = strdup(key + w->dir_len);
	if (!w->names[w->n_names]) {
		w->oom = true;
		return 1;
	}
	w->listed[w->n_names++] = false;
	return 0;
}

static void names_free(struct walk_state *w)
{
	for (size_t i = 0; i < w->n_names; i++)
		free(w->names[i]);
	free(w->names);
	free(w->listed);
	w->names = NULL;
	w->listed = NULL;
	w->n_names = w->names_size = 0;
}

static int compare_name(const void *key, const void *name)
{
	return strcmp(key, *(char *const *)name);
}

/* True when hostname has a record under hosts/ (it is then taken as
 * listed), or when this walk does not match names. */
static bool take_name(struct walk_state *w, const char *hostname)
{
	char **found;

	if (!w->names)
		return true;
	/* etcd orders keys by bytes, as strcmp() does (keys hold no NUL). */
	found = bsearch(hostname, w->names, w->n_names, sizeof(*w->names), compare_name);
	if (!found)
		return false;
	w->listed[found - w->names] = true;
	return true;
}

/* One summary of summaries/. */
static int walk_summary(const char *key, const char *value, size_t len, void *userdata)
{
	struct walk_state *w = userdata;
	struct host_summary sum;
	char err[SEOIB_MESSAGE_MAX];

	if (!take_name(w, key + w->dir_len)) {
		sentence_format(err, sizeof(err), "a summary of a host with no record under %s%s; not listed: delete it "
			 "with etcdctl del", w->prefix, INVENTORY_HOSTS_DIR);
		return note_invalid(w, key, err);
	}
	if (host_summary_from_string(value, len, &sum, err) < 0) {
		if (note_invalid(w, key, err))
			return 1;
		return walk_record_instead(w, key + w->dir_len);
	}
	if (!key_names(w, key, sum.hostname)) {
		sentence_format(err, sizeof(err), "summary of host %s stored under another host's key", sum.hostname);
		return note_invalid(w, key, err);
	}
	w->n_valid++;
	return w->fn(&sum, NULL, w->userdata);
}

static int walk_dir(struct walk_state *w, const char *dir, long page_size, etcd_kv_fn one, char err[SEOIB_MESSAGE_MAX])
{
	char dir_key[512];
	int r;

	if (prefixed_key(w->prefix, dir, "", dir_key, sizeof(dir_key)) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "etcd prefix %s is too long; use a shorter etcd-prefix", w->prefix);
		return -1;
	}
	w->dir_len = strlen(dir_key);
	w->n_valid = 0;
	r = etcd_range_prefix(w->c, dir_key, page_size, one, w, err);
	if (r == 0 && w->oom) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory reading the inventory under %s", dir_key);
		r = -1;
	}
	return r;
}

static int count_dir(struct walk_state *w, const char *dir, int64_t *count, char err[SEOIB_MESSAGE_MAX])
{
	char dir_key[512];

	if (prefixed_key(w->prefix, dir, "", dir_key, sizeof(dir_key)) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "etcd prefix %s is too long; use a shorter etcd-prefix", w->prefix);
		return -1;
	}
	return etcd_range_count(w->c, dir_key, count, err) < 0 ? -1 : 0;
}

/* The summaries, matched by name to the records' keys (a keys-only range
 * of hosts/, a few bytes a host): equal counts alone would let a summary
 * left without its record list a host no decision knows, and hide one that
 * has a record and no summary. */
static int walk_summaries(struct walk_state *w, char err[SEOIB_MESSAGE_MAX])
{
	char dir_key[512];
	int r;

	if (prefixed_key(w->prefix, INVENTORY_HOSTS_DIR, "", dir_key, sizeof(dir_key)) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "etcd prefix %s is too long; use a shorter etcd-prefix", w->prefix);
		return -1;
	}
	w->dir_len = strlen(dir_key);
	r = etcd_range_prefix_keys(w->c, dir_key, INVENTORY_SUMMARY_PAGE_SIZE, collect_name, w, err);
	if (r == 0 && !w->oom)
		r = walk_dir(w, INVENTORY_SUMMARIES_DIR, INVENTORY_SUMMARY_PAGE_SIZE, walk_summary, err);
	/* A host with a record and no summary: read from its record. */
	for (size_t i = 0; r == 0 && !w->oom && i < w->n_names; i++)
		if (!w->listed[i] && walk_record_instead(w, w->names[i]) != 0)
			break;
	if (r == 0 && w->oom) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory reading the inventory under %s", w->prefix);
		r = -1;
	}
	names_free(w);
	return r;
}

int inventory_walk(struct etcd_client *c, const char *prefix, bool want_records, fleet_summary_fn fn,
		   void *userdata, struct fleet_walk_result *res, char err[SEOIB_MESSAGE_MAX])
{
	struct walk_state w = {.c = c, .prefix = prefix, .fn = fn, .userdata = userdata, .res = res};
	int64_t records = 0, summaries = 0;

	*res = (struct fleet_walk_result){0};
	if (want_records)
		return walk_dir(&w, INVENTORY_HOSTS_DIR, INVENTORY_PAGE_SIZE, walk_record, err);
	/* Summaries answer a listing in a tenth of the bytes, but only if
	 * every record has one: a seoibd older than summaries publishes none. */
	if (count_dir(&w, INVENTORY_HOSTS_DIR, &records, err) < 0 ||
	    count_dir(&w, INVENTORY_SUMMARIES_DIR, &summaries, err) < 0)
		return -1;
	if (records == summaries)
		return walk_summaries(&w, err);
	sentence_format(res->note, sizeof(res->note), "%lld host records but %lld listing summaries under %s (a seoibd "
			"older than summaries publishes none); reading every full record, which is slower: upgrade "
			"seoibd on every host", (long long)records, (long long)summaries, prefix);
	return walk_dir(&w, INVENTORY_HOSTS_DIR, INVENTORY_PAGE_SIZE, walk_record, err);
}

/* ---- one host ---- */

int inventory_lookup(struct etcd_client *c, const char *prefix, const char *hostname, struct host_record *rec,
		     char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *value = NULL;
	char key[512], why[SEOIB_MESSAGE_MAX];
	size_t len;
	int found;

	if (inventory_host_key(prefix, hostname, key, sizeof(key)) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "host name %s is too long for an inventory key", hostname);
		return -1;
	}
	found = etcd_get(c, key, &value, &len, err);
	if (found <= 0)
		return found;
	if (host_record_from_string(value, len, rec, why) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the inventory entry %s is not a valid host record: %s", key, why);
		return -1;
	}
	if (strcmp(rec->host.hostname, hostname) != 0) {
		char summary_key[512];

		/* Both keys: a summary left without its record is named as
		 * invalid by every listing (docs/fleet.md). */
		if (inventory_summary_key(prefix, hostname, summary_key, sizeof(summary_key)) < 0)
			snprintf(summary_key, sizeof(summary_key), "its summary");
		sentence_format(err, SEOIB_MESSAGE_MAX, "the inventory entry %s holds the record of host %s; "
			 "remove it and %s with etcdctl del", key, rec->host.hostname, summary_key);
		return -1;
	}
	return 1;
}

/* ---- publishing ---- */

static json_object *put_op(const char *key, const char *value, int64_t lease_id)
{
	json_object *op, *put = etcd_put_request(key, value, strlen(value), lease_id);

	if (!put)
		return NULL;
	op = json_object_new_object();
	json_add(op, "request_put", put);
	return op;
}

/* The summary of the record text, as JSON text (malloc'ed), or NULL with
 * a sentence. */
static char *summary_text(const char *record_json, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ struct host_record *rec = malloc(sizeof(*rec));
	_cleanup_json_ json_object *summary = NULL;
	struct host_summary sum;
	char why[SEOIB_MESSAGE_MAX];

	if (!rec) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory summarising the host record");
		return NULL;
	}
	if (host_record_from_string(record_json, strlen(record_json), rec, why) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot publish a host record that does not read back: %s", why);
		return NULL;
	}
	host_summary_from_record(rec, &sum);
	summary = host_summary_to_json(&sum);
	return summary ? strdup(json_object_to_json_string_ext(summary, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) : NULL;
}

json_object *inventory_publish_ops(const char *prefix, const char *hostname, const char *record_json,
				   int64_t lease_id, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *ops = json_object_new_array();
	_cleanup_free_ char *summary = NULL;
	char host_key[512], summary_key[512];
	json_object *record_op, *summary_op;

	if (inventory_host_key(prefix, hostname, host_key, sizeof(host_key)) < 0 ||
	    inventory_summary_key(prefix, hostname, summary_key, sizeof(summary_key)) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "host name %s is too long for an inventory key under %s", hostname,
				prefix);
		return NULL;
	}
	err[0] = '\0';
	summary = summary_text(record_json, err);
	record_op = summary && ops ? put_op(host_key, record_json, lease_id) : NULL;
	summary_op = record_op ? put_op(summary_key, summary, lease_id) : NULL;
	if (!summary_op) {
		json_object_put(record_op);
		if (!err[0])
			sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory building the record of %s for etcd", hostname);
		return NULL;
	}
	json_object_array_add(ops, record_op);
	json_object_array_add(ops, summary_op);
	return steal_ptr(ops);
}
