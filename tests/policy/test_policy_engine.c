/* The policy engine's rule table, row by row, with records built in code
 * (cmocka). docs/policy.md has the table these tests follow. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/host_can_run.h"
#include "seoib/json_util.h"
#include "seoib/policy.h"
#include "host_views.h"

static struct host_record host_of(const char *name, enum kernel_generation gen, bool vmm_control)
{
	struct host_record rec;

	memset(&rec, 0, sizeof(rec));
	snprintf(rec.host.hostname, sizeof(rec.host.hostname), "%s", name);
	snprintf(rec.host.kernel_release, sizeof(rec.host.kernel_release), "%s",
		 gen == GEN_FIXED ? "6.18.44-amd64" : "6.1.0-40-amd64");
	snprintf(rec.vmm.path, sizeof(rec.vmm.path), "/usr/bin/qemu-system-x86_64");
	snprintf(rec.vmm.version, sizeof(rec.vmm.version), "7.2.22");
	rec.status = PROBE_OK;
	rec.claims.generation = gen;
	rec.claims.kernel_states = gen == GEN_FIXED ? STATE_ALL : STATE_BIT(STATE_QUIRKED);
	/* A VMM that can set the state: a machine property, default quirked,
	 * that the guest's XML sets (guest_runs()) to what seoib chose. */
	rec.vmm.found = true;
	rec.vmm.model = vmm_control ? VMM_MODEL_PROPERTY : VMM_MODEL_NONE;
	snprintf(rec.vmm.property.qom_type, sizeof(rec.vmm.property.qom_type), "pc-q35-11.0-machine");
	snprintf(rec.vmm.property.name, sizeof(rec.vmm.property.name), "seoib-policy");
	snprintf(rec.vmm.property.default_value, sizeof(rec.vmm.property.default_value), "quirked");
	rec.vmm.property.location = VMM_LOCATION_MACHINE;
	rec.runnable_states = vmm_control ? rec.claims.kernel_states : STATE_BIT(STATE_QUIRKED);
	return rec;
}

static struct guest_facts guest_of(enum irqchip_mode irqchip, unsigned ioapic, bool at_risk)
{
	struct guest_facts g;

	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "g");
	g.irqchip = irqchip;
	g.ioapic_version = ioapic;
	g.windows = at_risk;
	return g;
}

/* The guest's <qemu:commandline> sets the machine property to s, as
 * seoibctl apply writes it. */
static void guest_runs(struct guest_facts *g, enum seoib_state s)
{
	snprintf(g->qemu_args[g->n_qemu_args++], GUEST_QEMU_ARG_LEN, "-machine");
	snprintf(g->qemu_args[g->n_qemu_args++], GUEST_QEMU_ARG_LEN, "seoib-policy=%s", state_to_string(s));
}

static void decide(const struct guest_facts *g, const struct host_record *host, const struct host_record *targets,
		   size_t n, struct decision *d)
{
	policy_decide(g, vw(host), vws(targets, n), n, d);
	assert_true(d->n_reasons > 0);
}

static void in_kernel_is_quirked_everywhere(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_IN_KERNEL, 0x20, true);
	struct host_record t = host_of("t", GEN_LEGACY, false);
	struct decision d;

	t.status = PROBE_KVM_UNAVAILABLE;
	decide(&g, NULL, &t, 1, &d);
	assert_int_equal(d.rule, RULE_IN_KERNEL);
	assert_int_equal(d.state, STATE_QUIRKED);
	assert_int_equal(d.risk, RISK_NONE);
	assert_int_equal(d.verdict, VERDICT_SAFE);
	assert_false(d.host.known);
	assert_false(d.targets[0].known);
	decision_free(&d);
}

