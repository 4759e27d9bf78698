/* seoibctl ack --domain NAME --reason TEXT | --remove: the operator's
 * acknowledgement that a guest may start at risk on this host. It is an
 * element of its own namespace in the guest's metadata (seoib/guest_metadata.h),
 * persistent, so that it holds at every start and travels with the domain;
 * the start gate (gate_prepare()) then allows the guest with a warning
 * under hook-mode = enforce, and seoibctl audit shows it. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "commands.h"
#include "domain_access.h"
#include "libvirt_conn.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/exit_codes.h"
#include "seoib/guest_metadata.h"
#include "seoib/json_util.h"

struct ack_args {
	const char *domain;
	const char *reason;
	const char *uri;
	const char *config_path;
	bool remove;
	bool json;
};

static void ack_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl ack --domain NAME --reason TEXT [-c URI] [--config PATH] [--json]\n"
		     "       seoibctl ack --remove --domain NAME [-c URI] [--config PATH] [--json]\n\n"
		     "Acknowledge that a guest may start at risk of the interrupt storm on this host:\n"
		     "the start gate then allows it with a warning under hook-mode = enforce. The\n"
		     "acknowledgement is written into the guest's persistent and live metadata\n"
		     "(<ack:ack xmlns:ack=\"" SEOIB_ACK_URI "\">); --remove takes it back.\n\n"
		     "  --domain NAME        the domain\n"
		     "  --reason TEXT        why the risk is accepted (1 to %d bytes), shown by audit and the hook\n"
		     "  --remove             remove the acknowledgement\n"
		     "  -c, --connect URI    libvirt URI (default: $LIBVIRT_DEFAULT_URI, else\n"
		     "                       libvirt-uri in seoib.conf, else qemu:///system)\n"
		     "  --config PATH        configuration file (default " SEOIB_CONFIG_PATH ")\n"
		     "  --json               print what was written as JSON\n"
		     "  -h, --help           show this help\n\n"
		     "Exit status: 0 written or removed, 2 error.\n",
		SEOIB_ACK_REASON_MAX);
}

static int parse_args(int argc, char **argv, struct ack_args *a)
{
	enum { OPT_DOMAIN = 0x100, OPT_REASON, OPT_REMOVE, OPT_CONFIG, OPT_JSON };
	static const struct option options[] = {
		{"domain", required_argument, NULL, OPT_DOMAIN},
		{"reason", required_argument, NULL, OPT_REASON},
		{"remove", no_argument, NULL, OPT_REMOVE},
		{"json", no_argument, NULL, OPT_JSON},
		{"connect", required_argument, NULL, 'c'},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	const char *problem = NULL;
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_DOMAIN: a->domain = optarg; break;
		case OPT_REASON: a->reason = optarg; break;
		case OPT_REMOVE: a->remove = true; break;
		case OPT_JSON: a->json = true; break;
		case 'c': a->uri = optarg; break;
		case OPT_CONFIG: a->config_path = optarg; break;
		case 'h': ack_usage(stdout); return 1;
		default: ack_usage(stderr); return -1;
		}
	}
	if (optind != argc)
		problem = "unexpected argument";
	else if (!a->domain)
		problem = "--domain NAME is required";
	else if (a->remove && a->reason)
		problem = "--remove takes no --reason";
	else if (!a->remove && (!a->reason || !a->reason[0]))
		problem = "--reason TEXT is required: say why this guest may start at risk";
	else if (a->reason && strlen(a->reason) > SEOIB_ACK_REASON_MAX)
		problem = "--reason is longer than " SEOIB_STRINGIFY(SEOIB_ACK_REASON_MAX) " bytes";
	if (problem) {
		fprintf(stderr, "seoibctl ack: %s; see 'seoibctl ack --help'.\n", problem);
		return -1;
	}
	return 0;
}

/* Who acknowledged: the user name, or the uid when it has none. */
static void who(char *buf, size_t size)
{
	struct passwd *pw = getpwuid(getuid());

	if (pw && pw->pw_name)
		snprintf(buf, size, "%s", pw->pw_name);
	else
		snprintf(buf, size, "uid %u", (unsigned)getuid());
}

static int ack(const struct ack_args *a, const struct seoib_config *cfg, const char *uri)
{
	char err[SEOIB_MESSAGE_MAX], by[64];
	_cleanup_virconnect_ virConnectPtr conn = libvirt_connect(a->uri, cfg, NULL, NULL, err);
	_cleanup_virdomain_ virDomainPtr dom = NULL;
	_cleanup_free_ char *element = NULL;
	unsigned flags;

	if (!conn) {
		fprintf(stderr, "seoibctl ack: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	dom = domain_lookup(conn, uri, a->domain, err);
	if (!dom) {
		fprintf(stderr, "seoibctl ack: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	flags = (virDomainIsPersistent(dom) == 1 ? VIR_DOMAIN_AFFECT_CONFIG : 0) |
		(virDomainIsActive(dom) == 1 ? VIR_DOMAIN_AFFECT_LIVE : 0);
	if (!(flags & VIR_DOMAIN_AFFECT_CONFIG) && !a->remove) {
		fprintf(stderr, "seoibctl ack: '%s' is transient: it has no next start to acknowledge; define it (virsh define) and run ack again\n",
			a->domain);
		return SEOIB_EXIT_ERROR;
	}
	if (!a->remove) {
		who(by, sizeof(by));
		element = guest_ack_element(a->reason, by, time(NULL));
		if (!element) {
			fprintf(stderr, "seoibctl ack: out of memory building the acknowledgement element\n");
			return SEOIB_EXIT_ERROR;
		}
	}
	if (domain_set_metadata(dom, element, SEOIB_ACK_PREFIX, SEOIB_ACK_URI, flags, err) < 0) {
		fprintf(stderr, "seoibctl ack: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	if (a->json) {
		_cleanup_json_ json_object *o = json_object_new_object();

		json_add(o, "domain", json_object_new_string(a->domain));
		json_add(o, "acknowledged", json_object_new_boolean(!a->remove));
		json_add(o, "reason", a->remove ? NULL : json_object_new_string(a->reason));
		json_add(o, "by", a->remove ? NULL : json_object_new_string(by));
		json_print(o, true);
	} else if (a->remove)
		printf("'%s': acknowledgement removed; under hook-mode = enforce the gate refuses it again when it is at risk\n",
		       a->domain);
	else
		printf("'%s': acknowledged (%s): it starts with a warning when it is at risk, whatever hook-mode says\n",
		       a->domain, a->reason);
	return SEOIB_EXIT_OK;
}

int cmd_ack(int argc, char **argv)
{
	struct ack_args args = {0};
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];
	int r = parse_args(argc, argv, &args);

	if (r != 0)
		return r > 0 ? SEOIB_EXIT_OK : SEOIB_EXIT_ERROR;
	if (seoib_config_load(args.config_path, &cfg, err) < 0) {
		fprintf(stderr, "seoibctl ack: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	return ack(&args, &cfg, domain_uri(args.uri, &cfg));
}
