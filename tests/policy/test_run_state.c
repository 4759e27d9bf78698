/* run_state_decide(): the state QEMU will run a guest in, per VMM model,
 * from the guest's <qemu:commandline> (cmocka). docs/policy.md, "The state
 * QEMU will run". */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "seoib/run_state.h"

static struct host_record host_with(enum vmm_model model, enum vmm_location loc, const char *def)
{
	static const char *const types[] = {"kvm-accel", "pc-q35-11.0-machine", "max-x86_64-cpu"};
	struct host_record h;

	memset(&h, 0, sizeof(h));
	snprintf(h.host.hostname, sizeof(h.host.hostname), "h1");
	snprintf(h.host.kernel_release, sizeof(h.host.kernel_release), "6.18.44-amd64");
	h.status = PROBE_OK;
	h.claims.generation = GEN_FIXED;
	h.claims.kernel_states = STATE_ALL;
	h.runnable_states = STATE_ALL;
	h.vmm.found = true;
	h.vmm.model = model;
	snprintf(h.vmm.property.qom_type, sizeof(h.vmm.property.qom_type), "%s", types[loc]);
	snprintf(h.vmm.property.name, sizeof(h.vmm.property.name), "seoib-policy");
	snprintf(h.vmm.property.default_value, sizeof(h.vmm.property.default_value), "%s", def);
	h.vmm.property.location = loc;
	return h;
}

static struct guest_facts guest_with(unsigned ioapic, const char *const *args)
{
	struct guest_facts g;

	memset(&g, 0, sizeof(g));
	snprintf(g.name, sizeof(g.name), "g");
	g.irqchip = IRQCHIP_SPLIT;
	g.ioapic_version = ioapic;
	for (; args && *args; args++)
		snprintf(g.qemu_args[g.n_qemu_args++], GUEST_QEMU_ARG_LEN, "%s", *args);
	return g;
}

static void none_is_always_quirked(void **state)
{
	struct host_record h = host_with(VMM_MODEL_NONE, VMM_LOCATION_MACHINE, "");
	const char *const args[] = {"-machine", "seoib-policy=respected", NULL};
	struct guest_facts g = guest_with(0x20, args);
	struct run_state rs;

	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_true(rs.known);
	assert_int_equal(rs.state, STATE_QUIRKED);
	assert_true(rs.differs);
	assert_false(rs.writable);
	assert_non_null(strstr(rs.why, "every guest runs quirked"));
	/* A QEMU that was not found is no better, whatever its model says. */
	h = host_with(VMM_MODEL_AUTOMATIC, VMM_LOCATION_MACHINE, "");
	h.vmm.found = false;
	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_int_equal(rs.state, STATE_QUIRKED);
}

static void automatic_follows_the_ioapic(void **state)
{
	struct host_record h = host_with(VMM_MODEL_AUTOMATIC, VMM_LOCATION_MACHINE, "");
	struct guest_facts g = guest_with(0x20, NULL);
	struct run_state rs;

	run_state_decide(&g, &h, STATE_QUIRKED, &rs); /* seoib's preference does not matter */
	assert_int_equal(rs.state, STATE_RESPECTED);
	assert_true(rs.differs);
	assert_false(rs.writable);
	g.ioapic_version = 0x11;
	run_state_decide(&g, &h, STATE_NOT_ADVERTISED, &rs);
	assert_int_equal(rs.state, STATE_NOT_ADVERTISED);
	assert_false(rs.differs);
	h.claims.kernel_states = STATE_BIT(STATE_QUIRKED) | STATE_BIT(STATE_RESPECTED);
	run_state_decide(&g, &h, STATE_NOT_ADVERTISED, &rs);
	assert_int_equal(rs.state, STATE_QUIRKED);
	assert_non_null(strstr(rs.why, "falls back to quirked"));
	g.irqchip = IRQCHIP_IN_KERNEL;
	run_state_decide(&g, &h, STATE_QUIRKED, &rs);
	assert_int_equal(rs.state, STATE_QUIRKED);
}

