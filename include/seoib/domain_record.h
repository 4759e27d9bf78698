/* What the qemu hook remembers about a guest on this host, in two files a
 * guest under /run/seoib/domains ("seoib.domain/2"; /run is cleared at boot,
 * like the guests themselves):
 * - <uuid>.pending.json: the operation in flight, written at prepare,
 *   migrate or restore begin, which libvirt may still abort. It answers
 *   only the next step of that operation (prepare begin after an arrival,
 *   started begin after a prepare), never "what does the guest run".
 * - <uuid>.json: what the guest runs, committed at started begin (the QEMU
 *   process exists with that XML) from the pending record of the same
 *   guest, UUID and name. Later checks (seoibctl apply, check --dest,
 *   seoibd) read only this one.
 * docs/libvirt.md, "What a guest runs", is the state machine. */
#pragma once

#include <stddef.h>

#include <stdint.h>

#include <build_config.h> /* SEOIB_RUNDIR */
#include "seoib/sentence.h"
#include "seoib/states.h"

#define DOMAIN_RECORD_SCHEMA "seoib.domain/2"
#define DOMAIN_RECORD_DIR SEOIB_RUNDIR "/domains"
/* The file's "state" of a guest that arrived (migrate or restore begin,
 * allowed by on-error = allow) in a state nothing could tell is
 * STATE_UNKNOWN, written "unknown" (state_or_unknown_to_string()). It keeps
 * prepare begin from judging the arrival as a fresh start and recording a
 * state the guest may not run. */

/* Which of the guest's two files a record is, and says it is ("phase"). */
enum domain_phase {
	DOMAIN_PENDING, /* "pending": an operation in flight, not yet committed by libvirt */
	DOMAIN_RUNNING, /* "running": committed at started begin */
};

/* A temporary file beside the records (a hook killed by its alarm between
 * its write and its rename) older than this is swept, in seconds: twice
 * the hook's 10 s alarm, so that a live writer's file is never taken. */
#define DOMAIN_RECORD_TMP_AGE_S 20
/* The most directory entries one sweep looks at. */
#define DOMAIN_RECORD_SWEEP_MAX 4096

struct domain_record {
	enum domain_phase phase;
	char name[256];
	char uuid[64];
	enum seoib_state state; /* or STATE_UNKNOWN */
	char operation[16]; /* the gate that recorded it: prepare, migrate, restore */
	char answer[16];    /* the gate's answer (its key "verdict"): allow, warn, or error-allow (an arrival in an unknown state) */
	/* A prepare begin let in by an arrival's authorisation: that arrival's
	 * operation (migrate, restore), which started begin checks against how
	 * libvirt launched QEMU (gate_launched()); "" for a fresh start. The
	 * file's optional "arrival" (absent: ""). */
	char arrival[16];
	int64_t time;       /* seconds since the epoch */
};

/* A libvirt UUID in its canonical 36-character form, safe as a file name
 * (the XML comes from whoever defined the domain: no '/', no "..").
 * Every file name a domain record gets is checked by it. */
bool gate_uuid_is_valid(const char *uuid);

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

/* The file of `phase`; a file whose "phase" is another is refused (a
 * pending record copied into the running one's place never counts).
 * Returns 0, 1 when there is none, or -1 with a sentence in err. */
int domain_record_read(const char *dir, const char *uuid, enum domain_phase phase, struct domain_record *rec,
		       char err[SEOIB_MESSAGE_MAX]);

/* The record of `phase` whose guest is named `name` (the only key a hook
 * has when the domain XML, and so the UUID, cannot be read): the first
 * such among at most DOMAIN_RECORD_SWEEP_MAX entries of DIR, each read as
 * domain_record_read() reads it (an unreadable one is skipped). Returns 0
 * with *rec set, 1 when there is none, or -1 with a sentence in err. */
int domain_record_find_named(const char *dir, const char *name, enum domain_phase phase, struct domain_record *rec,
			     char err[SEOIB_MESSAGE_MAX]);

/* Remove the file of `phase`; none is not an error. Returns 0, or -1 with
 * a sentence. */
int domain_record_drop(const char *dir, const char *uuid, enum domain_phase phase, char err[SEOIB_MESSAGE_MAX]);

/* Remove both files of the guest (it stopped); none is not an error.
 * Returns 0, or -1 with a sentence. */
int domain_record_forget(const char *dir, const char *uuid, char err[SEOIB_MESSAGE_MAX]);

/* Remove leftover temporary files ("NAME.tmp.XXXXXXXX", write_file_atomic_at())
 * in DIR: regular files, last modified more than DOMAIN_RECORD_TMP_AGE_S
 * seconds before `now` (seconds since the epoch), at most
 * DOMAIN_RECORD_SWEEP_MAX entries looked at. Returns the number removed,
 * or -1 with a sentence in err (no DIR: 0). */
int domain_record_sweep(const char *dir, int64_t now, char err[SEOIB_MESSAGE_MAX]);
