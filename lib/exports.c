/* NFD features file and Prometheus textfile (exports.h). Plain line formats,
 * not JSON: NFD reads "key=value" lines from features.d, node_exporter's
 * textfile collector reads the Prometheus text exposition format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/exports.h"
#include "seoib/fileio.h"
#include "seoib/host_can_run.h"
#include "seoib/states.h"


char *exports_nfd_text(const struct host_record *rec)
{
	char *text = NULL;
	size_t size = 0;
	_cleanup_fclose_ FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	/* NFD label values must be short alphanumerics: one fact per label. */
	fprintf(f, "%sstatus=%s\n", EXPORTS_NFD_NAMESPACE, probe_status_to_string(rec->status));
	fprintf(f, "%sgeneration=%s\n", EXPORTS_NFD_NAMESPACE, generation_to_string(rec->verdict.generation));
	for (int s = 0; s < STATE_COUNT; s++)
		fprintf(f, "%sstate.%s=%s\n", EXPORTS_NFD_NAMESPACE, state_to_string((enum seoib_state)s),
			rec->runnable_states & STATE_BIT(s) ? "true" : "false");
	fprintf(f, "%svmm-control=%s\n", EXPORTS_NFD_NAMESPACE, rec->vmm.can_set_state ? "true" : "false");
	/* The proof vocabulary of docs/behaviour.md: the host, then each state. */
	fprintf(f, "%sbehaviour=%s\n", EXPORTS_NFD_NAMESPACE, proof_to_string(host_behaviour_proof(rec)));
	for (int s = 0; s < STATE_COUNT; s++)
		fprintf(f, "%sbehaviour.%s=%s\n", EXPORTS_NFD_NAMESPACE, state_to_string((enum seoib_state)s),
			proof_to_string(rec->behaviour.proof[s]));
	if (fclose(steal_ptr(f)) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static void prometheus_gauge(FILE *f, const char *name, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

char *exports_prometheus_text(const struct host_record *rec, int64_t now)
{
	char *text = NULL;
	size_t size = 0;
	_cleanup_fclose_ FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	prometheus_gauge(f, "seoib_host_supports", "1 if a guest can be started in this Directed EOI state here.");
	for (int s = 0; s < STATE_COUNT; s++)
		fprintf(f, "seoib_host_supports{state=\"%s\"} %d\n", state_to_string((enum seoib_state)s),
			rec->runnable_states & STATE_BIT(s) ? 1 : 0);
	prometheus_gauge(f, "seoib_behaviour_proof",
			 "1 for the behavioural proof of each state (verified, unverified, contradicted, not-run), 0 for the others.");
	for (int s = 0; s < STATE_COUNT; s++)
		for (int p = 0; p < PROOF_COUNT; p++)
			fprintf(f, "seoib_behaviour_proof{state=\"%s\",proof=\"%s\"} %d\n",
				state_to_string((enum seoib_state)s), proof_to_string((enum proof)p),
				rec->behaviour.proof[s] == (enum proof)p);
	prometheus_gauge(f, "seoib_probe_status", "1 for the status of the last probe, 0 for the others.");
	for (int st = 0; st < PROBE_STATUS_COUNT; st++)
		fprintf(f, "seoib_probe_status{status=\"%s\"} %d\n", probe_status_to_string((enum probe_status)st),
			rec->status == (enum probe_status)st);
	prometheus_gauge(f, "seoib_probe_duration_seconds", "Wall time of the last probe.");
	fprintf(f, "seoib_probe_duration_seconds %.6f\n", rec->probe_duration_ms / 1000.0);
	prometheus_gauge(f, "seoib_probe_timestamp_seconds", "When the last probe ran (Unix time).");
	fprintf(f, "seoib_probe_timestamp_seconds %lld\n", (long long)rec->probe_time);
	/* The age at write time; alert on time() - seoib_probe_timestamp_seconds
	 * for the live age, since the file is rewritten only on a new record. */
	prometheus_gauge(f, "seoib_record_age_seconds", "Age of the record when this file was written.");
	fprintf(f, "seoib_record_age_seconds %lld\n", (long long)host_record_age(rec, now));
	if (fclose(steal_ptr(f)) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

static int write_text(const char *path, char *text, const char *what, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *owned = text;

	if (!owned) {
		snprintf(err, SEOIB_MESSAGE_MAX, "out of memory formatting the %s for %s", what, path);
		return -1;
	}
	return write_file_atomic(path, owned, strlen(owned), 0644, err);
}

int exports_write_nfd(const char *path, const struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	return write_text(path, exports_nfd_text(rec), "NFD features file", err);
}

int exports_write_prometheus(const char *path, const struct host_record *rec, int64_t now,
			     char err[SEOIB_MESSAGE_MAX])
{
	return write_text(path, exports_prometheus_text(rec, now), "Prometheus textfile", err);
}
