/* Decide() on the bus, off the bus's path (docs/seoibd.md, "Decide() under
 * load"). Anyone may call it, and one call may carry 256 target records
 * (a megabyte and more of JSON): decided inside the method handler, 40
 * such callers kept the loop busy for seconds between two property reads.
 *
 * So the handler only checks the bounds and queues the call (a call alone
 * in the queue gets its first slice there and then); the work is
 * done in slices, each at most DECIDE_SLICE_TARGETS target records read
 * and parsed (and the domain XML in the first), by an sd-event timer at SD_EVENT_PRIORITY_IDLE, with a
 * rest after each (on_slice()).
 * sd-event dispatches the highest-priority pending source first
 * (sd_event_dispatch(3), sd_event_source_set_priority(3)), and the bus
 * is attached at SD_EVENT_PRIORITY_NORMAL: every message waiting on the
 * bus is handled before the next slice, so a property Get waits for one
 * slice at most. The queued calls are answered in the order they came,
 * one at a time (see on_slice()).
 *
 * The queue is bounded twice, checked before a byte of the call is read:
 * DECIDE_PER_SENDER_MAX calls of one bus connection and DECIDE_QUEUE_MAX
 * calls in all. A call over a bound is refused at once with
 * org.seoib1.Error.Busy and a sentence; nothing of it is kept. Even the
 * call's strings are read in slices (sd-bus checks each as it reads it, at
 * some hundreds of MB/s: a megabyte read at once is milliseconds). One call
 * still carries at most DECIDE_TARGETS_MAX records (InvalidArgs). What the
 * queue holds is the calls as the bus delivered them, no more than the
 * bus's own bound on a message each (dbus-daemon's max_message_size), and
 * one call's parsed records. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "seoib/bus_names.h"
#include "seoib/cleanup.h"
#include "seoib/guest_facts.h"
#include "seoib/host_record.h"
#include "seoib/host_view.h"
#include "seoib/json_util.h"
#include "seoib/monotonic.h"
#include "seoib/policy.h"
#include "seoibd.h"

struct decide_job {
	sd_bus_message *m;     /* the call, referenced until answered; read slice by slice */
	char sender[256];      /* its unique bus name; "" on a direct connection */
	struct guest_facts *facts; /* NULL until the first slice */
	struct host_record *targets;
	size_t n_targets;
	struct decide_job *next;
};

struct decide_queue {
	sd_event_source *slice; /* a timer; ON (one shot) while the queue is not empty */
	struct decide_job *head, *tail;
	size_t n_jobs;
};

static void job_free(struct decide_job *job)
{
	if (!job)
		return;
	sd_bus_message_unref(job->m);
	free(job->facts);
	free(job->targets);
	free(job);
}

static size_t sender_jobs(const struct decide_queue *q, const char *sender)
{
	size_t n = 0;

	for (const struct decide_job *j = q->head; j; j = j->next)
		n += strcmp(j->sender, sender) == 0;
	return n;
}

static int refuse_busy(const struct decide_queue *q, const char *sender, sd_bus_error *error)
{
	if (sender_jobs(q, sender) >= DECIDE_PER_SENDER_MAX)
		return sd_bus_error_setf(error, SEOIB_BUS_ERROR_BUSY,
					 "seoibd is already deciding %d Decide() calls of this connection, as many as one "
					 "connection may have waiting; wait for their answers before calling again",
					 DECIDE_PER_SENDER_MAX);
	if (q->n_jobs >= DECIDE_QUEUE_MAX)
		return sd_bus_error_setf(error, SEOIB_BUS_ERROR_BUSY,
					 "seoibd has %d Decide() calls waiting, as many as it keeps; retry in a moment",
					 DECIDE_QUEUE_MAX);
	return 0;
}

/* The next slice, rest_usec from now: rest is what keeps Decide() work to
 * 1 / (1 + DECIDE_REST_FACTOR) of the time (see on_slice()). */
static void schedule_slice(struct decide_queue *q, uint64_t rest_usec)
{
	sd_event_source_set_time(q->slice, monotonic_usec() + rest_usec);
	sd_event_source_set_enabled(q->slice, SD_EVENT_ONESHOT);
}

