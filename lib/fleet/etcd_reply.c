/* Decoders of etcd v3 JSON gateway replies (etcd_reply.h). One checked
 * accessor layer (member(), read_bytes(), etcd_reply_int64()) reads every
 * field: a member of the wrong type is an error, never a json-c default or
 * assertion, and absent or null is the zero value, as grpc-gateway omits
 * fields at their zero value. */
#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/etcd_reply.h"
#include "seoib/json_util.h"
#include "seoib/sentence.h"

/* ---- base64, by libcrypto ---- */

char *base64_encode(const void *data, size_t len)
{
	char *out;

	if (len > ETCD_REPLY_MAX)
		return NULL;
	out = malloc((len + 2) / 3 * 4 + 1);
	if (!out)
		return NULL;
	EVP_EncodeBlock((unsigned char *)out, data, (int)len); /* writes the NUL */
	return out;
}

DEFINE_TRIVIAL_CLEANUP(EVP_ENCODE_CTX *, EVP_ENCODE_CTX_free)

char *base64_decode(const char *text, size_t *len)
{
	_cleanup_(EVP_ENCODE_CTX_freep) EVP_ENCODE_CTX *ctx = NULL;
	_cleanup_free_ char *out = NULL;
	size_t n = strlen(text);
	int done = 0, tail = 0;

	/* EVP_DecodeBlock would count padding as data and accept '=' inside;
	 * DecodeUpdate/Final check the padding and count the bytes exactly. */
	if (n > ETCD_REPLY_MAX)
		return NULL;
	ctx = EVP_ENCODE_CTX_new();
	out = malloc(n / 4 * 3 + 3 + 1);
	if (!ctx || !out)
		return NULL;
	EVP_DecodeInit(ctx);
	if (EVP_DecodeUpdate(ctx, (unsigned char *)out, &done, (const unsigned char *)text, (int)n) < 0 ||
	    EVP_DecodeFinal(ctx, (unsigned char *)out + done, &tail) < 0)
		return NULL;
	*len = (size_t)done + (size_t)tail;
	out[*len] = '\0';
	return steal_ptr(out);
}

/* ---- the accessor layer ---- */

/* Member key of obj of the given type; *out NULL when absent or null. */
static int member(json_object *obj, const char *key, enum json_type type, json_object **out,
		  char err[SEOIB_MESSAGE_MAX])
{
	if (!json_object_object_get_ex(obj, key, out) || !*out) {
		*out = NULL;
		return 0;
	}
	if (!json_object_is_type(*out, type)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "\"%s\" is %s, not %s", key,
			 json_type_to_name(json_object_get_type(*out)), json_type_to_name(type));
		*out = NULL;
		return -1;
	}
	return 0;
}

int etcd_reply_int64(json_object *obj, const char *key, int64_t *out, char err[SEOIB_MESSAGE_MAX])
{
	json_object *v;
	const char *text;
	char *end;

	*out = 0;
	if (!json_object_object_get_ex(obj, key, &v) || !v)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		errno = 0;
		*out = json_object_get_int64(v);
		if (errno == 0)
			return 0;
	} else if (json_object_is_type(v, json_type_string)) {
		text = json_object_get_string(v);
		/* strtoll alone would take " 12", "+12", "12abc" and a NUL inside. */
		if ((text[0] >= '0' && text[0] <= '9') || (text[0] == '-' && text[1] >= '0' && text[1] <= '9')) {
			errno = 0;
			*out = strtoll(text, &end, 10);
			if (errno == 0 && *end == '\0' && (size_t)(end - text) == (size_t)json_object_get_string_len(v))
				return 0;
		}
	}
	*out = 0;
	sentence_format(err, SEOIB_MESSAGE_MAX, "\"%s\" is not a 64-bit integer", key);
	return -1;
}

/* Base64 bytes of member key; absent or null: empty. */
static int read_bytes(json_object *obj, const char *key, char **out, size_t *len, char err[SEOIB_MESSAGE_MAX])
{
	json_object *v;

	*out = NULL;
	*len = 0;
	if (member(obj, key, json_type_string, &v, err) < 0)
		return -1;
	*out = base64_decode(v ? json_object_get_string(v) : "", len);
	if (!*out) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "\"%s\" is not padded base64", key);
		return -1;
	}
	/* The string may hold a NUL; json-c's length is the one to trust. */
	if (v && strlen(json_object_get_string(v)) != (size_t)json_object_get_string_len(v)) {
		free(*out);
		*out = NULL;
		sentence_format(err, SEOIB_MESSAGE_MAX, "\"%s\" holds a NUL character", key);
		return -1;
	}
	return 0;
}

