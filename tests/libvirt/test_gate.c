/* The libvirt gate (lib/policy/gate.c) and the hook's per-domain records
 * (lib/record/domain_record.c): pure decisions, no libvirt. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "seoib/domain_record.h"
#include "seoib/gate.h"
#include "../policy/host_views.h"
#include "seoib/qemu_launch.h"

#define UUID "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"

static void assert_contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("'%s' lacks '%s'", text, needle);
}

static struct seoib_config config(enum hook_mode mode, enum on_error on_error)
{
	struct seoib_config cfg;

	seoib_config_defaults(&cfg);
	cfg.hook_mode = mode;
	cfg.on_error = on_error;
	return cfg;
}

static struct guest_facts guest(bool has_state, enum seoib_state state)
{
	struct guest_facts g = {.irqchip = IRQCHIP_SPLIT, .ioapic_version = 0x20};

	snprintf(g.name, sizeof(g.name), "vm1");
	snprintf(g.uuid, sizeof(g.uuid), UUID);
	g.has_metadata_state = has_state;
	g.metadata_state = state;
	return g;
}

/* A fixed kernel; with a VMM control every state runs, without only quirked. */
static struct host_record fixed_host(bool vmm_control)
{
	struct host_record h = {.status = PROBE_OK};

	snprintf(h.host.hostname, sizeof(h.host.hostname), "hv-fixed");
	snprintf(h.host.kernel_release, sizeof(h.host.kernel_release), "7.3.0-1-amd64");
	snprintf(h.vmm.path, sizeof(h.vmm.path), "/usr/bin/qemu-system-x86_64");
	snprintf(h.vmm.version, sizeof(h.vmm.version), "7.2.22");
	h.claims.generation = GEN_FIXED;
	h.claims.kernel_states = STATE_ALL;
	h.vmm.can_set_state = vmm_control;
	h.vmm.found = true;
	h.vmm.model = vmm_control ? VMM_MODEL_AUTOMATIC : VMM_MODEL_NONE;
	h.runnable_states = vmm_control ? STATE_ALL : STATE_BIT(STATE_QUIRKED);
	return h;
}

static struct host_record legacy_host(void)
{
	struct host_record h = fixed_host(false);

	snprintf(h.host.hostname, sizeof(h.host.hostname), "hv-legacy");
	snprintf(h.host.kernel_release, sizeof(h.host.kernel_release), "6.1.0-40-amd64");
	h.claims.generation = GEN_LEGACY;
	h.claims.kernel_states = STATE_BIT(STATE_QUIRKED);
	return h;
}

/* The hook's record of vm1 (UUID), in a phase, of an operation. */
static struct domain_record record(enum domain_phase phase, const char *operation, enum seoib_state st)
{
	struct domain_record r = {.phase = phase, .state = st, .time = 1795424400};

	snprintf(r.name, sizeof(r.name), "vm1");
	snprintf(r.uuid, sizeof(r.uuid), UUID);
	snprintf(r.operation, sizeof(r.operation), "%s", operation);
	snprintf(r.answer, sizeof(r.answer), "allow");
	return r;
}

static void hook_operations(void **state)
{
	assert_int_equal(gate_op_from_hook("prepare", "begin"), GATE_PREPARE);
	assert_int_equal(gate_op_from_hook("migrate", "begin"), GATE_MIGRATE);
	assert_int_equal(gate_op_from_hook("restore", "begin"), GATE_RESTORE);
	assert_int_equal(gate_op_from_hook("stopped", "end"), GATE_FORGET);
	assert_int_equal(gate_op_from_hook("release", "end"), GATE_FORGET);
	assert_int_equal(gate_op_from_hook("prepare", "end"), GATE_IGNORE);
	assert_int_equal(gate_op_from_hook("started", "begin"), GATE_COMMIT);
	assert_int_equal(gate_op_from_hook("started", "end"), GATE_IGNORE);
	assert_int_equal(gate_op_from_hook("start", "begin"), GATE_IGNORE);
	assert_int_equal(gate_op_from_hook("reconnect", "begin"), GATE_IGNORE);
	assert_int_equal(gate_op_from_hook("frobnicate", "sideways"), GATE_IGNORE);
	assert_int_equal(gate_op_from_hook(NULL, NULL), GATE_IGNORE);
	assert_string_equal(gate_op_to_string(GATE_MIGRATE), "migrate");
}

static void answers(void **state)
{
	assert_true(gate_answer_allows(GATE_ALLOW));
	assert_true(gate_answer_allows(GATE_WARN));
	assert_true(gate_answer_allows(GATE_ERROR_ALLOW));
	assert_false(gate_answer_allows(GATE_REFUSE));
	assert_false(gate_answer_allows(GATE_ERROR_DENY));
	assert_string_equal(gate_answer_to_string(GATE_ERROR_DENY), "error-deny");
}

static void state_in_flight(void **state)
{
	struct guest_facts plain = guest(false, STATE_RESPECTED), tagged = guest(true, STATE_NOT_ADVERTISED);
	struct host_record automatic = fixed_host(true), stock = fixed_host(false), legacy = legacy_host();
	struct domain_record started = record(DOMAIN_RUNNING, "prepare", STATE_RESPECTED);
	char how[SEOIB_MESSAGE_MAX];
	enum seoib_state s;

	/* No metadata and no source: unknown, never assumed quirked. */
	assert_false(gate_state_in_flight(&plain, NULL, NULL, &s, how));
	assert_contains(how, "no seoib metadata");
	assert_true(gate_state_in_flight(&tagged, NULL, NULL, &s, how));
	assert_int_equal(s, STATE_NOT_ADVERTISED);
	assert_contains(how, "metadata");
	/* The hook's record of the start wins over the metadata. */
	assert_true(gate_state_in_flight(&tagged, NULL, &started, &s, how));
	assert_int_equal(s, STATE_RESPECTED);
	/* The source's VMM model: automatic picks from the I/O APIC... */
	assert_true(gate_state_in_flight(&plain, vw(&automatic), NULL, &s, how));
	assert_int_equal(s, STATE_RESPECTED);
	assert_contains(how, "automatic");
	plain.ioapic_version = 0x11;
	assert_true(gate_state_in_flight(&plain, vw(&automatic), NULL, &s, how));
	assert_int_equal(s, STATE_NOT_ADVERTISED);
	/* ... but falls back to quirked on a kernel without the flags. */
	legacy.vmm = automatic.vmm;
	assert_true(gate_state_in_flight(&plain, vw(&legacy), NULL, &s, how));
	assert_int_equal(s, STATE_QUIRKED);
	assert_contains(how, "falls back");
	/* Stock QEMU: quirked, and the reason says so. */
	assert_true(gate_state_in_flight(&plain, vw(&stock), NULL, &s, how));
	assert_int_equal(s, STATE_QUIRKED);
	assert_contains(how, "model none");
	/* It arrived here in a state nothing could tell (the hook's record
	 * says unknown): neither this host's VMM model nor a default decides. */
	started.state = STATE_UNKNOWN;
	snprintf(started.operation, sizeof(started.operation), "migrate");
	assert_false(gate_state_in_flight(&plain, vw(&stock), &started, &s, how));
	assert_contains(how, "arrived here carrying no seoib metadata");
	assert_contains(how, "unknown");
	assert_false(gate_state_in_flight(&tagged, vw(&automatic), &started, &s, how));
	/* An in-kernel irqchip guest: quirked whatever the source. */
	plain.irqchip = IRQCHIP_IN_KERNEL;
	assert_true(gate_state_in_flight(&plain, NULL, NULL, &s, how));
	assert_int_equal(s, STATE_QUIRKED);
}

/* Only what libvirt committed for this very guest says what it runs
 * (issue 20): a pending record (a restore libvirt rejected) or a record of
 * another guest name under the same UUID never outranks the metadata. */
