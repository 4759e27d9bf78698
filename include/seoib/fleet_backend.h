/* Where peers' host records come from: one interface, several backends.
 *
 * A backend answers three questions: one host's record (lookup), every
 * host's listing summary (walk), and "store this host's record" (publish).
 * Each is one file in lib/fleet/ (backend_etcd.c, backend_ssh.c,
 * backend_file.c) and one row of fleet_backends[] in lib/fleet/fleet_chain.c;
 * the chain asks the configured backends in the order of fleet-backends in
 * seoib.conf (docs/fleet.md). Like kmod's comp_types[]: the table is the
 * table of contents.
 *
 * Every record a backend returns is a peer's, so hostile: bounded,
 * validated (host_record_from_string(), host_summary_from_string()), its
 * hostname checked against the one asked for. Age is the caller's to
 * judge (host_record_age_check()): a stale record is still the host's. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "seoib/config.h"
#include "seoib/host_record.h"
#include "seoib/host_summary.h"
#include "seoib/kvm_probe.h"

/* lookup(): the backend could not ask at all (etcd down, no endpoint
 * answered): the chain may ask the next backend. Same value as
 * ETCD_UNREACHABLE. Absent (0) is an answer: the chain stops there, so a
 * host that vanished from the inventory is unknown, never "ok" by SSH. */
#define FLEET_UNREACHABLE (-2)

/* A key or file that did not hold a valid record or summary, and why. */
struct fleet_invalid {
	char key[512];
	char why[SEOIB_MESSAGE_MAX];
};

/* One host of a walk: its listing summary (always), and its full record
 * when the walk was asked for records (NULL otherwise). Non-zero stops. */
typedef int (*fleet_summary_fn)(const struct host_summary *sum, const struct host_record *rec, void *userdata);

struct fleet_walk_result {
	struct fleet_invalid *invalid; /* malloc'ed, n_invalid entries */
	size_t n_invalid;
	char note[SEOIB_MESSAGE_MAX];  /* "" or a sentence for stderr: how it read */
};

/* Append an invalid entry; false when out of memory. */
bool fleet_walk_note_invalid(struct fleet_walk_result *res, const char *key, const char *why);

struct fleet_backend_ops {
	const char *name;            /* as in fleet-backends = */
	/* Is it set up in cfg (etcd-endpoints, fleet-directory)? A backend
	 * that is not is skipped by the chain. */
	bool (*configured)(const struct seoib_config *cfg);
	/* The backend's state for cfg: 0, or -1 with a sentence. */
	int (*open)(const struct seoib_config *cfg, void **state, char err[SEOIB_MESSAGE_MAX]);
	void (*close)(void *state);
	/* hostname's record: 1 found and valid, 0 absent, FLEET_UNREACHABLE,
	 * or -1, with a sentence in err for the last three. */
	int (*lookup)(void *state, const char *hostname, struct host_record *rec, char err[SEOIB_MESSAGE_MAX]);
	/* Every host's summary (and record, with want_records), in hostname
	 * order; invalid entries collected in res, never fatal. NULL when the
	 * backend cannot list (ssh). 0, or -1 with a sentence. */
	int (*walk)(void *state, bool want_records, fleet_summary_fn fn, void *userdata,
		    struct fleet_walk_result *res, char err[SEOIB_MESSAGE_MAX]);
	/* Store this host's record (its JSON text) where lookup() and walk()
	 * find it. NULL when the backend cannot (ssh reads the host itself). */
	int (*publish)(void *state, const struct host_record *rec, char err[SEOIB_MESSAGE_MAX]);
};

/* The table: every backend, in no particular order. */
extern const struct fleet_backend_ops *const fleet_backends[];

/* The backend named name, or NULL. */
const struct fleet_backend_ops *fleet_backend_find(const char *name);

/* The chain of fleet-backends: the configured ones, in that order. */
struct fleet_chain;

/* Checks cfg->fleet_backends as fleet_chain_new() would, opening nothing:
 * for seoibd, which reads the same seoib.conf as seoibctl check, so that
 * --check-config and a reload refuse a chain check would refuse.
 * Returns 0, or -1 with a sentence (an unknown, repeated or no name). */
int fleet_backends_check(const struct seoib_config *cfg, char err[SEOIB_MESSAGE_MAX]);

/* Builds the chain from cfg->fleet_backends ("etcd,ssh" by default).
 * record_file, when not NULL, replaces the chain with that one file
 * (seoibctl check --record-from-file). cfg must outlive the chain.
 * Returns 0, or -1 with a sentence (an unknown or repeated name).
 * Backends open lazily, when first asked; one not configured in cfg
 * (etcd without etcd-endpoints, file without fleet-directory) is skipped. */
int fleet_chain_new(const struct seoib_config *cfg, const char *record_file, struct fleet_chain **out,
		    char err[SEOIB_MESSAGE_MAX]);
void fleet_chain_free(struct fleet_chain *chain);

/* Each backend in turn until one answers: 1 found, 0 absent (the first
 * backend that answered has no record of hostname: unknown, the chain
 * stops), -1 with a sentence (an error, or every backend unreachable: err
 * names the last). *from is the name of the backend that answered. */
int fleet_chain_lookup(struct fleet_chain *chain, const char *hostname, struct host_record *rec, const char **from,
		       char err[SEOIB_MESSAGE_MAX]);

/* Why no backend of chain can list hosts (walk) or find hostname's record,
 * as one sentence into err, with the fix for this configuration: naming in
 * fleet-backends a backend whose key (etcd-endpoints, fleet-directory) is
 * set, else setting the key of a backend it names. */
void fleet_chain_why_none(const struct fleet_chain *chain, bool walk, const char *hostname,
			  char err[SEOIB_MESSAGE_MAX]);

/* The name of the backend fleet_chain_walk() would walk, or NULL. */
const char *fleet_chain_walker(const struct fleet_chain *chain);

/* The first configured backend that can list, walked. -1 with a sentence
 * when none is configured or it fails. */
int fleet_chain_walk(struct fleet_chain *chain, bool want_records, fleet_summary_fn fn, void *userdata,
		     struct fleet_walk_result *res, char err[SEOIB_MESSAGE_MAX]);

/* The file backend over one record file (--record-from-file): lookup
 * only. 0 and its state for fleet_backend_file's ops, or -1 with a sentence. */
int fleet_file_backend_one(const char *record_file, void **state, char err[SEOIB_MESSAGE_MAX]);

/* The backends' ops, for fleet_backends[] and their tests. */
extern const struct fleet_backend_ops fleet_backend_etcd;
extern const struct fleet_backend_ops fleet_backend_ssh;
extern const struct fleet_backend_ops fleet_backend_file;
