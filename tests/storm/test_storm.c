/* The storm recogniser (lib/watch/storm.c, docs/storm.md) on recorded
 * series, data-driven, and on made-up edge cases (cmocka).
 *
 * Each data/NAME.series is one vCPU sampled about once a second (format in
 * data/README.md) with its expectations in comment lines:
 *   # expect: calm                      never called a storm
 *   # expect: storm FROM BY             first called a storm at or after FROM s
 *                                       and by BY s (from the first sample),
 *                                       and still storming at the end
 *   # without-returns: calm|storm       what the rule says when the kernel
 *                                       does not count fpu_reload */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/storm.h"

#define SERIES_MAX 512

static const char *data_dir;

struct series {
	char name[256];
	struct storm_sample s[SERIES_MAX];
	size_t n;
	bool expect_storm;
	double from_s, by_s;
	bool have_without;
	bool without_storm;
};

static void load(const char *path, struct series *out)
{
	FILE *f = fopen(path, "r");
	char line[512];

	assert_non_null(f);
	memset(out, 0, sizeof(*out));
	snprintf(out->name, sizeof(out->name), "%s", strrchr(path, '/') + 1);
	while (fgets(line, sizeof(line), f)) {
		struct storm_sample *s = &out->s[out->n];
		char word[16];
		int n;

		if (sscanf(line, "# expect: %15s %lf %lf", word, &out->from_s, &out->by_s) >= 1) {
			out->expect_storm = strcmp(word, "storm") == 0;
			continue;
		}
		if (sscanf(line, "# without-returns: %15s", word) == 1) {
			out->have_without = true;
			out->without_storm = strcmp(word, "storm") == 0;
			continue;
		}
		if (line[0] == '#' || line[0] == '\n')
			continue;
		assert_true(out->n < SERIES_MAX);
		n = sscanf(line, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64
				 " %" SCNu64 " %" SCNu64 " %" SCNu64,
			   &s->t_ns, &s->irq_injections, &s->halt_exits, &s->exits, &s->vcpu_time_ns, &s->fpu_reload,
			   &s->io_exits, &s->mmio_exits, &s->signal_exits, &s->vcpu_delay_ns);
		assert_true(n == 5 || n == 9 || n == 10);
		s->have_returns = n >= 9;
		s->have_delay = n == 10;
		out->n++;
	}
	fclose(f);
	assert_true(out->n >= 2);
}

/* Feed the series; returns when it was first called a storm (s from the
 * first sample, -1 never) and whether it still was at the end. */
static double replay(const struct series *se, bool with_returns, bool *at_end, struct storm_evidence *last)
{
	struct storm_window w;
	double first = -1;
	int stormy = 0, storming = 0;

	storm_window_reset(&w);
	for (size_t i = 0; i < se->n; i++) {
		struct storm_sample s = se->s[i];

		s.have_returns = s.have_returns && with_returns;
		storm_window_push(&w, &s);
		stormy += i && w.stormy_run > 0;
		storming += storm_judge(&w, last);
		if (last->storming && first < 0)
			first = (double)(s.t_ns - se->s[0].t_ns) / 1e9;
	}
	/* The figures of docs/storm.md, "Measured precision". */
	print_message("%-28s %s: %zu intervals, %d storm-like, %d samples judged storming\n", se->name,
		      with_returns ? "rule" : "rule without returns", se->n - 1, stormy, storming);
	*at_end = last->storming;
	return first;
}

static void check_series(const struct series *se)
{
	struct storm_evidence ev;
	bool at_end;
	double first = replay(se, true, &at_end, &ev);

	print_message("%-28s first storm at %5.1f s, at the end: %s\n", se->name, first, ev.summary);
	if (!se->expect_storm) {
		if (first >= 0)
			fail_msg("%s: called a storm at %.1f s, expected calm", se->name, first);
	} else {
		if (first < se->from_s || first > se->by_s)
			fail_msg("%s: first called a storm at %.1f s, expected between %.1f and %.1f s", se->name, first,
				 se->from_s, se->by_s);
		assert_true(at_end);
		assert_true(ev.duration_s >= (double)STORM_MIN_INTERVALS - 1);
		assert_true(ev.rates.halts_per_s <= ev.rates.injections_per_s * STORM_MAX_HALTS_PER_INJECTION);
	}
	if (se->have_without) {
		first = replay(se, false, &at_end, &ev);
		print_message("%-28s without fpu_reload: first storm at %5.1f s\n", se->name, first);
		if ((first >= 0) != se->without_storm)
			fail_msg("%s: without the returns counter expected %s, got %s", se->name,
				 se->without_storm ? "a storm" : "calm", first >= 0 ? "a storm" : "calm");
	}
}

