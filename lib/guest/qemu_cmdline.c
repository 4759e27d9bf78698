/* <qemu:commandline> as QEMU applies it (see seoib/qemu_cmdline.h).
 * Only what can change the irqchip or the I/O APIC is read; an argument that
 * could and is not understood makes the facts unknown, never defaulted. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "seoib/cleanup.h"
#include "seoib/json_util.h"
#include "seoib/qemu_cmdline.h"
#include "seoib/sentence.h"

/* One key=value pair of a QemuOpts string ("," is escaped as ",,"). */
struct opt_pair {
	char key[64];
	char value[256];
	bool bare; /* no '=': the option's implied key (-machine TYPE, -device DRIVER) */
};

static void copy_str(char *dst, size_t size, const char *src)
{
	size_t n = strnlen(src, size - 1);

	memcpy(dst, src, n);
	dst[n] = '\0';
}

/* The next pair of s from *pos; false at the end. Keys are spelled with '-':
 * QEMU's old '_' spellings (kernel_irqchip) name the same property. */
static bool next_pair(const char *s, size_t *pos, struct opt_pair *p)
{
	char item[512];
	size_t n = 0, i = *pos;
	char *eq;

	if (!s[i])
		return false;
	for (; s[i]; i++) {
		if (s[i] == ',' && s[i + 1] == ',')
			i++;
		else if (s[i] == ',')
			break;
		if (n + 1 < sizeof(item))
			item[n++] = s[i];
	}
	item[n] = '\0';
	*pos = s[i] ? i + 1 : i;
	eq = strchr(item, '=');
	p->bare = !eq;
	if (eq)
		*eq = '\0';
	copy_str(p->key, sizeof(p->key), item);
	copy_str(p->value, sizeof(p->value), eq ? eq + 1 : "");
	for (char *k = p->key; *k; k++)
		if (*k == '_')
			*k = '-';
	return true;
}

static void set_unknown(struct qemu_cmdline *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_unasked(struct qemu_cmdline *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* An argument the question to QEMU leaves out may change a fact: QEMU's
 * answer to the question is not this guest's (guest_facts_apply_qemu_answer()). */
static void set_unasked(struct qemu_cmdline *out, const char *fmt, ...)
{
	va_list ap;

	if (out->unasked)
		return;
	out->unasked = true;
	va_start(ap, fmt);
	sentence_vformat(out->unasked_why, sizeof(out->unasked_why), fmt, ap);
	va_end(ap);
}

static void set_unknown(struct qemu_cmdline *out, const char *fmt, ...)
{
	va_list ap;

	if (out->unknown)
		return; /* the first one is the one to fix first */
	out->unknown = true;
	va_start(ap, fmt);
	sentence_vformat(out->unknown_why, sizeof(out->unknown_why), fmt, ap);
	va_end(ap);
}

/* -machine / -M: QEMU merges every -machine into one set of options, in
 * order, so a later key wins over libvirt's own. */
static void read_machine(const char *spec, struct qemu_cmdline *out)
{
	struct opt_pair p;
	size_t pos = 0;

	if (spec[0] == '{') {
		set_unknown(out, "<qemu:commandline> passes -machine as JSON, which seoib does not read");
		return;
	}
	for (bool first = true; next_pair(spec, &pos, &p); first = false) {
		if ((p.bare && first) || strcmp(p.key, "type") == 0)
			copy_str(out->machine_type, sizeof(out->machine_type), p.bare ? p.key : p.value);
		else if (strcmp(p.key, "kernel-irqchip") == 0) {
			if (strcmp(p.value, "on") && strcmp(p.value, "off") && strcmp(p.value, "split")) {
				set_unknown(out, "<qemu:commandline> sets -machine kernel-irqchip=%s, which seoib does not know",
					    p.value);
				continue;
			}
			copy_str(out->kernel_irqchip, sizeof(out->kernel_irqchip), p.value);
			snprintf(out->irqchip_why, sizeof(out->irqchip_why),
				 "<qemu:commandline> sets -machine kernel-irqchip=%s (it overrides libvirt's own)", p.value);
		} else if (strcmp(p.key, "accel") == 0) {
			set_unknown(out, "<qemu:commandline> sets -machine accel=%s, which may change the accelerator",
				    p.value);
			set_unasked(out, "<qemu:commandline> sets -machine accel=%s", p.value);
		}
	}
}

/* QEMU's ioapic realize() accepts only 0x11 and 0x20. */
static int parse_ioapic_version(const char *value, unsigned *version)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 0);
	if (errno || end == value || *end || (v != 0x11 && v != 0x20))
		return -1;
	*version = (unsigned)v;
	return 0;
}

