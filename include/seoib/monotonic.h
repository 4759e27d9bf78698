/* Time on CLOCK_MONOTONIC, for durations and deadlines: it never jumps when
 * the wall clock is set (clock_gettime(2)), so a deadline computed from it
 * holds whatever NTP or an operator does meanwhile. */
#pragma once

#include <stdint.h>

/* Microseconds since an arbitrary start (boot), as sd-event counts. */
uint64_t monotonic_usec(void);

/* The same in whole milliseconds, signed so that "deadline - now" may go
 * below zero. */
int64_t monotonic_ms(void);
