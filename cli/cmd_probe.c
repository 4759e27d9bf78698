/* seoibctl probe: probe this host and print its record. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "seoib/exit_codes.h"
#include "seoib/host_probe.h"
#include "seoib/json_util.h"
#include "seoib/kvm_x2apic.h"

static void probe_usage(FILE *out)
{
	fprintf(out, "Usage: seoibctl probe [OPTIONS]\n\n"
		     "Probe this host's KVM (one throwaway VM per question), run the behavioural\n"
		     "Directed EOI probe, ask the VMM, and print the host record.\n\n"
		     "  --json               print the host record (seoib.host/1)\n"
		     "  --behaviour          run the behavioural probe (default: behaviour-probe= in seoib.conf)\n"
		     "  --no-behaviour       skip it\n"
		     "  --device PATH        KVM device (default /dev/kvm)\n"
		     "  --timeout MS         bound on the whole probe (default probe-timeout-ms, "
		     SEOIB_STRINGIFY(SEOIB_PROBE_TIMEOUT_DEFAULT_MS) ")\n"
		     "  --qemu PATH          QEMU binary to ask (default qemu= in seoib.conf)\n"
		     "  --vmm-control NAME   QEMU property that sets the state (repeatable)\n"
		     "  --vmm-cache DIR      VMM answer cache (default /var/cache/seoib or ~/.cache/seoib)\n"
		     "  --no-vmm-cache       always ask QEMU\n"
		     "  --no-vmm             do not ask the VMM at all\n"
		     "  --config PATH        configuration file (default " SEOIB_CONFIG_PATH ")\n"
		     "  -h, --help           show this help\n\n"
		     "Exit status: 0 probed, 2 error, 3 KVM unavailable, 4 the behavioural probe\n"
		     "contradicts the capability bits (report the kernel).\n");
}

static const char *enable_text(const struct enable_result *r)
{
	if (r->err == PROBE_NOT_MEASURED)
		return "-";
	return r->err == 0 ? "accepted" : errno_name(r->err);
}

static const char *lvr_text(const struct lvr_result *r, char *buf, size_t size)
{
	if (r->err == PROBE_NOT_MEASURED)
		return "-";
	if (r->err != 0)
		return errno_name(r->err);
	snprintf(buf, size, "%s", r->lvr & SEOIB_LVR_DIRECTED_EOI ? "DEOI" : "no-DEOI");
	return buf;
}

static const char *hex_or_dash(long long v, char *buf, size_t size)
{
	if (v == PROBE_NOT_MEASURED)
		return "-";
	snprintf(buf, size, "0x%llx", v);
	return buf;
}

static void print_kvm(const struct host_record *rec)
{
	const struct kvm_measurements *m = &rec->kvm;
	char a[4][24];

	printf("x2APIC API    system %s, VM %s, split VM %s, irqchip VM %s\n",
	       hex_or_dash(m->x2apic_api_system, a[0], sizeof(a[0])), hex_or_dash(m->x2apic_api_vm, a[1], sizeof(a[1])),
	       hex_or_dash(m->x2apic_api_vm_split, a[2], sizeof(a[2])),
	       hex_or_dash(m->x2apic_api_vm_irqchip, a[3], sizeof(a[3])));
	printf("              %-10s %-9s %-9s %-9s  LVR legacy/enable/disable\n", "irqchip", "bit 2", "bit 3",
	       "bits 2|3");
	for (int chip = 0; chip < IRQCHIP_COUNT; chip++)
		printf("              %-10s %-9s %-9s %-9s  %s / %s / %s\n", irqchip_to_string(chip),
		       enable_text(&m->enable[chip][MODE_ENABLE]), enable_text(&m->enable[chip][MODE_DISABLE]),
		       enable_text(&m->enable[chip][MODE_BOTH]),
		       lvr_text(&m->lvr[chip][MODE_LEGACY], a[0], sizeof(a[0])),
		       lvr_text(&m->lvr[chip][MODE_ENABLE], a[1], sizeof(a[1])),
		       lvr_text(&m->lvr[chip][MODE_DISABLE], a[2], sizeof(a[2])));
}

/* The conflict sentences start with "CONFLICT" (the record's words); the
 * label already says it. */
static const char *conflict_text(const char *c)
{
	if (strncmp(c, "CONFLICT: ", 10) == 0)
		return c + 10;
	if (strncmp(c, "CONFLICT ", 9) == 0)
		return c + 9;
	return c;
}

/* The proof per state, in the vocabulary of the record and the exports. */
static void print_proofs(const struct behaviour *b)
{
	for (int s = 0; s < STATE_COUNT; s++)
		printf("%-13s %-14s %-12s %s\n", s == 0 ? "Proof" : "", state_to_string((enum seoib_state)s),
		       proof_to_string(b->proof[s]), b->evidence[s]);
}

