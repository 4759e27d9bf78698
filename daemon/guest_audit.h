/* seoibd's audit of this host's guests: seoibctl audit's judgement
 * (lib/policy/audit.c) of every domain at libvirt-uri, made on the libvirt
 * watcher's thread with its connection, kept for the bus (Audit()) and
 * written as Prometheus series beside prometheus-textfile (docs/seoibd.md,
 * "The audit"). */
#pragma once

#include <libvirt/libvirt.h>

#include "seoib/config.h"

struct guest_audit;

/* For cfg's hook-mode, on-error, record-path, max-record-age, libvirt-uri
 * and prometheus-textfile (copied). NULL when out of memory. */
struct guest_audit *guest_audit_new(const struct seoib_config *cfg);
void guest_audit_free(struct guest_audit *a);

/* Judge every domain at conn now, keep the result, and write the
 * Prometheus file when prometheus-textfile is set. Bounded by libvirt's
 * keepalive on conn; logs (once until it works again) what fails. */
void guest_audit_refresh(struct guest_audit *a, virConnectPtr conn);

/* True when this host's record changed (its file's modification time, or
 * its presence) since the last refresh: every answer may change with it. */
bool guest_audit_record_changed(struct guest_audit *a);

/* The last audit as a seoib.audit/1 JSON text (free() it), or NULL when
 * there is none yet (libvirt has not answered) or out of memory. Any thread. */
char *guest_audit_json(struct guest_audit *a);

/* Where the guests' Prometheus series go: prometheus-textfile's path with
 * "-guests" before its ".prom" (seoib.prom: seoib-guests.prom), "" when
 * prometheus-textfile is off. */
void guest_audit_prometheus_path(const char *textfile, char *path, size_t size);
