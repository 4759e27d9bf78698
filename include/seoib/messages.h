/* Bounded lists of sentences: the claims' problems, the behaviour probe's
 * conflicts, a decision's reasons. Past max the list is silently full: the
 * first entries already say what matters. */
#pragma once

#include "seoib/sentence.h"

/* The entries a list holds: the claims' problems, the behaviour probe's conflicts. */
#define SEOIB_PROBLEMS_MAX 8

/* Appends the sentence fmt formats to list (n entries, *n updated) unless
 * it already holds max; shortened as sentence_format() does. */
__attribute__((format(printf, 4, 5)))
void messages_add(char (*list)[SEOIB_MESSAGE_MAX], int *n, int max, const char *fmt, ...);
