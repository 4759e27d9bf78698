/* lib/kvm/kvm_deadline.c, the one bound of both probes: a blocking call in
 * the arming thread returns EINTR when it fires, even where the caller had
 * SIGALRM blocked (a daemon blocks signals for signalfd); immediate_exit is
 * set on the given kvm_run; the mask and disposition come back after; two
 * threads' deadlines never undo each other's handler. A pipe nobody writes
 * stands in for a wedged KVM ioctl: ppoll() blocks the same way. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "seoib/kvm_deadline.h"

/* Wait, at most 10 s, for a signal on a pipe nobody writes, the way a KVM
 * ioctl waits in a wedged kernel; returns the errno that ended the wait (0 if
 * none did). SIGALRM is let in only inside ppoll(), atomically, so a deadline
 * that fired a moment early still ends this wait instead of being missed. */
static int blocked_wait(void)
{
	const struct timespec bound = {.tv_sec = 10};
	sigset_t alarm_only, inside;
	struct pollfd pfd = {.events = POLLIN};
	int fds[2], ret, err;

	assert_int_equal(pipe(fds), 0);
	pfd.fd = fds[0];
	sigemptyset(&alarm_only);
	sigaddset(&alarm_only, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &alarm_only, &inside);
	ret = ppoll(&pfd, 1, &bound, &inside);
	err = ret < 0 ? errno : 0;
	pthread_sigmask(SIG_SETMASK, &inside, NULL);
	close(fds[0]);
	close(fds[1]);
	return err;
}

static bool alarm_blocked(void)
{
	sigset_t mask;

	pthread_sigmask(SIG_SETMASK, NULL, &mask);
	return sigismember(&mask, SIGALRM);
}

static void fires_through_a_blocked_signal_and_restores(void **state)
{
	struct sigaction ignore = {.sa_handler = SIG_IGN}, now;
	struct kvm_deadline d = {.armed = false};
	union {
		struct kvm_run run;
		char page[4096];
	} shared = {{0}};
	sigset_t block, old;

	sigemptyset(&ignore.sa_mask);
	sigaction(SIGALRM, &ignore, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	pthread_sigmask(SIG_BLOCK, &block, &old);

	assert_int_equal(kvm_deadline_arm(&d, 200, &shared.run), 0);
	assert_false(alarm_blocked());
	assert_false(kvm_deadline_fired());
	assert_int_equal(blocked_wait(), EINTR);
	assert_true(kvm_deadline_fired());
	assert_true(kvm_deadline_passed(&d));
	assert_int_equal(shared.run.immediate_exit, 1);
	kvm_deadline_disarm(&d);

	assert_false(kvm_deadline_fired());
	assert_true(alarm_blocked());
	sigaction(SIGALRM, NULL, &now);
	assert_ptr_equal(now.sa_handler, SIG_IGN);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	signal(SIGALRM, SIG_DFL);
}

static void not_passed_before_its_time(void **state)
{
	struct kvm_deadline d = {.armed = false};

	assert_false(kvm_deadline_passed(&d)); /* not armed */
	assert_int_equal(kvm_deadline_arm(&d, 60000, NULL), 0);
	assert_false(kvm_deadline_passed(&d));
	kvm_deadline_disarm(&d);
	kvm_deadline_disarm(&d); /* twice is harmless */
}

/* A thread that arms a long deadline and disarms it at once while the main
 * thread's short one is still armed. Were SIGALRM's default action restored
 * then, the main thread's deadline would terminate the process. */
static void *arm_and_disarm(void *arg)
{
	struct kvm_deadline d = {.armed = false};

	(void)arg;
	if (kvm_deadline_arm(&d, 60000, NULL) == 0)
		kvm_deadline_disarm(&d);
	return NULL;
}

static void threads_keep_each_others_handler(void **state)
{
	struct kvm_deadline d = {.armed = false};
	pthread_t thread;

	signal(SIGALRM, SIG_DFL);
	assert_int_equal(kvm_deadline_arm(&d, 100, NULL), 0);
	assert_int_equal(pthread_create(&thread, NULL, arm_and_disarm, NULL), 0);
	assert_int_equal(pthread_join(thread, NULL), 0);
	assert_int_equal(blocked_wait(), EINTR);
	kvm_deadline_disarm(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fires_through_a_blocked_signal_and_restores),
		cmocka_unit_test(not_passed_before_its_time),
		cmocka_unit_test(threads_keep_each_others_handler),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
