#!/bin/bash
# The man pages point only to documents a reader has: no docs/NAME.md of a
# source tree the package does not ship, and every /usr/share/doc/seoib/NAME
# they name is installed there, by meson (docs/meson.build) and by the
# package (debian/seoib.docs, kept uncompressed by debian/rules) (issue 19).
# README's Use section gives the installed commands only.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
: "${SEOIB_SOURCE_ROOT:?}"
cd "$SEOIB_SOURCE_ROOT"
pages=(docs/seoibctl.1 docs/seoib.conf.5 docs/seoibd.8)
if grep -n 'docs/[a-z\\-]*\.md' "${pages[@]}"; then
	fail "a man page points to a docs/NAME.md path, which the package does not install"
fi
named=$(sed 's/\\-/-/g' "${pages[@]}" | grep -o '/usr/share/doc/seoib/[a-z./-]*[a-z]' | sort -u)
[ -n "$named" ] || fail "the man pages name no installed document"
for path in $named; do
	name=${path#/usr/share/doc/seoib/}
	case $name in
	examples/seoibd-fleet.conf)
		grep -q "install_data('seoibd-fleet.conf'" systemd/meson.build || fail "$name is not installed" ;;
	*.md)
		grep -qx "docs/$name" debian/seoib.docs || fail "$path is named but not in debian/seoib.docs"
		grep -q "'$name'" docs/meson.build || fail "$path is named but docs/meson.build does not install it"
		[ -f "docs/$name" ] || fail "$path is named but docs/$name does not exist" ;;
	*) fail "the man pages name $path, which nothing installs" ;;
	esac
done
# The roll-out's audit step asks what the hook answers at the next start:
# seoibctl audit. policy --domain judges a running guest's live XML, and
# called a guest safe that the hook then refused at its next start.
for f in README.md docs/seoib.conf.5; do
	# grep reads all of sed's output (-q would stop early: SIGPIPE under pipefail).
	sed 's/\\-/-/g' "$f" | grep 'seoibctl audit --hook-mode enforce' >/dev/null ||
		fail "$f's roll-out does not audit with seoibctl audit --hook-mode enforce"
done
grep -q -- '-X.md' debian/rules || fail "debian/rules lets dh_compress rename NAME.md to NAME.md.gz"
# README's "Use" is for an installed system: its commands are on PATH, not
# in a build tree (one sentence says how to run them from one).
use=$(awk '/^## Use/ {on = 1; next} on && /^## / {on = 0} on' README.md)
[ -n "$use" ] || fail "README.md has no '## Use' section"
if awk '/^```/ {code = !code; next} code' <<<"$use" | grep -n 'build/'; then
	fail "README's Use section mixes build-tree paths into the commands of an installed system"
fi
echo "PASS"
