/* A peer's `seoibctl status --json` reply (peer_reply.h). The envelope
 * says whether the peer vouches for the record it holds (not when stale,
 * from another boot, or of a failed probe: cli/cmd_status.c sets "exit",
 * "stale" and "error" together); reading the record and dropping that word
 * would judge a migration by a record its own host disowns. */
#include <stdio.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/escape.h"
#include "seoib/json_util.h"
#include "seoib/peer_reply.h"
#include "seoib/sentence.h"

/* Whether the peer vouches for its record: 0 when it does, else -1 with a
 * sentence quoting its own words. */
static int read_vouch(struct json_reader *r, json_object *o)
{
	char quoted[SEOIB_MESSAGE_MAX];
	json_object *stale_v, *said;
	int64_t exit_code;
	bool stale = false;
	size_t said_len = 0, quoted_len;

	if (json_read_int64(r, o, "exit", &exit_code) < 0 || json_read_optional(r, o, "stale", &stale_v) < 0 ||
	    (stale_v && json_read_bool(r, o, "stale", &stale) < 0) || json_read_optional(r, o, "error", &said) < 0)
		return -1;
	if (said && !json_object_is_type(said, json_type_string))
		return json_reader_fail(r, "error", "is not a string");
	if (said)
		said_len = (size_t)json_object_get_string_len(said);
	if (exit_code == 0 && !stale && said_len == 0)
		return 0;
	/* The peer's words, whatever bytes they hold, made inert; a sentence
	 * longer than the room left is cut at a character by text_escape()
	 * and then at a word by sentence_format(). */
	if (said_len)
		text_escape(json_object_get_string(said), said_len, true, quoted, sizeof(quoted) / 2, &quoted_len);
	else
		snprintf(quoted, sizeof(quoted), "no reason given");
	sentence_format(r->err, SEOIB_MESSAGE_MAX, "its seoibctl status says its own record is not usable (exit %lld%s): "
			"\"%s\"", (long long)exit_code, stale ? ", stale" : "", quoted);
	r->failed = true;
	return -1;
}

static int envelope_parse(json_object *o, struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	struct json_reader r = {.err = err};
	json_object *inner;

	if (read_vouch(&r, o) < 0 || json_read_object(&r, o, "record", &inner) < 0)
		return -1;
	return host_record_from_json(inner, rec, err);
}

int peer_reply_parse(const char *text, size_t len, struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *o = NULL;

	memset(rec, 0, sizeof(*rec));
	if (json_parse_text(text, len, &o, err) < 0)
		return -1;
	if (!json_object_is_type(o, json_type_object)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the reply is a JSON %s, not an object",
				json_type_to_name(json_object_get_type(o)));
		return -1;
	}
	if (json_object_object_get_ex(o, "schema", NULL))
		return host_record_from_json(o, rec, err);
	return envelope_parse(o, rec, err);
}
