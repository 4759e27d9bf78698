/* A peer's reply to `seoibctl status --json` (lib/fleet/peer_reply.c), as
 * the ssh backend reads it (docs/fleet.md, "The ssh backend's reply"): the
 * envelope status prints, in which the peer vouches for its own record or
 * does not, or a bare host record. Pure: no I/O, fuzzed by fuzz/fuzz_peer_reply.c. */
#pragma once

#include <stddef.h>

#include "seoib/host_record.h"
#include "seoib/messages.h"

/* The record in text (len bytes, untrusted). Two forms:
 *  - the envelope of cli/cmd_status.c: {"exit": N, "stale": B, "error": S,
 *    "record": {...}, ...}. Whether the peer vouches for its record is
 *    honoured: "exit" must be an integer and 0, "stale" (when
 *    present) a boolean and false, "error" (when present and not null) a
 *    string and empty; otherwise the reply is refused with the peer's own
 *    sentence quoted, escaped by text_escape() (a peer's words reach
 *    terminals and the journal). Then "record" must be a valid host record.
 *  - a host record itself (it has "schema"), as --record files hold.
 * 0 and rec filled, or -1 with a sentence in err (malformed, a peer that
 * does not vouch for its record, an invalid record). */
int peer_reply_parse(const char *text, size_t len, struct host_record *rec, char err[SEOIB_MESSAGE_MAX]);
