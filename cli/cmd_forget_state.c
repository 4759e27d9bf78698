/* seoibctl forget-state --domain NAME: clear the Directed EOI state recorded
 * in a guest's persistent definition, so that its next start decides afresh.
 *
 * A recorded state is sticky (docs/policy.md, rule "recorded"): the state a
 * guest ran in must never change under it, across migrations included.
 * Once the guest is shut off nothing runs in it any more, and a state
 * recorded by an earlier start (under hook-mode = warn, say) may be the
 * one that keeps it at risk. Only the persistent definition is changed,
 * and only while the guest is not running: a running guest's state is the
 * one it runs in, and seoibd would write it back at its next event. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "domain_access.h"
#include "libvirt_conn.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/exit_codes.h"
#include "seoib/guest_facts.h"
#include "seoib/guest_metadata.h"
#include "seoib/json_util.h"

struct forget_args {
	const char *domain;
	const char *uri;
	const char *config_path;
	bool json;
};

static void forget_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl forget-state --domain NAME [-c URI] [--config PATH] [--json]\n\n"
		     "Clear the Directed EOI state seoib recorded in a shut-off guest's persistent\n"
		     "definition (<seoib:guest state=...>), so that its next start decides afresh;\n"
		     "'seoibctl apply --domain NAME' records that decision now. The acknowledgement\n"
		     "(seoibctl ack) is kept.\n\n"
		     "  --domain NAME        the domain\n"
		     "  -c, --connect URI    libvirt URI (default: $LIBVIRT_DEFAULT_URI, else\n"
		     "                       libvirt-uri in seoib.conf, else qemu:///system)\n"
		     "  --config PATH        configuration file (default " SEOIB_CONFIG_PATH ")\n"
		     "  --json               print what was cleared as JSON\n"
		     "  -h, --help           show this help\n\n"
		     "Exit status: 0 cleared (or none recorded), 1 the guest runs (nothing changed), 2 error.\n");
}

static int parse_args(int argc, char **argv, struct forget_args *a)
{
	enum { OPT_DOMAIN = 0x100, OPT_CONFIG, OPT_JSON };
	static const struct option options[] = {
		{"domain", required_argument, NULL, OPT_DOMAIN},
		{"connect", required_argument, NULL, 'c'},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_DOMAIN: a->domain = optarg; break;
		case 'c': a->uri = optarg; break;
		case OPT_CONFIG: a->config_path = optarg; break;
		case OPT_JSON: a->json = true; break;
		case 'h': forget_usage(stdout); return 1;
		default: forget_usage(stderr); return -1;
		}
	}
	if (optind != argc || !a->domain) {
		fprintf(stderr, "seoibctl forget-state: %s; see 'seoibctl forget-state --help'.\n",
			a->domain ? "unexpected argument" : "--domain NAME is required");
		return -1;
	}
	return 0;
}

/* --json: {"domain", "cleared", "state" (what was recorded, null when none or unreadable)}. */
static void print_json(const struct forget_args *a, bool cleared, const struct guest_facts *facts)
{
	_cleanup_json_ json_object *o = json_object_new_object();

	json_add(o, "domain", json_object_new_string(a->domain));
	json_add(o, "cleared", json_object_new_boolean(cleared));
	json_add(o, "state", facts->has_metadata_state ? json_object_new_string(state_to_string(facts->metadata_state)) : NULL);
	json_add(o, "host", facts->metadata_host[0] ? json_object_new_string(facts->metadata_host) : NULL);
	json_print(o, true);
}

static int forget_state(const struct forget_args *a, const struct seoib_config *cfg, const char *uri)
{
	char err[SEOIB_MESSAGE_MAX];
	_cleanup_virconnect_ virConnectPtr conn = libvirt_connect(a->uri, cfg, NULL, NULL, err);
	_cleanup_virdomain_ virDomainPtr dom = NULL;
	_cleanup_free_ char *xml = NULL;
	_cleanup_free_ struct guest_facts *facts = malloc(sizeof(*facts));

	if (!conn || !facts) {
		fprintf(stderr, "seoibctl forget-state: %s\n", facts ? err : "out of memory");
		return SEOIB_EXIT_ERROR;
	}
	dom = domain_lookup(conn, uri, a->domain, err);
	if (!dom) {
		fprintf(stderr, "seoibctl forget-state: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	if (virDomainIsPersistent(dom) != 1) {
		fprintf(stderr, "seoibctl forget-state: '%s' is transient: it has no persistent definition to clear, and its state goes with it when it stops\n",
			a->domain);
		return SEOIB_EXIT_ERROR;
	}
	if (virDomainIsActive(dom) == 1) {
		fprintf(stderr, "seoibctl forget-state: '%s' is running, and the state it runs in never changes under it: nothing cleared; shut it down (virsh shutdown %s), then run forget-state again\n",
			a->domain, a->domain);
		return SEOIB_EXIT_UNSAFE;
	}
	xml = domain_xml(dom, VIR_DOMAIN_XML_INACTIVE, err);
	if (!xml) {
		fprintf(stderr, "seoibctl forget-state: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	/* A metadata element seoib cannot read (two of them, an unknown state)
	 * is what this command is for: remove it all the same. */
	if (guest_facts_from_xml(xml, strlen(xml), facts, err) == 0 && !facts->has_metadata_state) {
		if (a->json)
			print_json(a, false, facts);
		else
			printf("'%s': no recorded state; its next start decides one\n", a->domain);
		return SEOIB_EXIT_OK;
	}
	if (domain_set_metadata(dom, NULL, SEOIB_METADATA_PREFIX, SEOIB_METADATA_URI, VIR_DOMAIN_AFFECT_CONFIG, err) < 0) {
		fprintf(stderr, "seoibctl forget-state: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	if (a->json)
		print_json(a, true, facts);
	else if (facts->has_metadata_state)
		printf("'%s': recorded state %s (by %s%s%s) cleared; its next start decides afresh (seoibctl audit shows how)\n",
		       a->domain, state_to_string(facts->metadata_state),
		       facts->metadata_host[0] ? facts->metadata_host : "an unknown host",
		       facts->metadata_decided[0] ? " at " : "", facts->metadata_decided);
	else
		printf("'%s': unreadable seoib metadata cleared (%s); its next start decides afresh\n", a->domain, err);
	return SEOIB_EXIT_OK;
}

int cmd_forget_state(int argc, char **argv)
{
	struct forget_args args = {0};
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];
	int r = parse_args(argc, argv, &args);

	if (r != 0)
		return r > 0 ? SEOIB_EXIT_OK : SEOIB_EXIT_ERROR;
	if (seoib_config_load(args.config_path, &cfg, err) < 0) {
		fprintf(stderr, "seoibctl forget-state: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	return forget_state(&args, &cfg, domain_uri(args.uri, &cfg));
}
