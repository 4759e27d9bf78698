#!/bin/bash
# seoibctl(1)'s SYNOPSIS is complete: for every command of 'seoibctl --help',
# every long option its own --help names appears in that command's synopsis
# lines (".B seoibctl CMD" up to ".br"). A synopsis that says "probe options"
# takes probe's. Only --help itself is exempt.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
MAN=$SEOIB_SOURCE_ROOT/docs/seoibctl.1
SEOIBCTL=$SEOIB_BUILD_ROOT/cli/seoibctl
[ -x "$SEOIBCTL" ] || fail "seoibctl is not built; run ninja first"

# synopsis CMD: the roff of CMD's synopsis lines, '\-' as '-'.
synopsis() {
	sed -n '/^\.SH SYNOPSIS/,/^\.SH /p' "$MAN" | sed 's/\\-/-/g' |
		awk -v cmd="$1" '$0 ~ "^\\.B seoibctl " cmd "( |$)" {on = 1} on {print} /^\.br/ {on = 0}'
}
options_in() { grep -o -- '--[a-z][a-z-]*' | sort -u; }

commands=$("$SEOIBCTL" --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
[ -n "$commands" ] || fail "seoibctl --help lists no commands"
for c in $commands; do
	syn=$(synopsis "$c")
	[ -n "$syn" ] || fail "seoibctl(1) has no synopsis for '$c'"
	! grep -q "probe options" <<<"$syn" || syn+=$'\n'$(synopsis probe)
	# "-c, --connect URI" in --help: the synopsis may give -c.
	while read -r short long; do
		! grep -qE -- "(^|[[ ])$short(\\\\| |\$)" <<<"$syn" || syn+=$'\n'$long
	done < <("$SEOIBCTL" "$c" --help | sed -n 's/^ *\(-[a-zA-Z]\), \(--[a-z-]*\).*/\1 \2/p')
	for o in $("$SEOIBCTL" "$c" --help | options_in); do
		[ "$o" = --help ] && continue
		options_in <<<"$syn" | grep -qx -- "$o" || fail "seoibctl(1) SYNOPSIS of '$c' lacks $o (in 'seoibctl $c --help')"
	done
done
echo "PASS"
