/* etcd v3 JSON gateway client (etcd_client.h). etcd 3.4's gateway maps each
 * gRPC call to a POST of its JSON request under /v3/; bytes fields (key,
 * value, range_end) are base64, int64 fields come back as JSON strings. */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/etcd_reply.h"
#include "seoib/fileio.h"
#include "seoib/etcd_client.h"
#include "seoib/json_util.h"
#include "seoib/sentence.h"

#define ETCD_DEFAULT_TIMEOUT_MS 3000
#define ETCD_DEFAULT_CONNECT_TIMEOUT_MS 1000
#define ETCD_ENDPOINTS_MAX 16

struct etcd_client {
	struct etcd_options opts;
	char endpoints[ETCD_ENDPOINTS_MAX][256];
	int n_endpoints;
	int current;              /* endpoint that answered last */
	CURL *curl;               /* reused: keeps the connection alive */
	char token[512];          /* auth token, "" = none yet */
	size_t reply_len;         /* bytes of the last reply body */
};

struct response_buffer {
	char *data;
	size_t len;
	size_t size;              /* allocated, > len for the NUL */
	bool too_big;             /* cut off at ETCD_REPLY_MAX */
};

/* ---- options ---- */

static int read_password_file(const char *path, char *dst, size_t size, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *text = NULL;
	size_t len;

	if (read_file_bounded(path, 4096, &text, &len, err) < 0)
		return -1;
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
		text[--len] = '\0';
	if (len == 0 || len >= size) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "etcd password file %s is empty or longer than %zu bytes; "
			 "put the password alone on its first line", path, size - 1);
		return -1;
	}
	memcpy(dst, text, len + 1);
	return 0;
}

int etcd_options_from_config(const struct seoib_config *cfg, struct etcd_options *opts,
			     char err[SEOIB_MESSAGE_MAX])
{
	memset(opts, 0, sizeof(*opts));
	snprintf(opts->endpoints, sizeof(opts->endpoints), "%s", cfg->etcd_endpoints);
	snprintf(opts->ca, sizeof(opts->ca), "%s", cfg->etcd_ca);
	snprintf(opts->cert, sizeof(opts->cert), "%s", cfg->etcd_cert);
	snprintf(opts->key, sizeof(opts->key), "%s", cfg->etcd_key);
	snprintf(opts->user, sizeof(opts->user), "%s", cfg->etcd_user);
	opts->timeout_ms = ETCD_DEFAULT_TIMEOUT_MS;
	opts->connect_timeout_ms = ETCD_DEFAULT_CONNECT_TIMEOUT_MS;
	if (cfg->etcd_user[0] && !cfg->etcd_password_file[0]) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "etcd-user is set but etcd-password-file is not; "
			 "set both or neither in seoib.conf");
		return -1;
	}
	if (cfg->etcd_password_file[0])
		return read_password_file(cfg->etcd_password_file, opts->password, sizeof(opts->password), err);
	return 0;
}

/* ---- client ---- */

static int split_endpoints(struct etcd_client *c, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *copy = strdup(c->opts.endpoints);
	char *save = NULL;

	if (!copy)
		return -1;
	for (char *url = strtok_r(copy, ", \t", &save); url; url = strtok_r(NULL, ", \t", &save)) {
		size_t len = strlen(url);
		if (c->n_endpoints == ETCD_ENDPOINTS_MAX || len >= sizeof(c->endpoints[0]) ||
		    (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "bad etcd endpoint '%s'; expected up to %d "
				 "comma-separated http:// or https:// URLs", url, ETCD_ENDPOINTS_MAX);
			return -1;
		}
		while (len > 0 && url[len - 1] == '/')
			url[--len] = '\0';
		memcpy(c->endpoints[c->n_endpoints++], url, len + 1);
	}
	if (c->n_endpoints == 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "no etcd endpoint configured; set etcd-endpoints in seoib.conf "
			 "or pass --endpoints");
		return -1;
	}
	return 0;
}

int etcd_client_new(const struct etcd_options *opts, struct etcd_client **out, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ struct etcd_client *c = calloc(1, sizeof(*c));

	if (!c) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory creating the etcd client");
		return -1;
	}
	c->opts = *opts;
	if (c->opts.timeout_ms <= 0)
		c->opts.timeout_ms = ETCD_DEFAULT_TIMEOUT_MS;
	if (c->opts.connect_timeout_ms <= 0)
		c->opts.connect_timeout_ms = ETCD_DEFAULT_CONNECT_TIMEOUT_MS;
	if (split_endpoints(c, err) < 0)
		return -1;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c->curl = curl_easy_init();
	if (!c->curl) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot initialise libcurl for etcd; check the libcurl installation");
		return -1;
	}
	*out = steal_ptr(c);
	return 0;
}

