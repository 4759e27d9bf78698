/* One enum<->string mechanism for every published word of seoib (the
 * states, proofs, statuses, verdicts, ...), after systemd's
 * src/basic/string-table.h: a table
 *
 *	static const char *const state_table[STATE_COUNT] = {
 *		[STATE_QUIRKED] = "quirked", ...
 *	};
 *	DEFINE_STRING_TABLE_LOOKUP(state, enum seoib_state)
 *
 * makes both directions with one bounds rule and one answer for a value the
 * table does not name:
 *
 *	const char *state_to_string(enum seoib_state v);
 *		the table's word for v; STRING_TABLE_INVALID ("invalid") when v
 *		is out of range or its slot is empty. Never NULL, so it can go
 *		straight into printf() and json_object_new_string().
 *	int state_from_string(const char *s);
 *		the value whose word is s (compared byte for byte); -1 when s is
 *		NULL or no slot holds it. "invalid" is never a word, so a
 *		value never round-trips through the invalid answer.
 *
 * The table's words are published (JSON, D-Bus, man pages, records):
 * change one only as a format change. The two lookups the macros call are
 * lib/util/string_table.c. */
#pragma once

#include <stddef.h>

#include "seoib/cleanup.h"

/* What x_to_string() answers for a value its table does not name. */
#define STRING_TABLE_INVALID "invalid"

/* table[i] for i in [0, n) with a word, else NULL. i is a long long so that
 * a negative enum (a corrupted value) is caught, not wrapped. */
const char *string_table_lookup_to_string(const char *const *table, size_t n, long long i);

/* The index of s in table[0, n) (compared byte for byte), or -1 when s is
 * NULL or no slot holds it. */
int string_table_lookup_from_string(const char *const *table, size_t n, const char *s);

#define _DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, scope)                                              \
	scope const char *name##_to_string(type v)                                                            \
	{                                                                                                     \
		const char *s = string_table_lookup_to_string(name##_table, ELEMENTSOF(name##_table), (long long)v); \
		return s ? s : STRING_TABLE_INVALID;                                                          \
	}

#define _DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, scope)                                     \
	scope int name##_from_string(const char *s)                                              \
	{                                                                                        \
		return string_table_lookup_from_string(name##_table, ELEMENTSOF(name##_table), s); \
	}

/* Both directions, public (declared in the unit's header). */
#define DEFINE_STRING_TABLE_LOOKUP(name, type)                   \
	_DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, )      \
	_DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, )

/* Only x_to_string(), public: a word seoib writes but never reads back. */
#define DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type) _DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, )

/* Both directions, private to one file. */
#define DEFINE_PRIVATE_STRING_TABLE_LOOKUP(name, type)                          \
	_DEFINE_STRING_TABLE_LOOKUP_TO_STRING(name, type, static inline)        \
	_DEFINE_STRING_TABLE_LOOKUP_FROM_STRING(name, static inline)