static void test_recorded_series(void **state)
{
	DIR *d = opendir(data_dir);
	struct dirent *e;
	struct series *se = malloc(sizeof(*se));
	int seen = 0;

	assert_non_null(d);
	assert_non_null(se);
	while ((e = readdir(d))) {
		char path[4096];
		size_t len = strlen(e->d_name);

		if (len < 7 || strcmp(e->d_name + len - 7, ".series") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", data_dir, e->d_name);
		load(path, se);
		check_series(se);
		seen++;
	}
	closedir(d);
	free(se);
	assert_true(seen >= 5); /* the lead's storm, and our idle, boot, busy and storm */
}

/* A synthetic vCPU: `seconds` one-second intervals at the given rates. */
static void run(struct storm_window *w, struct storm_sample *s, int seconds, uint64_t inj, uint64_t halts,
		uint64_t returns, double cpu)
{
	for (int i = 0; i < seconds; i++) {
		s->t_ns += 1000000000ull;
		s->irq_injections += inj;
		s->halt_exits += halts;
		s->exits += inj + halts + returns;
		s->fpu_reload += returns;
		s->vcpu_time_ns += (uint64_t)(cpu * 1e9);
		storm_window_push(w, s);
	}
}

static void test_starts_and_ends(void **state)
{
	struct storm_window w;
	struct storm_sample s = {.have_returns = true};
	struct storm_evidence ev;

	storm_window_reset(&w);
	storm_window_push(&w, &s);
	run(&w, &s, 10, 1000, 1000, 1, 0.1); /* idle */
	assert_false(storm_judge(&w, &ev));
	run(&w, &s, STORM_MIN_INTERVALS - 1, 1000, 0, 1000, 1.0);
	assert_false(storm_judge(&w, &ev));
	run(&w, &s, 1, 1000, 0, 1000, 1.0);
	assert_true(storm_judge(&w, &ev));
	assert_int_equal((int)ev.duration_s, STORM_MIN_INTERVALS);
	/* Fewer than STORM_END_INTERVALS calm intervals do not end it. */
	run(&w, &s, STORM_END_INTERVALS - 1, 1000, 1000, 1, 0.1);
	assert_true(storm_judge(&w, &ev));
	run(&w, &s, 1, 1000, 0, 1000, 1.0);
	/* A storm longer than the window keeps its start. */
	run(&w, &s, 2 * STORM_WINDOW_MAX, 1000, 0, 1000, 1.0);
	assert_true(storm_judge(&w, &ev));
	assert_true(ev.duration_s > 2 * STORM_WINDOW_MAX);
	assert_int_equal(w.n, STORM_WINDOW_MAX);
	run(&w, &s, STORM_END_INTERVALS, 1000, 1000, 1, 0.1);
	assert_false(storm_judge(&w, &ev));
	assert_true(ev.duration_s == 0);
}

/* Each test of the rule alone keeps an interval calm. */
static void test_each_test_matters(void **state)
{
	struct {
		uint64_t inj, halts, returns;
		double cpu;
	} calm[] = {
		{STORM_MIN_INJECTIONS_PER_S - 1, 0, 50, 1.0}, /* too few injections */
		{1000, 100, 1000, 1.0},                        /* it halts */
		{1000, 0, 100, 1.0},                           /* no return per injection: a timer */
		{1000, 0, 1000, 0.2},                          /* the vCPU mostly blocks */
	};

	for (size_t i = 0; i < sizeof(calm) / sizeof(calm[0]); i++) {
		struct storm_window w;
		struct storm_sample s = {.have_returns = true};
		struct storm_evidence ev;

		storm_window_reset(&w);
		storm_window_push(&w, &s);
		run(&w, &s, 20, calm[i].inj, calm[i].halts, calm[i].returns, calm[i].cpu);
		if (storm_judge(&w, &ev))
			fail_msg("case %zu called a storm: %s", i, ev.summary);
	}
}

/* Returns the VMM asked for (I/O, MMIO, signals) do not count. */
static void test_explained_returns(void **state)
{
	struct storm_sample a = {.have_returns = true}, b;
	struct storm_rates r;

	b = a;
	b.t_ns = 1000000000;
	b.irq_injections = 1000;
	b.fpu_reload = 3000;
	b.io_exits = 1000;
	b.mmio_exits = 1500;
	b.signal_exits = 400;
	b.vcpu_time_ns = b.t_ns;
	storm_rates_between(&a, &b, &r);
	assert_true(r.returns_per_s > 99 && r.returns_per_s < 101);
	assert_false(storm_interval_stormy(&r));
	b.have_returns = false;
	storm_rates_between(&a, &b, &r);
	assert_true(r.returns_per_s < 0);
	assert_true(storm_interval_stormy(&r)); /* the returns test cannot be made */
}

/* A vCPU created again (restart, migration) restarts the window. */
static void test_counters_going_back(void **state)
{
	struct storm_window w;
	struct storm_sample s = {.have_returns = true};
	struct storm_evidence ev;

	storm_window_reset(&w);
	storm_window_push(&w, &s);
	run(&w, &s, 10, 1000, 0, 1000, 1.0);
	assert_true(storm_judge(&w, &ev));
	s.irq_injections = 5;
	s.t_ns += 1000000000ull;
	storm_window_push(&w, &s);
	assert_int_equal(w.n, 1);
	assert_false(storm_judge(&w, &ev));
	/* A sample no newer than the last one is not an interval. */
	storm_window_push(&w, &s);
	assert_int_equal(w.n, 1);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_series),
		cmocka_unit_test(test_starts_and_ends),
		cmocka_unit_test(test_each_test_matters),
		cmocka_unit_test(test_explained_returns),
		cmocka_unit_test(test_counters_going_back),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s DATA_DIR\n", argv[0]);
		return 2;
	}
	data_dir = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
