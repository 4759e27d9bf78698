/* /etc/seoib/seoib.conf: "key = value" lines, '#' comments (docs/seoib.conf.5).
 * Strict on purpose: an unknown key or a bad value is an error naming file and
 * line, because a typo silently ignored would change what the hook enforces. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/config.h"
#include "seoib/fileio.h"
#include "seoib/json_util.h"
#include "seoib/sentence.h"
#include "seoib/string_table.h"

/* Where a line's error is reported: "FILE:LINE: ". */
struct config_line {
	const char *path;
	unsigned number;
	char *err;
};

typedef int (*config_setter)(struct seoib_config *cfg, const char *value, const struct config_line *at);

/* How a key's value is written back as seoib.conf text (seoib_config_to_json()). */
enum key_kind {
	KEY_TEXT,     /* a char array at offset */
	KEY_UNSIGNED, /* an unsigned at offset */
	KEY_YES_NO,   /* a bool at offset */
	KEY_HOOK_MODE,
	KEY_ON_ERROR,
	KEY_VMM_CONTROL,
	KEY_VMM_MODEL,
};

struct config_key {
	const char *name;
	config_setter set;
	enum key_kind kind;
	size_t offset;
};

static int line_error(const struct config_line *at, const char *what, const char *key, const char *value)
{
	sentence_format(at->err, SEOIB_MESSAGE_MAX, "%s:%u: %s '%s' for %s; see seoib.conf(5) for the accepted values",
		 at->path, at->number, what, value, key);
	return -1;
}

static int parse_unsigned(const char *value, unsigned long max, unsigned *out)
{
	char *end = NULL;
	unsigned long v;

	if (!isdigit((unsigned char)value[0]))
		return -1;
	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return -1;
	*out = (unsigned)v;
	return 0;
}

static int parse_yes_no(const char *value, bool *out)
{
	static const char *const yes[] = {"yes", "true", "on", "1"};
	static const char *const no[] = {"no", "false", "off", "0"};

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcmp(value, yes[i]) == 0)
			return *out = true, 0;
		if (strcmp(value, no[i]) == 0)
			return *out = false, 0;
	}
	return -1;
}

