/* Small json-c helpers: building records, and reading untrusted JSON with
 * every type checked and every failure turned into one sentence. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seoib/cleanup.h"

#include "seoib/sentence.h"

#define JSON_READER_DEPTH 12

/* Tracks the path being read ("kvm.lvr.split") for error sentences. */
struct json_reader {
	char *err; /* SEOIB_MESSAGE_MAX bytes */
	bool failed;
	int depth;
	const char *path[JSON_READER_DEPTH];
};

DEFINE_TRIVIAL_CLEANUP(json_object *, json_object_put)
#define _cleanup_json_ _cleanup_(json_object_putp)

/* Add v (NULL becomes JSON null) under key. */
void json_add(json_object *o, const char *key, json_object *v);
json_object *json_new_ms(double ms);           /* milliseconds, 3 decimals */
const char *errno_name(int err);                /* "EINVAL"; "E<n>" if unnamed */
int errno_from_name(const char *name);          /* 0 if unknown */
void format_utc(int64_t t, char *buf, size_t size); /* 2026-11-23T09:40:00Z */

/* Print o to out: pretty, or one line. */
void json_print(json_object *o, bool pretty);

/* Parse exactly one JSON value from text. Returns 0, or -1 with a sentence. */
int json_parse_text(const char *text, size_t len, json_object **out, char err[SEOIB_MESSAGE_MAX]);

void json_reader_push(struct json_reader *r, const char *key);
void json_reader_pop(struct json_reader *r);
int json_reader_fail(struct json_reader *r, const char *key, const char *what);

/* Required members: -1 with r->err set when missing or of the wrong type. */
int json_read_object(struct json_reader *r, json_object *parent, const char *key, json_object **out);
int json_read_array(struct json_reader *r, json_object *parent, const char *key, json_object **out);
int json_read_string(struct json_reader *r, json_object *parent, const char *key, char *dst, size_t size);
int json_read_hostname(struct json_reader *r, json_object *parent, const char *key, char *dst, size_t size);
int json_read_int64(struct json_reader *r, json_object *parent, const char *key, int64_t *out);
int json_read_bool(struct json_reader *r, json_object *parent, const char *key, bool *out);
int json_read_ms(struct json_reader *r, json_object *parent, const char *key, double *out);
/* A string array element or other bare value, checked like a member. */
int json_value_string(struct json_reader *r, const char *key, json_object *v, char *dst, size_t size);
/* Optional member: *out = NULL when absent or null. */
int json_read_optional(struct json_reader *r, json_object *parent, const char *key, json_object **out);
/* An optional string field (absent or null: dst = ""), else as
 * json_read_string(): at most size - 1 bytes, or -1 with r's sentence. */
int json_read_optional_string(struct json_reader *r, json_object *o, const char *key, char *dst, size_t size);
