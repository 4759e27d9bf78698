/* The VMM probe: ask the QEMU binary over QMP whether it has a property that
 * sets a guest's Directed EOI state, without /dev/kvm and without a guest.
 *
 * `qemu-system-x86_64 -machine none -accel tcg -qmp stdio` answers QMP on its
 * stdin/stdout with no accelerator device and no guest RAM; `qom-list-properties`
 * lists a type's properties even when the accelerator cannot be instantiated
 * here (`-accel kvm,help` needs /dev/kvm on QEMU 7.2). The answer only changes
 * when the binary does, so it is cached on the binary's identity the way
 * libvirt caches QEMU capabilities (virQEMUCapsIsValid: path, size, mtime). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/fileio.h"
#include "seoib/json_util.h"
#include "seoib/monotonic.h"
#include "seoib/vmm.h"
#include "seoib/sentence.h"
#include "qmp.h"
#include "vmm_cache.h"
#include "seoib/trusted_path.h"

#define VMM_DEFAULT_TIMEOUT_MS 3000
#define VMM_CACHE_SCHEMA "seoib.vmm-cache/4" /* 3: identity (ctime, dev, ino), property_type, property_default; 4: machine_types */
/* A cache entry is a few KiB (a machine-type list); anything bigger is not one. */
#define VMM_CACHE_MAX_BYTES (64 * 1024)
/* Bound on the binary scanned to back a cached control (QEMU is ~20 MB). */
#define VMM_BINARY_SCAN_MAX (512LL * 1024 * 1024)


static const char *const default_control_names[] = { "seoib-policy", NULL };

/* ---- what to ask ---- */

static void add_type(const char *types[], int *n_types, int max, const char *type)
{
	for (int i = 0; i < *n_types; i++)
		if (!strcmp(types[i], type))
			return;
	if (*n_types < max)
		types[(*n_types)++] = type;
}

/* The concrete machine types behind the "q35" and "pc" aliases: upstream may
 * put the knob on a machine class (like pc-q35-x.y's "default-bus-bypass-iommu"),
 * and a versioned type is the only one whose instance properties show. */
static void machine_types(json_object *machines, char names[2][VMM_NAME_MAX])
{
	size_t n = json_object_is_type(machines, json_type_array) ? json_object_array_length(machines) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(machines, i), *name, *alias;
		if (!json_object_object_get_ex(m, "name", &name) || !json_object_object_get_ex(m, "alias", &alias))
			continue;
		const char *a = json_object_get_string(alias);
		int slot = !strcmp(a, "q35") ? 0 : !strcmp(a, "pc") ? 1 : -1;
		if (slot >= 0)
			snprintf(names[slot], VMM_NAME_MAX, "%s-machine", json_object_get_string(name));
	}
}

/* Every machine type the binary can run, and the aliases of its newest
 * ones ("pc", "q35"): a guest whose <os><type machine=...> is not among
 * them cannot start here (QEMU: "unsupported machine type"). Names that
 * are not plain QEMU type names, or beyond VMM_MACHINE_TYPES_MAX, are left
 * out and the list is marked incomplete. */
static void add_machine_type(struct vmm_info *info, json_object *name)
{
	const char *s = json_object_is_type(name, json_type_string) ? json_object_get_string(name) : "";

	if (!vmm_machine_type_name_valid(s) || vmm_has_machine_type(info, s))
		return;
	if (info->n_machine_types < VMM_MACHINE_TYPES_MAX)
		snprintf(info->machine_types[info->n_machine_types++], VMM_MACHINE_NAME_MAX, "%s", s);
}

static void list_machine_types(json_object *machines, struct vmm_info *info)
{
	size_t n = json_object_is_type(machines, json_type_array) ? json_object_array_length(machines) : 0;

	for (size_t i = 0; i < n; i++) {
		json_object *m = json_object_array_get_idx(machines, i), *v;

		if (json_object_object_get_ex(m, "name", &v))
			add_machine_type(info, v);
		if (json_object_object_get_ex(m, "alias", &v))
			add_machine_type(info, v);
	}
}

