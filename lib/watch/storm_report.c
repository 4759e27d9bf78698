/* The storm report: JSON out and back, its path, its Prometheus series
 * (storm_report.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/exports.h"
#include "seoib/json_util.h"
#include "seoib/storm_report.h"

/* Rates are published with one decimal: enough for a per-second count. */
static json_object *rate(double v)
{
	char text[32];
	double r = (double)(long long)(v * 10 + 0.5) / 10;

	/* The text is json-c's serialisation: 928.1, never 928.10000000000002. */
	snprintf(text, sizeof(text), "%.1f", r);
	return json_object_new_double_s(r, text);
}

static json_object *guest_to_json(const struct storm_report_guest *g)
{
	json_object *o = json_object_new_object();

	json_add(o, "name", json_object_new_string(g->name));
	json_add(o, "uuid", json_object_new_string(g->uuid));
	json_add(o, "watched_because", json_object_new_string(g->watched_because));
	json_add(o, "storming", json_object_new_boolean(g->storming));
	json_add(o, "vcpu", g->vcpu >= 0 ? json_object_new_int(g->vcpu) : NULL);
	json_add(o, "duration_s", rate(g->duration_s));
	json_add(o, "injections_per_s", rate(g->injections_per_s));
	json_add(o, "halts_per_s", rate(g->halts_per_s));
	json_add(o, "returns_per_s", g->returns_per_s >= 0 ? rate(g->returns_per_s) : NULL);
	json_add(o, "cpu", rate(g->cpu));
	json_add(o, "runnable", rate(g->runnable));
	json_add(o, "evidence", json_object_new_string(g->evidence));
	json_add(o, "problem", g->problem[0] ? json_object_new_string(g->problem) : NULL);
	json_add(o, "reasons", json_object_new_string(g->reasons));
	json_add(o, "remediation", g->remediation[0] ? json_object_new_string(g->remediation) : NULL);
	return o;
}

json_object *storm_report_to_json(const struct storm_report_guest *g, size_t n)
{
	json_object *o = json_object_new_object();
	json_object *guests = json_object_new_array();
	int storming = 0;

	for (size_t i = 0; i < n; i++) {
		storming += g[i].storming;
		json_object_array_add(guests, guest_to_json(&g[i]));
	}
	json_add(o, "schema", json_object_new_string(STORM_REPORT_SCHEMA));
	json_add(o, "watched", json_object_new_int((int)n));
	json_add(o, "storming", json_object_new_int(storming));
	json_add(o, "guests", guests);
	return o;
}

/* An optional string member: "" when absent or null. */
static int read_optional_string(struct json_reader *r, json_object *parent, const char *key, char *dst, size_t size)
{
	json_object *v;

	dst[0] = 0;
	if (json_read_optional(r, parent, key, &v) < 0)
		return -1;
	return v ? json_value_string(r, key, v, dst, size) : 0;
}

static int read_number(struct json_reader *r, json_object *parent, const char *key, double *out, bool optional)
{
	json_object *v;

	if (json_read_optional(r, parent, key, &v) < 0)
		return -1;
	if (!v) {
		*out = -1;
		return optional ? 0 : json_reader_fail(r, key, "is missing");
	}
	if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int))
		return json_reader_fail(r, key, "is not a number");
	*out = json_object_get_double(v);
	if (!isfinite(*out) || *out < 0 || *out > 1e12)
		return json_reader_fail(r, key, "is out of range");
	return 0;
}

static int guest_from_json(struct json_reader *r, json_object *o, struct storm_report_guest *g)
{
	json_object *vcpu;

	memset(g, 0, sizeof(*g));
	if (json_read_string(r, o, "name", g->name, sizeof(g->name)) < 0 ||
	    json_read_string(r, o, "uuid", g->uuid, sizeof(g->uuid)) < 0 ||
	    json_read_string(r, o, "watched_because", g->watched_because, sizeof(g->watched_because)) < 0 ||
	    json_read_bool(r, o, "storming", &g->storming) < 0 || json_read_optional(r, o, "vcpu", &vcpu) < 0 ||
	    read_number(r, o, "duration_s", &g->duration_s, false) < 0 ||
	    read_number(r, o, "injections_per_s", &g->injections_per_s, false) < 0 ||
	    read_number(r, o, "halts_per_s", &g->halts_per_s, false) < 0 ||
	    read_number(r, o, "returns_per_s", &g->returns_per_s, true) < 0 ||
	    read_number(r, o, "cpu", &g->cpu, false) < 0 || read_number(r, o, "runnable", &g->runnable, false) < 0 ||
	    json_read_string(r, o, "evidence", g->evidence, sizeof(g->evidence)) < 0 ||
	    read_optional_string(r, o, "problem", g->problem, sizeof(g->problem)) < 0 ||
	    json_read_string(r, o, "reasons", g->reasons, sizeof(g->reasons)) < 0 ||
	    read_optional_string(r, o, "remediation", g->remediation, sizeof(g->remediation)) < 0)
		return -1;
	g->vcpu = -1;
	if (vcpu) {
		int64_t v = json_object_get_int64(vcpu);

		if (!json_object_is_type(vcpu, json_type_int) || v < 0 || v > 65535)
			return json_reader_fail(r, "vcpu", "is not a vCPU number");
		g->vcpu = (int)v;
	}
	return 0;
}

