/* The state a guest will really run in on a host (see seoib/run_state.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/qemu_cmdline.h"
#include "seoib/run_state.h"
#include "seoib/sentence.h"

/* A CPU global "TYPE.PROP=VALUE" reaches every CPU whose class is TYPE or
 * a subclass (QEMU matches globals with object_dynamic_cast). */
static bool cpu_global_matches(const char *type, const char *qom_type)
{
	static const char suffix[] = "-x86_64-cpu";
	size_t len = strlen(type);

	if (strcmp(type, qom_type) == 0 || strcmp(type, "x86_64-cpu") == 0)
		return true;
	return len >= sizeof(suffix) - 1 && strcmp(type + len - (sizeof(suffix) - 1), suffix) == 0 &&
	       strncmp(type, qom_type, len) == 0;
}

/* The guest's <qemu:commandline>, as qemu_cmdline_lookup() takes it. */
static int qemu_argv(const struct guest_facts *g, const char *argv[GUEST_QEMU_ARGS_MAX])
{
	for (int i = 0; i < g->n_qemu_args; i++)
		argv[i] = g->qemu_args[i];
	return g->n_qemu_args;
}

/* The value the guest's <qemu:commandline> gives the property, the last
 * one winning; false when it sets none. */
static bool xml_value(const struct guest_facts *g, const struct vmm_property *p, char *value, size_t size)
{
	const char *argv[GUEST_QEMU_ARGS_MAX];
	int argc = qemu_argv(g, argv);

	if (p->location == VMM_LOCATION_MACHINE)
		return qemu_cmdline_lookup(argv, argc, QEMU_OPTION_MACHINE, NULL, NULL, p->name, value, size);
	return p->location == VMM_LOCATION_CPU &&
	       qemu_cmdline_lookup(argv, argc, QEMU_OPTION_GLOBAL, p->qom_type, cpu_global_matches, p->name, value,
				   size);
}

/* An -accel with the property in <qemu:commandline>: QEMU never uses it. */
static bool xml_sets_unused_accel(const struct guest_facts *g, const struct vmm_property *p)
{
	const char *argv[GUEST_QEMU_ARGS_MAX];
	int argc = qemu_argv(g, argv);
	char value[64];

	return qemu_cmdline_lookup(argv, argc, QEMU_OPTION_ACCEL, NULL, NULL, p->name, value, sizeof(value));
}

static void set_argument(const struct vmm_property *p, enum seoib_state s, struct run_state *out)
{
	out->writable = true;
	if (p->location == VMM_LOCATION_MACHINE) {
		snprintf(out->option, sizeof(out->option), "-machine");
		snprintf(out->value, sizeof(out->value), "%s=%s", p->name, state_to_string(s));
	} else {
		snprintf(out->option, sizeof(out->option), "-global");
		snprintf(out->value, sizeof(out->value), "%s.%s=%s", p->qom_type, p->name, state_to_string(s));
	}
}

static void decide_none(const struct host_record *host, struct run_state *out)
{
	out->known = true;
	out->state = STATE_QUIRKED;
	sentence_format(out->why, sizeof(out->why),
		 "QEMU %s at %s on %s has no seoib-policy support (VMM model none): it sets no x2APIC flag, so every guest runs quirked",
		 host->vmm.version[0] ? host->vmm.version : "(version unknown)", host->vmm.path, host->host.hostname);
}

/* The RFC's current code: respected for I/O APIC 0x20, not-advertised for
 * 0x11, quirked when the kernel lacks that flag. KVM refuses bit 2 without
 * the split irqchip, and with the in-kernel one never advertises Directed
 * EOI: quirked. */
static void decide_automatic(const struct guest_facts *g, const struct host_record *host, struct run_state *out)
{
	enum seoib_state pick = g->ioapic_version == IOAPIC_VERSION_20 ? STATE_RESPECTED : STATE_NOT_ADVERTISED;

	if (g->irqchip_unknown || (g->irqchip == IRQCHIP_SPLIT && g->ioapic_unknown)) {
		/* Only a guest never offered Directed EOI (no x2APIC) gets here
		 * with facts unknown; the state it runs in still decides where
		 * it may migrate. */
		out->known = false;
		sentence_format(out->why, sizeof(out->why),
			 "QEMU on %s chooses the state itself (VMM model automatic) from the irqchip and the I/O APIC version, and seoib cannot tell the %s of guest %s",
			 host->host.hostname, g->irqchip_unknown ? "irqchip" : "I/O APIC version", g->name);
		return;
	}
	out->known = true;
	if (g->irqchip == IRQCHIP_IN_KERNEL) {
		out->state = STATE_QUIRKED;
		sentence_format(out->why, sizeof(out->why),
			 "QEMU on %s chooses the state itself (VMM model automatic) and sets no flag for an in-kernel irqchip guest: quirked",
			 host->host.hostname);
	} else if (!(host->claims.kernel_states & STATE_BIT(pick))) {
		out->state = STATE_QUIRKED;
		sentence_format(out->why, sizeof(out->why),
			 "QEMU on %s chooses the state itself (VMM model automatic): %s for I/O APIC 0x%x, but kernel %s lacks that flag, so it falls back to quirked",
			 host->host.hostname, state_to_string(pick), g->ioapic_version, host->host.kernel_release);
	} else {
		out->state = pick;
		sentence_format(out->why, sizeof(out->why),
			 "QEMU on %s chooses the state itself (VMM model automatic): %s for I/O APIC 0x%x, whatever seoib prefers",
			 host->host.hostname, state_to_string(pick), g->ioapic_version);
	}
}

