/* The probe runs in a child process: a wedged KVM ioctl or a hung QEMU can
 * only ever wedge the child, which a watchdog timer kills. */
#pragma once

#include <stddef.h>
#include <systemd/sd-event.h>

#include "seoib/exports.h"
#include "seoib/host_probe.h"

struct prober_result {
	enum probe_run_status status;
	const char *record_text; /* the child's JSON when status is PROBE_RUN_OK */
	size_t record_len;
	char message[SEOIB_MESSAGE_MAX]; /* sentence when status is not OK */
};

struct prober;
typedef void (*prober_done_fn)(const struct prober_result *result, void *userdata);

/* Fork a child that runs host_probe(opts) and writes the record JSON to a
 * pipe; done() runs once, from the event loop. done() may free the prober. */
int prober_start(sd_event *event, const struct host_probe_options *opts, unsigned timeout_ms,
		 prober_done_fn done, void *userdata, struct prober **out);
/* Kill a running child (its whole process group) and release everything. */
void prober_free(struct prober *p);
