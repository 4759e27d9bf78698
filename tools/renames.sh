#!/bin/sh
# Apply tools/renames.sed to the tracked sources, build files and docs,
# tools/renames-c.sed to the C files, and
# move the files whose names change (issue 22 item 7). Idempotent: re-run it
# over a branch written before the renames to carry them over. Not installed.
set -eu
cd "$(git rev-parse --show-toplevel)"

move() { # FROM TO: git mv once; nothing when already moved
	if [ -e "$1" ] && [ ! -e "$2" ]; then git mv "$1" "$2"; fi
}
move include/seoib/kvm_verdict.h include/seoib/kvm_claims.h
move lib/kvm/kvm_verdict.c lib/kvm/kvm_claims.c
move tests/probe/test_kvm_verdict.c tests/probe/test_kvm_claims.c

git ls-files -z -- '*.c' '*.h' '*.S' 'meson.build' '*/meson.build' '*.md' |
	xargs -0 sed -E -i -f tools/renames.sed
git ls-files -z -- '*.c' '*.h' | xargs -0 sed -E -i -f tools/renames-c.sed
