/* The VMM (QEMU) side: can this host's QEMU set a guest's Directed EOI state?
 * Answered from QMP qom-list-properties without /dev/kvm and without a guest,
 * and cached on the binary's identity as libvirt caches QEMU capabilities. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "seoib/kvm_probe.h"

#define VMM_CONTROLS_MAX 8
#define VMM_NAME_MAX 128

struct vmm_info {
	char path[4096];
	bool found;              /* the binary exists and answered QMP */
	char version[64];        /* "7.2.22" from query-version */
	/* Where a control was found: "kvm-accel.seoib-policy" */
	int n_controls;
	char controls[VMM_CONTROLS_MAX][VMM_NAME_MAX];
	bool can_set_state;      /* n_controls > 0 */
	bool from_cache;
	/* Identity the cache is keyed on */
	long long size;
	long long mtime_ns;
	long long ctime_ns;            /* set by the kernel on any change; cannot be set back */
	unsigned long long dev, ino;
	char error[SEOIB_MESSAGE_MAX]; /* sentence when !found, else "" */
	/* Why the cache was not used or updated ("" when it was, or when there
	 * was simply no entry yet): the probe still answers, by asking QEMU. */
	char cache_note[SEOIB_MESSAGE_MAX];
};

struct vmm_options {
	const char *path;              /* default /usr/bin/qemu-system-x86_64 */
	const char *const *control_names; /* NULL-terminated; default {"seoib-policy", NULL} */
	const char *cache_dir;         /* NULL = no cache */
	unsigned timeout_ms;           /* bound on the QMP conversation; 0 = default */
};

/* Fill info; never fails hard: a missing or broken QEMU is a recorded fact.
 * opts->cache_dir is used only when it and every directory above it pass
 * open_dir_nofollow(DIR_TRUSTED_PATH) (created 0755 if missing), and an
 * entry only when it is a regular file of the effective user, writable by
 * it alone, at most 16 KiB, matching the binary's identity (path, st_dev,
 * st_ino, size, mtime, ctime) and naming no control whose property name the
 * binary lacks. Otherwise QEMU is asked and info->cache_note says why. */
void vmm_probe(const struct vmm_options *opts, struct vmm_info *info);

/* Where seoibctl keeps the VMM cache: SEOIB_CACHEDIR when writable, else
 * $XDG_CACHE_HOME/seoib, else ~/.cache/seoib. Returns buf, or NULL when
 * none can be named (then run without a cache). */
const char *vmm_default_cache_dir(char buf[], size_t size);