static int copy_path(char *dst, size_t size, const char *value, const char *key, const struct config_line *at)
{
	if (value[0] != '/')
		return line_error(at, "not an absolute path", key, value);
	if (strlen(value) >= size)
		return line_error(at, "path too long", key, value);
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

/* Empty = not set (an export off, no TLS file): the built-in default of
 * these keys, so that the shipped file can show it. */
static int set_optional_path(char *dst, size_t size, const char *value, const char *key, const struct config_line *at)
{
	if (value[0] == '\0') {
		dst[0] = '\0';
		return 0;
	}
	return copy_path(dst, size, value, key, at);
}

static int set_qemu(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return copy_path(cfg->qemu_path, sizeof(cfg->qemu_path), value, "qemu", at);
}

static int set_record_path(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return copy_path(cfg->record_path, sizeof(cfg->record_path), value, "record-path", at);
}

/* A space-separated list of QOM property names the VMM probe looks for. */
static int set_vmm_control(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;
	int n = 0;

	if (!copy)
		return line_error(at, "out of memory reading", "vmm-control", value);
	for (char *name = strtok_r(copy, " \t", &save); name; name = strtok_r(NULL, " \t", &save)) {
		if (n == VMM_CONTROLS_MAX || strlen(name) >= VMM_NAME_MAX)
			return line_error(at, "too many or too long names", "vmm-control", value);
		memcpy(cfg->vmm_controls[n++], name, strlen(name) + 1);
	}
	if (n == 0)
		return line_error(at, "empty list", "vmm-control", value);
	cfg->n_vmm_controls = n;
	return 0;
}

/* How this host's QEMU chooses the state, for QEMUs the probe cannot tell
 * apart (an RFC-style automatic QEMU has no property to find). */
static int set_vmm_model(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	int m = vmm_model_from_string(value);

	if (strcmp(value, "probe") == 0) {
		cfg->vmm_model_set = false;
		return 0;
	}
	if (m < 0)
		return line_error(at, "expected probe, none, automatic or property, not", "vmm-model", value);
	cfg->vmm_model_set = true;
	cfg->vmm_model = m;
	return 0;
}

static int set_behaviour_probe(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (parse_yes_no(value, &cfg->behaviour_probe) < 0)
		return line_error(at, "expected yes or no, not", "behaviour-probe", value);
	return 0;
}

int seoib_config_parse_probe_timeout(const char *value, unsigned *ms)
{
	unsigned v;

	if (parse_unsigned(value, SEOIB_PROBE_TIMEOUT_MAX_MS, &v) < 0 || v < SEOIB_PROBE_TIMEOUT_MIN_MS)
		return -1;
	*ms = v;
	return 0;
}

static int set_probe_timeout(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (seoib_config_parse_probe_timeout(value, &cfg->probe_timeout_ms) < 0)
		return line_error(at,
				  "expected milliseconds between " SEOIB_STRINGIFY(SEOIB_PROBE_TIMEOUT_MIN_MS) " and "
				  SEOIB_STRINGIFY(SEOIB_PROBE_TIMEOUT_MAX_MS) ", not", "probe-timeout-ms", value);
	return 0;
}

static int set_reprobe_interval(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (parse_unsigned(value, 365u * 24 * 3600, &cfg->reprobe_interval_s) < 0)
		return line_error(at, "expected seconds (0 = off), not", "reprobe-interval", value);
	return 0;
}

static int set_max_record_age(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (parse_unsigned(value, UINT_MAX, &cfg->max_record_age_s) < 0)
		return line_error(at, "expected seconds (0 = no limit), not", "max-record-age", value);
	return 0;
}

static int set_ssh_connect_timeout(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (parse_unsigned(value, 3600, &cfg->ssh_connect_timeout_s) < 0 || cfg->ssh_connect_timeout_s == 0)
		return line_error(at, "expected seconds between 1 and 3600, not", "ssh-connect-timeout", value);
	return 0;
}

static const char *const hook_mode_table[] = {
	[HOOK_ENFORCE] = "enforce",
	[HOOK_WARN] = "warn",
};
static const char *const on_error_table[] = {
	[ON_ERROR_ALLOW] = "allow",
	[ON_ERROR_DENY] = "deny",
};

DEFINE_STRING_TABLE_LOOKUP(hook_mode, enum hook_mode)
DEFINE_STRING_TABLE_LOOKUP(on_error, enum on_error)

static int set_hook_mode(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	int m = hook_mode_from_string(value);

	if (m < 0)
		return line_error(at, "expected enforce or warn, not", "hook-mode", value);
	cfg->hook_mode = m;
	return 0;
}

static int set_on_error(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	int e = on_error_from_string(value);

	if (e < 0)
		return line_error(at, "expected allow or deny, not", "on-error", value);
	cfg->on_error = e;
	return 0;
}

/* Fleet inventory keys (docs/fleet.md). */
static int copy_text(char *dst, size_t size, const char *value, const char *key, const struct config_line *at)
{
	if (strlen(value) >= size)
		return line_error(at, "value too long", key, value);
	memcpy(dst, value, strlen(value) + 1);
	return 0;
}

/* Each URL must be one etcd's client API can be (http or https with a
 * host): anything else, such as file:///etc/passwd, would hand libcurl a
 * scheme that reads local files. Checked here, at load, so that
 * --check-config catches it; lib/fleet/etcd_client.c splits the list the same way. */
static int check_endpoint(const char *url)
{
	const char *rest = strncmp(url, "http://", 7) == 0 ? url + 7 : strncmp(url, "https://", 8) == 0 ? url + 8 : NULL;

	if (!rest || !*rest || *rest == '/' || *rest == ':' || strlen(url) >= SEOIB_ETCD_URL_MAX)
		return -1;
	for (const char *p = url; *p; p++)
		if (!isgraph((unsigned char)*p))
			return -1;
	return 0;
}

static int set_etcd_endpoints(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	_cleanup_free_ char *copy = strdup(value);
	char *save = NULL;
	int n = 0;

	if (!copy)
		return line_error(at, "out of memory reading", "etcd-endpoints", value);
	for (char *url = strtok_r(copy, ", \t", &save); url; url = strtok_r(NULL, ", \t", &save)) {
		if (check_endpoint(url) < 0) {
			sentence_format(at->err, SEOIB_MESSAGE_MAX, "%s:%u: etcd endpoint '%s' is not an http:// or https:// "
				 "URL with a host; see seoib.conf(5)", at->path, at->number, url);
			return -1;
		}
		if (++n > SEOIB_ETCD_ENDPOINTS_MAX)
			return line_error(at, "more than " SEOIB_STRINGIFY(SEOIB_ETCD_ENDPOINTS_MAX) " URLs in",
					  "etcd-endpoints", value);
	}
	return copy_text(cfg->etcd_endpoints, sizeof(cfg->etcd_endpoints), value, "etcd-endpoints", at);
}

static int set_etcd_prefix(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (value[0] != '/' || value[strlen(value) - 1] != '/')
		return line_error(at, "expected a key prefix starting and ending with '/', not", "etcd-prefix", value);
	return copy_text(cfg->etcd_prefix, sizeof(cfg->etcd_prefix), value, "etcd-prefix", at);
}

static int set_etcd_lease_ttl(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	/* etcd's minimum TTL is its election timeout rounded up (a few s). */
	if (parse_unsigned(value, 86400, &cfg->etcd_lease_ttl_s) < 0 || cfg->etcd_lease_ttl_s < 2)
		return line_error(at, "expected seconds from 2 to 86400, not", "etcd-lease-ttl", value);
	return 0;
}

static int set_etcd_ca(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return set_optional_path(cfg->etcd_ca, sizeof(cfg->etcd_ca), value, "etcd-ca", at);
}

static int set_etcd_cert(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return set_optional_path(cfg->etcd_cert, sizeof(cfg->etcd_cert), value, "etcd-cert", at);
}

static int set_etcd_key(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return set_optional_path(cfg->etcd_key, sizeof(cfg->etcd_key), value, "etcd-key", at);
}

static int set_etcd_user(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return copy_text(cfg->etcd_user, sizeof(cfg->etcd_user), value, "etcd-user", at);
}

static int set_etcd_password_file(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return set_optional_path(cfg->etcd_password_file, sizeof(cfg->etcd_password_file), value, "etcd-password-file", at);
}

/* Each consumer reads only some names of its directory, and says nothing of
 * the others: an export it never reads must be an error, not a file that
 * is written and ignored. NFD's local source skips names starting with '.'
 * (source/local/local.go); node_exporter's textfile collector reads only
 * "*.prom" (collector/textfile.go); nova-compute only "*.yaml"
 * (nova/compute/provider_config.py). */
static int check_export_name(const char *value, const char *key, const char *suffix, const char *consumer,
			     const struct config_line *at)
{
	const char *slash = strrchr(value, '/');
	const char *name = slash ? slash + 1 : value;
	size_t n = strlen(name), k = suffix ? strlen(suffix) : 0;
	char what[SEOIB_MESSAGE_MAX];

	if (value[0] == '\0')
		return 0;
	if (name[0] == '.' || n <= k || (suffix && strcmp(name + n - k, suffix) != 0)) {
		if (suffix)
			sentence_format(what, sizeof(what), "%s reads only files named '*%s' that do not start with '.', not",
				 consumer, suffix);
		else
			sentence_format(what, sizeof(what), "%s reads only files whose name does not start with '.', not",
				 consumer);
		return line_error(at, what, key, value);
	}
	return 0;
}

static int set_nfd_features_file(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (check_export_name(value, "nfd-features-file", NULL, "node-feature-discovery", at) < 0)
		return -1;
	return set_optional_path(cfg->nfd_features_file, sizeof(cfg->nfd_features_file), value, "nfd-features-file", at);
}

static int set_prometheus_textfile(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (check_export_name(value, "prometheus-textfile", ".prom", "node_exporter's textfile collector", at) < 0)
		return -1;
	return set_optional_path(cfg->prometheus_textfile, sizeof(cfg->prometheus_textfile), value,
				 "prometheus-textfile", at);
}

static int set_nova_provider_file(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (check_export_name(value, "nova-provider-file", ".yaml", "nova-compute", at) < 0)
		return -1;
	return set_optional_path(cfg->nova_provider_file, sizeof(cfg->nova_provider_file), value,
				 "nova-provider-file", at);
}

/* Where seoibd watches the guests (libvirt_watch.c); "" turns it off. */
static int set_libvirt_uri(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (strlen(value) >= sizeof(cfg->libvirt_uri))
		return line_error(at, "too long", "libvirt-uri", value);
	snprintf(cfg->libvirt_uri, sizeof(cfg->libvirt_uri), "%s", value);
	return 0;
}

/* The backend names are the fleet chain's to check (lib/fleet/fleet_chain.c,
 * which knows the table); here only their shape: lower-case words. */
static int set_fleet_backends(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	for (const char *p = value; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == ',' || *p == ' ' || *p == '\t'))
			return line_error(at, "expected backend names such as etcd,ssh,file, not", "fleet-backends", value);
	if (!value[strspn(value, ", \t")])
		return line_error(at, "expected at least one backend name, not", "fleet-backends", value);
	return copy_text(cfg->fleet_backends, sizeof(cfg->fleet_backends), value, "fleet-backends", at);
}