static void split_respected_needs_every_host(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, false);
	struct host_record h = host_of("h1", GEN_FIXED, true);
	struct host_record t[2] = {host_of("h2", GEN_FIXED, true), host_of("h3", GEN_LEGACY, false)};
	struct decision d;

	/* seoib prefers respected; QEMU runs the property's default until
	 * the guest's XML sets it (seoibctl apply writes that argument). */
	decide(&g, &h, t, 1, &d);
	assert_int_equal(d.preferred, STATE_RESPECTED);
	assert_int_equal(d.state, STATE_QUIRKED);
	assert_true(d.run.differs);
	assert_true(d.run.writable);
	assert_string_equal(d.run.value, "seoib-policy=respected");
	assert_non_null(strstr(d.remediation, "seoibctl apply"));
	decision_free(&d);

	guest_runs(&g, STATE_RESPECTED);
	decide(&g, &h, t, 1, &d);
	assert_int_equal(d.state, STATE_RESPECTED);
	assert_false(d.run.differs);
	assert_int_equal(d.verdict, VERDICT_SAFE);
	assert_true(d.host_can_run);
	decision_free(&d);

	g.n_qemu_args = 0;

	decide(&g, &h, t, 2, &d);
	assert_int_equal(d.state, STATE_QUIRKED);
	assert_int_equal(d.risk, RISK_LOW);
	assert_int_equal(d.verdict, VERDICT_SAFE);
	assert_true(d.targets[1].can_run);
	assert_non_null(strstr(d.targets[1].why, "cannot run respected"));
	/* h3's QEMU cannot set the flags, and no released QEMU can: no
	 * optional upgrade is offered for it (issue 19). */
	assert_string_equal(d.remediation, "");
	decision_free(&d);
}

/* Occurrences of needle in haystack. */
static size_t count_of(const char *haystack, const char *needle)
{
	size_t n = 0;

	for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* An upgrade is offered once a host: a target named like this host or like
 * an earlier target (host names compare case-insensitively; seoibctl fleet
 * --all lists this host among the targets) is already said. */
static void upgrades_each_host_once(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, false);
	struct host_record h = host_of("h1", GEN_FIXED, true);
	struct host_record t[] = {
		host_of("t2", GEN_LEGACY, true), host_of("H1", GEN_LEGACY, true), host_of("t3", GEN_LEGACY, true),
		host_of("T2", GEN_LEGACY, true), host_of("t2", GEN_LEGACY, true), host_of("t4", GEN_FIXED, true),
	};
	struct decision d;

	decide(&g, &h, t, sizeof(t) / sizeof(t[0]), &d);
	assert_int_equal(d.state, STATE_QUIRKED);
	assert_int_equal(count_of(d.remediation, "upgrade t2 "), 1);
	assert_int_equal(count_of(d.remediation, "upgrade t3 "), 1);
	assert_int_equal(count_of(d.remediation, "upgrade "), 2);
	assert_true(strstr(d.remediation, "upgrade t2 ") < strstr(d.remediation, "upgrade t3 "));
	decision_free(&d);
}

static void at_risk_remediation(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, true);
	struct host_record h = host_of("h1", GEN_LEGACY, false);
	struct decision d;

	decide(&g, &h, NULL, 0, &d);
	assert_int_equal(d.risk, RISK_HIGH);
	assert_int_equal(d.verdict, VERDICT_UNSAFE);
	assert_non_null(strstr(d.remediation, "in-kernel irqchip"));
	decision_free(&d);

	g.split_required = true;
	h = host_of("h1", GEN_FIXED, false);
	decide(&g, &h, NULL, 0, &d);
	assert_int_equal(d.verdict, VERDICT_UNSAFE);
	/* x2APIC off: it needs nothing from the host (issue 18). */
	assert_non_null(strstr(d.remediation, "<feature policy='disable' name='x2apic'/>"));
	assert_null(strstr(d.remediation, "install a QEMU"));
	decision_free(&d);
}

