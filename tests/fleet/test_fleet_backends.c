/* The fleet backends and their chain (fleet_backend.h), without a network:
 * the file backend's lookup, walk and publish on a scratch directory, the
 * chain's order from fleet-backends (an unconfigured backend skipped, an
 * unreachable one passed over, absent final), and host-name matching.
 * Argument: tests/record/data. The etcd backend against a real etcd and
 * the ssh backend against a fake ssh are in fleet.sh and backends.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "seoib/fileio.h"
#include "seoib/fleet_backend.h"
#include "seoib/host_identity.h"

static const char *data_dir;
static char scratch[64];

static void load(const char *name, struct host_record *rec)
{
	char path[4096], err[SEOIB_MESSAGE_MAX];

	snprintf(path, sizeof(path), "%s/%s", data_dir, name);
	if (host_record_load(path, rec, err) < 0)
		fail_msg("%s", err);
}

static void put_file(const char *name, const char *text)
{
	char path[256], err[SEOIB_MESSAGE_MAX];

	snprintf(path, sizeof(path), "%s/%s", scratch, name);
	if (write_file_atomic(path, text, strlen(text), 0644, err) < 0)
		fail_msg("%s", err);
}

static struct seoib_config *config(const char *backends, const char *endpoints)
{
	struct seoib_config *cfg = malloc(sizeof(*cfg));

	seoib_config_defaults(cfg);
	snprintf(cfg->fleet_backends, sizeof(cfg->fleet_backends), "%s", backends);
	snprintf(cfg->fleet_directory, sizeof(cfg->fleet_directory), "%s", scratch);
	snprintf(cfg->etcd_endpoints, sizeof(cfg->etcd_endpoints), "%s", endpoints);
	return cfg;
}

/* The three fixtures, published through the file backend's own publish(). */
static int setup(void **state)
{
	static const char *const fixtures[] = {"legacy.json", "fixed-control.json", "fixed-stock-qemu.json"};
	struct seoib_config *cfg;
	struct host_record *rec = malloc(sizeof(*rec));
	char err[SEOIB_MESSAGE_MAX];
	void *fb;

	snprintf(scratch, sizeof(scratch), "/tmp/seoib-backends.XXXXXX");
	if (!mkdtemp(scratch))
		return -1;
	cfg = config("file", "");
	assert_true(fleet_backend_file.configured(cfg));
	assert_int_equal(fleet_backend_file.open(cfg, &fb, err), 0);
	for (size_t i = 0; i < 3; i++) {
		load(fixtures[i], rec);
		if (fleet_backend_file.publish(fb, rec, err) < 0)
			fail_msg("%s", err);
	}
	fleet_backend_file.close(fb);
	free(rec);
	free(cfg);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", scratch);
	return system(cmd) == 0 ? 0 : -1;
}

struct listing {
	char names[8][64];
	size_t n;
	bool with_records;
};

static int list_one(const struct host_summary *sum, const struct host_record *rec, void *userdata)
{
	struct listing *l = userdata;

	snprintf(l->names[l->n++], sizeof(l->names[0]), "%s", sum->hostname);
	l->with_records = rec != NULL;
	if (rec)
		assert_string_equal(rec->host.hostname, sum->hostname);
	return 0;
}

static void test_file_lookup(void **state)
{
	struct seoib_config *cfg = config("file", "");
	struct host_record *rec = malloc(sizeof(*rec));
	char err[SEOIB_MESSAGE_MAX];
	void *fb;

	assert_int_equal(fleet_backend_file.open(cfg, &fb, err), 0);
	assert_int_equal(fleet_backend_file.lookup(fb, "hv-fixed-2", rec, err), 1);
	assert_string_equal(rec->host.hostname, "hv-fixed-2");
	/* No file: absent, an answer (unknown), not an error. */
	assert_int_equal(fleet_backend_file.lookup(fb, "hv-nowhere", rec, err), 0);
	/* A name that would leave the directory is refused, never opened. */
	assert_int_equal(fleet_backend_file.lookup(fb, "../etc/passwd", rec, err), -1);
	assert_non_null(strstr(err, "cannot name a file"));
	/* A record under another host's name lies about that host. */
	{
		char *text;
		size_t len;
		char path[4096];

		snprintf(path, sizeof(path), "%s/fixed-control.json", data_dir);
		assert_int_equal(read_file_bounded(path, 1 << 20, &text, &len, err), 0);
		put_file("hv-impostor.json", text);
		free(text);
	}
	assert_int_equal(fleet_backend_file.lookup(fb, "hv-impostor", rec, err), -1);
	assert_non_null(strstr(err, "holds the record of host hv-fixed-2"));
	fleet_backend_file.close(fb);
	free(rec);
	free(cfg);
}