static int set_fleet_directory(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return set_optional_path(cfg->fleet_directory, sizeof(cfg->fleet_directory), value, "fleet-directory", at);
}

#define AT(field) offsetof(struct seoib_config, field)
static const struct config_key config_keys[] = {
	{"qemu", set_qemu, KEY_TEXT, AT(qemu_path)},
	{"vmm-control", set_vmm_control, KEY_VMM_CONTROL, 0},
	{"vmm-model", set_vmm_model, KEY_VMM_MODEL, 0},
	{"behaviour-probe", set_behaviour_probe, KEY_YES_NO, AT(behaviour_probe)},
	{"probe-timeout-ms", set_probe_timeout, KEY_UNSIGNED, AT(probe_timeout_ms)},
	{"reprobe-interval", set_reprobe_interval, KEY_UNSIGNED, AT(reprobe_interval_s)},
	{"hook-mode", set_hook_mode, KEY_HOOK_MODE, 0},
	{"on-error", set_on_error, KEY_ON_ERROR, 0},
	{"max-record-age", set_max_record_age, KEY_UNSIGNED, AT(max_record_age_s)},
	{"record-path", set_record_path, KEY_TEXT, AT(record_path)},
	{"ssh-connect-timeout", set_ssh_connect_timeout, KEY_UNSIGNED, AT(ssh_connect_timeout_s)},
	{"etcd-endpoints", set_etcd_endpoints, KEY_TEXT, AT(etcd_endpoints)},
	{"etcd-prefix", set_etcd_prefix, KEY_TEXT, AT(etcd_prefix)},
	{"etcd-lease-ttl", set_etcd_lease_ttl, KEY_UNSIGNED, AT(etcd_lease_ttl_s)},
	{"etcd-ca", set_etcd_ca, KEY_TEXT, AT(etcd_ca)},
	{"etcd-cert", set_etcd_cert, KEY_TEXT, AT(etcd_cert)},
	{"etcd-key", set_etcd_key, KEY_TEXT, AT(etcd_key)},
	{"etcd-user", set_etcd_user, KEY_TEXT, AT(etcd_user)},
	{"etcd-password-file", set_etcd_password_file, KEY_TEXT, AT(etcd_password_file)},
	{"nfd-features-file", set_nfd_features_file, KEY_TEXT, AT(nfd_features_file)},
	{"prometheus-textfile", set_prometheus_textfile, KEY_TEXT, AT(prometheus_textfile)},
	{"nova-provider-file", set_nova_provider_file, KEY_TEXT, AT(nova_provider_file)},
	{"libvirt-uri", set_libvirt_uri, KEY_TEXT, AT(libvirt_uri)},
	{"fleet-backends", set_fleet_backends, KEY_TEXT, AT(fleet_backends)},
	{"fleet-directory", set_fleet_directory, KEY_TEXT, AT(fleet_directory)},
};
#undef AT

