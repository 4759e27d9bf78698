/* The published record file: the last good host record, plus "last_probe"
 * saying how the latest probe went, so a reader can tell a fresh record from
 * one kept because the latest probe failed (docs/seoibd.md). */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "prober.h"

struct last_probe {
	enum probe_run_status status;
	char message[SEOIB_MESSAGE_MAX];
	uint64_t time_usec; /* CLOCK_REALTIME when it finished, 0 = never */
	bool current;       /* the published record is from this probe */
};

/* Add "last_probe" to record_json (replacing any) and write it atomically,
 * mode 0644. Returns the text written (caller frees), or NULL with err set. */
char *published_record_write(const char *path, json_object *record_json, const struct last_probe *last,
			  char err[SEOIB_MESSAGE_MAX]);
/* Remove "PATH.tmp.*" files a writer killed mid-write left behind, and
 * create PATH's directory if it is missing. */
void published_record_prepare_dir(const char *path);