void etcd_client_free(struct etcd_client *c)
{
	if (!c)
		return;
	if (c->curl)
		curl_easy_cleanup(c->curl);
	explicit_bzero(c->opts.password, sizeof(c->opts.password));
	free(c);
}

const char *etcd_client_endpoint(const struct etcd_client *c)
{
	return c->endpoints[c->current];
}

static size_t collect_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct response_buffer *buf = userdata;
	size_t n = size * nmemb;
	char *grown;

	if (n > ETCD_REPLY_MAX - buf->len) {
		buf->too_big = true;
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	}
	if (buf->len + n + 1 > buf->size) {
		/* Doubling: a reply of 8 MiB arrives in ~500 pieces; growing by
		 * each one would copy it over and over. */
		size_t want = buf->size ? buf->size : 64 << 10;
		while (want < buf->len + n + 1)
			want *= 2;
		if (want > ETCD_REPLY_MAX + 1)
			want = ETCD_REPLY_MAX + 1;
		grown = realloc(buf->data, want);
		if (!grown)
			return 0;
		buf->data = grown;
		buf->size = want;
	}
	memcpy(buf->data + buf->len, ptr, n);
	buf->len += n;
	buf->data[buf->len] = '\0';
	return n;
}

static void set_tls(const struct etcd_client *c, CURL *easy)
{
	if (c->opts.ca[0])
		curl_easy_setopt(easy, CURLOPT_CAINFO, c->opts.ca);
	if (c->opts.cert[0])
		curl_easy_setopt(easy, CURLOPT_SSLCERT, c->opts.cert);
	if (c->opts.key[0])
		curl_easy_setopt(easy, CURLOPT_SSLKEY, c->opts.key);
}

/* etcd answers errors as {"error": "...", "code": N, "message": "..."}. */
static void gateway_error(const struct etcd_client *c, const char *path, long status,
			  const struct response_buffer *resp, char err[SEOIB_MESSAGE_MAX])
{
	char text[256];

	etcd_reply_error_text(resp->data, resp->len, text, sizeof(text));
	sentence_format(err, SEOIB_MESSAGE_MAX, "etcd at %s refused %s (HTTP %ld): %s; check the etcd credentials and "
		 "its log", c->endpoints[c->current], path, status, text);
}

/* A reply the decoders refused: why is their fragment. */
static int bad_reply(const struct etcd_client *c, const char *path, const char *why, char err[SEOIB_MESSAGE_MAX])
{
	sentence_format(err, SEOIB_MESSAGE_MAX, "etcd at %s answered %s with a reply seoib cannot use (%s); is %s an etcd "
		 "v3 endpoint?", c->endpoints[c->current], path, why, c->endpoints[c->current]);
	return -1;
}

/* ---- one call: an exchange of POSTs (etcd_exchange_*() in inventory.h) ---- */

#define ETCD_AUTH_PATH "/v3/auth/authenticate"

struct etcd_exchange {
	struct etcd_client *c;
	CURL *easy;
	char path[128];
	char *body;                   /* the call's JSON request */
	char *auth_body;              /* authentication first, NULL when not needed */
	struct curl_slist *headers;
	struct response_buffer resp;
	int tries;                    /* endpoints tried for the current POST */
	int endpoint;                 /* the one the current POST goes to */
	bool finished;
	int result;                   /* 0, -1 or ETCD_UNREACHABLE once finished */
	json_object *reply;
	char err[SEOIB_MESSAGE_MAX];
};

static bool exchange_authenticating(const struct etcd_exchange *x)
{
	return x->auth_body != NULL;
}

/* The answer of one POST: HTTP 200 and a JSON object, or -1 with err. */
static int exchange_answer(struct etcd_exchange *x, const char *path, long status, json_object **reply)
{
	struct etcd_client *c = x->c;
	char why[SEOIB_MESSAGE_MAX];

	c->current = x->endpoint;
	if (status != 200) {
		gateway_error(c, path, status, &x->resp, x->err);
		if (status == 401 && c->token[0])
			c->token[0] = '\0'; /* expired token: the next call authenticates again */
		return -1;
	}
	c->reply_len = x->resp.len;
	if (etcd_reply_parse(x->resp.data, x->resp.len, reply, why) < 0)
		return bad_reply(c, path, why, x->err);
	return 0;
}

