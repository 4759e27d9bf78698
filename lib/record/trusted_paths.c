/* Every path a configuration makes seoib trust (seoib/trusted_paths.h). */
#include <stddef.h>

#include "seoib/domain_record.h"
#include "seoib/trusted_path.h"
#include "seoib/trusted_paths.h"

int config_trusted_paths_check(const struct seoib_config *cfg, const char *cache_dir,
			       void (*report)(const char *sentence, void *userdata), void *userdata)
{
	const struct {
		const char *path;
		unsigned flags;
	} paths[] = {
		{cfg->record_path, 0},
		{cache_dir, 0},
		/* root writes these, and a compromised seoibd must not forge them */
		{DOMAIN_RECORD_DIR, TRUSTED_NOT_SERVICE},
		{cfg->nfd_features_file, 0},
		{cfg->prometheus_textfile, 0},
		{cfg->nova_provider_file, 0},
	};
	char err[SEOIB_MESSAGE_MAX];
	int violations = 0;

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		if (paths[i].path && paths[i].path[0] && trusted_path_check(paths[i].path, paths[i].flags, err) < 0) {
			report(err, userdata);
			violations++;
		}
	return violations;
}
