/* Unit tests of the pure parts of the inventory and exports: base64 as
 * etcd's gateway encodes bytes, inventory keys, and the export texts of the
 * legacy and fixed fixture records. Argument: tests/record/data. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "seoib/exports.h"
#include "seoib/inventory.h"

static const char *data_dir;

static void test_base64_vectors(void **state)
{
	/* RFC 4648 section 10 test vectors. */
	static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
	static const char *const coded[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		char *enc = base64_encode(plain[i], strlen(plain[i]));
		size_t len = 99;
		char *dec = base64_decode(coded[i], &len);
		assert_string_equal(enc, coded[i]);
		assert_non_null(dec);
		assert_int_equal(len, strlen(plain[i]));
		assert_memory_equal(dec, plain[i], len);
		free(enc);
		free(dec);
	}
}

static void test_base64_binary_round_trip(void **state)
{
	unsigned char bytes[256];
	size_t len;

	for (int i = 0; i < 256; i++)
		bytes[i] = (unsigned char)(255 - i);
	char *enc = base64_encode(bytes, sizeof(bytes));
	char *dec = base64_decode(enc, &len);
	assert_int_equal(len, sizeof(bytes));
	assert_memory_equal(dec, bytes, sizeof(bytes));
	free(enc);
	free(dec);
}

static void test_base64_rejects_garbage(void **state)
{
	size_t len;

	assert_null(base64_decode("Zm9v!", &len));
	assert_null(base64_decode("Z", &len));
	/* etcd's gateway pads (Go's base64.StdEncoding): unpadded is garbage. */
	assert_null(base64_decode("Zg", &len));
	/* Padding only at the end: a lax decoder reads these as 6 and 3 bytes. */
	assert_null(base64_decode("Zg==Zg==", &len));
	assert_null(base64_decode("Zm=v", &len));
	assert_null(base64_decode("====", &len));
}

static void test_base64_ignores_white_space(void **state)
{
	size_t len = 0;
	char *dec = base64_decode("Zm 9v\n", &len);

	/* OpenSSL's decoder skips white space; nothing else is lenient. */
	assert_non_null(dec);
	assert_int_equal(len, 3);
	assert_string_equal(dec, "foo");
	free(dec);
}

static void test_host_key(void **state)
{
	char key[32];

	assert_int_equal(inventory_host_key("/seoib/v1/", "hv-1", key, sizeof(key)), 0);
	assert_string_equal(key, "/seoib/v1/hosts/hv-1");
	assert_int_equal(inventory_host_key("/seoib/v1/", "a-very-long-host-name-indeed", key, sizeof(key)), -1);
}

static void load(const char *name, struct host_record *rec)
{
	char path[4096], err[SEOIB_MESSAGE_MAX];

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	if (host_record_load(path, rec, err) < 0)
		fail_msg("%s", err);
}

static void test_exports_legacy(void **state)
{
	struct host_record *rec = malloc(sizeof(*rec));
	char *nfd, *prom;

	load("legacy.json", rec);
	nfd = exports_nfd_text(rec);
	prom = exports_prometheus_text(rec, rec->probe_time + 42);
	assert_non_null(strstr(nfd, "seoib.org/generation=legacy\n"));
	assert_non_null(strstr(nfd, "seoib.org/state.quirked=true\n"));
	assert_non_null(strstr(nfd, "seoib.org/state.respected=false\n"));
	assert_non_null(strstr(nfd, "seoib.org/vmm-control=false\n"));
	assert_non_null(strstr(prom, "seoib_host_supports{state=\"respected\"} 0\n"));
	assert_non_null(strstr(prom, "seoib_probe_status{status=\"ok\"} 1\n"));
	assert_non_null(strstr(prom, "seoib_probe_status{status=\"kvm-unavailable\"} 0\n"));
	assert_non_null(strstr(prom, "seoib_record_age_seconds 42\n"));
	free(nfd);
	free(prom);
	free(rec);
}

static void test_exports_unavailable(void **state)
{
	struct host_record *rec = malloc(sizeof(*rec));
	char *nfd, *prom;

	load("kvm-unavailable.json", rec);
	nfd = exports_nfd_text(rec);
	prom = exports_prometheus_text(rec, rec->probe_time);
	assert_non_null(strstr(nfd, "seoib.org/status=kvm-unavailable\n"));
	assert_non_null(strstr(nfd, "seoib.org/state.quirked=false\n"));
	assert_non_null(strstr(prom, "seoib_host_supports{state=\"quirked\"} 0\n"));
	assert_non_null(strstr(prom, "seoib_probe_status{status=\"ok\"} 0\n"));
	free(nfd);
	free(prom);
	free(rec);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_base64_vectors),
		cmocka_unit_test(test_base64_binary_round_trip),
		cmocka_unit_test(test_base64_rejects_garbage),
		cmocka_unit_test(test_base64_ignores_white_space),
		cmocka_unit_test(test_host_key),
		cmocka_unit_test(test_exports_legacy),
		cmocka_unit_test(test_exports_unavailable),
	};

	data_dir = argc > 1 ? argv[1] : "tests/record/data";
	return cmocka_run_group_tests(tests, NULL, NULL);
}
