/* Scope-bound cleanup helpers: the project's one cleanup style.
 * A variable declared with one of these attributes is released when it goes
 * out of scope, so early returns cannot leak. Hand ownership out with
 * steal_ptr() / steal_fd(). */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void cleanup_freep(void *p) { free(*(void **)p); }
static inline void cleanup_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno; /* close() must not clobber the errno being reported */
		close(*fd);
		errno = saved;
	}
}
static inline void cleanup_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _cleanup_free_ _cleanup_(cleanup_freep)
#define _cleanup_close_ _cleanup_(cleanup_closep)
#define _cleanup_fclose_ _cleanup_(cleanup_fclosep)

/* Declare a cleanup function for a library type released by FUNC(p). */
#define DEFINE_TRIVIAL_CLEANUP(type, func)                  \
	static inline void func##p(type *p)                 \
	{                                                   \
		if (*p)                                     \
			func(*p);                           \
	}

#define steal_ptr(p)                      \
	({                                \
		__typeof__(p) _tmp_ = (p); \
		(p) = NULL;               \
		_tmp_;                    \
	})

#define steal_fd(fd)              \
	({                        \
		int _tmp_ = (fd); \
		(fd) = -1;        \
		_tmp_;            \
	})

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
