#!/bin/bash
# The real seoib-hook with a seoib.conf that does not load: a bad line that
# decides enforcement (hook-mode, on-error, record-path, max-record-age, or what may have
# meant one of them) refuses the guest whatever on-error says, with a
# sentence naming file and line; any other bad line leaves the file's own
# on-error in charge. One case a line: CONF (\n-separated) | EXIT | TEXT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

HOOK=$SEOIB_BUILD_ROOT/cli/seoib-hook
XML=$SEOIB_SOURCE_ROOT/tests/policy/data/virt-install-win11.xml
[ -x "$HOOK" ] || fail "seoib-hook is not built; run ninja first"
[ -f "$XML" ] || fail "$XML is missing"

# No record: a config that loads would then be an internal error, decided
# by on-error; the bad line must win over that.
norecord="record-path = $WORK/run/absent.json"
cases=(
	"hook-mode = enforse|1|bad.conf:1: expected enforce or warn, not 'enforse' for hook-mode"
	"on-error = allow\nhook-mode = enforse|1|refusing whatever on-error says"
	"hook-mode = enforse\non-error = allow|1|bad.conf:1:"
	"on-error = alow|1|bad.conf:1: expected allow or deny, not 'alow'"
	"record-path = run/host.json|1|bad.conf:1: not an absolute path"
	"hook-mdoe = warn|1|bad.conf:1: unknown key 'hook-mdoe'"
	"on_error = allow|1|bad.conf:1: unknown key 'on_error'"
	# max-record-age decides whether the hook trusts this host's record: a
	# bad value must not fall back to the default day, older than meant.
	"$norecord\nmax-record-age = 1h\non-error = allow|1|refusing whatever on-error says"
	"$norecord\nmax_record_age = 3600\non-error = allow|1|refusing whatever on-error says"
	"hook-mode warn|1|bad.conf:1: expected 'key = value'"
	# The same keys in another case, with '_' or a blank for '-', or behind
	# a UTF-8 byte order mark or a no-break space: still meant them.
	"$norecord\nON-ERROR = deny|1|bad.conf:2: unknown key 'ON-ERROR'"
	"$norecord\nHOOK_MODE = enforce|1|refusing whatever on-error says"
	"$norecord\nrecord path = /run/x.json|1|refusing whatever on-error says"
	"\xef\xbb\xbfon-error = deny\n$norecord|1|refusing whatever on-error says"
	"$norecord\non-error\xc2\xa0= deny|1|refusing whatever on-error says"
	# A NUL byte would hide the lines after it from one reader of the file.
	"$norecord\n# note\0\non-error = deny|1|bad.conf:2: contains a NUL byte"
	"$norecord\n# note\0\non-error = deny\nssh-connect-timeout = soon|1|bad.conf:2: contains a NUL byte"
	# Not an enforcement key: the file's own on-error decides.
	"$norecord\nssh-connect-timeout = soon\non-error = deny|1|(on-error = deny)"
	"$norecord\nssh-connect-timeout = soon\non-error = allow|0|bad.conf:2: expected seconds between 1 and 3600"
	"$norecord\nqemu-binary = /usr/bin/qemu|0|(on-error = allow)"
)
for c in "${cases[@]}"; do
	IFS='|' read -r conf want text <<<"$c"
	printf '%b\n' "$conf" >"$WORK/bad.conf"
	status=0
	"$HOOK" --config "$WORK/bad.conf" guest prepare begin - <"$XML" >"$WORK/out" 2>"$WORK/err" || status=$?
	[ "$status" -eq "$want" ] || fail "with '$conf' the hook exited $status, not $want: $(cat "$WORK/err")"
	grep -qF -- "$text" "$WORK/err" || fail "with '$conf' the hook says: $(cat "$WORK/err") (no '$text')"
	[ ! -s "$WORK/out" ] || fail "with '$conf' the hook wrote to stdout: $(cat "$WORK/out")"
done

# A stop or release refuses nothing, whatever the file says: exit 0, and
# no "refused" sentence for a guest that is already gone.
printf 'hook-mode = enforse\n' >"$WORK/bad.conf"
for sub in "stopped end" "release end"; do
	status=0
	# shellcheck disable=SC2086
	"$HOOK" --config "$WORK/bad.conf" guest $sub - <"$XML" >"$WORK/out" 2>"$WORK/err" || status=$?
	[ "$status" -eq 0 ] || fail "with a bad seoib.conf, '$sub' exited $status, not 0: $(cat "$WORK/err")"
	! grep -q refused "$WORK/err" || fail "with a bad seoib.conf, '$sub' says: $(cat "$WORK/err")"
done

# A file over seoib.conf's 64 KiB bound (comments only) is not a configuration
# for seoibd --check-config either: both readers refuse it, so the hook
# never refuses what --check-config calls good, nor the reverse.
{
	echo "$norecord"
	echo "on-error = allow"
	for i in $(seq 17000); do echo "# padding to pass the 64 KiB bound: line $i ........................"; done
} >"$WORK/big.conf"
status=0
"$SEOIB_BUILD_ROOT/daemon/seoibd" --check-config --config "$WORK/big.conf" 2>"$WORK/err" >/dev/null || status=$?
[ "$status" -eq 2 ] || fail "seoibd --check-config exited $status, not 2, on a file over 64 KiB"
grep -q "$WORK/big.conf is [0-9]* bytes, larger than the 65536 it may be" "$WORK/err" || fail "on a file over 64 KiB it says: $(cat "$WORK/err")"
status=0
"$HOOK" --config "$WORK/big.conf" guest prepare begin - <"$XML" 2>"$WORK/err" || status=$?
[ "$status" -eq 1 ] || fail "with a file over 64 KiB the hook exited $status, not 1: $(cat "$WORK/err")"

# An unreadable file (a directory) trusts nothing, on-error included.
mkdir "$WORK/dir.conf"
status=0
"$HOOK" --config "$WORK/dir.conf" guest prepare begin - <"$XML" 2>"$WORK/err" || status=$?
[ "$status" -eq 1 ] || fail "with a directory for seoib.conf the hook exited $status, not 1: $(cat "$WORK/err")"
echo "PASS"