void seoib_config_defaults(struct seoib_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->qemu_path, sizeof(cfg->qemu_path), "%s", SEOIB_DEFAULT_QEMU);
	cfg->n_vmm_controls = 1;
	snprintf(cfg->vmm_controls[0], sizeof(cfg->vmm_controls[0]), "seoib-policy");
	cfg->behaviour_probe = true;
	cfg->probe_timeout_ms = SEOIB_PROBE_TIMEOUT_DEFAULT_MS;
	cfg->reprobe_interval_s = 6 * 3600; /* keeps a running seoibd's record younger than max-record-age */
	cfg->hook_mode = HOOK_WARN; /* a first install warns; enforce is the operator's step (seoib.conf(5), ROLL-OUT) */
	cfg->on_error = ON_ERROR_ALLOW;
	cfg->max_record_age_s = 24 * 3600;
	snprintf(cfg->record_path, sizeof(cfg->record_path), "%s/host.json", SEOIB_RUNDIR);
	cfg->ssh_connect_timeout_s = SEOIB_SSH_CONNECT_TIMEOUT_DEFAULT_S;
	snprintf(cfg->etcd_prefix, sizeof(cfg->etcd_prefix), "/seoib/v1/");
	cfg->etcd_lease_ttl_s = 60;
	snprintf(cfg->libvirt_uri, sizeof(cfg->libvirt_uri), "qemu:///system");
	snprintf(cfg->fleet_backends, sizeof(cfg->fleet_backends), "etcd,ssh");
}

