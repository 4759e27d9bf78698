/* Terminal width of UTF-8 text (seoib/display_width.h). printf's "%-24s"
 * pads to 24 bytes, not columns: "wïn-ünïcode" (14 bytes, 11 columns) and
 * CJK names (3 bytes, 2 columns a character) pushed the next column out. */
#include <locale.h>
#include <stdbool.h>
#include <string.h>
#include <wchar.h>

#include "seoib/display_width.h"

/* wcwidth() answers for the calling thread's locale: a UTF-8 one, made once
 * and kept for the process's life, is used for the measurement only. */
static locale_t utf8_locale(void)
{
	static locale_t loc;
	static bool tried;

	if (!tried) {
		tried = true;
		loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	}
	return loc;
}

size_t text_display_width(const char *s)
{
	locale_t loc = utf8_locale(), old;
	mbstate_t st;
	size_t width = 0, len = strlen(s);

	if (!loc) {
		for (const unsigned char *p = (const unsigned char *)s; *p; p++)
			width += (*p & 0xc0) != 0x80; /* one a character: lead bytes only */
		return width;
	}
	old = uselocale(loc);
	memset(&st, 0, sizeof(st));
	while (len > 0) {
		wchar_t wc;
		size_t n = mbrtowc(&wc, s, len, &st);
		int w;

		if (n == (size_t)-1 || n == (size_t)-2 || n == 0) {
			/* A bad byte: one column (it shows as one replacement). */
			memset(&st, 0, sizeof(st));
			n = 1;
			w = 1;
		} else {
			w = wcwidth(wc);
			if (w < 0)
				w = 1;
		}
		width += (size_t)w;
		s += n;
		len -= n;
	}
	uselocale(old);
	return width;
}

void text_print_padded(FILE *out, const char *s, size_t width)
{
	size_t w = text_display_width(s);

	fputs(s, out);
	for (; w < width; w++)
		fputc(' ', out);
}
