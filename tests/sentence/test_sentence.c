/* Sentences are shortened at a word with an ellipsis, never cut mid-word. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "seoib/sentence.h"

static void fits_whole(void **state)
{
	char buf[32];

	assert_int_equal(sentence_format(buf, sizeof(buf), "kernel %s is %s", "6.1.0", "legacy"), 0);
	assert_string_equal(buf, "kernel 6.1.0 is legacy");
}

/* The instance from the field: "… kernel … is lega" in a virsh error. */
static void shortened_at_a_word(void **state)
{
	char buf[24];

	assert_int_equal(sentence_format(buf, sizeof(buf), "the kernel %s is %s", "6.1.0-28-amd64", "legacy"), 1);
	assert_string_equal(buf, "the kernel…");
}

static void separators_dropped_before_ellipsis(void **state)
{
	char buf[13];

	assert_int_equal(sentence_format(buf, sizeof(buf), "%s", "QEMU 7.2, at /usr/bin/qemu-system-x86_64"), 1);
	assert_string_equal(buf, "QEMU 7.2…");
}

/* One word longer than the buffer: cut at a UTF-8 character boundary. */
static void long_word_cut_at_a_character(void **state)
{
	char buf[10];

	/* "ééééé" is 10 bytes; 6 fit before the ellipsis. */
	assert_int_equal(sentence_format(buf, sizeof(buf), "%s", "ééééé"), 1);
	assert_string_equal(buf, "ééé…");
	assert_int_equal(sentence_format(buf, sizeof(buf), "%s", "/usr/bin/qemu"), 1);
	assert_string_equal(buf, "/usr/b…");
}

static void exactly_full(void **state)
{
	char buf[8];

	assert_int_equal(sentence_format(buf, sizeof(buf), "%s", "1234567"), 0);
	assert_string_equal(buf, "1234567");
	assert_int_equal(sentence_format(buf, sizeof(buf), "%s", "12345678"), 1);
	assert_string_equal(buf, "1234…");
}

static void append_joins_and_shortens(void **state)
{
	char buf[48] = "";

	assert_int_equal(sentence_append(buf, sizeof(buf), "; ", "cannot run respected"), 0);
	assert_int_equal(sentence_append(buf, sizeof(buf), "; ", "kernel 6.1 is legacy"), 0);
	assert_string_equal(buf, "cannot run respected; kernel 6.1 is legacy");
	assert_int_equal(sentence_append(buf, sizeof(buf), "; ", "upgrade it"), 1);
	assert_string_equal(buf, "cannot run respected; kernel 6.1 is legacy…");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(fits_whole),
		cmocka_unit_test(shortened_at_a_word),
		cmocka_unit_test(separators_dropped_before_ellipsis),
		cmocka_unit_test(long_word_cut_at_a_character),
		cmocka_unit_test(exactly_full),
		cmocka_unit_test(append_joins_and_shortens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
