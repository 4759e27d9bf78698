/* Test driver: runs seoibd's publisher (daemon/publisher.c) on sd-event with
 * a record read from a file, the way seoibd runs it, so the fleet tests can
 * start several "hosts" without KVM. SIGHUP re-reads the record (a change to
 * republish), SIGTERM stops cleanly (lease revoked), SIGKILL is a crash.
 *   publish-driver CONFIG RECORD-FILE */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "publisher.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/exports.h"
#include "seoib/fileio.h"
#include "seoib/host_record.h"

struct driver {
	const char *record_path;
	struct seoib_config cfg;
	struct publisher *publisher;
};

static int publish_file(struct driver *d)
{
	_cleanup_free_ char *text = NULL;
	_cleanup_free_ struct host_record *rec = malloc(sizeof(*rec));
	char err[SEOIB_MESSAGE_MAX];
	size_t len;

	if (!rec || read_file_bounded(d->record_path, HOST_RECORD_MAX_BYTES, &text, &len, err) < 0 ||
	    host_record_from_string(text, len, rec, err) < 0) {
		fprintf(stderr, "publish-driver: %s\n", rec ? err : "out of memory");
		return -1;
	}
	if (d->cfg.nfd_features_file[0] && exports_write_nfd(d->cfg.nfd_features_file, rec, err) < 0)
		fprintf(stderr, "publish-driver: %s\n", err);
	if (d->cfg.prometheus_textfile[0] &&
	    exports_write_prometheus(d->cfg.prometheus_textfile, rec, NULL, err) < 0)
		fprintf(stderr, "publish-driver: %s\n", err);
	return publisher_update(d->publisher, text);
}

static int on_hup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata)
{
	return publish_file(userdata) < 0 ? 0 : 0;
}

int main(int argc, char **argv)
{
	struct driver d = {0};
	sd_event *event = NULL;
	_cleanup_free_ struct host_record *rec = malloc(sizeof(*rec));
	char err[SEOIB_MESSAGE_MAX];
	sigset_t mask;
	int r;

	if (argc != 3 || !rec) {
		fprintf(stderr, "usage: publish-driver CONFIG RECORD-FILE\n");
		return 2;
	}
	d.record_path = argv[2];
	if (seoib_config_load(argv[1], &d.cfg, err) < 0 || host_record_load(d.record_path, rec, err) < 0) {
		fprintf(stderr, "publish-driver: %s\n", err);
		return 2;
	}
	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	if (sd_event_default(&event) < 0 || sd_event_add_signal(event, NULL, SIGTERM, NULL, NULL) < 0 ||
	    sd_event_add_signal(event, NULL, SIGINT, NULL, NULL) < 0 ||
	    sd_event_add_signal(event, NULL, SIGHUP, on_hup, &d) < 0) {
		fprintf(stderr, "publish-driver: cannot set up the event loop\n");
		return 2;
	}
	if (publisher_new(event, &d.cfg, rec->host.hostname, &d.publisher, err) < 0) {
		fprintf(stderr, "publish-driver: %s\n", err);
		return 2;
	}
	if (publish_file(&d) < 0)
		return 2;
	r = sd_event_loop(event);
	fprintf(stderr, "publish-driver: %s\n", publisher_status(d.publisher));
	publisher_free(d.publisher);
	sd_event_unref(event);
	return r < 0 ? 2 : 0;
}
