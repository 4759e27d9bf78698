/* seoibctl apply --domain NAME: decide a guest's Directed EOI state and
 * write it into the domain's seoib metadata element (guest_metadata_write()),
 * so that it travels with the domain XML, to a migration's destination
 * included, where the qemu hook reads it at "migrate begin".
 *
 * seoibctl apply --domain NAME --remediation REMEDY [--yes]: carry out a
 * remediation (seoib/guest_edit.h) on the guest's persistent definition. It
 * shows the element it changes, before and after, and writes it only with
 * --yes (virDomainDefineXML), so that an operator sees the change first and
 * a loop over a fleet's guests can then make it; it takes effect at the
 * guest's next start. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "commands.h"
#include "domain_access.h"
#include "libvirt_conn.h"
#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/domain_record.h"
#include "seoib/exit_codes.h"
#include "seoib/gate.h"
#include "seoib/guest_edit.h"
#include "seoib/guest_facts.h"
#include "seoib/guest_facts_qemu.h"
#include "seoib/guest_metadata.h"
#include "seoib/vmm.h"
#include "seoib/json_util.h"
#include "seoib/policy.h"
#include "seoib/host_view.h"
#include "seoib/sentence.h"
#include "vmm_argument.h"

struct apply_args {
	const char *domain;
	const char *uri;
	const char *host_record;
	const char *config_path;
	const char *remediation; /* NULL: record the decided state */
	bool yes;
	bool json;               /* --remediation only */
};

/* What apply --remediation did, for --json (the human lines are printed as
 * it goes, the change before it is written). */
struct remedy_report {
	const char *domain;
	const char *remediation;    /* the remedy applied, or "auto" when none was needed */
	const char *risk;           /* auto: the risk here; NULL otherwise */
	char unjudged[SEOIB_MESSAGE_MAX]; /* auto, risk unknown: what would let seoib judge it */
	bool needed, changed, written;
	const char *before, *after; /* the element; NULL when unchanged */
};

static void apply_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl apply --domain NAME [-c URI] [--host RECORD] [--config PATH]\n"
		     "       seoibctl apply --domain NAME --remediation REMEDY [--yes] [--json] [-c URI] [--host RECORD]\n"
		     "                      [--config PATH]\n\n"
		     "Decide the domain's Directed EOI state on this host and record it in its libvirt\n"
		     "metadata (<seoib:guest xmlns:seoib=\"" SEOIB_METADATA_URI "\">),\n"
		     "persistent and, when the domain runs in that state, live.\n\n"
		     "With --remediation, change the domain's persistent definition instead, for its\n"
		     "next start: in-kernel-irqchip (<ioapic driver='kvm'/>, where nothing needs split),\n"
		     "no-x2apic (<cpu><feature policy='disable' name='x2apic'/>), or auto (the one that\n"
		     "fits, and only when the guest is at high risk here). The change is shown;\n"
		     "it is written only with --yes.\n\n"
		     "  --domain NAME          the domain\n"
		     "  --remediation REMEDY   in-kernel-irqchip, no-x2apic or auto\n"
		     "  --yes                  write the remediation (default: show it only)\n"
		     "  --json                 with --remediation: print what was done as JSON\n"
		     "  -c, --connect URI      libvirt URI (default: $LIBVIRT_DEFAULT_URI, else\n"
		     "                         libvirt-uri in seoib.conf, else qemu:///system)\n"
		     "  --host RECORD          this host's record (default: record-path in seoib.conf)\n"
		     "  --config PATH          configuration file (default " SEOIB_CONFIG_PATH ")\n"
		     "  -h, --help             show this help\n\n"
		     "Exit status: 0 recorded (remediation: shown, written, or nothing to do),\n"
		     "1 unsafe or the remediation does not fit (nothing written), 2 error,\n"
		     "3 no usable host record.\n");
}

