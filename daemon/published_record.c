/* seoibd's published record: the envelope is lib/record/record_file.c, the
 * atomic write lib/util/fileio.c; here, last_probe and the directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "published_record.h"
#include "seoib/fileio.h"
#include "seoib/json_util.h"
#include "seoib/record_file.h"
#include "seoib/sentence.h"

static json_object *last_probe_to_json(const struct last_probe *last)
{
	json_object *o = json_object_new_object();
	char when[64] = "";

	format_utc((int64_t)(last->time_usec / 1000000), when, sizeof(when));
	json_add(o, "status", json_object_new_string(probe_run_status_to_string(last->status)));
	json_add(o, "message", last->message[0] ? json_object_new_string(last->message) : NULL);
	json_add(o, "time", json_object_new_string(when));
	json_add(o, "time_usec", json_object_new_int64((int64_t)last->time_usec));
	json_add(o, "current", json_object_new_boolean(last->current));
	return o;
}

char *published_record_write(const char *path, json_object *record_json, const struct last_probe *last,
			  char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *text = record_file_format(record_json, last_probe_to_json(last));

	if (!text) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "out of memory formatting the record for %s", path);
		return NULL;
	}
	if (write_file_atomic(path, text, strlen(text), 0644, err) < 0)
		return NULL;
	return steal_ptr(text);
}

static bool is_leftover_temp(const char *name, const char *base)
{
	size_t n = strlen(base);

	return strncmp(name, base, n) == 0 && strncmp(name + n, ".tmp.", 5) == 0;
}

void published_record_prepare_dir(const char *path)
{
	_cleanup_free_ char *dir_copy = strdup(path);
	_cleanup_free_ char *base_copy = strdup(path);
	const char *dir, *base;
	DIR *d;
	struct dirent *e;

	if (!dir_copy || !base_copy)
		return;
	dir = dirname(dir_copy);
	base = basename(base_copy);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		log_warning("cannot create %s: %s; the record cannot be published there", dir, strerror(errno));
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (is_leftover_temp(e->d_name, base) && unlinkat(dirfd(d), e->d_name, 0) == 0)
			log_info("removed %s/%s, left by a writer that was killed mid-write", dir, e->d_name);
	closedir(d);
}
