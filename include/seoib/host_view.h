/* A host as a decision may use it (lib/record/host_view.c): a host record,
 * by pointer, and whether it is usable and why not. The one place that
 * decides whether a record is current; every engine entry point
 * (policy_decide() and its kin, the gate) takes views, never raw records,
 * and no front end judges a record itself. docs/policy.md ("Which host
 * records a decision uses") states the two rules. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "seoib/host_identity.h"
#include "seoib/host_record.h"

/* Where a record came from: it decides which rules apply to it. */
enum host_view_origin {
	HOST_ORIGIN_PUBLISHED, /* seoibd's record at record-path: this host's by where it lies */
	HOST_ORIGIN_PROBE,     /* probed just now, in this boot */
	HOST_ORIGIN_NAMED,     /* a file or string an operator or a caller named: taken as given,
				  unless it carries this host's identity */
	HOST_ORIGIN_FLEET,     /* fetched from a fleet backend (etcd, file, ssh) */
};

/* Why a view is not usable; HOST_VIEW_USABLE when it is. */
enum host_view_problem {
	HOST_VIEW_USABLE,
	HOST_VIEW_NO_RECORD, /* no record at all */
	HOST_VIEW_STATUS,    /* the probe's status is not ok */
	HOST_VIEW_BOOT,      /* this host's own record, of another boot or kernel */
	HOST_VIEW_AGE,       /* older than max-record-age, or dated beyond the clock skew ahead */
};

struct host_view {
	const struct host_record *rec; /* NULL: no record; owned by the caller, outlives the view */
	bool peer;                     /* built by host_view_peer() */
	bool own;                      /* rec has this host's identity (or is published / probed here) */
	bool usable;
	enum host_view_problem problem;
	char why[SEOIB_MESSAGE_MAX]; /* one sentence when !usable, else "" */
};

/* What a record is judged against: this host, the time and the config. */
struct host_view_clock {
	const struct host_identity *here; /* host_identity_read() */
	int64_t now;                      /* seconds since the epoch */
	unsigned max_age_s;               /* max-record-age; 0 = no limit */
};

/* The rule for this host's record (the one a start on this host is
 * decided on). rec may be NULL (no record); path names it in sentences.
 * Unusable, first reason first: missing; when it is this host's own
 * (published, probed, or with this host's machine id and host name:
 * host_record_is_own()), from another boot or kernel
 * (host_record_this_boot(); a live probe is of this boot) or older than
 * max_age_s (host_record_young_enough()); its status not ok ("record
 * status S: MESSAGE"), which a stale record's is not judged by. A named
 * record of another host is a what-if: judged on its status only. Pure
 * apart from v; never fails. */
void host_view_local(struct host_view *v, const struct host_record *rec, enum host_view_origin origin,
		     const struct host_view_clock *clock, const char *path);

/* The rule for another host's record (a migration target, a fleet row).
 * Unusable, first reason first: missing; when it is in fact this host's
 * own record (same host: host_record_is_own(), the host names compared by
 * host_names_same()), from another boot or kernel, since such a record no
 * longer describes this host; when fetched from the fleet
 * (HOST_ORIGIN_FLEET), older than max_age_s; its status not ok. Pure apart
 * from v. */
void host_view_peer(struct host_view *v, const struct host_record *rec, enum host_view_origin origin,
		    const struct host_view_clock *clock, const char *path);

/* The age part of the peer rule for a peer's listing summary (seoibctl
 * fleet without a guest), which carries a probe time and no record: fresh
 * when no older than clock->max_age_s and not dated beyond the clock skew
 * ahead (host_probe_time_age_check(), the same check
 * host_record_young_enough() makes of a record). Returns true when fresh;
 * *age_s is its age in seconds (negative when ahead), why one sentence
 * when it is not. Pure. */
bool host_view_summary_fresh(int64_t probe_time, const struct host_view_clock *clock, int64_t *age_s,
			     char why[SEOIB_MESSAGE_MAX]);

/* The clock for now: this host's identity read into *here, time(NULL)
 * and max_age_s. */
void host_view_clock_now(struct host_view_clock *clock, struct host_identity *here, unsigned max_age_s);

/* The record when v is usable, else NULL. */
static inline const struct host_record *host_view_record(const struct host_view *v)
{
	return v && v->usable ? v->rec : NULL;
}