/* One key's value as seoib.conf would spell it. */
static void key_value(const struct seoib_config *cfg, const struct config_key *k, char *buf, size_t size)
{
	const char *base = (const char *)cfg + k->offset;
	size_t used = 0;

	switch (k->kind) {
	case KEY_TEXT: snprintf(buf, size, "%s", base); break;
	case KEY_UNSIGNED: snprintf(buf, size, "%u", *(const unsigned *)(const void *)base); break;
	case KEY_YES_NO: snprintf(buf, size, "%s", *(const bool *)(const void *)base ? "yes" : "no"); break;
	case KEY_HOOK_MODE: snprintf(buf, size, "%s", hook_mode_to_string(cfg->hook_mode)); break;
	case KEY_ON_ERROR: snprintf(buf, size, "%s", on_error_to_string(cfg->on_error)); break;
	case KEY_VMM_MODEL:
		snprintf(buf, size, "%s", cfg->vmm_model_set ? vmm_model_to_string(cfg->vmm_model) : "probe");
		break;
	case KEY_VMM_CONTROL:
		buf[0] = '\0';
		for (int i = 0; i < cfg->n_vmm_controls && used < size; i++)
			used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "", cfg->vmm_controls[i]);
		break;
	}
}

bool seoib_config_record_goes_stale(const struct seoib_config *cfg, char why[SEOIB_MESSAGE_MAX])
{
	why[0] = '\0';
	/* seoibd's timer is reprobe-interval alone (counted from the end of a
	 * probe, which itself takes up to probe-timeout-ms): at or past
	 * max-record-age the record is stale before the next probe. */
	if (cfg->max_record_age_s == 0 ||
	    (cfg->reprobe_interval_s > 0 && cfg->reprobe_interval_s < cfg->max_record_age_s))
		return false;
	if (cfg->reprobe_interval_s == 0)
		sentence_format(why, SEOIB_MESSAGE_MAX,
				"reprobe-interval = 0 turns seoibd's periodic probe off, so this host's record goes stale "
				"max-record-age = %u s after each probe, and the libvirt hook then follows on-error for every "
				"guest; set reprobe-interval below max-record-age (at most half of it), or max-record-age = 0",
				cfg->max_record_age_s);
	else
		sentence_format(why, SEOIB_MESSAGE_MAX,
				"reprobe-interval = %u s is not below max-record-age = %u s, so this host's record goes stale "
				"between seoibd's probes, and the libvirt hook then follows on-error for every guest; set "
				"reprobe-interval below max-record-age (at most half of it)",
				cfg->reprobe_interval_s, cfg->max_record_age_s);
	return true;
}

