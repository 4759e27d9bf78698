#!/bin/bash
# The real seoib-hook with a seoib.conf that does not load (seoib.conf(5),
# ERRORS). A bad line that decides whether a guest is refused is taken at
# its strictest where it has such a value (hook-mode as enforce, on-error as
# deny) and the guest is still checked: a Windows guest at high risk is
# refused, a Linux guest starts. A bad record-path or max-record-age line
# (no strict value) refuses whatever on-error says. Any other bad line
# (a typo in prometheus-textfile) keeps its key's built-in value, and the
# guest is still checked: never an "allowing without a check". Every bad
# line is said on stderr. One case a line: CONF (\n-separated) | XML | EXIT | TEXT.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

HOOK=$SEOIB_BUILD_ROOT/cli/seoib-hook
DATA=$SEOIB_SOURCE_ROOT/tests/policy/data
XML=$DATA/virt-install-win11.xml
[ -x "$HOOK" ] || fail "seoib-hook is not built; run ninja first"

# A current record of this host (this boot, probed now) on which the
# Windows guest with an interrupt-remapping IOMMU is at high risk (refused
# under enforce, warned under warn) and a plain Linux guest is not.
jq --arg m "$(cat /etc/machine-id 2>/dev/null)" --arg h "$(cat /proc/sys/kernel/hostname)" \
	--arg b "$(cat /proc/sys/kernel/random/boot_id)" --arg k "$(uname -r)" --argjson t "$(date +%s)" \
	'.host.machine_id = $m | .host.hostname = $h | .host.boot_id = $b | .host.kernel_release = $k |
	 .probe.time_unix = $t | .probe.time = ($t | todate)' \
	"$SEOIB_SOURCE_ROOT/tests/policy/records/h3-legacy.json" >"$WORK/host.json"
rec="record-path = $WORK/host.json"
WIN=virt-install-win11-iommu
LIN=inkernel-default
printf '%s\nhook-mode = enforce\n' "$rec" >"$WORK/good.conf"
status=0
"$HOOK" --config "$WORK/good.conf" guest prepare begin - <"$DATA/$WIN.xml" 2>"$WORK/err" || status=$?
[ "$status" -eq 1 ] || fail "under a good hook-mode = enforce the Windows guest was not refused: $(cat "$WORK/err")"
"$HOOK" --config "$WORK/good.conf" guest prepare begin - <"$DATA/$LIN.xml" 2>"$WORK/err" ||
	fail "under a good hook-mode = enforce the Linux guest was refused: $(cat "$WORK/err")"

# A first install warns: without hook-mode the at-risk guest starts, and
# the line on stderr says why and how to enforce.
printf '%s\n' "$rec" >"$WORK/first.conf"
"$HOOK" --config "$WORK/first.conf" guest prepare begin - <"$DATA/$WIN.xml" 2>"$WORK/err" ||
	fail "without hook-mode the Windows guest was refused: $(cat "$WORK/err")"
grep -qF "allowed because hook-mode = warn" "$WORK/err" || fail "without hook-mode the hook says: $(cat "$WORK/err")"

