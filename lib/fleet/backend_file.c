/* The file backend of the fleet chain (fleet_backend.h): records as files,
 * for offline planning, air-gapped sites and tests. Two shapes:
 *   fleet-directory = DIR   one record a host, DIR/<hostname>.json, looked
 *                           up, listed and published (atomically written);
 *   --record-from-file F    one host's record (seoibctl check): F alone.
 * A file says nothing of whose record it holds but the record itself, so
 * its hostname must be the one asked for. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "seoib/cleanup.h"
#include "seoib/fileio.h"
#include "seoib/fleet_backend.h"
#include "seoib/host_identity.h"
#include "seoib/hostname.h"
#include "seoib/json_util.h"
#include "seoib/sentence.h"

/* Files a listing reads at most: past that, the listing fails with a
 * sentence rather than reading without end. */
#define FLEET_DIRECTORY_MAX 200000
#define RECORD_SUFFIX ".json"

struct file_backend {
	char path[4096];     /* the directory, or the one file */
	bool one_file;
};

/* One record file of host: 1, or -1 with a sentence. A record of another
 * host would judge the migration against the wrong machine. */
static int load_one_file(const char *host, const char *record_file, struct host_record *rec,
			 char err[SEOIB_MESSAGE_MAX])
{
	if (host_record_load(record_file, rec, err) < 0)
		return -1;
	if (!host_names_same(rec->host.hostname, host)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the record in %s is of host '%s', not of %s; pass the record %s "
			 "publishes (its /run/seoib/host.json), or --dest %s", record_file, rec->host.hostname, host,
			 host, rec->host.hostname);
		return -1;
	}
	return 1;
}

/* DIR/<hostname>.json; -1 when it does not fit or the name could leave DIR. */
static int record_path(const struct file_backend *fb, const char *hostname, char *path, size_t size)
{
	int n;

	if (strchr(hostname, '/') || hostname[0] == '.' || hostname[0] == '\0')
		return -1;
	n = snprintf(path, size, "%s/%s" RECORD_SUFFIX, fb->path, hostname);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int file_lookup(void *state, const char *host, struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	const struct file_backend *fb = state;
	char path[4096 + 320];
	struct stat st;

	if (fb->one_file)
		return load_one_file(host, fb->path, rec, err);
	if (record_path(fb, host, path, sizeof(path)) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "host name %s cannot name a file in fleet-directory %s", host,
				fb->path);
		return -1;
	}
	if (lstat(path, &st) < 0 && errno == ENOENT) {
		/* No record: unknown, as a key without a lease. */
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s has no record in fleet-directory %s; copy its "
				"/run/seoib/host.json there as %s" RECORD_SUFFIX, host, fb->path, host);
		return 0;
	}
	if (host_record_load(path, rec, err) < 0)
		return -1;
	if (!host_names_same(rec->host.hostname, host)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s holds the record of host %s; remove it or rename it %s" RECORD_SUFFIX,
				path, rec->host.hostname, rec->host.hostname);
		return -1;
	}
	return 1;
}

/* ---- listing ---- */

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

/* The host names of DIR's record files, sorted (the order etcd lists
 * keys in). 0, or -1 with a sentence. */
static int list_names(const char *dir, char ***out, size_t *n, char err[SEOIB_MESSAGE_MAX])
{
	DIR *d = opendir(dir);
	char **names = NULL;
	struct dirent *e;

	*n = 0;
	if (!d) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot open fleet-directory %s: %s; create it or fix fleet-directory "
				"in seoib.conf", dir, strerror(errno));
		return -1;
	}
	while ((e = readdir(d))) {
		size_t len = strlen(e->d_name);
		char **grown;

		/* Hidden files are write_file_atomic()'s temporaries. */
		if (e->d_name[0] == '.' || len <= strlen(RECORD_SUFFIX) ||
		    strcmp(e->d_name + len - strlen(RECORD_SUFFIX), RECORD_SUFFIX) != 0)
			continue;
		if (*n == FLEET_DIRECTORY_MAX) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "fleet-directory %s holds more than %d record files; "
					"seoib reads at most that many", dir, FLEET_DIRECTORY_MAX);
			goto fail;
		}
		grown = realloc(names, (*n + 1) * sizeof(*names));
		if (!grown || !(grown[*n] = strndup(e->d_name, len - strlen(RECORD_SUFFIX)))) {
			names = grown ? grown : names;
			sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory listing fleet-directory %s", dir);
			goto fail;
		}
		names = grown;
		(*n)++;
	}
	closedir(d);
	qsort(names, *n, sizeof(*names), compare_names);
	*out = names;
	return 0;
