/* The one ownership rule for every path seoib trusts: the host record
 * (record-path), the VMM cache, the hook's per-domain records
 * (/run/seoib/domains) and the export files. docs/seoibd.md, "Paths seoib
 * trusts", says why the rule is what it is.
 *
 * A path is trusted when nobody but a trusted user can change what it
 * names: the path itself and every directory above it, from "/", each
 * reached without following a symbolic link (O_NOFOLLOW, one component at a
 * time, at most TRUSTED_PATH_MAX_DEPTH of them), belongs to a trusted user
 * and is writable by no one else. A directory above may be writable by
 * others when it is sticky (/tmp: others cannot rename or remove what is
 * not theirs, path_resolution(7), the sticky bit in inode(7)); the path
 * itself may not.
 *
 * The trusted users: root, the reader's own effective uid, and the service
 * user seoibd runs as (SEOIB_SERVICE_USER, "seoib", looked up in the user
 * database), which publishes the host record and keeps the VMM cache.
 * TRUSTED_NOT_SERVICE takes the service user out for the path itself (not
 * for the directories above it): the hook's own records, which root writes
 * and a compromised seoibd must not forge. */
#pragma once

#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "seoib/sentence.h"

#define TRUSTED_PATH_MAX_DEPTH 64

enum {
	TRUSTED_CREATE = 1 << 0,      /* trusted_path_open_dir(): create missing directories, 0755 */
	TRUSTED_NOT_SERVICE = 1 << 1, /* the path itself must belong to root or the reader */
};

/* The uid of the service user, or (uid_t)-1 when the user database has no
 * SEOIB_SERVICE_USER (a build tree, a host without the package): then only
 * root and the reader are trusted. Looked up once (getpwnam(3)). */
uid_t trusted_path_service_uid(void);

/* The rule for one inode: st of the path itself (last) or of a directory
 * above it. Returns true when it holds; else false with a whole sentence
 * about path in err (its owner, its mode, what it must be, what to do). */
bool trusted_path_stat_ok(const char *path, const struct stat *st, bool last, unsigned flags,
			  char err[SEOIB_MESSAGE_MAX]);

/* Open the absolute directory dir under the rule: every component from "/"
 * checked, none followed through a symbolic link, every later access
 * relative to the returned fd (nothing can be swapped in between check and
 * use). flags: TRUSTED_CREATE, TRUSTED_NOT_SERVICE. Returns the fd, or -1
 * with a whole sentence in err and errno: ENOENT when a directory is
 * missing (and not created), EPERM when the rule does not hold. */
int trusted_path_open_dir(const char *dir, unsigned flags, char err[SEOIB_MESSAGE_MAX]);

/* Open path (relative ones against the working directory) of a regular file for reading under the rule (its
 * directory by trusted_path_open_dir(), the file by O_NOFOLLOW and fstat,
 * never blocking on a FIFO). Fills *st when st is not NULL. Returns the fd,
 * or -1 with a whole sentence in err and errno (ENOENT: no such file). */
int trusted_path_open_file(const char *path, unsigned flags, struct stat *st, char err[SEOIB_MESSAGE_MAX]);

/* trusted_path_open_file() and read_fd_bounded(): the whole file, at most
 * max bytes, NUL-terminated into *out (caller frees). Returns 0, -EFBIG
 * (larger than max) or -1, with a whole sentence naming path in err. */
int trusted_path_read_file(const char *path, unsigned flags, size_t max, char **out, size_t *len,
			   char err[SEOIB_MESSAGE_MAX]);

/* Whether the rule holds for path (relative: as above), a file or a directory that need not
 * exist yet (seoibd --check-config): a missing path is fine when the
 * directories that do exist above it hold the rule, since only a trusted
 * user can then create it. Returns 0, or -1 with a whole sentence in err. */
int trusted_path_check(const char *path, unsigned flags, char err[SEOIB_MESSAGE_MAX]);