/* The first control found is the one the property model uses: keep its
 * value type and default ("default-value", QEMU 5.0 and later). */
static void record_control(struct vmm_info *info, const char *type, json_object *prop)
{
	json_object *name = json_object_object_get(prop, "name");
	json_object *value_type = json_object_object_get(prop, "type");
	json_object *def = json_object_object_get(prop, "default-value");

	if (info->n_controls >= VMM_CONTROLS_MAX)
		return;
	snprintf(info->controls[info->n_controls++], VMM_NAME_MAX, "%s.%s", type, json_object_get_string(name));
	if (info->n_controls > 1)
		return;
	snprintf(info->property.value_type, sizeof(info->property.value_type), "%s",
		 json_object_is_type(value_type, json_type_string) ? json_object_get_string(value_type) : "");
	if (json_object_is_type(def, json_type_string) &&
	    strlen(json_object_get_string(def)) < sizeof(info->property.default_value))
		snprintf(info->property.default_value, sizeof(info->property.default_value), "%s",
			 json_object_get_string(def));
}

/* qom-list-properties on one type; a type this QEMU lacks is not an error. */
static int look_in_type(struct qmp *q, const char *type, const char *const *names, struct vmm_info *info)
{
	_cleanup_(json_object_putp) json_object *args = json_object_new_object();
	_cleanup_(json_object_putp) json_object *props = NULL;
	char desc[256];
	int r;

	json_object_object_add(args, "typename", json_object_new_string(type));
	r = qmp_execute(q, "qom-list-properties", args, &props, desc, sizeof(desc));
	if (r != 0)
		return r < 0 ? -1 : 0;
	size_t n = json_object_is_type(props, json_type_array) ? json_object_array_length(props) : 0;
	for (size_t i = 0; i < n; i++) {
		json_object *prop = json_object_array_get_idx(props, i), *name;
		if (!json_object_object_get_ex(prop, "name", &name))
			continue;
		for (const char *const *want = names; *want; want++)
			if (!strcmp(json_object_get_string(name), *want))
				record_control(info, type, prop);
	}
	return 0;
}

static int ask_qemu(struct qmp *q, const char *const *names, struct vmm_info *info)
{
	_cleanup_(json_object_putp) json_object *machines = NULL;
	char machine_names[2][VMM_NAME_MAX] = { "", "" };
	const char *types[8];
	int n_types = 0;

	if (qmp_greeting(q) < 0 || qmp_read_version(q, info->version, sizeof(info->version)) < 0)
		return -1;
	machines = qmp_require(q, "query-machines", NULL);
	if (!machines)
		return -1;
	machine_types(machines, machine_names);
	list_machine_types(machines, info);
	/* The RFC's accelerator property first, then the machine and CPU classes. */
	add_type(types, &n_types, 8, "kvm-accel");
	add_type(types, &n_types, 8, "x86-machine");
	for (int i = 0; i < 2; i++)
		if (machine_names[i][0])
			add_type(types, &n_types, 8, machine_names[i]);
	add_type(types, &n_types, 8, "x86_64-cpu");
	add_type(types, &n_types, 8, "max-x86_64-cpu");
	for (int i = 0; i < n_types; i++)
		if (look_in_type(q, types[i], names, info) < 0)
			return -1;
	qmp_quit(q);
	return 0;
}

static void probe_qemu(const struct vmm_options *opts, const char *const *names, struct vmm_info *info)
{
	char *const argv[] = {
		info->path, "-machine", "none", "-nodefaults", "-display", "none",
		"-accel", "tcg", "-qmp", "stdio", NULL,
	};
	char hint[256];
	_cleanup_(qmp_closep) struct qmp q;

	snprintf(hint, sizeof(hint), "check that qemu= in %s names a qemu-system-x86_64 binary", SEOIB_CONFIG_PATH);
	if (qmp_init(&q, info->path, hint, opts->timeout_ms ? opts->timeout_ms : VMM_DEFAULT_TIMEOUT_MS,
		     info->error) < 0 ||
	    qmp_spawn(&q, argv) < 0 || ask_qemu(&q, names, info) < 0) {
		info->n_controls = 0;
		info->version[0] = '\0';
		return;
	}
	info->found = true;
	info->can_set_state = info->n_controls > 0;
}