static int parse_args(int argc, char **argv, struct apply_args *a)
{
	enum { OPT_DOMAIN = 0x100, OPT_HOST, OPT_CONFIG, OPT_REMEDIATION, OPT_YES, OPT_JSON };
	static const struct option options[] = {
		{"domain", required_argument, NULL, OPT_DOMAIN},
		{"remediation", required_argument, NULL, OPT_REMEDIATION},
		{"yes", no_argument, NULL, OPT_YES},
		{"json", no_argument, NULL, OPT_JSON},
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
		case OPT_REMEDIATION: a->remediation = optarg; break;
		case OPT_YES: a->yes = true; break;
		case OPT_JSON: a->json = true; break;
		case 'h': apply_usage(stdout); return 1;
		default: apply_usage(stderr); return -1;
		}
	}
	if (optind != argc || !a->domain) {
		fprintf(stderr, "seoibctl apply: %s; see 'seoibctl apply --help'.\n",
			a->domain ? "unexpected argument" : "--domain NAME is required");
		return -1;
	}
	if (a->remediation && strcmp(a->remediation, "auto") != 0 && guest_remedy_from_string(a->remediation) < 0) {
		fprintf(stderr, "seoibctl apply: --remediation is '%s', not in-kernel-irqchip, no-x2apic or auto; see 'seoibctl apply --help'.\n",
			a->remediation);
		return -1;
	}
	if ((a->yes || a->json) && !a->remediation) {
		fprintf(stderr, "seoibctl apply: %s goes with --remediation; see 'seoibctl apply --help'.\n",
			a->yes ? "--yes" : "--json");
		return -1;
	}
	return 0;
}

/* The state element, through its one writer (guest_metadata_write(),
 * lib/guest/guest_metadata_libvirt.c), bounded like every libvirt call. */
