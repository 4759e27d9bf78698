/* The two lookups behind every enum<->string table (seoib/string_table.h):
 * one bounds rule and one answer for a value or a word a table lacks. */
#include <string.h>

#include "seoib/string_table.h"

const char *string_table_lookup_to_string(const char *const *table, size_t n, long long i)
{
	if (i < 0 || (unsigned long long)i >= n)
		return NULL;
	return table[i];
}

int string_table_lookup_from_string(const char *const *table, size_t n, const char *s)
{
	if (!s)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (table[i] && strcmp(table[i], s) == 0)
			return (int)i;
	return -1;
}
