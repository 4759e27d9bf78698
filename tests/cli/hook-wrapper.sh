#!/bin/bash
# The installed libvirt hook wrapper (cli/50-seoib.in, as meson configures
# it), with its seoib-hook path moved into a scratch directory: it runs
# seoib-hook with libvirt's arguments and stdin; with seoib-hook removed (the
# package removed, its /etc conffile kept) it allows, so libvirt does not
# fail every guest start; with seoib-hook present but not runnable it fails.
set -euo pipefail
# stdin from a here-string, not a pipe: a wrapper that exits without
# reading would make `echo` die of SIGPIPE, and pipefail would blame it.
WRAPPER=$SEOIB_BUILD_ROOT/cli/50-seoib
[ -f "$WRAPPER" ] || fail "$WRAPPER is not built; run ninja first"
. "$(dirname "$0")/../lib.sh"
make_work_dir hook-wrapper
libexec=$(sed -n 's|^exec \(.*\)/seoib-hook "\$@"$|\1|p' "$WRAPPER")
[ -n "$libexec" ] || fail "$WRAPPER has no 'exec LIBEXECDIR/seoib-hook' line"
sed "s|$libexec/seoib-hook|$WORK/seoib-hook|g" "$WRAPPER" >"$WORK/50-seoib"
chmod 755 "$WORK/50-seoib"

# Present: it is what runs, with the arguments and stdin.
printf '#!/bin/sh\necho "$@" >"%s/args"; cat >"%s/stdin"; exit 1\n' "$WORK" "$WORK" >"$WORK/seoib-hook"
chmod 755 "$WORK/seoib-hook"
status=0
"$WORK/50-seoib" guest prepare begin - <<<'<domain/>' || status=$?
[ "$status" -eq 1 ] || fail "the wrapper exited $status, not seoib-hook's 1"
[ "$(cat "$WORK/args")" = "guest prepare begin -" ] || fail "seoib-hook got '$(cat "$WORK/args")'"
[ "$(cat "$WORK/stdin")" = "<domain/>" ] || fail "seoib-hook did not get the domain XML"

# Present but not runnable: fails, so libvirt refuses the guest.
chmod 644 "$WORK/seoib-hook"
! "$WORK/50-seoib" guest prepare begin - <<<'<domain/>' 2>/dev/null ||
	fail "the wrapper allows when seoib-hook is present but not executable"

# Removed: the kept conffile allows.
rm "$WORK/seoib-hook"
"$WORK/50-seoib" guest prepare begin - <<<'<domain/>' ||
	fail "with seoib-hook removed the wrapper exits non-zero: libvirt would refuse every guest"
echo "PASS"
