/* XPath questions to a parsed domain XML, shared by the readers in lib/guest/
 * (guest facts, seoib's metadata element): libxml2's evaluator, wrapped so
 * that a missing node reads as "" or 0 rather than as an error. */
#pragma once

#include <stddef.h>

#include <libxml/xpath.h>

/* normalize-space(expr) into dst (size bytes, cut to fit); "" when the node
 * does not exist or the expression does not evaluate. */
void guest_xpath_string(xmlXPathContextPtr ctx, const char *expr, char *dst, size_t size);
/* count(expr); 0 when it does not evaluate. */
int guest_xpath_count(xmlXPathContextPtr ctx, const char *expr);
