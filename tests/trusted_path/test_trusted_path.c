/* The ownership rule of every path seoib trusts (lib/util/trusted_path.c),
 * one case a row: a tree built under a fresh directory, the path checked,
 * and the words the answer must hold ("" = the rule holds). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "seoib/trusted_path.h"

#define NOBODY 65534

static char root_dir[] = "/tmp/seoib-trusted-path.XXXXXX";

static void run(const char *what, int r, const char *err, const char *expect)
{
	if (!expect[0] && r != 0)
		fail_msg("%s: refused: %s", what, err);
	if (expect[0] && (r == 0 || !strstr(err, expect)))
		fail_msg("%s: %s, not '%s'", what, r == 0 ? "accepted" : err, expect);
}

static char *at(const char *rel)
{
	static char buf[4][512];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", root_dir, rel);
	return b;
}

static void make_dir(const char *rel, mode_t mode)
{
	assert_int_equal(mkdir(at(rel), mode), 0);
	assert_int_equal(chmod(at(rel), mode), 0); /* past the umask */
}

static void make_file(const char *rel, mode_t mode)
{
	int fd = open(at(rel), O_WRONLY | O_CREAT | O_EXCL, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{}", 2), 2);
	close(fd);
	assert_int_equal(chmod(at(rel), mode), 0);
}

static void own_paths(void **state)
{
	char err[SEOIB_MESSAGE_MAX] = "";
	int fd;

	(void)state;
	make_dir("own", 0755);
	make_file("own/host.json", 0644);
	run("own file", trusted_path_check(at("own/host.json"), 0, err), err, "");
	run("missing file in own directory", trusted_path_check(at("own/absent.json"), 0, err), err, "");
	run("missing directory", trusted_path_check(at("absent/host.json"), 0, err), err, "");
	fd = trusted_path_open_file(at("own/host.json"), 0, NULL, err);
	assert_true(fd >= 0);
	close(fd);
	fd = trusted_path_open_dir(at("own/made/here"), TRUSTED_CREATE, err);
	assert_true(fd >= 0);
	close(fd);
	fd = trusted_path_open_file(at("own/absent.json"), 0, NULL, err);
	assert_int_equal(fd, -1);
	assert_int_equal(errno, ENOENT);

	/* Writable by others: the path itself never; a directory above only
	 * when sticky, as /tmp (which root_dir is under). */
	make_file("own/shared.json", 0666);
	run("0666 file", trusted_path_check(at("own/shared.json"), 0, err), err, "with mode 0666, but must belong to");
	make_dir("open", 0777);
	make_file("open/host.json", 0644);
	run("0777 directory above", trusted_path_check(at("open/host.json"), 0, err), err,
	    "with mode 0777, but every directory on the way");
	make_dir("sticky", 01777);
	make_file("sticky/host.json", 0644);
	run("sticky directory above", trusted_path_check(at("sticky/host.json"), 0, err), err, "");
	run("sticky directory itself", trusted_path_check(at("sticky"), 0, err), err, "with mode 1777");
	make_dir("group", 0775);
	run("group-writable directory", trusted_path_check(at("group"), 0, err), err, "with mode 0775");

	/* A symbolic link anywhere on the way is refused, not followed. */
	assert_int_equal(symlink(at("own"), at("link")), 0);
	run("link above", trusted_path_check(at("link/host.json"), 0, err), err, "is a symbolic link");
	run("link itself", trusted_path_check(at("link"), 0, err), err, "is a symbolic link");
	assert_int_equal(trusted_path_open_dir(at("link"), 0, err), -1);
	run("link opened", -1, err, "is a symbolic link");
	run("'..'", trusted_path_check(at("own/../own/host.json"), 0, err), err, "'..'");
}

static void foreign_owner(void **state)
{
	char err[SEOIB_MESSAGE_MAX] = "";

	(void)state;
	if (geteuid() != 0)
		skip();
	make_dir("nobody", 0755);
	make_file("nobody/host.json", 0644);
	assert_int_equal(chown(at("nobody"), NOBODY, NOBODY), 0);
	run("directory of uid 65534 above", trusted_path_check(at("nobody/host.json"), 0, err), err,
	    "it belongs to uid 65534 with mode 0755");
	assert_int_equal(chown(at("nobody"), 0, 0), 0);
	assert_int_equal(chown(at("nobody/host.json"), NOBODY, NOBODY), 0);
	run("file of uid 65534", trusted_path_check(at("nobody/host.json"), 0, err), err,
	    "refusing to use");
	run("file of uid 65534, opened", trusted_path_open_file(at("nobody/host.json"), 0, NULL, err), err,
	    "belongs to uid 65534");
	assert_int_equal(errno, EPERM);
}

/* The service user is trusted, but not for the path itself under
 * TRUSTED_NOT_SERVICE (the hook's own records). */
static void service_user(void **state)
{
	uid_t service = trusted_path_service_uid();
	char err[SEOIB_MESSAGE_MAX] = "";

	(void)state;
	if (geteuid() != 0 || service == (uid_t)-1 || service == 0)
		skip();
	make_dir("service", 0755);
	make_dir("service/domains", 0755);
	assert_int_equal(chown(at("service"), service, service), 0);
	run("service user's directory", trusted_path_check(at("service"), 0, err), err, "");
	run("root's directory below it", trusted_path_check(at("service/domains"), TRUSTED_NOT_SERVICE, err), err,
	    "");
	run("service user's, not for the hook", trusted_path_check(at("service"), TRUSTED_NOT_SERVICE, err), err,
	    "but must belong to uid 0");
}

static int setup(void **state)
{
	(void)state;
	umask(022);
	return mkdtemp(root_dir) && chmod(root_dir, 0755) == 0 ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root_dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(own_paths),
		cmocka_unit_test(foreign_owner),
		cmocka_unit_test(service_user),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