static void ioapic_11(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x11, true);
	struct host_record h = host_of("h1", GEN_FIXED, true), legacy = host_of("h3", GEN_LEGACY, false);
	struct decision d;

	guest_runs(&g, STATE_NOT_ADVERTISED);
	decide(&g, &h, NULL, 0, &d);
	assert_int_equal(d.state, STATE_NOT_ADVERTISED);
	assert_int_equal(d.risk, RISK_NONE);
	decision_free(&d);
	g.n_qemu_args = 0;
	decide(&g, &legacy, NULL, 0, &d);
	assert_int_equal(d.state, STATE_QUIRKED);
	assert_int_equal(d.risk, RISK_LOW); /* no EOI register: not the known storm */
	assert_int_equal(d.verdict, VERDICT_SAFE);
	decision_free(&d);
}

static void sticky_state(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, false);
	struct host_record fixed = host_of("h1", GEN_FIXED, true), legacy = host_of("h3", GEN_LEGACY, false);
	struct decision d;

	g.has_metadata_state = true;
	g.metadata_state = STATE_QUIRKED;
	decide(&g, &fixed, NULL, 0, &d); /* a fresh choice would be respected */
	assert_int_equal(d.state, STATE_QUIRKED);
	assert_true(d.sticky);
	assert_int_equal(d.verdict, VERDICT_SAFE);
	decision_free(&d);

	g.metadata_state = STATE_RESPECTED;
	decide(&g, &fixed, NULL, 0, &d); /* QEMU would start it quirked: refused */
	assert_int_equal(d.state, STATE_QUIRKED);
	assert_int_equal(d.verdict, VERDICT_UNSAFE);
	assert_non_null(strstr(d.remediation, "seoibctl apply"));
	decision_free(&d);

	guest_runs(&g, STATE_RESPECTED);
	decide(&g, &fixed, &legacy, 1, &d);
	assert_int_equal(d.rule, RULE_RECORDED);
	assert_int_equal(d.verdict, VERDICT_UNSAFE);
	assert_true(d.host_can_run);
	assert_false(d.targets[0].can_run);
	decision_free(&d);
}

static void sticky_quirked_at_risk(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, true);
	struct host_record fixed = host_of("h1", GEN_FIXED, true);
	struct decision d;

	g.has_metadata_state = true;
	g.metadata_state = STATE_QUIRKED;
	g.split_required = true;
	decide(&g, &fixed, NULL, 0, &d);
	assert_int_equal(d.risk, RISK_HIGH);
	assert_int_equal(d.verdict, VERDICT_UNSAFE);
	assert_non_null(strstr(d.remediation, "--remove"));
	decision_free(&d);
}

static void recorded_conflicts_with_config(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_IN_KERNEL, 0x20, false);
	struct host_record fixed = host_of("h1", GEN_FIXED, true);
	struct decision d;

	g.has_metadata_state = true;
	g.metadata_state = STATE_RESPECTED;
	decide(&g, &fixed, NULL, 0, &d);
	assert_int_equal(d.rule, RULE_RECORDED_NEEDS_SPLIT);
	assert_int_equal(d.verdict, VERDICT_UNSAFE);
	decision_free(&d);

	g = guest_of(IRQCHIP_SPLIT, 0x11, false);
	g.has_metadata_state = true;
	g.metadata_state = STATE_RESPECTED;
	decide(&g, &fixed, NULL, 0, &d);
	assert_int_equal(d.rule, RULE_RECORDED_NEEDS_EOI);
	assert_int_equal(d.verdict, VERDICT_UNSAFE);
	decision_free(&d);

	/* Recorded not-advertised on an in-kernel guest is fine (bit 3 works in both). */
	g = guest_of(IRQCHIP_IN_KERNEL, 0x20, false);
	g.has_metadata_state = true;
	g.metadata_state = STATE_NOT_ADVERTISED;
	guest_runs(&g, STATE_NOT_ADVERTISED);
	decide(&g, &fixed, NULL, 0, &d);
	assert_int_equal(d.state, STATE_NOT_ADVERTISED);
	assert_int_equal(d.verdict, VERDICT_SAFE);
	decision_free(&d);
}

