#!/bin/bash
# build-deb.sh SOURCE_ROOT OUTDIR: build the seoib .deb from SOURCE_ROOT's
# files (what git tracks, plus untracked files git does not ignore: never a
# build directory) with dpkg-buildpackage, as a packager would from a clean
# clone, and copy the .debs to OUTDIR.
# Exit status: 0 built; 77 dpkg-buildpackage or debhelper is missing; 1 the
# build failed (its log's tail on stderr).
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: build-deb.sh SOURCE_ROOT OUTDIR" >&2; exit 1; }
src=$1 out=$2
command -v dpkg-buildpackage >/dev/null && command -v dh >/dev/null ||
	{ echo "build-deb.sh: SKIP: dpkg-dev and debhelper are not installed (./setup.sh installs them)." >&2; exit 77; }
tmp=$(mktemp -d /tmp/seoib-deb.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/seoib"
if git -C "$src" rev-parse --git-dir >/dev/null 2>&1; then
	git -C "$src" ls-files -z --cached --others --exclude-standard |
		(cd "$src" && xargs -0 cp --parents -t "$tmp/seoib" 2>/dev/null || true)
else
	cp -a "$src/." "$tmp/seoib/"
	rm -rf "$tmp/seoib"/build*
fi
(cd "$tmp/seoib" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
	dpkg-buildpackage -us -uc -b >"$tmp/log" 2>&1) || {
	tail -n 30 "$tmp/log" >&2
	echo "build-deb.sh: dpkg-buildpackage failed in $tmp/seoib (log tail above)." >&2
	exit 1
}
mkdir -p "$out"
cp "$tmp"/*.deb "$out"/