static int authenticate_reply(struct etcd_client *c, json_object *reply, char err[SEOIB_MESSAGE_MAX])
{
	char why[SEOIB_MESSAGE_MAX];

	if (etcd_reply_token(reply, c->token, sizeof(c->token), why) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "etcd at %s did not return a usable auth token for user %s (%s); "
			 "check that authentication is enabled there", etcd_client_endpoint(c), c->opts.user, why);
		return -1;
	}
	return 0;
}

static void exchange_finish(struct etcd_exchange *x, int result, json_object *reply)
{
	x->finished = true;
	x->result = result;
	x->reply = reply;
}

struct etcd_exchange *etcd_exchange_new(struct etcd_client *c, CURL *easy, const char *path, json_object *request)
{
	_cleanup_free_ struct etcd_exchange *x = calloc(1, sizeof(*x));
	const char *body = json_object_to_json_string_ext(request, JSON_C_TO_STRING_PLAIN);

	if (!x || !body || strlen(path) >= sizeof(x->path) || !(x->body = strdup(body)))
		return NULL;
	x->c = c;
	x->easy = easy;
	snprintf(x->path, sizeof(x->path), "%s", path);
	if (c->opts.user[0] && !c->token[0]) {
		_cleanup_json_ json_object *auth = json_object_new_object();

		json_add(auth, "name", json_object_new_string(c->opts.user));
		json_add(auth, "password", json_object_new_string(c->opts.password));
		body = json_object_to_json_string_ext(auth, JSON_C_TO_STRING_PLAIN);
		if (!body || !(x->auth_body = strdup(body))) {
			free(x->body);
			return NULL;
		}
	}
	return steal_ptr(x);
}

CURL *etcd_exchange_next(struct etcd_exchange *x)
{
	struct etcd_client *c = x->c;
	const bool auth = exchange_authenticating(x);
	char url[512], header[600];

	if (x->finished)
		return NULL;
	x->endpoint = (c->current + x->tries) % c->n_endpoints;
	free(x->resp.data);
	x->resp = (struct response_buffer){0};
	curl_slist_free_all(x->headers);
	x->headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (!auth && c->token[0]) {
		/* etcd's gateway passes the Authorization header on as the gRPC token. */
		snprintf(header, sizeof(header), "Authorization: %s", c->token);
		x->headers = curl_slist_append(x->headers, header);
	}
	snprintf(url, sizeof(url), "%s%s", c->endpoints[x->endpoint], auth ? ETCD_AUTH_PATH : x->path);
	curl_easy_reset(x->easy);
	curl_easy_setopt(x->easy, CURLOPT_URL, url);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	curl_easy_setopt(x->easy, CURLOPT_POSTFIELDS, auth ? x->auth_body : x->body);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, collect_body);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, &x->resp);
	curl_easy_setopt(x->easy, CURLOPT_TIMEOUT_MS, c->opts.timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT_MS, c->opts.connect_timeout_ms);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_PROTOCOLS_STR, "http,https");
	set_tls(c, x->easy);
	return x->easy;
}

void etcd_exchange_done(struct etcd_exchange *x, CURLcode rc)
{
	struct etcd_client *c = x->c;
	const bool auth = exchange_authenticating(x);
	const char *path = auth ? ETCD_AUTH_PATH : x->path;
	json_object *reply = NULL;
	long status = 0;

	if (x->finished)
		return;
	if (rc == CURLE_WRITE_ERROR && x->resp.too_big) {
		/* An answer, and a bad one: no other endpoint is tried. */
		sentence_format(x->err, SEOIB_MESSAGE_MAX, "etcd at %s answered %s with more than %u bytes; is %s an etcd v3 "
			 "endpoint?", c->endpoints[x->endpoint], path, ETCD_REPLY_MAX, c->endpoints[x->endpoint]);
		exchange_finish(x, -1, NULL);
		return;
	}
	if (rc != CURLE_OK) {
		sentence_format(x->err, SEOIB_MESSAGE_MAX, "cannot reach etcd at %s: %s; check etcd-endpoints and that "
			 "etcd is running", c->endpoints[x->endpoint], curl_easy_strerror(rc));
		/* Transport error: try the next endpoint; none left, err names the last. */
		if (++x->tries == c->n_endpoints)
			exchange_finish(x, ETCD_UNREACHABLE, NULL);
		return;
	}
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
	if (exchange_answer(x, path, status, &reply) < 0) {
		exchange_finish(x, -1, NULL);
		return;
	}
	if (!auth) {
		exchange_finish(x, 0, reply);
		return;
	}
	/* Authenticated: now the call itself, from the endpoint that answered. */
	if (authenticate_reply(c, reply, x->err) < 0)
		exchange_finish(x, -1, NULL);
	json_object_put(reply);
	explicit_bzero(x->auth_body, strlen(x->auth_body));
	free(x->auth_body);
	x->auth_body = NULL;
	x->tries = 0;
}