static bool state_of_value(const char *value, enum seoib_state *state)
{
	int s = state_from_string(value);

	if (s < 0)
		return false;
	*state = s;
	return true;
}

static void decide_property(const struct guest_facts *g, const struct host_record *host, struct run_state *out)
{
	const struct vmm_property *p = &host->vmm.property;
	bool settable = vmm_property_settable_from_xml(p);
	char value[GUEST_QEMU_ARG_LEN] = "";

	out->from_xml = settable && xml_value(g, p, value, sizeof(value));
	if (!out->from_xml)
		snprintf(value, sizeof(value), "%s", p->default_value[0] ? p->default_value : "quirked");
	if (!state_of_value(value, &out->state)) {
		sentence_format(out->why, sizeof(out->why),
			 "%s.%s = '%s' (%s) is not a state QEMU on %s knows; fix the guest's <qemu:commandline> or vmm-control",
			 p->qom_type, p->name, value, out->from_xml ? "from the guest's <qemu:commandline>" : "its default",
			 host->host.hostname);
		return;
	}
	out->known = true;
	if (out->from_xml)
		sentence_format(out->why, sizeof(out->why), "QEMU on %s runs the guest %s: its <qemu:commandline> sets the %s property %s.%s",
			 host->host.hostname, value, vmm_location_to_string(p->location), p->qom_type, p->name);
	else if (settable)
		sentence_format(out->why, sizeof(out->why),
			 "QEMU on %s runs the guest in the default %s of the %s property %s.%s%s: the guest's XML does not set it",
			 host->host.hostname, value, vmm_location_to_string(p->location), p->qom_type, p->name,
			 p->default_value[0] ? "" : " (not reported by QEMU; the RFC's default)");
	else
		sentence_format(out->why, sizeof(out->why),
			 "QEMU on %s runs every libvirt guest in the default %s of the accelerator property %s.%s%s: libvirt writes the only -accel QEMU uses, and one in <qemu:commandline> is never used%s",
			 host->host.hostname, value, p->qom_type, p->name,
			 p->default_value[0] ? "" : " (not reported by QEMU; the RFC's default)",
			 xml_sets_unused_accel(g, p) ? " (this guest has one)" : "");
	if (settable)
		set_argument(p, out->preferred, out);
}

void run_state_decide(const struct guest_facts *guest, const struct host_record *host,
		      enum seoib_state preferred, struct run_state *out)
{
	memset(out, 0, sizeof(*out));
	out->preferred = preferred;
	if (!host || host->status != PROBE_OK) {
		sentence_format(out->why, sizeof(out->why), "no usable record of the host, so its VMM model is unknown");
		return;
	}
	if (guest->qemu_args_truncated) {
		sentence_format(out->why, sizeof(out->why),
			 "the <qemu:commandline> of guest %s has more than %d arguments or one of %d bytes or more, so seoib cannot tell what QEMU will run",
			 guest->name, GUEST_QEMU_ARGS_MAX, GUEST_QEMU_ARG_LEN);
		return;
	}
	switch (vmm_sets_flags(&host->vmm) ? host->vmm.model : VMM_MODEL_NONE) {
	case VMM_MODEL_AUTOMATIC:
		decide_automatic(guest, host, out);
		break;
	case VMM_MODEL_PROPERTY:
		decide_property(guest, host, out);
		break;
	default:
		decide_none(host, out);
		break;
	}
	out->differs = out->known && out->state != preferred;
	if (out->writable && !out->differs)
		out->writable = false; /* nothing to write */
}

int run_state_with_argument(const struct guest_facts *guest, const struct run_state *rs, struct guest_facts *out)
{
	*out = *guest;
	if (out->n_qemu_args + 2 > GUEST_QEMU_ARGS_MAX)
		return -1;
	snprintf(out->qemu_args[out->n_qemu_args++], GUEST_QEMU_ARG_LEN, "%s", rs->option);
	snprintf(out->qemu_args[out->n_qemu_args++], GUEST_QEMU_ARG_LEN, "%s", rs->value);
	return 0;
}
