/* libFuzzer target: the etcd v3 gateway reply decoders (lib/fleet/etcd_reply.c),
 * which read whatever an etcd endpoint answers. The first input byte picks
 * the decoder, the rest is the reply body. Besides crashes, it checks what
 * the decoders promise: range keys inside the range and increasing, a
 * continuation key past every key seen, a positive lease ID, a printable
 * token. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/etcd_reply.h"
#include "seoib/json_util.h"

#define PREFIX "/seoib/v1/hosts/"
#define PREFIX_END "/seoib/v1/hosts0" /* what etcd_range_prefix() asks */

enum decoder { D_GRANT, D_KEEPALIVE, D_TOKEN, D_GET, D_RANGE, D_ERROR_TEXT, D_BASE64, D_COUNT };

struct seen {
	char *last;
};

static void check(int ok)
{
	if (!ok)
		abort();
}

static int on_kv(const char *key, const char *value, size_t len, void *userdata)
{
	struct seen *s = userdata;

	check(strncmp(key, PREFIX, strlen(PREFIX)) == 0);
	check(!s->last || strcmp(key, s->last) > 0);
	check(value[len] == '\0');
	free(s->last);
	s->last = strdup(key);
	return 0;
}

static void range(json_object *reply)
{
	struct seen s = {0};
	char err[SEOIB_MESSAGE_MAX], *next = NULL;
	size_t next_len = 0;

	if (etcd_reply_range(reply, PREFIX, strlen(PREFIX), PREFIX_END, strlen(PREFIX_END), 2500, on_kv, &s, &next,
			     &next_len, err) == 0 && next) {
		check(s.last && next_len == strlen(s.last) + 1 && memcmp(next, s.last, next_len) == 0);
	}
	free(next);
	free(s.last);
}

static void decode(enum decoder d, json_object *reply)
{
	char err[SEOIB_MESSAGE_MAX], token[512], *value = NULL;
	int64_t n;
	size_t len;

	switch (d) {
	case D_GRANT:
		if (etcd_reply_lease_grant(reply, &n, err) == 0)
			check(n > 0);
		break;
	case D_KEEPALIVE:
		if (etcd_reply_lease_keepalive(reply, &n, err) == 0)
			check(n >= 0);
		break;
	case D_TOKEN:
		if (etcd_reply_token(reply, token, sizeof(token), err) == 0)
			for (const char *p = token; *p; p++)
				check(*p > ' ' && *p < 0x7f);
		break;
	case D_GET:
		if (etcd_reply_get(reply, PREFIX "hv-1", &value, &len, err) == 1)
			check(value[len] == '\0');
		free(value);
		break;
	case D_RANGE:
		range(reply);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	_cleanup_json_ json_object *reply = NULL;
	char err[SEOIB_MESSAGE_MAX], text[256];
	const char *body = (const char *)data + 1;
	enum decoder d;

	if (size == 0)
		return 0;
	d = (enum decoder)(data[0] % D_COUNT);
	if (d == D_ERROR_TEXT) {
		etcd_reply_error_text(body, size - 1, text, sizeof(text));
		for (const char *p = text; *p; p++)
			check(*p >= ' ' && *p < 0x7f);
	} else if (d == D_BASE64) {
		_cleanup_free_ char *copy = strndup(body, size - 1), *dec = NULL;
		size_t len;

		if (copy && (dec = base64_decode(copy, &len)))
			check(len <= strlen(copy) / 4 * 3 + 3 && dec[len] == '\0');
	} else if (etcd_reply_parse(body, size - 1, &reply, err) == 0) {
		check(json_object_is_type(reply, json_type_object));
		decode(d, reply);
	}
	return 0;
}