int etcd_exchange_result(struct etcd_exchange *x, json_object **reply, char err[SEOIB_MESSAGE_MAX])
{
	*reply = NULL;
	if (!x->finished) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the etcd call %s was abandoned before an answer", x->path);
		return -1;
	}
	if (x->result < 0) {
		memcpy(err, x->err, SEOIB_MESSAGE_MAX);
		return x->result;
	}
	*reply = steal_ptr(x->reply);
	return 0;
}

void etcd_exchange_free(struct etcd_exchange *x)
{
	if (!x)
		return;
	if (x->auth_body) {
		explicit_bzero(x->auth_body, strlen(x->auth_body));
		free(x->auth_body);
	}
	curl_slist_free_all(x->headers);
	free(x->resp.data);
	free(x->body);
	json_object_put(x->reply);
	free(x);
}

/* The blocking call: the same exchange, driven by curl_easy_perform() on the
 * client's own handle (which keeps the connection alive between calls). */
static int etcd_call(struct etcd_client *c, const char *path, json_object *request, json_object **reply,
		     char err[SEOIB_MESSAGE_MAX])
{
	struct etcd_exchange *x = etcd_exchange_new(c, c->curl, path, request);
	CURL *easy;
	int r;

	if (!x) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory building the etcd request %s", path);
		return -1;
	}
	while ((easy = etcd_exchange_next(x)))
		etcd_exchange_done(x, curl_easy_perform(easy));
	r = etcd_exchange_result(x, reply, err);
	etcd_exchange_free(x);
	return r;
}

static json_object *new_b64(const char *data, size_t len)
{
	_cleanup_free_ char *enc = base64_encode(data, len);
	return enc ? json_object_new_string(enc) : NULL;
}

json_object *etcd_lease_grant_request(int64_t ttl_s)
{
	json_object *req = json_object_new_object();

	json_add(req, "TTL", json_object_new_int64(ttl_s));
	return req;
}

int etcd_lease_grant_reply(const struct etcd_client *c, json_object *reply, int64_t *lease_id,
			   char err[SEOIB_MESSAGE_MAX])
{
	char why[SEOIB_MESSAGE_MAX];

	if (etcd_reply_lease_grant(reply, lease_id, why) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "etcd at %s granted no lease: %s; see its log", etcd_client_endpoint(c),
			 why);
		return -1;
	}
	return 0;
}

int etcd_lease_grant(struct etcd_client *c, int64_t ttl_s, int64_t *lease_id, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *req = etcd_lease_grant_request(ttl_s);
	_cleanup_json_ json_object *reply = NULL;

	if (etcd_call(c, ETCD_LEASE_GRANT_PATH, req, &reply, err) < 0)
		return -1;
	return etcd_lease_grant_reply(c, reply, lease_id, err);
}

json_object *etcd_lease_id_request(int64_t lease_id)
{
	json_object *req = json_object_new_object();

	json_add(req, "ID", json_object_new_int64(lease_id));
	return req;
}

int etcd_lease_keepalive_reply(const struct etcd_client *c, json_object *reply, int64_t *ttl_left,
			       char err[SEOIB_MESSAGE_MAX])
{
	char why[SEOIB_MESSAGE_MAX];

	/* The gateway streams: one {"result": {...}} object per request. */
	if (etcd_reply_lease_keepalive(reply, ttl_left, why) < 0)
		return bad_reply(c, ETCD_LEASE_KEEPALIVE_PATH, why, err);
	return 0;
}

json_object *etcd_put_request(const char *key, const char *value, size_t len, int64_t lease_id)
{
	json_object *req = json_object_new_object();

	json_add(req, "key", new_b64(key, strlen(key)));
	json_add(req, "value", new_b64(value, len));
	if (lease_id)
		json_add(req, "lease", json_object_new_int64(lease_id));
	return req;
}