int etcd_reply_parse(const char *body, size_t len, json_object **out, char err[SEOIB_MESSAGE_MAX])
{
	*out = NULL;
	if (len > ETCD_REPLY_MAX) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the reply is %zu bytes, more than %u", len, ETCD_REPLY_MAX);
		return -1;
	}
	if (json_parse_text(body ? body : "", body ? len : 0, out, err) < 0)
		return -1;
	if (!json_object_is_type(*out, json_type_object)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the reply is a JSON %s, not an object",
			 json_type_to_name(json_object_get_type(*out)));
		json_object_put(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* LeaseGrantResponse and others carry an "error" string; streamed replies
 * carry {"error": {...}} instead of {"result": ...}. */
static int reply_error(json_object *reply, char err[SEOIB_MESSAGE_MAX])
{
	json_object *e;
	char text[256];

	if (!json_object_object_get_ex(reply, "error", &e) || !e ||
	    (json_object_is_type(e, json_type_string) && json_object_get_string_len(e) == 0))
		return 0;
	etcd_reply_error_text(json_object_to_json_string(reply), strlen(json_object_to_json_string(reply)),
			      text, sizeof(text));
	sentence_format(err, SEOIB_MESSAGE_MAX, "the reply is an error: %s", text);
	return -1;
}

/* ---- the replies ---- */

int etcd_reply_lease_grant(json_object *reply, int64_t *lease_id, char err[SEOIB_MESSAGE_MAX])
{
	*lease_id = 0;
	if (reply_error(reply, err) < 0 || etcd_reply_int64(reply, "ID", lease_id, err) < 0)
		return -1;
	if (*lease_id <= 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "it grants no lease (\"ID\" is %s)", *lease_id ? "negative" : "missing");
		*lease_id = 0;
		return -1;
	}
	return 0;
}

int etcd_reply_lease_keepalive(json_object *reply, int64_t *ttl_left, char err[SEOIB_MESSAGE_MAX])
{
	json_object *result;

	*ttl_left = 0;
	if (reply_error(reply, err) < 0 || member(reply, "result", json_type_object, &result, err) < 0)
		return -1;
	if (etcd_reply_int64(result ? result : reply, "TTL", ttl_left, err) < 0)
		return -1;
	if (*ttl_left < 0)
		*ttl_left = 0; /* expired, as etcd's LeaseTimeToLive says with -1 */
	return 0;
}

int etcd_reply_token(json_object *reply, char *token, size_t size, char err[SEOIB_MESSAGE_MAX])
{
	json_object *t;
	const char *s;
	size_t len;

	token[0] = '\0';
	if (reply_error(reply, err) < 0 || member(reply, "token", json_type_string, &t, err) < 0)
		return -1;
	if (!t) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "it holds no \"token\"");
		return -1;
	}
	s = json_object_get_string(t);
	len = (size_t)json_object_get_string_len(t);
	if (len == 0 || len >= size) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "its \"token\" is empty or longer than %zu bytes", size - 1);
		return -1;
	}
	/* It goes into an HTTP header: a CR or LF would add headers of its own. */
	for (size_t i = 0; i < len; i++)
		if (s[i] <= ' ' || s[i] >= 0x7f) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "its \"token\" holds a byte that is not printable ASCII");
			return -1;
		}
	memcpy(token, s, len + 1);
	return 0;
}

/* Byte order, as etcd orders keys. */
static int key_compare(const char *a, size_t a_len, const char *b, size_t b_len)
{
	int c = memcmp(a, b, a_len < b_len ? a_len : b_len);

	if (c)
		return c;
	return a_len < b_len ? -1 : a_len > b_len;
}

struct kv {
	char *key, *value;
	size_t key_len, value_len;
};

static void kv_clear(struct kv *kv)
{
	free(kv->key);
	free(kv->value);
	*kv = (struct kv){0};
}

/* Entry i of "kvs": an object with a base64 key (no NUL) and value. */
static int read_kv(json_object *kvs, size_t i, struct kv *kv, char err[SEOIB_MESSAGE_MAX])
{
	json_object *entry = json_object_array_get_idx(kvs, i);
	char inner[SEOIB_MESSAGE_MAX];

	*kv = (struct kv){0};
	if (!json_object_is_type(entry, json_type_object)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "entry %zu of \"kvs\" is %s, not an object", i,
			 json_type_to_name(json_object_get_type(entry)));
		return -1;
	}
	if (read_bytes(entry, "key", &kv->key, &kv->key_len, inner) < 0 ||
	    read_bytes(entry, "value", &kv->value, &kv->value_len, inner) < 0) {
		kv_clear(kv);
		sentence_format(err, SEOIB_MESSAGE_MAX, "entry %zu of \"kvs\": %s", i, inner);
		return -1;
	}
	if (kv->key_len == 0 || memchr(kv->key, '\0', kv->key_len)) {
		kv_clear(kv);
		sentence_format(err, SEOIB_MESSAGE_MAX, "entry %zu of \"kvs\" has an empty key or one holding a NUL byte", i);
		return -1;
	}
	return 0;
}