static void unknown_records(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, true);
	struct host_record h = host_of("h1", GEN_FIXED, true), bad = host_of("h5", GEN_UNKNOWN, false);
	struct decision d;

	decide(&g, NULL, NULL, 0, &d);
	assert_int_equal(d.rule, RULE_NO_HOST_RECORD);
	assert_int_equal(d.verdict, VERDICT_UNKNOWN);
	assert_string_equal(d.host.hostname, "this host");
	decision_free(&d);

	bad.status = PROBE_ERROR;
	decide(&g, &bad, NULL, 0, &d);
	assert_int_equal(d.verdict, VERDICT_UNKNOWN);
	decision_free(&d);

	/* A target without a record: this host's choice stands, verdict unknown. */
	guest_runs(&g, STATE_RESPECTED);
	decide(&g, &h, &bad, 1, &d);
	assert_int_equal(d.state, STATE_RESPECTED);
	assert_int_equal(d.verdict, VERDICT_UNKNOWN);
	decision_free(&d);
}

static void decision_json(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, true);
	struct host_record h = host_of("h1", GEN_FIXED, true), bad = host_of("h5", GEN_UNKNOWN, false);
	struct decision d;
	_cleanup_json_ json_object *obj = NULL;
	json_object *targets, *v;

	bad.status = PROBE_KVM_UNAVAILABLE;
	decide(&g, &h, &bad, 1, &d);
	obj = decision_to_json(&g, &d);
	assert_true(json_object_object_get_ex(obj, "schema", &v));
	assert_string_equal(json_object_get_string(v), "seoib.decision/1");
	assert_true(json_object_object_get_ex(obj, "targets", &targets));
	assert_int_equal(json_object_array_length(targets), 1);
	/* An unknown target's can_run is null, not false. */
	assert_true(json_object_object_get_ex(json_object_array_get_idx(targets, 0), "can_run", &v));
	assert_null(v);
	assert_true(json_object_object_get_ex(obj, "guest", &v));
	assert_true(json_object_object_get_ex(v, "at_risk", &v));
	assert_true(json_object_get_boolean(v));
	decision_free(&d);
	assert_null(d.targets);
}

/* Rule 0: QEMU's own local APIC is never exposed, whatever the hosts. */
static void qemu_lapic_not_exposed(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, true);
	struct host_record t = host_of("t", GEN_LEGACY, false);
	struct decision d;

	g.qemu_lapic = true;
	g.has_metadata_state = true;
	g.metadata_state = STATE_RESPECTED;
	t.status = PROBE_KVM_UNAVAILABLE;
	decide(&g, NULL, &t, 1, &d);
	assert_int_equal(d.rule, RULE_NOT_EXPOSED);
	assert_int_equal(d.risk, RISK_NONE);
	assert_int_equal(d.verdict, VERDICT_SAFE);
	assert_true(d.host.can_run && d.targets[0].can_run);
	assert_non_null(strstr(d.reasons[0], "not exposed"));
	decision_free(&d);
}

/* Rule 8: unknown facts are never decided from a default. */
static void unknown_facts(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0, true);
	struct host_record h = host_of("h", GEN_FIXED, true);
	struct decision d;

	g.ioapic_unknown = true;
	snprintf(g.ioapic_why, sizeof(g.ioapic_why), "machine type pc-q35-jammy is unknown");
	decide(&g, &h, NULL, 0, &d);
	assert_int_equal(d.rule, RULE_FACTS_UNKNOWN);
	assert_int_equal(d.risk, RISK_UNKNOWN);
	assert_int_equal(d.verdict, VERDICT_UNKNOWN);
	decision_free(&d);
	/* In-kernel: the I/O APIC does not matter. */
	g.irqchip = IRQCHIP_IN_KERNEL;
	decide(&g, &h, NULL, 0, &d);
	assert_int_equal(d.rule, RULE_IN_KERNEL);
	decision_free(&d);
	/* The irqchip unknown: not rule 1 even with a recorded respected. */
	g.irqchip_unknown = true;
	g.has_metadata_state = true;
	g.metadata_state = STATE_RESPECTED;
	decide(&g, &h, NULL, 0, &d);
	assert_int_equal(d.rule, RULE_FACTS_UNKNOWN);
	assert_int_equal(d.state, STATE_RESPECTED);
	assert_int_equal(d.verdict, VERDICT_UNKNOWN);
	decision_free(&d);
}