fail:
	closedir(d);
	free_names(names, *n);
	*n = 0;
	return -1;
}

static int file_walk(void *state, bool want_records, fleet_summary_fn fn, void *userdata,
		     struct fleet_walk_result *res, char err[SEOIB_MESSAGE_MAX])
{
	const struct file_backend *fb = state;
	_cleanup_free_ struct host_record *rec = malloc(sizeof(*rec));
	char **names = NULL;
	size_t n;
	int r = 0;

	*res = (struct fleet_walk_result){0};
	if (!rec || list_names(fb->path, &names, &n, err) < 0) {
		if (!rec)
			sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory reading fleet-directory %s", fb->path);
		return -1;
	}
	for (size_t i = 0; i < n && r == 0; i++) {
		char why[SEOIB_MESSAGE_MAX];
		struct host_summary sum;
		int found = file_lookup(state, names[i], rec, why);

		if (found == 1) {
			host_summary_from_record(rec, &sum);
			r = fn(&sum, want_records ? rec : NULL, userdata);
		} else if (found < 0 && !fleet_walk_note_invalid(res, names[i], why)) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory reading fleet-directory %s", fb->path);
			r = -1;
		}
	}
	free_names(names, n);
	return r < 0 ? -1 : 0;
}

static int file_publish(void *state, const struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	const struct file_backend *fb = state;
	_cleanup_json_ json_object *o = host_record_to_json(rec);
	const char *text = o ? json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY) : NULL;
	char path[4096 + 320];

	if (fb->one_file || record_path(fb, rec->host.hostname, path, sizeof(path)) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot publish the record of %s to %s: %s", rec->host.hostname,
				fb->path, fb->one_file ? "a record file is read only" : "the host name cannot name a file");
		return -1;
	}
	if (!text) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory writing the record of %s", rec->host.hostname);
		return -1;
	}
	return write_file_atomic(path, text, strlen(text), 0644, err);
}

static bool file_configured(const struct seoib_config *cfg)
{
	return cfg->fleet_directory[0] != '\0';
}

static int file_open(const struct seoib_config *cfg, void **state, char err[SEOIB_MESSAGE_MAX])
{
	struct file_backend *fb = calloc(1, sizeof(*fb));

	if (!fb) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory opening fleet-directory %s", cfg->fleet_directory);
		return -1;
	}
	snprintf(fb->path, sizeof(fb->path), "%s", cfg->fleet_directory);
	*state = fb;
	return 0;
}

/* The --record-from-file shape: one file, looked up only. */
int fleet_file_backend_one(const char *record_file, void **state, char err[SEOIB_MESSAGE_MAX])
{
	struct file_backend *fb;

	if (strlen(record_file) >= sizeof(fb->path) || !(fb = calloc(1, sizeof(*fb)))) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot read the record file %s: the path is too long or memory "
				"is short", record_file);
		return -1;
	}
	snprintf(fb->path, sizeof(fb->path), "%s", record_file);
	fb->one_file = true;
	*state = fb;
	return 0;
}

static void file_close(void *state)
{
	free(state);
}

const struct fleet_backend_ops fleet_backend_file = {
	.name = "file",
	.configured = file_configured,
	.open = file_open,
	.close = file_close,
	.lookup = file_lookup,
	.walk = file_walk,
	.publish = file_publish,
};