static void machine_property_from_the_xml(void **state)
{
	struct host_record h = host_with(VMM_MODEL_PROPERTY, VMM_LOCATION_MACHINE, "quirked");
	const char *const later_wins[] = {"-machine", "seoib-policy=respected", "-M", "usb=off,seoib_policy=not-advertised", NULL};
	const char *const equals[] = {"--machine=dump-guest-core=off,seoib-policy=respected", NULL};
	const char *const other[] = {"-global", "ICH9-LPC.disable_s3=1", "-machine", "seoib-policy-x=respected", NULL};
	struct guest_facts g = guest_with(0x20, NULL);
	struct run_state rs;

	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_int_equal(rs.state, STATE_QUIRKED);
	assert_false(rs.from_xml);
	assert_true(rs.writable);
	assert_string_equal(rs.option, "-machine");
	assert_string_equal(rs.value, "seoib-policy=respected");

	g = guest_with(0x20, later_wins);
	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_true(rs.from_xml);
	assert_int_equal(rs.state, STATE_NOT_ADVERTISED);
	assert_true(rs.writable); /* appending -machine seoib-policy=respected fixes it */

	g = guest_with(0x20, equals);
	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_int_equal(rs.state, STATE_RESPECTED);
	assert_false(rs.differs);
	assert_false(rs.writable);

	g = guest_with(0x20, other);
	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_false(rs.from_xml);
	assert_int_equal(rs.state, STATE_QUIRKED);

	/* The written argument makes QEMU run the preference. */
	g = guest_with(0x20, NULL);
	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	struct guest_facts with;
	assert_int_equal(run_state_with_argument(&g, &rs, &with), 0);
	run_state_decide(&with, &h, STATE_RESPECTED, &rs);
	assert_int_equal(rs.state, STATE_RESPECTED);
	assert_false(rs.differs);
}

static void cpu_property_from_a_global(void **state)
{
	struct host_record h = host_with(VMM_MODEL_PROPERTY, VMM_LOCATION_CPU, "");
	const char *const base[] = {"-global", "x86_64-cpu.seoib-policy=respected", NULL};
	const char *const model[] = {"-global=max-x86_64-cpu.seoib-policy=not-advertised", NULL};
	const char *const other_type[] = {"-global", "ioapic.seoib-policy=respected", NULL};
	struct guest_facts g = guest_with(0x20, NULL);
	struct run_state rs;

	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_int_equal(rs.state, STATE_QUIRKED); /* no default reported: the RFC's quirked */
	assert_non_null(strstr(rs.why, "RFC's default"));
	assert_string_equal(rs.option, "-global");
	assert_string_equal(rs.value, "max-x86_64-cpu.seoib-policy=respected");
	g = guest_with(0x20, base);
	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_int_equal(rs.state, STATE_RESPECTED);
	g = guest_with(0x11, model);
	run_state_decide(&g, &h, STATE_NOT_ADVERTISED, &rs);
	assert_int_equal(rs.state, STATE_NOT_ADVERTISED);
	g = guest_with(0x20, other_type);
	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_int_equal(rs.state, STATE_QUIRKED);
}

static void accel_property_is_never_set_from_xml(void **state)
{
	struct host_record h = host_with(VMM_MODEL_PROPERTY, VMM_LOCATION_ACCEL, "quirked");
	const char *const args[] = {"-accel", "kvm,seoib-policy=respected", NULL};
	struct guest_facts g = guest_with(0x20, args);
	struct run_state rs;

	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_int_equal(rs.state, STATE_QUIRKED);
	assert_false(rs.writable);
	assert_non_null(strstr(rs.why, "(this guest has one)"));
	/* A default of respected is what every guest runs. */
	h = host_with(VMM_MODEL_PROPERTY, VMM_LOCATION_ACCEL, "respected");
	run_state_decide(&g, &h, STATE_QUIRKED, &rs);
	assert_int_equal(rs.state, STATE_RESPECTED);
}

static void unknown_cases(void **state)
{
	struct host_record h = host_with(VMM_MODEL_PROPERTY, VMM_LOCATION_MACHINE, "quirked");
	const char *const bad[] = {"-machine", "seoib-policy=on", NULL};
	struct guest_facts g = guest_with(0x20, bad);
	struct run_state rs;

	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_false(rs.known);
	assert_false(rs.differs);
	assert_non_null(strstr(rs.why, "'on'"));
	g = guest_with(0x20, NULL);
	g.qemu_args_truncated = true;
	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_false(rs.known);
	run_state_decide(&g, NULL, STATE_RESPECTED, &rs);
	assert_false(rs.known);
	/* A trailing option without its value is no value. */
	const char *const dangling[] = {"-machine", NULL};
	g = guest_with(0x20, dangling);
	run_state_decide(&g, &h, STATE_RESPECTED, &rs);
	assert_true(rs.known);
	assert_false(rs.from_xml);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(none_is_always_quirked),
		cmocka_unit_test(automatic_follows_the_ioapic),
		cmocka_unit_test(machine_property_from_the_xml),
		cmocka_unit_test(cpu_property_from_a_global),
		cmocka_unit_test(accel_property_is_never_set_from_xml),
		cmocka_unit_test(unknown_cases),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
