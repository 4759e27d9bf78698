/* One reading of CLOCK_MONOTONIC for every duration and deadline. */
#include <time.h>

#include "seoib/monotonic.h"

uint64_t monotonic_usec(void)
{
	struct timespec ts;

	/* Cannot fail for CLOCK_MONOTONIC with a valid pointer (clock_gettime(2)). */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

int64_t monotonic_ms(void)
{
	return (int64_t)(monotonic_usec() / 1000u);
}
