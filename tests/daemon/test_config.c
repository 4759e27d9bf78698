/* lib/config/config.c: defaults, every key, and errors that name file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libgen.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "seoib/cleanup.h"
#include "seoib/config.h"

static char config_path[64];

static void write_config_bytes(const char *text, size_t len)
{
	_cleanup_close_ int fd = -1;

	snprintf(config_path, sizeof(config_path), "/tmp/seoib-config-test.XXXXXX");
	fd = mkstemp(config_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
}

static void write_config(const char *text)
{
	write_config_bytes(text, strlen(text));
}

static int load(const char *text, struct seoib_config *cfg, char err[SEOIB_MESSAGE_MAX])
{
	int r;

	write_config(text);
	r = seoib_config_load(config_path, cfg, err);
	unlink(config_path);
	return r;
}

static void test_missing_file_is_defaults(void **state)
{
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];

	assert_int_equal(seoib_config_load("/nonexistent/seoib.conf", &cfg, err), 0);
	assert_string_equal(cfg.qemu_path, SEOIB_DEFAULT_QEMU);
	assert_int_equal(cfg.n_vmm_controls, 1);
	assert_string_equal(cfg.vmm_controls[0], "seoib-policy");
	assert_true(cfg.behaviour_probe);
	assert_int_equal(cfg.probe_timeout_ms, 10000);
	assert_int_equal(cfg.reprobe_interval_s, 21600);
	assert_int_equal(cfg.hook_mode, HOOK_WARN); /* a first install warns */
	assert_int_equal(cfg.on_error, ON_ERROR_ALLOW);
	assert_int_equal(cfg.max_record_age_s, 86400);
	assert_string_equal(cfg.record_path, "/run/seoib/host.json");
	assert_int_equal(cfg.ssh_connect_timeout_s, 5);
	assert_string_equal(cfg.fleet_backends, "etcd,ssh");
	assert_string_equal(cfg.fleet_directory, "");
	assert_false(cfg.vmm_model_set); /* vmm-model = probe */
}

static void test_every_key(void **state)
{
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];

	assert_int_equal(load("# comment\n\n"
			      "qemu = /opt/qemu/bin/qemu-system-x86_64\n"
			      "  vmm-control =  seoib-policy   eoi-broadcast \n"
			      "behaviour-probe = no\n"
			      "probe-timeout-ms = 2500\n"
			      "reprobe-interval = 3600\n"
			      "hook-mode = enforce\n"
			      "on-error = deny\n"
			      "max-record-age = 600\n"
			      "record-path = /tmp/x/host.json\n"
			      "ssh-connect-timeout = 9\n"
			      "fleet-backends = file, ssh\n"
			      "fleet-directory = /srv/seoib-fleet\n"
			      "vmm-model = automatic\n",
			      &cfg, err),
			 0);
	assert_string_equal(cfg.qemu_path, "/opt/qemu/bin/qemu-system-x86_64");
	assert_int_equal(cfg.n_vmm_controls, 2);
	assert_string_equal(cfg.vmm_controls[1], "eoi-broadcast");
	assert_false(cfg.behaviour_probe);
	assert_int_equal(cfg.probe_timeout_ms, 2500);
	assert_int_equal(cfg.reprobe_interval_s, 3600);
	assert_int_equal(cfg.hook_mode, HOOK_ENFORCE);
	assert_int_equal(cfg.on_error, ON_ERROR_DENY);
	assert_int_equal(cfg.max_record_age_s, 600);
	assert_string_equal(cfg.record_path, "/tmp/x/host.json");
	assert_int_equal(cfg.ssh_connect_timeout_s, 9);
	assert_string_equal(cfg.fleet_backends, "file, ssh");
	assert_string_equal(cfg.fleet_directory, "/srv/seoib-fleet");
	assert_true(cfg.vmm_model_set);
	assert_int_equal(cfg.vmm_model, VMM_MODEL_AUTOMATIC);
	assert_int_equal(load("vmm-model = none\nvmm-model = probe\n", &cfg, err), 0);
	assert_false(cfg.vmm_model_set); /* the last line wins */
}

static void assert_error(const char *text, const char *line_tag, const char *words)
{
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];
	char where[128];

	assert_int_equal(load(text, &cfg, err), -1);
	snprintf(where, sizeof(where), "%s:%s:", config_path, line_tag);
	if (strncmp(err, where, strlen(where)) != 0 || !strstr(err, words))
		fail_msg("error \"%s\" should start with \"%s\" and mention \"%s\"", err, where, words);
}

