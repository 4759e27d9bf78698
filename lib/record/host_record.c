/* The host record as JSON ("seoib.host/1", docs/host-record.md): built from
 * struct host_record, and read back with every field's type validated, since
 * peers' records come from the network and may be hostile or truncated. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "seoib/cleanup.h"
#include "seoib/host_record.h"
#include "seoib/fileio.h"
#include "seoib/json_util.h"
#include "seoib/states_json.h"
#include "seoib/kvm_claims.h"
#include "seoib/kvm_x2apic.h"
#include "seoib/sentence.h"
#include "seoib/trusted_path.h"

/* ---- building ---------------------------------------------------------- */

static json_object *measured_int(long long v)
{
	return v == PROBE_NOT_MEASURED ? NULL : json_object_new_int64(v);
}

/* "accepted", the errno's name ("EINVAL"), or null when not measured. */
static json_object *enable_to_json(const struct enable_result *r)
{
	if (r->err == PROBE_NOT_MEASURED)
		return NULL;
	return json_object_new_string(r->err == 0 ? "accepted" : errno_name(r->err));
}

static json_object *lvr_to_json(const struct lvr_result *r)
{
	json_object *o;

	if (r->err == PROBE_NOT_MEASURED)
		return NULL;
	o = json_object_new_object();
	if (r->err != 0) {
		json_add(o, "error", json_object_new_string(errno_name(r->err)));
		return o;
	}
	json_add(o, "value", json_object_new_int64(r->lvr));
	json_add(o, "directed_eoi", json_object_new_boolean(!!(r->lvr & SEOIB_LVR_DIRECTED_EOI)));
	return o;
}

static json_object *kvm_to_json(const struct kvm_measurements *m)
{
	json_object *kvm = json_object_new_object();
	json_object *api = json_object_new_object();
	json_object *enable = json_object_new_object();
	json_object *lvr = json_object_new_object();

	json_add(kvm, "api_version", measured_int(m->api_version));
	json_add(api, "system", measured_int(m->x2apic_api_system));
	json_add(api, "vm", measured_int(m->x2apic_api_vm));
	json_add(api, "vm_split", measured_int(m->x2apic_api_vm_split));
	json_add(api, "vm_irqchip", measured_int(m->x2apic_api_vm_irqchip));
	json_add(kvm, "x2apic_api", api);
	json_add(kvm, "split_irqchip", measured_int(m->cap_split_irqchip));
	json_add(kvm, "irqchip", measured_int(m->cap_irqchip));

	for (int chip = 0; chip < IRQCHIP_COUNT; chip++) {
		json_object *e = json_object_new_object();
		json_object *l = json_object_new_object();

		for (int mode = MODE_ENABLE; mode <= MODE_BOTH; mode++)
			json_add(e, mode_to_string(mode), enable_to_json(&m->enable[chip][mode]));
		for (int mode = MODE_LEGACY; mode <= MODE_DISABLE; mode++)
			json_add(l, mode_to_string(mode), lvr_to_json(&m->lvr[chip][mode]));
		json_add(enable, irqchip_to_string(chip), e);
		json_add(lvr, irqchip_to_string(chip), l);
	}
	json_add(kvm, "enable_cap", enable);
	json_add(kvm, "lvr", lvr);
	return kvm;
}

static json_object *messages_to_json(const char (*msgs)[SEOIB_MESSAGE_MAX], int n)
{
	json_object *a = json_object_new_array();

	for (int i = 0; i < n; i++)
		json_object_array_add(a, json_object_new_string(msgs[i]));
	return a;
}

static json_object *verdict_to_json(const struct host_record *rec)
{
	const struct kvm_claims *v = &rec->claims;
	json_object *o = json_object_new_object();

	json_add(o, "generation", json_object_new_string(generation_to_string(v->generation)));
	json_add(o, "kernel_states", states_to_json(v->kernel_states));
	json_add(o, "states", states_to_json(rec->runnable_states));
	json_add(o, "unknown_bits", json_object_new_int64((int64_t)v->unknown_bits));
	json_add(o, "split_masking_observed", json_object_new_boolean(v->split_masking_observed));
	json_add(o, "problems", messages_to_json(v->problems, v->n_problems));
	return o;
}

