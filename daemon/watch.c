/* What makes a published record stale, and how seoibd notices without
 * polling: /dev/kvm coming or going (kvm module reload), the VMM binary
 * being replaced (libvirt likewise invalidates its QEMU capability cache on
 * the binary's ctime), and an optional periodic re-probe. */
#include <errno.h>
#include <libgen.h>
#include <string.h>
#include <sys/inotify.h>

#include "log.h"
#include "seoib/cleanup.h"
#include "seoibd.h"

/* Package managers replace a binary in several steps (write, chmod, rename):
 * let them settle before comparing identities. */
#define VMM_SETTLE_USEC (300 * 1000)

static int on_kvm_uevent(sd_device_monitor *m, sd_device *device, void *userdata)
{
	const char *devname = NULL;

	if (sd_device_get_devname(device, &devname) < 0 || strcmp(devname, "/dev/kvm") != 0)
		return 0;
	daemon_request_probe(userdata, "/dev/kvm appeared or disappeared");
	return 0;
}

/* The kvm module registers /dev/kvm as misc device; its uevents arrive
 * through udev. Without udev (containers) nothing arrives: SIGHUP still works. */
void watch_kvm_device(struct seoibd *d)
{
	int r = sd_device_monitor_new(&d->kvm_monitor);

	if (r >= 0)
		r = sd_device_monitor_filter_add_match_subsystem_devtype(d->kvm_monitor, "misc", NULL);
	if (r >= 0)
		r = sd_device_monitor_attach_event(d->kvm_monitor, d->event);
	if (r >= 0)
		r = sd_device_monitor_start(d->kvm_monitor, on_kvm_uevent, d);
	if (r < 0) {
		log_warning("cannot watch device events for /dev/kvm: %s; send SIGHUP after reloading kvm",
			    strerror(-r));
		d->kvm_monitor = sd_device_monitor_unref(d->kvm_monitor);
	}
}

static bool same_identity(const struct stat *a, const struct stat *b)
{
	return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
	       a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec &&
	       a->st_ctim.tv_sec == b->st_ctim.tv_sec && a->st_ctim.tv_nsec == b->st_ctim.tv_nsec;
}

/* Fills st; a missing binary is an identity too (all zero). */
static void vmm_identity(const char *path, struct stat *st)
{
	if (stat(path, st) < 0)
		memset(st, 0, sizeof(*st));
}

static int on_vmm_settled(sd_event_source *s, uint64_t usec, void *userdata)
{
	struct seoibd *d = userdata;
	struct stat now;

	vmm_identity(d->cfg.qemu_path, &now);
	if (same_identity(&now, &d->vmm_identity))
		return 0;
	d->vmm_identity = now;
	daemon_request_probe(d, "the VMM binary changed");
	return 0;
}

static int on_vmm_dir_event(sd_event_source *s, const struct inotify_event *event, void *userdata)
{
	struct seoibd *d = userdata;
	_cleanup_free_ char *copy = strdup(d->cfg.qemu_path);

	if (!copy || event->len == 0 || strcmp(event->name, basename(copy)) != 0)
		return 0;
	if (sd_event_source_set_time_relative(d->vmm_settle, VMM_SETTLE_USEC) < 0)
		return 0;
	return sd_event_source_set_enabled(d->vmm_settle, SD_EVENT_ONESHOT);
}

/* Watch the directory, not the file: an upgrade renames a new binary over
 * the old one, and a watch on the old inode would never fire again. */
void watch_vmm_binary(struct seoibd *d)
{
	_cleanup_free_ char *copy = strdup(d->cfg.qemu_path);
	int r;

	if (!copy)
		return;
	vmm_identity(d->cfg.qemu_path, &d->vmm_identity);
	r = sd_event_add_time_relative(d->event, &d->vmm_settle, CLOCK_MONOTONIC, VMM_SETTLE_USEC, 0,
				       on_vmm_settled, d);
	if (r >= 0)
		r = sd_event_source_set_enabled(d->vmm_settle, SD_EVENT_OFF);
	if (r >= 0)
		r = sd_event_add_inotify(d->event, &d->vmm_watch, dirname(copy),
					 IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB,
					 on_vmm_dir_event, d);
	if (r < 0)
		log_warning("cannot watch %s for changes: %s; send SIGHUP after upgrading QEMU", d->cfg.qemu_path,
			    strerror(-r));
}

static int on_periodic(sd_event_source *s, uint64_t usec, void *userdata)
{
	daemon_request_probe(userdata, "periodic re-probe (reprobe-interval)");
	return 0;
}

/* Off by default: every change that matters already triggers a probe. */
void watch_periodic(struct seoibd *d)
{
	int r;

	if (d->cfg.reprobe_interval_s == 0)
		return;
	r = sd_event_add_time_relative(d->event, &d->periodic, CLOCK_MONOTONIC,
				       (uint64_t)d->cfg.reprobe_interval_s * 1000000, 1000000, on_periodic, d);
	if (r >= 0)
		r = sd_event_source_set_enabled(d->periodic, SD_EVENT_OFF);
	if (r < 0)
		log_warning("cannot set up the periodic re-probe: %s", strerror(-r));
}

/* The interval counts from the end of the last probe, whatever started it. */
void watch_rearm_periodic(struct seoibd *d)
{
	if (!d->periodic)
		return;
	sd_event_source_set_time_relative(d->periodic, (uint64_t)d->cfg.reprobe_interval_s * 1000000);
	sd_event_source_set_enabled(d->periodic, SD_EVENT_ONESHOT);
}

void watch_stop(struct seoibd *d)
{
	d->kvm_monitor = sd_device_monitor_unref(d->kvm_monitor);
	d->vmm_watch = sd_event_source_disable_unref(d->vmm_watch);
	d->vmm_settle = sd_event_source_disable_unref(d->vmm_settle);
	d->periodic = sd_event_source_disable_unref(d->periodic);
}
