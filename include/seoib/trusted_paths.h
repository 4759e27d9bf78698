/* Every path a configuration makes seoib trust, against the one ownership
 * rule (seoib/trusted_path.h): the one list that seoibd --check-config and
 * seoibctl check-config both check, so that both say the same. */
#pragma once
#include "seoib/config.h"

/* Check cfg's record-path, the cache directory cache_dir (the reader's:
 * seoibd's CacheDirectory, or the one seoibctl uses), the hook's
 * /run/seoib/domains (the service user not trusted for it) and the export
 * files cfg names, each by trusted_path_check() as the calling user sees
 * them (run as root for the libvirt hook's view). report(sentence,
 * userdata) is called once for each path that fails, with a whole
 * sentence. Returns the number of paths that fail (0: all trusted). */
int config_trusted_paths_check(const struct seoib_config *cfg, const char *cache_dir,
			       void (*report)(const char *sentence, void *userdata), void *userdata);
