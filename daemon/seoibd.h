/* seoibd's one context: the loop, the bus, the published record and what
 * the next probe waits for. Each concern lives in its own file. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>
#include <systemd/sd-id128.h>

#include "prober.h"
#include "published_record.h"
#include "seoib/config.h"
#include "seoib/host_record.h"

struct publisher; /* publisher.h: the fleet inventory */
struct libvirt_watch; /* libvirt_watch.h: the guests' running state */
struct storm_watch;   /* storm_watch.h: exposed guests watched for a storm */

struct seoibd {
	sd_event *event;
	sd_bus *bus; /* NULL with --no-bus */
	struct seoib_config cfg;
	const char *config_path;     /* --config, or NULL: SEOIB_CONFIG_PATH */
	const char *record_override; /* --record: wins over record-path on reload */
	char cache_dir[4096];
	char boot_id[SD_ID128_UUID_STRING_MAX]; /* --boot-id, as a UUID; "" = read /proc */
	const char *vmm_control_names[VMM_CONTROLS_MAX + 1];

	struct prober *prober;  /* the probe running now, or NULL */
	bool reprobe_pending;   /* asked for while one was running */
	bool ready_sent;

	json_object *record_json; /* last good record, without last_probe */
	struct host_record *record;
	char *published;          /* the file's text: the HostRecord property */
	struct last_probe last;

	sd_bus_message **waiting; /* Reprobe() calls answered when the probe ends */
	size_t n_waiting;

	sd_device_monitor *kvm_monitor;
	sd_event_source *vmm_watch;
	sd_event_source *vmm_settle;
	sd_event_source *periodic;
	struct stat vmm_identity;
	bool vmm_identity_known;
	struct publisher *publisher; /* NULL unless etcd-endpoints is set */
	/* Why the last reload kept the running configuration ("" = it did not):
	 * kept in every STATUS= until a reload succeeds, so that a re-probe's
	 * status does not hide that the file on disk is not what runs. */
	char reload_error[SEOIB_MESSAGE_MAX];
	struct libvirt_watch *libvirt; /* NULL when libvirt-uri is "" */
	struct guest_audit *audit;     /* the watcher's audit, for Audit() */
	struct decide_queue *decide;   /* Decide() calls being answered; NULL with --no-bus */
	struct storm_watch *storm;     /* NULL when it could not start */
};

/* seoibd.c */
void daemon_request_probe(struct seoibd *d, const char *why);

/* reload.c: SIGHUP re-reads seoib.conf */
void daemon_reload(struct seoibd *d);

/* bus.c */
int bus_start(struct seoibd *d);
void bus_emit_changed(struct seoibd *d);
int bus_wait_for_probe(struct seoibd *d, sd_bus_message *m);
void bus_answer_waiting(struct seoibd *d);
void bus_stop(struct seoibd *d);

/* decide.c: Decide(), queued and answered in slices off the bus's path.
 * The bounds: per call (targets; the domain XML's are guest_facts.h's),
 * calls waiting per connection and in all. A slice is DECIDE_SLICE_TARGETS
 * target records (and the domain XML in the first); after a slice of t, the next comes
 * DECIDE_REST_FACTOR x t later. */
#define DECIDE_TARGETS_MAX 256
#define DECIDE_PER_SENDER_MAX 2
#define DECIDE_QUEUE_MAX 64
#define DECIDE_SLICE_TARGETS 8
#define DECIDE_REST_FACTOR 1
int decide_start(struct seoibd *d);
int decide_method(sd_bus_message *m, void *userdata, sd_bus_error *error);
void decide_stop(struct seoibd *d);

/* watch.c: what makes a record stale */
void watch_kvm_device(struct seoibd *d);
void watch_vmm_binary(struct seoibd *d);
void watch_periodic(struct seoibd *d);
void watch_rearm_periodic(struct seoibd *d);
void watch_stop(struct seoibd *d);