static json_object *case_to_json(const struct behaviour_case *c)
{
	json_object *o = json_object_new_object();

	json_add(o, "mode", json_object_new_string(mode_to_string(c->mode)));
	json_add(o, "guest_sets_bit12", json_object_new_boolean(c->guest_sets_bit12));
	json_add(o, "outcome", json_object_new_string(outcome_to_string(c->outcome)));
	json_add(o, "duration_ms", json_new_ms(c->duration_ms));
	if (c->run_ms > 0)
		json_add(o, "run_ms", json_new_ms(c->run_ms));
	if (c->outcome == OUTCOME_DONE) {
		json_add(o, "lvr_directed_eoi", json_object_new_boolean(c->lvr_directed_eoi));
		json_add(o, "spiv", json_object_new_int64(c->spiv));
		json_add(o, "spiv_bit12_stuck", json_object_new_boolean(c->spiv_bit12_stuck));
		json_add(o, "eoi_exit", json_object_new_boolean(c->eoi_exit));
	}
	if (c->err)
		json_add(o, "errno", json_object_new_string(errno_name(c->err)));
	if (c->exit_reason)
		json_add(o, "exit_reason", json_object_new_int64(c->exit_reason));
	if (c->detail[0])
		json_add(o, "detail", json_object_new_string(c->detail));
	return o;
}

/* The proof per state, derived from the cases: "states": {"respected":
 * {"proof": "verified", "evidence": "..."}, ...}. Readers re-derive it. */
static json_object *proofs_to_json(const struct behaviour *b)
{
	json_object *o = json_object_new_object();

	for (int s = 0; s < STATE_COUNT; s++) {
		json_object *state = json_object_new_object();

		json_add(state, "proof", json_object_new_string(proof_to_string(b->proof[s])));
		json_add(state, "evidence", json_object_new_string(b->evidence[s]));
		json_add(o, state_to_string((enum seoib_state)s), state);
	}
	return o;
}

static json_object *behaviour_to_json(const struct behaviour *b)
{
	json_object *o = json_object_new_object();
	json_object *cases;

	json_add(o, "ran", json_object_new_boolean(b->ran));
	json_add(o, "states", proofs_to_json(b));
	if (!b->ran)
		return o;
	cases = json_object_new_array();
	json_add(o, "duration_ms", json_new_ms(b->duration_ms));
	for (int i = 0; i < BEHAVIOUR_CASES; i++)
		if (b->cases[i].outcome != OUTCOME_NOT_RUN)
			json_object_array_add(cases, case_to_json(&b->cases[i]));
	json_add(o, "cases", cases);
	json_add(o, "respected_verified", tristate_to_json(b->respected_verified));
	json_add(o, "legacy_quirk_observed", tristate_to_json(b->legacy_quirk_observed));
	json_add(o, "not_advertised_verified", tristate_to_json(b->not_advertised_verified));
	json_add(o, "conflicts", messages_to_json(b->conflicts, b->n_conflicts));
	return o;
}

/* The machine types this host's QEMU lists (query-machines). */
static json_object *machine_types_to_json(const struct vmm_info *v)
{
	json_object *types;

	if (v->n_machine_types == 0)
		return NULL;
	types = json_object_new_array();
	for (int i = 0; i < v->n_machine_types; i++)
		json_object_array_add(types, json_object_new_string(v->machine_types[i]));
	return types;
}

static json_object *vmm_to_json(const struct vmm_info *v)
{
	json_object *o = json_object_new_object();
	json_object *controls = json_object_new_array();

	json_add(o, "path", json_object_new_string(v->path));
	json_add(o, "found", json_object_new_boolean(v->found));
	json_add(o, "version", v->version[0] ? json_object_new_string(v->version) : NULL);
	for (int i = 0; i < v->n_controls; i++)
		json_object_array_add(controls, json_object_new_string(v->controls[i]));
	json_add(o, "controls", controls);
	json_add(o, "can_set_state", json_object_new_boolean(v->can_set_state));
	json_add(o, "from_cache", json_object_new_boolean(v->from_cache));
	json_add(o, "error", v->error[0] ? json_object_new_string(v->error) : NULL);
	vmm_model_add_json(o, v);
	if (v->n_machine_types) /* absent when not known, as older writers leave it */
		json_add(o, "machine_types", machine_types_to_json(v));
	return o;
}