/* ---- the cache ---- */

static void cache_name(const char *path, char out[], size_t size)
{
	snprintf(out, size, "vmm-%016llx.json", vmm_cache_hash(path, VMM_CACHE_HASH_SEED));
}

static json_object *names_to_json(const char *const *names)
{
	json_object *array = json_object_new_array();

	for (; *names; names++)
		json_object_array_add(array, json_object_new_string(*names));
	return array;
}

static bool same_names(json_object *cached, const char *const *names)
{
	size_t i = 0;

	if (!json_object_is_type(cached, json_type_array))
		return false;
	for (; names[i]; i++) {
		json_object *name = json_object_array_get_idx(cached, i);
		if (!json_object_is_type(name, json_type_string) || strcmp(json_object_get_string(name), names[i]))
			return false;
	}
	return i == json_object_array_length(cached);
}

static bool cache_controls(json_object *controls, struct vmm_info *info)
{
	size_t n = json_object_array_length(controls);

	if (n > VMM_CONTROLS_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(controls, i);
		if (!json_object_is_type(c, json_type_string) || strlen(json_object_get_string(c)) >= VMM_NAME_MAX)
			return false;
		snprintf(info->controls[i], VMM_NAME_MAX, "%s", json_object_get_string(c));
	}
	info->n_controls = (int)n;
	return true;
}

static bool cache_machine_types(json_object *types, struct vmm_info *info)
{
	size_t n = json_object_array_length(types);

	if (n > VMM_MACHINE_TYPES_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		json_object *t = json_object_array_get_idx(types, i);
		if (!json_object_is_type(t, json_type_string) || !vmm_machine_type_name_valid(json_object_get_string(t)))
			return false;
		snprintf(info->machine_types[i], VMM_MACHINE_NAME_MAX, "%s", json_object_get_string(t));
	}
	info->n_machine_types = (int)n;
	return true;
}

/* The first control's value type and default; absent or malformed ones
 * read as "not reported", as the probe itself records them. */
static void cache_property(json_object *entry, struct vmm_info *info)
{
	json_object *type = vmm_cache_get(entry, "property_type", json_type_string);
	json_object *def = vmm_cache_get(entry, "property_default", json_type_string);

	if (type && strlen(json_object_get_string(type)) < sizeof(info->property.value_type))
		snprintf(info->property.value_type, sizeof(info->property.value_type), "%s", json_object_get_string(type));
	if (def && strlen(json_object_get_string(def)) < sizeof(info->property.default_value))
		snprintf(info->property.default_value, sizeof(info->property.default_value), "%s",
			 json_object_get_string(def));
}

/* Does the binary itself contain every cached control's property name? A
 * QOM property is registered under a string literal of the binary, so an
 * entry claiming a control the binary never names is forged or stale: the
 * cache may save a QEMU start, never vouch for what the binary lacks. */
static bool binary_backs_controls(const struct vmm_info *info)
{
	_cleanup_close_ int fd = open(info->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;
	void *map;
	bool ok = true;

	if (info->n_controls == 0)
		return true;
	if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    st.st_size > VMM_BINARY_SCAN_MAX || (unsigned long long)st.st_ino != info->ino ||
	    (unsigned long long)st.st_dev != info->dev)
		return false;
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED)
		return false;
	for (int i = 0; ok && i < info->n_controls; i++) {
		const char *property = strrchr(info->controls[i], '.');

		property = property ? property + 1 : info->controls[i];
		ok = *property && memmem(map, (size_t)st.st_size, property, strlen(property)) != NULL;
	}
	munmap(map, (size_t)st.st_size);
	return ok;
}

