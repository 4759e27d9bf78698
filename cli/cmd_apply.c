/* seoibctl apply --domain NAME: decide a guest's Directed EOI state and
 * write it into the domain's seoib metadata element (virDomainSetMetadata),
 * so that it travels with the domain XML, to a migration's destination
 * included, where the qemu hook reads it at "migrate begin". */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "libvirt_conn.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/domain_record.h"
#include "seoib/exit_codes.h"
#include "seoib/gate.h"
#include "seoib/guest_facts.h"
#include "seoib/json_util.h"
#include "seoib/policy.h"
#include "seoib/sentence.h"
#include "vmm_argument.h"

struct apply_args {
	const char *domain;
	const char *uri;
	const char *host_record;
	const char *config_path;
};

static void apply_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl apply --domain NAME [-c URI] [--host RECORD] [--config PATH]\n\n"
		     "Decide the domain's Directed EOI state on this host and record it in its libvirt\n"
		     "metadata (<seoib:guest xmlns:seoib=\"" SEOIB_METADATA_URI "\">),\n"
		     "persistent and, when the domain runs in that state, live.\n\n"
		     "  --domain NAME        the domain\n"
		     "  -c, --connect URI    libvirt URI (default: libvirt's default)\n"
		     "  --host RECORD        this host's record (default: record-path in seoib.conf)\n"
		     "  --config PATH        configuration file (default " SEOIB_CONFIG_PATH ")\n"
		     "  -h, --help           show this help\n\n"
		     "Exit status: 0 recorded, 1 unsafe (nothing recorded), 2 error, 3 no usable host record.\n");
}