/* A guest that needs split is never told to use the in-kernel irqchip. */
static void split_required_remediation(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, true);
	struct host_record h = host_of("h", GEN_LEGACY, false);
	struct decision d;

	g.split_required = true;
	decide(&g, &h, NULL, 0, &d);
	assert_int_equal(d.verdict, VERDICT_UNSAFE);
	assert_null(strstr(d.remediation, "in-kernel"));
	assert_null(strstr(d.remediation, "driver='kvm'"));
	assert_non_null(strstr(d.remediation, "name='x2apic'"));
	decision_free(&d);
	/* xAPIC addresses at most 255 vCPUs: then only the hosts can help. */
	g.vcpus = 288;
	decide(&g, &h, NULL, 0, &d);
	assert_null(strstr(d.remediation, "x2apic"));
	assert_non_null(strstr(d.remediation, "name='vmx'"));
	decision_free(&d);
	/* Nothing in the guest left to change: only the hosts can help. */
	g.virt_ext = VIRT_EXT_NO;
	g.hyperv = true;
	decide(&g, &h, NULL, 0, &d);
	assert_int_equal(d.risk, RISK_LOW);
	decision_free(&d);
}

/* No x2APIC in the vCPU: never offered Directed EOI, on any kernel (rule 9). */
static void no_x2apic_not_exposed(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, true);
	struct host_record legacy = host_of("h", GEN_LEGACY, false);
	struct decision d;

	g.split_required = true;
	g.x2apic = X2APIC_ABSENT;
	decide(&g, &legacy, NULL, 0, &d);
	assert_int_equal(d.rule, RULE_NO_X2APIC);
	assert_int_equal(d.risk, RISK_NONE);
	assert_int_equal(d.verdict, VERDICT_SAFE);
	assert_string_equal(d.remediation, "");
	decision_free(&d);
	/* Even with the irqchip unknown. */
	g.irqchip_unknown = true;
	decide(&g, NULL, NULL, 0, &d);
	assert_int_equal(d.rule, RULE_NO_X2APIC);
	assert_int_equal(d.verdict, VERDICT_SAFE);
	decision_free(&d);
	/* A QEMU that picks the state from the I/O APIC version: unknown,
	 * never "I/O APIC 0x0" (issue 18, kind 6). */
	{
		struct host_record automatic = host_of("a", GEN_FIXED, true);

		automatic.vmm.model = VMM_MODEL_AUTOMATIC;
		g.ioapic_unknown = true;
		g.ioapic_version = 0;
		decide(&g, &automatic, NULL, 0, &d);
		assert_int_equal(d.rule, RULE_NO_X2APIC);
		assert_int_equal(d.verdict, VERDICT_UNKNOWN);
		for (int i = 0; i < d.n_reasons; i++)
			assert_null(strstr(d.reasons[i], "0x0"));
		assert_non_null(strstr(d.remediation, "I/O APIC version"));
		decision_free(&d);
		g.ioapic_unknown = false;
		g.ioapic_version = 0x20;
	}
	/* Unknown x2APIC is judged as present. */
	g.irqchip_unknown = false;
	g.x2apic = X2APIC_UNKNOWN;
	decide(&g, &legacy, NULL, 0, &d);
	assert_int_equal(d.risk, RISK_HIGH);
	decision_free(&d);
}

