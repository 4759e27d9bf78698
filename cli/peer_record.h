/* Where a peer host's record comes from. Today: `ssh HOST seoibctl status
 * --json` (or a file, for offline planning and tests); the fleet inventory
 * of a later issue plugs in here, behind the same function. */
#pragma once

#include "seoib/config.h"
#include "seoib/host_record.h"

/* Fetch and validate HOST's record. record_file, when not NULL, is read
 * instead of asking HOST. Returns 0, or -1 with a sentence in err. */
int peer_record_fetch(const struct seoib_config *cfg, const char *host, const char *record_file,
		      struct host_record *rec, char err[SEOIB_MESSAGE_MAX]);

/* The record inside `seoibctl status --json` output: the record itself, or
 * an object that wraps it under "record". */
int peer_record_parse(const char *text, size_t len, struct host_record *rec, char err[SEOIB_MESSAGE_MAX]);
