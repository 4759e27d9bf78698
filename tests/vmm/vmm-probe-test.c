/* Calls vmm_probe() once and prints struct vmm_info as JSON, so the vmm suite
 * tests the library without depending on seoibctl's argument parsing.
 * Usage: vmm-probe-test [--qemu PATH] [--control NAME]... [--cache DIR]
 *                       [--timeout MS] [--default-cache-dir] */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "seoib/cleanup.h"
#include "seoib/vmm.h"

DEFINE_TRIVIAL_CLEANUP(json_object *, json_object_put)

static json_object *info_to_json(const struct vmm_info *info)
{
	json_object *o = json_object_new_object();
	json_object *controls = json_object_new_array();

	json_object_object_add(o, "path", json_object_new_string(info->path));
	json_object_object_add(o, "found", json_object_new_boolean(info->found));
	json_object_object_add(o, "version", json_object_new_string(info->version));
	for (int i = 0; i < info->n_controls; i++)
		json_object_array_add(controls, json_object_new_string(info->controls[i]));
	json_object_object_add(o, "controls", controls);
	json_object *types = json_object_new_array();
	for (int i = 0; i < info->n_machine_types; i++)
		json_object_array_add(types, json_object_new_string(info->machine_types[i]));
	json_object_object_add(o, "machine_types", types);
	json_object_object_add(o, "can_set_state", json_object_new_boolean(info->can_set_state));
	json_object_object_add(o, "from_cache", json_object_new_boolean(info->from_cache));
	json_object_object_add(o, "size", json_object_new_int64(info->size));
	json_object_object_add(o, "mtime_ns", json_object_new_int64(info->mtime_ns));
	json_object_object_add(o, "error", json_object_new_string(info->error));
	json_object_object_add(o, "cache_note", json_object_new_string(info->cache_note));
	vmm_model_add_json(o, info); /* model, model_configured, property */
	return o;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "qemu", required_argument, NULL, 'q' },
		{ "control", required_argument, NULL, 'c' },
		{ "cache", required_argument, NULL, 'C' },
		{ "timeout", required_argument, NULL, 't' },
		{ "default-cache-dir", no_argument, NULL, 'd' },
		{ "model", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *names[VMM_CONTROLS_MAX + 1] = { NULL };
	struct vmm_options opts = { 0 };
	struct vmm_info info;
	int n_names = 0, c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'q': opts.path = optarg; break;
		case 'c':
			if (n_names == VMM_CONTROLS_MAX) {
				fprintf(stderr, "vmm-probe-test: at most %d --control names.\n", VMM_CONTROLS_MAX);
				return 2;
			}
			names[n_names++] = optarg;
			break;
		case 'C': opts.cache_dir = optarg; break;
		case 't': opts.timeout_ms = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'm':
			if (vmm_model_from_string(optarg) < 0)
				return 2;
			opts.override_model = true;
			opts.model = vmm_model_from_string(optarg);
			break;
		case 'd': {
			char buf[4096];
			const char *dir = vmm_default_cache_dir(buf, sizeof(buf));
			printf("%s\n", dir ? dir : "(none)");
			return 0;
		}
		default: return 2;
		}
	}
	opts.control_names = n_names ? names : NULL;
	vmm_probe(&opts, &info);
	_cleanup_(json_object_putp) json_object *out = info_to_json(&info);
	printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PRETTY));
	return 0;
}
