/* Does host H's QEMU have the guest's machine type (host_can_run_machine(),
 * lib/record/host_can_run.c), and do check --dest, the destination hook and
 * fleet --domain refuse a destination without it, early and in a sentence. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "seoib/gate.h"
#include "seoib/host_can_run.h"
#include "seoib/policy.h"
#include "host_views.h"

#define QEMU_PATH "/usr/bin/qemu-system-x86_64"

static void assert_contains(const char *text, const char *needle)
{
	if (!strstr(text, needle))
		fail_msg("'%s' lacks '%s'", text, needle);
}

static struct guest_facts guest(const char *machine, const char *emulator)
{
	struct guest_facts g = {.irqchip = IRQCHIP_IN_KERNEL, .ioapic_version = 0x20};

	snprintf(g.name, sizeof(g.name), "vm1");
	snprintf(g.uuid, sizeof(g.uuid), "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d");
	snprintf(g.machine, sizeof(g.machine), "%s", machine);
	snprintf(g.emulator, sizeof(g.emulator), "%s", emulator);
	g.has_metadata_state = true;
	g.metadata_state = STATE_QUIRKED;
	return g;
}

/* A usable host whose QEMU lists `types` (NULL-terminated; NULL: no list). */
static struct host_record *host(const char *name, const char *const *types)
{
	struct host_record *h = calloc(1, sizeof(*h));

	assert_non_null(h);
	h->status = PROBE_OK;
	snprintf(h->host.hostname, sizeof(h->host.hostname), "%s", name);
	snprintf(h->host.kernel_release, sizeof(h->host.kernel_release), "6.1.0-amd64");
	snprintf(h->vmm.path, sizeof(h->vmm.path), QEMU_PATH);
	snprintf(h->vmm.version, sizeof(h->vmm.version), "7.2.22");
	h->vmm.found = true;
	h->claims.generation = GEN_LEGACY;
	h->claims.kernel_states = STATE_BIT(STATE_QUIRKED);
	h->runnable_states = STATE_BIT(STATE_QUIRKED);
	for (; types && *types; types++)
		snprintf(h->vmm.machine_types[h->vmm.n_machine_types++], VMM_MACHINE_NAME_MAX, "%s", *types);
	return h;
}

static const char *const debian[] = {"pc-i440fx-7.2", "pc", "pc-q35-7.2", "q35", "pc-q35-2.7", NULL};

static void lookup(void **state)
{
	struct host_record *h = host("hv-debian", debian), *old = host("hv-old", NULL);
	struct guest_facts noble = guest("pc-q35-noble", QEMU_PATH), q35 = guest("pc-q35-7.2", QEMU_PATH);
	struct guest_facts own = guest("pc-q35-noble", "/opt/qemu/bin/qemu-system-x86_64"), none = guest("", "");
	char why[SEOIB_MESSAGE_MAX];

	assert_int_equal(host_can_run_machine(h, &q35, why), HOST_MACHINE_LISTED);
	assert_int_equal(host_can_run_machine(h, &noble, why), HOST_MACHINE_MISSING);
	assert_string_equal(why, "QEMU 7.2.22 at " QEMU_PATH " on hv-debian has no machine type pc-q35-noble (its record "
				 "lists 5 machine types), so the guest would fail there only when QEMU starts");
	/* Nothing known: no list (older record), no machine type, another binary. */
	assert_int_equal(host_can_run_machine(old, &noble, why), HOST_MACHINE_UNKNOWN);
	assert_int_equal(host_can_run_machine(h, &none, why), HOST_MACHINE_UNKNOWN);
	assert_int_equal(host_can_run_machine(h, &own, why), HOST_MACHINE_UNKNOWN);
	assert_int_equal(host_can_run_machine(NULL, &noble, why), HOST_MACHINE_UNKNOWN);
	free(h);
	free(old);
}

static void check_dest_and_hook(void **state)
{
	struct host_record *dest = host("hv-debian", debian), *old = host("hv-old", NULL);
	struct guest_facts noble = guest("pc-q35-noble", QEMU_PATH), q35 = guest("pc-q35-7.2", QEMU_PATH);
	struct seoib_config cfg;
	struct gate_outcome out;

	/* check --dest */
	assert_int_equal(gate_migration_check(&noble, NULL, NULL, vw(dest), "", &out), GATE_CHECK_REFUSE);
	assert_contains(out.reason, "'vm1' uses machine type pc-q35-noble, and QEMU 7.2.22 at " QEMU_PATH " on hv-debian has no machine type pc-q35-noble");
	assert_contains(out.remediation, "migrate it to a host whose QEMU has machine type pc-q35-noble");
	assert_int_equal(gate_migration_check(&q35, NULL, NULL, vw(dest), "", &out), GATE_CHECK_OK);
	assert_int_equal(gate_migration_check(&noble, NULL, NULL, vw(old), "", &out), GATE_CHECK_OK);
	/* the destination hook: refused under enforce, warned under warn */
	seoib_config_defaults(&cfg);
	cfg.hook_mode = HOOK_ENFORCE;
	gate_hook(GATE_MIGRATE, &noble, vw(dest), NULL, 0, &cfg, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	gate_hook(GATE_RESTORE, &noble, vw(dest), NULL, 0, &cfg, &out);
	assert_int_equal(out.answer, GATE_REFUSE);
	assert_contains(out.remediation, "restore it to a host");
	cfg.hook_mode = HOOK_WARN;
	gate_hook(GATE_MIGRATE, &noble, vw(dest), NULL, 0, &cfg, &out);
	assert_int_equal(out.answer, GATE_WARN);
	free(dest);
	free(old);
}

/* fleet --domain: a host without the machine type is out of the domain. */
static void fleet_domain(void **state)
{
	static const char *const ubuntu[] = {"pc-q35-noble", "q35", "pc-q35-8.2", NULL};
	struct host_record *home = host("hv-ubuntu", ubuntu);
	struct host_record *hosts = calloc(2, sizeof(*hosts));
	struct host_record *a = host("hv-ubuntu-2", ubuntu), *b = host("hv-debian", debian);
	struct guest_facts noble = guest("pc-q35-noble", QEMU_PATH);
	struct decision d;

	hosts[0] = *a;
	hosts[1] = *b;
	policy_migration_domain(&noble, vw(home), vws(hosts, 2), 2, &d);
	assert_int_equal(d.n_targets, 2);
	assert_true(d.targets[0].known && d.targets[0].can_run);
	assert_true(d.targets[1].known);
	assert_false(d.targets[1].can_run);
	assert_contains(d.targets[1].why, "has no machine type pc-q35-noble");
	decision_free(&d);
	free(home);
	free(hosts);
	free(a);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(lookup),
		cmocka_unit_test(check_dest_and_hook),
		cmocka_unit_test(fleet_domain),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