static void state_committed_only(void **state)
{
	struct guest_facts tagged = guest(true, STATE_RESPECTED);
	struct domain_record rec = record(DOMAIN_PENDING, "restore", STATE_QUIRKED);
	char how[SEOIB_MESSAGE_MAX];
	enum seoib_state s;

	assert_true(gate_state_in_flight(&tagged, NULL, &rec, &s, how));
	assert_int_equal(s, STATE_RESPECTED);
	assert_string_equal(how, "seoib metadata");
	rec.phase = DOMAIN_RUNNING;
	snprintf(rec.name, sizeof(rec.name), "vm1-old");
	assert_true(gate_state_in_flight(&tagged, NULL, &rec, &s, how));
	assert_int_equal(s, STATE_RESPECTED);
	snprintf(rec.name, sizeof(rec.name), "vm1");
	snprintf(rec.uuid, sizeof(rec.uuid), "7f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	assert_true(gate_state_in_flight(&tagged, NULL, &rec, &s, how));
	assert_int_equal(s, STATE_RESPECTED);
	snprintf(rec.uuid, sizeof(rec.uuid), UUID);
	assert_true(gate_state_in_flight(&tagged, NULL, &rec, &s, how));
	assert_int_equal(s, STATE_QUIRKED);
	assert_string_equal(how, "recorded by the hook at restore");
	/* check --dest judges the same way: the pending quirked record of a
	 * rejected restore never makes a respected guest fit a legacy host. */
	struct host_record legacy = legacy_host();
	struct gate_outcome out;

	rec.phase = DOMAIN_PENDING;
	assert_int_equal(gate_migration_check(&tagged, NULL, &rec, vw(&legacy), "", &out), GATE_CHECK_REFUSE);
	assert_int_equal(out.state, STATE_RESPECTED);
}

/* What each begin leaves pending: its own record, or nothing. */
static void pending(void **state)
{
	struct guest_facts g = guest(true, STATE_QUIRKED);
	struct gate_outcome out = {.answer = GATE_ALLOW, .state = STATE_QUIRKED};
	struct domain_record rec;

	assert_true(gate_pending(GATE_MIGRATE, &g, &out, 1795424400, &rec));
	assert_int_equal(rec.phase, DOMAIN_PENDING);
	assert_string_equal(rec.operation, "migrate");
	assert_string_equal(rec.name, "vm1");
	assert_string_equal(rec.uuid, UUID);
	assert_int_equal(rec.state, STATE_QUIRKED);
	assert_int_equal(rec.time, 1795424400);
	assert_true(gate_pending(GATE_PREPARE, &g, &out, 1795424400, &rec));
	assert_string_equal(rec.operation, "prepare");
	/* Refused: dropped, arrival or start. */
	out.answer = GATE_REFUSE;
	assert_false(gate_pending(GATE_RESTORE, &g, &out, 1795424400, &rec));
	assert_false(gate_pending(GATE_PREPARE, &g, &out, 1795424400, &rec));
	out.answer = GATE_ERROR_DENY;
	assert_false(gate_pending(GATE_MIGRATE, &g, &out, 1795424400, &rec));
	/* Allowed with nothing known: an arrival is remembered as unknown, a
	 * start not at all, unless it is that arrival's own prepare. */
	out.answer = GATE_ERROR_ALLOW;
	out.state = STATE_UNKNOWN;
	assert_true(gate_pending(GATE_RESTORE, &g, &out, 1795424400, &rec));
	assert_int_equal(rec.state, STATE_UNKNOWN);
	assert_false(gate_pending(GATE_PREPARE, &g, &out, 1795424400, &rec));
	out.arrival_unknown = true;
	assert_true(gate_pending(GATE_PREPARE, &g, &out, 1795424400, &rec));
	assert_int_equal(rec.state, STATE_UNKNOWN);
	/* Other operations never leave one. */
	out.answer = GATE_ALLOW;
	assert_false(gate_pending(GATE_COMMIT, &g, &out, 1795424400, &rec));
	assert_false(gate_pending(GATE_FORGET, &g, &out, 1795424400, &rec));
}

/* started begin commits the start's own pending record, nothing else. */
static void commit(void **state)
{
	struct guest_facts g = guest(true, STATE_RESPECTED);
	struct domain_record pending = record(DOMAIN_PENDING, "prepare", STATE_RESPECTED), running;
	char why[SEOIB_MESSAGE_MAX];
	const int64_t t = pending.time;

	assert_true(gate_commit(&g, &pending, t + 30, &running, why));
	assert_int_equal(running.phase, DOMAIN_RUNNING);
	assert_int_equal(running.state, STATE_RESPECTED);
	assert_int_equal(running.time, t + 30);
	assert_string_equal(running.name, "vm1");
	assert_string_equal(running.operation, "prepare");
	assert_string_equal(why, "'vm1' runs respected, committed at started begin");
	/* None; a start whose prepare begin left no record. */
	assert_false(gate_commit(&g, NULL, t, &running, why));
	assert_contains(why, "no record of its prepare begin");
	/* An arrival whose prepare begin never ran: not what this start runs. */
	snprintf(pending.operation, sizeof(pending.operation), "restore");
	assert_false(gate_commit(&g, &pending, t, &running, why));
	assert_contains(why, "of restore begin, not of its prepare begin");
	snprintf(pending.operation, sizeof(pending.operation), "prepare");
	/* Another guest under this UUID. */
	snprintf(pending.name, sizeof(pending.name), "vm1-old");
	assert_false(gate_commit(&g, &pending, t, &running, why));
	assert_contains(why, "is of 'vm1-old', not of 'vm1'");
	snprintf(pending.name, sizeof(pending.name), "vm1");
	/* Dated ahead of the clock; already committed. */
	assert_false(gate_commit(&g, &pending, t - 1, &running, why));
	pending.phase = DOMAIN_RUNNING;
	assert_false(gate_commit(&g, &pending, t, &running, why));
	/* An arrival in a state nothing could tell stays unknown. */
	pending = record(DOMAIN_PENDING, "prepare", STATE_UNKNOWN);
	assert_true(gate_commit(&g, &pending, t, &running, why));
	assert_int_equal(running.state, STATE_UNKNOWN);
}

static void host_can_run(void **state)
{
	struct host_record fixed = fixed_host(true), stock = fixed_host(false), legacy = legacy_host();
	struct host_record broken = fixed_host(true);
	char why[SEOIB_MESSAGE_MAX];

	broken.status = PROBE_KVM_UNAVAILABLE;
	broken.runnable_states = 0;
	snprintf(broken.message, sizeof(broken.message), "cannot open /dev/kvm");

	for (int s = 0; s < STATE_COUNT; s++)
		assert_true(gate_host_can_run(vw(&fixed), s, why));
	assert_true(gate_host_can_run(vw(&legacy), STATE_QUIRKED, why));
	/* The policy engine's words (host_why_cannot()), with the host's name. */
	assert_false(gate_host_can_run(vw(&legacy), STATE_RESPECTED, why));
	assert_string_equal(why, "hv-legacy cannot run respected: kernel 6.1.0-40-amd64 is legacy and QEMU 7.2.22 at /usr/bin/qemu-system-x86_64 has no seoib-policy control");
	assert_false(gate_host_can_run(vw(&legacy), STATE_NOT_ADVERTISED, why));
	assert_contains(why, "cannot run not-advertised: kernel 6.1.0-40-amd64 is legacy");
	assert_false(gate_host_can_run(vw(&stock), STATE_RESPECTED, why));
	assert_string_equal(why, "hv-fixed cannot run respected: QEMU 7.2.22 at /usr/bin/qemu-system-x86_64 has no seoib-policy control");
	assert_false(gate_host_can_run(vw(&broken), STATE_QUIRKED, why));
	assert_string_equal(why, "hv-fixed has no usable record (record status kvm-unavailable: cannot open /dev/kvm)");
}

static void arrival(void **state)
{
	struct seoib_config enforce = config(HOOK_ENFORCE, ON_ERROR_ALLOW), warn = config(HOOK_WARN, ON_ERROR_ALLOW);
	struct guest_facts respected = guest(true, STATE_RESPECTED), plain = guest(false, STATE_QUIRKED);
	struct host_record fixed = fixed_host(true), legacy = legacy_host(), stock = fixed_host(false);
	struct seoib_config deny = config(HOOK_ENFORCE, ON_ERROR_DENY);
	struct gate_outcome out;

	gate_arrival(GATE_MIGRATE, &respected, NULL, NULL, vw(&fixed), &enforce, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	assert_int_equal(out.state, STATE_RESPECTED);

	gate_arrival(GATE_MIGRATE, &respected, NULL, NULL, vw(&legacy), &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_int_not_equal(out.state, STATE_UNKNOWN);
	assert_contains(out.reason, "'vm1' runs respected");
	assert_contains(out.reason, "hv-legacy cannot run respected: kernel 6.1.0-40-amd64 is legacy");
	assert_contains(out.remediation, "migrate it to a host");

	gate_arrival(GATE_RESTORE, &respected, NULL, NULL, vw(&legacy), &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_contains(out.remediation, "restore it");
	/* A saved guest runs nowhere: nothing to shut down; its saved state is
	 * what stands between it and a fresh start. */
	assert_null(strstr(out.remediation, "shut it down"));
	assert_contains(out.remediation, "discard its saved state and start it afresh");
	gate_arrival(GATE_MIGRATE, &respected, NULL, NULL, vw(&legacy), &enforce, &out);
	assert_contains(out.remediation, "shut it down and start it afresh");

	gate_arrival(GATE_MIGRATE, &respected, NULL, NULL, vw(&legacy), &warn, &out);
	assert_int_equal(out.answer, GATE_WARN);

	/* No metadata, source unknown (the hook): on-error decides. */
	gate_arrival(GATE_MIGRATE, &plain, NULL, NULL, vw(&legacy), &enforce, &out);
	assert_int_equal(out.answer, GATE_ERROR_ALLOW);
	assert_int_equal(out.state, STATE_UNKNOWN);
	assert_contains(out.reason, "no seoib metadata");
	gate_arrival(GATE_MIGRATE, &plain, NULL, NULL, vw(&legacy), &deny, &out);
	assert_int_equal(out.answer, GATE_ERROR_DENY);

	/* No metadata from an automatic source: it runs respected, which the
	 * legacy host cannot; from a stock one quirked, which it can. */
	gate_arrival(GATE_MIGRATE, &plain, vw(&fixed), NULL, vw(&legacy), &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_int_equal(out.state, STATE_RESPECTED);
	gate_arrival(GATE_MIGRATE, &plain, vw(&stock), NULL, vw(&legacy), &enforce, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	assert_int_equal(out.state, STATE_QUIRKED);

	/* QEMU's own local APIC (TCG): no state to keep, even on a host
	 * whose KVM is unusable. */
	struct guest_facts tcg = guest(true, STATE_RESPECTED);
	struct host_record no_kvm = legacy_host();

	tcg.qemu_lapic = true;
	snprintf(tcg.lapic_why, sizeof(tcg.lapic_why), "a TCG guest");
	no_kvm.status = PROBE_KVM_UNAVAILABLE;
	no_kvm.runnable_states = 0;
	gate_arrival(GATE_MIGRATE, &tcg, NULL, NULL, vw(&no_kvm), &enforce, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	assert_contains(out.reason, "not exposed");
}


/* A fixed kernel whose enable-mode guest that set SPIV bit 12 still had its
 * EOI broadcast; runnable_states still lists respected, as a record of a
 * seoib that did not read behaviour would. */
static struct host_record contradicted_host(void)
{
	static const struct {
		enum x2apic_mode mode;
		bool bit12, lvr, eoi;
	} cases[BEHAVIOUR_CASES] = {
		{MODE_LEGACY, true, true, true},   {MODE_LEGACY, false, true, true},
		{MODE_ENABLE, true, true, true},   {MODE_ENABLE, false, true, true},
		{MODE_DISABLE, true, false, true}, {MODE_DISABLE, false, false, true},
	};
	struct host_record h = fixed_host(true);

	h.behaviour.ran = true;
	for (int i = 0; i < BEHAVIOUR_CASES; i++) {
		struct behaviour_case *c = &h.behaviour.cases[i];

		c->mode = cases[i].mode;
		c->guest_sets_bit12 = cases[i].bit12;
		c->outcome = OUTCOME_DONE;
		c->lvr_directed_eoi = cases[i].lvr;
		c->spiv_bit12_stuck = cases[i].bit12 && cases[i].lvr;
		c->spiv = c->spiv_bit12_stuck ? 0x11ff : 0x1ff;
		c->eoi_exit = cases[i].eoi;
	}
	return h;
}

/* check --dest and the hook's migrate/restore begin: a host whose guests
 * contradict respected never receives a respected guest, even in a record
 * that lists it; quirked and not-advertised still arrive. */
static void arrival_contradicted(void **state)
{
	struct seoib_config enforce = config(HOOK_ENFORCE, ON_ERROR_ALLOW);
	struct guest_facts respected = guest(true, STATE_RESPECTED), not_adv = guest(true, STATE_NOT_ADVERTISED);
	struct host_record h = contradicted_host();
	struct gate_outcome out;
	char why[SEOIB_MESSAGE_MAX];

	assert_false(gate_host_can_run(vw(&h), STATE_RESPECTED, why));
	assert_contains(why, "the behavioural probe on hv-fixed contradicts respected");
	assert_contains(why, "still had its EOI of vector 0x50 broadcast");
	assert_true(gate_host_can_run(vw(&h), STATE_QUIRKED, why));
	assert_true(gate_host_can_run(vw(&h), STATE_NOT_ADVERTISED, why));

	gate_arrival(GATE_MIGRATE, &respected, NULL, NULL, vw(&h), &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_contains(out.reason, "contradicts respected");
	assert_contains(out.remediation, "report kernel 7.3.0-1-amd64 of hv-fixed");
	assert_contains(out.remediation, "keep guests quirked or on the in-kernel irqchip there");

	gate_arrival(GATE_MIGRATE, &not_adv, NULL, NULL, vw(&h), &enforce, &out);
	assert_int_equal(out.answer, GATE_ALLOW);

	/* Not run: the state stays runnable (unverified is not contradicted). */
	h.behaviour.ran = false;
	assert_true(gate_host_can_run(vw(&h), STATE_RESPECTED, why));
}

static struct decision decision(enum verdict v, enum seoib_state s, enum risk r)
{
	struct decision d = {.verdict = v, .state = s, .risk = r, .n_reasons = 2};

	snprintf(d.reasons[0], sizeof(d.reasons[0]), "Windows with Hyper-V on a split irqchip");
	snprintf(d.reasons[1], sizeof(d.reasons[1]), "this host can only run it\nquirked");
	snprintf(d.remediation, sizeof(d.remediation), "use <ioapic driver='kvm'/>");
	return d;
}

static void prepare(void **state)
{
	struct seoib_config enforce = config(HOOK_ENFORCE, ON_ERROR_ALLOW), warn = config(HOOK_WARN, ON_ERROR_DENY);
	struct guest_facts g = guest(false, STATE_QUIRKED);
	struct decision safe = decision(VERDICT_SAFE, STATE_RESPECTED, RISK_NONE);
	struct decision unsafe = decision(VERDICT_UNSAFE, STATE_QUIRKED, RISK_HIGH);
	struct decision unknown = decision(VERDICT_UNKNOWN, STATE_QUIRKED, RISK_NONE);
	struct gate_outcome out;

	gate_prepare(&g, &safe, &enforce, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	assert_int_equal(out.state, STATE_RESPECTED);

	gate_prepare(&g, &unsafe, &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_contains(out.reason, "'vm1' would start quirked with risk high");
	assert_contains(out.reason, "Hyper-V on a split irqchip; this host");
	assert_null(strchr(out.reason, '\n')); /* one line in libvirt's error */
	assert_string_equal(out.remediation, "use <ioapic driver='kvm'/>");

	gate_prepare(&g, &unsafe, &warn, &out);
	assert_int_equal(out.answer, GATE_WARN);

	gate_prepare(&g, &unknown, &enforce, &out);
	assert_int_equal(out.answer, GATE_ERROR_ALLOW);
	assert_int_equal(out.state, STATE_UNKNOWN);
	assert_contains(out.reason, "on-error = allow");
	/* The decision's own remediation (e.g. say which OS the guest runs),
	 * not the advice for a missing host record. */
	assert_string_equal(out.remediation, "use <ioapic driver='kvm'/>");
	gate_prepare(&g, &unknown, &warn, &out);
	assert_int_equal(out.answer, GATE_ERROR_DENY);
	assert_contains(out.reason, "on-error = deny");
}

/* The field's instance: "... kernel ... is lega" in virsh's error. Every
 * reason of a refusal reaches libvirt whole, however long the kernel and
 * QEMU names in it are. */
static void prepare_reasons_uncut(void **state)
{
	struct seoib_config enforce = config(HOOK_ENFORCE, ON_ERROR_ALLOW);
	struct guest_facts g = guest(false, STATE_QUIRKED);
	struct decision unsafe = decision(VERDICT_UNSAFE, STATE_QUIRKED, RISK_HIGH);
	char path[700];
	struct gate_outcome out;

	memset(path, 'q', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	unsafe.n_reasons = DECISION_REASONS_MAX;
	for (int i = 0; i < DECISION_REASONS_MAX; i++)
		snprintf(unsafe.reasons[i], sizeof(unsafe.reasons[i]),
			 "reason %d: kernel 6.1.0-40-amd64 is legacy and QEMU 7.2.22 at /usr/bin/%s has no control", i, path);
	gate_prepare(&g, &unsafe, &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	for (int i = 0; i < DECISION_REASONS_MAX; i++)
		assert_contains(out.reason, unsafe.reasons[i]);
	assert_null(strstr(out.reason, "…"));
}

/* prepare begin right after an accepted migrate or restore: the guest
 * keeps the state the arrival accepted, for its own prepare only: within
 * GATE_ARRIVAL_VALID_S, of that guest, with the XML that arrived. */
static void start_after_arrival(void **state)
{
	struct seoib_config enforce = config(HOOK_ENFORCE, ON_ERROR_ALLOW);
	struct guest_facts g = guest(true, STATE_RESPECTED), plain = guest(false, STATE_QUIRKED);
	struct host_record legacy = legacy_host();
	struct domain_record last = record(DOMAIN_PENDING, "migrate", STATE_RESPECTED);
	struct gate_outcome out;
	const int64_t t = last.time;

	/* At-risk Windows on a legacy host: a fresh start is refused... */
	g.windows = plain.windows = true;
	gate_start(&g, vw(&legacy), NULL, t, &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	/* ... but the guest that just arrived runs respected already. */
	gate_start(&g, vw(&legacy), &last, t + GATE_ARRIVAL_VALID_S, &enforce, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	assert_int_equal(out.state, STATE_RESPECTED);
	assert_string_equal(out.reason, "'vm1' arrives by migrate in state respected, accepted at migrate begin");
	assert_false(out.arrival_unknown);
	snprintf(last.operation, sizeof(last.operation), "restore");
	gate_start(&g, vw(&legacy), &last, t, &enforce, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	/* Another guest's arrival under this UUID is no arrival of this one. */
	snprintf(last.name, sizeof(last.name), "vm2");
	gate_start(&g, vw(&legacy), &last, t, &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	snprintf(last.name, sizeof(last.name), "vm1");
	/* An arrival on-error = allow let in, its state unknown: let in once
	 * more with a warning, never judged by this host's VMM model; only
	 * while the XML still says no state. */
	last.state = STATE_UNKNOWN;
	gate_start(&plain, vw(&legacy), &last, t, &enforce, &out);
	assert_int_equal(out.answer, GATE_ERROR_ALLOW);
	assert_true(out.arrival_unknown);
	assert_int_equal(out.state, STATE_UNKNOWN);
	assert_contains(out.reason, "in a state seoib cannot tell");
	gate_start(&g, vw(&legacy), &last, t, &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	last.state = STATE_RESPECTED;
	/* Too old, dated in the future, not pending, or not an arrival:
	 * decided afresh. */
	gate_start(&g, vw(&legacy), &last, t + GATE_ARRIVAL_VALID_S + 1, &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	gate_start(&g, vw(&legacy), &last, t - 1, &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	last.phase = DOMAIN_RUNNING;
	gate_start(&g, vw(&legacy), &last, t, &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	last.phase = DOMAIN_PENDING;
	snprintf(last.operation, sizeof(last.operation), "prepare");
	gate_start(&g, vw(&legacy), &last, t, &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	/* No record of this host: on-error. */
	gate_start(&g, NULL, NULL, t, &enforce, &out);
	assert_int_equal(out.answer, GATE_ERROR_ALLOW);
}

/* Issue 20: on a legacy host (enforce, on-error = deny), a Windows guest's
 * fresh start is refused; a migrate begin carrying quirked metadata is
 * accepted and libvirt aborts it before its prepare begin; the same fresh
 * start, its XML this host's definition, is refused still: within the old
 * 300 s, and within GATE_ARRIVAL_VALID_S. */
static void arrival_never_opens_a_start(void **state)
{
	struct seoib_config deny = config(HOOK_ENFORCE, ON_ERROR_DENY);
	struct guest_facts fresh = guest(false, STATE_QUIRKED), arriving = guest(true, STATE_QUIRKED);
	struct host_record legacy = legacy_host();
	struct domain_record pending = record(DOMAIN_PENDING, "migrate", STATE_QUIRKED);
	struct gate_outcome out;
	const int64_t t = pending.time;

	fresh.windows = arriving.windows = true;
	gate_hook(GATE_PREPARE, &fresh, vw(&legacy), NULL, t, &deny, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	gate_hook(GATE_MIGRATE, &arriving, vw(&legacy), NULL, t, &deny, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	assert_int_equal(out.state, STATE_QUIRKED);
	for (int64_t later = 0; later <= 300; later += 10) {
		gate_hook(GATE_PREPARE, &fresh, vw(&legacy), &pending, t + later, &deny, &out);
		assert_int_equal(out.answer, GATE_REFUSE);
	}
	/* A definition that says respected, or another state: refused too. */
	fresh.has_metadata_state = true;
	fresh.metadata_state = STATE_RESPECTED;
	gate_hook(GATE_PREPARE, &fresh, vw(&legacy), &pending, t, &deny, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	/* Its own prepare, the XML that arrived, within the step: allowed. */
	gate_hook(GATE_PREPARE, &arriving, vw(&legacy), &pending, t + 1, &deny, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	/* ... and not after the step's bound. */
	gate_hook(GATE_PREPARE, &arriving, vw(&legacy), &pending, t + GATE_ARRIVAL_VALID_S + 1, &deny, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
}

/* An arrival's authorisation taken by a prepare begin, then started begin:
 * the authorisation stands only for a QEMU libvirt launched with -incoming
 * (issue 20, item 2). A fresh start whose XML says the arrival's state is
 * let in at prepare begin, and judged as the fresh start it is at started
 * begin. */
static void launch_after_arrival(void **state)
{
	struct seoib_config deny = config(HOOK_ENFORCE, ON_ERROR_DENY), warn = config(HOOK_WARN, ON_ERROR_DENY),
			    allow = config(HOOK_ENFORCE, ON_ERROR_ALLOW);
	struct guest_facts g = guest(true, STATE_QUIRKED);
	struct host_record legacy = legacy_host();
	struct qemu_launch_fact fresh = {QEMU_LAUNCH_FRESH, "the QEMU of 'vm1', pid 42, has no -incoming on its command line"},
				incoming = {QEMU_LAUNCH_INCOMING, "the QEMU of 'vm1', pid 42, was started with -incoming"},
				unknown = {QEMU_LAUNCH_UNKNOWN, "/run/libvirt/qemu/vm1.pid does not hold one process ID"};
	struct domain_record migrated, pending, start, running;
	struct gate_outcome out;
	char why[SEOIB_MESSAGE_MAX];
	const int64_t t = 1795424400;

	g.windows = true;
	/* Its fresh start is refused; the migrate begin is accepted... */
	gate_hook(GATE_PREPARE, &g, vw(&legacy), NULL, t, &deny, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_int_equal(out.arrival, GATE_IGNORE);
	assert_true(gate_pending(GATE_PREPARE, &g, &out, t, &pending) == false);
	gate_hook(GATE_MIGRATE, &g, vw(&legacy), NULL, t, &deny, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	assert_true(gate_pending(GATE_MIGRATE, &g, &out, t, &migrated));
	assert_string_equal(migrated.arrival, "");
	/* ... and the prepare begin that follows, whichever start it is, is let
	 * in by it, and says so in its pending record. */
	gate_hook(GATE_PREPARE, &g, vw(&legacy), &migrated, t + 1, &deny, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	assert_int_equal(out.arrival, GATE_MIGRATE);
	assert_true(gate_pending(GATE_PREPARE, &g, &out, t + 1, &pending));
	assert_string_equal(pending.operation, "prepare");
	assert_string_equal(pending.arrival, "migrate");
	assert_true(gate_launch_matters(&g, &pending));
	assert_false(gate_launch_matters(&g, NULL));
	assert_false(gate_launch_matters(&g, &migrated)); /* its prepare never ran */
	/* The clock stepped back since prepare begin (the record dated ahead of
	 * it): still judged, though gate_commit() refuses to commit it. */
	{
		struct domain_record ahead = pending;

		ahead.time = t + 100;
		assert_true(gate_launch_matters(&g, &ahead));
		assert_false(gate_commit(&g, &ahead, t + 2, &running, why));
		assert_contains(why, "dated ahead of the clock");
	}

	/* libvirt launched QEMU afresh: judged as the fresh start, refused;
	 * nothing committed. */
	assert_false(gate_launched(&g, vw(&legacy), "", &pending, &fresh, t + 2, &deny, &out, &start));
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_contains(out.reason, "'vm1' was let in at prepare begin by the authorisation of a migrate begin, "
				    "but libvirt started its QEMU afresh (the QEMU of 'vm1', pid 42, has no -incoming");
	assert_contains(out.reason, "so it is judged as the fresh start it is: 'vm1' would start quirked with risk high");
	assert_false(gate_answer_allows(out.answer));
	/* hook-mode = warn: allowed with the warning, committed as the fresh
	 * start's own record, never as the arrival's. */
	assert_true(gate_launched(&g, vw(&legacy), "", &pending, &fresh, t + 2, &warn, &out, &start));
	assert_int_equal(out.answer, GATE_WARN);
	assert_string_equal(start.arrival, "");
	assert_string_equal(start.operation, "prepare");
	assert_string_equal(start.answer, "warn");
	assert_true(gate_commit(&g, &start, t + 2, &running, why));
	assert_string_equal(running.arrival, "");
	/* No usable host record for the fresh start: on-error. */
	assert_false(gate_launched(&g, NULL, "no usable host record (it is 7200 s old)", &pending, &fresh, t + 2, &deny,
				   &out, &start));
	assert_int_equal(out.answer, GATE_ERROR_DENY);
	assert_contains(out.reason, "no usable host record (it is 7200 s old)");

	/* Launched with -incoming: the arrival's authorisation stands. */
	assert_true(gate_launched(&g, vw(&legacy), "", &pending, &incoming, t + 2, &deny, &out, &start));
	assert_int_equal(out.answer, GATE_ALLOW);
	assert_contains(out.reason, "'vm1' arrives by migrate: the QEMU of 'vm1', pid 42, was started with -incoming");
	assert_string_equal(start.arrival, "migrate");
	assert_int_equal(start.state, STATE_QUIRKED);
	assert_true(gate_commit(&g, &start, t + 2, &running, why));
	assert_int_equal(running.state, STATE_QUIRKED);
	/* ... unless the XML passes -incoming itself: unknown, on-error. */
	g.n_qemu_args = 2;
	snprintf(g.qemu_args[0], sizeof(g.qemu_args[0]), "-incoming");
	snprintf(g.qemu_args[1], sizeof(g.qemu_args[1]), "defer");
	assert_false(gate_launched(&g, vw(&legacy), "", &pending, &incoming, t + 2, &deny, &out, &start));
	assert_int_equal(out.answer, GATE_ERROR_DENY);
	assert_contains(out.reason, "passes -incoming itself");
	g.n_qemu_args = 0;

	/* Cannot tell: on-error decides, its own sentence; nothing committed. */
	assert_false(gate_launched(&g, vw(&legacy), "", &pending, &unknown, t + 2, &deny, &out, &start));
	assert_int_equal(out.answer, GATE_ERROR_DENY);
	assert_contains(out.reason, "cannot tell whether libvirt started the QEMU of 'vm1' for the migrate that let it in "
				    "at prepare begin, or afresh: /run/libvirt/qemu/vm1.pid does not hold one process ID");
	assert_contains(out.remediation, "/run/libvirt/qemu");
	assert_false(gate_launched(&g, vw(&legacy), "", &pending, &unknown, t + 2, &allow, &out, &start));
	assert_int_equal(out.answer, GATE_ERROR_ALLOW);

	/* A restore's, in a state nothing could tell (on-error = allow at
	 * restore begin): the same. */
	migrated = record(DOMAIN_PENDING, "restore", STATE_UNKNOWN);
	g.has_metadata_state = false;
	gate_hook(GATE_PREPARE, &g, vw(&legacy), &migrated, migrated.time, &allow, &out);
	assert_int_equal(out.answer, GATE_ERROR_ALLOW);
	assert_int_equal(out.arrival, GATE_RESTORE);
	assert_true(gate_pending(GATE_PREPARE, &g, &out, migrated.time, &pending));
	assert_string_equal(pending.arrival, "restore");
	assert_false(gate_launched(&g, vw(&legacy), "", &pending, &fresh, migrated.time, &deny, &out, &start));
	assert_false(gate_answer_allows(out.answer));
	assert_contains(out.reason, "authorisation of a restore begin");
}

/* How libvirt launched a QEMU, from its command line. */
static void launch_from_cmdline(void **state)
{
	static const char incoming[] = "/usr/bin/qemu-system-x86_64\0-name\0guest=vm1,debug-threads=on\0-uuid\0" UUID
				       "\0-incoming\0defer\0";
	static const char fresh[] = "qemu\0-uuid\0" UUID "\0-S\0";
	static const char upper[] = "qemu\0--uuid\0" "6F1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D" "\0--incoming\0fd:22";
	static const char other[] = "qemu\0-uuid\0" "00000000-4e5f-4a6b-8c7d-9e0f1a2b3c4d" "\0-incoming\0defer\0";
	static const char dangling[] = "qemu\0-incoming\0defer\0-uuid";
	static const char glued[] = "qemu\0-uuid\0" UUID "\0-append\0console=ttyS0 -incoming\0";
	struct qemu_launch_fact f;

	qemu_launch_from_cmdline(incoming, sizeof(incoming) - 1, UUID, "the QEMU of 'vm1', pid 42,", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_INCOMING);
	assert_string_equal(f.why, "the QEMU of 'vm1', pid 42, was started with -incoming, to receive a migration or a restore");
	qemu_launch_from_cmdline(fresh, sizeof(fresh) - 1, UUID, "it", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_FRESH);
	assert_string_equal(f.why, "it has no -incoming on its command line");
	/* Two dashes, another case, no NUL at the end. */
	qemu_launch_from_cmdline(upper, sizeof(upper) - 1, UUID, "it", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_INCOMING);
	/* Another guest's QEMU (a PID reused): unknown. */
	qemu_launch_from_cmdline(other, sizeof(other) - 1, UUID, "it", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_UNKNOWN);
	assert_contains(f.why, "does not carry -uuid " UUID);
	/* -uuid with no value; -incoming inside a value is none. */
	qemu_launch_from_cmdline(dangling, sizeof(dangling) - 1, UUID, "it", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_UNKNOWN);
	qemu_launch_from_cmdline(glued, sizeof(glued) - 1, UUID, "it", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_FRESH);
	qemu_launch_from_cmdline("", 0, UUID, "it", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_UNKNOWN);
}

/* "-incoming" as the value of another option is no -incoming: a fresh
 * start whose <os><cmdline> is "-incoming" (libvirt passes it to -append
 * as one argument) or whose snapshot is named so (-loadvm) must not look
 * like an arrival (issue 20, item 2). QEMU's options without a value keep
 * the walk in step; an argument where an option must stand (an option
 * seoib does not know to take none) is unknown, never a guess. */
static void launch_option_values(void **state)
{
	static const char appended[] = "qemu\0-uuid\0" UUID "\0-kernel\0/boot/vmlinuz\0-append\0-incoming\0-S\0";
	static const char loadvm[] = "qemu\0-loadvm\0-incoming\0-uuid\0" UUID "\0-no-shutdown\0";
	static const char flags[] = "qemu\0-S\0-no-user-config\0-nodefaults\0-uuid\0" UUID
				    "\0-no-shutdown\0-incoming\0defer\0";
	static const char out_of_step[] = "qemu\0-uuid\0" UUID "\0-new-flag\0-incoming\0defer\0";
	static const char uuid_value[] = "qemu\0-append\0-uuid\0" UUID "\0-incoming\0defer\0";
	struct qemu_launch_fact f;

	(void)state;
	qemu_launch_from_cmdline(appended, sizeof(appended) - 1, UUID, "it", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_FRESH);
	qemu_launch_from_cmdline(loadvm, sizeof(loadvm) - 1, UUID, "it", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_FRESH);
	qemu_launch_from_cmdline(flags, sizeof(flags) - 1, UUID, "it", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_INCOMING);
	qemu_launch_from_cmdline(out_of_step, sizeof(out_of_step) - 1, UUID, "it", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_UNKNOWN);
	assert_contains(f.why, "cannot read its options");
	qemu_launch_from_cmdline(uuid_value, sizeof(uuid_value) - 1, UUID, "it", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_UNKNOWN);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	assert_non_null(f = fopen(path, "w"));
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* libvirt's PID file, then /proc/PID/cmdline of a real process. */
static void launch_read(void **state)
{
	char dir[] = "/tmp/seoib-test-launch-XXXXXX", pid_text[32], path[256];
	struct qemu_launch_fact f;
	int hold[2];
	pid_t child;

	assert_non_null(mkdtemp(dir));
	qemu_launch_read(dir, "vm1", UUID, &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_UNKNOWN);
	assert_contains(f.why, "vm1.pid");
	write_text(dir, "vm1.pid", "forty-two\n");
	qemu_launch_read(dir, "vm1", UUID, &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_UNKNOWN);
	assert_contains(f.why, "does not hold one process ID");
	qemu_launch_read(dir, "../vm1", UUID, &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_UNKNOWN);
	assert_contains(f.why, "cannot name libvirt's PID file");

	/* A process whose command line carries the guest's -uuid and -incoming:
	 * a shell waiting in its read builtin on a pipe nobody writes (no
	 * grandchild that would outlive it). */
	assert_int_equal(pipe(hold), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		dup2(hold[0], STDIN_FILENO);
		close(hold[1]);
		execl("/bin/sh", "sh", "-c", "read x", "-uuid", UUID, "-incoming", "defer", (char *)NULL);
		_exit(127);
	}
	close(hold[0]);
	snprintf(pid_text, sizeof(pid_text), "%ld\n", (long)child);
	write_text(dir, "vm1.pid", pid_text);
	for (int i = 0; i < 200; i++) { /* until exec has replaced the command line */
		qemu_launch_read(dir, "vm1", UUID, &f);
		if (f.launch != QEMU_LAUNCH_UNKNOWN)
			break;
		usleep(10000);
	}
	assert_int_equal(f.launch, QEMU_LAUNCH_INCOMING);
	assert_contains(f.why, "the QEMU of 'vm1', pid");
	/* A name with a leading dot is one libvirt takes (its PID file
	 * .vm1.pid): read, not refused as no file name. */
	write_text(dir, ".vm1.pid", pid_text);
	qemu_launch_read(dir, ".vm1", UUID, &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_INCOMING);
	snprintf(path, sizeof(path), "%s/.vm1.pid", dir);
	unlink(path);
	/* Another guest's PID file naming it: not that guest's QEMU. */
	write_text(dir, "vm2.pid", pid_text);
	qemu_launch_read(dir, "vm2", "00000000-4e5f-4a6b-8c7d-9e0f1a2b3c4d", &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_UNKNOWN);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(hold[1]);
	/* Gone: unknown. */
	qemu_launch_read(dir, "vm1", UUID, &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_UNKNOWN);
	/* A PID file others may write is not trusted. */
	snprintf(path, sizeof(path), "%s/vm1.pid", dir);
	assert_int_equal(chmod(path, 0666), 0);
	qemu_launch_read(dir, "vm1", UUID, &f);
	assert_int_equal(f.launch, QEMU_LAUNCH_UNKNOWN);
	assert_contains(f.why, "not trusted");
	unlink(path);
	snprintf(path, sizeof(path), "%s/vm2.pid", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* The hook's other answers, which cmd_hook.c only prints (issue 22, item 6). */
static void hook_input_verdicts(void **state)
{
	struct gate_outcome out;

	/* Which operations a bad XML fails. */
	assert_true(gate_op_refuses_bad_input(GATE_PREPARE));
	assert_true(gate_op_refuses_bad_input(GATE_MIGRATE));
	assert_true(gate_op_refuses_bad_input(GATE_RESTORE));
	assert_false(gate_op_refuses_bad_input(GATE_COMMIT));
	assert_false(gate_op_refuses_bad_input(GATE_FORGET));
	assert_false(gate_op_refuses_bad_input(GATE_IGNORE));
	/* An oversized XML is refused whatever on-error and hook-mode say. */
	gate_oversized_xml("vm1", "its <metadata> holds more than 4096 elements", &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_string_equal(out.reason, "the domain XML of 'vm1' is over seoib's limits: its <metadata> holds more than 4096 elements");
	assert_contains(out.remediation, "remove the oversized content");
	/* An unreadable configuration refuses whatever on-error says. */
	gate_config_error("/etc/seoib/seoib.conf line 3: record-path is not absolute", &out);
	assert_int_equal(out.answer, GATE_ERROR_DENY);
	assert_contains(out.reason, "seoib could not read its configuration: /etc/seoib/seoib.conf line 3");
	assert_contains(out.reason, "refusing whatever on-error says");
	assert_string_equal(out.remediation, "correct that line, then check the file with 'seoibctl check-config'");
	/* The alarm: on-error's answer, only for a call that may refuse. */
	assert_true(gate_timeout_denies(true, ON_ERROR_DENY));
	assert_false(gate_timeout_denies(true, ON_ERROR_ALLOW));
	assert_false(gate_timeout_denies(false, ON_ERROR_DENY));
}

/* started begin with a domain XML it cannot use refuses only a start an
 * arrival's authorisation let in at prepare begin: that one can be judged
 * neither as the arrival nor as a fresh start. */
static void commit_bad_input(void **state)
{
	struct domain_record pending = {.phase = DOMAIN_PENDING, .state = STATE_QUIRKED, .time = 1000};
	struct seoib_config allow = config(HOOK_ENFORCE, ON_ERROR_ALLOW);
	struct gate_outcome out;

	(void)state;
	snprintf(pending.name, sizeof(pending.name), "vm1");
	snprintf(pending.uuid, sizeof(pending.uuid), "%s", UUID);
	snprintf(pending.operation, sizeof(pending.operation), "prepare");
	gate_oversized_xml("vm1", "it has more than 32768 tags", &out);
	assert_false(gate_commit_bad_input(NULL, &out));
	assert_false(gate_commit_bad_input(&pending, &out)); /* a plain start */
	snprintf(pending.arrival, sizeof(pending.arrival), "migrate");
	assert_true(gate_commit_bad_input(&pending, &out));
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_contains(out.reason, "over seoib's limits");
	assert_contains(out.reason, "'vm1' was let in at prepare begin by the authorisation of a migrate begin");
	/* Unreadable: on-error's verdict stands. */
	gate_internal_error("cannot read the domain XML of 'vm1'", &allow, &out);
	assert_true(gate_commit_bad_input(&pending, &out));
	assert_int_equal(out.answer, GATE_ERROR_ALLOW);
	/* Not a prepare begin's, or already running: nothing to refuse. */
	snprintf(pending.operation, sizeof(pending.operation), "migrate");
	assert_false(gate_commit_bad_input(&pending, &out));
	snprintf(pending.operation, sizeof(pending.operation), "prepare");
	pending.phase = DOMAIN_RUNNING;
	assert_false(gate_commit_bad_input(&pending, &out));
}

/* The hook asks one function; a migrate never takes this host's old
 * record of the guest for the state it runs in (the hook cannot know). */
static void hook_dispatch(void **state)
{
	struct seoib_config enforce = config(HOOK_ENFORCE, ON_ERROR_DENY);
	struct guest_facts plain = guest(false, STATE_QUIRKED), respected = guest(true, STATE_RESPECTED);
	struct guest_facts quirked = guest(true, STATE_QUIRKED);
	struct host_record legacy = legacy_host();
	struct domain_record last = record(DOMAIN_PENDING, "migrate", STATE_QUIRKED);
	struct gate_outcome out;

	plain.windows = quirked.windows = true;
	gate_hook(GATE_PREPARE, &quirked, vw(&legacy), &last, last.time, &enforce, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
	assert_contains(out.reason, "arrives by migrate");
	gate_hook(GATE_PREPARE, &plain, vw(&legacy), NULL, last.time, &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	gate_hook(GATE_MIGRATE, &plain, vw(&legacy), &last, last.time, &enforce, &out);
	assert_int_equal(out.answer, GATE_ERROR_DENY);
	gate_hook(GATE_RESTORE, &respected, vw(&legacy), &last, last.time, &enforce, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_contains(out.remediation, "restore it");
	gate_hook(GATE_FORGET, &plain, vw(&legacy), NULL, last.time, &enforce, &out);
	assert_int_equal(out.answer, GATE_ALLOW);
}

/* check --dest: what enforcement would do, whatever hook-mode says; an
 * unknown state or destination is unknown, whatever on-error says. */
static void migration_check(void **state)
{
	struct guest_facts respected = guest(true, STATE_RESPECTED), plain = guest(false, STATE_QUIRKED);
	struct host_record fixed = fixed_host(true), legacy = legacy_host();
	struct domain_record started = record(DOMAIN_RUNNING, "prepare", STATE_NOT_ADVERTISED);
	struct gate_outcome out;
	struct host_view stale_here = {.rec = &fixed, .own = true, .problem = HOST_VIEW_BOOT,
				       .why = "the host record /run/seoib/host.json is from another boot of this host"};

	assert_int_equal(gate_migration_check(&respected, NULL, NULL, vw(&fixed), "", &out), GATE_CHECK_OK);
	assert_int_equal(gate_migration_check(&respected, NULL, NULL, vw(&legacy), "", &out),
			 GATE_CHECK_REFUSE);
	assert_contains(out.reason, "hv-legacy cannot run respected");
	assert_contains(out.remediation, "migrate it to a host");
	/* The hook's record of the start wins over the metadata. */
	assert_int_equal(gate_migration_check(&respected, NULL, &started, vw(&legacy), "", &out),
			 GATE_CHECK_REFUSE);
	assert_int_equal(out.state, STATE_NOT_ADVERTISED);
	/* No metadata, no source record: unknown. */
	assert_int_equal(gate_migration_check(&plain, NULL, NULL, vw(&fixed), "", &out), GATE_CHECK_UNKNOWN);
	assert_int_equal(out.state, STATE_UNKNOWN);
	/* This host's record from another boot: unknown, saying why and what
	 * to do here, never as if check refused or allowed anything (the
	 * destination's hook follows its own on-error). */
	assert_int_equal(gate_migration_check(&plain, &stale_here, NULL, vw(&fixed), "", &out), GATE_CHECK_UNKNOWN);
	assert_contains(out.reason, "so the state it runs in is unknown");
	assert_contains(out.reason, "from another boot of this host");
	assert_null(strstr(out.reason, "on-error"));
	assert_null(strstr(out.reason, "allowing"));
	assert_null(strstr(out.reason, "refusing"));
	assert_contains(out.remediation, "seoibctl status");
	assert_null(strstr(out.remediation, "on-error"));
	/* No record of the destination: unknown, with why, and the state. */
	assert_int_equal(gate_migration_check(&respected, NULL, NULL, NULL, "no record of hv-x: ssh failed",
					      &out),
			 GATE_CHECK_UNKNOWN);
	assert_string_equal(out.reason, "no record of hv-x: ssh failed");
	assert_int_not_equal(out.state, STATE_UNKNOWN);
	assert_int_equal(out.state, STATE_RESPECTED);
	assert_string_equal(gate_check_to_string(GATE_CHECK_REFUSE), "refuse");
}

static void uuids(void **state)
{
	assert_true(gate_uuid_is_valid(UUID));
	assert_true(gate_uuid_is_valid("6F1B2C3D-4E5F-4A6B-8C7D-9E0F1A2B3C4D"));
	assert_false(gate_uuid_is_valid(NULL));
	assert_false(gate_uuid_is_valid(""));
	assert_false(gate_uuid_is_valid("../../../../etc/passwd"));
	assert_false(gate_uuid_is_valid("6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4"));
	assert_false(gate_uuid_is_valid("6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4dd"));
	assert_false(gate_uuid_is_valid("6f1b2c3d/4e5f-4a6b-8c7d-9e0f1a2b3c4d"));
	assert_false(gate_uuid_is_valid("6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4g"));
}

static void domain_records(void **state)
{
	char dir[] = "/tmp/seoib-test-gate-XXXXXX", sub[64], err[SEOIB_MESSAGE_MAX];
	struct domain_record rec = {.phase = DOMAIN_RUNNING, .state = STATE_RESPECTED, .time = 1795424400}, back;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/domains", dir);
	snprintf(rec.name, sizeof(rec.name), "vm1");
	snprintf(rec.uuid, sizeof(rec.uuid), UUID);
	snprintf(rec.operation, sizeof(rec.operation), "migrate");
	snprintf(rec.answer, sizeof(rec.answer), "allow");

	assert_int_equal(domain_record_read(sub, UUID, DOMAIN_RUNNING, &back, err), 1);
	assert_int_equal(domain_record_write(sub, &rec, err), 0);
	assert_int_equal(domain_record_read(sub, UUID, DOMAIN_RUNNING, &back, err), 0);
	assert_string_equal(back.name, "vm1");
	assert_int_equal(back.state, STATE_RESPECTED);
	assert_string_equal(back.operation, "migrate");
	assert_int_equal(back.time, 1795424400);
	assert_int_equal(domain_record_forget(sub, UUID, err), 0);
	assert_int_equal(domain_record_read(sub, UUID, DOMAIN_RUNNING, &back, err), 1);
	assert_int_equal(domain_record_forget(sub, UUID, err), 0); /* none: not an error */

	/* An arrival in an unknown state: "unknown" in the file, STATE_UNKNOWN back. */
	rec.state = STATE_UNKNOWN;
	assert_int_equal(domain_record_write(sub, &rec, err), 0);
	assert_int_equal(domain_record_read(sub, UUID, DOMAIN_RUNNING, &back, err), 0);
	assert_int_equal(back.state, STATE_UNKNOWN);
	assert_int_equal(domain_record_forget(sub, UUID, err), 0);
	/* A value past STATE_UNKNOWN is no state: refused, never written as "unknown". */
	rec.state = STATE_UNKNOWN + 1;
	assert_int_equal(domain_record_write(sub, &rec, err), -1);
	assert_contains(err, "no state seoib knows");
	/* A prepare begin let in by an arrival says which; none says "". */
	rec.state = STATE_QUIRKED;
	snprintf(rec.arrival, sizeof(rec.arrival), "restore");
	assert_int_equal(domain_record_write(sub, &rec, err), 0);
	assert_int_equal(domain_record_read(sub, UUID, DOMAIN_RUNNING, &back, err), 0);
	assert_string_equal(back.arrival, "restore");
	assert_int_equal(domain_record_forget(sub, UUID, err), 0);
	rec.arrival[0] = '\0';
	static const char odd_arrival[] = "{\"schema\":\"seoib.domain/2\",\"phase\":\"pending\",\"name\":\"v\",\"uuid\":\"" UUID
					  "\",\"state\":\"quirked\",\"operation\":\"prepare\",\"verdict\":\"allow\",\"arrival\":\"start\",\"time_unix\":1}";
	assert_int_equal(domain_record_from_string(odd_arrival, strlen(odd_arrival), &back, err), -1);
	assert_contains(err, "arrival");
	static const char maybe[] = "{\"schema\":\"seoib.domain/2\",\"phase\":\"running\",\"name\":\"v\",\"uuid\":\"" UUID
				    "\",\"state\":\"maybe\",\"operation\":\"migrate\",\"verdict\":\"allow\",\"time_unix\":1}";
	assert_int_equal(domain_record_from_string(maybe, strlen(maybe), &back, err), -1);
	assert_contains(err, "state");
	rec.state = STATE_RESPECTED;

	snprintf(rec.uuid, sizeof(rec.uuid), "../escape");
	assert_int_equal(domain_record_write(sub, &rec, err), -1);
	assert_contains(err, "not a canonical UUID");
	assert_int_equal(domain_record_forget(sub, "../escape", err), -1);

	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Two files a guest: the pending one never answers a read of the running
 * one, even copied into its place; forget removes both. */
static void record_phases(void **state)
{
	char dir[] = "/tmp/seoib-test-gate-XXXXXX", sub[64], path[160], err[SEOIB_MESSAGE_MAX],
	     how[SEOIB_MESSAGE_MAX];
	struct domain_record rec = record(DOMAIN_PENDING, "restore", STATE_QUIRKED), back;
	struct guest_facts tagged = guest(true, STATE_RESPECTED);
	enum seoib_state s;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/domains", dir);
	assert_int_equal(domain_record_write(sub, &rec, err), 0);
	assert_int_equal(domain_record_read(sub, UUID, DOMAIN_PENDING, &back, err), 0);
	assert_int_equal(back.phase, DOMAIN_PENDING);
	assert_int_equal(domain_record_read(sub, UUID, DOMAIN_RUNNING, &back, err), 1);
	/* By the guest's name, when the XML (its UUID) cannot be read. */
	struct domain_record found;
	assert_int_equal(domain_record_find_named(sub, rec.name, DOMAIN_PENDING, &found, err), 0);
	assert_string_equal(found.uuid, UUID);
	assert_int_equal(domain_record_find_named(sub, "another", DOMAIN_PENDING, &found, err), 1);
	assert_int_equal(domain_record_find_named(sub, rec.name, DOMAIN_RUNNING, &found, err), 1);
	assert_int_equal(domain_record_find_named("/nonexistent/seoib", rec.name, DOMAIN_PENDING, &found, err), 1);
	/* seoibd's and apply's question: the pending quirked restore is not it. */
	assert_true(gate_state_running(sub, &tagged, NULL, &s, how));
	assert_int_equal(s, STATE_RESPECTED);
	/* A pending record renamed into the running one's place. */
	char from[160];
	snprintf(from, sizeof(from), "%s/%s.pending.json", sub, UUID);
	snprintf(path, sizeof(path), "%s/%s.json", sub, UUID);
	assert_int_equal(rename(from, path), 0);
	assert_int_equal(domain_record_read(sub, UUID, DOMAIN_RUNNING, &back, err), -1);
	assert_contains(err, "says it is pending, not running");
	assert_true(gate_state_running(sub, &tagged, NULL, &s, how));
	assert_int_equal(s, STATE_RESPECTED);
	assert_int_equal(domain_record_write(sub, &rec, err), 0);
	assert_int_equal(domain_record_forget(sub, UUID, err), 0);
	assert_int_equal(domain_record_read(sub, UUID, DOMAIN_PENDING, &back, err), 1);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* Temporary files of a hook killed between its write and its rename. */
static void sweep(void **state)
{
	char dir[] = "/tmp/seoib-test-gate-XXXXXX", path[160], err[SEOIB_MESSAGE_MAX];
	static const char *const names[] = {UUID ".json.tmp.abcdefgh", UUID ".json.tmp.ijklmnop", UUID ".json",
					    "notes.txt"};
	int64_t now = time(NULL);

	assert_non_null(mkdtemp(dir));
	assert_int_equal(domain_record_sweep("/nonexistent/seoib", now, err), 0);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		FILE *f = fopen(path, "w");
		assert_non_null(f);
		fclose(f);
	}
	/* A temporary name that is a directory is left alone. */
	snprintf(path, sizeof(path), "%s/x.json.tmp.dirdirdi", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	/* Young files may be a live writer's: kept. */
	assert_int_equal(domain_record_sweep(dir, now, err), 0);
	assert_int_equal(domain_record_sweep(dir, now + DOMAIN_RECORD_TMP_AGE_S + 5, err), 2);
	for (size_t i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		assert_int_equal(access(path, F_OK) == 0, i >= 2);
		if (i >= 2)
			assert_int_equal(unlink(path), 0);
	}
	snprintf(path, sizeof(path), "%s/x.json.tmp.dirdirdi", dir);
	assert_int_equal(rmdir(path), 0);
	assert_int_equal(rmdir(dir), 0);
}

/* apply and seoibd: the hook's record of the start, read from its
 * directory, wins over the metadata; without one, the metadata. */
static void state_running(void **state)
{
	char dir[] = "/tmp/seoib-test-gate-XXXXXX", sub[64], err[SEOIB_MESSAGE_MAX], how[SEOIB_MESSAGE_MAX];
	struct domain_record rec = {.phase = DOMAIN_RUNNING, .state = STATE_NOT_ADVERTISED, .time = 1795424400};
	struct guest_facts tagged = guest(true, STATE_RESPECTED);
	enum seoib_state s;

	assert_non_null(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/domains", dir);
	assert_true(gate_state_running(sub, &tagged, NULL, &s, how));
	assert_int_equal(s, STATE_RESPECTED);
	snprintf(rec.name, sizeof(rec.name), "vm1");
	snprintf(rec.uuid, sizeof(rec.uuid), UUID);
	snprintf(rec.operation, sizeof(rec.operation), "prepare");
	snprintf(rec.answer, sizeof(rec.answer), "allow");
	assert_int_equal(domain_record_write(sub, &rec, err), 0);
	assert_true(gate_state_running(sub, &tagged, NULL, &s, how));
	assert_int_equal(s, STATE_NOT_ADVERTISED);
	assert_contains(how, "recorded by the hook at prepare");
	assert_int_equal(domain_record_forget(sub, UUID, err), 0);
	assert_int_equal(rmdir(sub), 0);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(hook_operations), cmocka_unit_test(answers), cmocka_unit_test(state_in_flight),
		cmocka_unit_test(host_can_run),    cmocka_unit_test(arrival),  cmocka_unit_test(prepare),
		cmocka_unit_test(arrival_contradicted), cmocka_unit_test(prepare_reasons_uncut),
		cmocka_unit_test(start_after_arrival), cmocka_unit_test(migration_check),
		cmocka_unit_test(hook_dispatch),   cmocka_unit_test(state_running),
		cmocka_unit_test(uuids),           cmocka_unit_test(domain_records),
		cmocka_unit_test(state_committed_only), cmocka_unit_test(commit),
		cmocka_unit_test(record_phases),   cmocka_unit_test(sweep),
		cmocka_unit_test(arrival_never_opens_a_start), cmocka_unit_test(pending),
		cmocka_unit_test(launch_after_arrival), cmocka_unit_test(launch_from_cmdline),
		cmocka_unit_test(launch_option_values),
		cmocka_unit_test(launch_read),     cmocka_unit_test(hook_input_verdicts),
		cmocka_unit_test(commit_bad_input),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
