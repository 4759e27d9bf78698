/* Whole-file reads with a size bound, and atomic writes: a reader never sees
 * a torn or empty file, whatever kills the writer. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "seoib/kvm_probe.h"

/* Read a whole file ("-" = stdin) of at most max bytes, NUL-terminated. */
int read_file_bounded(const char *path, size_t max, char **out, size_t *len, char err[SEOIB_MESSAGE_MAX]);

/* Write all of data to fd, retrying short writes and EINTR; -1 with errno. */
int write_all(int fd, const char *data, size_t len);

/* Write atomically: temp file in the same directory, fsync, rename, fsync
 * the directory. Returns 0, or -1 with a sentence in err. */
int write_file_atomic(const char *path, const char *data, size_t len, mode_t mode, char err[SEOIB_MESSAGE_MAX]);

/* As write_file_atomic(), with the temporary file hidden (".NAME.tmp.XXXXXX"
 * beside path), for a directory whose every file a consumer reads:
 * node-feature-discovery's features.d reads each file whose name does not
 * start with '.' (source/local/local.go), so a visible temporary file, or
 * one a killed writer left, would be published as labels. */
int write_file_atomic_hidden(const char *path, const char *data, size_t len, mode_t mode,
			     char err[SEOIB_MESSAGE_MAX]);
