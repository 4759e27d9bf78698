/* The record file seoibd publishes (docs/seoibd.md): the host record's JSON
 * object with one more member, "last_probe", saying how seoibd's latest probe
 * went, so a reader can tell a fresh record from one kept because the latest
 * probe failed. Readers of a bare record (host_record_load()) ignore
 * "last_probe"; seoibd and seoibctl status read it here. */
#pragma once

#include <json-c/json.h>
#include <stddef.h>

#include "seoib/host_record.h"
#include "seoib/sentence.h"

#define RECORD_FILE_LAST_PROBE "last_probe"

/* Set last_probe (ownership taken; NULL removes it) as record_json's
 * "last_probe" member and return the file's text, pretty-printed
 * (malloc'ed), or NULL when out of memory. */
char *record_file_format(json_object *record_json, json_object *last_probe);

/* Parse a record file's text (len bytes, at most HOST_RECORD_MAX_BYTES) into
 * rec, validated by host_record_from_json(). On success, *record_json (when
 * record_json is not NULL) is the bare record's JSON and *last_probe (when
 * last_probe is not NULL) its "last_probe" object or NULL; both owned by the
 * caller. Returns 0, or -1 with why a fragment that follows the file's name:
 * "it is not a JSON object". */
int record_file_parse(const char *text, size_t len, struct host_record *rec, json_object **record_json,
		      json_object **last_probe, char why[SEOIB_MESSAGE_MAX]);

/* record_file_parse() on the regular file at path, read whole and bounded:
 * a FIFO or a device put there fails instead of blocking the reader. It is
 * read only under the ownership rule of seoib/trusted_path.h: when the rule
 * refuses it, -1 with errno EPERM and why a whole sentence. */
int record_file_read(const char *path, struct host_record *rec, json_object **record_json,
		     json_object **last_probe, char why[SEOIB_MESSAGE_MAX]);
