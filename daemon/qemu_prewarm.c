/* The guest-query pre-warmer (qemu_prewarm.h): one worker thread, one
 * bounded queue, one QEMU question at a time. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "qemu_prewarm.h"
#include "seoib/cleanup.h"
#include "seoib/guest_facts.h"
#include "seoib/monotonic.h"
#include "seoib/qemu_question.h"
#include "seoib/vmm.h"

/* The same bound as the hook's cold question: a QEMU that does not answer
 * in it costs the worker no more, and is asked again at the next pass. */
#define PREWARM_TIMEOUT_MS 3000

struct qemu_prewarm {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t cond;     /* work queued, or stop */
	pthread_cond_t idle;     /* queue empty and nothing in flight */
	char *queue[QEMU_PREWARM_QUEUE_MAX];
	size_t head, n;
	bool busy, stop, full_logged;
	char cache_dir[4096];
	bool have_cache_dir;
	/* One pass: from the first XML queued while idle to the queue drained. */
	long long pass_start_ms;
	unsigned pass_asked, pass_cached, pass_refused, pass_failed;
};

static void log_answer(const struct qemu_guest_answer *a, const char *name)
{
	switch (a->status) {
	case QEMU_ANSWER_REFUSED:
		log_warning("QEMU at %s refuses guest '%s' as defined: %s; it will not start until that is fixed",
			    a->emulator, name, a->refusal);
		break;
	case QEMU_ANSWER_FAILED:
		log_warning("cannot ask the QEMU of guest '%s': %s; the hook will ask again when it starts", name, a->why);
		break;
	case QEMU_ANSWER_NOT_ASKED:
	case QEMU_ANSWER_ANSWERED:
		break;
	}
}

static void ask_one(struct qemu_prewarm *p, const char *xml)
{
	_cleanup_free_ struct qemu_question *q = calloc(1, sizeof(*q));
	_cleanup_free_ struct qemu_guest_answer *a = calloc(1, sizeof(*a));
	_cleanup_free_ struct guest_facts *facts = calloc(1, sizeof(*facts));
	struct qemu_guest_query_options opts = {
		.cache_dir = p->have_cache_dir ? p->cache_dir : NULL,
		.timeout_ms = PREWARM_TIMEOUT_MS,
	};
	char err[SEOIB_MESSAGE_MAX];

	/* guest_facts_from_xml() first: its bounds keep the question's parse
	 * bounded, and a domain it refuses is not asked about. */
	if (!q || !a || !facts || guest_facts_from_xml(xml, strlen(xml), facts, err) < 0)
		return;
	qemu_question_from_xml(xml, strlen(xml), q);
	qemu_guest_ask(q, &opts, a);
	p->pass_asked++;
	p->pass_cached += a->from_cache;
	p->pass_refused += a->status == QEMU_ANSWER_REFUSED;
	p->pass_failed += a->status == QEMU_ANSWER_FAILED;
	log_answer(a, facts->name);
}

static void pass_done(struct qemu_prewarm *p)
{
	if (p->pass_asked)
		log_info("QEMU's answers for %u guests are cached (%u already were, %u refused, %u not answered) in %lld ms",
			 p->pass_asked, p->pass_cached, p->pass_refused, p->pass_failed,
			 monotonic_ms() - p->pass_start_ms);
	p->pass_asked = p->pass_cached = p->pass_refused = p->pass_failed = 0;
	p->full_logged = false;
}

static void *worker(void *opaque)
{
	struct qemu_prewarm *p = opaque;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->stop && p->n == 0)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->stop)
			break;
		char *xml = p->queue[p->head];
		p->head = (p->head + 1) % QEMU_PREWARM_QUEUE_MAX;
		p->n--;
		p->busy = true;
		pthread_mutex_unlock(&p->lock);
		ask_one(p, xml);
		free(xml);
		pthread_mutex_lock(&p->lock);
		p->busy = false;
		if (p->n == 0) {
			pass_done(p);
			pthread_cond_broadcast(&p->idle);
		}
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

struct qemu_prewarm *qemu_prewarm_start(const char *cache_dir)
{
	struct qemu_prewarm *p = calloc(1, sizeof(*p));

	if (!p) {
		log_error("cannot start the QEMU pre-warmer: out of memory; the hook asks QEMU itself");
		return NULL;
	}
	if (cache_dir)
		snprintf(p->cache_dir, sizeof(p->cache_dir), "%s", cache_dir);
	p->have_cache_dir = cache_dir || vmm_default_cache_dir(p->cache_dir, sizeof(p->cache_dir));
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->cond, NULL);
	pthread_cond_init(&p->idle, NULL);
	if (pthread_create(&p->thread, NULL, worker, p) != 0) {
		log_error("cannot start the QEMU pre-warmer thread; the hook asks QEMU itself");
		free(p);
		return NULL;
	}
	return p;
}

bool qemu_prewarm_add(struct qemu_prewarm *p, const char *xml)
{
	char *copy;
	bool ok = false;

	if (!p || strlen(xml) > GUEST_XML_MAX)
		return false;
	copy = strdup(xml);
	pthread_mutex_lock(&p->lock);
	if (copy && p->n < QEMU_PREWARM_QUEUE_MAX) {
		if (p->n == 0 && !p->busy)
			p->pass_start_ms = monotonic_ms();
		p->queue[(p->head + p->n) % QEMU_PREWARM_QUEUE_MAX] = copy;
		p->n++;
		ok = true;
		pthread_cond_signal(&p->cond);
	} else if (!p->full_logged) {
		log_warning("the QEMU pre-warmer holds %d guests already; the hook asks QEMU itself for the others",
			    QEMU_PREWARM_QUEUE_MAX);
		p->full_logged = true;
	}
	pthread_mutex_unlock(&p->lock);
	if (!ok)
		free(copy);
	return ok;
}

void qemu_prewarm_wait_idle(struct qemu_prewarm *p)
{
	pthread_mutex_lock(&p->lock);
	while (p->n > 0 || p->busy)
		pthread_cond_wait(&p->idle, &p->lock);
	pthread_mutex_unlock(&p->lock);
}

void qemu_prewarm_stop(struct qemu_prewarm *p)
{
	if (!p)
		return;
	pthread_mutex_lock(&p->lock);
	p->stop = true;
	for (; p->n > 0; p->n--) {
		free(p->queue[p->head]);
		p->head = (p->head + 1) % QEMU_PREWARM_QUEUE_MAX;
	}
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
	pthread_join(p->thread, NULL);
	pthread_cond_destroy(&p->cond);
	pthread_cond_destroy(&p->idle);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
