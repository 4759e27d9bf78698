/* json-c helpers shared by the host record, decisions and the tools. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "seoib/hostname.h"
#include "seoib/json_util.h"
#include "seoib/sentence.h"

void json_add(json_object *o, const char *key, json_object *v)
{
	json_object_object_add(o, key, v);
}

json_object *json_new_ms(double ms)
{
	char buf[32];

	/* json-c prints doubles with 17 digits; a duration needs microseconds. */
	snprintf(buf, sizeof(buf), "%.3f", ms);
	return json_object_new_double_s(ms, buf);
}

const char *errno_name(int err)
{
	static __thread char buf[16];
	const char *name = strerrorname_np(err);

	if (name)
		return name;
	snprintf(buf, sizeof(buf), "E%d", err);
	return buf;
}

int errno_from_name(const char *name)
{
	int n;

	for (int e = 1; e < 256; e++) {
		const char *s = strerrorname_np(e);

		if (s && strcmp(s, name) == 0)
			return e;
	}
	if (sscanf(name, "E%d", &n) == 1 && n > 0)
		return n;
	return 0;
}

void format_utc(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, size, "invalid");
}

void json_print(json_object *o, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE | (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN);

	puts(json_object_to_json_string_ext(o, flags));
}

int json_parse_text(const char *text, size_t len, json_object **out, char err[SEOIB_MESSAGE_MAX])
{
	json_tokener *tok = json_tokener_new();
	enum json_tokener_error e;
	size_t used;

	*out = NULL;
	if (!tok) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory while parsing JSON");
		return -1;
	}
	if (len > INT32_MAX)
		len = INT32_MAX;
	*out = json_tokener_parse_ex(tok, text, (int)len);
	e = json_tokener_get_error(tok);
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);

	if (e == json_tokener_continue || (!*out && e == json_tokener_success)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "JSON ends early (truncated after %zu bytes)", len);
		json_object_put(*out);
		*out = NULL;
		return -1;
	}
	if (e != json_tokener_success) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "invalid JSON at byte %zu: %s", used, json_tokener_error_desc(e));
		return -1;
	}
	/* Trailing bytes other than white space mean two documents or garbage. */
	while (used < len && strchr(" \t\r\n", text[used]) && text[used])
		used++;
	if (used < len) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "unexpected data after the JSON document at byte %zu", used);
		json_object_put(*out);
		*out = NULL;
		return -1;
	}
	return 0;
}

/* ---- the reader -------------------------------------------------------- */

void json_reader_push(struct json_reader *r, const char *key)
{
	if (r->depth < JSON_READER_DEPTH)
		r->path[r->depth] = key;
	r->depth++;
}

void json_reader_pop(struct json_reader *r)
{
	if (r->depth > 0)
		r->depth--;
}

int json_reader_fail(struct json_reader *r, const char *key, const char *what)
{
	char path[256] = "";
	size_t used = 0;

	for (int i = 0; i < r->depth && i < JSON_READER_DEPTH; i++)
		used += (size_t)snprintf(path + used, used < sizeof(path) ? sizeof(path) - used : 0, "%s.",
					 r->path[i]);
	if (used < sizeof(path))
		snprintf(path + used, sizeof(path) - used, "%s", key);
	if (!r->failed)
		sentence_format(r->err, SEOIB_MESSAGE_MAX,
			 "field \"%s\" %s; the record is malformed, truncated or from an incompatible seoib: "
			 "probe that host again",
			 path, what);
	r->failed = true;
	return -1;
}

static int read_typed(struct json_reader *r, json_object *parent, const char *key, enum json_type type,
		      const char *type_name, json_object **out)
{
	char what[64];

	if (!json_object_object_get_ex(parent, key, out) || !*out)
		return json_reader_fail(r, key, "is missing");
	if (!json_object_is_type(*out, type)) {
		sentence_format(what, sizeof(what), "is not %s", type_name);
		return json_reader_fail(r, key, what);
	}
	return 0;
}

int json_read_optional(struct json_reader *r, json_object *parent, const char *key, json_object **out)
{
	if (!json_object_object_get_ex(parent, key, out))
		*out = NULL;
	return 0;
}

int json_read_optional_string(struct json_reader *r, json_object *o, const char *key, char *dst, size_t size)
{
	json_object *v;

	dst[0] = '\0';
	if (json_read_optional(r, o, key, &v) < 0)
		return -1;
	return v ? json_read_string(r, o, key, dst, size) : 0;
}

int json_read_object(struct json_reader *r, json_object *parent, const char *key, json_object **out)
{
	return read_typed(r, parent, key, json_type_object, "an object", out);
}

int json_read_array(struct json_reader *r, json_object *parent, const char *key, json_object **out)
{
	return read_typed(r, parent, key, json_type_array, "an array", out);
}

int json_value_string(struct json_reader *r, const char *key, json_object *v, char *dst, size_t size)
{
	const char *s;
	size_t len;

	if (!json_object_is_type(v, json_type_string))
		return json_reader_fail(r, key, "is not a string");
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len >= size)
		return json_reader_fail(r, key, "is too long");
	/* Control characters could rewrite an operator's terminal; embedded
	 * NULs would silently truncate. Neither belongs in a record. */
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return json_reader_fail(r, key, "contains control characters");
	memcpy(dst, s, len + 1);
	return 0;
}

int json_read_string(struct json_reader *r, json_object *parent, const char *key, char *dst, size_t size)
{
	json_object *v;

	if (read_typed(r, parent, key, json_type_string, "a string", &v) < 0)
		return -1;
	return json_value_string(r, key, v, dst, size);
}

int json_read_hostname(struct json_reader *r, json_object *parent, const char *key, char *dst, size_t size)
{
	char why[SEOIB_MESSAGE_MAX];

	if (json_read_string(r, parent, key, dst, size) < 0)
		return -1;
	/* What Linux accepts as a host name, as the record's writer read it
	 * from gethostname(); the RFC 1123 rule applies where a name reaches
	 * ssh (check --dest, lib/fleet/backend_ssh.c), not here. */
	if (!hostname_is_nodename(dst, why))
		return json_reader_fail(r, key, "is not a host name Linux accepts (1 to 64 bytes)");
	return 0;
}

int json_read_int64(struct json_reader *r, json_object *parent, const char *key, int64_t *out)
{
	json_object *v;

	if (read_typed(r, parent, key, json_type_int, "an integer", &v) < 0)
		return -1;
	errno = 0;
	*out = json_object_get_int64(v);
	if (errno == EINVAL)
		return json_reader_fail(r, key, "is out of range");
	return 0;
}

int json_read_bool(struct json_reader *r, json_object *parent, const char *key, bool *out)
{
	json_object *v;

	if (read_typed(r, parent, key, json_type_boolean, "true or false", &v) < 0)
		return -1;
	*out = json_object_get_boolean(v);
	return 0;
}

int json_read_ms(struct json_reader *r, json_object *parent, const char *key, double *out)
{
	json_object *v;

	if (!json_object_object_get_ex(parent, key, &v) || !v)
		return json_reader_fail(r, key, "is missing");
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return json_reader_fail(r, key, "is not a number");
	*out = json_object_get_double(v);
	if (*out < 0)
		return json_reader_fail(r, key, "is negative");
	return 0;
}
