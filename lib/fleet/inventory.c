/* The fleet inventory on etcd (inventory.h, docs/fleet.md): what the keys
 * under etcd-prefix hold, and how a listing and a lookup read them. Every
 * value is a peer's: bounded by the reply decoders (etcd_reply.c), parsed
 * by the one owner of its format (host_record.c, host_summary.c), and its
 * hostname checked against its key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/host_identity.h"
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

/* A summary of summaries/, kept until its host's record is read. */
struct summary_entry {
	char *name;                 /* the rest of its key */
	bool ok;                    /* parsed, and names its key's host */
	bool used;                  /* its host has a record under hosts/ */
	struct host_summary sum;
};

struct walk_state {
	struct etcd_client *c;
	const char *prefix;
	size_t dir_len;              /* of <prefix>hosts/ or <prefix>summaries/ */
	fleet_summary_fn fn;
	void *userdata;
	struct fleet_walk_result *res;
	bool want_records;
	bool oom;
	/* A listing's summaries, in etcd's key order (bytes, as strcmp()). */
	struct summary_entry *summaries;
	size_t n_summaries, summaries_size;
};

static int note_invalid(struct walk_state *w, const char *key, const char *why)
{
	if (!fleet_walk_note_invalid(w->res, key, why))
		w->oom = true;
	return w->oom;
}

/* A value stored under another host's key would lie about that host:
 * the one "same host" rule, as inventory_lookup() and every backend apply
 * it (host_names_same()). */
static bool key_names(const struct walk_state *w, const char *key, const char *hostname)
{
	/* etcd_reply_range() passes only keys inside the range asked for, so
	 * key starts with the directory. */
	return host_names_same(key + w->dir_len, hostname);
}

static int compare_entry(const void *name, const void *entry)
{
	return strcmp(name, ((const struct summary_entry *)entry)->name);
}

/* The summary stored under <prefix>summaries/<hostname>, or NULL. */
static struct summary_entry *find_summary(const struct walk_state *w, const char *hostname)
{
	return w->summaries ? bsearch(hostname, w->summaries, w->n_summaries, sizeof(*w->summaries), compare_entry)
			    : NULL;
}

static void summary_key_of(const struct walk_state *w, const char *hostname, char *key, size_t size)
{
	if (inventory_summary_key(w->prefix, hostname, key, size) < 0)
		snprintf(key, size, "%s%s...", w->prefix, INVENTORY_SUMMARIES_DIR);
}

/* The host's summary against its record: shown only when it says what
 * the record says. The row is the record's either way, as a decision sees
 * that host; a summary that differs is named, never listed. */
static int check_summary(struct walk_state *w, const char *hostname, const struct host_summary *of_record)
{
	struct summary_entry *e = find_summary(w, hostname);
	char why[SEOIB_MESSAGE_MAX], err[SEOIB_MESSAGE_MAX], key[512];

	if (!e)
		return 0;
	e->used = true;
	if (!e->ok || host_summary_match(&e->sum, of_record, why) == 0)
		return 0;
	summary_key_of(w, hostname, key, sizeof(key));
	sentence_format(err, sizeof(err), "the summary of %s does not match its record under %s%s: %s; the host is "
			"listed from its record: re-publish the summary from the record (restart seoibd there) or "
			"delete it with etcdctl del", hostname, w->prefix, INVENTORY_HOSTS_DIR, why);
	return note_invalid(w, key, err);
}

/* A summary whose host's record is not valid lists nothing: the record's
 * own entry says why, this one that the summary was not used. */
static int drop_summary(struct walk_state *w, const char *hostname)
{
	struct summary_entry *e = find_summary(w, hostname);
	char err[SEOIB_MESSAGE_MAX], key[512];

	if (!e)
		return 0;
	e->used = true;
	if (!e->ok)
		return 0;
	summary_key_of(w, hostname, key, sizeof(key));
	sentence_format(err, sizeof(err), "the summary of %s is not listed: its record under %s%s is not a valid "
			"record of that host (see that key)", hostname, w->prefix, INVENTORY_HOSTS_DIR);
	return note_invalid(w, key, err);
}