/* An unknown OS that can run a hypervisor: the risk is unknown, never low. */
static void unknown_os_risk(void **state)
{
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, false);
	struct host_record legacy = host_of("h", GEN_LEGACY, false);
	struct decision d;

	g.virt_ext = VIRT_EXT_YES;
	decide(&g, &legacy, NULL, 0, &d);
	assert_int_equal(d.risk, RISK_UNKNOWN);
	assert_int_equal(d.verdict, VERDICT_UNKNOWN);
	assert_non_null(strstr(d.remediation, "libosinfo"));
	decision_free(&d);
	g.virt_ext = VIRT_EXT_NO;
	decide(&g, &legacy, NULL, 0, &d);
	assert_int_equal(d.risk, RISK_LOW);
	decision_free(&d);
	/* Windows without vmx/svm cannot run its hypervisor. */
	g.windows = true;
	decide(&g, &legacy, NULL, 0, &d);
	assert_int_equal(d.risk, RISK_LOW);
	decision_free(&d);
}

/* What seoibctl fleet did before policy_migration_domain(): the engine
 * twice, the second time with the guest pinned to the state it got at home.
 * Kept as the oracle the one lib function must agree with. */
static void pinned_domain(const struct guest_facts *guest, const struct host_record *home,
			  const struct host_record *hosts, size_t n, struct decision *domain)
{
	struct guest_facts pinned = *guest;
	struct decision alone;

	if (guest->has_metadata_state) {
		policy_decide(guest, NULL, vws(hosts, n), n, domain);
		return;
	}
	policy_decide_applied(guest, vw(home), NULL, 0, &alone, NULL);
	pinned.has_metadata_state = true;
	pinned.metadata_state = alone.state;
	decision_free(&alone);
	policy_decide_applied(&pinned, vw(home), vws(hosts, n), n, domain, NULL);
}

static void assert_same_domain(const struct guest_facts *g, const struct host_record *home,
			       const struct host_record *hosts, size_t n)
{
	struct decision got, want;

	policy_migration_domain(g, vw(home), vws(hosts, n), n, &got);
	pinned_domain(g, home, hosts, n, &want);
	assert_int_equal(got.state, want.state);
	assert_int_equal(got.n_targets, want.n_targets);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(got.targets[i].hostname, want.targets[i].hostname);
		assert_int_equal(got.targets[i].known, want.targets[i].known);
		assert_int_equal(got.targets[i].can_run, want.targets[i].can_run);
		assert_string_equal(got.targets[i].why, want.targets[i].why);
	}
	decision_free(&got);
	decision_free(&want);
}

/* seoibctl fleet answers each record as it reads it and drops the record:
 * the decisions from the answers alone are the view-taking ones', after
 * the records are gone (overwritten here, so that an answer still reading
 * its record would show). */
static void decisions_from_answers(void **state)
{
	struct host_record hosts[4] = {host_of("h1", GEN_FIXED, true), host_of("h3", GEN_LEGACY, true),
				       host_of("h4", GEN_FIXED, false), host_of("H3", GEN_LEGACY, true)};
	struct host_record home = hosts[0];
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, false);
	struct host_answers answers[4];
	struct decision want_domain, want_mobility, got;

	hosts[2].status = PROBE_KVM_UNAVAILABLE;
	snprintf(hosts[2].message, sizeof(hosts[2].message), "cannot open /dev/kvm");
	policy_migration_domain(&g, vw(&home), vws(hosts, 4), 4, &want_domain);
	policy_decide_applied(&g, vw(&home), vws(hosts, 4), 4, &want_mobility, NULL);
	for (size_t i = 0; i < 4; i++)
		assert_int_equal(policy_host_answers(&vws(hosts, 4)[i], &g, &answers[i]), 0);
	memset(hosts, 0xa5, sizeof(hosts));

	policy_migration_domain_answers(&g, vw(&home), answers, 4, &got);
	assert_int_equal(got.state, want_domain.state);
	assert_int_equal(got.verdict, want_domain.verdict);
	assert_int_equal(got.n_targets, 4);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(got.targets[i].hostname, want_domain.targets[i].hostname);
		assert_int_equal(got.targets[i].can_run, want_domain.targets[i].can_run);
		assert_string_equal(got.targets[i].why, want_domain.targets[i].why);
	}
	decision_free(&got);

	policy_decide_applied_answers(&g, vw(&home), answers, 4, &got, NULL);
	assert_int_equal(got.state, want_mobility.state);
	assert_int_equal(got.verdict, want_mobility.verdict);
	assert_int_equal(got.n_reasons, want_mobility.n_reasons);
	for (int i = 0; i < got.n_reasons; i++)
		assert_string_equal(got.reasons[i], want_mobility.reasons[i]);
	assert_string_equal(got.remediation, want_mobility.remediation);
	for (size_t i = 0; i < 4; i++) {
		assert_string_equal(got.targets[i].why, want_mobility.targets[i].why);
		assert_string_equal(got.targets[i].evidence, want_mobility.targets[i].evidence);
		host_answers_free(&answers[i]);
	}
	decision_free(&got);
	decision_free(&want_domain);
	decision_free(&want_mobility);
}

