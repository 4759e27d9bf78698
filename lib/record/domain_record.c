/* Per-domain records of the qemu hook (see seoib/domain_record.h). */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seoib/cleanup.h"
#include "seoib/domain_record.h"
#include "seoib/fileio.h"
#include "seoib/json_util.h"
#include "seoib/sentence.h"
#include "seoib/string_table.h"
#include "seoib/trusted_path.h"

#define DOMAIN_RECORD_MAX_BYTES (64 * 1024)

static const char *const domain_phase_table[] = {[DOMAIN_PENDING] = "pending", [DOMAIN_RUNNING] = "running"};

DEFINE_PRIVATE_STRING_TABLE_LOOKUP(domain_phase, enum domain_phase)

bool gate_uuid_is_valid(const char *uuid)
{
	/* 8-4-4-4-12 hexadecimal digits, as libvirt prints <uuid>. */
	static const char pattern[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	if (!uuid || strlen(uuid) != sizeof(pattern) - 1)
		return false;
	for (size_t i = 0; pattern[i]; i++)
		if (pattern[i] == '-' ? uuid[i] != '-' : !isxdigit((unsigned char)uuid[i]))
			return false;
	return true;
}

static int record_name(const char *uuid, enum domain_phase phase, char *name, size_t size,
		       char err[SEOIB_MESSAGE_MAX])
{
	/* The UUID comes from the domain XML: never let it name another file. */
	if (!gate_uuid_is_valid(uuid)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "domain UUID '%s' is not a canonical UUID; not using it as a file name",
			 uuid);
		return -1;
	}
	snprintf(name, size, "%s%s.json", uuid, phase == DOMAIN_PENDING ? ".pending" : "");
	return 0;
}

int domain_record_write(const char *dir, const struct domain_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *o = json_object_new_object();
	_cleanup_close_ int dfd = -1;
	char name[80], when[32], inner[SEOIB_MESSAGE_MAX];
	const char *text;

	if (rec->phase > DOMAIN_RUNNING) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the record of '%s' has no phase seoib knows (%d); not writing it",
				rec->name, (int)rec->phase);
		return -1;
	}
	if (rec->state > STATE_UNKNOWN) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "the record of '%s' has no state seoib knows (%d); not writing it",
				rec->name, (int)rec->state);
		return -1;
	}
	if (record_name(rec->uuid, rec->phase, name, sizeof(name), err) < 0)
		return -1;
	dfd = trusted_path_open_dir(dir, TRUSTED_CREATE | TRUSTED_NOT_SERVICE, err);
	if (dfd < 0)
		return -1;
	format_utc(rec->time, when, sizeof(when));
	json_add(o, "schema", json_object_new_string(DOMAIN_RECORD_SCHEMA));
	json_add(o, "phase", json_object_new_string(domain_phase_to_string(rec->phase)));
	json_add(o, "name", json_object_new_string(rec->name));
	json_add(o, "uuid", json_object_new_string(rec->uuid));
	json_add(o, "state", json_object_new_string(state_or_unknown_to_string(rec->state)));
	json_add(o, "operation", json_object_new_string(rec->operation));
	json_add(o, "verdict", json_object_new_string(rec->answer));
	if (rec->arrival[0])
		json_add(o, "arrival", json_object_new_string(rec->arrival));
	json_add(o, "time", json_object_new_string(when));
	json_add(o, "time_unix", json_object_new_int64(rec->time));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (write_file_atomic_at(dfd, name, text, strlen(text), 0644, inner) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "in %s: %s", dir, inner);
		return -1;
	}
	return 0;
}

static int domain_record_from_json(json_object *o, struct domain_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	struct json_reader r = {.err = err};
	char schema[32], state[32], phase[16];
	int s, p;

	if (json_read_string(&r, o, "schema", schema, sizeof(schema)) < 0)
		return -1;
	if (strcmp(schema, DOMAIN_RECORD_SCHEMA) != 0)
		return json_reader_fail(&r, "schema", "is not " DOMAIN_RECORD_SCHEMA);
	if (json_read_string(&r, o, "phase", phase, sizeof(phase)) < 0)
		return -1;
	p = domain_phase_from_string(phase);
	if (p < 0)
		return json_reader_fail(&r, "phase", "is neither pending nor running");
	rec->phase = p;
	if (json_read_string(&r, o, "name", rec->name, sizeof(rec->name)) < 0 ||
	    json_read_string(&r, o, "uuid", rec->uuid, sizeof(rec->uuid)) < 0 ||
	    json_read_string(&r, o, "state", state, sizeof(state)) < 0 ||
	    json_read_string(&r, o, "operation", rec->operation, sizeof(rec->operation)) < 0 ||
	    json_read_string(&r, o, "verdict", rec->answer, sizeof(rec->answer)) < 0 ||
	    json_read_optional_string(&r, o, "arrival", rec->arrival, sizeof(rec->arrival)) < 0 ||
	    json_read_int64(&r, o, "time_unix", &rec->time) < 0)
		return -1;
	if (rec->arrival[0] && strcmp(rec->arrival, "migrate") != 0 && strcmp(rec->arrival, "restore") != 0)
		return json_reader_fail(&r, "arrival", "is neither migrate nor restore");
	if (rec->time < 0) /* also keeps now - time from overflowing */
		return json_reader_fail(&r, "time_unix", "is before 1970");
	s = state_or_unknown_from_string(state);
	if (s < 0)
		return json_reader_fail(&r, "state", "is not a known state");
	rec->state = s;
	return 0;
}