json_object *seoib_config_to_json(const struct seoib_config *cfg)
{
	json_object *o = json_object_new_object();
	char value[4096];

	for (size_t i = 0; o && i < ELEMENTSOF(config_keys); i++) {
		key_value(cfg, &config_keys[i], value, sizeof(value));
		json_add(o, config_keys[i].name, json_object_new_string(value));
	}
	return o;
}

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

static int apply_line(struct seoib_config *cfg, char *line, const struct config_line *at)
{
	char *text = trim(line);
	char *eq, *key, *value;

	if (text[0] == '\0' || text[0] == '#')
		return 0;
	eq = strchr(text, '=');
	if (!eq) {
		sentence_format(at->err, SEOIB_MESSAGE_MAX, "%s:%u: expected 'key = value', not '%s'; see seoib.conf(5)",
			 at->path, at->number, text);
		return -1;
	}
	*eq = '\0';
	key = trim(text);
	value = trim(eq + 1);
	for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
		if (strcmp(key, config_keys[i].name) == 0)
			return config_keys[i].set(cfg, value, at);
	sentence_format(at->err, SEOIB_MESSAGE_MAX, "%s:%u: unknown key '%s'; see seoib.conf(5) for the keys",
		 at->path, at->number, key);
	return -1;
}

/* Keys that only mean something together: caught at load, not at first use
 * (an etcd user without its password file would fail only when the daemon
 * first publishes, long after --check-config said ok). */
static int check_pairs(const struct seoib_config *cfg, const char *path, char err[SEOIB_MESSAGE_MAX])
{
	static const struct {
		const char *a, *b;
		size_t a_off, b_off;
	} pairs[] = {
		{"etcd-user", "etcd-password-file", offsetof(struct seoib_config, etcd_user),
		 offsetof(struct seoib_config, etcd_password_file)},
		{"etcd-cert", "etcd-key", offsetof(struct seoib_config, etcd_cert),
		 offsetof(struct seoib_config, etcd_key)},
	};

	for (size_t i = 0; i < ELEMENTSOF(pairs); i++) {
		bool a = ((const char *)cfg + pairs[i].a_off)[0] != '\0';
		bool b = ((const char *)cfg + pairs[i].b_off)[0] != '\0';

		if (a != b) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "%s: %s is set but %s is not; set both or neither, see seoib.conf(5)",
				 path, a ? pairs[i].a : pairs[i].b, a ? pairs[i].b : pairs[i].a);
			return -1;
		}
	}
	return 0;
}

/* A NUL byte ends a C string: the lines after it would be read by one
 * parser and not by another, so a file with one is not a configuration. */
static void nul_error(const struct config_line *at)
{
	sentence_format(at->err, SEOIB_MESSAGE_MAX,
		 "%s:%u: contains a NUL byte, so it is not a text file; rewrite that line as text, see seoib.conf(5)",
		 at->path, at->number);
}

/* The whole file is read first: bounded, a regular file only (a FIFO or
 * /dev/zero must fail at once, not hold the hook for its alarm), and with
 * no NUL byte (which would silently cut a value short). */