static void run_slice(struct seoibd *d);

int decide_method(sd_bus_message *m, void *userdata, sd_bus_error *error)
{
	struct seoibd *d = userdata;
	struct decide_queue *q = d->decide;
	const char *sender = sd_bus_message_get_sender(m);
	struct decide_job *job;
	int r;

	sender = sender ? sender : "";
	r = refuse_busy(q, sender, error);
	if (r < 0 || sd_bus_error_is_set(error))
		return r;
	job = calloc(1, sizeof(*job));
	if (!job)
		return -ENOMEM;
	snprintf(job->sender, sizeof(job->sender), "%s", sender);
	job->m = sd_bus_message_ref(m);
	if (q->tail)
		q->tail->next = job;
	else
		q->head = job;
	q->tail = job;
	q->n_jobs++;
	/* Alone in the queue: its first slice now, as any message's handling
	 * is one slice at most; a call with few targets is answered here. Else
	 * the timer is already set. */
	if (q->n_jobs == 1)
		run_slice(d);
	return 1; /* answered, or by a later slice */
}

static int reply_decision(sd_bus_message *m, const struct guest_facts *facts, struct decision *decision)
{
	_cleanup_json_ json_object *json = decision_to_json(facts, decision);

	decision_free(decision);
	if (!json)
		return -ENOMEM;
	return sd_bus_reply_method_return(m, "s", json_object_to_json_string_ext(json, JSON_C_TO_STRING_PLAIN));
}

/* The domain XML, read from the call (sd-bus checks each string as it
 * reads it) and parsed. Returns 1, or 0 when answered (an error). */
static int job_start(struct decide_job *job)
{
	char why[SEOIB_MESSAGE_MAX];
	const char *xml;
	int r;

	job->facts = calloc(1, sizeof(*job->facts));
	job->targets = calloc(DECIDE_TARGETS_MAX, sizeof(*job->targets));
	if (!job->facts || !job->targets)
		return sd_bus_reply_method_errno(job->m, ENOMEM, NULL), 0;
	r = sd_bus_message_read(job->m, "s", &xml);
	if (r >= 0)
		r = sd_bus_message_enter_container(job->m, 'a', "s");
	if (r < 0)
		return sd_bus_reply_method_errno(job->m, -r, NULL), 0;
	if (guest_facts_from_xml(xml, strlen(xml), job->facts, why) < 0)
		return sd_bus_reply_method_errorf(job->m, SEOIB_BUS_ERROR_INVALID_XML, "the domain XML was rejected: %s",
						  why), 0;
	return 1;
}

/* The decision on the records read: seoibd's own record by the local rule
 * (host_view_local(), as the hook judges the published copy), the
 * caller's targets by the peer rule (host_view_peer(), as named).
 * -1 when out of memory (nothing decided). */
static int decide_job(struct seoibd *d, const struct decide_job *job, struct decision *out)
{
	_cleanup_free_ struct host_view *targets = calloc(job->n_targets + 1, sizeof(*targets));
	struct host_identity here;
	struct host_view_clock clock;
	struct host_view host;

	host_view_clock_now(&clock, &here, d->cfg.max_record_age_s);
	host_view_local(&host, d->record_json ? d->record : NULL, HOST_ORIGIN_PUBLISHED, &clock, d->cfg.record_path);
	if (!targets)
		return -1;
	for (size_t i = 0; i < job->n_targets; i++)
		host_view_peer(&targets[i], &job->targets[i], HOST_ORIGIN_NAMED, &clock, "passed to Decide()");
	policy_decide(job->facts, &host, targets, job->n_targets, out);
	return 0;
}

/* One slice of job: up to DECIDE_SLICE_TARGETS records read and parsed
 * (its XML first in the first slice), and the decision once they are all
 * read. Returns 1 when the job needs more
 * slices, 0 when it is answered (a decision or an error). */