json_object *host_record_to_json(const struct host_record *rec)
{
	json_object *o = json_object_new_object();
	json_object *tool = json_object_new_object();
	json_object *host = json_object_new_object();
	json_object *probe = json_object_new_object();
	char when[32];

	json_add(o, "schema", json_object_new_string(HOST_RECORD_SCHEMA));
	json_add(tool, "name", json_object_new_string("seoib"));
	json_add(tool, "version", json_object_new_string(rec->tool_version));
	json_add(o, "tool", tool);

	json_add(host, "hostname", json_object_new_string(rec->host.hostname));
	json_add(host, "machine_id", json_object_new_string(rec->host.machine_id));
	json_add(host, "boot_id", json_object_new_string(rec->host.boot_id));
	json_add(host, "kernel_release", json_object_new_string(rec->host.kernel_release));
	json_add(host, "cpu_vendor", json_object_new_string(rec->host.cpu_vendor));
	json_add(o, "host", host);

	format_utc(rec->probe_time, when, sizeof(when));
	json_add(probe, "time", json_object_new_string(when));
	json_add(probe, "time_unix", json_object_new_int64(rec->probe_time));
	json_add(probe, "duration_ms", json_new_ms(rec->probe_duration_ms));
	json_add(o, "probe", probe);

	json_add(o, "status", json_object_new_string(probe_status_to_string(rec->status)));
	json_add(o, "message", rec->message[0] ? json_object_new_string(rec->message) : NULL);
	json_add(o, "kvm", kvm_to_json(&rec->kvm));
	json_add(o, "verdict", verdict_to_json(rec));
	json_add(o, "behaviour", behaviour_to_json(&rec->behaviour));
	json_add(o, "vmm", vmm_to_json(&rec->vmm));
	return o;
}

/* ---- reading back -------------------------------------------------------- */

static int read_measured_int(struct json_reader *r, json_object *parent, const char *key, long long *v)
{
	json_object *o;
	int64_t x;

	*v = PROBE_NOT_MEASURED;
	if (json_read_optional(r, parent, key, &o) < 0 || !o)
		return r->failed ? -1 : 0;
	if (json_read_int64(r, parent, key, &x) < 0)
		return -1;
	*v = x;
	return 0;
}

static int read_enable(struct json_reader *r, json_object *parent, const char *key, struct enable_result *e)
{
	char s[32];
	json_object *o;

	e->err = PROBE_NOT_MEASURED;
	if (json_read_optional(r, parent, key, &o) < 0 || !o)
		return r->failed ? -1 : 0;
	if (json_read_string(r, parent, key, s, sizeof(s)) < 0)
		return -1;
	if (strcmp(s, "accepted") == 0) {
		e->err = 0;
		return 0;
	}
	e->err = errno_from_name(s);
	return e->err > 0 ? 0 : json_reader_fail(r, key, "is neither \"accepted\" nor an errno name");
}

static int read_lvr(struct json_reader *r, json_object *parent, const char *key, struct lvr_result *l)
{
	json_object *o, *err;
	char s[32];
	int64_t v;

	l->err = PROBE_NOT_MEASURED;
	if (json_read_optional(r, parent, key, &o) < 0 || !o)
		return r->failed ? -1 : 0;
	if (json_read_object(r, parent, key, &o) < 0)
		return -1;
	json_reader_push(r, key);
	if (json_object_object_get_ex(o, "error", &err)) {
		if (json_read_string(r, o, "error", s, sizeof(s)) < 0)
			return -1;
		l->err = errno_from_name(s);
		if (l->err <= 0)
			return json_reader_fail(r, "error", "is not an errno name");
	} else {
		if (json_read_int64(r, o, "value", &v) < 0)
			return -1;
		if (v < 0 || v > UINT32_MAX)
			return json_reader_fail(r, "value", "is not a 32-bit register value");
		l->lvr = (uint32_t)v;
		l->err = 0;
	}
	json_reader_pop(r);
	return 0;
}

