/* lib/util/escape.c: what reaches a terminal or the journal is inert (cmocka). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "seoib/escape.h"

static const char *escape(const char *in, size_t len)
{
	static char out[4096];
	size_t out_len;

	assert_true(TEXT_ESCAPE_ROOM(len) <= sizeof(out));
	assert_int_equal(text_escape(in, len, true, out, sizeof(out), &out_len), len);
	assert_int_equal(out_len, strlen(out));
	return out;
}

#define ESC(lit) escape(lit, sizeof(lit) - 1)

static void escapes_controls(void **state)
{
	/* U+009B CSI (C2 9B) and U+202E RLO (E2 80 AE): the instances. */
	assert_string_equal(ESC("vm\xc2\x9b" "2J"), "vm\\u009b2J");
	assert_string_equal(ESC("win\xe2\x80\xae" "exe.txt"), "win\\u202eexe.txt");
	assert_string_equal(ESC("\x1b[2Jx\r\x7f"), "\\u001b[2Jx\\u000d\\u007f");
	assert_string_equal(ESC("\xc2\x80\xc2\x9f"), "\\u0080\\u009f");
	assert_string_equal(ESC("\xd8\x9c\xe2\x80\x8e\xe2\x80\x8f\xe2\x80\xaa\xe2\x81\xa6\xe2\x81\xa9\xe2\x80\xa8\xe2\x80\xa9"),
			    "\\u061c\\u200e\\u200f\\u202a\\u2066\\u2069\\u2028\\u2029");
	/* Tab and newline are text. */
	assert_string_equal(ESC("a\tb\n"), "a\tb\n");
}

static void keeps_text(void **state)
{
	/* Valid UTF-8 that is not a control passes unchanged: é, 日本, 😀, U+00A0. */
	static const char text[] = "h\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80 \xc2\xa0 \\ \"x\"";

	assert_string_equal(ESC(text), text);
}

static void replaces_bad_bytes(void **state)
{
	/* A lone 0x9B is CSI to an 8-bit terminal; overlong, surrogate, beyond
	 * U+10FFFF and cut sequences are no UTF-8 at all. */
	assert_string_equal(ESC("a\x9b" "b"), "a\\ufffdb");
	assert_string_equal(ESC("\xc0\xaf"), "\\ufffd\\ufffd");
	assert_string_equal(ESC("\xed\xa0\x80"), "\\ufffd\\ufffd\\ufffd");
	assert_string_equal(ESC("\xf4\x90\x80\x80"), "\\ufffd\\ufffd\\ufffd\\ufffd");
	assert_string_equal(ESC("x\xe2\x80"), "x\\ufffd\\ufffd");
}

/* A stream may cut a sequence anywhere: it is kept for the next write. */
static void streams_split_sequences(void **state)
{
	char out[64];
	size_t out_len;

	assert_int_equal(text_escape("ab\xe2\x80", 4, false, out, sizeof(out), &out_len), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(text_escape("\xe2\x80\xae", 3, false, out, sizeof(out), &out_len), 3);
	assert_string_equal(out, "\\u202e");
	/* Not a valid start: replaced at once, never held back. */
	assert_int_equal(text_escape("a\xff", 2, false, out, sizeof(out), &out_len), 2);
	assert_string_equal(out, "a\\ufffd");
}

/* Inside a JSON string the escape means the same text: JSON output stays
 * valid and equal once escaped. */
static void json_stays_equal(void **state)
{
	static const char name[] = "vm\xc2\x9b" "2J\xe2\x80\xae" "gpj.exe";
	json_object *o = json_object_new_object(), *back;
	char buf[TEXT_ESCAPE_ROOM(256)];
	size_t out_len;
	const char *text;

	json_object_object_add(o, "name", json_object_new_string(name));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	text_escape(text, strlen(text), true, buf, sizeof(buf), &out_len);
	assert_null(strstr(buf, "\xc2\x9b"));
	back = json_tokener_parse(buf);
	assert_non_null(back);
	assert_string_equal(json_object_get_string(json_object_object_get(back, "name")), name);
	json_object_put(back);
	json_object_put(o);
}

static void truncates_at_characters(void **state)
{
	char small[8];

	/* Room for one more character needs 7 bytes: cut between characters. */
	assert_string_equal(text_escape_str("\xe2\x80\xae\xe2\x80\xae", small, sizeof(small)), "\\u202e");
	assert_string_equal(text_escape_str("ab\xe6\x97\xa5" "cdef", small, sizeof(small)), "ab");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escapes_controls),
		cmocka_unit_test(keeps_text),
		cmocka_unit_test(replaces_bad_bytes),
		cmocka_unit_test(streams_split_sequences),
		cmocka_unit_test(json_stays_equal),
		cmocka_unit_test(truncates_at_characters),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
