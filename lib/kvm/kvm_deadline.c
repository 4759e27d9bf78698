/* The KVM layer's one deadline (include/seoib/kvm_deadline.h). */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include "seoib/kvm_deadline.h"

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid /* glibc < 2.35 lacks the name */
#endif

#define DEADLINE_SIGNAL SIGALRM

/* What the handler touches: this thread's own, so deadlines of several
 * threads never see each other's signal. */
static __thread volatile sig_atomic_t deadline_fired;
static __thread struct kvm_run *volatile deadline_run;

/* The disposition is process-wide: installed by the first armed deadline,
 * restored by the last, so two threads can never leave a SIGALRM with the
 * default action (which terminates the process) behind each other's back. */
static struct {
	pthread_mutex_t lock;
	int armed;
	struct sigaction previous;
} disposition = {.lock = PTHREAD_MUTEX_INITIALIZER};

static void on_deadline(int sig)
{
	struct kvm_run *run = deadline_run;

	(void)sig; /* interrupting the blocked ioctl is most of its job */
	deadline_fired = 1;
	if (run)
		run->immediate_exit = 1;
}

static void disposition_get(void)
{
	struct sigaction action = {.sa_handler = on_deadline}; /* no SA_RESTART */

	sigemptyset(&action.sa_mask);
	pthread_mutex_lock(&disposition.lock);
	if (disposition.armed++ == 0)
		sigaction(DEADLINE_SIGNAL, &action, &disposition.previous);
	pthread_mutex_unlock(&disposition.lock);
}

static void disposition_put(void)
{
	pthread_mutex_lock(&disposition.lock);
	if (--disposition.armed == 0)
		sigaction(DEADLINE_SIGNAL, &disposition.previous, NULL);
	pthread_mutex_unlock(&disposition.lock);
}

static struct timespec timespec_after(unsigned ms)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += ms / 1000;
	t.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (t.tv_nsec >= 1000000000L) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000L;
	}
	return t;
}

int kvm_deadline_arm(struct kvm_deadline *d, unsigned ms, struct kvm_run *run)
{
	struct sigevent event = {.sigev_notify = SIGEV_THREAD_ID, .sigev_signo = DEADLINE_SIGNAL};
	struct itimerspec when = {.it_value = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L}};
	sigset_t unblock;
	int err;

	d->armed = false;
	event.sigev_notify_thread_id = gettid();
	if (timer_create(CLOCK_MONOTONIC, &event, &d->timer) < 0)
		return -errno;
	deadline_run = run; /* before the timer starts: it may fire at once */
	deadline_fired = 0;
	disposition_get();
	sigemptyset(&unblock);
	sigaddset(&unblock, DEADLINE_SIGNAL);
	pthread_sigmask(SIG_UNBLOCK, &unblock, &d->old_mask);
	d->end = timespec_after(ms);
	d->armed = true;
	if (timer_settime(d->timer, 0, &when, NULL) < 0) {
		err = errno;
		kvm_deadline_disarm(d);
		return -err;
	}
	return 0;
}

void kvm_deadline_disarm(struct kvm_deadline *d)
{
	int saved = errno; /* a cleanup must not clobber the errno being reported */

	if (!d->armed)
		return;
	timer_delete(d->timer); /* no further signal after this */
	deadline_run = NULL;
	deadline_fired = 0; /* an EINTR from now on is no deadline's */
	pthread_sigmask(SIG_SETMASK, &d->old_mask, NULL);
	disposition_put();
	d->armed = false;
	errno = saved;
}

bool kvm_deadline_fired(void)
{
	return deadline_fired != 0;
}

bool kvm_deadline_passed(const struct kvm_deadline *d)
{
	struct timespec now;

	if (!d->armed)
		return false;
	if (deadline_fired)
		return true;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return now.tv_sec > d->end.tv_sec || (now.tv_sec == d->end.tv_sec && now.tv_nsec >= d->end.tv_nsec);
}