static int read_enable_chip(struct json_reader *r, json_object *enable, int chip, struct kvm_measurements *m)
{
	const char *name = irqchip_to_string(chip);
	json_object *e;

	json_reader_push(r, "enable_cap");
	if (json_read_object(r, enable, name, &e) < 0)
		return -1;
	json_reader_push(r, name);
	for (int mode = MODE_ENABLE; mode <= MODE_BOTH; mode++)
		if (read_enable(r, e, mode_to_string(mode), &m->enable[chip][mode]) < 0)
			return -1;
	json_reader_pop(r);
	json_reader_pop(r);
	return 0;
}

static int read_lvr_chip(struct json_reader *r, json_object *lvr, int chip, struct kvm_measurements *m)
{
	const char *name = irqchip_to_string(chip);
	json_object *l;

	json_reader_push(r, "lvr");
	if (json_read_object(r, lvr, name, &l) < 0)
		return -1;
	json_reader_push(r, name);
	for (int mode = MODE_LEGACY; mode <= MODE_DISABLE; mode++)
		if (read_lvr(r, l, mode_to_string(mode), &m->lvr[chip][mode]) < 0)
			return -1;
	json_reader_pop(r);
	json_reader_pop(r);
	return 0;
}

static int read_kvm(struct json_reader *r, json_object *rec, struct kvm_measurements *m)
{
	json_object *kvm, *api, *enable, *lvr;
	long long api_version;

	kvm_measurements_init(m);
	if (json_read_object(r, rec, "kvm", &kvm) < 0)
		return -1;
	json_reader_push(r, "kvm");
	if (read_measured_int(r, kvm, "api_version", &api_version) < 0 ||
	    json_read_object(r, kvm, "x2apic_api", &api) < 0)
		return -1;
	m->api_version = (int)api_version;
	json_reader_push(r, "x2apic_api");
	if (read_measured_int(r, api, "system", &m->x2apic_api_system) < 0 ||
	    read_measured_int(r, api, "vm", &m->x2apic_api_vm) < 0 ||
	    read_measured_int(r, api, "vm_split", &m->x2apic_api_vm_split) < 0 ||
	    read_measured_int(r, api, "vm_irqchip", &m->x2apic_api_vm_irqchip) < 0)
		return -1;
	json_reader_pop(r);
	if (read_measured_int(r, kvm, "split_irqchip", &m->cap_split_irqchip) < 0 ||
	    read_measured_int(r, kvm, "irqchip", &m->cap_irqchip) < 0 ||
	    json_read_object(r, kvm, "enable_cap", &enable) < 0 || json_read_object(r, kvm, "lvr", &lvr) < 0)
		return -1;

	for (int chip = 0; chip < IRQCHIP_COUNT; chip++)
		if (read_enable_chip(r, enable, chip, m) < 0 || read_lvr_chip(r, lvr, chip, m) < 0)
			return -1;
	json_reader_pop(r);
	return 0;
}

static int read_messages(struct json_reader *r, json_object *parent, const char *key,
			 char (*msgs)[SEOIB_MESSAGE_MAX], int *n)
{
	json_object *a;

	*n = 0;
	if (json_read_array(r, parent, key, &a) < 0)
		return -1;
	if (json_object_array_length(a) > SEOIB_PROBLEMS_MAX)
		return json_reader_fail(r, key, "has too many entries");
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *s = json_object_array_get_idx(a, i);

		if (json_value_string(r, key, s, msgs[i], SEOIB_MESSAGE_MAX) < 0)
			return -1;
		(*n)++;
	}
	return 0;
}

