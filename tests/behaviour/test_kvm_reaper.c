/* lib/kvm/kvm_reaper.c: handed fds are closed and mappings unmapped, off the
 * caller's thread; drain waits for them, bounded; a process exits with none
 * left open (atexit). Plain fds stand in for VM fds: close() is the same
 * call, only a VM's takes long. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "seoib/cleanup.h"
#include "seoib/kvm_reaper.h"

static bool fd_open(int fd)
{
	return fcntl(fd, F_GETFD) >= 0 || errno != EBADF;
}

/* A named mapping, recognisable in /proc/self/maps whatever later reuses
 * its address (the reaper's own thread stacks may). */
static void *named_map(void)
{
	int fd = memfd_create("seoib-reaper-test", MFD_CLOEXEC);
	void *p;

	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, 4096), 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_ptr_not_equal(p, MAP_FAILED);
	close(fd);
	return p;
}

static int named_maps_left(void)
{
	FILE *f = fopen("/proc/self/maps", "re");
	char line[512];
	int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "memfd:seoib-reaper-test") != NULL;
	fclose(f);
	return n;
}

static void closes_and_unmaps_in_the_background(void **state)
{
	int fds[2 * 32];
	void *maps[32];

	for (int i = 0; i < 32; i++) {
		assert_int_equal(pipe(&fds[2 * i]), 0);
		maps[i] = named_map();
		kvm_reaper_close(fds[2 * i], maps[i], 4096);
		kvm_reaper_close(fds[2 * i + 1], NULL, 0);
	}
	assert_int_equal(kvm_reaper_drain_ms(5000), 0);
	for (int i = 0; i < 64; i++)
		assert_false(fd_open(fds[i]));
	assert_int_equal(named_maps_left(), 0);
}

static void negative_fd_only_unmaps(void **state)
{
	void *map = named_map();

	assert_int_equal(named_maps_left(), 1);
	kvm_reaper_close(-1, map, 4096);
	assert_int_equal(kvm_reaper_drain_ms(5000), 0);
	assert_int_equal(named_maps_left(), 0);
}

/* A close() that takes long, like a VM's last one: a loopback TCP socket
 * with unsent data and SO_LINGER of 1 s blocks in close() until the linger
 * time runs out (the peer never reads). */
static int slow_closing_socket(int *peer)
{
	struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(addr);
	struct linger linger = {.l_onoff = 1, .l_linger = 1};
	int listener = socket(AF_INET, SOCK_STREAM, 0), fd = socket(AF_INET, SOCK_STREAM, 0);
	int small = 4096;
	static char junk[1 << 20];

	assert_true(listener >= 0 && fd >= 0);
	assert_int_equal(bind(listener, (struct sockaddr *)&addr, sizeof(addr)), 0);
	assert_int_equal(listen(listener, 1), 0);
	assert_int_equal(getsockname(listener, (struct sockaddr *)&addr, &len), 0);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	assert_int_equal(connect(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
	*peer = accept(listener, NULL, NULL);
	assert_true(*peer >= 0);
	setsockopt(*peer, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	close(listener);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	while (write(fd, junk, sizeof(junk)) > 0)
		; /* fill both buffers: the rest stays unsent */
	fcntl(fd, F_SETFL, 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, sizeof(linger)), 0);
	return fd;
}

/* Registered before the reaper's own atexit handler, so it runs after it.
 * The fd leaves the table as close() starts; the teardown (here the linger)
 * runs after, so ask the reaper, without waiting, whether one is running. */
static void check_closed_at_exit(void)
{
	if (kvm_reaper_drain_ms(1) != 0)
		_exit(3); /* the process would have exited with a teardown half done */
}

/* A child hands over a descriptor whose close() takes ~1 s, then exits at
 * once: atexit's drain must wait for it. First test: nothing registered the
 * reaper's handler before this child registers its own. */
static void exit_drains(void **state)
{
	int status, peer = -1;
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = slow_closing_socket(&peer);

		atexit(check_closed_at_exit);
		kvm_reaper_close(fd, NULL, 0);
		exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exit_drains), /* first: see there */
		cmocka_unit_test(closes_and_unmaps_in_the_background),
		cmocka_unit_test(negative_fd_only_unmaps),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
