/* Exports of this host's record to the inventory systems and schedulers
 * operators already run (docs/fleet.md): a Kubernetes node-feature-discovery
 * local features file, a Prometheus node_exporter textfile and an OpenStack
 * Nova provider configuration file. All are written atomically: their
 * consumers re-read the files at any moment. */
#pragma once
#include <stdio.h>

#include <stdint.h>

#include "seoib/host_record.h"

/* NFD label namespace: features.d lines "seoib.org/<name>=<value>". */
#define EXPORTS_NFD_NAMESPACE "seoib.org/"
#define EXPORTS_NFD_DEFAULT_PATH "/etc/kubernetes/node-feature-discovery/features.d/seoib"
/* Nova/Placement traits: CUSTOM_SEOIB_<STATE>[_VERIFIED], CUSTOM_SEOIB_PROBED_OK|FAILED. */
#define EXPORTS_NOVA_TRAIT_PREFIX "CUSTOM_SEOIB_"
#define EXPORTS_NOVA_DEFAULT_PATH "/etc/nova/provider_config/seoib.yaml"

/* How seoibd's last probe attempt ended (its D-Bus property, the record
 * file's last_probe, the series seoib_last_probe_status). */
enum probe_run_status {
	PROBE_RUN_NONE,    /* no probe finished yet */
	PROBE_RUN_OK,      /* the child produced a record */
	PROBE_RUN_TIMEOUT, /* the watchdog killed the child */
	PROBE_RUN_FAILED,  /* the child crashed or produced nothing usable */
	PROBE_RUN_COUNT,
};
/* "none", "ok", "timeout", "failed" (seoib/string_table.h). */
const char *probe_run_status_to_string(enum probe_run_status s);

/* seoibd's last probe attempt, which may have failed while the record
 * (rec) is the last good one. status: probe_run_status_to_string() of
 * PROBE_RUN_OK, PROBE_RUN_TIMEOUT or PROBE_RUN_FAILED; time: when it
 * ended, seconds since the epoch. */
struct exports_probe_run {
	const char *status;
	int64_t time;
};

/* The texts (malloc'ed), for tests and for the writers below. */
char *exports_nfd_text(const struct host_record *rec);
/* run: seoibd's last attempt, or NULL (its series are then left out). */
char *exports_prometheus_text(const struct host_record *rec, const struct exports_probe_run *run);
/* Nova provider config schema 1.0: traits on the $COMPUTE_NODE provider. */
char *exports_nova_text(const struct host_record *rec);

/* Write atomically (mode 0644). Return 0, or -1 with a sentence in err. */
int exports_write_nfd(const char *path, const struct host_record *rec, char err[SEOIB_MESSAGE_MAX]);
int exports_write_prometheus(const char *path, const struct host_record *rec, const struct exports_probe_run *run,
			     char err[SEOIB_MESSAGE_MAX]);
int exports_write_nova(const char *path, const struct host_record *rec, char err[SEOIB_MESSAGE_MAX]);

/* Write s to f as a Prometheus label value of the text exposition format:
 * backslash, double quote and line feed escaped, nothing else changed
 * (https://prometheus.io/docs/instrumenting/exposition_formats/). The one
 * writer of label values for every series seoib exports. */
void exports_prometheus_label(FILE *f, const char *s);
