/* Sentences in bounded buffers that are never cut mid-word.
 *
 * Every sentence seoib builds (errors, reasons, remediations) lands in a
 * fixed-size buffer that travels in a struct. snprintf() would cut an
 * over-long one at any byte: mid-word, mid-path, even inside a UTF-8
 * character, and that is what libvirt then shows the user. These functions
 * format the whole sentence first and, only when it does not fit, shorten it
 * at the last word boundary that leaves room for an ellipsis ("…"). */
#pragma once

#include <stdarg.h>
#include <stddef.h>

/* The size of every sentence buffer, NUL included: long enough for a
 * sentence naming two paths and a remedy, short enough to travel in structs. */
#define SEOIB_MESSAGE_MAX 1024

/* Formats fmt into buf (size bytes, size >= 8), NUL-terminated.
 * Returns 0 when the whole sentence fit, 1 when it was shortened at a word
 * and ends with "…", -1 (buf = "") on an allocation failure. */
__attribute__((format(printf, 3, 4)))
int sentence_format(char *buf, size_t size, const char *fmt, ...);
__attribute__((format(printf, 3, 0)))
int sentence_vformat(char *buf, size_t size, const char *fmt, va_list ap);

/* Appends piece to the sentence in buf, separated by sep when buf is not
 * empty, shortened as sentence_format() does. Returns as sentence_format(). */
int sentence_append(char *buf, size_t size, const char *sep, const char *piece);