static int set_metadata(virDomainPtr dom, enum seoib_state state, const char *hostname, unsigned targets,
			char err[SEOIB_MESSAGE_MAX])
{
	int r;

	libvirt_deadline_arm("libvirt (setting the domain's metadata)");
	r = guest_metadata_write(dom, state, hostname, time(NULL), targets);
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
			const struct host_view *host, const struct run_state *argument)
{
	char err[SEOIB_MESSAGE_MAX], how[SEOIB_MESSAGE_MAX];
	bool active = virDomainIsActive(dom) == 1, persistent = virDomainIsPersistent(dom) == 1;
	enum seoib_state running;
	/* The state it runs in now must never change under it (docs/background.md
	 * section 5): live metadata may only say that one. */
	bool running_known = active && gate_state_running(DOMAIN_RECORD_DIR, facts, host, &running, how);
	bool live = running_known && running == d->state;
	unsigned flags = (persistent ? GUEST_METADATA_PERSISTENT : 0) | (live ? GUEST_METADATA_LIVE : 0);
	const char *running_name = running_known ? state_to_string(running) : "an unknown state";

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
	if (set_metadata(dom, d->state, host->rec->host.hostname, flags, err) < 0) {
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

static int apply_decision(virDomainPtr dom, const struct guest_facts *facts, const struct host_view *host)
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

/* The same facts the hook will judge at the guest's next start: its own
 * QEMU's answer (seoib/qemu_guest_query.h), from the cache seoibd keeps. */
static void ask_guest_qemu(const char *xml, struct guest_facts *facts)
{
	_cleanup_free_ struct qemu_guest_answer *answer = calloc(1, sizeof(*answer));
	struct qemu_guest_query_options opts = {0};
	char cache[4096];

	if (!answer)
		return;
	opts.cache_dir = vmm_default_cache_dir(cache, sizeof(cache));
	qemu_guest_facts(xml, strlen(xml), &opts, facts, answer);
}

static int apply(const struct apply_args *a, const struct seoib_config *cfg, const struct host_view *host)
{
	char err[SEOIB_MESSAGE_MAX], how[SEOIB_MESSAGE_MAX];
	const char *uri = NULL;
	_cleanup_virconnect_ virConnectPtr conn = libvirt_connect(a->uri, cfg, &uri, how, err);
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
		fprintf(stderr, "seoibctl apply: cannot read domain '%s' at %s (%s): %s; check the name with 'virsh -c %s list --all'\n",
			a->domain, uri, how, libvirt_last_error(), uri);
		return SEOIB_EXIT_ERROR;
	}
	if (guest_facts_from_xml(xml, strlen(xml), &facts, err) < 0) {
		fprintf(stderr, "seoibctl apply: cannot read the XML of '%s': %s\n", a->domain, err);
		return SEOIB_EXIT_ERROR;
	}
	ask_guest_qemu(xml, &facts);
	return apply_decision(dom, &facts, host);
}

/* --remediation auto: the remedy that fits, only for a guest at high risk
 * here (policy_decide()). 1 with *remedy set, 0 when there is nothing to do
 * (said on stdout). */
static int auto_remedy(const struct guest_facts *facts, const struct host_view *host, enum guest_remedy *remedy,
		       struct remedy_report *rep)
{
	struct decision d;
	enum risk risk;

	policy_decide(facts, host, NULL, 0, &d);
	risk = d.risk;
	if (risk == RISK_UNKNOWN)
		snprintf(rep->unjudged, sizeof(rep->unjudged), "%s", d.remediation);
	decision_free(&d);
	rep->risk = risk_to_string(risk);
	if (risk != RISK_HIGH)
		return 0;
	*remedy = guest_remedy_choose(facts);
	return 1;
}

static int report(const struct apply_args *a, const struct remedy_report *r)
{
	_cleanup_json_ json_object *o = NULL;

	if (!a->json) {
		if (!r->needed && strcmp(r->risk, risk_to_string(RISK_UNKNOWN)) == 0)
			/* Not "none needed": seoib could not judge it. */
			printf("'%s': risk unknown here: --remediation auto changes only a guest at high risk, and seoib "
			       "cannot judge this one; nothing changed%s%s\n",
			       r->domain, r->unjudged[0] ? "; to fix: " : "", r->unjudged);
		else if (!r->needed)
			printf("'%s': risk %s here: no remediation needed\n", r->domain, r->risk);
		else if (!r->changed)
			printf("'%s' already has %s (%s): nothing to change\n", r->domain, r->remediation, r->before);
		return SEOIB_EXIT_OK;
	}
	o = json_object_new_object();
	json_add(o, "domain", json_object_new_string(r->domain));
	json_add(o, "remediation", json_object_new_string(r->remediation));
	json_add(o, "risk", r->risk ? json_object_new_string(r->risk) : NULL);
	json_add(o, "needed", json_object_new_boolean(r->needed));
	json_add(o, "changed", json_object_new_boolean(r->changed));
	json_add(o, "before", r->before && r->before[0] ? json_object_new_string(r->before) : NULL);
	json_add(o, "after", r->after ? json_object_new_string(r->after) : NULL);
	json_add(o, "written", json_object_new_boolean(r->written));
	json_print(o, true);
	return SEOIB_EXIT_OK;
}

/* The definition libvirt now holds has the remedy: edit it again, and
 * nothing must change. */
static int verify_written(virDomainPtr dom, enum guest_remedy remedy, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *xml = domain_xml(dom, VIR_DOMAIN_XML_INACTIVE, err);
	_cleanup_free_ struct guest_facts *facts = malloc(sizeof(*facts));
	struct guest_edit again;
	char inner[SEOIB_MESSAGE_MAX];

	if (!xml || !facts)
		return -1;
	if (guest_edit_remedy(xml, strlen(xml), remedy, facts, &again, inner) < 0 || again.changed) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "libvirt took the new definition of '%s' but does not show %s in it%s%s",
				virDomainGetName(dom), guest_remedy_to_string(remedy), again.changed ? "" : ": ",
				again.changed ? "" : inner);
		guest_edit_free(&again);
		return -1;
	}
	return 0;
}