static bool in_range(const struct kv *kv, const char *start, size_t start_len, const char *end, size_t end_len)
{
	bool to_last = end_len == 1 && end[0] == '\0';

	return key_compare(kv->key, kv->key_len, start, start_len) >= 0 &&
	       (to_last || key_compare(kv->key, kv->key_len, end, end_len) < 0);
}

/* The "kvs" array and "more" flag of a RangeResponse. */
static int read_page(json_object *reply, long limit, json_object **kvs, bool *more, char err[SEOIB_MESSAGE_MAX])
{
	json_object *flag;
	size_t n;

	if (member(reply, "kvs", json_type_array, kvs, err) < 0 || member(reply, "more", json_type_boolean, &flag, err) < 0)
		return -1;
	*more = flag && json_object_get_boolean(flag);
	n = *kvs ? json_object_array_length(*kvs) : 0;
	if (limit > 0 && n > (size_t)limit) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "\"kvs\" has %zu entries, more than the %ld asked for", n, limit);
		return -1;
	}
	if (*more && n == 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "it says \"more\" but \"kvs\" is empty");
		return -1;
	}
	return 0;
}

int etcd_reply_range(json_object *reply, const char *start, size_t start_len, const char *end, size_t end_len,
		     long limit, etcd_kv_fn fn, void *userdata, char **next, size_t *next_len,
		     char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *last = NULL;
	size_t n, last_len = 0;
	json_object *kvs;
	bool more;

	*next = NULL;
	*next_len = 0;
	if (read_page(reply, limit, &kvs, &more, err) < 0)
		return -1;
	n = kvs ? json_object_array_length(kvs) : 0;
	for (size_t i = 0; i < n; i++) {
		struct kv kv;
		int stop;

		if (read_kv(kvs, i, &kv, err) < 0)
			return -1;
		if (!in_range(&kv, start, start_len, end, end_len) ||
		    (last && key_compare(kv.key, kv.key_len, last, last_len) <= 0)) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "entry %zu of \"kvs\" has a key %s", i,
				 last && in_range(&kv, start, start_len, end, end_len) ? "out of order"
										       : "outside the range asked for");
			kv_clear(&kv);
			return -1;
		}
		stop = fn(kv.key, kv.value, kv.value_len, userdata);
		free(last);
		last = kv.key;
		last_len = kv.key_len;
		free(kv.value);
		if (stop)
			return 1;
	}
	if (more) {
		/* Continue just after the last key: the last key + "\0". */
		*next = calloc(1, last_len + 2);
		if (!*next) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory");
			return -1;
		}
		memcpy(*next, last, last_len);
		*next_len = last_len + 1;
	}
	return 0;
}

int etcd_reply_get(json_object *reply, const char *key, char **value, size_t *len, char err[SEOIB_MESSAGE_MAX])
{
	json_object *kvs;
	struct kv kv;
	bool more;

	*value = NULL;
	*len = 0;
	if (read_page(reply, 1, &kvs, &more, err) < 0)
		return -1;
	if (!kvs || json_object_array_length(kvs) == 0)
		return 0;
	if (read_kv(kvs, 0, &kv, err) < 0)
		return -1;
	if (key_compare(kv.key, kv.key_len, key, strlen(key)) != 0) {
		kv_clear(&kv);
		sentence_format(err, SEOIB_MESSAGE_MAX, "it holds another key than the one asked for");
		return -1;
	}
	*value = kv.value;
	*len = kv.value_len;
	free(kv.key);
	return 1;
}

/* ---- errors ---- */

static void printable_copy(const char *text, size_t len, char *out, size_t size)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 1 < size; i++)
		out[o++] = (unsigned char)text[i] >= 0x20 && (unsigned char)text[i] < 0x7f ? text[i] : '?';
	out[o] = '\0';
}

void etcd_reply_error_text(const char *body, size_t len, char *out, size_t size)
{
	_cleanup_json_ json_object *obj = NULL;
	json_object *e = NULL, *msg = NULL;
	char ignored[SEOIB_MESSAGE_MAX];

	if (!body || len == 0) {
		snprintf(out, size, "empty answer");
		return;
	}
	if (len <= ETCD_REPLY_MAX && json_parse_text(body, len, &obj, ignored) == 0 &&
	    json_object_is_type(obj, json_type_object)) {
		if (member(obj, "error", json_type_object, &e, ignored) == 0 && e)
			member(e, "message", json_type_string, &msg, ignored);
		if (!msg)
			member(obj, "message", json_type_string, &msg, ignored);
		if (!msg)
			member(obj, "error", json_type_string, &msg, ignored);
		if (msg && json_object_get_string_len(msg) > 0) {
			printable_copy(json_object_get_string(msg), (size_t)json_object_get_string_len(msg), out, size);
			return;
		}
	}
	printable_copy(body, len, out, size);
}