static void test_file_walk(void **state)
{
	struct seoib_config *cfg = config("file", "");
	struct fleet_walk_result res;
	struct listing l = {0};
	char err[SEOIB_MESSAGE_MAX];
	void *fb;

	put_file("hv-junk.json", "{\"schema\": 7}");
	put_file(".hv-hidden.json", "not even JSON");
	put_file("README", "not a record");
	assert_int_equal(fleet_backend_file.open(cfg, &fb, err), 0);
	assert_int_equal(fleet_backend_file.walk(fb, false, list_one, &l, &res, err), 0);
	/* Sorted by host name, as etcd lists keys; bad files named, not fatal. */
	assert_int_equal(l.n, 3);
	assert_string_equal(l.names[0], "hv-fixed-1");
	assert_string_equal(l.names[1], "hv-fixed-2");
	assert_string_equal(l.names[2], "hv-legacy-1");
	assert_false(l.with_records);
	assert_int_equal(res.n_invalid, 2); /* hv-impostor, hv-junk */
	assert_string_equal(res.invalid[0].key, "hv-impostor");
	assert_string_equal(res.invalid[1].key, "hv-junk");
	free(res.invalid);
	memset(&l, 0, sizeof(l));
	assert_int_equal(fleet_backend_file.walk(fb, true, list_one, &l, &res, err), 0);
	assert_true(l.with_records);
	free(res.invalid);
	fleet_backend_file.close(fb);
	free(cfg);
}

/* lookup through a chain: returns what the chain returned, *from the backend. */
static int chain_lookup(const char *backends, const char *endpoints, const char *record_file, const char *host,
			const char **from, char err[SEOIB_MESSAGE_MAX])
{
	struct seoib_config *cfg = config(backends, endpoints);
	struct host_record *rec = malloc(sizeof(*rec));
	struct fleet_chain *chain;
	int r;

	*from = NULL;
	r = fleet_chain_new(cfg, record_file, &chain, err);
	if (r == 0) {
		r = fleet_chain_lookup(chain, host, rec, from, err);
		fleet_chain_free(chain);
	}
	free(rec);
	free(cfg);
	return r;
}

static void test_chain_names(void **state)
{
	const char *from;
	char err[SEOIB_MESSAGE_MAX];

	assert_int_equal(chain_lookup("file,bogus", "", NULL, "hv-fixed-2", &from, err), -1);
	assert_non_null(strstr(err, "'bogus', which is no fleet backend"));
	assert_int_equal(chain_lookup("file file", "", NULL, "hv-fixed-2", &from, err), -1);
	assert_non_null(strstr(err, "'file' twice"));
	assert_int_equal(chain_lookup(" , ", "", NULL, "hv-fixed-2", &from, err), -1);
	assert_non_null(strstr(err, "fleet-backends is empty"));
	/* Every backend named is unconfigured: a sentence, not a silent "absent". */
	assert_int_equal(chain_lookup("etcd", "", NULL, "hv-fixed-2", &from, err), -1);
	assert_non_null(strstr(err, "no backend of fleet-backends = etcd is configured"));
}

static void test_chain_order(void **state)
{
	const char *from;
	char err[SEOIB_MESSAGE_MAX];

	/* etcd without endpoints is not configured: skipped. */
	assert_int_equal(chain_lookup("etcd,file", "", NULL, "hv-fixed-2", &from, err), 1);
	assert_string_equal(from, "file");
	/* etcd configured and unreachable (nothing listens on port 1): passed over. */
	assert_int_equal(chain_lookup("etcd,file", "http://127.0.0.1:1", NULL, "hv-fixed-2", &from, err), 1);
	assert_string_equal(from, "file");
	/* The other order: file answers first, etcd is never asked. */
	assert_int_equal(chain_lookup("file,etcd", "http://127.0.0.1:1", NULL, "hv-fixed-2", &from, err), 1);
	assert_string_equal(from, "file");
	/* Absent is final: the unreachable etcd after it is not asked either. */
	assert_int_equal(chain_lookup("file,etcd", "http://127.0.0.1:1", NULL, "hv-gone", &from, err), 0);
	assert_string_equal(from, "file");
	/* Every backend unreachable: an error naming the last one tried. */
	assert_int_equal(chain_lookup("etcd", "http://127.0.0.1:1", NULL, "hv-fixed-2", &from, err), -1);
	assert_non_null(strstr(err, "cannot reach etcd at http://127.0.0.1:1"));
	assert_null(from);
}