static int show_and_write(virConnectPtr conn, virDomainPtr dom, const struct apply_args *a, enum guest_remedy remedy,
			  const struct guest_edit *edit, struct remedy_report *rep)
{
	char err[SEOIB_MESSAGE_MAX];
	_cleanup_virdomain_ virDomainPtr defined = NULL;

	if (!a->json) {
		printf("'%s': %s, in its persistent definition (it takes effect at its next start):\n", a->domain,
		       guest_remedy_to_string(remedy));
		printf("- %s\n+ %s\n", edit->before[0] ? edit->before : "(none)", edit->after);
	}
	if (!a->yes) {
		if (!a->json)
			printf("'%s': nothing written (a dry run); add --yes to write it\n", a->domain);
		return report(a, rep);
	}
	libvirt_deadline_arm("libvirt (defining the domain)");
	defined = virDomainDefineXML(conn, edit->xml);
	libvirt_deadline_disarm();
	if (!defined) {
		fprintf(stderr, "seoibctl apply: libvirt refused the new definition of '%s': %s; nothing changed\n",
			a->domain, libvirt_last_error());
		return SEOIB_EXIT_ERROR;
	}
	if (verify_written(defined, remedy, err) < 0) {
		fprintf(stderr, "seoibctl apply: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	rep->written = true;
	if (a->json)
		return report(a, rep);
	printf("'%s': written; it takes effect when the guest next starts from power-off%s\n", a->domain,
	       virDomainIsActive(dom) == 1 ? " (it runs as before until then: shut it down, then start it; "
					      "a reboot inside the guest keeps the running QEMU)" : "");
	return SEOIB_EXIT_OK;
}

/* seoibctl apply --remediation: host is NULL unless auto needs it. */
static int remediate(const struct apply_args *a, const struct seoib_config *cfg, const struct host_view *host)
{
	const char *uri = domain_uri(a->uri, cfg);
	char err[SEOIB_MESSAGE_MAX];
	_cleanup_virconnect_ virConnectPtr conn = libvirt_connect(a->uri, cfg, NULL, NULL, err);
	_cleanup_virdomain_ virDomainPtr dom = NULL;
	_cleanup_free_ char *xml = NULL;
	_cleanup_free_ struct guest_facts *facts = malloc(sizeof(*facts));
	struct guest_edit edit;
	enum guest_remedy remedy = (enum guest_remedy)guest_remedy_from_string(a->remediation);
	struct remedy_report rep = {0};
	int r;

	if (!conn || !facts) {
		fprintf(stderr, "seoibctl apply: %s\n", facts ? err : "out of memory");
		return SEOIB_EXIT_ERROR;
	}
	dom = domain_lookup(conn, uri, a->domain, err);
	if (!dom) {
		fprintf(stderr, "seoibctl apply: %s\n", err);
		return SEOIB_EXIT_ERROR;
	}
	if (virDomainIsPersistent(dom) != 1) {
		fprintf(stderr, "seoibctl apply: '%s' is transient: it has no definition for a next start; define it (virsh define) and run apply again\n",
			a->domain);
		return SEOIB_EXIT_ERROR;
	}
	/* SECURE: the definition written back keeps its secrets (a VNC password). */
	xml = domain_xml(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE, err);
	if (!xml || guest_facts_from_xml(xml, strlen(xml), facts, err) < 0) {
		fprintf(stderr, "seoibctl apply: cannot read the persistent definition of '%s': %s\n", a->domain, err);
		return SEOIB_EXIT_ERROR;
	}
	rep.domain = a->domain;
	rep.remediation = a->remediation;
	rep.needed = true;
	if (strcmp(a->remediation, "auto") == 0 && auto_remedy(facts, host, &remedy, &rep) == 0) {
		rep.needed = false;
		return report(a, &rep);
	}
	rep.remediation = guest_remedy_to_string(remedy);
	if (guest_edit_remedy(xml, strlen(xml), remedy, facts, &edit, err) < 0) {
		fprintf(stderr, "seoibctl apply: %s; nothing changed\n", err);
		return SEOIB_EXIT_UNSAFE;
	}
	rep.before = edit.before;
	if (!edit.changed)
		return report(a, &rep);
	rep.changed = true;
	rep.after = edit.after;
	r = show_and_write(conn, dom, a, remedy, &edit, &rep);
	guest_edit_free(&edit);
	return r;
}

int cmd_apply(int argc, char **argv)
{
	_cleanup_free_ struct host_record *host = calloc(1, sizeof(*host));
	struct apply_args args = {0};
	struct host_identity here;
	struct host_view_clock clock;
	struct host_view view;
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
	/* A named remediation needs no record: it is the operator's choice. */
	if (args.remediation && strcmp(args.remediation, "auto") != 0)
		return remediate(&args, &cfg, NULL);
	if ((args.host_record ? host_record_load(args.host_record, host, err)
			      : host_record_load_trusted(cfg.record_path, host, err)) < 0) {
		fprintf(stderr, "seoibctl apply: no usable record of this host: %s; start seoibd or pass --host RECORD\n",
			err);
		return SEOIB_EXIT_UNKNOWN;
	}
	/* This host's view, by the rule the hook's is built by. */
	host_view_clock_now(&clock, &here, cfg.max_record_age_s);
	host_view_local(&view, host, args.host_record ? HOST_ORIGIN_NAMED : HOST_ORIGIN_PUBLISHED, &clock,
			args.host_record ? args.host_record : cfg.record_path);
	return args.remediation ? remediate(&args, &cfg, &view) : apply(&args, &cfg, &view);
}