/* -global DRIVER.PROP=VALUE or -global driver=D,property=P,value=V. */
static void split_global(const char *spec, char *driver, char *property, char *value)
{
	struct opt_pair p;
	size_t pos = 0;
	const char *dot = strchr(spec, '.'), *eq = strchr(spec, '=');

	driver[0] = property[0] = value[0] = '\0';
	if (dot && eq && dot < eq && strncmp(spec, "driver=", 7) != 0) {
		copy_str(driver, 64, spec);
		driver[dot - spec < 63 ? dot - spec : 63] = '\0';
		copy_str(property, 64, dot + 1);
		property[eq - dot - 1 < 63 ? eq - dot - 1 : 63] = '\0';
		copy_str(value, 64, eq + 1);
		return;
	}
	while (next_pair(spec, &pos, &p)) {
		if (strcmp(p.key, "driver") == 0)
			copy_str(driver, 64, p.value);
		else if (strcmp(p.key, "property") == 0)
			copy_str(property, 64, p.value);
		else if (strcmp(p.key, "value") == 0)
			copy_str(value, 64, p.value);
	}
}

static bool is_iommu(const char *driver)
{
	return strcmp(driver, "intel-iommu") == 0 || strcmp(driver, "amd-iommu") == 0 ||
	       strcmp(driver, "x86-iommu") == 0 || strcmp(driver, "AMDVI-PCI") == 0;
}

/* QEMU's boolean property spellings (qapi/qobject-input-visitor.c,
 * keyval: on/off, yes/no, true/false); -1 for anything else. */
static int parse_bool(const char *value)
{
	static const char *const yes[] = {"on", "yes", "true", "y"}, *const no[] = {"off", "no", "false", "n"};

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcmp(value, yes[i]) == 0)
			return 1;
		if (strcmp(value, no[i]) == 0)
			return 0;
	}
	return -1;
}

