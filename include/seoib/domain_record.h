/* What the qemu hook remembers about a guest on this host: the state it was
 * started in (prepare begin) or arrived in (migrate / restore begin), under
 * /run/seoib/domains/<uuid>.json ("seoib.domain/1"). /run is cleared at
 * boot, like the guests themselves. Later checks (seoibctl apply) read it. */
#pragma once

#include <stddef.h>

#include <stdint.h>

#include <build_config.h> /* SEOIB_RUNDIR */
#include "seoib/sentence.h"
#include "seoib/states.h"

#define DOMAIN_RECORD_SCHEMA "seoib.domain/1"
#define DOMAIN_RECORD_DIR SEOIB_RUNDIR "/domains"
/* The file's "state" of a guest that arrived (migrate or restore begin,
 * allowed by on-error = allow) in a state nothing could tell: state ==
 * STATE_COUNT in the struct. It keeps prepare begin from judging the
 * arrival as a fresh start and recording a state the guest may not run. */
#define DOMAIN_RECORD_STATE_UNKNOWN "unknown"

struct domain_record {
	char name[256];
	char uuid[64];
	enum seoib_state state; /* STATE_COUNT: unknown (DOMAIN_RECORD_STATE_UNKNOWN) */
	char operation[16]; /* the gate that recorded it: prepare, migrate, restore */
	char verdict[16];   /* allow, warn, or error-allow (an arrival in an unknown state) */
	int64_t time;       /* seconds since the epoch */
};

/* Every function reaches DIR one component at a time from "/" without
 * following a symbolic link, and uses it only when it belongs to the
 * effective user and no one else may write to it: /run/seoib belongs to the
 * daemon's less privileged user and the hook runs as root. Otherwise they
 * refuse with a sentence naming DIR, its owner and mode.
 *
 * Write atomically as DIR/<uuid>.json, creating DIR (and its parents, 0755)
 * if needed. Returns 0, or -1 with a sentence in err. */
int domain_record_write(const char *dir, const struct domain_record *rec, char err[SEOIB_MESSAGE_MAX]);

/* The record file's JSON, text[0..len) (untrusted: /run/seoib belongs to
 * seoibd's user), checked field by field. Returns 0, or -1 with a sentence
 * fragment in err. */
int domain_record_from_string(const char *text, size_t len, struct domain_record *rec, char err[SEOIB_MESSAGE_MAX]);

/* Returns 0, 1 when there is none, or -1 with a sentence in err. */
int domain_record_read(const char *dir, const char *uuid, struct domain_record *rec,
		       char err[SEOIB_MESSAGE_MAX]);

/* Remove it; none is not an error. Returns 0, or -1 with a sentence. */
int domain_record_forget(const char *dir, const char *uuid, char err[SEOIB_MESSAGE_MAX]);