static void test_errors_name_file_and_line(void **state)
{
	assert_error("hook-mode = warn\nhook-mdoe = warn\n", "2", "unknown key 'hook-mdoe'");
	assert_error("# x\nhook-mode = maybe\n", "2", "'maybe'");
	assert_error("probe-timeout-ms = 10s\n", "1", "'10s'");
	assert_error("probe-timeout-ms = -5\n", "1", "'-5'");
	assert_error("probe-timeout-ms = 99999999999999999999\n", "1", "probe-timeout-ms");
	assert_error("behaviour-probe = perhaps\n", "1", "yes or no");
	assert_error("qemu = qemu-system-x86_64\n", "1", "absolute path");
	assert_error("vmm-control =\n", "1", "empty list");
	assert_error("vmm-model = auto\n", "1", "probe, none, automatic or property");
	assert_error("on-error\n", "1", "key = value");
	assert_error("\n\n\nssh-connect-timeout = 0\n", "4", "ssh-connect-timeout");
	/* Names are the fleet chain's to check; their shape is checked here. */
	assert_error("fleet-backends = etcd;ssh\n", "1", "backend names such as etcd,ssh,file");
	assert_error("fleet-backends = , \n", "1", "at least one backend name");
	assert_error("fleet-directory = fleet\n", "1", "absolute path");
}

static void test_unreadable_path(void **state)
{
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];

	/* A directory: fopen succeeds on Linux but reading fails, or fopen fails
	 * with EISDIR; either way the answer must not be a silent default. */
	if (seoib_config_load("/", &cfg, err) == 0)
		fail_msg("reading a directory as the configuration succeeded");
	assert_non_null(strstr(err, "/"));
}

/* A NUL byte used to end the line early: "warn\0garbage" read as "warn". */
static void test_nul_byte_refused(void **state)
{
	static const char text[] = "on-error = deny\nhook-mode = warn\0garbage\n";
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];
	char where[128];

	write_config_bytes(text, sizeof(text) - 1);
	assert_int_equal(seoib_config_load(config_path, &cfg, err), -1);
	unlink(config_path);
	snprintf(where, sizeof(where), "%s:2: contains a NUL byte", config_path);
	if (strncmp(err, where, strlen(where)) != 0)
		fail_msg("error \"%s\" should start with \"%s\"", err, where);
}

/* Only http and https reach libcurl; the count is bounded like the client's. */
static void test_etcd_endpoints_checked(void **state)
{
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];

	assert_error("etcd-endpoints = file:///etc/passwd\n", "1", "'file:///etc/passwd' is not an http:// or https://");
	assert_error("etcd-endpoints = https://a:2379, gopher://b\n", "1", "'gopher://b'");
	assert_error("etcd-endpoints = http://\n", "1", "with a host");
	assert_error("etcd-endpoints = http:///x\n", "1", "with a host");
	assert_error("etcd-endpoints = a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,q\n", "1", "'a'");
	assert_error("etcd-endpoints = http://a,http://a,http://a,http://a,http://a,http://a,http://a,http://a,"
		     "http://a,http://a,http://a,http://a,http://a,http://a,http://a,http://a,http://a\n",
		     "1", "more than 16");
	assert_int_equal(load("etcd-endpoints = https://etcd1:2379, http://[::1]:2379\n", &cfg, err), 0);
	assert_string_equal(cfg.etcd_endpoints, "https://etcd1:2379, http://[::1]:2379");
}

/* Keys that only work together fail at load, not at the first publish. */
static void test_pairs_checked(void **state)
{
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];

	assert_int_equal(load("etcd-user = seoib\n", &cfg, err), -1);
	assert_non_null(strstr(err, "etcd-user is set but etcd-password-file is not"));
	assert_int_equal(load("etcd-password-file = /etc/seoib/pw\n", &cfg, err), -1);
	assert_non_null(strstr(err, "etcd-password-file is set but etcd-user is not"));
	assert_int_equal(load("etcd-key = /etc/seoib/k.pem\n", &cfg, err), -1);
	assert_non_null(strstr(err, "etcd-key is set but etcd-cert is not"));
	assert_int_equal(load("etcd-user = u\netcd-password-file = /p\netcd-cert = /c\netcd-key = /k\n", &cfg, err), 0);
}