static int read_verdict(struct json_reader *r, json_object *rec, struct host_record *out)
{
	json_object *v;
	char gen[32];
	int64_t unknown;
	int g;

	if (json_read_object(r, rec, "verdict", &v) < 0)
		return -1;
	json_reader_push(r, "verdict");
	if (json_read_string(r, v, "generation", gen, sizeof(gen)) < 0)
		return -1;
	g = generation_from_string(gen);
	if (g < 0)
		return json_reader_fail(r, "generation", "is not a known kernel generation");
	out->claims.generation = g;
	if (json_read_states(r, v, "kernel_states", &out->claims.kernel_states) < 0 ||
	    json_read_states(r, v, "states", &out->runnable_states) < 0 ||
	    json_read_int64(r, v, "unknown_bits", &unknown) < 0 ||
	    json_read_bool(r, v, "split_masking_observed", &out->claims.split_masking_observed) < 0 ||
	    read_messages(r, v, "problems", out->claims.problems, &out->claims.n_problems) < 0)
		return -1;
	out->claims.unknown_bits = (unsigned long long)unknown;
	json_reader_pop(r);
	return 0;
}

static int read_case(struct json_reader *r, json_object *o, struct behaviour_case *c)
{
	char s[32];
	int v;
	int64_t x;
	json_object *opt;

	if (json_read_string(r, o, "mode", s, sizeof(s)) < 0)
		return -1;
	for (v = MODE_LEGACY; v <= MODE_DISABLE && strcmp(s, mode_to_string(v)) != 0; v++)
		;
	if (v > MODE_DISABLE)
		return json_reader_fail(r, "mode", "is not legacy, enable or disable");
	c->mode = v;
	if (json_read_bool(r, o, "guest_sets_bit12", &c->guest_sets_bit12) < 0 ||
	    json_read_string(r, o, "outcome", s, sizeof(s)) < 0)
		return -1;
	v = outcome_from_string(s);
	if (v < 0)
		return json_reader_fail(r, "outcome", "is not a known outcome");
	c->outcome = v;
	if (json_read_ms(r, o, "duration_ms", &c->duration_ms) < 0 ||
	    json_read_optional(r, o, "run_ms", &opt) < 0 ||
	    (opt && json_read_ms(r, o, "run_ms", &c->run_ms) < 0))
		return -1;
	if (c->outcome == OUTCOME_DONE) {
		if (json_read_bool(r, o, "lvr_directed_eoi", &c->lvr_directed_eoi) < 0 ||
		    json_read_int64(r, o, "spiv", &x) < 0 ||
		    json_read_bool(r, o, "spiv_bit12_stuck", &c->spiv_bit12_stuck) < 0 ||
		    json_read_bool(r, o, "eoi_exit", &c->eoi_exit) < 0)
			return -1;
		c->spiv = (uint32_t)x;
	}
	if (json_read_optional(r, o, "errno", &opt) < 0)
		return -1;
	if (opt) {
		if (json_read_string(r, o, "errno", s, sizeof(s)) < 0)
			return -1;
		c->err = errno_from_name(s);
	}
	if (json_read_optional(r, o, "exit_reason", &opt) < 0)
		return -1;
	if (opt) {
		if (json_read_int64(r, o, "exit_reason", &x) < 0)
			return -1;
		c->exit_reason = (uint32_t)x;
	}
	if (json_read_optional(r, o, "detail", &opt) < 0)
		return -1;
	if (opt && json_read_string(r, o, "detail", c->detail, sizeof(c->detail)) < 0)
		return -1;
	return 0;
}

static int read_behaviour(struct json_reader *r, json_object *rec, struct behaviour *b)
{
	json_object *o, *cases;
	size_t n;

	memset(b, 0, sizeof(*b));
	if (json_read_optional(r, rec, "behaviour", &o) < 0 || !o)
		return r->failed ? -1 : 0;
	if (json_read_object(r, rec, "behaviour", &o) < 0)
		return -1;
	json_reader_push(r, "behaviour");
	if (json_read_bool(r, o, "ran", &b->ran) < 0)
		return -1;
	if (!b->ran) {
		json_reader_pop(r);
		return 0;
	}
	if (json_read_ms(r, o, "duration_ms", &b->duration_ms) < 0 || json_read_array(r, o, "cases", &cases) < 0)
		return -1;
	n = json_object_array_length(cases);
	if (n > BEHAVIOUR_CASES)
		return json_reader_fail(r, "cases", "has more than six cases");
	json_reader_push(r, "cases");
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(cases, i);

		if (!json_object_is_type(c, json_type_object))
			return json_reader_fail(r, "", "holds an entry that is not an object");
		if (read_case(r, c, &b->cases[i]) < 0)
			return -1;
	}
	json_reader_pop(r);
	if (json_read_tristate(r, o, "respected_verified", &b->respected_verified) < 0 ||
	    json_read_tristate(r, o, "legacy_quirk_observed", &b->legacy_quirk_observed) < 0 ||
	    json_read_tristate(r, o, "not_advertised_verified", &b->not_advertised_verified) < 0 ||
	    read_messages(r, o, "conflicts", b->conflicts, &b->n_conflicts) < 0)
		return -1;
	json_reader_pop(r);
	return 0;
}