/* fleet --domain: the state the guest gets at home (after apply), or its
 * recorded one, judged on every host with the decision's words. */
static void migration_domain(void **state)
{
	struct host_record hosts[4] = {host_of("h1", GEN_FIXED, true), host_of("h3", GEN_LEGACY, false),
				       host_of("h4", GEN_FIXED, false), host_of("h5", GEN_FIXED, true)};
	struct guest_facts g = guest_of(IRQCHIP_SPLIT, 0x20, true);
	struct decision d;

	hosts[3].status = PROBE_KVM_UNAVAILABLE;
	snprintf(hosts[3].message, sizeof(hosts[3].message), "cannot open /dev/kvm");
	/* Home's machine property, written by apply: respected. */
	policy_migration_domain(&g, vw(&hosts[0]), vws(hosts, 4), 4, &d);
	assert_int_equal(d.state, STATE_RESPECTED);
	assert_int_equal(d.n_targets, 4);
	assert_true(d.targets[0].known && d.targets[0].can_run);
	assert_false(d.targets[1].can_run);
	assert_string_equal(d.targets[1].why, "cannot run respected: kernel 6.1.0-40-amd64 is legacy and QEMU 7.2.22 at /usr/bin/qemu-system-x86_64 has no seoib-policy control");
	assert_string_equal(d.targets[2].why, "cannot run respected: QEMU 7.2.22 at /usr/bin/qemu-system-x86_64 has no seoib-policy control");
	assert_false(d.targets[3].known);
	assert_string_equal(d.targets[3].why, "record status kvm-unavailable: cannot open /dev/kvm");
	assert_int_equal(d.verdict, VERDICT_SAFE); /* h1 can */
	decision_free(&d);
	/* Only hosts that cannot: unsafe; one of them unknown: unknown; none: unknown. */
	policy_migration_domain(&g, vw(&hosts[0]), vws(&hosts[1], 2), 2, &d);
	assert_int_equal(d.verdict, VERDICT_UNSAFE);
	decision_free(&d);
	policy_migration_domain(&g, vw(&hosts[0]), vws(&hosts[1], 3), 3, &d);
	assert_int_equal(d.verdict, VERDICT_UNKNOWN);
	decision_free(&d);
	policy_migration_domain(&g, vw(&hosts[0]), NULL, 0, &d);
	assert_int_equal(d.verdict, VERDICT_UNKNOWN);
	decision_free(&d);
	/* A stock QEMU at home runs it quirked: every working host can. */
	policy_migration_domain(&g, vw(&hosts[2]), vws(hosts, 4), 4, &d);
	assert_int_equal(d.state, STATE_QUIRKED);
	assert_true(d.targets[1].can_run && d.targets[2].can_run);
	decision_free(&d);
	/* A recorded state stays, whatever home's QEMU would start it in. */
	g.has_metadata_state = true;
	g.metadata_state = STATE_NOT_ADVERTISED;
	policy_migration_domain(&g, vw(&hosts[2]), vws(hosts, 4), 4, &d);
	assert_int_equal(d.state, STATE_NOT_ADVERTISED);
	assert_true(d.targets[0].can_run);
	assert_false(d.targets[2].can_run);
	decision_free(&d);
}

