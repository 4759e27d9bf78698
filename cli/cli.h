/* Helpers the sub-commands share: probe options and human-readable text. */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>

#include "seoib/config.h"
#include "seoib/host_probe.h"

/* Long options every command that may probe accepts (probe, policy). */
enum probe_arg {
	PROBE_ARG_BEHAVIOUR = 0x100,
	PROBE_ARG_NO_BEHAVIOUR,
	PROBE_ARG_DEVICE,
	PROBE_ARG_TIMEOUT,
	PROBE_ARG_QEMU,
	PROBE_ARG_VMM_CONTROL,
	PROBE_ARG_VMM_CACHE,
	PROBE_ARG_NO_VMM_CACHE,
	PROBE_ARG_NO_VMM,
	PROBE_ARG_CONFIG,
	PROBE_ARG_LAST, /* a command's own option values start here */
};

#define PROBE_LONG_OPTIONS                                                  \
	{"behaviour", no_argument, NULL, PROBE_ARG_BEHAVIOUR},              \
	{"no-behaviour", no_argument, NULL, PROBE_ARG_NO_BEHAVIOUR},        \
	{"device", required_argument, NULL, PROBE_ARG_DEVICE},              \
	{"timeout", required_argument, NULL, PROBE_ARG_TIMEOUT},            \
	{"qemu", required_argument, NULL, PROBE_ARG_QEMU},                  \
	{"vmm-control", required_argument, NULL, PROBE_ARG_VMM_CONTROL},    \
	{"vmm-cache", required_argument, NULL, PROBE_ARG_VMM_CACHE},        \
	{"no-vmm-cache", no_argument, NULL, PROBE_ARG_NO_VMM_CACHE},        \
	{"no-vmm", no_argument, NULL, PROBE_ARG_NO_VMM},                    \
	{"config", required_argument, NULL, PROBE_ARG_CONFIG}

struct probe_args {
	struct host_probe_options opts; /* what host_probe() gets */
	struct seoib_config config;
	const char *config_path;
	unsigned timeout_ms;            /* --timeout; 0: probe-timeout-ms */
	int behaviour;                  /* -1: from the configuration */
	const char *qemu;
	int n_controls;
	const char *controls[VMM_CONTROLS_MAX + 1];
	const char *cache_dir;
	bool no_cache;
	char cache_buf[4096]; /* the default cache directory, when chosen */
};

void probe_args_init(struct probe_args *args);
/* Take one PROBE_ARG_* option; -1 with a message on a bad value. */
int probe_args_parse(struct probe_args *args, int opt, const char *arg);
/* Load the configuration and fill args->opts; -1 with a message. */
int probe_args_finish(struct probe_args *args);
/* host_probe() bounded as seoibd bounds it: the whole probe within
 * args->timeout_ms (--timeout, else probe-timeout-ms). Past it, a sentence
 * on stderr and exit status 2; the process's exit releases its VMs.
 * Returns 0, or -1 with a message when the bound cannot be set up. */
int probe_args_run(const struct probe_args *args, struct host_record *rec);

/* 0 ok, 3 KVM unavailable, 2 error. */
int probe_exit_code(enum probe_status status);

const char *tristate_text(enum tristate t, const char *yes, const char *no);
/* "quirked, respected" or "none". */
const char *states_text(unsigned states, char *buf, size_t size);