/* vmm.machine_types: optional (absent or null: not known), each a plain
 * QEMU type name, at most VMM_MACHINE_TYPES_MAX. */
static int read_machine_types(struct json_reader *r, json_object *o, struct vmm_info *v)
{
	json_object *types;
	size_t n;

	if (json_read_optional(r, o, "machine_types", &types) < 0 || !types)
		return r->failed ? -1 : 0;
	if (json_read_array(r, o, "machine_types", &types) < 0)
		return -1;
	n = json_object_array_length(types);
	if (n == 0 || n > VMM_MACHINE_TYPES_MAX)
		return json_reader_fail(r, "machine_types", "has no entry or more than 192 entries");
	for (size_t i = 0; i < n; i++) {
		if (json_value_string(r, "machine_types", json_object_array_get_idx(types, i), v->machine_types[i],
				      sizeof(v->machine_types[i])) < 0)
			return -1;
		if (!vmm_machine_type_name_valid(v->machine_types[i]))
			return json_reader_fail(r, "machine_types", "holds a name that is not a QEMU machine type");
	}
	v->n_machine_types = (int)n;
	return 0;
}

static int read_vmm(struct json_reader *r, json_object *rec, struct vmm_info *v)
{
	json_object *o, *controls;

	memset(v, 0, sizeof(*v));
	if (json_read_object(r, rec, "vmm", &o) < 0)
		return -1;
	json_reader_push(r, "vmm");
	if (json_read_string(r, o, "path", v->path, sizeof(v->path)) < 0 ||
	    json_read_bool(r, o, "found", &v->found) < 0 ||
	    json_read_optional_string(r, o, "version", v->version, sizeof(v->version)) < 0 ||
	    json_read_array(r, o, "controls", &controls) < 0 ||
	    json_read_bool(r, o, "can_set_state", &v->can_set_state) < 0 ||
	    json_read_bool(r, o, "from_cache", &v->from_cache) < 0 ||
	    json_read_optional_string(r, o, "error", v->error, sizeof(v->error)) < 0)
		return -1;
	if (json_object_array_length(controls) > VMM_CONTROLS_MAX)
		return json_reader_fail(r, "controls", "has too many entries");
	for (size_t i = 0; i < json_object_array_length(controls); i++)
		if (json_value_string(r, "controls", json_object_array_get_idx(controls, i), v->controls[i],
				      sizeof(v->controls[i])) < 0)
			return -1;
	v->n_controls = (int)json_object_array_length(controls);
	if (v->can_set_state != (v->n_controls > 0))
		return json_reader_fail(r, "can_set_state", "contradicts the controls list");
	if (vmm_model_read_json(r, o, v) < 0 || read_machine_types(r, o, v) < 0)
		return -1;
	json_reader_pop(r);
	return 0;
}

static int read_identity(struct json_reader *r, json_object *rec, struct host_record *out)
{
	json_object *tool, *host;

	if (json_read_object(r, rec, "tool", &tool) < 0)
		return -1;
	json_reader_push(r, "tool");
	if (json_read_string(r, tool, "version", out->tool_version, sizeof(out->tool_version)) < 0)
		return -1;
	json_reader_pop(r);
	if (json_read_object(r, rec, "host", &host) < 0)
		return -1;
	json_reader_push(r, "host");
	if (json_read_hostname(r, host, "hostname", out->host.hostname, sizeof(out->host.hostname)) < 0 ||
	    json_read_string(r, host, "machine_id", out->host.machine_id, sizeof(out->host.machine_id)) < 0 ||
	    json_read_string(r, host, "boot_id", out->host.boot_id, sizeof(out->host.boot_id)) < 0 ||
	    json_read_string(r, host, "kernel_release", out->host.kernel_release,
			     sizeof(out->host.kernel_release)) < 0 ||
	    json_read_string(r, host, "cpu_vendor", out->host.cpu_vendor, sizeof(out->host.cpu_vendor)) < 0)
		return -1;
	json_reader_pop(r);
	return 0;
}