int seoib_config_load(const char *path, struct seoib_config *cfg, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *text = NULL;
	char inner[SEOIB_MESSAGE_MAX], *line, *next;
	size_t len;
	struct config_line at = {.path = path ? path : SEOIB_CONFIG_PATH, .err = err};

	seoib_config_defaults(cfg);
	err[0] = '\0';
	if (read_regular_file_bounded(AT_FDCWD, at.path, 0, SEOIB_CONFIG_MAX_BYTES, &text, &len, inner) < 0) {
		if (errno == ENOENT) /* no file: the defaults are the configuration */
			return 0;
		sentence_format(err, SEOIB_MESSAGE_MAX, "configuration file %s %s", at.path, inner);
		return -1;
	}
	for (line = text; line < text + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		size_t line_len = nl ? (size_t)(nl - line) : (size_t)(text + len - line);

		next = line + line_len + 1;
		at.number++;
		if (memchr(line, '\0', line_len)) {
			nul_error(&at);
			return -1;
		}
		line[line_len] = '\0';
		if (apply_line(cfg, line, &at) < 0)
			return -1;
	}
	return check_pairs(cfg, at.path, err);
}

/* The keys whose value decides whether the libvirt hook refuses a guest,
 * and what the hook does when a line of one of them cannot be read
 * (docs/seoib.conf.5, "ERRORS"). hook-mode and on-error have a value that
 * refuses more (enforce, deny): the hook takes it and goes on checking, so
 * that a typo never turns enforcement off and never refuses a guest that
 * enforcement would let start. record-path and max-record-age have none:
 * which record, and how old a one, the writer meant is unknown, and the
 * default day may be far older than the limit meant; the hook refuses. */
enum salvage_action { SALVAGE_STRICT, SALVAGE_REFUSE };
#define SALVAGE_UNREADABLE (-2)

static const struct {
	const char *key;
	enum salvage_action action;
} enforcement_keys[] = {
	{"hook-mode", SALVAGE_STRICT},
	{"on-error", SALVAGE_STRICT},
	{"record-path", SALVAGE_REFUSE},
	{"max-record-age", SALVAGE_REFUSE},
};

/* Levenshtein distance of two short key names, capped at 8 characters of
 * difference: enough to tell "hook-mdoe" from "ssh-connect-timeout". */
static size_t key_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), row[64];

	if (la >= ELEMENTSOF(row) || lb >= ELEMENTSOF(row))
		return SIZE_MAX;
	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j], best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			diag = up;
			row[j] = best;
		}
	}
	return row[lb];
}

/* The key as its writer may have meant it: ASCII lower case, '_' and
 * blanks as '-', other bytes (a UTF-8 byte order mark, a no-break space)
 * dropped, so that "ON-ERROR" or a BOM before "on-error" is still near
 * "on-error". Folds in place. */
static char *fold_key(char *key)
{
	char *out = key;

	for (const char *p = key; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == '_' || isblank(c))
			*out++ = '-';
		else if (isascii(c) && isgraph(c))
			*out++ = (char)tolower(c);
	}
	*out = '\0';
	return key;
}

/* Whether folded text, or (for a line with no '=') some prefix of it,
 * is within two edits of key. */
static bool near_key(const char *folded, const char *key, bool prefix)
{
	size_t lk = strlen(key), lf = strlen(folded);
	char head[64];

	if (!prefix)
		return key_distance(folded, key) <= 2;
	for (size_t n = lk > 2 ? lk - 2 : 1; n <= lk + 2 && n <= lf && n < sizeof(head); n++) {
		memcpy(head, folded, n);
		head[n] = '\0';
		if (key_distance(head, key) <= 2)
			return true;
	}
	return false;
}

/* The enforcement key a bad line names or may have meant: the key before
 * its '=' within two edits of one once folded (lower case, '_' and blanks
 * as '-', non-ASCII bytes dropped), or, for a line that is not
 * "key = value" at all, its beginning. Returns its index in
 * enforcement_keys[], -1 when the line meant none of them, or
 * SALVAGE_UNREADABLE (out of memory: it cannot tell, so the hook refuses). */
static int line_enforcement_key(const char *line)
{
	_cleanup_free_ char *copy = strdup(line);
	char *eq, *key;

	if (!copy)
		return SALVAGE_UNREADABLE;
	eq = strchr(copy, '=');
	if (eq)
		*eq = '\0';
	key = fold_key(trim(copy));
	for (size_t i = 0; i < ELEMENTSOF(enforcement_keys); i++)
		if (near_key(key, enforcement_keys[i].key, !eq))
			return (int)i;
	return -1;
}

