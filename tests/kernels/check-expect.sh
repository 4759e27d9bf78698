#!/bin/bash
# check-expect.sh JSON DIR [NAME VALUE]...
#
# Evaluate every expectation in DIR/*.jq on the JSON document: one jq
# expression a line, '#' comment lines and blank lines ignored; each must print
# exactly `true`. NAME VALUE pairs become jq variables ($NAME), e.g.
# `release 6.1.0-28-amd64` lets a line say `.host.kernel_release == $release`.
#
# Every failing line is reported with its file and line number, what it
# printed, and the values of the paths it names (so the report shows the JSON
# that matters). Exit status: 0 all true; 1 one or more failed, or no
# expectation was found at all (an empty check cannot fail, so it is a defect).
set -euo pipefail

die() { echo "check-expect.sh: $*" >&2; exit 1; }

if [ $# -lt 2 ] || [ $(( ($# - 2) % 2 )) -ne 0 ]; then
	die "usage: check-expect.sh JSON DIR [NAME VALUE]..."
fi
json=$1 dir=$2
shift 2
jq_vars=()
while [ $# -gt 0 ]; do
	jq_vars+=(--arg "$1" "$2")
	shift 2
done
jq -e 'type == "object"' "$json" >/dev/null 2>&1 || die "$json is not a JSON object."
[ -d "$dir" ] || die "no expectation directory $dir."

# The values of the paths an expression names, and of their parents: the
# context a reader needs to see why it is not true.
show_context() {
	local expr=$1 path parent
	grep -oE '\.[A-Za-z_][A-Za-z0-9_]*((\.[A-Za-z_][A-Za-z0-9_]*)|(\["[^"]*"\]))*' <<<"$expr" | sort -u |
		while read -r path; do
			echo "      $path = $(jq -c "$path" "$json" 2>&1 | head -c 400)"
			parent=$(sed -E 's/(\.[A-Za-z_][A-Za-z0-9_]*|\["[^"]*"\])$//' <<<"$path")
			[ -n "$parent" ] && [ "$parent" != "$path" ] &&
				echo "      $parent = $(jq -c "$parent" "$json" 2>&1 | head -c 400)"
		done | sort -u
}

checked=0 failed=0
shopt -s nullglob
for file in "$dir"/*.jq; do
	lineno=0
	while IFS= read -r expr || [ -n "$expr" ]; do
		lineno=$((lineno + 1))
		[[ $expr =~ ^[[:space:]]*(#|$) ]] && continue
		checked=$((checked + 1))
		got=$(jq -c "${jq_vars[@]}" "$expr" "$json" 2>&1) || true
		[ "$got" = true ] && continue
		failed=$((failed + 1))
		shown=$file
		[ -z "${SEOIB_SOURCE_ROOT:-}" ] || shown=${file#"$SEOIB_SOURCE_ROOT"/}
		echo "FAIL $shown:$lineno: $expr"
		echo "      printed: $(head -c 400 <<<"$got" | tr '\n' ' ')"
		show_context "$expr"
	done <"$file"
done
[ $checked -gt 0 ] || die "no expectation in $dir/*.jq; an empty check cannot fail."
if [ $failed -gt 0 ]; then
	echo "$failed of $checked expectations in $dir failed on $json."
	exit 1
fi
echo "all $checked expectations in $dir hold on $json."