static void set_x2apic_unknown(struct qemu_cmdline *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void set_x2apic_unknown(struct qemu_cmdline *out, const char *fmt, ...)
{
	va_list ap;

	if (out->x2apic_unknown)
		return;
	out->x2apic_unknown = true;
	va_start(ap, fmt);
	sentence_vformat(out->x2apic_unknown_why, sizeof(out->x2apic_unknown_why), fmt, ap);
	va_end(ap);
}

/* -global x86_64-cpu.x2apic=V reaches every vCPU (x86_64-cpu is the parent
 * type of every x86 CPU model); a model's own type (qemu64-x86_64-cpu)
 * reaches only vCPUs of that model, which seoib does not pair up. */
static void read_global_x2apic(const char *spec, const char *driver, const char *value, struct qemu_cmdline *out)
{
	int on = parse_bool(value);
	size_t n = strlen(driver), suffix = strlen("-x86_64-cpu");
	bool cpu_type = strcmp(driver, "x86_64-cpu") == 0 || (n > suffix && strcmp(driver + n - suffix, "-x86_64-cpu") == 0);

	if (!cpu_type)
		return;
	if (on < 0 || strcmp(driver, "x86_64-cpu") != 0) {
		set_x2apic_unknown(out, "<qemu:commandline> sets -global %s, which seoib does not follow to the guest's vCPUs",
				   spec);
		return;
	}
	out->global_x2apic = on;
	sentence_format(out->x2apic_why, sizeof(out->x2apic_why), "<qemu:commandline> sets -global %s", spec);
}

static int read_global(const char *spec, struct qemu_cmdline *out, char err[SEOIB_MESSAGE_MAX])
{
	char driver[64], property[64], value[64];

	split_global(spec, driver, property, value);
	for (char *k = property; *k; k++)
		if (*k == '_')
			*k = '-';
	if (strcmp(driver, "ioapic") == 0 && strcmp(property, "version") == 0) {
		if (parse_ioapic_version(value, &out->ioapic_version) < 0) {
			sentence_format(err, SEOIB_MESSAGE_MAX,
				 "unsupported I/O APIC version '%s' in <qemu:commandline>; QEMU accepts only 0x11 or 0x20",
				 value);
			return -1;
		}
		sentence_format(out->ioapic_why, sizeof(out->ioapic_why), "<qemu:commandline> sets -global %s", spec);
	} else if (is_iommu(driver) && strcmp(property, "intremap") == 0 && strcmp(value, "off") != 0)
		set_unknown(out, "<qemu:commandline> sets -global %s, which seoib does not follow to the IOMMU it changes",
			    spec);
	else if (strcmp(property, "x2apic") == 0)
		read_global_x2apic(spec, driver, value, out);
	return 0;
}

/* -cpu MODEL[,+feat|-feat|feat[=on|off]]...: the last -cpu is the one QEMU
 * uses (softmmu/vl.c keeps only the last), replacing libvirt's own. */
static void read_cpu(const char *spec, struct qemu_cmdline *out)
{
	struct opt_pair p;
	size_t pos = 0;

	out->cpu_x2apic = out->cpu_vmx = out->cpu_svm = -1;
	out->cpu_hyperv = false;
	out->cpu_model[0] = '\0';
	for (bool first = true; next_pair(spec, &pos, &p); first = false) {
		const char *name = p.key;
		int on = 1;

		if (first && p.bare) {
			copy_str(out->cpu_model, sizeof(out->cpu_model), p.key);
			continue;
		}
		if (p.bare && (name[0] == '+' || name[0] == '-'))
			on = *name++ == '+';
		else if (!p.bare)
			on = parse_bool(p.value);
		/* hv-spinlocks=N and hv-passthrough turn the Hyper-V leaves on as
		 * any hv-* feature does (hyperv_enabled()); hv-vendor-id does not. */
		if (strncmp(name, "hv-", 3) == 0 && strcmp(name, "hv-vendor-id") != 0 &&
		    (on == 1 || strcmp(name, "hv-spinlocks") == 0))
			out->cpu_hyperv = true;
		if (strcmp(name, "x2apic") != 0 && strcmp(name, "vmx") != 0 && strcmp(name, "svm") != 0)
			continue;
		if (on < 0) {
			if (strcmp(name, "x2apic") == 0)
				set_x2apic_unknown(out, "<qemu:commandline> passes -cpu %s, whose x2apic value seoib does not know", spec);
			continue;
		}
		if (strcmp(name, "x2apic") == 0) {
			out->cpu_x2apic = on;
			sentence_format(out->x2apic_why, sizeof(out->x2apic_why),
					"<qemu:commandline> passes -cpu %s (it replaces libvirt's -cpu)", spec);
		} else if (strcmp(name, "vmx") == 0)
			out->cpu_vmx = on;
		else
			out->cpu_svm = on;
	}
	if (!out->cpu_model[0])
		copy_str(out->cpu_model, sizeof(out->cpu_model), "?");
}

/* Device properties through which a -set can reach a fact: an IOMMU's
 * intremap (split required), a -device CPU's x2apic, an I/O APIC's
 * version, and driver, which turns the device into another one. */
static bool reaches_facts(const char *property)
{
	static const char *const props[] = {"intremap", "x2apic", "version", "driver"};

	for (size_t i = 0; i < ELEMENTSOF(props); i++)
		if (strcmp(property, props[i]) == 0)
			return true;
	return false;
}

/* -set GROUP.ID.PROP=VALUE (QEMU util/qemu-config.c qemu_set_option(),
 * softmmu/vl.c is_qemuopts_group()): it edits the one existing entry ID of
 * option group GROUP. QEMU refuses it for machine, object, smp-opts and
 * boot-opts, and for an ID no entry has (libvirt's JSON -device entries,
 * QEMU >= 6.2, are not in the device group): such a guest does not start,
 * and the -set changes nothing seoib judges. Of the rest only a device's
 * properties above, any -global entry (it may name any driver and
 * property) and the accelerator's kernel-irqchip can reach the facts. */
static void read_set(const char *spec, struct qemu_cmdline *out)
{
	char group[64] = "", id[64] = "", property[64] = "";
	const char *dot1 = strchr(spec, '.'), *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL, *eq;

	if (!dot1 || !dot2 || !dot2[1])
		return; /* QEMU: "can't parse", the guest does not start */
	eq = strchr(dot2 + 1, '=');
	snprintf(group, sizeof(group), "%.*s", (int)(dot1 - spec) < 63 ? (int)(dot1 - spec) : 63, spec);
	snprintf(id, sizeof(id), "%.*s", (int)(dot2 - dot1 - 1) < 63 ? (int)(dot2 - dot1 - 1) : 63, dot1 + 1);
	snprintf(property, sizeof(property), "%.*s", eq ? ((int)(eq - dot2 - 1) < 63 ? (int)(eq - dot2 - 1) : 63) : 63,
		 dot2 + 1);
	for (char *k = property; *k; k++)
		if (*k == '_')
			*k = '-';
	if (strcmp(group, "global") == 0 || (strcmp(group, "device") == 0 && reaches_facts(property)) ||
	    (strcmp(group, "accel") == 0 && strcmp(property, "kernel-irqchip") == 0))
		set_unasked(out, "<qemu:commandline> passes -set %s", spec);
	if (strcmp(group, "global") == 0) {
		set_unknown(out, "<qemu:commandline> passes -set %s, which edits a -global entry seoib does not follow", spec);
		set_x2apic_unknown(out, "<qemu:commandline> passes -set %s, which edits a -global entry seoib does not follow",
				   spec);
	} else if (strcmp(group, "device") == 0 && reaches_facts(property)) {
		if (strcmp(property, "x2apic") == 0)
			set_x2apic_unknown(out, "<qemu:commandline> passes -set %s, which may change a vCPU's x2APIC", spec);
		else
			set_unknown(out, "<qemu:commandline> passes -set %s, which may change device %s's %s, and seoib does not follow it",
				    spec, id, property);
	} else if (strcmp(group, "accel") == 0 && strcmp(property, "kernel-irqchip") == 0)
		set_unknown(out, "<qemu:commandline> passes -set %s, which may change the irqchip", spec);
}

/* An IOMMU that remaps interrupts needs the split irqchip (QEMU refuses
 * intremap=on with kernel-irqchip=on); intremap=auto and off do not. */
static void judge_iommu(const char *driver, const char *intremap, struct qemu_cmdline *out)
{
	if (!is_iommu(driver) || !intremap[0] || strcmp(intremap, "off") == 0 || strcmp(intremap, "auto") == 0)
		return;
	if (strcmp(intremap, "on") != 0) {
		set_unknown(out, "<qemu:commandline> passes -device %s with intremap=%s, which seoib does not know",
			    driver, intremap);
		return;
	}
	out->split_required = true;
	snprintf(out->split_why, sizeof(out->split_why),
		 "<qemu:commandline> adds -device %s with intremap=on, which requires the split irqchip", driver);
}

static void read_device_json(const char *spec, struct qemu_cmdline *out)
{
	_cleanup_json_ json_object *obj = NULL;
	json_object *driver, *intremap;
	char err[SEOIB_MESSAGE_MAX];

	if (json_parse_text(spec, strlen(spec), &obj, err) < 0 || !json_object_is_type(obj, json_type_object) ||
	    !json_object_object_get_ex(obj, "driver", &driver) || !json_object_is_type(driver, json_type_string)) {
		set_unknown(out, "<qemu:commandline> passes a -device in JSON that seoib cannot read");
		return;
	}
	if (!json_object_object_get_ex(obj, "intremap", &intremap))
		return;
	if (json_object_is_type(intremap, json_type_boolean))
		judge_iommu(json_object_get_string(driver), json_object_get_boolean(intremap) ? "on" : "off", out);
	else
		judge_iommu(json_object_get_string(driver), json_object_get_string(intremap), out);
}

static void read_device(const char *spec, struct qemu_cmdline *out)
{
	char driver[64] = "", intremap[64] = "";
	struct opt_pair p;
	size_t pos = 0;

	if (spec[0] == '{') {
		read_device_json(spec, out);
		return;
	}
	for (bool first = true; next_pair(spec, &pos, &p); first = false) {
		if ((p.bare && first) || strcmp(p.key, "driver") == 0)
			copy_str(driver, sizeof(driver), p.bare ? p.key : p.value);
		else if (strcmp(p.key, "intremap") == 0)
			copy_str(intremap, sizeof(intremap), p.value);
	}
	judge_iommu(driver, intremap, out);
}

/* "-name", "--name" and "-name=value" (QEMU takes "--" for "-"; the "="
 * form it refuses, so reading it as applied can only make seoib stricter). */
static const char *option_name(const char *arg, char *name, size_t size, const char **inline_value)
{
	const char *eq;

	*inline_value = NULL;
	if (arg[0] != '-' || !arg[1])
		return NULL;
	arg += arg[1] == '-' ? 2 : 1;
	eq = strchr(arg, '=');
	copy_str(name, size, arg);
	if (eq && (size_t)(eq - arg) < size) {
		name[eq - arg] = '\0';
		*inline_value = eq + 1;
	}
	return name;
}

/* Options whose argument this reader needs; -accel is not among them: a
 * second -accel after libvirt's own is only a fallback QEMU never uses. */
static int read_option(const char *name, const char *value, struct qemu_cmdline *out,
		       char err[SEOIB_MESSAGE_MAX])
{
	if (strcmp(name, "machine") == 0 || strcmp(name, "M") == 0)
		read_machine(value, out);
	else if (strcmp(name, "global") == 0)
		return read_global(value, out, err);
	else if (strcmp(name, "device") == 0)
		read_device(value, out);
	else if (strcmp(name, "cpu") == 0)
		read_cpu(value, out);
	else if (strcmp(name, "set") == 0)
		read_set(value, out);
	else if (strcmp(name, "readconfig") == 0) {
		/* A config file may hold [machine], [device] and [global] sections. */
		set_unasked(out, "<qemu:commandline> passes -readconfig");
		set_unknown(out, "<qemu:commandline> passes -readconfig, whose effect on the irqchip and I/O APIC seoib does not read");
		set_x2apic_unknown(out, "<qemu:commandline> passes -readconfig, whose effect on the vCPU's x2APIC seoib does not read");
	}
	return 0;
}

static bool takes_value(const char *name)
{
	static const char *const names[] = {"machine", "M", "global", "device", "set", "readconfig", "cpu"};

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(name, names[i]) == 0)
			return true;
	return false;
}

