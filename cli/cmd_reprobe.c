/* seoibctl reprobe: ask seoibd, over the system bus, to probe again and
 * wait (bounded) for the probe to end. */
#include <getopt.h>
#include <string.h>
#include <systemd/sd-bus.h>

#include "commands.h"
#include "seoib/bus_names.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/exit_codes.h"

/* Beyond the daemon's own probe timeout: the reply comes after the probe. */
#define REPROBE_MARGIN_USEC (5ULL * 1000 * 1000)

static bool bus_error_is_missing_daemon(const sd_bus_error *e)
{
	return sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER,
				      SD_BUS_ERROR_NO_REPLY, SD_BUS_ERROR_TIMEOUT);
}

static int explain(const sd_bus_error *e, int r)
{
	if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED)) {
		fprintf(stderr, "seoibctl reprobe: access denied by seoibd or the bus policy: only root may ask for a re-probe; run it as root\n");
		return SEOIB_EXIT_ERROR;
	}
	if (bus_error_is_missing_daemon(e)) {
		fprintf(stderr, "seoibctl reprobe: seoibd is not running or did not answer (%s); start it with 'systemctl start seoibd'\n",
			e->message ? e->message : strerror(-r));
		return SEOIB_EXIT_ERROR;
	}
	if (sd_bus_error_has_names(e, SEOIB_BUS_ERROR_PROBE_TIMEOUT, SEOIB_BUS_ERROR_PROBE_FAILED)) {
		fprintf(stderr, "seoibctl reprobe: the probe failed and seoibd kept the last good record: %s\n", e->message);
		return SEOIB_EXIT_UNKNOWN;
	}
	fprintf(stderr, "seoibctl reprobe: the Reprobe() call to seoibd failed: %s\n",
		e->message ? e->message : strerror(-r));
	return SEOIB_EXIT_ERROR;
}

static void reprobe_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl reprobe [--config PATH]\n\n"
		     "Ask seoibd to probe this host again and wait for the new record (root only).\n"
		     "Exit status: 0 re-probed, 2 daemon not running or access denied, 3 the probe failed.\n");
}

int cmd_reprobe(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0},
	};
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_(sd_bus_error_free) sd_bus_error error = SD_BUS_ERROR_NULL;
	const char *config_path = NULL;
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];
	int c, r;

	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': config_path = optarg; break;
		case 'h': reprobe_usage(stdout); return SEOIB_EXIT_OK;
		default: reprobe_usage(stderr); return SEOIB_EXIT_ERROR;
		}
	}
	if (seoib_config_load(config_path, &cfg, err) < 0) {
		fprintf(stderr, "seoibctl reprobe: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	r = sd_bus_open_system(&bus);
	if (r >= 0)
		r = sd_bus_set_method_call_timeout(bus, (uint64_t)cfg.probe_timeout_ms * 1000 + REPROBE_MARGIN_USEC);
	if (r < 0) {
		fprintf(stderr, "seoibctl reprobe: cannot connect to the system bus: %s; is dbus running?\n", strerror(-r));
		return SEOIB_EXIT_ERROR;
	}
	r = sd_bus_call_method(bus, SEOIB_BUS_NAME, SEOIB_BUS_PATH, SEOIB_BUS_INTERFACE, "Reprobe", &error, NULL, "");
	if (r < 0)
		return explain(&error, r);
	printf("seoibd probed this host again; see 'seoibctl status'.\n");
	return SEOIB_EXIT_OK;
}
