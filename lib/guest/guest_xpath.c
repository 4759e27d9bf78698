/* XPath helpers for the domain XML readers (guest_xpath.h). */
#include <stdio.h>
#include <string.h>

#include <libxml/xpath.h>

#include "guest_xpath.h"
#include "seoib/cleanup.h"

DEFINE_TRIVIAL_CLEANUP(xmlXPathObjectPtr, xmlXPathFreeObject)

/* The string value of an XPath expression (wrapped in string()), trimmed of
 * surrounding whitespace; "" when the node does not exist. */
void guest_xpath_string(xmlXPathContextPtr ctx, const char *expr, char *dst, size_t size)
{
	char wrapped[512];
	_cleanup_(xmlXPathFreeObjectp) xmlXPathObjectPtr obj = NULL;
	const char *s;
	size_t n;

	dst[0] = '\0';
	snprintf(wrapped, sizeof(wrapped), "normalize-space(%s)", expr);
	obj = xmlXPathEvalExpression((const xmlChar *)wrapped, ctx);
	if (!obj || obj->type != XPATH_STRING || !obj->stringval)
		return;
	s = (const char *)obj->stringval;
	n = strlen(s);
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

int guest_xpath_count(xmlXPathContextPtr ctx, const char *expr)
{
	char wrapped[512];
	_cleanup_(xmlXPathFreeObjectp) xmlXPathObjectPtr obj = NULL;

	snprintf(wrapped, sizeof(wrapped), "count(%s)", expr);
	obj = xmlXPathEvalExpression((const xmlChar *)wrapped, ctx);
	if (!obj || obj->type != XPATH_NUMBER)
		return 0;
	return (int)obj->floatval;
}
