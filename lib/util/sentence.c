#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seoib/sentence.h"

#define ELLIPSIS "…" /* U+2026, 3 bytes in UTF-8 */

static bool is_utf8_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* Copies the longest prefix of text that ends at a word boundary and
 * leaves room for the ellipsis; a single word longer than the buffer is cut
 * at a character boundary, which is the least bad cut left. */
static void shorten_into(char *buf, size_t size, const char *text)
{
	size_t room = size - sizeof(ELLIPSIS); /* bytes of text we may keep */
	size_t cut = room;

	while (cut > 0 && text[cut] != ' ')
		cut--;
	if (cut == 0) {
		cut = room;
		while (cut > 0 && is_utf8_continuation((unsigned char)text[cut]))
			cut--;
	}
	/* No dangling separator before the ellipsis: "a, …" reads as "a…". */
	while (cut > 0 && strchr(" ,;:", text[cut - 1]))
		cut--;
	memcpy(buf, text, cut);
	memcpy(buf + cut, ELLIPSIS, sizeof(ELLIPSIS));
}

int sentence_vformat(char *buf, size_t size, const char *fmt, va_list ap)
{
	char *whole = NULL;
	int n = vasprintf(&whole, fmt, ap);

	if (n < 0) {
		buf[0] = '\0';
		return -1;
	}
	if ((size_t)n < size) {
		memcpy(buf, whole, (size_t)n + 1);
		free(whole);
		return 0;
	}
	shorten_into(buf, size, whole);
	free(whole);
	return 1;
}

int sentence_format(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = sentence_vformat(buf, size, fmt, ap);
	va_end(ap);
	return r;
}

int sentence_append(char *buf, size_t size, const char *sep, const char *piece)
{
	char *head = strdup(buf);
	int r;

	if (!head) {
		buf[0] = '\0';
		return -1;
	}
	r = sentence_format(buf, size, "%s%s%s", head, head[0] ? sep : "", piece);
	free(head);
	return r;
}
