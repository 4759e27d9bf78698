/* SIGHUP / `systemctl reload seoibd`: read seoib.conf again, as a daemon
 * does, then re-probe with what it says. A file that does not load keeps
 * the running configuration, and says so at error priority and in the
 * unit's status, so that the operator sees the reload did not take. */
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-daemon.h>

#include "guest_audit.h"
#include "libvirt_watch.h"
#include "log.h"
#include "publisher.h"
#include "seoib/cleanup.h"
#include "seoib/fleet_backend.h"
#include "seoib/sentence.h"
#include "seoibd.h"

static bool fleet_changed(const struct seoib_config *a, const struct seoib_config *b)
{
	return strcmp(a->etcd_endpoints, b->etcd_endpoints) || strcmp(a->etcd_prefix, b->etcd_prefix) ||
	       a->etcd_lease_ttl_s != b->etcd_lease_ttl_s || strcmp(a->etcd_ca, b->etcd_ca) ||
	       strcmp(a->etcd_cert, b->etcd_cert) || strcmp(a->etcd_key, b->etcd_key) ||
	       strcmp(a->etcd_user, b->etcd_user) || strcmp(a->etcd_password_file, b->etcd_password_file);
}

/* Swap in next and restart what depends on the keys that changed. */
static void adopt_config(struct seoibd *d, const struct seoib_config *next)
{
	struct seoib_config old = d->cfg;

	d->cfg = *next;
	if (strcmp(old.qemu_path, next->qemu_path) != 0) {
		d->vmm_watch = sd_event_source_disable_unref(d->vmm_watch);
		d->vmm_settle = sd_event_source_disable_unref(d->vmm_settle);
		watch_vmm_binary(d);
	}
	if (old.reprobe_interval_s != next->reprobe_interval_s) {
		d->periodic = sd_event_source_disable_unref(d->periodic);
		watch_periodic(d);
	}
	if (strcmp(old.record_path, next->record_path) != 0)
		published_record_prepare_dir(next->record_path);
	/* The watcher copied both at its start, its audit what the hook reads:
	 * a change takes a new watcher (stopping is bounded by its 1 s tick). */
	if (strcmp(old.libvirt_uri, next->libvirt_uri) != 0 || strcmp(old.record_path, next->record_path) != 0 ||
	    old.hook_mode != next->hook_mode || old.on_error != next->on_error ||
	    old.max_record_age_s != next->max_record_age_s ||
	    strcmp(old.prometheus_textfile, next->prometheus_textfile) != 0) {
		libvirt_watch_stop(d->libvirt);
		guest_audit_free(d->audit);
		d->audit = next->libvirt_uri[0] ? guest_audit_new(next) : NULL;
		d->libvirt = libvirt_watch_start(next->libvirt_uri, next->record_path, next->max_record_age_s, d->audit,
						 d->storm);
	}
	/* The next export starts a publisher with the new settings; freeing the
	 * old one revokes its lease, so the record leaves the old etcd. */
	if (fleet_changed(&old, next) && d->publisher) {
		publisher_free(d->publisher);
		d->publisher = NULL;
	}
}

void daemon_reload(struct seoibd *d)
{
	_cleanup_free_ struct seoib_config *next = malloc(sizeof(*next));
	const char *path = d->config_path ? d->config_path : SEOIB_CONFIG_PATH;
	char err[SEOIB_MESSAGE_MAX];

	sd_notify(false, "RELOADING=1");
	if (!next) {
		log_error("reload of %s failed: out of memory; keeping the running configuration", path);
		sentence_format(d->reload_error, sizeof(d->reload_error), "out of memory reading %s", path);
	} else if (seoib_config_load(d->config_path, next, err) < 0 || fleet_backends_check(next, err) < 0) {
		log_error("reload failed, keeping the running configuration: %s; correct the file and check it with 'seoibctl check-config'",
			  err);
		sd_notifyf(false, "STATUS=reload of %s failed, running configuration kept: %s", path, err);
		sentence_format(d->reload_error, sizeof(d->reload_error), "%s", err);
	} else {
		if (d->record_override)
			snprintf(next->record_path, sizeof(next->record_path), "%s", d->record_override);
		adopt_config(d, next);
		d->reload_error[0] = '\0';
		log_info("reloaded the configuration from %s", path);
		if (seoib_config_record_goes_stale(&d->cfg, err))
			log_warning("%s: %s", path, err);
	}
	sd_notify(false, "READY=1");
	daemon_request_probe(d, "SIGHUP: configuration reloaded");
}
