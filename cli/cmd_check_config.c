/* seoibctl check-config: read seoib.conf as seoibd does (every key, the
 * fleet backends' names), say whether it loads, and, when it does not, what
 * the libvirt hook does with it meanwhile (seoib_config_salvage()). The
 * command every "check the file" advice names: seoibd lives in
 * /usr/libexec, off PATH. systemctl reload runs it before signalling
 * seoibd, so that a reload of a bad file fails. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/exit_codes.h"
#include "seoib/fleet_backend.h"
#include "seoib/json_util.h"
#include "seoib/sentence.h"
#include "seoib/trusted_paths.h"
#include "seoib/vmm.h"

struct hook_view {
	json_object *notes; /* JSON array of sentences */
	bool human;
	bool said; /* the human header printed */
};

static void check_config_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl check-config [--config PATH] [--json]\n\n"
		     "Check seoib.conf as seoibd reads it: print 'PATH: ok', or the error naming\n"
		     "file and line and what the libvirt hook does meanwhile. --json also lists\n"
		     "every key's value (the built-in default where the file does not set it).\n"
		     "Exit status: 0 the file loads (or is absent: the defaults apply), 2 it does not.\n");
}

static void note_hook(const char *sentence, void *userdata)
{
	struct hook_view *v = userdata;

	if (v->human && !v->said)
		printf("Until it is fixed, seoibd keeps its running configuration (a reload fails) and the libvirt hook reads it so:\n");
	v->said = true;
	if (v->human)
		printf("  %s\n", sentence);
	json_object_array_add(v->notes, json_object_new_string(sentence));
}

/* One path that fails the ownership rule: said on stderr, kept for --json. */
static void note_untrusted(const char *sentence, void *userdata)
{
	json_object_array_add(userdata, json_object_new_string(sentence));
	fprintf(stderr, "seoibctl check-config: %s\n", sentence);
}

int cmd_check_config(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'},
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	_cleanup_free_ struct seoib_config *cfg = calloc(1, sizeof(*cfg));
	_cleanup_json_ json_object *out = json_object_new_object();
	const char *path = SEOIB_CONFIG_PATH;
	char err[SEOIB_MESSAGE_MAX], hook_err[SEOIB_MESSAGE_MAX];
	struct hook_view view = {.notes = NULL};
	bool json = false, exists, ok;
	struct stat st;
	int c;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': path = optarg; break;
		case 'j': json = true; break;
		case 'h': check_config_usage(stdout); return SEOIB_EXIT_OK;
		default: check_config_usage(stderr); return SEOIB_EXIT_ERROR;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "seoibctl check-config: unexpected argument '%s'; the file is given with --config PATH\n",
			argv[optind]);
		return SEOIB_EXIT_ERROR;
	}
	if (!cfg || !out) {
		fprintf(stderr, "seoibctl check-config: out of memory\n");
		return SEOIB_EXIT_ERROR;
	}
	exists = !(stat(path, &st) < 0 && errno == ENOENT);
	ok = seoib_config_load(path, cfg, err) == 0 && fleet_backends_check(cfg, err) == 0;
	json_add(out, "path", json_object_new_string(path));
	json_add(out, "exists", json_object_new_boolean(exists));
	json_add(out, "ok", json_object_new_boolean(ok));
	json_add(out, "error", ok ? NULL : json_object_new_string(err));
	if (ok) {
		json_object *untrusted = json_object_new_array();
		char cache[4096];

		json_add(out, "config", seoib_config_to_json(cfg));
		json_add(out, "untrusted_paths", untrusted);
		/* The paths it names, under seoibd's rule (seoibd --check-config). */
		if (config_trusted_paths_check(cfg, vmm_default_cache_dir(cache, sizeof(cache)), note_untrusted,
					       untrusted) > 0) {
			json_object_object_add(out, "ok", json_object_new_boolean(false));
			if (json)
				json_print(out, true);
			else
				fprintf(stderr, "seoibctl check-config: %s loads, but names paths seoib cannot trust (above); "
						"fix their owner and mode\n", path);
			return SEOIB_EXIT_ERROR;
		}
		/* Loads, but would make every guest's start follow on-error
		 * most of the time: said, without failing the reload. */
		json_object *warnings = json_object_new_array();
		char stale[SEOIB_MESSAGE_MAX];

		json_add(out, "warnings", warnings);
		if (seoib_config_record_goes_stale(cfg, stale)) {
			json_object_array_add(warnings, json_object_new_string(stale));
			if (!json)
				fprintf(stderr, "seoibctl check-config: %s: warning: %s\n", path, stale);
		}
		if (json)
			json_print(out, true);
		else if (exists)
			printf("%s: ok\n", path);
		else
			printf("%s: does not exist, so the built-in defaults apply; see seoib.conf(5)\n", path);
		return SEOIB_EXIT_OK;
	}
	/* The error, then what the hook makes of the file until it is fixed. */
	view.human = !json;
	view.notes = json_object_new_array();
	json_add(out, "hook_notes", view.notes);
	fprintf(stderr, "seoibctl check-config: %s\n", err);
	if (seoib_config_salvage(path, cfg, note_hook, &view, hook_err) != 0) {
		char refuse[SEOIB_MESSAGE_MAX];

		sentence_format(refuse, sizeof(refuse), "%s; meanwhile the libvirt hook refuses every guest whatever on-error says",
			 hook_err);
		note_hook(refuse, &view);
		json_add(out, "hook_refuses_every_guest", json_object_new_boolean(true));
	} else {
		json_add(out, "hook_refuses_every_guest", json_object_new_boolean(false));
		json_add(out, "hook_config", seoib_config_to_json(cfg));
	}
	if (json)
		json_print(out, true);
	return SEOIB_EXIT_ERROR;
}