# No record: a config that loads would then be an internal error, decided
# by on-error.
norecord="record-path = $WORK/run/absent.json"
strict="takes hook-mode at its strictest (enforce) and goes on checking"
cases=(
	# hook-mode: enforce, and the guest is checked (Linux starts).
	"$rec\nhook-mode = enfroce|$WIN|1|bad.conf:2: expected enforce or warn, not 'enfroce' for hook-mode"
	"$rec\nhook-mode = enfroce|$WIN|1|$strict"
	"$rec\nhook-mode = enfroce|$LIN|0|$strict"
	"$rec\nhook-mode = enfroce\nhook-mode = warn|$WIN|1|$strict"
	"$rec\nhook-mdoe = warn|$WIN|1|bad.conf:2: unknown key 'hook-mdoe'"
	"$rec\nhook-mdoe = warn|$LIN|0|bad.conf:2: unknown key 'hook-mdoe'"
	"$rec\nHOOK_MODE = warn|$WIN|1|$strict"
	"$rec\nhook-mode warn|$WIN|1|bad.conf:2: expected 'key = value'"
	"$rec\nhook-mode warn|$LIN|0|$strict"
	# on-error: deny, and the guest is checked.
	"$rec\non-error = alow|$LIN|0|bad.conf:2: expected allow or deny, not 'alow'"
	"$norecord\non-error = alow|$LIN|1|(on-error = deny)"
	"$norecord\non_error = allow|$LIN|1|bad.conf:2: unknown key 'on_error'"
	"$norecord\nON-ERROR = allow|$LIN|1|takes on-error at its strictest (deny)"
	"\xef\xbb\xbfon-error = allow\n$norecord|$LIN|1|(on-error = deny)"
	"$norecord\non-error\xc2\xa0= allow|$LIN|1|(on-error = deny)"
	# record-path, max-record-age: no strict value, refused whatever on-error says.
	"record-path = run/host.json|$LIN|1|bad.conf:1: not an absolute path"
	"record-path = run/host.json|$LIN|1|refusing whatever on-error says"
	"$rec\nmax-record-age = 1h\non-error = allow|$LIN|1|refusing whatever on-error says"
	"$rec\nmax_record_age = 3600\non-error = allow|$LIN|1|refusing whatever on-error says"
	"$rec\nrecord path = /run/x.json|$LIN|1|refusing whatever on-error says"
	# A NUL byte would hide the lines after it from one reader of the file.
	"$norecord\n# note\0\non-error = deny|$LIN|1|bad.conf:2: contains a NUL byte"
	"$rec\n# note\0\non-error = deny\nssh-connect-timeout = soon|$LIN|1|bad.conf:2: contains a NUL byte"
	# Not an enforcement key: its built-in value, and the guest is checked.
	"$rec\nhook-mode = enforce\nprometheus-textfle = /var/lib/prometheus/node-exporter/seoib.prom|$WIN|1|bad.conf:3: unknown key 'prometheus-textfle'"
	"$rec\nhook-mode = enforce\nprometheus-textfle = /var/lib/prometheus/node-exporter/seoib.prom|$WIN|1|refused: 'win11-iommu' would start quirked with risk high"
	"$rec\nhook-mode = warn\nprometheus-textfle = /var/lib/prometheus/node-exporter/seoib.prom|$WIN|0|allowed because hook-mode = warn"
	"$rec\nprometheus-textfle = /var/lib/prometheus/node-exporter/seoib.prom|$LIN|0|its key keeps the built-in value"
	"$rec\nhook-mode = enforce\nssh-connect-timeout = soon|$WIN|1|bad.conf:3: expected seconds between 1 and 3600"
	"$rec\nhook-mode = enforce\nfoo|$WIN|1|bad.conf:3: expected 'key = value', not 'foo'"
	"$norecord\nssh-connect-timeout = soon\non-error = deny|$LIN|1|(on-error = deny)"
	"$norecord\nssh-connect-timeout = soon\non-error = allow|$LIN|0|bad.conf:2: expected seconds between 1 and 3600"
	"$norecord\nqemu-binary = /usr/bin/qemu|$LIN|0|(on-error = allow)"
)
for c in "${cases[@]}"; do
	IFS='|' read -r conf xml want text <<<"$c"
	printf '%b\n' "$conf" >"$WORK/bad.conf"
	status=0
	"$HOOK" --config "$WORK/bad.conf" guest prepare begin - <"$DATA/$xml.xml" >"$WORK/out" 2>"$WORK/err" || status=$?
	[ "$status" -eq "$want" ] || fail "with '$conf' the hook exited $status on $xml, not $want: $(cat "$WORK/err")"
	grep -qF -- "$text" "$WORK/err" || fail "with '$conf' the hook says on $xml: $(cat "$WORK/err") (no '$text')"
	[ ! -s "$WORK/out" ] || fail "with '$conf' the hook wrote to stdout: $(cat "$WORK/out")"
	! grep -q "allowing without a check" "$WORK/err" || [ "$xml" = "$LIN" ] ||
		fail "with '$conf' the hook allowed $xml without a check: $(cat "$WORK/err")"
	# Every bad line is said, with the command that checks the file.
	grep -qF "seoibctl check-config" "$WORK/err" || fail "with '$conf' the hook does not name seoibctl check-config: $(cat "$WORK/err")"
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
status=0
"$SEOIBCTL" check-config --config "$WORK/big.conf" 2>"$WORK/err" >/dev/null || status=$?
[ "$status" -eq 2 ] || fail "seoibctl check-config exited $status, not 2, on a file over 64 KiB"
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