static int parse_args(int argc, char **argv, struct apply_args *a)
{
	enum { OPT_DOMAIN = 0x100, OPT_HOST, OPT_CONFIG };
	static const struct option options[] = {
		{"domain", required_argument, NULL, OPT_DOMAIN},
		{"connect", required_argument, NULL, 'c'},
		{"host", required_argument, NULL, OPT_HOST},
		{"config", required_argument, NULL, OPT_CONFIG},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	int opt;

	while ((opt = getopt_long(argc, argv, "c:h", options, NULL)) != -1) {
		switch (opt) {
		case OPT_DOMAIN: a->domain = optarg; break;
		case 'c': a->uri = optarg; break;
		case OPT_HOST: a->host_record = optarg; break;
		case OPT_CONFIG: a->config_path = optarg; break;
		case 'h': apply_usage(stdout); return 1;
		default: apply_usage(stderr); return -1;
		}
	}
	if (optind != argc || !a->domain) {
		fprintf(stderr, "seoibctl apply: %s; see 'seoibctl apply --help'.\n",
			a->domain ? "unexpected argument" : "--domain NAME is required");
		return -1;
	}
	return 0;
}

static int set_metadata(virDomainPtr dom, const char *element, unsigned flags, char err[SEOIB_MESSAGE_MAX])
{
	int r;

	libvirt_deadline_arm("libvirt (setting the domain's metadata)");
	r = virDomainSetMetadata(dom, VIR_DOMAIN_METADATA_ELEMENT, element, SEOIB_METADATA_PREFIX,
				 SEOIB_METADATA_URI, flags);
	libvirt_deadline_disarm();
	if (r < 0)
		sentence_format(err, SEOIB_MESSAGE_MAX, "cannot set the seoib metadata of '%s': %s", virDomainGetName(dom),
			 libvirt_last_error());
	return r;
}

/* Write the decided state: persistent always (when defined), live only when
 * the guest already runs in it. `argument` (NULL: none) is the VMM
 * argument that makes QEMU run it, written into the definition first. */
static int record_state(virDomainPtr dom, const struct guest_facts *facts, const struct decision *d,
			const struct host_record *host, const struct run_state *argument)
{
	_cleanup_free_ char *element = guest_metadata_element(d->state, host->host.hostname, time(NULL));
	char err[SEOIB_MESSAGE_MAX], how[SEOIB_MESSAGE_MAX];
	bool active = virDomainIsActive(dom) == 1, persistent = virDomainIsPersistent(dom) == 1;
	enum seoib_state running;
	/* The state it runs in now must never change under it (docs/background.md
	 * section 5): live metadata may only say that one. */
	bool running_known = active && gate_state_running(DOMAIN_RECORD_DIR, facts, host, &running, how);
	bool live = running_known && running == d->state;
	unsigned flags = (persistent ? VIR_DOMAIN_AFFECT_CONFIG : 0) | (live ? VIR_DOMAIN_AFFECT_LIVE : 0);
	const char *running_name = running_known ? state_to_string(running) : "an unknown state";

	if (!element) {
		fprintf(stderr, "seoibctl apply: out of memory building the metadata element\n");
		return SEOIB_EXIT_ERROR;
	}
	if (argument && !persistent) {
		fprintf(stderr, "seoibctl apply: '%s' is transient, so %s %s cannot be written into its definition and QEMU would not run %s: nothing recorded; define it (virsh define) and run apply again\n",
			facts->name, argument->option, argument->value, state_to_string(d->state));
		return SEOIB_EXIT_UNSAFE;
	}
	if (flags == 0) {
		fprintf(stderr, "seoibctl apply: '%s' runs in %s, not %s, and is not persistent: nothing recorded; restart it to change its state\n",
			facts->name, running_name, state_to_string(d->state));
		return SEOIB_EXIT_UNSAFE;
	}
	if (argument && vmm_argument_write(dom, argument, err) < 0) {
		fprintf(stderr, "seoibctl apply: %s; nothing recorded\n", err);
		return SEOIB_EXIT_ERROR;
	}
	if (set_metadata(dom, element, flags, err) < 0) {
		fprintf(stderr, "seoibctl apply: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	printf("'%s': state %s recorded (%s%s%s)\n", facts->name, state_to_string(d->state),
	       persistent ? "persistent" : "", persistent && live ? " and " : "", live ? "live" : "");
	if (argument)
		printf("'%s': %s %s written into its <qemu:commandline>, so that QEMU runs %s\n", facts->name,
		       argument->option, argument->value, state_to_string(d->state));
	else if (d->run.differs)
		printf("'%s': seoib prefers %s, but %s; recorded %s, the state it will run in\n", facts->name,
		       state_to_string(d->preferred), d->run.why, state_to_string(d->state));
	if (active && !live)
		printf("'%s' runs in %s until it is restarted; the live metadata keeps saying so\n", facts->name,
		       running_name);
	return SEOIB_EXIT_OK;
}

static int apply_decision(virDomainPtr dom, const struct guest_facts *facts, const struct host_record *host)
{
	struct run_state argument;
	bool write_argument = false;
	struct decision d;
	int r;

	/* For a machine or CPU property: the state after the argument is written. */
	write_argument = policy_decide_applied(facts, host, NULL, 0, &d, &argument);
	if (d.run.writable) {
		fprintf(stderr, "seoibctl apply: cannot add %s %s to the <qemu:commandline> of '%s': it already has as many arguments as seoib reads (%d); nothing recorded\n",
			d.run.option, d.run.value, facts->name, GUEST_QEMU_ARGS_MAX);
		decision_free(&d);
		return SEOIB_EXIT_ERROR;
	}
	if (d.verdict == VERDICT_UNKNOWN) {
		fprintf(stderr, "seoibctl apply: cannot decide a state for '%s': %s\n", facts->name,
			d.n_reasons ? d.reasons[d.n_reasons - 1] : "the policy engine had no usable data");
		r = SEOIB_EXIT_UNKNOWN;
	} else if (d.verdict == VERDICT_UNSAFE) {
		/* A recorded state is sticky: recording an unsafe one would pin it. */
		fprintf(stderr, "seoibctl apply: '%s' would run %s with risk %s here (%s); nothing recorded; to fix: %s\n",
			facts->name, state_to_string(d.state), risk_to_string(d.risk),
			d.n_reasons ? d.reasons[d.n_reasons - 1] : "unsafe", d.remediation[0] ? d.remediation : "see seoibctl policy");
		r = SEOIB_EXIT_UNSAFE;
	} else {
		r = record_state(dom, facts, &d, host, write_argument ? &argument : NULL);
	}
	decision_free(&d);
	return r;
}

static int apply(const struct apply_args *a, const struct seoib_config *cfg, const struct host_record *host)
{
	char err[SEOIB_MESSAGE_MAX];
	_cleanup_virconnect_ virConnectPtr conn = libvirt_open(a->uri, err);
	_cleanup_virdomain_ virDomainPtr dom = NULL;
	_cleanup_free_ char *xml = NULL;
	struct guest_facts facts;

	if (!conn) {
		fprintf(stderr, "seoibctl apply: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	libvirt_deadline_arm("libvirt (reading the domain's XML)");
	dom = virDomainLookupByName(conn, a->domain);
	xml = dom ? virDomainGetXMLDesc(dom, 0) : NULL;
	libvirt_deadline_disarm();
	if (!xml) {
		fprintf(stderr, "seoibctl apply: cannot read domain '%s': %s; check the name with 'virsh list --all'\n",
			a->domain, libvirt_last_error());
		return SEOIB_EXIT_ERROR;
	}
	if (guest_facts_from_xml(xml, strlen(xml), &facts, err) < 0) {
		fprintf(stderr, "seoibctl apply: cannot read the XML of '%s': %s\n", a->domain, err);
		return SEOIB_EXIT_ERROR;
	}
	return apply_decision(dom, &facts, host);
}

int cmd_apply(int argc, char **argv)
{
	_cleanup_free_ struct host_record *host = calloc(1, sizeof(*host));
	struct apply_args args = {0};
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];
	int r;

	if (!host)
		return SEOIB_EXIT_ERROR;
	r = parse_args(argc, argv, &args);
	if (r != 0)
		return r > 0 ? SEOIB_EXIT_OK : SEOIB_EXIT_ERROR;
	if (seoib_config_load(args.config_path, &cfg, err) < 0) {
		fprintf(stderr, "seoibctl apply: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	if ((args.host_record ? host_record_load(args.host_record, host, err)
			      : host_record_load_trusted(cfg.record_path, host, err)) < 0) {
		fprintf(stderr, "seoibctl apply: no usable record of this host: %s; start seoibd or pass --host RECORD\n",
			err);
		return SEOIB_EXIT_UNKNOWN;
	}
	return apply(&args, &cfg, host);
}