static void test_chain_record_file(void **state)
{
	char path[4096], err[SEOIB_MESSAGE_MAX];
	const char *from;

	/* --record-from-file is the whole chain, whatever fleet-backends says. */
	snprintf(path, sizeof(path), "%s/fixed-control.json", data_dir);
	assert_int_equal(chain_lookup("etcd", "http://127.0.0.1:1", path, "hv-fixed-2.example.net", &from, err), 1);
	assert_string_equal(from, "file");
	assert_int_equal(chain_lookup("etcd", "", path, "hv-other", &from, err), -1);
	assert_non_null(strstr(err, "is of host 'hv-fixed-2', not of hv-other"));
}

static void test_chain_walker(void **state)
{
	struct seoib_config *cfg = config("ssh,etcd,file", "");
	struct fleet_chain *chain;
	char err[SEOIB_MESSAGE_MAX];

	/* ssh cannot list, etcd is not configured: file lists. */
	assert_int_equal(fleet_chain_new(cfg, NULL, &chain, err), 0);
	assert_string_equal(fleet_chain_walker(chain), "file");
	fleet_chain_free(chain);
	snprintf(cfg->fleet_backends, sizeof(cfg->fleet_backends), "ssh");
	assert_int_equal(fleet_chain_new(cfg, NULL, &chain, err), 0);
	assert_null(fleet_chain_walker(chain));
	fleet_chain_free(chain);
	free(cfg);
}

static void test_same_host(void **state)
{
	assert_true(host_names_same("hv2", "HV2"));
	assert_true(host_names_same("hv2", "hv2.example.net"));
	assert_true(host_names_same("hv2.example.net", "hv2"));
	assert_false(host_names_same("hv2.example.net", "hv2.example.org"));
	assert_false(host_names_same("hv2", "hv20.example.net"));
	assert_false(host_names_same("hv2", "hv3"));
}

struct found {
	const char *name;
	bool seen;
};

static int find_one(const struct host_summary *sum, const struct host_record *rec, void *userdata)
{
	struct found *f = userdata;

	f->seen |= strcmp(sum->hostname, f->name) == 0;
	return 0;
}

/* The etcd backend's publish, lookup and walk against a real etcd (fleet.sh
 * runs this binary with FLEET_TEST_ETCD=URL); skipped without one. */
static void test_etcd_round_trip(void **state)
{
	const char *url = getenv("FLEET_TEST_ETCD");
	struct seoib_config *cfg;
	struct host_record *rec = malloc(sizeof(*rec));
	struct fleet_walk_result res;
	struct found found = {.name = "hv-round-trip"};
	char err[SEOIB_MESSAGE_MAX];
	void *eb;

	if (!url) {
		free(rec);
		skip();
	}
	cfg = config("etcd", url);
	cfg->etcd_lease_ttl_s = 2; /* gone by itself soon after */
	assert_true(fleet_backend_etcd.configured(cfg));
	assert_int_equal(fleet_backend_etcd.open(cfg, &eb, err), 0);
	load("fixed-control.json", rec);
	snprintf(rec->host.hostname, sizeof(rec->host.hostname), "hv-round-trip");
	if (fleet_backend_etcd.publish(eb, rec, err) < 0)
		fail_msg("%s", err);
	memset(rec, 0, sizeof(*rec));
	if (fleet_backend_etcd.lookup(eb, "hv-round-trip", rec, err) != 1)
		fail_msg("%s", err);
	assert_string_equal(rec->host.hostname, "hv-round-trip");
	assert_int_equal(fleet_backend_etcd.lookup(eb, "hv-never-published", rec, err), 0);
	assert_non_null(strstr(err, "has no record in the fleet inventory"));
	if (fleet_backend_etcd.walk(eb, false, find_one, &found, &res, err) < 0)
		fail_msg("%s", err);
	assert_true(found.seen);
	free(res.invalid);
	fleet_backend_etcd.close(eb);
	free(rec);
	free(cfg);
}

static void test_table(void **state)
{
	/* Every row is findable by its name and answers lookup(). */
	for (size_t i = 0; fleet_backends[i]; i++) {
		assert_ptr_equal(fleet_backend_find(fleet_backends[i]->name), fleet_backends[i]);
		assert_non_null(fleet_backends[i]->lookup);
		assert_non_null(fleet_backends[i]->configured);
	}
	assert_null(fleet_backend_find("consul"));
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_lookup),
		cmocka_unit_test(test_file_walk),
		cmocka_unit_test(test_chain_names),
		cmocka_unit_test(test_chain_order),
		cmocka_unit_test(test_chain_record_file),
		cmocka_unit_test(test_chain_walker),
		cmocka_unit_test(test_same_host),
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_etcd_round_trip),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s DATA-DIR\n", argv[0]);
		return 2;
	}
	data_dir = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
