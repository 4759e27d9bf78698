/* The one ownership rule for paths seoib trusts (see seoib/trusted_path.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "build_config.h"
#include "seoib/cleanup.h"
#include "seoib/fileio.h"
#include "seoib/trusted_path.h"

uid_t trusted_path_service_uid(void)
{
	static bool looked_up;
	static uid_t uid = (uid_t)-1;

	if (!looked_up) {
		struct passwd *pw = getpwnam(SEOIB_SERVICE_USER);

		uid = pw ? pw->pw_uid : (uid_t)-1;
		looked_up = true;
	}
	return uid;
}

static bool owner_trusted(uid_t owner, bool last, unsigned flags)
{
	uid_t service = trusted_path_service_uid();

	if (owner == 0 || owner == geteuid())
		return true;
	return service != (uid_t)-1 && owner == service && !(last && (flags & TRUSTED_NOT_SERVICE));
}

/* "uid 0", "uid 0 or uid 1000", "uid 0 or uid 995 (seoib)": who may own it. */
static void describe_owners(bool last, unsigned flags, char *buf, size_t size)
{
	uid_t service = trusted_path_service_uid();
	int n = snprintf(buf, size, "uid 0");

	if (geteuid() != 0 && n > 0 && (size_t)n < size)
		n += snprintf(buf + n, size - (size_t)n, " or uid %u", (unsigned)geteuid());
	if (service != (uid_t)-1 && service != 0 && service != geteuid() && !(last && (flags & TRUSTED_NOT_SERVICE)) &&
	    n > 0 && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " or uid %u (%s)", (unsigned)service, SEOIB_SERVICE_USER);
}

bool trusted_path_stat_ok(const char *path, const struct stat *st, bool last, unsigned flags,
			  char err[SEOIB_MESSAGE_MAX])
{
	/* A directory above may be shared when sticky (/tmp); the path
	 * itself never: anyone could add a file to a sticky directory. */
	bool shared = st->st_mode & (S_IWGRP | S_IWOTH);
	bool sticky_ok = !last && S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX);
	char owners[96];

	if (owner_trusted(st->st_uid, last, flags) && (!shared || sticky_ok))
		return true;
	describe_owners(last, flags, owners, sizeof(owners));
	if (last)
		sentence_format(err, SEOIB_MESSAGE_MAX,
				"refusing to use %s: it belongs to uid %u with mode %04o, but must belong to %s and be "
				"writable by no one else; another user could change what seoib reads there: make it "
				"root's and writable by its owner alone (chown root: %s; chmod go-w %s), or point seoib "
				"at another path",
				path, (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777), owners, path, path);
	else
		sentence_format(err, SEOIB_MESSAGE_MAX,
				"refusing to use %s: it belongs to uid %u with mode %04o, but every directory on the way to "
				"a path seoib trusts must belong to %s and be writable by no one else unless sticky "
				"(as /tmp); another user could swap what is below it: make it root's and writable by "
				"its owner alone (chown root: %s; chmod go-w %s), or point seoib at another path",
				path, (unsigned)st->st_uid, (unsigned)(st->st_mode & 07777), owners, path, path);
	errno = EPERM;
	return false;
}

/* One step of the walk: open name under parent as a directory, never
 * through a symbolic link; create it (0755) when asked and missing. */
static int open_dir_step(int parent, const char *name, const char *path, bool create, char err[SEOIB_MESSAGE_MAX])
{
	int fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;

	if (fd < 0 && errno == ENOENT && create) {
		if (mkdirat(parent, name, 0755) < 0 && errno != EEXIST) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "cannot create %s: %s; check that its parent is writable by "
					"this user", path, strerror(errno));
			return -1;
		}
		fd = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (fd >= 0)
		return fd;
	if (errno == ENOENT) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s does not exist", path);
		errno = ENOENT;
		return -1;
	}
	if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISDIR(st.st_mode)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "refusing to use %s: it is %s owned by uid %u, not a directory; "
				"another user may have planted it, remove it and check who can write to its parent",
				path, S_ISLNK(st.st_mode) ? "a symbolic link" : "a file", (unsigned)st.st_uid);
		errno = ENOTDIR;
		return -1;
	}
	sentence_format(err, SEOIB_MESSAGE_MAX, "cannot open %s: %s", path, strerror(errno));
	return -1;
}

/* Walk from "/" to the directory dir, checking each directory as it is
 * opened: the ones above by the rule for directories on the way, the last
 * one as the path itself when last is true. With missing_ok, a missing
 * component ends the walk with 1 (and *fd = -1). */
