/* The VMM cache's rules, shared by the VMM probe (vmm.c) and the guest
 * query (qemu_guest_query.c): an entry is a JSON file of the effective user
 * in a directory reached through trusted directories only, at most a bound
 * in size, written atomically, and counted only when the binary it speaks
 * of has the identity recorded in it. Internal to lib/vmm/. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "seoib/sentence.h"

/* A binary's identity, as libvirt's virQEMUCapsIsValid() keys its cache
 * (path, size, mtime), plus ctime (set by the kernel on any change; nobody
 * can set it back), device and inode. */
struct vmm_identity {
	long long size;
	long long mtime_ns;
	long long ctime_ns;
	unsigned long long dev, ino;
};

/* stat(2) path into id. Returns 0, or -errno (also -ENOEXEC for something
 * that is not an executable regular file). */
int vmm_identity_read(const char *path, struct vmm_identity *id);
/* Add "path", "size", "mtime_ns", "ctime_ns", "dev", "ino" to entry. */
void vmm_identity_add_json(json_object *entry, const char *path, const struct vmm_identity *id);
/* Does entry carry exactly this path and identity? */
bool vmm_identity_matches_json(json_object *entry, const char *path, const struct vmm_identity *id);

/* Open (creating 0755) the cache directory, refusing one reached through
 * a directory another user can change. Returns an fd, or -1 with note set. */
int vmm_cache_open_dir(const char *dir, char note[SEOIB_MESSAGE_MAX]);
/* The entry `name` in dfd, parsed, when it is a regular file of the
 * effective user, writable by it alone and at most max_bytes. NULL when
 * absent (note untouched) or refused (note says why; what names the
 * entry's kind, e.g. "VMM cache entry"). */
json_object *vmm_cache_read(int dfd, const char *name, size_t max_bytes, const char *what,
			    char note[SEOIB_MESSAGE_MAX]);
/* Write entry atomically as `name` in dfd, mode 0644; a failure only sets
 * note (when empty): a cache that cannot be written costs a QEMU start. */
void vmm_cache_write(int dfd, const char *name, json_object *entry, const char *what,
		     char note[SEOIB_MESSAGE_MAX]);
/* FNV-1a of text, stable across runs and builds. */
unsigned long long vmm_cache_hash(const char *text, unsigned long long h);
#define VMM_CACHE_HASH_SEED 14695981039346656037ULL
/* The typed member key of obj, or NULL. */
json_object *vmm_cache_get(json_object *obj, const char *key, json_type type);
