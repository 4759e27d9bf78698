/* Exports of this host's record to the inventory systems operators already
 * run (docs/fleet.md): a Kubernetes node-feature-discovery local features
 * file and a Prometheus node_exporter textfile. Both are written atomically:
 * NFD and node_exporter re-read the files at any moment. */
#pragma once

#include <stdint.h>

#include "seoib/host_record.h"

/* NFD label namespace: features.d lines "seoib.org/<name>=<value>". */
#define EXPORTS_NFD_NAMESPACE "seoib.org/"
#define EXPORTS_NFD_DEFAULT_PATH "/etc/kubernetes/node-feature-discovery/features.d/seoib"

/* The texts (malloc'ed), for tests and for the writers below. */
char *exports_nfd_text(const struct host_record *rec);
/* now: seconds since the epoch, for seoib_record_age_seconds. */
char *exports_prometheus_text(const struct host_record *rec, int64_t now);

/* Write atomically (mode 0644). Return 0, or -1 with a sentence in err. */
int exports_write_nfd(const char *path, const struct host_record *rec, char err[SEOIB_MESSAGE_MAX]);
int exports_write_prometheus(const char *path, const struct host_record *rec, int64_t now,
			     char err[SEOIB_MESSAGE_MAX]);
