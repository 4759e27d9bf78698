/* Views over records built in code (seoib/host_view.h), for the engine's
 * unit tests: each record is named (HOST_ORIGIN_NAMED) and this host's
 * identity is empty, so no record is this host's own and each is judged on
 * its status alone, as the records of another host always are. */
#pragma once

#include <stddef.h>

#include "seoib/host_view.h"

#define TEST_VIEWS_MAX 16

/* One view, NULL for NULL; valid until 32 more are made. */
static inline const struct host_view *vw(const struct host_record *rec)
{
	static const struct host_identity nobody;
	static struct host_view ring[32];
	static unsigned next;
	const struct host_view_clock clock = {&nobody, 0, 0};
	struct host_view *v;

	if (!rec)
		return NULL;
	v = &ring[next++ % 32];
	host_view_local(v, rec, HOST_ORIGIN_NAMED, &clock, "(built by the test)");
	return v;
}

/* Peer views over recs[0..n), NULL for none; valid until 4 more arrays
 * are made. At most TEST_VIEWS_MAX. */
static inline const struct host_view *vws(const struct host_record *recs, size_t n)
{
	static const struct host_identity nobody;
	static struct host_view ring[4][TEST_VIEWS_MAX];
	static unsigned next;
	const struct host_view_clock clock = {&nobody, 0, 0};
	struct host_view *v;

	if (!recs || n == 0 || n > TEST_VIEWS_MAX)
		return NULL;
	v = ring[next++ % 4];
	for (size_t i = 0; i < n; i++)
		host_view_peer(&v[i], &recs[i], HOST_ORIGIN_NAMED, &clock, "(built by the test)");
	return v;
}
