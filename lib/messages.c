#include <stdarg.h>
#include <stdio.h>

#include "seoib/messages.h"

void messages_add(char (*list)[SEOIB_MESSAGE_MAX], int *n, int max, const char *fmt, ...)
{
	va_list ap;

	if (*n >= max)
		return;
	va_start(ap, fmt);
	vsnprintf(list[(*n)++], SEOIB_MESSAGE_MAX, fmt, ap);
	va_end(ap);
}