int etcd_get(struct etcd_client *c, const char *key, char **value, size_t *len, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *req = json_object_new_object();
	_cleanup_json_ json_object *reply = NULL;
	char why[SEOIB_MESSAGE_MAX];
	int r;

	json_add(req, "key", new_b64(key, strlen(key)));
	r = etcd_call(c, "/v3/kv/range", req, &reply, err);
	if (r < 0)
		return r;
	r = etcd_reply_get(reply, key, value, len, why);
	if (r < 0)
		return bad_reply(c, "/v3/kv/range", why, err);
	return r;
}

/* The smallest key greater than every key starting with prefix. */
static char *prefix_range_end(const char *prefix, size_t *len)
{
	char *end = strdup(prefix);
	size_t n = strlen(prefix);

	if (!end)
		return NULL;
	while (n > 0 && (unsigned char)end[n - 1] == 0xff)
		n--;
	if (n == 0) { /* every key: etcd reads range_end "\0" as "to the end" */
		end[0] = '\0';
		*len = 1;
		return end;
	}
	end[n - 1]++;
	*len = n;
	return end;
}

/* One page; *next gets the key to continue from (malloc'ed) when more.
 * Returns 0, 1 when fn stopped, -1 with a sentence in err. */
static int range_page(struct etcd_client *c, const char *start, size_t start_len, const char *end, size_t end_len,
		      long page_size, etcd_kv_fn fn, void *userdata, char **next, size_t *next_len,
		      char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *req = json_object_new_object();
	_cleanup_json_ json_object *reply = NULL;
	char why[SEOIB_MESSAGE_MAX];
	int r;

	*next = NULL;
	json_add(req, "key", new_b64(start, start_len));
	json_add(req, "range_end", new_b64(end, end_len));
	json_add(req, "limit", json_object_new_int64(page_size));
	size_t page_len;

	if (etcd_call(c, "/v3/kv/range", req, &reply, err) < 0)
		return -1;
	page_len = c->reply_len; /* fn may make calls of its own */
	r = etcd_reply_range(reply, start, start_len, end, end_len, page_size, fn, userdata, next, next_len, why);
	c->reply_len = page_len;
	if (r < 0)
		return bad_reply(c, "/v3/kv/range", why, err);
	return r;
}

int etcd_range_prefix(struct etcd_client *c, const char *prefix, long page_size, etcd_kv_fn fn,
		      void *userdata, char err[SEOIB_MESSAGE_MAX])
{
	size_t end_len, start_len = strlen(prefix), bytes = 0;
	_cleanup_free_ char *end = prefix_range_end(prefix, &end_len);
	_cleanup_free_ char *start = strdup(prefix);

	if (!end || !start) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory reading %s from etcd", prefix);
		return -1;
	}
	/* Each page starts past the last key of the one before (the decoder
	 * checks the order), and pages and bytes are bounded: a server that
	 * always says "more" ends here, with a sentence. */
	for (int page = 0; start; page++) {
		char *next = NULL;
		size_t next_len = 0;
		int r;

		if (page == ETCD_RANGE_PAGES_MAX || bytes > ETCD_RANGE_BYTES_MAX) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "etcd at %s still had more keys under %s after %d pages (%zu bytes); "
				 "seoib reads at most %d pages of %ld keys and %u bytes: remove stale keys there",
				 etcd_client_endpoint(c), prefix, page, bytes, ETCD_RANGE_PAGES_MAX, page_size,
				 ETCD_RANGE_BYTES_MAX);
			return -1;
		}
		r = range_page(c, start, start_len, end, end_len, page_size, fn, userdata, &next, &next_len, err);
		if (r < 0)
			return -1;
		bytes += c->reply_len;
		free(start);
		start = next; /* NULL after the last page, or when fn stopped */
		start_len = next_len;
	}
	return 0;
}

json_object *etcd_txn_request(json_object *ops)
{
	json_object *req = json_object_new_object();

	json_add(req, "success", json_object_get(ops));
	return req;
}

int etcd_txn(struct etcd_client *c, json_object *ops, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *req = etcd_txn_request(ops);
	_cleanup_json_ json_object *reply = NULL;

	if (!req) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory building an etcd transaction");
		return -1;
	}
	return etcd_call(c, ETCD_TXN_PATH, req, &reply, err);
}
