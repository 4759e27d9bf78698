/* Bounded lists of sentences: the verdict's problems, the behaviour probe's
 * conflicts, a decision's reasons. Past max the list is silently full: the
 * first entries already say what matters. */
#pragma once

#include "seoib/kvm_probe.h" /* SEOIB_MESSAGE_MAX */

__attribute__((format(printf, 4, 5)))
void messages_add(char (*list)[SEOIB_MESSAGE_MAX], int *n, int max, const char *fmt, ...);
