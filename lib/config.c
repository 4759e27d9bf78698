/* /etc/seoib/seoib.conf: "key = value" lines, '#' comments (docs/seoib.conf.5).
 * Strict on purpose: an unknown key or a bad value is an error naming file and
 * line, because a typo silently ignored would change what the hook enforces. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/cleanup.h"
#include "seoib/config.h"

/* Where a line's error is reported: "FILE:LINE: ". */
struct config_line {
	const char *path;
	unsigned number;
	char *err;
};

typedef int (*config_setter)(struct seoib_config *cfg, const char *value, const struct config_line *at);

struct config_key {
	const char *name;
	config_setter set;
};

static int line_error(const struct config_line *at, const char *what, const char *key, const char *value)
{
	snprintf(at->err, SEOIB_MESSAGE_MAX, "%s:%u: %s '%s' for %s; see seoib.conf(5) for the accepted values",
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

/* A probe must finish; an hour is far beyond any sane bound. */
static int set_probe_timeout(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (parse_unsigned(value, 3600000, &cfg->probe_timeout_ms) < 0 || cfg->probe_timeout_ms < 100)
		return line_error(at, "expected milliseconds between 100 and 3600000, not", "probe-timeout-ms", value);
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

static int set_hook_mode(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (strcmp(value, "enforce") == 0)
		cfg->hook_mode = HOOK_ENFORCE;
	else if (strcmp(value, "warn") == 0)
		cfg->hook_mode = HOOK_WARN;
	else
		return line_error(at, "expected enforce or warn, not", "hook-mode", value);
	return 0;
}

static int set_on_error(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (strcmp(value, "allow") == 0)
		cfg->on_error = ON_ERROR_ALLOW;
	else if (strcmp(value, "deny") == 0)
		cfg->on_error = ON_ERROR_DENY;
	else
		return line_error(at, "expected allow or deny, not", "on-error", value);
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

static int set_etcd_endpoints(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
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
	return copy_path(cfg->etcd_ca, sizeof(cfg->etcd_ca), value, "etcd-ca", at);
}

static int set_etcd_cert(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return copy_path(cfg->etcd_cert, sizeof(cfg->etcd_cert), value, "etcd-cert", at);
}

static int set_etcd_key(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return copy_path(cfg->etcd_key, sizeof(cfg->etcd_key), value, "etcd-key", at);
}

static int set_etcd_user(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return copy_text(cfg->etcd_user, sizeof(cfg->etcd_user), value, "etcd-user", at);
}

static int set_etcd_password_file(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return copy_path(cfg->etcd_password_file, sizeof(cfg->etcd_password_file), value, "etcd-password-file", at);
}

/* Empty = export off. */
static int set_optional_path(char *dst, size_t size, const char *value, const char *key, const struct config_line *at)
{
	if (value[0] == '\0') {
		dst[0] = '\0';
		return 0;
	}
	return copy_path(dst, size, value, key, at);
}

static int set_nfd_features_file(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return set_optional_path(cfg->nfd_features_file, sizeof(cfg->nfd_features_file), value, "nfd-features-file", at);
}

static int set_prometheus_textfile(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	return set_optional_path(cfg->prometheus_textfile, sizeof(cfg->prometheus_textfile), value,
				 "prometheus-textfile", at);
}

/* Where seoibd watches the guests (libvirt_watch.c); "" turns it off. */
static int set_libvirt_uri(struct seoib_config *cfg, const char *value, const struct config_line *at)
{
	if (strlen(value) >= sizeof(cfg->libvirt_uri))
		return line_error(at, "too long", "libvirt-uri", value);
	snprintf(cfg->libvirt_uri, sizeof(cfg->libvirt_uri), "%s", value);
	return 0;
}

static const struct config_key config_keys[] = {
	{"qemu", set_qemu},
	{"vmm-control", set_vmm_control},
	{"vmm-model", set_vmm_model},
	{"behaviour-probe", set_behaviour_probe},
	{"probe-timeout-ms", set_probe_timeout},
	{"reprobe-interval", set_reprobe_interval},
	{"hook-mode", set_hook_mode},
	{"on-error", set_on_error},
	{"max-record-age", set_max_record_age},
	{"record-path", set_record_path},
	{"ssh-connect-timeout", set_ssh_connect_timeout},
	{"etcd-endpoints", set_etcd_endpoints},
	{"etcd-prefix", set_etcd_prefix},
	{"etcd-lease-ttl", set_etcd_lease_ttl},
	{"etcd-ca", set_etcd_ca},
	{"etcd-cert", set_etcd_cert},
	{"etcd-key", set_etcd_key},
	{"etcd-user", set_etcd_user},
	{"etcd-password-file", set_etcd_password_file},
	{"nfd-features-file", set_nfd_features_file},
	{"prometheus-textfile", set_prometheus_textfile},
	{"libvirt-uri", set_libvirt_uri},
};

void seoib_config_defaults(struct seoib_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	snprintf(cfg->qemu_path, sizeof(cfg->qemu_path), "%s", SEOIB_DEFAULT_QEMU);
	cfg->n_vmm_controls = 1;
	snprintf(cfg->vmm_controls[0], sizeof(cfg->vmm_controls[0]), "seoib-policy");
	cfg->behaviour_probe = true;
	cfg->probe_timeout_ms = 10000;
	cfg->reprobe_interval_s = 0;
	cfg->hook_mode = HOOK_ENFORCE;
	cfg->on_error = ON_ERROR_ALLOW;
	cfg->max_record_age_s = 0;
	snprintf(cfg->record_path, sizeof(cfg->record_path), "%s/host.json", SEOIB_RUNDIR);
	cfg->ssh_connect_timeout_s = 5;
	snprintf(cfg->etcd_prefix, sizeof(cfg->etcd_prefix), "/seoib/v1/");
	cfg->etcd_lease_ttl_s = 60;
	snprintf(cfg->libvirt_uri, sizeof(cfg->libvirt_uri), "qemu:///system");
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
		snprintf(at->err, SEOIB_MESSAGE_MAX, "%s:%u: expected 'key = value', not '%s'; see seoib.conf(5)",
			 at->path, at->number, text);
		return -1;
	}
	*eq = '\0';
	key = trim(text);
	value = trim(eq + 1);
	for (size_t i = 0; i < ELEMENTSOF(config_keys); i++)
		if (strcmp(key, config_keys[i].name) == 0)
			return config_keys[i].set(cfg, value, at);
	snprintf(at->err, SEOIB_MESSAGE_MAX, "%s:%u: unknown key '%s'; see seoib.conf(5) for the keys",
		 at->path, at->number, key);
	return -1;
}

int seoib_config_load(const char *path, struct seoib_config *cfg, char err[SEOIB_MESSAGE_MAX])
{
	_cleanup_fclose_ FILE *f = NULL;
	_cleanup_free_ char *line = NULL;
	size_t size = 0;
	struct config_line at = {.path = path ? path : SEOIB_CONFIG_PATH, .err = err};

	seoib_config_defaults(cfg);
	err[0] = '\0';
	f = fopen(at.path, "re");
	if (!f) {
		if (errno == ENOENT) /* no file: the defaults are the configuration */
			return 0;
		snprintf(err, SEOIB_MESSAGE_MAX, "cannot read %s: %s; check its permissions", at.path,
			 strerror(errno));
		return -1;
	}
	while (getline(&line, &size, f) >= 0) {
		at.number++;
		if (apply_line(cfg, line, &at) < 0)
			return -1;
	}
	if (ferror(f)) { /* e.g. EISDIR: a directory opens but does not read */
		snprintf(err, SEOIB_MESSAGE_MAX, "cannot read %s: %s; point to a configuration file", at.path,
			 strerror(errno));
		return -1;
	}
	return 0;
}
