/* Decoders of etcd v3 JSON gateway replies (etcd 3.4+, grpc-gateway).
 *
 * Every reply is untrusted input: a peer that speaks HTTP on an etcd
 * endpoint can answer anything. Nothing here touches the network, so the
 * decoders are unit-tested and fuzzed alone (fuzz/fuzz_etcd_reply.c).
 * Each function reads one reply through typed accessors and fails with a
 * fragment in err ("\"kvs\" is not an array") that the client wraps into
 * a whole sentence naming the endpoint. A decoder never takes ownership of
 * the reply; the caller frees it once.
 *
 * Wire format relied on (etcd api/etcdserverpb/rpc.proto as JSON through
 * grpc-gateway): bytes fields (key, value) are padded base64, int64
 * fields (ID, TTL) are JSON strings of decimal digits, and fields at their
 * zero value are omitted. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "seoib/sentence.h"

/* Bytes of one reply body the client reads; a larger one is refused. A
 * page of INVENTORY_PAGE_SIZE records of 2.3 KiB is ~8 MiB of JSON. */
#define ETCD_REPLY_MAX (32u << 20)
/* A range over a prefix reads at most this many pages, and this many reply
 * bytes in all: a server that always answers "more": true is cut off. A
 * listing reads every record (docs/fleet.md): 100,000 records of 2.8 KiB are
 * ~272 MB of the gateway's JSON, so the bound is 512 MiB (~190,000 hosts);
 * pages are decoded and dropped one by one, so it bounds time, not memory. */
#define ETCD_RANGE_PAGES_MAX 64
#define ETCD_RANGE_BYTES_MAX (512u << 20)

/* Base64 (RFC 4648, padded), as etcd's gateway encodes bytes, done by
 * OpenSSL's libcrypto (EVP_EncodeBlock, EVP_DecodeUpdate/Final), which
 * libcurl already loads. Return a malloc'ed NUL-terminated string, or NULL
 * (out of memory; decode: not padded base64, or over ETCD_REPLY_MAX).
 * Decoding ignores white space, as OpenSSL does; *len excludes the NUL. */
char *base64_encode(const void *data, size_t len);
char *base64_decode(const char *text, size_t *len);

/* Parse a reply body of len bytes: exactly one JSON object. Returns 0 and
 * a new reference in *out, or -1 (*out NULL) with a fragment in err. */
int etcd_reply_parse(const char *body, size_t len, json_object **out, char err[SEOIB_MESSAGE_MAX]);

/* The int64 member key of obj: a JSON string of decimal digits (or a JSON
 * integer). Absent or null reads as 0, as the gateway omits zero values.
 * Returns 0, or -1 with a fragment in err. */
int etcd_reply_int64(json_object *obj, const char *key, int64_t *out, char err[SEOIB_MESSAGE_MAX]);

/* LeaseGrantResponse: *lease_id > 0, or -1. */
int etcd_reply_lease_grant(json_object *reply, int64_t *lease_id, char err[SEOIB_MESSAGE_MAX]);
/* LeaseKeepAliveResponse, as the gateway streams it ({"result": {...}}):
 * *ttl_left in seconds; 0 when etcd no longer knows the lease (its TTL is
 * omitted, or not positive). A streamed {"error": ...} is -1. */
int etcd_reply_lease_keepalive(json_object *reply, int64_t *ttl_left, char err[SEOIB_MESSAGE_MAX]);
/* AuthenticateResponse: the token, a printable string shorter than size. */
int etcd_reply_token(json_object *reply, char *token, size_t size, char err[SEOIB_MESSAGE_MAX]);

/* One key-value of a range reply: key NUL-terminated (it holds no NUL),
 * value NUL-terminated after value_len bytes. */
typedef int (*etcd_kv_fn)(const char *key, const char *value, size_t len, void *userdata);

/* One page of a RangeResponse for the range [start, end) (end "\0" of
 * length 1: to the last key, as etcd reads it), limit keys at most. Every
 * entry must be an object with a base64 key inside the range, keys
 * strictly increasing, and a base64 value (absent: empty). fn gets each in
 * order; a non-zero return stops. On "more": true, *next (malloc'ed) is
 * the key to ask from next, which is always past every key seen, so a
 * server repeating a page cannot hold a reader in a loop; else *next is
 * NULL. Returns 0, 1 when fn stopped, or -1 with a fragment in err. */
int etcd_reply_range(json_object *reply, const char *start, size_t start_len, const char *end, size_t end_len,
		     long limit, etcd_kv_fn fn, void *userdata, char **next, size_t *next_len,
		     char err[SEOIB_MESSAGE_MAX]);

/* The value of key itself from a RangeResponse for that one key: returns 1
 * and a malloc'ed *value (NUL-terminated after *len bytes), 0 when there
 * is none, -1 with a fragment in err (more than one entry, another key). */
int etcd_reply_get(json_object *reply, const char *key, char **value, size_t *len, char err[SEOIB_MESSAGE_MAX]);

/* The text of a gateway error body ({"error": "...", "message": "..."}, or
 * {"error": {"message": ...}} when streamed) for a sentence: control
 * characters and non-ASCII bytes become '?', at most size - 1 bytes.
 * "empty answer" for an empty body; the raw body when it is not JSON. */
void etcd_reply_error_text(const char *body, size_t len, char *out, size_t size);
