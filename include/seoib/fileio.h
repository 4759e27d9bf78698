/* Whole-file reads with a size bound, and atomic writes: a reader never sees
 * a torn or empty file, whatever kills the writer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "seoib/sentence.h"

/* Read a whole file ("-" = stdin) of at most max bytes, NUL-terminated.
 * Returns 0, -EFBIG when it holds more than max bytes, or -1; a sentence
 * fragment ("is larger than ...", "cannot open: ...") in err on error. */
int read_file_bounded(const char *path, size_t max, char **out, size_t *len, char err[SEOIB_MESSAGE_MAX]);

/* Read what fd has, at most max bytes, NUL-terminated into *out (caller
 * frees), length in *len. Returns 0, -EFBIG when fd holds more than max
 * bytes, or -1, with a sentence fragment in err
 * ("is larger than ...", "cannot read: ..."), to follow the file's name. */
int read_fd_bounded(int fd, size_t max, char **out, size_t *len, char err[SEOIB_MESSAGE_MAX]);

/* Open path (relative to dirfd, or AT_FDCWD) read-only if, and only if, it
 * is a regular file: a FIFO, device, socket or directory is refused without
 * ever blocking (opened O_NONBLOCK, then fstat). flags may add O_NOFOLLOW
 * (a symbolic link is then refused). Fills *st when st is not NULL.
 * Returns the fd, or -1 with a sentence fragment in err and errno set
 * (ENOENT: there is no such file). */
int open_regular_file(int dirfd, const char *path, int flags, struct stat *st, char err[SEOIB_MESSAGE_MAX]);

/* open_regular_file() then read_fd_bounded(); a file larger than max is
 * refused by its size before any read. "-" with AT_FDCWD is stdin. */
int read_regular_file_bounded(int dirfd, const char *path, int flags, size_t max, char **out, size_t *len,
			      char err[SEOIB_MESSAGE_MAX]);

/* Write all of data to fd, retrying short writes and EINTR; -1 with errno. */
int write_all(int fd, const char *data, size_t len);

/* Write atomically: temp file in the same directory, fsync, rename, fsync
 * the directory. Returns 0, or -1 with a sentence in err. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode, char err[SEOIB_MESSAGE_MAX]);

/* write_file_atomic() relative to an open directory: name is one path
 * component, and neither the temporary file nor anything else is reached
 * through a symbolic link. Returns 0, or -1 with a sentence in err. */
int write_file_atomic_at(int dirfd, const char *name, const char *data, size_t len, mode_t mode,
			 char err[SEOIB_MESSAGE_MAX]);

/* As write_file_atomic(), with the temporary file hidden (".NAME.tmp.XXXXXX"
 * beside path), for a directory whose every file a consumer reads:
 * node-feature-discovery's features.d reads each file whose name does not
 * start with '.' (source/local/local.go), so a visible temporary file, or
 * one a killed writer left, would be published as labels. */
int write_file_atomic_hidden(const char *path, const char *data, size_t len, mode_t mode,
			     char err[SEOIB_MESSAGE_MAX]);
