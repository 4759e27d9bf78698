/* The VMM cache's rules (vmm_cache.h). The cache is a hint: anything that
 * is not exactly what seoib wrote for exactly this binary is asked again. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "seoib/cleanup.h"
#include "seoib/fileio.h"
#include "seoib/json_util.h"
#include "vmm_cache.h"
#include "seoib/trusted_path.h"

int vmm_identity_read(const char *path, struct vmm_identity *id)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode) || access(path, X_OK) < 0)
		return -ENOEXEC;
	id->size = (long long)st.st_size;
	id->mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
	id->ctime_ns = (long long)st.st_ctim.tv_sec * 1000000000LL + st.st_ctim.tv_nsec;
	id->dev = (unsigned long long)st.st_dev;
	id->ino = (unsigned long long)st.st_ino;
	return 0;
}

void vmm_identity_add_json(json_object *entry, const char *path, const struct vmm_identity *id)
{
	json_object_object_add(entry, "path", json_object_new_string(path));
	json_object_object_add(entry, "size", json_object_new_int64(id->size));
	json_object_object_add(entry, "mtime_ns", json_object_new_int64(id->mtime_ns));
	json_object_object_add(entry, "ctime_ns", json_object_new_int64(id->ctime_ns));
	json_object_object_add(entry, "dev", json_object_new_uint64(id->dev));
	json_object_object_add(entry, "ino", json_object_new_uint64(id->ino));
}

json_object *vmm_cache_get(json_object *obj, const char *key, json_type type)
{
	json_object *value;

	if (!json_object_object_get_ex(obj, key, &value) || !json_object_is_type(value, type))
		return NULL;
	return value;
}

bool vmm_identity_matches_json(json_object *entry, const char *path, const struct vmm_identity *id)
{
	json_object *p = vmm_cache_get(entry, "path", json_type_string);
	json_object *size = vmm_cache_get(entry, "size", json_type_int);
	json_object *mtime = vmm_cache_get(entry, "mtime_ns", json_type_int);
	json_object *ctime = vmm_cache_get(entry, "ctime_ns", json_type_int);
	json_object *dev = vmm_cache_get(entry, "dev", json_type_int);
	json_object *ino = vmm_cache_get(entry, "ino", json_type_int);

	return p && size && mtime && ctime && dev && ino && !strcmp(json_object_get_string(p), path) &&
	       json_object_get_int64(size) == id->size && json_object_get_int64(mtime) == id->mtime_ns &&
	       json_object_get_int64(ctime) == id->ctime_ns &&
	       (unsigned long long)json_object_get_uint64(dev) == id->dev &&
	       (unsigned long long)json_object_get_uint64(ino) == id->ino;
}

int vmm_cache_open_dir(const char *dir, char note[SEOIB_MESSAGE_MAX])
{
	char err[SEOIB_MESSAGE_MAX];
	/* The ownership rule of every trusted path (trusted_path.h): root with
	 * another user's $HOME must not read that user's entries, nor write
	 * into their ~/.cache; seoibd's own CacheDirectory is trusted. */
	int dfd = trusted_path_open_dir(dir, TRUSTED_CREATE, err);

	if (dfd < 0)
		sentence_format(note, SEOIB_MESSAGE_MAX, "not using the VMM cache: %s", err);
	return dfd;
}

json_object *vmm_cache_read(int dfd, const char *name, size_t max_bytes, const char *what,
			    char note[SEOIB_MESSAGE_MAX])
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	json_object *entry = NULL;
	char err[SEOIB_MESSAGE_MAX];
	struct stat st;
	size_t len;

	fd = open_regular_file(dfd, name, O_NOFOLLOW, &st, err);
	if (fd < 0) {
		if (errno != ENOENT)
			sentence_format(note, SEOIB_MESSAGE_MAX, "the %s %s %s; asked QEMU instead", what, name, err);
		return NULL;
	}
	if (!trusted_path_stat_ok(name, &st, true, 0, err)) {
		sentence_format(note, SEOIB_MESSAGE_MAX, "the %s is not used: %s; asked QEMU instead and replaced it", what, err);
		return NULL;
	}
	if ((size_t)st.st_size > max_bytes) {
		sentence_format(note, SEOIB_MESSAGE_MAX,
				"the %s %s has %lld bytes, more than the %zu it may have; asked QEMU instead and replaced it",
				what, name, (long long)st.st_size, max_bytes);
		return NULL;
	}
	if (read_fd_bounded(fd, max_bytes, &text, &len, err) < 0 || json_parse_text(text, len, &entry, err) < 0)
		return NULL;
	return entry;
}

void vmm_cache_write(int dfd, const char *name, json_object *entry, const char *what,
		     char note[SEOIB_MESSAGE_MAX])
{
	const char *text = json_object_to_json_string_ext(entry, JSON_C_TO_STRING_PRETTY);
	char err[SEOIB_MESSAGE_MAX];

	/* Atomic (write_file_atomic_at): a reader sees the old entry or the
	 * new one, never half of one. */
	if (write_file_atomic_at(dfd, name, text, strlen(text), 0644, err) < 0 && !note[0])
		sentence_format(note, SEOIB_MESSAGE_MAX, "cannot update the %s %s: %s", what, name, err);
}

unsigned long long vmm_cache_hash(const char *text, unsigned long long h)
{
	for (const unsigned char *p = (const unsigned char *)text; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return h;
}