static int walk(const char *dir, unsigned flags, bool last_is_path, bool missing_ok, int *out,
		char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *copy = strdup(dir);
	_cleanup_close_ int fd = -1;
	char path[PATH_MAX] = "";
	char *save = NULL;
	struct stat st;
	int depth = 0;

	*out = -1;
	if (!copy || dir[0] != '/' || strlen(dir) >= sizeof(path)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot use %s: %s", dir,
				copy ? "it is not an absolute path shorter than PATH_MAX; give one" : "out of memory");
		errno = EINVAL;
		return -1;
	}
	fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	for (char *name = strtok_r(copy, "/", &save); fd >= 0 && name; name = strtok_r(NULL, "/", &save)) {
		int next;

		if (fstat(fd, &st) < 0 || !trusted_path_stat_ok(path[0] ? path : "/", &st, false, flags, err))
			return -1;
		if (++depth > TRUSTED_PATH_MAX_DEPTH || !strcmp(name, "..")) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "cannot use %s: it has '..' or more than %d components; "
					"give a plain absolute path", dir, TRUSTED_PATH_MAX_DEPTH);
			errno = EINVAL;
			return -1;
		}
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "/%s", name);
		next = open_dir_step(fd, name, path, flags & TRUSTED_CREATE, err);
		if (next < 0)
			return missing_ok && errno == ENOENT ? 1 : -1;
		close(fd);
		fd = next;
	}
	if (fd < 0 || fstat(fd, &st) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot open %s: %s", dir, strerror(errno));
		return -1;
	}
	if (!trusted_path_stat_ok(dir, &st, last_is_path, flags, err))
		return -1;
	*out = steal_fd(fd);
	return 0;
}

int trusted_path_open_dir(const char *dir, unsigned flags, char err[SEOIB_MESSAGE_MAX])
{
	int fd;

	return walk(dir, flags, true, false, &fd, err) < 0 ? -1 : fd;
}

/* path made absolute against the working directory (getcwd(3) has no
 * symbolic link in it), for a relative path given on a command line. */
static char *absolute(const char *path)
{
	char cwd[PATH_MAX], *out = NULL;

	if (path[0] == '/')
		return strdup(path);
	if (!getcwd(cwd, sizeof(cwd)) || asprintf(&out, "%s/%s", cwd, path) < 0)
		return NULL;
	return out;
}

/* Split path (absolute) into its directory (a copy, "/" for "/x") and its
 * last name, which *base points into path for. */
static char *split_path(const char *path, const char **base)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	if (!slash || !slash[1])
		return NULL;
	*base = slash + 1;
	return slash == path ? strdup("/") : strndup(path, (size_t)(slash - path));
}

int trusted_path_open_file(const char *path, unsigned flags, struct stat *st, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_close_ int dfd = -1, fd = -1;
	const char *base = NULL;
	_cleanup_free_ char *abs = absolute(path);
	_cleanup_free_ char *dir = split_path(abs, &base);
	char inner[SEOIB_MESSAGE_MAX];
	struct stat ignored;

	if (!st)
		st = &ignored;
	if (!dir) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot use %s: it does not name a file; give the path of one",
				path);
		errno = EINVAL;
		return -1;
	}
	if (walk(dir, flags & ~(unsigned)TRUSTED_CREATE, false, false, &dfd, err) < 0) {
		if (errno == ENOENT) { /* as a missing file: callers tell ENOENT apart */
			sentence_format(err, SEOIB_MESSAGE_MAX, "%s: cannot be opened: %s", path, strerror(ENOENT));
			errno = ENOENT;
		}
		return -1;
	}
	fd = open_regular_file(dfd, base, O_NOFOLLOW, st, inner);
	if (fd < 0) {
		int saved = errno;

		sentence_format(err, SEOIB_MESSAGE_MAX, "%s: %s", path, inner);
		errno = saved;
		return -1;
	}
	if (!trusted_path_stat_ok(path, st, true, flags, err))
		return -1;
	return steal_fd(fd);
}

int trusted_path_check(const char *path, unsigned flags, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_close_ int dfd = -1;
	const char *base = NULL;
	_cleanup_free_ char *abs = absolute(path);
	_cleanup_free_ char *dir = split_path(abs, &base);
	struct stat st;
	int r;

	if (!dir) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot use %s: it does not name a file or directory; give "
				"the path of one", path);
		return -1;
	}
	r = walk(dir, flags & ~(unsigned)TRUSTED_CREATE, false, true, &dfd, err);
	if (r != 0)
		return r < 0 ? -1 : 0;
	if (fstatat(dfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return errno == ENOENT ? 0 : (sentence_format(err, SEOIB_MESSAGE_MAX, "cannot inspect %s: %s; check "
								"its directory's mode", path, strerror(errno)), -1);
	if (S_ISLNK(st.st_mode)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "refusing to use %s: it is a symbolic link owned by uid %u, "
				"which seoib does not follow there; replace it with what it points to", path,
				(unsigned)st.st_uid);
		return -1;
	}
	return trusted_path_stat_ok(path, &st, true, flags, err) ? 0 : -1;
}

int trusted_path_read_file(const char *path, unsigned flags, size_t max, char **out, size_t *len,
			   char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_close_ int fd = trusted_path_open_file(path, flags, NULL, err);
	char inner[SEOIB_MESSAGE_MAX];
	int r;

	if (fd < 0)
		return -1;
	r = read_fd_bounded(fd, max, out, len, inner);
	if (r < 0)
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s: %s", path, inner);
	return r;
}