int storm_report_from_json(const char *text, size_t len, struct storm_report_guest **out, size_t *n,
			   char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *o = NULL;
	struct json_reader r = {.err = err};
	json_object *guests;
	char schema[64];
	size_t count;

	*out = NULL;
	*n = 0;
	if (len > STORM_REPORT_MAX) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the storm report is larger than %u bytes", STORM_REPORT_MAX);
		return -1;
	}
	if (json_parse_text(text, len, &o, err) < 0)
		return -1;
	if (!json_object_is_type(o, json_type_object)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the storm report is not a JSON object");
		return -1;
	}
	if (json_read_string(&r, o, "schema", schema, sizeof(schema)) < 0 || json_read_array(&r, o, "guests", &guests) < 0)
		return -1;
	if (strcmp(schema, STORM_REPORT_SCHEMA) != 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the storm report's schema is \"%s\", not \"%s\"", schema,
				STORM_REPORT_SCHEMA);
		return -1;
	}
	count = json_object_array_length(guests);
	if (count > STORM_REPORT_GUESTS_MAX) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the storm report lists %zu guests, more than %d", count,
				STORM_REPORT_GUESTS_MAX);
		return -1;
	}
	*out = calloc(count ? count : 1, sizeof(**out));
	if (!*out) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory reading the storm report");
		return -1;
	}
	for (size_t i = 0; i < count; i++) {
		json_object *g = json_object_array_get_idx(guests, i);

		if (!json_object_is_type(g, json_type_object) || guest_from_json(&r, g, &(*out)[i]) < 0) {
			if (!r.failed)
				sentence_format(err, SEOIB_MESSAGE_MAX, "guest %zu of the storm report is not an object", i + 1);
			free(*out);
			*out = NULL;
			return -1;
		}
	}
	*n = count;
	return 0;
}

void storm_report_path(const char *record_path, char *out, size_t size)
{
	const char *slash = strrchr(record_path, '/');

	if (!slash)
		snprintf(out, size, "%s", STORM_REPORT_FILE);
	else
		snprintf(out, size, "%.*s/%s", (int)(slash - record_path), record_path, STORM_REPORT_FILE);
}

static void series(FILE *f, const char *metric, const struct storm_report_guest *g, double v)
{
	fprintf(f, "%s{domain=\"", metric);
	exports_prometheus_label(f, g->name);
	fputs("\",uuid=\"", f);
	exports_prometheus_label(f, g->uuid);
	fprintf(f, "\"} %.1f\n", v);
}

char *storm_report_prometheus_text(const struct storm_report_guest *g, size_t n)
{
	static const struct {
		const char *name, *help;
	} metrics[] = {
		{"seoib_guest_storming", "1 while seoibd sees this exposed guest in an interrupt storm (docs/storm.md)"},
		{"seoib_guest_storm_duration_seconds", "How long the current storm has lasted, 0 when calm"},
		{"seoib_guest_irq_injections_per_second", "Interrupt injections a second, the storming or last vCPU"},
		{"seoib_guest_halt_exits_per_second", "Halt exits a second, the storming or last vCPU"},
	};
	char *text = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&text, &size);

	if (!f)
		return NULL;
	for (size_t m = 0; m < sizeof(metrics) / sizeof(metrics[0]); m++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s gauge\n", metrics[m].name, metrics[m].help, metrics[m].name);
		for (size_t i = 0; i < n; i++) {
			double v = m == 0 ? g[i].storming : m == 1 ? g[i].duration_s
						 : m == 2 ? g[i].injections_per_s : g[i].halts_per_s;

			series(f, metrics[m].name, &g[i], v);
		}
	}
	fprintf(f, "# HELP seoib_guests_storm_watched Running exposed guests seoibd watches for a storm\n"
		   "# TYPE seoib_guests_storm_watched gauge\nseoib_guests_storm_watched %zu\n", n);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}
