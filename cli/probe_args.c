/* Probe options shared by the commands that may probe this host. */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "seoib/exit_codes.h"
#include "seoib/sentence.h"

void probe_args_init(struct probe_args *args)
{
	memset(args, 0, sizeof(*args));
	args->behaviour = -1;
}

/* The same range as probe-timeout-ms, which --timeout overrides. */
static int parse_ms(const char *arg, unsigned *out)
{
	if (seoib_config_parse_probe_timeout(arg, out) < 0) {
		fprintf(stderr, "seoibctl: --timeout '%s' is not a number of milliseconds between %d and %d.\n", arg,
			SEOIB_PROBE_TIMEOUT_MIN_MS, SEOIB_PROBE_TIMEOUT_MAX_MS);
		return -1;
	}
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
		return parse_ms(arg, &args->timeout_ms);
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
	if (!args->timeout_ms)
		args->timeout_ms = cfg->probe_timeout_ms;
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

struct probe_watchdog {
	struct timespec until; /* CLOCK_MONOTONIC */
	char message[SEOIB_MESSAGE_MAX + 32];
};

/* A thread, not a signal: the capability and behavioural probes already
 * use SIGALRM for their own per-ioctl deadlines. */
static void *watchdog_main(void *arg)
{
	const struct probe_watchdog *w = arg;
	ssize_t n;

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &w->until, NULL) == EINTR)
		;
	n = write(STDERR_FILENO, w->message, strlen(w->message));
	(void)n;
	_exit(SEOIB_EXIT_ERROR);
}

int probe_args_run(const struct probe_args *args, struct host_record *rec)
{
	struct probe_watchdog w;
	pthread_t thread;
	int r;

	clock_gettime(CLOCK_MONOTONIC, &w.until);
	w.until.tv_sec += args->timeout_ms / 1000;
	w.until.tv_nsec += (long)(args->timeout_ms % 1000) * 1000000L;
	if (w.until.tv_nsec >= 1000000000L) {
		w.until.tv_sec++;
		w.until.tv_nsec -= 1000000000L;
	}
	sentence_format(w.message, sizeof(w.message),
			"seoibctl: the probe did not finish within %u ms and was stopped; check dmesg for a wedged KVM, "
			"or raise probe-timeout-ms in seoib.conf (or --timeout) on a slow host.\n",
			args->timeout_ms);
	r = pthread_create(&thread, NULL, watchdog_main, &w);
	if (r != 0) {
		fprintf(stderr, "seoibctl: cannot start the probe's watchdog thread: %s; the probe would be unbounded, "
				"so it was not run (free some memory or raise the task limit).\n", strerror(r));
		return -1;
	}
	host_probe(&args->opts, rec);
	pthread_cancel(thread); /* clock_nanosleep() is a cancellation point */
	pthread_join(thread, NULL);
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
