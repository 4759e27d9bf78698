/* Bounded whole-file reads and atomic writes. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <libgen.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seoib/cleanup.h"
#include "seoib/fileio.h"
#include "seoib/sentence.h"

int read_fd_bounded(int fd, size_t max, char **out, size_t *len, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *buf = malloc(max + 1);
	size_t used = 0;

	if (!buf) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory reading at most %zu bytes", max);
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + used, max + 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "cannot read: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "is larger than %zu bytes, too large to be what it should be",
				 max);
			return -EFBIG;
		}
	}
	buf[used] = '\0';
	*len = used;
	*out = steal_ptr(buf);
	return 0;
}

int read_file_bounded(const char *path, size_t max, char **out, size_t *len, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_close_ int fd = -1;
	int r;

	fd = strcmp(path, "-") == 0 ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot open: %s", strerror(errno));
		return -1;
	}
	r = read_fd_bounded(fd, max, out, len, err);
	if (r < 0) {
		errno = r == -EFBIG ? EFBIG : EIO;
		return r == -EFBIG ? -EFBIG : -1; /* too large: the caller may refuse, not retry */
	}
	return 0;
}

int open_regular_file(int dirfd, const char *path, int flags, struct stat *st, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_close_ int fd = -1;
	struct stat ignored;

	if (!st)
		st = &ignored;
	/* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a
	 * writer; the file type is known only once it is open. */
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK | flags);
	if (fd < 0) {
		int saved = errno; /* callers tell ENOENT apart */

		if (errno == ELOOP && (flags & O_NOFOLLOW))
			sentence_format(err, SEOIB_MESSAGE_MAX, "is a symbolic link, which is not followed here; "
				 "replace it with a regular file");
		else
			sentence_format(err, SEOIB_MESSAGE_MAX, "cannot be opened: %s", strerror(errno));
		errno = saved;
		return -1;
	}
	if (fstat(fd, st) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot be inspected: %s", strerror(errno));
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "is not a regular file (%s); point to a regular file",
			 S_ISDIR(st->st_mode) ? "a directory" : S_ISFIFO(st->st_mode) ? "a FIFO"
				: S_ISCHR(st->st_mode) ? "a character device" : S_ISSOCK(st->st_mode) ? "a socket"
				: "a special file");
		errno = EINVAL; /* never a stale ENOENT: callers read "no file" from it */
		return -1;
	}
	/* Regular files never block; reads then follow the usual rules. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot be set up for reading: %s", strerror(errno));
		return -1;
	}
	return steal_fd(fd);
}

int read_regular_file_bounded(int dirfd, const char *path, int flags, size_t max, char **out, size_t *len,
			      char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_close_ int fd = -1;
	struct stat st;

	if (dirfd == AT_FDCWD && strcmp(path, "-") == 0)
		return read_file_bounded(path, max, out, len, err);
	fd = open_regular_file(dirfd, path, flags, &st, err);
	if (fd < 0)
		return -1;
	/* Refuse before allocating: the size bound is the point. */
	if ((unsigned long long)st.st_size > max) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "is %lld bytes, larger than the %zu it may be", (long long)st.st_size,
			 max);
		errno = EFBIG;
		return -1;
	}
	if (read_fd_bounded(fd, max, out, len, err) < 0) {
		errno = EIO;
		return -1;
	}
	return 0;
}

int write_all(int fd, const char *data, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
	}
	return 0;
}

static int fsync_parent(const char *path)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int dfd = -1;

	if (!copy)
		return -1;
	dfd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	return fsync(dfd);
}

/* Takes ownership of tmp, a mkostemp() template beside path. */
static int write_atomic_via(char *tmp_template, const char *path, const char *data, size_t len, mode_t mode,
			    char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *tmp = tmp_template;
	_cleanup_close_ int fd = -1;

	if (!tmp) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory writing %s", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot create a temporary file beside %s: %s; check that the directory exists and is writable",
			 path, strerror(errno));
		return -1;
	}
	/* Readers only ever see the old file or the complete new one: the data
	 * reaches the disk before the rename makes it visible. */
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (fsync_parent(path) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "wrote %s but cannot sync its directory: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
			 char err[SEOIB_MESSAGE_MAX])
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	_cleanup_close_ int fd = -1;
	char tmp[NAME_MAX + 1];

	/* mkostemp() has no *at() form: the same, by hand, relative to dirfd.
	 * O_EXCL|O_NOFOLLOW: never opens something already there. */
	for (int attempt = 0; fd < 0 && attempt < 100; attempt++) {
		unsigned char r[8];

		if (getrandom(r, sizeof(r), 0) != (ssize_t)sizeof(r)) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "cannot name a temporary file beside %s: %s", name,
				 strerror(errno));
			return -1;
		}
		if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp.%c%c%c%c%c%c%c%c", name, letters[r[0] % 36],
				     letters[r[1] % 36], letters[r[2] % 36], letters[r[3] % 36], letters[r[4] % 36],
				     letters[r[5] % 36], letters[r[6] % 36], letters[r[7] % 36]) >= sizeof(tmp)) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "cannot write %s: the name is too long", name);
			return -1;
		}
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0 && errno != EEXIST) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "cannot create a temporary file beside %s: %s", name,
				 strerror(errno));
			return -1;
		}
	}
	if (fd < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot create a temporary file beside %s: every name tried exists",
			 name);
		return -1;
	}
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0 ||
	    renameat(dirfd, tmp, dirfd, name) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot write %s: %s", name, strerror(errno));
		unlinkat(dirfd, tmp, 0);
		return -1;
	}
	if (fsync(dirfd) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "wrote %s but cannot sync its directory: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode, char err[SEOIB_MESSAGE_MAX])
{
	char *tmp = NULL;

	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0)
		tmp = NULL;
	return write_atomic_via(tmp, path, data, len, mode, err);
}

int write_file_atomic_hidden(const char *path, const char *data, size_t len, mode_t mode,
			     char err[SEOIB_MESSAGE_MAX])
{
	const char *slash = strrchr(path, '/');
	const char *name = slash ? slash + 1 : path;
	_cleanup_free_ char *dir = strndup(path, (size_t)(name - path));
	char *tmp = NULL;

	if (!dir || asprintf(&tmp, "%s.%s.tmp.XXXXXX", dir, name) < 0)
		tmp = NULL;
	return write_atomic_via(tmp, path, data, len, mode, err);
}
