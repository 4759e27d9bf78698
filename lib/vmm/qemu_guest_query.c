/* Asking the guest's own QEMU (seoib/qemu_guest_query.h; docs/vmm.md,
 * "Asking the guest's QEMU"): one frozen QEMU (-S: no vCPU ever runs) with
 * the options that shape the guest's machine, a few qom-get over QMP, quit.
 * The answer only changes when the binary, the question, the accelerator or
 * the kernel does, so it is cached under the VMM cache's rules (vmm_cache.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <json-c/json.h>

#include "seoib/cleanup.h"
#include "seoib/json_util.h"
#include "seoib/qemu_guest_query.h"
#include "seoib/string_table.h"
#include "qmp.h"
#include "vmm_cache.h"

#define GUEST_QUERY_DEFAULT_TIMEOUT_MS 3000
#define GUEST_QUERY_CACHE_SCHEMA "seoib.guest-query-cache/1"
#define GUEST_QUERY_CACHE_MAX_BYTES (16 * 1024)
#define GUEST_QUERY_CACHE_WHAT "guest-query cache entry"
/* The fixed options of every question: no display, no default devices, no
 * configuration files, frozen, QMP on stdin/stdout. */
#define QUESTION_FIXED_ARGS 10

static const char *accel_name(bool kvm)
{
	return kvm ? "kvm" : "tcg";
}

/* KVM when the guest is a KVM guest and the device opens read-write, as
 * QEMU's own kvm_init() needs it. */
static bool kvm_usable(const struct qemu_question *q, const struct qemu_guest_query_options *opts)
{
	_cleanup_close_ int fd = -1;

	if (!q->kvm)
		return false;
	fd = open(opts->kvm_device ? opts->kvm_device : "/dev/kvm", O_RDWR | O_CLOEXEC | O_NOCTTY);
	return fd >= 0;
}

static void kernel_release(bool kvm, char *buf, size_t size)
{
	struct utsname u;

	/* A KVM answer may change with the kernel (a CPU feature it offers);
	 * a TCG answer never does. */
	if (!kvm || uname(&u) < 0)
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "%s", u.release);
}

static void set_source(struct qemu_guest_answer *a)
{
	if (a->kvm)
		sentence_format(a->source, sizeof(a->source), "QEMU %s at %s under KVM", a->version[0] ? a->version : "(version not told)",
				a->emulator);
	else
		sentence_format(a->source, sizeof(a->source),
				"QEMU %s at %s under TCG (no usable /dev/kvm: it tells the machine type and the I/O APIC version only)",
				a->version[0] ? a->version : "(version not told)", a->emulator);
}

/* ---- the conversation ---- */

/* qom-get PATH PROPERTY: the value, or NULL when QEMU has no such object
 * or property (not an error: the answer is then not told). */
static json_object *qom_get(struct qmp *m, const char *path, const char *property, int *failed)
{
	_cleanup_(json_object_putp) json_object *args = json_object_new_object();
	json_object *ret = NULL;
	char desc[256];
	int r;

	json_object_object_add(args, "path", json_object_new_string(path));
	json_object_object_add(args, "property", json_object_new_string(property));
	r = qmp_execute(m, "qom-get", args, &ret, desc, sizeof(desc));
	if (r < 0)
		*failed = 1;
	return r == 0 ? ret : NULL;
}

