/* seoibd's audit of this host's guests (see guest_audit.h). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "guest_audit.h"
#include "log.h"
#include "seoib/audit.h"
#include "seoib/cleanup.h"
#include "seoib/domain_record.h"
#include "seoib/fileio.h"
#include "seoib/json_util.h"

struct guest_audit {
	pthread_mutex_t lock;     /* json: written by the watcher, read by the bus */
	char *json;
	struct seoib_config cfg;
	char prometheus_path[4096];
	bool logged_failure;      /* the current write failure was logged once */
	struct timespec record_mtime; /* of record-path at the last refresh; 0: absent */
};

void guest_audit_prometheus_path(const char *textfile, char *path, size_t size)
{
	size_t n = strlen(textfile);
	static const char suffix[] = ".prom";

	if (!textfile[0])
		snprintf(path, size, "%s", "");
	else if (n > strlen(suffix) && strcmp(textfile + n - strlen(suffix), suffix) == 0)
		snprintf(path, size, "%.*s-guests%s", (int)(n - strlen(suffix)), textfile, suffix);
	else
		snprintf(path, size, "%s-guests.prom", textfile);
}

struct guest_audit *guest_audit_new(const struct seoib_config *cfg)
{
	struct guest_audit *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	pthread_mutex_init(&a->lock, NULL);
	a->cfg = *cfg;
	guest_audit_prometheus_path(cfg->prometheus_textfile, a->prometheus_path, sizeof(a->prometheus_path));
	return a;
}

void guest_audit_free(struct guest_audit *a)
{
	if (!a)
		return;
	pthread_mutex_destroy(&a->lock);
	free(a->json);
	free(a);
}

char *guest_audit_json(struct guest_audit *a)
{
	char *copy;

	pthread_mutex_lock(&a->lock);
	copy = a->json ? strdup(a->json) : NULL;
	pthread_mutex_unlock(&a->lock);
	return copy;
}

static struct timespec record_mtime(const struct guest_audit *a)
{
	struct stat st;

	if (stat(a->cfg.record_path, &st) < 0)
		return (struct timespec){0};
	return st.st_mtim;
}

bool guest_audit_record_changed(struct guest_audit *a)
{
	struct timespec now = record_mtime(a);

	return now.tv_sec != a->record_mtime.tv_sec || now.tv_nsec != a->record_mtime.tv_nsec;
}

/* One domain, as seoibctl audit reads it. */
static void judge(struct guest_audit *a, virDomainPtr dom, const struct host_view *host, const char *problem,
		  struct audit_guest *out)
{
	_cleanup_free_ char *start_xml = NULL, *live_xml = NULL;
	struct audit_input in = {.name = virDomainGetName(dom)};
	int autostart = 0;

	in.active = virDomainIsActive(dom) == 1;
	in.persistent = virDomainIsPersistent(dom) == 1;
	in.autostart = in.persistent && virDomainGetAutostart(dom, &autostart) == 0 && autostart;
	start_xml = virDomainGetXMLDesc(dom, in.persistent ? VIR_DOMAIN_XML_INACTIVE : 0);
	live_xml = in.active ? virDomainGetXMLDesc(dom, 0) : NULL;
	in.start_xml = start_xml;
	in.start_error = "libvirt did not give its definition";
	in.live_xml = live_xml;
	in.live_error = "libvirt did not give its live XML";
	audit_guest(&in, host, problem, &a->cfg, DOMAIN_RECORD_DIR, (int64_t)time(NULL), out);
}

static int by_name(const void *x, const void *y)
{
	return strcmp(((const struct audit_guest *)x)->name, ((const struct audit_guest *)y)->name);
}

static void publish(struct guest_audit *a, const struct host_record *host, const char *problem,
		    const struct audit_guest *guests, size_t n)
{
	_cleanup_json_ json_object *o = audit_to_json(a->cfg.libvirt_uri, &a->cfg, host, problem, guests, n);
	const char *text = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN) : NULL;
	char *copy = text ? strdup(text) : NULL;
	_cleanup_free_ char *prom = NULL;
	char err[SEOIB_MESSAGE_MAX];

	if (copy) {
		pthread_mutex_lock(&a->lock);
		free(a->json);
		a->json = copy;
		pthread_mutex_unlock(&a->lock);
	}
	if (!a->prometheus_path[0])
		return;
	prom = audit_prometheus_text(guests, n);
	if (!prom)
		sentence_format(err, sizeof(err), "out of memory formatting the guests' Prometheus series");
	if (prom && write_file_atomic_hidden(a->prometheus_path, prom, strlen(prom), 0644, err) == 0) {
		a->logged_failure = false;
		return;
	}
	if (!a->logged_failure)
		log_warning("cannot write the guests' Prometheus series to %s: %s", a->prometheus_path, err);
	a->logged_failure = true;
}

void guest_audit_refresh(struct guest_audit *a, virConnectPtr conn)
{
	_cleanup_free_ struct host_record *host = calloc(1, sizeof(*host));
	char problem[SEOIB_MESSAGE_MAX] = "";
	struct host_view view;
	bool have_host;
	virDomainPtr *doms = NULL;
	struct audit_guest *guests;
	int n;

	if (!a || !host)
		return;
	a->record_mtime = record_mtime(a);
	have_host = audit_host_load(&a->cfg, (int64_t)time(NULL), host, &view, problem);
	n = virConnectListAllDomains(conn, &doms, 0);
	if (n < 0)
		return; /* the watcher logs a lost connection */
	guests = calloc((size_t)n + 1, sizeof(*guests));
	for (int i = 0; i < n; i++) {
		if (guests)
			judge(a, doms[i], have_host ? &view : NULL, problem, &guests[i]);
		virDomainFree(doms[i]);
	}
	free(doms);
	if (!guests) {
		log_warning("out of memory auditing %d guests", n);
		return;
	}
	qsort(guests, (size_t)n, sizeof(*guests), by_name);
	publish(a, have_host ? host : NULL, problem, guests, (size_t)n);
	for (int i = 0; i < n; i++)
		audit_guest_free(&guests[i]);
	free(guests);
}
