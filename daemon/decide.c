/* Decide() on the bus, off the bus's path (docs/seoibd.md, "Decide() under
 * load"). Anyone may call it, and one call may carry 256 target records
 * (a megabyte and more of JSON): decided inside the method handler, 40
 * such callers kept the loop busy for seconds between two property reads.
 *
 * So the handler only checks the bounds and queues the call; the work is
 * done in slices, each at most one domain XML or DECIDE_SLICE_TARGETS
 * target records, by an sd-event timer at SD_EVENT_PRIORITY_IDLE, with a
 * rest after each (on_slice()).
 * sd-event dispatches the highest-priority pending source first
 * (sd_event_dispatch(3), sd_event_source_set_priority(3)), and the bus
 * is attached at SD_EVENT_PRIORITY_NORMAL: every message waiting on the
 * bus is handled before the next slice, so a property Get waits for one
 * slice at most. The queued calls are answered in the order they came,
 * one at a time (see on_slice()).
 *
 * The queue is bounded three ways: DECIDE_PER_SENDER_MAX calls of one bus
 * connection and DECIDE_QUEUE_MAX calls in all, checked before the call is
 * read, and DECIDE_QUEUE_BYTES_MAX bytes of XML and records in all, checked
 * once its strings are read (sd-bus checks each as it reads it), before
 * any is parsed. A call over a bound is refused at once with
 * org.seoib1.Error.Busy and a sentence; nothing of it is kept. One call
 * still carries at most DECIDE_TARGETS_MAX records (InvalidArgs). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "seoib/bus_names.h"
#include "seoib/cleanup.h"
#include "seoib/guest_facts.h"
#include "seoib/host_record.h"
#include "seoib/json_util.h"
#include "seoib/policy.h"
#include "seoibd.h"

struct decide_job {
	sd_bus_message *m;     /* the call, referenced until answered */
	char sender[256];      /* its unique bus name; "" on a direct connection */
	const char *xml;       /* these point into m's body */
	const char **texts;
	size_t n_texts;
	size_t bytes;
	struct guest_facts *facts; /* NULL until the first slice */
	struct host_record *targets;
	size_t n_parsed;
	struct decide_job *next;
};

struct decide_queue {
	sd_event_source *slice; /* a timer; ON (one shot) while the queue is not empty */
	struct decide_job *head, *tail;
	size_t n_jobs;
	size_t bytes;
};

static void job_free(struct decide_job *job)
{
	if (!job)
		return;
	sd_bus_message_unref(job->m);
	free(job->texts);
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

/* Read the call's arguments as pointers into its body: the strings are
 * checked by sd-bus (valid UTF-8, no NUL) as they are read, parsed later. */
static int read_call(sd_bus_message *m, struct decide_job *job, sd_bus_error *error)
{
	const char *text;
	int r = sd_bus_message_read(m, "s", &job->xml);

	if (r < 0)
		return r;
	job->bytes = strlen(job->xml);
	r = sd_bus_message_enter_container(m, 'a', "s");
	while (r >= 0 && (r = sd_bus_message_read(m, "s", &text)) > 0) {
		if (job->n_texts == DECIDE_TARGETS_MAX)
			return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
						 "more than %d target records; decide for fewer targets at a time",
						 DECIDE_TARGETS_MAX);
		job->texts[job->n_texts++] = text;
		job->bytes += strlen(text);
	}
	return r < 0 ? r : sd_bus_message_exit_container(m);
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The next slice, rest_usec from now: rest is what keeps Decide() work to
 * 1 / (1 + DECIDE_REST_FACTOR) of the time (see on_slice()). */
static void schedule_slice(struct decide_queue *q, uint64_t rest_usec)
{
	sd_event_source_set_time(q->slice, now_usec() + rest_usec);
	sd_event_source_set_enabled(q->slice, SD_EVENT_ONESHOT);
}

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
	if (!job || !(job->texts = calloc(DECIDE_TARGETS_MAX, sizeof(*job->texts)))) {
		free(job);
		return -ENOMEM;
	}
	snprintf(job->sender, sizeof(job->sender), "%s", sender);
	r = read_call(m, job, error);
	if (r >= 0 && !sd_bus_error_is_set(error) && q->bytes + job->bytes > DECIDE_QUEUE_BYTES_MAX)
		r = sd_bus_error_setf(error, SEOIB_BUS_ERROR_BUSY,
				      "seoibd has %zu bytes of Decide() calls waiting, and this call's %zu would pass the "
				      "%d MiB it keeps; retry in a moment, or decide for fewer targets at a time",
				      q->bytes, job->bytes, DECIDE_QUEUE_BYTES_MAX >> 20);
	if (r < 0 || sd_bus_error_is_set(error)) {
		job_free(job);
		return r;
	}
	job->m = sd_bus_message_ref(m);
	if (q->tail)
		q->tail->next = job;
	else
		q->head = job;
	q->tail = job;
	q->n_jobs++;
	q->bytes += job->bytes;
	if (q->n_jobs == 1) /* else the timer is already set */
		schedule_slice(q, 0);
	return 1; /* answered by a later slice */
}