static const char *string_of(json_object *v)
{
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

/* The first vCPU's QOM path, from query-cpus-fast. */
static void first_cpu(struct qmp *m, char *path, size_t size, int *failed)
{
	_cleanup_(json_object_putp) json_object *cpus = NULL;
	json_object *qom_path;
	char desc[256];
	int r = qmp_execute(m, "query-cpus-fast", NULL, &cpus, desc, sizeof(desc));

	path[0] = '\0';
	if (r < 0)
		*failed = 1;
	if (r == 0 && json_object_is_type(cpus, json_type_array) && json_object_array_length(cpus) > 0 &&
	    json_object_object_get_ex(json_object_array_get_idx(cpus, 0), "qom-path", &qom_path))
		snprintf(path, size, "%s", string_of(qom_path));
}

static void read_machine(struct qmp *m, struct qemu_guest_answer *a, int *failed)
{
	_cleanup_(json_object_putp) json_object *type = qom_get(m, "/machine", "type", failed);
	const char *t = string_of(type);
	size_t n = strlen(t), suffix = strlen("-machine");

	if (n > suffix && !strcmp(t + n - suffix, "-machine") && n - suffix < sizeof(a->machine))
		snprintf(a->machine, sizeof(a->machine), "%.*s", (int)(n - suffix), t);
}

/* "kvm-ioapic": KVM's in-kernel I/O APIC, version 0x11 (Linux
 * arch/x86/kvm/ioapic.h IOAPIC_VERSION_ID); "ioapic": QEMU's, with its
 * version property (hw/intc/ioapic.c). The partial path "ioapic" names
 * the machine's child of that name. */
static void read_ioapic(struct qmp *m, struct qemu_guest_answer *a, bool *kvm_ioapic, int *failed)
{
	_cleanup_(json_object_putp) json_object *type = qom_get(m, "ioapic", "type", failed);
	_cleanup_(json_object_putp) json_object *version = NULL;

	*kvm_ioapic = !strcmp(string_of(type), "kvm-ioapic");
	if (*kvm_ioapic) {
		a->ioapic_version = 0x11;
		return;
	}
	if (strcmp(string_of(type), "ioapic"))
		return;
	version = qom_get(m, "ioapic", "version", failed);
	if (json_object_is_type(version, json_type_int) &&
	    (json_object_get_int(version) == 0x11 || json_object_get_int(version) == 0x20))
		a->ioapic_version = (unsigned)json_object_get_int(version);
}

/* Under KVM: the first vCPU's local APIC ("kvm-apic" in the kernel, "apic"
 * for kernel-irqchip=off) with the I/O APIC's type gives the irqchip, and
 * its x2apic property whether the vCPU's CPUID has x2APIC. */
static void read_cpu(struct qmp *m, struct qemu_guest_answer *a, bool kvm_ioapic, bool ioapic_found, int *failed)
{
	char cpu[256], lapic_path[300];
	_cleanup_(json_object_putp) json_object *lapic = NULL;
	_cleanup_(json_object_putp) json_object *x2apic = NULL;

	first_cpu(m, cpu, sizeof(cpu), failed);
	if (!cpu[0] || !a->kvm)
		return;
	snprintf(lapic_path, sizeof(lapic_path), "%s/lapic", cpu);
	lapic = qom_get(m, lapic_path, "type", failed);
	if (!strcmp(string_of(lapic), "apic")) {
		a->irqchip_known = a->lapic_userspace = true;
	} else if (!strcmp(string_of(lapic), "kvm-apic") && ioapic_found) {
		a->irqchip_known = true;
		a->irqchip_in_kernel = kvm_ioapic;
		a->irqchip_split = !kvm_ioapic;
	}
	x2apic = qom_get(m, cpu, "x2apic", failed);
	if (json_object_is_type(x2apic, json_type_boolean))
		a->x2apic = json_object_get_boolean(x2apic) ? 1 : 0;
}

static int converse(struct qmp *m, struct qemu_guest_answer *a)
{
	int failed = 0;
	bool kvm_ioapic = false;

	if (qmp_greeting(m) < 0 || qmp_read_version(m, a->version, sizeof(a->version)) < 0)
		return -1;
	read_machine(m, a, &failed);
	read_ioapic(m, a, &kvm_ioapic, &failed);
	read_cpu(m, a, kvm_ioapic, kvm_ioapic || a->ioapic_version, &failed);
	if (failed)
		return -1;
	qmp_quit(m);
	return 0;
}

static void build_argv(const struct qemu_question *q, bool kvm, char *argv[], char *accel)
{
	int n = 0;

	argv[n++] = (char *)q->emulator;
	for (int i = 0; i + 1 < q->argc; i += 2) {
		if (!qemu_question_option_used(q->argv[i], kvm))
			continue;
		argv[n++] = (char *)q->argv[i];
		argv[n++] = (char *)q->argv[i + 1];
	}
	snprintf(accel, 8, "%s", accel_name(kvm));
	argv[n++] = "-accel";
	argv[n++] = accel;
	argv[n++] = "-display";
	argv[n++] = "none";
	argv[n++] = "-nodefaults";
	argv[n++] = "-no-user-config";
	argv[n++] = "-S";
	argv[n++] = "-qmp";
	argv[n++] = "stdio";
	argv[n] = NULL;
}

static void ask_qemu(const struct qemu_question *q, const struct qemu_guest_query_options *opts,
		     struct qemu_guest_answer *a)
{
	char *argv[QEMU_QUESTION_ARGS_MAX + QUESTION_FIXED_ARGS + 2];
	char accel[8], hint[QEMU_EMULATOR_PATH_MAX + 128];
	_cleanup_(qmp_closep) struct qmp m;

	snprintf(hint, sizeof(hint), "check that the guest's <emulator> %s is a qemu-system-x86_64 binary", q->emulator);
	build_argv(q, a->kvm, argv, accel);
	if (qmp_init(&m, q->emulator, hint, opts->timeout_ms ? opts->timeout_ms : GUEST_QUERY_DEFAULT_TIMEOUT_MS,
		     a->why) < 0 ||
	    qmp_spawn(&m, argv) < 0) {
		a->status = QEMU_ANSWER_FAILED;
		return;
	}
	if (converse(&m, a) == 0) {
		a->status = QEMU_ANSWER_ANSWERED;
		return;
	}
	/* QEMU left on its own with a sentence: it refuses this machine. */
	if (m.exited && m.stderr_line[0]) {
		a->status = QEMU_ANSWER_REFUSED;
		snprintf(a->refusal, sizeof(a->refusal), "%s", m.stderr_line);
		a->why[0] = '\0';
		return;
	}
	a->status = QEMU_ANSWER_FAILED;
}

/* ---- the cache ---- */

static void cache_name(const struct qemu_question *q, bool kvm, char *name, size_t size)
{
	unsigned long long h = vmm_cache_hash(q->emulator, VMM_CACHE_HASH_SEED);

	h = vmm_cache_hash(accel_name(kvm), vmm_cache_hash("\n", h));
	for (int i = 0; i < q->argc; i++)
		h = vmm_cache_hash(q->argv[i], vmm_cache_hash("\n", h));
	snprintf(name, size, "guest-%016llx.json", h);
}

static json_object *question_json(const struct qemu_question *q, bool kvm)
{
	json_object *array = json_object_new_array();

	for (int i = 0; i + 1 < q->argc; i += 2) {
		if (!qemu_question_option_used(q->argv[i], kvm))
			continue;
		json_object_array_add(array, json_object_new_string(q->argv[i]));
		json_object_array_add(array, json_object_new_string(q->argv[i + 1]));
	}
	return array;
}

static bool same_question(json_object *cached, const struct qemu_question *q, bool kvm)
{
	_cleanup_(json_object_putp) json_object *now = question_json(q, kvm);
	size_t n = json_object_array_length(now);

	if (!json_object_is_type(cached, json_type_array) || json_object_array_length(cached) != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(cached, i);
		if (!json_object_is_type(c, json_type_string) ||
		    strcmp(json_object_get_string(c), json_object_get_string(json_object_array_get_idx(now, i))))
			return false;
	}
	return true;
}

/* The cache's word for which local APIC and I/O APIC QEMU created. */
enum cached_irqchip {
	CACHED_IRQCHIP_UNKNOWN,   /* not asked (TCG) or not told */
	CACHED_IRQCHIP_USERSPACE, /* lapic_userspace */
	CACHED_IRQCHIP_SPLIT,     /* irqchip_split */
	CACHED_IRQCHIP_IN_KERNEL, /* irqchip_in_kernel */
};
static const char *const cached_irqchip_table[] = {
	[CACHED_IRQCHIP_UNKNOWN] = "unknown",
	[CACHED_IRQCHIP_USERSPACE] = "userspace",
	[CACHED_IRQCHIP_SPLIT] = "split",
	[CACHED_IRQCHIP_IN_KERNEL] = "in-kernel",
};

DEFINE_PRIVATE_STRING_TABLE_LOOKUP(cached_irqchip, enum cached_irqchip)

static enum cached_irqchip cached_irqchip_of(const struct qemu_guest_answer *a)
{
	return !a->irqchip_known ? CACHED_IRQCHIP_UNKNOWN
	       : a->lapic_userspace ? CACHED_IRQCHIP_USERSPACE
	       : a->irqchip_split ? CACHED_IRQCHIP_SPLIT : CACHED_IRQCHIP_IN_KERNEL;
}


static json_object *cache_entry(const struct qemu_question *q, const struct vmm_identity *id,
				const struct qemu_guest_answer *a)
{
	json_object *entry = json_object_new_object();
	char release[128];

	kernel_release(a->kvm, release, sizeof(release));
	json_object_object_add(entry, "schema", json_object_new_string(GUEST_QUERY_CACHE_SCHEMA));
	vmm_identity_add_json(entry, q->emulator, id);
	json_object_object_add(entry, "accel", json_object_new_string(accel_name(a->kvm)));
	json_object_object_add(entry, "kernel_release", json_object_new_string(release));
	json_object_object_add(entry, "question", question_json(q, a->kvm));
	json_object_object_add(entry, "refused", json_object_new_boolean(a->status == QEMU_ANSWER_REFUSED));
	json_object_object_add(entry, "refusal", json_object_new_string(a->refusal));
	json_object_object_add(entry, "version", json_object_new_string(a->version));
	json_object_object_add(entry, "machine", json_object_new_string(a->machine));
	json_object_object_add(entry, "irqchip", json_object_new_string(cached_irqchip_to_string(cached_irqchip_of(a))));
	json_object_object_add(entry, "ioapic_version", json_object_new_int((int)a->ioapic_version));
	json_object_object_add(entry, "x2apic", a->x2apic < 0 ? NULL : json_object_new_boolean(a->x2apic));
	return entry;
}

static bool copy_string(json_object *entry, const char *key, char *dst, size_t size)
{
	json_object *v = vmm_cache_get(entry, key, json_type_string);

	if (!v || strlen(json_object_get_string(v)) >= size)
		return false;
	snprintf(dst, size, "%s", json_object_get_string(v));
	return true;
}

static bool read_irqchip(json_object *entry, struct qemu_guest_answer *a)
{
	json_object *v = vmm_cache_get(entry, "irqchip", json_type_string);
	int c = cached_irqchip_from_string(v ? json_object_get_string(v) : NULL);

	if (c < 0)
		return false;
	a->irqchip_known = c != CACHED_IRQCHIP_UNKNOWN;
	a->lapic_userspace = c == CACHED_IRQCHIP_USERSPACE;
	a->irqchip_split = c == CACHED_IRQCHIP_SPLIT;
	a->irqchip_in_kernel = c == CACHED_IRQCHIP_IN_KERNEL;
	return true;
}

/* Every key typed and in range, or the entry is not used; the binary's
 * identity is the caller's to check. */
static bool cache_answer_fields(json_object *entry, const struct qemu_question *q, struct qemu_guest_answer *a)
{
	json_object *schema = vmm_cache_get(entry, "schema", json_type_string);
	json_object *refused = vmm_cache_get(entry, "refused", json_type_boolean);
	json_object *ioapic = vmm_cache_get(entry, "ioapic_version", json_type_int);
	json_object *x2apic = json_object_object_get(entry, "x2apic");
	char accel[8], release[128], now[128];

	kernel_release(a->kvm, now, sizeof(now));
	if (!json_object_is_type(entry, json_type_object) || !schema || !refused || !ioapic ||
	    strcmp(json_object_get_string(schema), GUEST_QUERY_CACHE_SCHEMA) ||
	    !copy_string(entry, "accel", accel, sizeof(accel)) || strcmp(accel, accel_name(a->kvm)) ||
	    !copy_string(entry, "kernel_release", release, sizeof(release)) || strcmp(release, now) ||
	    !same_question(json_object_object_get(entry, "question"), q, a->kvm) ||
	    !copy_string(entry, "refusal", a->refusal, sizeof(a->refusal)) ||
	    !copy_string(entry, "version", a->version, sizeof(a->version)) ||
	    !copy_string(entry, "machine", a->machine, sizeof(a->machine)) || !read_irqchip(entry, a))
		return false;
	if (json_object_get_int64(ioapic) != 0 && json_object_get_int64(ioapic) != 0x11 &&
	    json_object_get_int64(ioapic) != 0x20)
		return false;
	if (x2apic && !json_object_is_type(x2apic, json_type_boolean))
		return false;
	if (json_object_get_boolean(refused) != (a->refusal[0] != '\0'))
		return false;
	a->ioapic_version = (unsigned)json_object_get_int64(ioapic);
	a->x2apic = x2apic ? json_object_get_boolean(x2apic) : -1;
	a->status = json_object_get_boolean(refused) ? QEMU_ANSWER_REFUSED : QEMU_ANSWER_ANSWERED;
	a->from_cache = true;
	return true;
}

static bool cache_answer(json_object *entry, const struct qemu_question *q, const struct vmm_identity *id,
			 struct qemu_guest_answer *a)
{
	return json_object_is_type(entry, json_type_object) && vmm_identity_matches_json(entry, q->emulator, id) &&
	       cache_answer_fields(entry, q, a);
}

bool qemu_guest_cache_entry_parse(const char *text, size_t len, const struct qemu_question *q,
				  struct qemu_guest_answer *a)
{
	_cleanup_(json_object_putp) json_object *entry = NULL;
	char err[SEOIB_MESSAGE_MAX];

	if (len > GUEST_QUERY_CACHE_MAX_BYTES || json_parse_text(text, len, &entry, err) < 0)
		return false;
	return cache_answer_fields(entry, q, a);
}

static void answer_reset(struct qemu_guest_answer *a)
{
	bool kvm = a->kvm;
	char emulator[QEMU_EMULATOR_PATH_MAX], note[SEOIB_MESSAGE_MAX];

	memcpy(emulator, a->emulator, sizeof(emulator));
	memcpy(note, a->cache_note, sizeof(note));
	memset(a, 0, sizeof(*a));
	a->x2apic = -1;
	a->kvm = kvm;
	memcpy(a->emulator, emulator, sizeof(emulator));
	memcpy(a->cache_note, note, sizeof(note));
}

static bool cache_load(int dfd, const char *name, const struct qemu_question *q, const struct vmm_identity *id,
		       struct qemu_guest_answer *a)
{
	_cleanup_(json_object_putp) json_object *entry =
		vmm_cache_read(dfd, name, GUEST_QUERY_CACHE_MAX_BYTES, GUEST_QUERY_CACHE_WHAT, a->cache_note);

	if (entry && cache_answer(entry, q, id, a))
		return true;
	answer_reset(a);
	return false;
}

/* ---- entry points ---- */

/* The emulator path comes from a domain XML, which may come from anywhere
 * (seoibctl policy --xml FILE): seoib runs it only when no one but root or
 * the effective user could have put it there. Every component of its
 * resolved path (symbolic links followed once, by realpath(3)) must belong
 * to root or the effective user and be writable by no one else, except a
 * sticky directory such as /tmp. Returns 0, or -1 with a sentence in why. */
static int emulator_trusted(const char *path, char why[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *real = realpath(path, NULL);
	char *slash;
	struct stat st;

	if (!real) {
		sentence_format(why, SEOIB_MESSAGE_MAX, "cannot resolve the guest's <emulator> %s: %s", path, strerror(errno));
		return -1;
	}
	for (slash = real;;) {
		char saved;

		slash = strchr(slash + 1, '/');
		saved = slash ? *slash : '\0';
		if (slash)
			*slash = '\0';
		if (lstat(real[0] ? real : "/", &st) < 0 ||
		    (st.st_uid != 0 && st.st_uid != geteuid()) ||
		    ((st.st_mode & (S_IWGRP | S_IWOTH)) && !(S_ISDIR(st.st_mode) && (st.st_mode & S_ISVTX) && slash))) {
			sentence_format(why, SEOIB_MESSAGE_MAX,
					"the guest's <emulator> %s is not asked: %s belongs to uid %u with mode %04o, and seoib "
					"runs only a binary that no one but root (or uid %u) can change",
					path, real[0] ? real : "/", (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
					(unsigned)geteuid());
			return -1;
		}
		if (!slash)
			return 0;
		*slash = saved;
	}
}

static int emulator_identity(const struct qemu_question *q, struct vmm_identity *id, struct qemu_guest_answer *a)
{
	int r = vmm_identity_read(q->emulator, id);

	if (r == 0 && emulator_trusted(q->emulator, a->why) == 0)
		return 0;
	a->status = QEMU_ANSWER_FAILED;
	if (r == 0)
		return -1; /* why says which component */
	if (r == -ENOENT)
		sentence_format(a->why, sizeof(a->why),
				"the guest's <emulator> %s does not exist; install it or correct the domain's <emulator>",
				q->emulator);
	else if (r == -ENOEXEC)
		sentence_format(a->why, sizeof(a->why), "the guest's <emulator> %s is not an executable file; fix its mode",
				q->emulator);
	else
		sentence_format(a->why, sizeof(a->why), "cannot inspect the guest's <emulator> %s: %s", q->emulator,
				strerror(-r));
	return -1;
}

void qemu_guest_ask(const struct qemu_question *q, const struct qemu_guest_query_options *opts,
		    struct qemu_guest_answer *a)
{
	_cleanup_close_ int dfd = -1;
	struct vmm_identity id;
	char name[64];

	memset(a, 0, sizeof(*a));
	a->x2apic = -1;
	snprintf(a->emulator, sizeof(a->emulator), "%s", q->emulator);
	if (q->cannot_ask[0]) {
		a->status = QEMU_ANSWER_NOT_ASKED;
		snprintf(a->why, sizeof(a->why), "%s", q->cannot_ask);
		return;
	}
	if (emulator_identity(q, &id, a) < 0)
		return;
	a->kvm = kvm_usable(q, opts);
	cache_name(q, a->kvm, name, sizeof(name));
	if (opts->cache_dir) {
		dfd = vmm_cache_open_dir(opts->cache_dir, a->cache_note);
		if (dfd >= 0 && cache_load(dfd, name, q, &id, a)) {
			set_source(a);
			return;
		}
	}
	if (opts->cache_only) {
		a->status = QEMU_ANSWER_NOT_ASKED;
		sentence_format(a->why, sizeof(a->why), "no answer of QEMU at %s is cached for this guest yet", q->emulator);
		return;
	}
	ask_qemu(q, opts, a);
	set_source(a);
	if (dfd >= 0 && (a->status == QEMU_ANSWER_ANSWERED || a->status == QEMU_ANSWER_REFUSED)) {
		_cleanup_(json_object_putp) json_object *entry = cache_entry(q, &id, a);
		vmm_cache_write(dfd, name, entry, GUEST_QUERY_CACHE_WHAT, a->cache_note);
	}
}

bool qemu_question_option_used(const char *option, bool kvm)
{
	return kvm || !strcmp(option, "-machine") || !strcmp(option, "-global");
}

void qemu_question_string(const struct qemu_question *q, bool kvm, char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i + 1 < q->argc; i += 2) {
		if (!qemu_question_option_used(q->argv[i], kvm))
			continue;
		int n = snprintf(buf + used, size - used, "%s%s %s", used ? " " : "", q->argv[i], q->argv[i + 1]);
		if (n < 0 || (size_t)n >= size - used)
			return;
		used += (size_t)n;
	}
}
