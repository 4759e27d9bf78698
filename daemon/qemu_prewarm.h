/* seoibd keeps the guest-query cache warm (docs/seoibd.md, "Pre-warming
 * QEMU's answers"): for every defined guest, and again when one is defined
 * or changed, it asks the guest's own QEMU (qemu_guest_ask(), seoib/
 * qemu_guest_query.h) on a worker thread of its own, one guest at a time,
 * so that the hook at prepare begin reads an answer instead of waiting for
 * one. Nothing here runs on sd-event's loop or libvirt's event thread. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Queued XMLs at most: a host with more defined guests warms the first
 * ones; the hook asks for the rest itself, bounded. */
#define QEMU_PREWARM_QUEUE_MAX 1024

struct qemu_prewarm;

/* Start the worker; cache_dir NULL: vmm_default_cache_dir(). NULL when the
 * thread cannot start (logged; the hook then asks for itself). */
struct qemu_prewarm *qemu_prewarm_start(const char *cache_dir);

/* Queue a copy of one domain XML (at most GUEST_XML_MAX bytes). False when
 * the queue is full or memory is short (logged once a pass). */
bool qemu_prewarm_add(struct qemu_prewarm *p, const char *xml);

/* Wait until the queue is empty and the worker idle; for tests and the
 * benchmark. */
void qemu_prewarm_wait_idle(struct qemu_prewarm *p);

/* Stop: drop what is queued, finish the question in flight (bounded by its
 * timeout), join the thread, free. NULL is fine. */
void qemu_prewarm_stop(struct qemu_prewarm *p);
