/* A host as a decision may use it (see seoib/host_view.h): the one owner
 * of "is this record current", for this host's record and for a peer's. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "seoib/host_view.h"
#include "seoib/record_current.h"
#include "seoib/sentence.h"

static void unusable(struct host_view *v, enum host_view_problem problem)
{
	v->usable = false;
	v->problem = problem;
}

/* The status, the same for every record, in the words every front end
 * shows (host_why_cannot()'s); judged after currency: a stale record's
 * status is old news. */
static void judge_status(struct host_view *v, const struct host_record *rec)
{
	if (!v->usable || rec->status == PROBE_OK)
		return;
	sentence_format(v->why, sizeof(v->why), "record status %s: %s", probe_status_to_string(rec->status),
			rec->message[0] ? rec->message : "no message");
	unusable(v, HOST_VIEW_STATUS);
}

/* No record at all. False when the view is settled. */
static bool have_record(struct host_view *v, const struct host_record *rec)
{
	if (rec)
		return true;
	sentence_format(v->why, sizeof(v->why), "no host record");
	unusable(v, HOST_VIEW_NO_RECORD);
	return false;
}

static void start(struct host_view *v, const struct host_record *rec, bool peer)
{
	memset(v, 0, sizeof(*v));
	v->rec = rec;
	v->peer = peer;
	v->usable = true;
}

void host_view_local(struct host_view *v, const struct host_record *rec, enum host_view_origin origin,
		     const struct host_view_clock *clock, const char *path)
{
	start(v, rec, false);
	if (!have_record(v, rec))
		return;
	v->own = origin == HOST_ORIGIN_PUBLISHED || origin == HOST_ORIGIN_PROBE || host_record_is_own(rec, clock->here);
	/* Another host's record named for this one is a what-if: its status
	 * alone. */
	if (v->own && origin != HOST_ORIGIN_PROBE && !host_record_this_boot(rec, clock->here, path, v->why))
		unusable(v, HOST_VIEW_BOOT);
	else if (v->own && !host_record_young_enough(rec, clock->now, clock->max_age_s, path, v->why))
		unusable(v, HOST_VIEW_AGE);
	judge_status(v, rec);
}

void host_view_peer(struct host_view *v, const struct host_record *rec, enum host_view_origin origin,
		    const struct host_view_clock *clock, const char *path)
{
	start(v, rec, true);
	if (!have_record(v, rec))
		return;
	v->own = host_record_is_own(rec, clock->here);
	if (v->own && !host_record_this_boot(rec, clock->here, path, v->why))
		unusable(v, HOST_VIEW_BOOT);
	else if (origin == HOST_ORIGIN_FLEET &&
		 !host_record_young_enough(rec, clock->now, clock->max_age_s, path, v->why))
		unusable(v, HOST_VIEW_AGE);
	judge_status(v, rec);
}

bool host_view_summary_fresh(int64_t probe_time, const struct host_view_clock *clock, int64_t *age_s,
			     char why[SEOIB_MESSAGE_MAX])
{
	return host_probe_time_age_check(probe_time, clock->now, clock->max_age_s, age_s, why);
}

void host_view_clock_now(struct host_view_clock *clock, struct host_identity *here, unsigned max_age_s)
{
	host_identity_read(here);
	clock->here = here;
	clock->now = (int64_t)time(NULL);
	clock->max_age_s = max_age_s;
}
