/* lib/config.c: defaults, every key, and errors that name file and line. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "seoib/cleanup.h"
#include "seoib/config.h"

static char config_path[64];

static void write_config(const char *text)
{
	_cleanup_close_ int fd = -1;

	snprintf(config_path, sizeof(config_path), "/tmp/seoib-config-test.XXXXXX");
	fd = mkstemp(config_path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
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
	assert_int_equal(cfg.reprobe_interval_s, 0);
	assert_int_equal(cfg.hook_mode, HOOK_ENFORCE);
	assert_int_equal(cfg.on_error, ON_ERROR_ALLOW);
	assert_int_equal(cfg.max_record_age_s, 0);
	assert_string_equal(cfg.record_path, "/run/seoib/host.json");
	assert_int_equal(cfg.ssh_connect_timeout_s, 5);
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
			      "hook-mode = warn\n"
			      "on-error = deny\n"
			      "max-record-age = 600\n"
			      "record-path = /tmp/x/host.json\n"
			      "ssh-connect-timeout = 9\n"
			      "vmm-model = automatic\n",
			      &cfg, err),
			 0);
	assert_string_equal(cfg.qemu_path, "/opt/qemu/bin/qemu-system-x86_64");
	assert_int_equal(cfg.n_vmm_controls, 2);
	assert_string_equal(cfg.vmm_controls[1], "eoi-broadcast");
	assert_false(cfg.behaviour_probe);
	assert_int_equal(cfg.probe_timeout_ms, 2500);
	assert_int_equal(cfg.reprobe_interval_s, 3600);
	assert_int_equal(cfg.hook_mode, HOOK_WARN);
	assert_int_equal(cfg.on_error, ON_ERROR_DENY);
	assert_int_equal(cfg.max_record_age_s, 600);
	assert_string_equal(cfg.record_path, "/tmp/x/host.json");
	assert_int_equal(cfg.ssh_connect_timeout_s, 9);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing_file_is_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_errors_name_file_and_line),
		cmocka_unit_test(test_unreadable_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
