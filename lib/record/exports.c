/* NFD features file, Prometheus textfile and Nova provider configuration
 * (exports.h). Each in its consumer's own format, not JSON: NFD reads
 * "key=value" lines from features.d, node_exporter's textfile collector the
 * Prometheus text exposition format, nova-compute a YAML document. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/exports.h"
#include "seoib/fileio.h"
#include "seoib/host_can_run.h"
#include "seoib/states.h"
#include "seoib/sentence.h"
#include "seoib/string_table.h"
#include "seoib/trusted_path.h"


char *exports_nfd_text(const struct host_record *rec)
{
	char *text = NULL;
	size_t size = 0;
	_cleanup_fclose_ FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	/* NFD label values must be short alphanumerics: one fact per label. */
	fprintf(f, "%sstatus=%s\n", EXPORTS_NFD_NAMESPACE, probe_status_to_string(rec->status));
	fprintf(f, "%sgeneration=%s\n", EXPORTS_NFD_NAMESPACE, generation_to_string(rec->claims.generation));
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

/* The behavioural proof of each state, in the vocabulary of the host
 * record (docs/behaviour.md), and how many claims the guest contradicted. */
static void prometheus_behaviour(FILE *f, const struct behaviour *b)
{
	prometheus_gauge(f, "seoib_behaviour_proof",
			 "1 for the behavioural proof of each state (verified, unverified, contradicted, not-run), 0 for the others.");
	for (int s = 0; s < STATE_COUNT; s++)
		for (int p = 0; p < PROOF_COUNT; p++)
			fprintf(f, "seoib_behaviour_proof{state=\"%s\",proof=\"%s\"} %d\n",
				state_to_string((enum seoib_state)s), proof_to_string((enum proof)p),
				b->proof[s] == (enum proof)p);
	prometheus_gauge(f, "seoib_behaviour_contradictions",
			 "Number of capability claims the behaviour probe contradicted (0 when it did not run).");
	fprintf(f, "seoib_behaviour_contradictions %d\n", b->ran ? b->n_conflicts : 0);
}

static const char *const probe_run_status_table[PROBE_RUN_COUNT] = {
	[PROBE_RUN_NONE] = "none",
	[PROBE_RUN_OK] = "ok",
	[PROBE_RUN_TIMEOUT] = "timeout",
	[PROBE_RUN_FAILED] = "failed",
};

DEFINE_STRING_TABLE_LOOKUP_TO_STRING(probe_run_status, enum probe_run_status)

char *exports_prometheus_text(const struct host_record *rec, const struct exports_probe_run *run)
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
	prometheus_gauge(f, "seoib_kernel_generation",
			 "1 for this host's KVM_CAP_X2APIC_API generation, 0 for the others.");
	for (int g = 0; g < GEN_COUNT; g++)
		fprintf(f, "seoib_kernel_generation{generation=\"%s\"} %d\n",
			generation_to_string((enum kernel_generation)g), rec->claims.generation == (enum kernel_generation)g);
	prometheus_behaviour(f, &rec->behaviour);
	prometheus_gauge(f, "seoib_probe_status", "1 for the status of the published record's probe, 0 for the others.");
	for (int st = 0; st < PROBE_STATUS_COUNT; st++)
		fprintf(f, "seoib_probe_status{status=\"%s\"} %d\n", probe_status_to_string((enum probe_status)st),
			rec->status == (enum probe_status)st);
	prometheus_gauge(f, "seoib_probe_duration_seconds", "Wall time of the published record's probe.");
	fprintf(f, "seoib_probe_duration_seconds %.6f\n", rec->probe_duration_ms / 1000.0);
	/* A timestamp, not an age: an age frozen in a file is wrong a second
	 * later; alert on time() - seoib_probe_timestamp_seconds instead. */
	prometheus_gauge(f, "seoib_probe_timestamp_seconds", "When the published record's probe ran (Unix time).");
	fprintf(f, "seoib_probe_timestamp_seconds %lld\n", (long long)rec->probe_time);
	if (!run)
		goto done;
	/* The daemon's last attempt: a failed one keeps the last good record. */
	prometheus_gauge(f, "seoib_last_probe_status",
			 "1 for the outcome of seoibd's last probe attempt (ok, timeout, failed), 0 for the others.");
	for (int st = PROBE_RUN_OK; st < PROBE_RUN_COUNT; st++) /* an attempt ended: not "none" */
		fprintf(f, "seoib_last_probe_status{status=\"%s\"} %d\n", probe_run_status_to_string(st),
			strcmp(run->status, probe_run_status_to_string(st)) == 0);
	prometheus_gauge(f, "seoib_last_probe_timestamp_seconds", "When seoibd's last probe attempt ended (Unix time).");
	fprintf(f, "seoib_last_probe_timestamp_seconds %lld\n", (long long)run->time);
done:
	if (fclose(steal_ptr(f)) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* Nova's provider configuration file, schema 1.0 (nova/compute/provider_config.py):
 * the compute node's own resource provider ($COMPUTE_NODE) gets one custom
 * trait per runnable state. Flow-style lists keep it one line per trait. */
char *exports_nova_text(const struct host_record *rec)
{
	char *text = NULL;
	size_t size = 0;
	_cleanup_fclose_ FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	fprintf(f, "# Written by seoibd from this host's record; do not edit (docs/fleet.md).\n"
		   "# nova-compute reads it at start: restart it after the traits change.\n"
		   "meta:\n  schema_version: '1.0'\n"
		   "providers:\n  - identification:\n      uuid: '$COMPUTE_NODE'\n"
		   "    traits:\n      additional:\n");
	fprintf(f, "        - %sPROBED_%s\n", EXPORTS_NOVA_TRAIT_PREFIX, rec->status == PROBE_OK ? "OK" : "FAILED");
	for (int s = 0; s < STATE_COUNT; s++) {
		char trait[64];

		if (!(rec->runnable_states & STATE_BIT(s)))
			continue;
		snprintf(trait, sizeof(trait), "%s%s", EXPORTS_NOVA_TRAIT_PREFIX, state_to_string((enum seoib_state)s));
		for (char *c = trait; *c; c++)
			*c = *c == '-' ? '_' : (char)toupper((unsigned char)*c);
		fprintf(f, "        - %s\n", trait);
		if (rec->behaviour.proof[s] == PROOF_VERIFIED)
			fprintf(f, "        - %s_VERIFIED\n", trait);
	}
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
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory formatting the %s for %s", what, path);
		return -1;
	}
	/* Consumers trust what seoibd writes here: the path, and every
	 * directory above it, under the rule of every trusted path. */
	if (trusted_path_check(path, 0, err) < 0)
		return -1;
	/* Hidden: NFD reads every other file of features.d; the textfile
	 * collector and nova-compute read only *.prom and *.yaml anyway. */
	return write_file_atomic_hidden(path, owned, strlen(owned), 0644, err);
}

int exports_write_nfd(const char *path, const struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	return write_text(path, exports_nfd_text(rec), "NFD features file", err);
}

int exports_write_prometheus(const char *path, const struct host_record *rec, const struct exports_probe_run *run,
			     char err[SEOIB_MESSAGE_MAX])
{
	return write_text(path, exports_prometheus_text(rec, run), "Prometheus textfile", err);
}

int exports_write_nova(const char *path, const struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	return write_text(path, exports_nova_text(rec), "Nova provider configuration file", err);
}

void exports_prometheus_label(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}