static void identity_of(const struct vmm_info *info, struct vmm_identity *id)
{
	*id = (struct vmm_identity){ info->size, info->mtime_ns, info->ctime_ns, info->dev, info->ino };
}

static bool cache_entry_matches(json_object *entry, const char *const *names, struct vmm_info *info)
{
	json_object *schema, *version, *controls, *types;
	struct vmm_identity id;

	if (!json_object_is_type(entry, json_type_object))
		return false;
	identity_of(info, &id);
	schema = vmm_cache_get(entry, "schema", json_type_string);
	version = vmm_cache_get(entry, "version", json_type_string);
	controls = vmm_cache_get(entry, "controls", json_type_array);
	types = vmm_cache_get(entry, "machine_types", json_type_array);
	return schema && version && controls && types && !strcmp(json_object_get_string(schema), VMM_CACHE_SCHEMA) &&
	       vmm_identity_matches_json(entry, info->path, &id) &&
	       same_names(json_object_object_get(entry, "control_names"), names) &&
	       strlen(json_object_get_string(version)) < sizeof(info->version) && cache_controls(controls, info) &&
	       cache_machine_types(types, info) &&
	       (snprintf(info->version, sizeof(info->version), "%s", json_object_get_string(version)), true);
}

/* info filled from a parsed cache entry when it matches, else left empty. */
static bool cache_entry_take(json_object *entry, const char *const *names, struct vmm_info *info)
{
	if (!cache_entry_matches(entry, names, info)) {
		info->n_controls = 0;
		info->n_machine_types = 0;
		info->version[0] = '\0';
		return false;
	}
	cache_property(entry, info);
	return true;
}

bool vmm_cache_entry_parse(const char *text, size_t len, const char *const *names, struct vmm_info *info)
{
	_cleanup_(json_object_putp) json_object *entry = NULL;
	char err[SEOIB_MESSAGE_MAX];

	return json_parse_text(text, len, &entry, err) == 0 && cache_entry_take(entry, names, info);
}

/* The cache is a hint, read only from a regular file of our own in a
 * directory of our own (see vmm_probe), bounded, and counted only when
 * every key matches the binary's identity (path, device, inode, size,
 * mtime and ctime; ctime cannot be set back by anyone) and the binary backs
 * each control it lists. Anything else is re-probed: a corrupt or forged
 * cache is never trusted. */
static bool cache_load(int dfd, const char *name, const char *const *names, struct vmm_info *info)
{
	_cleanup_(json_object_putp) json_object *entry =
		vmm_cache_read(dfd, name, VMM_CACHE_MAX_BYTES, "VMM cache entry", info->cache_note);

	if (!entry || !cache_entry_take(entry, names, info))
		return false;
	if (!binary_backs_controls(info)) {
		info->n_controls = 0;
		info->n_machine_types = 0;
		info->version[0] = '\0';
		memset(&info->property, 0, sizeof(info->property));
		return false;
	}
	info->found = true;
	info->from_cache = true;
	info->can_set_state = info->n_controls > 0;
	return true;
}

static json_object *cache_entry(const char *const *names, const struct vmm_info *info)
{
	json_object *entry = json_object_new_object();
	json_object *controls = json_object_new_array();
	json_object *types = json_object_new_array();
	struct vmm_identity id;

	identity_of(info, &id);
	json_object_object_add(entry, "schema", json_object_new_string(VMM_CACHE_SCHEMA));
	vmm_identity_add_json(entry, info->path, &id);
	json_object_object_add(entry, "control_names", names_to_json(names));
	json_object_object_add(entry, "version", json_object_new_string(info->version));
	for (int i = 0; i < info->n_controls; i++)
		json_object_array_add(controls, json_object_new_string(info->controls[i]));
	json_object_object_add(entry, "controls", controls);
	json_object_object_add(entry, "property_type", json_object_new_string(info->property.value_type));
	json_object_object_add(entry, "property_default", json_object_new_string(info->property.default_value));
	for (int i = 0; i < info->n_machine_types; i++)
		json_object_array_add(types, json_object_new_string(info->machine_types[i]));
	json_object_object_add(entry, "machine_types", types);
	return entry;
}