static void print_behaviour(const struct behaviour *b)
{
	print_proofs(b);
	if (!b->ran) {
		printf("Behaviour     not run\n");
		return;
	}
	/* The proof lines above carry the verdicts; this one only the bug itself. */
	printf("Behaviour     matrix in %.1f ms; legacy quirk %s\n", b->duration_ms,
	       tristate_text(b->legacy_quirk_observed, "observed", "not observed"));
	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		const struct behaviour_case *c = &b->cases[i];

		if (c->outcome == OUTCOME_NOT_RUN)
			continue;
		if (c->outcome == OUTCOME_DONE)
			printf("              %-8s bit12 %-3s  SPIV bit 12 %-5s EOI exit %s\n", mode_to_string(c->mode),
			       c->guest_sets_bit12 ? "yes" : "no", c->spiv_bit12_stuck ? "stuck" : "clear",
			       c->eoi_exit ? "yes" : "no");
		else
			printf("              %-8s bit12 %-3s  %s%s%s\n", mode_to_string(c->mode),
			       c->guest_sets_bit12 ? "yes" : "no", outcome_to_string(c->outcome),
			       c->detail[0] ? ": " : "", c->detail);
	}
}

static void print_vmm(const struct vmm_info *v)
{
	if (v->cache_note[0])
		fprintf(stderr, "seoibctl: warning: %s\n", v->cache_note);
	if (!v->found) {
		printf("VMM           %s\n", v->error[0] ? v->error : "not probed");
		return;
	}
	printf("VMM           %s %s, %s%s\n", v->path, v->version,
	       v->n_controls ? "control " : "no seoib control (stock QEMU never sets the flags)",
	       v->n_controls ? v->controls[0] : "");
}

static void print_record(const struct host_record *rec)
{
	char states[128];

	printf("Host          %s (Linux %s, %s)\n", rec->host.hostname, rec->host.kernel_release,
	       rec->host.cpu_vendor[0] ? rec->host.cpu_vendor : "unknown CPU");
	printf("KVM           %s%s%s\n", probe_status_to_string(rec->status), rec->message[0] ? ": " : "",
	       rec->message);
	if (rec->kvm.api_version != PROBE_NOT_MEASURED)
		print_kvm(rec);
	printf("Generation    %s\n", generation_to_string(rec->claims.generation));
	printf("Kernel runs   %s\n", states_text(rec->claims.kernel_states, states, sizeof(states)));
	print_vmm(&rec->vmm);
	printf("Guests can be %s\n", states_text(rec->runnable_states, states, sizeof(states)));
	print_behaviour(&rec->behaviour);
	if (rec->claims.unknown_bits)
		printf("Unknown bits  0x%llx (reported by the kernel, unknown to this seoib)\n",
		       rec->claims.unknown_bits);
	for (int i = 0; i < rec->claims.n_problems; i++)
		printf("PROBLEM       %s\n", rec->claims.problems[i]);
	for (int i = 0; i < rec->behaviour.n_conflicts; i++)
		printf("CONFLICT      %s\n", conflict_text(rec->behaviour.conflicts[i]));
	printf("Probed in     %.1f ms\n", rec->probe_duration_ms);
}

int probe_exit_code(enum probe_status status)
{
	switch (status) {
	case PROBE_OK:
		return SEOIB_EXIT_OK;
	case PROBE_KVM_UNAVAILABLE:
		return SEOIB_EXIT_UNKNOWN;
	default:
		return SEOIB_EXIT_ERROR;
	}
}

int cmd_probe(int argc, char **argv)
{
	enum { OPT_JSON = PROBE_ARG_LAST };
	static const struct option options[] = {
		PROBE_LONG_OPTIONS,
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, 'h'},
		{},
	};
	struct probe_args args;
	struct host_record *rec;
	bool json = false;
	int c, r;

	probe_args_init(&args);
	while ((c = getopt_long(argc, argv, "h", options, NULL)) != -1) {
		switch (c) {
		case OPT_JSON:
			json = true;
			break;
		case 'h':
			probe_usage(stdout);
			return SEOIB_EXIT_OK;
		case '?':
			probe_usage(stderr);
			return SEOIB_EXIT_ERROR;
		default:
			if (probe_args_parse(&args, c, optarg) < 0)
				return SEOIB_EXIT_ERROR;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "seoibctl probe: unexpected argument '%s'; see 'seoibctl probe --help'.\n", argv[optind]);
		return SEOIB_EXIT_ERROR;
	}

	rec = calloc(1, sizeof(*rec));
	if (!rec) {
		fprintf(stderr, "seoibctl probe: out of memory\n");
		return SEOIB_EXIT_ERROR;
	}
	if (probe_args_finish(&args) < 0 || probe_args_run(&args, rec) < 0) {
		free(rec);
		return SEOIB_EXIT_ERROR;
	}
	if (json) {
		_cleanup_json_ json_object *o = host_record_to_json(rec);

		json_print(o, true);
	} else {
		print_record(rec);
	}
	if (rec->status != PROBE_OK)
		fprintf(stderr, "seoibctl probe: %s\n", rec->message);
	r = probe_exit_code(rec->status);
	if (r == SEOIB_EXIT_OK && behaviour_contradicted(&rec->behaviour)) {
		fprintf(stderr,
			"seoibctl probe: the behavioural probe contradicts the capability bits of kernel %s (see the CONFLICT lines and the contradicted states); report it with this output, and keep guests quirked or on the in-kernel irqchip here.\n",
			rec->host.kernel_release);
		r = SEOIB_EXIT_CONTRADICTED;
	}
	free(rec);
	return r;
}