static int read_probe(struct json_reader *r, json_object *rec, struct host_record *out)
{
	json_object *probe;
	char status[32];
	int s;

	if (json_read_object(r, rec, "probe", &probe) < 0)
		return -1;
	json_reader_push(r, "probe");
	if (json_read_int64(r, probe, "time_unix", &out->probe_time) < 0 ||
	    json_read_ms(r, probe, "duration_ms", &out->probe_duration_ms) < 0)
		return -1;
	if (out->probe_time < 0) /* seoib did not probe before 1970 */
		return json_reader_fail(r, "time_unix", "is before 1970");
	json_reader_pop(r);
	if (json_read_string(r, rec, "status", status, sizeof(status)) < 0)
		return -1;
	s = probe_status_from_string(status);
	if (s < 0)
		return json_reader_fail(r, "status", "is not ok, kvm-unavailable or error");
	out->status = s;
	return json_read_optional_string(r, rec, "message", out->message, sizeof(out->message));
}

unsigned host_backed_states(enum probe_status status, enum kernel_generation generation, unsigned kernel_states,
			    bool vmm_control)
{
	unsigned kernel = kernel_states & kvm_generation_states(generation);

	if (status != PROBE_OK)
		return 0;
	return vmm_control ? kernel : kernel & STATE_BIT(STATE_QUIRKED);
}

/* The runnable states are derived (host_record_derive): never more than
 * the kernel's states, which are never more than its generation's, only
 * quirked without a VMM control, none unless the probe worked. A record
 * claiming more contradicts itself; believing it would let a guest start in
 * a state nothing on the host backs. */
static int check_runnable_states(const struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	unsigned generation_states = kvm_generation_states(rec->claims.generation);
	unsigned extra_kernel = rec->claims.kernel_states & ~generation_states;
	unsigned extra = rec->runnable_states & ~host_backed_states(rec->status, rec->claims.generation,
								     rec->claims.kernel_states,
								     vmm_sets_flags(&rec->vmm));

	for (int s = 0; s < STATE_COUNT && extra_kernel; s++)
		if (extra_kernel & STATE_BIT(s)) {
			sentence_format(err, SEOIB_MESSAGE_MAX,
				 "host record lists %s in verdict.kernel_states, but its generation is %s, whose kernels "
				 "cannot run it; the record contradicts itself, re-probe the host that wrote it",
				 state_to_string(s), generation_to_string(rec->claims.generation));
			return -1;
		}
	if (!extra)
		return 0;
	for (int s = 0; s < STATE_COUNT; s++)
		if (extra & STATE_BIT(s)) {
			sentence_format(err, SEOIB_MESSAGE_MAX,
				 "host record lists %s in verdict.states, but %s; the record contradicts itself, "
				 "re-probe the host that wrote it",
				 state_to_string(s),
				 !(rec->claims.kernel_states & STATE_BIT(s)) ? "its verdict.kernel_states lack it"
				 : rec->status != PROBE_OK ? "its probe did not succeed"
				 : "its VMM sets no flag (model none, or no QEMU found)");
			break;
		}
	return -1;
}

