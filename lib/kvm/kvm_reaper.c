/* Background teardown of throwaway VMs (seoib/kvm_reaper.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "seoib/kvm_reaper.h"

#define DRAIN_DEFAULT_MS 10000
/* More teardowns than a probe starts (14 VMs + 6 behaviour cases): past
 * this, closing in the caller bounds the threads a runaway caller makes. */
#define REAPER_THREADS_MAX 64

struct reap_job {
	int fd;
	void *map;
	size_t map_len;
};

static struct {
	pthread_mutex_t lock;
	pthread_cond_t idle;
	int pending;
	bool atexit_registered;
} reaper = {.lock = PTHREAD_MUTEX_INITIALIZER, .idle = PTHREAD_COND_INITIALIZER};

static void reap(const struct reap_job *job)
{
	if (job->fd >= 0)
		close(job->fd);
	if (job->map)
		munmap(job->map, job->map_len);
}

static void *reaper_thread(void *arg)
{
	struct reap_job job = *(struct reap_job *)arg;

	free(arg);
	reap(&job);
	pthread_mutex_lock(&reaper.lock);
	if (--reaper.pending == 0)
		pthread_cond_broadcast(&reaper.idle);
	pthread_mutex_unlock(&reaper.lock);
	return NULL;
}

/* Detached, with every signal blocked: a process-directed signal (a
 * daemon's SIGTERM, the probes' thread-directed SIGALRM aside) must go to
 * the threads that handle it, never interrupt a teardown. */
static int start_thread(struct reap_job *job)
{
	pthread_attr_t attr;
	sigset_t all, old;
	pthread_t thread;
	int r;

	if (pthread_attr_init(&attr) != 0)
		return -1;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 64 * 1024); /* close() and munmap() only */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	r = pthread_create(&thread, &attr, reaper_thread, job);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_attr_destroy(&attr);
	return r == 0 ? 0 : -1;
}

void kvm_reaper_close(int fd, void *map, size_t map_len)
{
	struct reap_job *job = malloc(sizeof(*job));
	bool threaded = false;

	if (!job) {
		reap(&(struct reap_job){fd, map, map_len});
		return;
	}
	*job = (struct reap_job){fd, map, map_len};
	pthread_mutex_lock(&reaper.lock);
	if (!reaper.atexit_registered)
		reaper.atexit_registered = atexit(kvm_reaper_drain) == 0;
	if (reaper.atexit_registered && reaper.pending < REAPER_THREADS_MAX) {
		reaper.pending++;
		threaded = start_thread(job) == 0;
		if (!threaded)
			reaper.pending--;
	}
	pthread_mutex_unlock(&reaper.lock);
	if (!threaded) {
		reap(job);
		free(job);
	}
}

int kvm_reaper_drain_ms(unsigned timeout_ms)
{
	struct timespec until;
	int left;

	clock_gettime(CLOCK_REALTIME, &until);
	timeout_ms = timeout_ms ? timeout_ms : DRAIN_DEFAULT_MS;
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&reaper.lock);
	while (reaper.pending > 0)
		if (pthread_cond_timedwait(&reaper.idle, &reaper.lock, &until) == ETIMEDOUT)
			break;
	left = reaper.pending;
	pthread_mutex_unlock(&reaper.lock);
	return left;
}

void kvm_reaper_drain(void)
{
	kvm_reaper_drain_ms(0);
}