/* /dev/zero never ends and a FIFO never opens: both fail at once. */
static void test_special_files_refused(void **state)
{
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX], fifo[64] = "/tmp/seoib-config-fifo.XXXXXX";

	assert_int_equal(seoib_config_load("/dev/zero", &cfg, err), -1);
	assert_string_equal(err, "configuration file /dev/zero is not a regular file (a character device); "
				 "point to a regular file");
	assert_non_null(mkdtemp(fifo));
	strcat(fifo, "/f");
	assert_int_equal(mkfifo(fifo, 0600), 0);
	assert_int_equal(seoib_config_load(fifo, &cfg, err), -1);
	assert_non_null(strstr(err, "is not a regular file (a FIFO)"));
	unlink(fifo);
	rmdir(dirname(fifo));
}

/* Bigger than any real configuration: refused by its size, unread. */
static void test_size_bounded(void **state)
{
	struct seoib_config cfg;
	char err[SEOIB_MESSAGE_MAX];
	_cleanup_free_ char *big = malloc(SEOIB_CONFIG_MAX_BYTES + 2);

	assert_non_null(big);
	memset(big, '#', SEOIB_CONFIG_MAX_BYTES + 1);
	big[SEOIB_CONFIG_MAX_BYTES + 1] = '\0';
	assert_int_equal(load(big, &cfg, err), -1);
	assert_non_null(strstr(err, "larger than the 65536 it may be"));
}

/* probe-timeout-ms and --timeout share one parser, one range. */
static void test_probe_timeout_range(void **state)
{
	unsigned ms = 7;

	assert_int_equal(seoib_config_parse_probe_timeout("99", &ms), -1);
	assert_int_equal(ms, 7);
	assert_int_equal(seoib_config_parse_probe_timeout("100", &ms), 0);
	assert_int_equal(ms, SEOIB_PROBE_TIMEOUT_MIN_MS);
	assert_int_equal(seoib_config_parse_probe_timeout("3600000", &ms), 0);
	assert_int_equal(ms, SEOIB_PROBE_TIMEOUT_MAX_MS);
	assert_int_equal(seoib_config_parse_probe_timeout("3600001", &ms), -1);
	assert_int_equal(seoib_config_parse_probe_timeout("+500", &ms), -1);
	assert_int_equal(seoib_config_parse_probe_timeout("", &ms), -1);
	assert_error("probe-timeout-ms = 99\n", "1", "between 100 and 3600000");
}

/* The default seoib.conf(5) documents for key, or -1. */
static long man_default(const char *key)
{
	const char *root = getenv("SEOIB_SOURCE_ROOT");
	char path[4096], line[512], want[128];
	_cleanup_fclose_ FILE *f = NULL;
	bool in_key = false;
	const char *d;

	if (!root)
		fail_msg("SEOIB_SOURCE_ROOT is not set (meson test sets it)");
	snprintf(path, sizeof(path), "%s/docs/seoib.conf.5", root);
	snprintf(want, sizeof(want), ".B %s\n", key);
	f = fopen(path, "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strcmp(line, want) == 0)
			in_key = true;
		else if (in_key && (strncmp(line, ".TP", 3) == 0 || strncmp(line, ".SH", 3) == 0))
			return -1;
		else if (in_key && (d = strstr(line, "Default: ")))
			return strtol(d + strlen("Default: "), NULL, 10);
	}
	return -1;
}

/* What the code falls back to is what the manual says. */
static void test_defaults_match_the_manual(void **state)
{
	struct seoib_config cfg;

	seoib_config_defaults(&cfg);
	assert_int_equal(man_default("probe-timeout-ms"), cfg.probe_timeout_ms);
	assert_int_equal(cfg.probe_timeout_ms, SEOIB_PROBE_TIMEOUT_DEFAULT_MS);
	assert_int_equal(man_default("ssh-connect-timeout"), cfg.ssh_connect_timeout_s);
	assert_int_equal(cfg.ssh_connect_timeout_s, SEOIB_SSH_CONNECT_TIMEOUT_DEFAULT_S);
	assert_int_equal(man_default("max-record-age"), cfg.max_record_age_s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_file_is_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_unreadable_path),
		cmocka_unit_test(test_nul_byte_refused),
		cmocka_unit_test(test_etcd_endpoints_checked),
		cmocka_unit_test(test_pairs_checked),
		cmocka_unit_test(test_special_files_refused),
		cmocka_unit_test(test_size_bounded),
		cmocka_unit_test(test_probe_timeout_range),
		cmocka_unit_test(test_defaults_match_the_manual),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