static void cache_store(int dfd, const char *name, const char *const *names, struct vmm_info *info)
{
	_cleanup_(json_object_putp) json_object *entry = cache_entry(names, info);

	vmm_cache_write(dfd, name, entry, "VMM cache entry", info->cache_note);
}

/* ---- entry points ---- */

static int read_identity(struct vmm_info *info)
{
	struct vmm_identity id;
	int r = vmm_identity_read(info->path, &id);

	if (r == -ENOENT) {
		sentence_format(info->error, sizeof(info->error),
			 "QEMU not found at %s; install qemu-system-x86 or set qemu= in %s", info->path,
			 SEOIB_CONFIG_PATH);
		return -1;
	}
	if (r == -ENOEXEC) {
		sentence_format(info->error, sizeof(info->error),
			 "QEMU at %s is not an executable file; fix its mode or set qemu= in %s", info->path,
			 SEOIB_CONFIG_PATH);
		return -1;
	}
	if (r < 0) {
		sentence_format(info->error, sizeof(info->error),
			 "cannot inspect QEMU at %s: %s; set qemu= in %s to a readable binary", info->path,
			 strerror(-r), SEOIB_CONFIG_PATH);
		return -1;
	}
	info->size = id.size;
	info->mtime_ns = id.mtime_ns;
	info->ctime_ns = id.ctime_ns;
	info->dev = id.dev;
	info->ino = id.ino;
	return 0;
}

void vmm_probe(const struct vmm_options *opts, struct vmm_info *info)
{
	const char *const *names = opts->control_names ? opts->control_names : default_control_names;
	_cleanup_close_ int dfd = -1;
	char name[64];

	memset(info, 0, sizeof(*info));
	snprintf(info->path, sizeof(info->path), "%s", opts->path ? opts->path : SEOIB_DEFAULT_QEMU);
	if (read_identity(info) < 0)
		return;
	cache_name(info->path, name, sizeof(name));
	if (opts->cache_dir) {
		dfd = vmm_cache_open_dir(opts->cache_dir, info->cache_note);
		if (dfd >= 0 && cache_load(dfd, name, names, info)) {
			vmm_model_derive(opts, info);
			return;
		}
	}
	probe_qemu(opts, names, info);
	if (info->found && dfd >= 0)
		cache_store(dfd, name, names, info);
	vmm_model_derive(opts, info);
}

bool vmm_machine_type_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= VMM_MACHINE_NAME_MAX)
		return false;
	for (const char *p = name; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '-' ||
		      *p == '.' || *p == '_'))
			return false;
	return true;
}

bool vmm_has_machine_type(const struct vmm_info *info, const char *machine)
{
	for (int i = 0; i < info->n_machine_types; i++)
		if (!strcmp(info->machine_types[i], machine))
			return true;
	return false;
}

static const char *writable_dir(const char *dir)
{
	return access(dir, W_OK) == 0 ? dir : NULL;
}

const char *vmm_default_cache_dir(char buf[], size_t size)
{
	const char *xdg = getenv("XDG_CACHE_HOME");
	const char *home = getenv("HOME");
	int n;

	if (writable_dir(SEOIB_CACHEDIR))
		return (size_t)snprintf(buf, size, "%s", SEOIB_CACHEDIR) < size ? buf : NULL;
	/* XDG Base Directory: a relative $XDG_CACHE_HOME is invalid and ignored. */
	if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/seoib", xdg);
	else if (home && home[0] == '/')
		n = snprintf(buf, size, "%s/.cache/seoib", home);
	else
		return NULL;
	return n >= 0 && (size_t)n < size ? buf : NULL;
}