int host_record_from_json(json_object *obj, struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	struct json_reader r = {.err = err};
	char schema[64];

	memset(rec, 0, sizeof(*rec));
	err[0] = '\0';
	if (!json_object_is_type(obj, json_type_object)) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "host record is not a JSON object");
		return -1;
	}
	if (json_read_string(&r, obj, "schema", schema, sizeof(schema)) < 0)
		return -1;
	if (strcmp(schema, HOST_RECORD_SCHEMA) != 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX,
			 "host record has schema \"%s\", this seoib reads \"%s\"; upgrade seoib on the reading host",
			 schema, HOST_RECORD_SCHEMA);
		return -1;
	}
	if (read_identity(&r, obj, rec) < 0 || read_probe(&r, obj, rec) < 0 || read_kvm(&r, obj, &rec->kvm) < 0 ||
	    read_verdict(&r, obj, rec) < 0 || read_behaviour(&r, obj, &rec->behaviour) < 0 ||
	    read_vmm(&r, obj, &rec->vmm) < 0)
		return -1;
	/* The proof is never read: it is what the cases say, whoever wrote them. */
	behaviour_proofs_derive(&rec->behaviour);
	return check_runnable_states(rec, err);
}

int host_record_from_string(const char *text, size_t len, struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	json_object *obj;
	int r;

	if (len > HOST_RECORD_MAX_BYTES) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "host record is %zu bytes, more than the %d a record can be",
			 len, HOST_RECORD_MAX_BYTES);
		return -1;
	}
	if (json_parse_text(text, len, &obj, err) < 0)
		return -1;
	r = host_record_from_json(obj, rec, err);
	json_object_put(obj);
	return r;
}

int host_record_load(const char *path, struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *text = NULL;
	char inner[SEOIB_MESSAGE_MAX];
	size_t len;

	/* Regular files only: the hook (root) reads the record the daemon's
	 * user writes, and a FIFO there must not hold it until its alarm. */
	if (read_regular_file_bounded(AT_FDCWD, path, 0, HOST_RECORD_MAX_BYTES, &text, &len, inner) < 0 ||
	    host_record_from_string(text, len, rec, inner) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s: %s", path, inner);
		return -1;
	}
	return 0;
}

int host_record_load_trusted(const char *path, struct host_record *rec, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *text = NULL;
	char inner[SEOIB_MESSAGE_MAX];
	size_t len;

	/* The rule for every path seoib trusts (seoib/trusted_path.h): the
	 * record decides what the hook lets in, so only root, the reader or
	 * the service user that publishes it may have written it. */
	if (trusted_path_read_file(path, 0, HOST_RECORD_MAX_BYTES, &text, &len, err) < 0)
		return -1;
	if (host_record_from_string(text, len, rec, inner) < 0) {
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s: %s", path, inner);
		return -1;
	}
	return 0;
}

static int64_t probe_time_age(int64_t probe_time, int64_t now)
{
	int64_t age;

	/* Saturate: an age that does not fit is as old (or as far in the
	 * future) as an age can be, never a wrapped-around fresh one. */
	if (__builtin_sub_overflow(now, probe_time, &age))
		return probe_time < 0 ? INT64_MAX : INT64_MIN;
	return age;
}

int64_t host_record_age(const struct host_record *rec, int64_t now)
{
	return probe_time_age(rec->probe_time, now);
}

bool host_record_age_check(const struct host_record *rec, int64_t now, unsigned max_age_s, int64_t *age_s,
			   char why[SEOIB_MESSAGE_MAX])
{
	return host_probe_time_age_check(rec->probe_time, now, max_age_s, age_s, why);
}

bool host_probe_time_age_check(int64_t probe_time, int64_t now, unsigned max_age_s, int64_t *age_s,
			       char why[SEOIB_MESSAGE_MAX])
{
	int64_t age = probe_time_age(probe_time, now);

	*age_s = age;
	why[0] = '\0';
	if (age < -(int64_t)HOST_RECORD_CLOCK_SKEW_S) {
		sentence_format(why, SEOIB_MESSAGE_MAX,
			 "is dated %llu s in the future, more than the %d s of clock skew allowed; "
			 "check the clocks (NTP) of both hosts",
			 0ULL - (unsigned long long)age, HOST_RECORD_CLOCK_SKEW_S);
		return false;
	}
	if (max_age_s > 0 && age > (int64_t)max_age_s) {
		sentence_format(why, SEOIB_MESSAGE_MAX, "is %lld s old, older than max-record-age = %u s", (long long)age,
			 max_age_s);
		return false;
	}
	return true;
}
