/* Probe options shared by the commands that may probe this host. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

void probe_args_init(struct probe_args *args)
{
	memset(args, 0, sizeof(*args));
	args->behaviour = -1;
}

static int parse_ms(const char *arg, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(arg, &end, 10);
	if (errno || *end || end == arg || v == 0 || v > 600000) {
		fprintf(stderr, "seoibctl: --timeout '%s' is not a number of milliseconds between 1 and 600000.\n",
			arg);
		return -1;
	}
	*out = (unsigned)v;
	return 0;
}

int probe_args_parse(struct probe_args *args, int opt, const char *arg)
{
	switch (opt) {
	case PROBE_ARG_BEHAVIOUR:
		args->behaviour = 1;
		return 0;
	case PROBE_ARG_NO_BEHAVIOUR:
		args->behaviour = 0;
		return 0;
	case PROBE_ARG_DEVICE:
		if (!arg[0]) {
			fprintf(stderr, "seoibctl: --device needs the path of the KVM device node (usually /dev/kvm), not an empty string.\n");
			return -1;
		}
		args->opts.kvm.device = arg;
		args->opts.behaviour_opts.device = arg;
		return 0;
	case PROBE_ARG_TIMEOUT:
		return parse_ms(arg, &args->opts.kvm.timeout_ms);
	case PROBE_ARG_QEMU:
		args->qemu = arg;
		return 0;
	case PROBE_ARG_VMM_CONTROL:
		if (args->n_controls == VMM_CONTROLS_MAX) {
			fprintf(stderr, "seoibctl: at most %d --vmm-control names are supported.\n", VMM_CONTROLS_MAX);
			return -1;
		}
		args->controls[args->n_controls++] = arg;
		return 0;
	case PROBE_ARG_VMM_CACHE:
		args->cache_dir = arg;
		return 0;
	case PROBE_ARG_NO_VMM_CACHE:
		args->no_cache = true;
		return 0;
	case PROBE_ARG_NO_VMM:
		args->opts.no_vmm = true;
		return 0;
	case PROBE_ARG_CONFIG:
		args->config_path = arg;
		return 0;
	default:
		fprintf(stderr, "seoibctl: internal error: unknown probe option %d.\n", opt);
		return -1;
	}
}

int probe_args_finish(struct probe_args *args)
{
	struct seoib_config *cfg = &args->config;
	char err[SEOIB_MESSAGE_MAX];

	if (seoib_config_load(args->config_path, cfg, err) < 0) {
		fprintf(stderr, "seoibctl: %s\n", err);
		return -1;
	}
	args->opts.behaviour = args->behaviour >= 0 ? args->behaviour : cfg->behaviour_probe;
	if (!args->opts.kvm.timeout_ms)
		args->opts.kvm.timeout_ms = cfg->probe_timeout_ms;
	args->opts.vmm.path = args->qemu ? args->qemu : cfg->qemu_path;
	args->opts.vmm.override_model = cfg->vmm_model_set;
	args->opts.vmm.model = cfg->vmm_model;
	/* Names on the command line replace the configured ones. */
	if (args->n_controls == 0)
		for (int i = 0; i < cfg->n_vmm_controls && i < VMM_CONTROLS_MAX; i++)
			args->controls[args->n_controls++] = cfg->vmm_controls[i];
	args->controls[args->n_controls] = NULL;
	args->opts.vmm.control_names = args->n_controls ? args->controls : NULL;
	if (args->no_cache)
		args->opts.vmm.cache_dir = NULL;
	else if (args->cache_dir)
		args->opts.vmm.cache_dir = args->cache_dir;
	else
		args->opts.vmm.cache_dir = vmm_default_cache_dir(args->cache_buf, sizeof(args->cache_buf));
	return 0;
}

const char *tristate_text(enum tristate t, const char *yes, const char *no)
{
	return t == TRI_YES ? yes : t == TRI_NO ? no : "unknown";
}

const char *states_text(unsigned states, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int s = 0; s < STATE_COUNT; s++)
		if (states & STATE_BIT(s))
			used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s%s", used ? ", " : "",
						 state_to_string(s));
	return buf[0] ? buf : "none";
}