/* One record of hosts/: parsed, checked, summarised, handed on. */
static int walk_record(const char *key, const char *value, size_t len, void *userdata)
{
	struct walk_state *w = userdata;
	_cleanup_free_ struct host_record *rec = malloc(sizeof(*rec));
	const char *hostname = key + w->dir_len;
	struct host_summary sum;
	char err[SEOIB_MESSAGE_MAX];

	if (!rec) {
		w->oom = true;
		return 1;
	}
	if (host_record_from_string(value, len, rec, err) < 0)
		return note_invalid(w, key, err) || drop_summary(w, hostname);
	if (!key_names(w, key, rec->host.hostname)) {
		sentence_format(err, sizeof(err), "record of host %s stored under another host's key", rec->host.hostname);
		return note_invalid(w, key, err) || drop_summary(w, hostname);
	}
	host_summary_from_record(rec, &sum);
	if (check_summary(w, hostname, &sum) != 0)
		return 1;
	return w->fn(&sum, w->want_records ? rec : NULL, w->userdata);
}

/* One summary of summaries/, kept for its record. */
static int keep_summary(const char *key, const char *value, size_t len, void *userdata)
{
	struct walk_state *w = userdata;
	struct summary_entry *e;
	char err[SEOIB_MESSAGE_MAX];

	if (w->n_summaries == w->summaries_size) {
		size_t want = w->summaries_size ? w->summaries_size * 2 : 256;
		struct summary_entry *grown = reallocarray(w->summaries, want, sizeof(*grown));

		if (!grown) {
			w->oom = true;
			return 1;
		}
		w->summaries = grown;
		w->summaries_size = want;
	}
	e = &w->summaries[w->n_summaries];
	*e = (struct summary_entry){.name = strdup(key + w->dir_len)};
	if (!e->name) {
		w->oom = true;
		return 1;
	}
	w->n_summaries++;
	if (host_summary_from_string(value, len, &e->sum, err) < 0)
		return note_invalid(w, key, err);
	if (!key_names(w, key, e->sum.hostname)) {
		sentence_format(err, sizeof(err), "summary of host %s stored under another host's key", e->sum.hostname);
		return note_invalid(w, key, err);
	}
	e->ok = true;
	return 0;
}

static void summaries_free(struct walk_state *w)
{
	for (size_t i = 0; i < w->n_summaries; i++)
		free(w->summaries[i].name);
	free(w->summaries);
	w->summaries = NULL;
	w->n_summaries = w->summaries_size = 0;
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
	r = etcd_range_prefix(w->c, dir_key, page_size, one, w, err);
	if (r == 0 && w->oom) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory reading the inventory under %s", dir_key);
		r = -1;
	}
	return r;
}

/* A listing: every record, as decisions read them, and every summary,
 * each checked against its host's record. A summary alone can list no
 * host: its record may be absent, invalid, of another host, old, or say
 * something else (docs/fleet.md, "What a listing reads"). */
static int walk_listing(struct walk_state *w, char err[SEOIB_MESSAGE_MAX])
{
	char key[512], why[SEOIB_MESSAGE_MAX];
	int r;

	r = walk_dir(w, INVENTORY_SUMMARIES_DIR, INVENTORY_SUMMARY_PAGE_SIZE, keep_summary, err);
	if (r == 0)
		r = walk_dir(w, INVENTORY_HOSTS_DIR, INVENTORY_PAGE_SIZE, walk_record, err);
	for (size_t i = 0; r == 0 && i < w->n_summaries; i++) {
		if (w->summaries[i].used)
			continue;
		summary_key_of(w, w->summaries[i].name, key, sizeof(key));
		sentence_format(why, sizeof(why), "a summary of a host with no record under %s%s; not listed: "
				"delete it with etcdctl del", w->prefix, INVENTORY_HOSTS_DIR);
		if (note_invalid(w, key, why)) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory reading the inventory under %s", w->prefix);
			r = -1;
		}
	}
	summaries_free(w);
	return r;
}

int inventory_walk(struct etcd_client *c, const char *prefix, bool want_records, fleet_summary_fn fn,
		   void *userdata, struct fleet_walk_result *res, char err[SEOIB_MESSAGE_MAX])
{
	struct walk_state w = {.c = c, .prefix = prefix, .fn = fn, .userdata = userdata, .res = res,
			       .want_records = want_records};

	*res = (struct fleet_walk_result){0};
	if (want_records)
		return walk_dir(&w, INVENTORY_HOSTS_DIR, INVENTORY_PAGE_SIZE, walk_record, err);
	return walk_listing(&w, err);
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
	if (!host_names_same(rec->host.hostname, hostname)) {
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
