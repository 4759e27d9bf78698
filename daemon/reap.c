/* reap.h: find our children in /proc without CONFIG_PROC_CHILDREN, kill
 * and reap them. Everything here is async-signal-safe (signal-safety(7)). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reap.h"

#define CHILDREN_MAX 256

struct linux_dirent64 {
	unsigned long long d_ino;
	long long d_off;
	unsigned short d_reclen;
	unsigned char d_type;
	char d_name[];
};

static long parse_long(const char *s, const char **end)
{
	long v = 0;

	while (*s >= '0' && *s <= '9')
		v = v * 10 + (*s++ - '0');
	*end = s;
	return v;
}

/* /proc/PID/stat is "PID (COMM) STATE PPID ..."; COMM may hold ") ", so
 * the parent comes after the last ')'. Returns the parent, or -1. */
static long stat_parent(const char *pid_name)
{
	char path[64] = "/proc/", buf[512];
	const char *p, *end;
	ssize_t n;
	int fd;

	if (strlen(pid_name) > 20)
		return -1;
	strcat(path, pid_name);
	strcat(path, "/stat");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (!p || strlen(p) < 5)
		return -1;
	p += 4; /* ") S " */
	return parse_long(p, &end);
}

static int list_children(pid_t self, pid_t *pids, int max)
{
	char buf[4096];
	int fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int n = 0;
	long got;

	if (fd < 0)
		return 0;
	while (n < max && (got = syscall(SYS_getdents64, fd, buf, sizeof(buf))) > 0) {
		for (long off = 0; off < got && n < max;) {
			struct linux_dirent64 *d = (struct linux_dirent64 *)(buf + off);
			const char *end;
			long pid = parse_long(d->d_name, &end);

			off += d->d_reclen;
			if (*end || pid <= 0 || pid == self)
				continue;
			if (stat_parent(d->d_name) == self)
				pids[n++] = (pid_t)pid;
		}
	}
	close(fd);
	return n;
}

int reap_children(void)
{
	pid_t self = getpid(), pids[CHILDREN_MAX];
	int killed = 0;

	for (int round = 0; round < REAP_ROUNDS_MAX; round++) {
		int n = list_children(self, pids, CHILDREN_MAX);

		if (n == 0)
			break;
		for (int i = 0; i < n; i++)
			kill(pids[i], SIGKILL);
		/* Each death re-parents its own children to us, the subreaper,
		 * before waitpid() returns: the next round sees them. */
		for (int i = 0; i < n; i++)
			while (waitpid(pids[i], NULL, 0) < 0 && errno == EINTR)
				;
		killed += n;
	}
	return killed;
}
