#!/bin/bash
# check-config warns (exit 0, the file loads) when a running seoibd's record
# would go stale between its probes: max-record-age at or below
# reprobe-interval, or reprobe-interval = 0. seoibd re-probes on that timer
# only, so every guest start would then follow on-error (seen on an
# installed host: max-record-age = 60, check-config said ok, and each start
# after a minute was error-allow).
set -euo pipefail
: "${SEOIBCTL:?}" "${SEOIB_SOURCE_ROOT:?}"
fail() { echo "FAIL: $*" >&2; exit 1; }
work=$(mktemp -d /tmp/seoib-check-config-stale.XXXXXX)
trap 'rm -rf "$work"' EXIT

run() { # CONF-TEXT: sets status, out (stdout), err (stderr), warnings (--json)
	printf '%b' "$1" >"$work/seoib.conf"
	status=0
	"$SEOIBCTL" check-config --config "$work/seoib.conf" >"$work/out" 2>"$work/err" || status=$?
	out=$(cat "$work/out") err=$(cat "$work/err")
	warnings=$("$SEOIBCTL" check-config --config "$work/seoib.conf" --json | jq -r '.warnings | length')
}
quiet() { # CONF-TEXT WHAT
	run "$1"
	[ "$status" -eq 0 ] && [ -z "$err" ] && [ "$warnings" = 0 ] ||
		fail "$2: exit $status, warnings $warnings, stderr: $err"
}
warns() { # CONF-TEXT NEEDLE WHAT
	run "$1"
	[ "$status" -eq 0 ] || fail "$3: a warning failed the file (exit $status): $err"
	[ "$out" = "$work/seoib.conf: ok" ] || fail "$3: stdout: $out"
	case "$err" in *"$work/seoib.conf: warning: $2"*"follows on-error for every guest; set reprobe-interval below max-record-age"*) ;;
	*) fail "$3: expected a warning with '$2' on stderr: $err" ;; esac
	[ "$warnings" = 1 ] || fail "$3: --json lists $warnings warnings"
}

quiet "" "the built-in defaults"
quiet "$(sed -n 's/^#\([a-z-]* =.*\)$/\1/p' "$SEOIB_SOURCE_ROOT/systemd/seoib.conf")\n" "the shipped defaults, uncommented"
quiet "max-record-age = 0\nreprobe-interval = 0\n" "no age limit"
quiet "max-record-age = 60\nreprobe-interval = 30\n" "a probe every half max-record-age"
warns "max-record-age = 60\n" "reprobe-interval = 21600 s is not below max-record-age = 60 s" "max-record-age below the default interval"
warns "max-record-age = 600\nreprobe-interval = 600\n" "reprobe-interval = 600 s is not below max-record-age = 600 s" "equal"
warns "reprobe-interval = 0\n" "reprobe-interval = 0 turns seoibd's periodic probe off" "no periodic probe"
echo PASS
