/* Bounded whole-file reads and atomic writes. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seoib/cleanup.h"
#include "seoib/fileio.h"

int read_file_bounded(const char *path, size_t max, char **out, size_t *len, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	size_t used = 0;
	bool is_stdin = strcmp(path, "-") == 0;

	fd = is_stdin ? dup(STDIN_FILENO) : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		snprintf(err, SEOIB_MESSAGE_MAX, "cannot open: %s", strerror(errno));
		return -1;
	}
	buf = malloc(max + 1);
	if (!buf) {
		snprintf(err, SEOIB_MESSAGE_MAX, "out of memory reading at most %zu bytes", max);
		return -1;
	}
	for (;;) {
		ssize_t n = read(fd, buf + used, max + 1 - used);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			snprintf(err, SEOIB_MESSAGE_MAX, "cannot read: %s", strerror(errno));
			return -1;
		}
		if (n == 0)
			break;
		used += (size_t)n;
		if (used > max) {
			snprintf(err, SEOIB_MESSAGE_MAX, "is larger than %zu bytes, too large to be what it should be",
				 max);
			return -1;
		}
	}
	buf[used] = '\0';
	*len = used;
	*out = steal_ptr(buf);
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
		snprintf(err, SEOIB_MESSAGE_MAX, "out of memory writing %s", path);
		return -1;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, SEOIB_MESSAGE_MAX, "cannot create a temporary file beside %s: %s; check that the directory exists and is writable",
			 path, strerror(errno));
		return -1;
	}
	/* Readers only ever see the old file or the complete new one: the data
	 * reaches the disk before the rename makes it visible. */
	if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0 || rename(tmp, path) < 0) {
		snprintf(err, SEOIB_MESSAGE_MAX, "cannot write %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	if (fsync_parent(path) < 0) {
		snprintf(err, SEOIB_MESSAGE_MAX, "wrote %s but cannot sync its directory: %s", path, strerror(errno));
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
