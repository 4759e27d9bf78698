#!/bin/bash
# Every enum<->string function of lib/, cli/ and daemon/ is made by
# seoib/string_table.h (DEFINE_STRING_TABLE_LOOKUP...), so that all share one
# bounds rule and one answer for an unknown value. A hand-written
# x_to_string()/x_from_string() fails here unless it is one of the few below,
# which are not tables of their own.
set -u
root=${SEOIB_SOURCE_ROOT:?set by meson}
# name: why it is not a string table
allowed='
string_table_lookup_to_string: the mechanism itself
string_table_lookup_from_string: the mechanism itself
policy_rule_to_string: the rule names are rule_rows[], checked by policy-rules
decision_proof_to_string: a proof folded over the hosts, not an enum
state_or_unknown_to_string: state_to_string() plus STATE_UNKNOWN
state_or_unknown_from_string: state_from_string() plus STATE_UNKNOWN
'
status=0
while IFS=: read -r file line name; do
	if ! grep -q "^$name:" <<<"$allowed"; then
		echo "hand-tables: $file:$line defines $name() by hand; make it with DEFINE_STRING_TABLE_LOOKUP (include/seoib/string_table.h) or say here why it is not a table." >&2
		status=1
	fi
done < <(cd "$root" && grep -rnoE '^(static )?(inline )?(const char \*|int )[a-z_0-9]+_(to|from)_string\(' lib cli daemon |
	sed -E 's/^([^:]+):([0-9]+):.*[ *]([a-z_0-9]+_(to|from)_string)\($/\1:\2:\3/' |
	grep -vE ':(host_record|host_summary|domain_record)_from_string$')
exit $status