/* The same answers as the two engine calls it replaced, over the rules. */
static void migration_domain_as_pinned(void **state)
{
	struct host_record hosts[3] = {host_of("h1", GEN_FIXED, true), host_of("h3", GEN_LEGACY, false),
				       host_of("h4", GEN_FIXED, false)};
	const struct host_record *homes[] = {&hosts[0], &hosts[1], &hosts[2], NULL};
	struct guest_facts guests[6] = {
		guest_of(IRQCHIP_SPLIT, 0x20, true), guest_of(IRQCHIP_SPLIT, 0x11, false),
		guest_of(IRQCHIP_IN_KERNEL, 0x20, true), guest_of(IRQCHIP_SPLIT, 0x20, false),
		guest_of(IRQCHIP_SPLIT, 0x20, true), guest_of(IRQCHIP_SPLIT, 0x20, true),
	};

	guests[3].qemu_lapic = true;
	guests[4].irqchip_unknown = true;
	guests[5].has_metadata_state = true;
	guests[5].metadata_state = STATE_RESPECTED;
	for (size_t g = 0; g < 6; g++)
		for (size_t h = 0; h < 4; h++)
			assert_same_domain(&guests[g], homes[h], hosts, 3);
}

/* host_can_run.c: the one wording of "cannot run", and the runnable set. */
static void host_why_cannot_words(void **state)
{
	struct host_record legacy = host_of("h3", GEN_LEGACY, false), fixed = host_of("h1", GEN_FIXED, true);
	char why[SEOIB_MESSAGE_MAX];

	host_why_cannot(NULL, STATE_RESPECTED, why, sizeof(why));
	assert_string_equal(why, "no host record");
	host_why_cannot(vw(&legacy), STATE_NOT_ADVERTISED, why, sizeof(why));
	assert_string_equal(why, "cannot run not-advertised: kernel 6.1.0-40-amd64 is legacy and QEMU 7.2.22 at /usr/bin/qemu-system-x86_64 has no seoib-policy control");
	assert_int_equal(host_can_run_states(&legacy), STATE_BIT(STATE_QUIRKED));
	assert_int_equal(host_can_run_states(&fixed), STATE_ALL);
	legacy.status = PROBE_ERROR;
	host_why_cannot(vw(&legacy), STATE_QUIRKED, why, sizeof(why));
	assert_string_equal(why, "record status error: no message");
	assert_int_equal(host_can_run_states(&legacy), 0);
	host_upgrade_for(&fixed, STATE_RESPECTED, why, sizeof(why));
	assert_string_equal(why, "");
	fixed.vmm.model = VMM_MODEL_NONE;
	host_upgrade_for(&fixed, STATE_RESPECTED, why, sizeof(why));
	/* No released QEMU has the control: no upgrade to offer (issue 19). */
	assert_string_equal(why, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(in_kernel_is_quirked_everywhere),
		cmocka_unit_test(split_respected_needs_every_host),
		cmocka_unit_test(upgrades_each_host_once),
		cmocka_unit_test(at_risk_remediation),
		cmocka_unit_test(no_x2apic_not_exposed),
		cmocka_unit_test(unknown_os_risk),
		cmocka_unit_test(ioapic_11),
		cmocka_unit_test(sticky_state),
		cmocka_unit_test(sticky_quirked_at_risk),
		cmocka_unit_test(recorded_conflicts_with_config),
		cmocka_unit_test(unknown_records),
		cmocka_unit_test(decision_json),
		cmocka_unit_test(qemu_lapic_not_exposed),
		cmocka_unit_test(unknown_facts),
		cmocka_unit_test(split_required_remediation),
		cmocka_unit_test(decisions_from_answers),
		cmocka_unit_test(migration_domain),
		cmocka_unit_test(migration_domain_as_pinned),
		cmocka_unit_test(host_why_cannot_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