int domain_record_from_string(const char *text, size_t len, struct domain_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_json_ json_object *o = NULL;

	memset(rec, 0, sizeof(*rec));
	if (json_parse_text(text, len, &o, err) < 0 || domain_record_from_json(o, rec, err) < 0)
		return -1;
	return 0;
}

int domain_record_read(const char *dir, const char *uuid, enum domain_phase phase, struct domain_record *rec,
		       char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *text = NULL;
	_cleanup_close_ int dfd = -1;
	char name[80], inner[SEOIB_MESSAGE_MAX];
	size_t len;

	memset(rec, 0, sizeof(*rec));
	if (record_name(uuid, phase, name, sizeof(name), err) < 0)
		return -1;
	dfd = trusted_path_open_dir(dir, TRUSTED_NOT_SERVICE, err);
	if (dfd < 0)
		return errno == ENOENT ? 1 : -1;
	if (read_regular_file_bounded(dfd, name, O_NOFOLLOW, DOMAIN_RECORD_MAX_BYTES, &text, &len, inner) < 0) {
		if (errno == ENOENT)
			return 1;
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s/%s %s", dir, name, inner);
		return -1;
	}
	if (domain_record_from_string(text, len, rec, inner) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s/%s: %s", dir, name, inner);
		return -1;
	}
	if (rec->phase != phase) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s/%s says it is %s, not %s; not using it", dir, name,
				domain_phase_to_string(rec->phase), domain_phase_to_string(phase));
		return -1;
	}
	return 0;
}

int domain_record_drop(const char *dir, const char *uuid, enum domain_phase phase, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_close_ int dfd = -1;
	char name[80];

	if (record_name(uuid, phase, name, sizeof(name), err) < 0)
		return -1;
	dfd = trusted_path_open_dir(dir, TRUSTED_NOT_SERVICE, err);
	if (dfd < 0)
		return errno == ENOENT ? 0 : -1;
	if (unlinkat(dfd, name, 0) < 0 && errno != ENOENT) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot remove %s/%s: %s", dir, name, strerror(errno));
		return -1;
	}
	return 0;
}

int domain_record_forget(const char *dir, const char *uuid, char err[SEOIB_MESSAGE_MAX])
{
	if (domain_record_drop(dir, uuid, DOMAIN_PENDING, err) < 0)
		return -1;
	return domain_record_drop(dir, uuid, DOMAIN_RUNNING, err);
}

/* The domain records' directory, trusted, opened for a bounded listing:
 * its DIR (on a descriptor of its own: closedir() closes the one it is
 * given), with *dfd open on the directory for *at() calls. NULL when it
 * cannot be: *dfd is -ENOENT when the directory does not exist (nothing to
 * list), else -1 with a sentence in err. */
static DIR *open_listing(const char *dir, int *dfd, char err[SEOIB_MESSAGE_MAX])
{
	DIR *d;
	int own;

	*dfd = trusted_path_open_dir(dir, TRUSTED_NOT_SERVICE, err);
	if (*dfd < 0) {
		*dfd = errno == ENOENT ? -ENOENT : -1;
		return NULL;
	}
	own = dup(*dfd);
	d = own < 0 ? NULL : fdopendir(own);
	if (!d) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot list %s: %s", dir, strerror(errno));
		if (own >= 0)
			close(own);
	}
	return d;
}

int domain_record_find_named(const char *dir, const char *name, enum domain_phase phase, struct domain_record *rec,
			     char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_close_ int dfd = -1;
	const char *suffix = phase == DOMAIN_PENDING ? ".pending.json" : ".json";
	char uuid[40], inner[SEOIB_MESSAGE_MAX];
	int seen = 0, found = 1;
	struct dirent *e;
	DIR *d = open_listing(dir, &dfd, err);

	if (!d)
		return dfd == -ENOENT ? 1 : -1;
	/* Bounded: a directory filled by someone else cannot hold the hook.
	 * The file name is UUID + suffix exactly; the read checks the UUID. */
	while (found == 1 && seen++ < DOMAIN_RECORD_SWEEP_MAX && (e = readdir(d))) {
		size_t n = strlen(e->d_name), k = strlen(suffix);

		if (n != 36 + k || strcmp(e->d_name + 36, suffix) != 0)
			continue;
		memcpy(uuid, e->d_name, 36);
		uuid[36] = '\0';
		if (domain_record_read(dir, uuid, phase, rec, inner) == 0 && strcmp(rec->name, name) == 0)
			found = 0;
	}
	closedir(d);
	if (found)
		memset(rec, 0, sizeof(*rec));
	return found;
}

/* "NAME.tmp.XXXXXXXX": write_file_atomic_at()'s temporary name. */
static bool is_temporary(const char *name)
{
	const char *t = strstr(name, ".tmp.");

	return t && t != name && t[5] != '\0' && !strchr(t + 5, '.');
}

int domain_record_sweep(const char *dir, int64_t now, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_close_ int dfd = -1;
	struct dirent *e;
	int removed = 0, seen = 0;
	DIR *d = open_listing(dir, &dfd, err);

	if (!d)
		return dfd == -ENOENT ? 0 : -1;
	/* Bounded: a directory filled by someone else cannot hold the hook. */
	while (seen++ < DOMAIN_RECORD_SWEEP_MAX && (e = readdir(d))) {
		struct stat st;

		if (!is_temporary(e->d_name) || fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode) || now - (int64_t)st.st_mtime <= DOMAIN_RECORD_TMP_AGE_S)
			continue;
		if (unlinkat(dfd, e->d_name, 0) == 0)
			removed++;
	}
	closedir(d);
	return removed;
}