int qemu_cmdline_read(const char *const *argv, int argc, struct qemu_cmdline *out, char err[SEOIB_MESSAGE_MAX])
{
	memset(out, 0, sizeof(*out));
	out->cpu_x2apic = out->cpu_vmx = out->cpu_svm = out->global_x2apic = -1;
	for (int i = 0; i < argc; i++) {
		const char *inline_value, *value;
		char name[64];

		if (!argv[i] || !option_name(argv[i], name, sizeof(name), &inline_value) || !takes_value(name))
			continue;
		value = inline_value;
		if (!value) {
			if (i + 1 >= argc || !argv[i + 1]) {
				set_unknown(out, "<qemu:commandline> ends with -%s and no argument", name);
				continue;
			}
			value = argv[++i];
		}
		if (read_option(name, value, out, err) < 0)
			return -1;
	}
	return 0;
}

/* QEMU's key spellings: "a_b" is "a-b" (next_pair() folds the keys). */
static bool same_key(const char *folded, const char *name)
{
	for (; *folded && *name; folded++, name++)
		if (*folded != (*name == '_' ? '-' : *name))
			return false;
	return *folded == *name;
}

/* One option's argument, as qemu_cmdline_lookup() reads it. */
static bool lookup_in(enum qemu_option option, const char *spec, const char *driver, bool (*driver_matches)(const char *, const char *),
		      const char *key, char *value, size_t size)
{
	bool found = false;

	if (option == QEMU_OPTION_GLOBAL) {
		char d[64], property[64], v[64];

		split_global(spec, d, property, v);
		if (!d[0] || !driver_matches(d, driver))
			return false;
		for (char *k = property; *k; k++)
			if (*k == '_')
				*k = '-';
		if (!same_key(property, key))
			return false;
		copy_str(value, size, v);
		return true;
	}
	for (size_t pos = 0; ; ) {
		struct opt_pair pair;

		if (!next_pair(spec, &pos, &pair))
			break;
		if (!pair.bare && same_key(pair.key, key)) {
			copy_str(value, size, pair.value);
			found = true; /* a later key wins, as in QEMU's keyval */
		}
	}
	return found;
}

bool qemu_cmdline_lookup(const char *const *argv, int argc, enum qemu_option option, const char *driver,
			 bool (*driver_matches)(const char *global_driver, const char *driver), const char *key,
			 char *value, size_t size)
{
	static const char *const names[][2] = {
		[QEMU_OPTION_MACHINE] = {"machine", "M"},
		[QEMU_OPTION_GLOBAL] = {"global", NULL},
		[QEMU_OPTION_ACCEL] = {"accel", NULL},
	};
	bool found = false;

	for (int i = 0; i < argc; i++) {
		const char *inline_value, *spec;
		char name[64];

		if (!argv[i] || !option_name(argv[i], name, sizeof(name), &inline_value) ||
		    (!takes_value(name) && strcmp(name, "accel") != 0))
			continue;
		spec = inline_value;
		if (!spec) {
			if (i + 1 >= argc || !argv[i + 1])
				break;
			spec = argv[++i];
		}
		if (strcmp(name, names[option][0]) != 0 && !(names[option][1] && strcmp(name, names[option][1]) == 0))
			continue;
		found |= lookup_in(option, spec, driver, driver_matches, key, value, size);
	}
	return found;
}
