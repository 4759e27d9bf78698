#include <stdarg.h>
#include <stdio.h>

#include "seoib/messages.h"
#include "seoib/sentence.h"

void messages_add(char (*list)[SEOIB_MESSAGE_MAX], int *n, int max, const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	va_start(ap, fmt);
	sentence_vformat(list[(*n)++], SEOIB_MESSAGE_MAX, fmt, ap);
	va_end(ap);
}