static int job_slice(struct seoibd *d, struct decide_job *job)
{
	char why[SEOIB_MESSAGE_MAX];
	struct decision decision;
	const char *text;
	int r;

	/* The XML and the first records in one slice: a call with few
	 * targets is answered at once, without a rest in between. */
	if (!job->facts && job_start(job) == 0)
		return 0;
	for (int i = 0; i < DECIDE_SLICE_TARGETS; i++) {
		r = sd_bus_message_read(job->m, "s", &text);
		if (r < 0)
			return sd_bus_reply_method_errno(job->m, -r, NULL), 0;
		if (r == 0)
			break;
		if (job->n_targets == DECIDE_TARGETS_MAX)
			return sd_bus_reply_method_errorf(job->m, SD_BUS_ERROR_INVALID_ARGS,
							  "more than %d target records; decide for fewer targets at a time",
							  DECIDE_TARGETS_MAX), 0;
		if (host_record_from_string(text, strlen(text), &job->targets[job->n_targets], why) < 0)
			return sd_bus_reply_method_errorf(job->m, SEOIB_BUS_ERROR_INVALID_RECORD,
							  "target record %zu is not a host record: %s",
							  job->n_targets + 1, why), 0;
		job->n_targets++;
	}
	if (r > 0)
		return 1;
	if (decide_job(d, job, &decision) < 0 || reply_decision(job->m, job->facts, &decision) < 0)
		sd_bus_reply_method_errno(job->m, ENOMEM, NULL);
	return 0;
}

/* One slice of the call at the head of the queue (the timer's, or the
 * handler's for a call alone in the queue), which is taken off when
 * answered. One call at a time, in the order they came:
 * only that one holds parsed records (sizeof(struct host_record) is tens
 * of KiB, times DECIDE_TARGETS_MAX), and with DECIDE_PER_SENDER_MAX no
 * connection waits behind more than DECIDE_QUEUE_MAX calls.
 *
 * After a slice of t µs, the next one comes DECIDE_REST_FACTOR x t later:
 * a flood of Decide() calls gets a bounded share of the CPU, so seoibd
 * stays a mostly sleeping task that the kernel runs at once when a
 * message comes (CFS places a waking task ahead of ones that have run
 * their share, sched(7)), and the flood's callers and the bus daemon
 * slow down with the answers instead of taking the CPU from everyone. */
static void run_slice(struct seoibd *d)
{
	struct decide_queue *q = d->decide;
	struct decide_job *job = q->head;
	uint64_t start = monotonic_usec();

	if (!job)
		return;
	if (job_slice(d, job) == 0) {
		q->head = job->next;
		if (!q->head)
			q->tail = NULL;
		q->n_jobs--;
		job_free(job);
	}
	if (q->head)
		schedule_slice(q, (monotonic_usec() - start) * DECIDE_REST_FACTOR);
}

static int on_slice(sd_event_source *s, uint64_t usec, void *userdata)
{
	(void)s;
	(void)usec;
	run_slice(userdata);
	return 0;
}

int decide_start(struct seoibd *d)
{
	struct decide_queue *q = calloc(1, sizeof(*q));
	int r;

	if (!q)
		return -ENOMEM;
	/* Accuracy 1 µs: 0 would mean sd-event's default, 250 ms. */
	r = sd_event_add_time(d->event, &q->slice, CLOCK_MONOTONIC, 0, 1, on_slice, d);
	if (r >= 0)
		r = sd_event_source_set_priority(q->slice, SD_EVENT_PRIORITY_IDLE);
	if (r >= 0)
		r = sd_event_source_set_enabled(q->slice, SD_EVENT_OFF);
	if (r < 0) {
		sd_event_source_unref(q->slice);
		free(q);
		log_error("cannot set up the Decide() queue: %s", strerror(-r));
		return r;
	}
	d->decide = q;
	return 0;
}

/* At exit: the calls still queued get no answer (their callers see the
 * bus's own error when seoibd goes away). */
void decide_stop(struct seoibd *d)
{
	struct decide_queue *q = d->decide;

	if (!q)
		return;
	while (q->head) {
		struct decide_job *job = q->head;

		q->head = job->next;
		job_free(job);
	}
	sd_event_source_disable_unref(q->slice);
	free(q);
	d->decide = NULL;
}