static int reply_decision(sd_bus_message *m, const struct guest_facts *facts, struct decision *decision)
{
	_cleanup_json_ json_object *json = decision_to_json(facts, decision);

	decision_free(decision);
	if (!json)
		return -ENOMEM;
	return sd_bus_reply_method_return(m, "s", json_object_to_json_string_ext(json, JSON_C_TO_STRING_PLAIN));
}

/* One slice of job: its XML, or up to DECIDE_SLICE_TARGETS records, or the
 * decision itself. Returns 1 when the job needs more slices, 0 when it is
 * answered (a decision or an error). */
static int job_slice(struct seoibd *d, struct decide_job *job)
{
	char why[SEOIB_MESSAGE_MAX];
	struct decision decision;

	if (!job->facts) {
		job->facts = calloc(1, sizeof(*job->facts));
		job->targets = calloc(job->n_texts ? job->n_texts : 1, sizeof(*job->targets));
		if (!job->facts || !job->targets) {
			sd_bus_reply_method_errno(job->m, ENOMEM, NULL);
			return 0;
		}
		if (guest_facts_from_xml(job->xml, strlen(job->xml), job->facts, why) < 0) {
			sd_bus_reply_method_errorf(job->m, SEOIB_BUS_ERROR_INVALID_XML, "the domain XML was rejected: %s", why);
			return 0;
		}
		return 1;
	}
	for (int i = 0; i < DECIDE_SLICE_TARGETS && job->n_parsed < job->n_texts; i++, job->n_parsed++) {
		const char *text = job->texts[job->n_parsed];

		if (host_record_from_string(text, strlen(text), &job->targets[job->n_parsed], why) < 0) {
			sd_bus_reply_method_errorf(job->m, SEOIB_BUS_ERROR_INVALID_RECORD,
						   "target record %zu is not a host record: %s", job->n_parsed + 1, why);
			return 0;
		}
	}
	if (job->n_parsed < job->n_texts)
		return 1;
	policy_decide(job->facts, d->record_json ? d->record : NULL, job->targets, job->n_texts, &decision);
	if (reply_decision(job->m, job->facts, &decision) < 0)
		sd_bus_reply_method_errno(job->m, ENOMEM, NULL);
	return 0;
}

/* The timer: one slice of the call at the head of the queue, which is
 * taken off when answered. One call at a time, in the order they came:
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
static int on_slice(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct seoibd *d = userdata;
	struct decide_queue *q = d->decide;
	struct decide_job *job = q->head;
	uint64_t start = now_usec();

	(void)s;
	(void)usec;
	if (!job)
		return 0;
	if (job_slice(d, job) == 0) {
		q->head = job->next;
		if (!q->head)
			q->tail = NULL;
		q->n_jobs--;
		q->bytes -= job->bytes;
		job_free(job);
	}
	if (q->head)
		schedule_slice(q, (now_usec() - start) * DECIDE_REST_FACTOR);
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
