/* hostname_is_valid(): what may reach ssh's argv as a destination. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "seoib/hostname.h"

static void accepts_names_and_addresses(void **state)
{
	static const char *const good[] = {
		"h1", "hv-fixed-2", "host.example.org", "a.b-c.d", "1host", "127.0.0.1", "10.0.0.254",
		"::1", "fe80::1", "2001:db8::42", "xn--bcher-kva.example",
	};
	char err[SEOIB_MESSAGE_MAX];

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		assert_true(hostname_is_valid(good[i], err));
}

static void refuses(const char *host, const char *expected_in_message)
{
	char err[SEOIB_MESSAGE_MAX] = "";

	assert_false(hostname_is_valid(host, err));
	if (!strstr(err, expected_in_message))
		fail_msg("'%s': message '%s' lacks '%s'", host ? host : "(null)", err, expected_in_message);
}

static void refuses_option_and_shell_injection(void **state)
{
	refuses("-oProxyCommand=touch /tmp/pwned", "starts with '-'");
	refuses("-p", "starts with '-'");
	refuses("a;b", "';'");
	refuses("a b", "0x20");
	refuses("a/b", "'/'");
	refuses("$(id)", "'$'");
	refuses("`id`", "'`'");
	refuses("a|b", "'|'");
	refuses("user@host", "'@'");
	refuses("host:22", "':'");
	refuses("a\nb", "0x0a");
	refuses("h\xc3\xa9te", "0xc3");
}

static void refuses_malformed_names(void **state)
{
	char long_label[80], long_name[300];

	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	memset(long_name, 'a', sizeof(long_name) - 1);
	for (size_t i = 50; i < sizeof(long_name) - 1; i += 50)
		long_name[i] = '.';
	long_name[sizeof(long_name) - 1] = '\0';

	refuses(NULL, "empty");
	refuses("", "empty");
	refuses("a..b", "empty label");
	refuses(".a", "empty label");
	refuses("a.", "empty label");
	refuses("a-.b", "ending with '-'");
	refuses("a.-b", "starts with '-'");
	refuses(long_label, "longer than 63");
	refuses(long_name, "longer than 253");
	refuses("1.2.3.4.5.6:7", "':'");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(accepts_names_and_addresses),
		cmocka_unit_test(refuses_option_and_shell_injection),
		cmocka_unit_test(refuses_malformed_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
