/* Whether a host record may still stand for its host (docs/host-record.md,
 * "When a record is current"): the pieces host_view_local() and
 * host_view_peer() (seoib/host_view.h) build their rules from; readers ask
 * the views, not these. A record describes one boot of one kernel:
 * KVM's capabilities come from the running kernel, and a reboot (same or
 * another kernel) may change them, so this host's own record from another
 * boot is stale whatever its age. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "seoib/host_record.h"

/* True when rec is this host's own: the same machine id as here and the
 * same host name by host_names_same() (a record copied from a peer, or a
 * test fixture, is not). */
bool host_record_is_own(const struct host_record *rec, const struct host_identity *here);

/* For this host's own record: true when it was probed in this boot
 * (host.boot_id equals here->boot_id, /proc/sys/kernel/random/boot_id) of
 * this kernel (host.kernel_release equals uname -r). Otherwise false with a
 * sentence in why naming the record at path and what to do. A host without
 * a boot id (no /proc) compares kernels only. */
bool host_record_this_boot(const struct host_record *rec, const struct host_identity *here, const char *path,
			   char why[SEOIB_MESSAGE_MAX]);

/* True when rec is fresh by host_record_age_check()'s one rule (at most
 * max_age_s seconds old, max_age_s 0 = no limit, and not dated beyond the
 * clock skew ahead of now, seconds since the epoch), else false with a
 * sentence naming path in why. */
bool host_record_young_enough(const struct host_record *rec, int64_t now, unsigned max_age_s, const char *path,
			      char why[SEOIB_MESSAGE_MAX]);
