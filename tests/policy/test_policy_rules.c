/* The state rule table (rule_rows[] in lib/policy/policy.c) against its
 * publication: docs/policy.md's "State" table lists the same rules, in the
 * order they are tried, with the same numbers and names; and every rule
 * has at least one data-driven case in tests/policy/data (its "rule" in
 * CASE.expect.json). Adding a rule without its row or its case fails here.
 * argv: DOCS/policy.md TESTS/policy/data */
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/policy.h"

static const char *docs_path, *data_dir;

/* One row of the doc's table: "| N | `name` | ..." */
struct doc_row {
	unsigned number;
	char name[64];
};

/* The rows of the table under "### State", in order; -1 when none. */
static int read_doc_rows(struct doc_row *rows, int max)
{
	FILE *f = fopen(docs_path, "r");
	char line[4096];
	bool in_section = false;
	int n = 0;

	if (!f)
		fail_msg("cannot open %s", docs_path);
	while (fgets(line, sizeof(line), f) && n < max) {
		if (strncmp(line, "### ", 4) == 0) {
			if (in_section)
				break;
			in_section = strncmp(line, "### State", 9) == 0;
			continue;
		}
		if (in_section && sscanf(line, "| %u | `%63[^`]` |", &rows[n].number, rows[n].name) == 2)
			n++;
	}
	fclose(f);
	return n;
}

static void doc_lists_the_table(void **state)
{
	struct doc_row rows[2 * RULE_COUNT];
	int n = read_doc_rows(rows, 2 * RULE_COUNT);

	(void)state;
	assert_int_equal(n, RULE_COUNT);
	for (int i = 0; i < n; i++) {
		enum policy_rule rule = policy_rule_at((size_t)i);

		if (rows[i].number != (unsigned)rule || strcmp(rows[i].name, policy_rule_to_string(rule)) != 0)
			fail_msg("docs/policy.md row %d is rule %u '%s'; the table tries rule %u '%s' there", i + 1,
				 rows[i].number, rows[i].name, (unsigned)rule, policy_rule_to_string(rule));
	}
	assert_int_equal(policy_rule_at(RULE_COUNT), RULE_COUNT);
}

/* Every rule is tried exactly once, and each has a name. */
static void table_is_complete(void **state)
{
	bool seen[RULE_COUNT] = {false};

	(void)state;
	for (size_t i = 0; i < RULE_COUNT; i++) {
		enum policy_rule rule = policy_rule_at(i);

		assert_true(rule < RULE_COUNT);
		assert_false(seen[rule]);
		seen[rule] = true;
		assert_string_not_equal(policy_rule_to_string(rule), "invalid");
	}
	assert_string_equal(policy_rule_to_string(RULE_COUNT), "invalid");
}

static void every_rule_has_a_case(void **state)
{
	bool covered[RULE_COUNT] = {false};
	char pattern[4096];
	glob_t g;

	(void)state;
	snprintf(pattern, sizeof(pattern), "%s/*.expect.json", data_dir);
	assert_int_equal(glob(pattern, 0, NULL, &g), 0);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		json_object *doc = json_object_from_file(g.gl_pathv[i]), *rule;

		if (doc && json_object_object_get_ex(doc, "rule", &rule)) {
			int32_t r = json_object_get_int(rule);

			if (r >= 0 && r < RULE_COUNT)
				covered[r] = true;
		}
		json_object_put(doc);
	}
	globfree(&g);
	for (int r = 0; r < RULE_COUNT; r++)
		if (!covered[r])
			fail_msg("rule %d '%s' has no case in %s (a CASE.xml and its CASE.expect.json)", r,
				 policy_rule_to_string((enum policy_rule)r), data_dir);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(table_is_complete),
		cmocka_unit_test(doc_lists_the_table),
		cmocka_unit_test(every_rule_has_a_case),
	};

	if (argc != 3) {
		fprintf(stderr, "usage: %s DOCS/policy.md TESTS/policy/data\n", argv[0]);
		return 2;
	}
	docs_path = argv[1];
	data_dir = argv[2];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