static void apply_strict(struct seoib_config *cfg, const char *key)
{
	if (strcmp(key, "hook-mode") == 0)
		cfg->hook_mode = HOOK_ENFORCE;
	else if (strcmp(key, "on-error") == 0)
		cfg->on_error = ON_ERROR_DENY;
}

static void salvage_note(seoib_config_note note, void *userdata, const char *line_err, const char *what)
{
	char sentence[SEOIB_MESSAGE_MAX];

	sentence_format(sentence, sizeof(sentence), "%s; meanwhile the libvirt hook %s; correct the line and check the file with 'seoibctl check-config'",
		 line_err, what);
	if (note)
		note(sentence, userdata);
}

int seoib_config_salvage(const char *path, struct seoib_config *cfg, seoib_config_note note, void *userdata,
			 char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_free_ char *text = NULL;
	char line_err[SEOIB_MESSAGE_MAX], inner[SEOIB_MESSAGE_MAX], what[SEOIB_MESSAGE_MAX];
	struct config_line at = {.path = path ? path : SEOIB_CONFIG_PATH, .err = line_err};
	unsigned strict = 0; /* bit i: enforcement_keys[i] is taken at its strict value */
	size_t len;
	int refuse = 0;

	seoib_config_defaults(cfg);
	err[0] = '\0';
	/* The same bounded, regular-file-only read as seoib_config_load(). */
	if (read_regular_file_bounded(AT_FDCWD, at.path, 0, SEOIB_CONFIG_MAX_BYTES, &text, &len, inner) < 0) {
		/* Nothing of it can be trusted, on-error included. */
		sentence_format(err, SEOIB_MESSAGE_MAX, "configuration file %s %s; the hook refuses guests until it reads",
			 at.path, inner);
		return 1;
	}
	if (memchr(text, '\0', len)) {
		/* One reader or another would stop at it: nothing in the file is trusted. */
		at.number = 1;
		for (const char *p = text; *p; p++)
			at.number += *p == '\n';
		nul_error(&at);
		sentence_format(err, SEOIB_MESSAGE_MAX, "%s", line_err);
		return 1;
	}
	for (char *line = text, *next; line < text + len; line = next) {
		char *nl = memchr(line, '\n', (size_t)(text + len - line));
		size_t line_len = nl ? (size_t)(nl - line) : (size_t)(text + len - line);
		_cleanup_free_ char *original = NULL;
		int k;

		next = line + line_len + 1;
		at.number++;
		line[line_len] = '\0';
		original = strdup(line);
		if (apply_line(cfg, line, &at) == 0)
			continue;
		k = original ? line_enforcement_key(original) : SALVAGE_UNREADABLE;
		if (k == -1) {
			salvage_note(note, userdata, line_err, "ignores that line (its key keeps the built-in value) and goes on checking");
		} else if (k >= 0 && enforcement_keys[k].action == SALVAGE_STRICT) {
			strict |= 1u << k;
			sentence_format(what, sizeof(what), "takes %s at its strictest (%s) and goes on checking",
				 enforcement_keys[k].key, strcmp(enforcement_keys[k].key, "hook-mode") == 0 ? hook_mode_to_string(HOOK_ENFORCE)
												    : on_error_to_string(ON_ERROR_DENY));
			salvage_note(note, userdata, line_err, what);
		} else if (!refuse) {
			sentence_format(err, SEOIB_MESSAGE_MAX, "%s", line_err);
			refuse = 1;
		}
	}
	/* After every line: a later good "hook-mode = warn" must not undo the
	 * strict value a bad line may have meant. */
	for (size_t i = 0; i < ELEMENTSOF(enforcement_keys); i++)
		if (strict & (1u << i))
			apply_strict(cfg, enforcement_keys[i].key);
	/* What failed may be a pair of keys (etcd's), which never decides enforcement. */
	if (check_pairs(cfg, at.path, line_err) < 0)
		salvage_note(note, userdata, line_err, "goes on checking (it does not use the fleet inventory's keys)");
	return refuse;
}
