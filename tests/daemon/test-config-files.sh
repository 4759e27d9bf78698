#!/bin/bash
# The shipped default seoib.conf is accepted by the real seoibd, and a bad
# one stops seoibd (exit 2) with a sentence naming file and line.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

"$SEOIBD" --check-config --config "$SEOIB_SOURCE_ROOT/systemd/seoib.conf" >/dev/null ||
	fail "seoibd rejects the shipped default seoib.conf"
# Every key the shipped file documents, uncommented, is accepted as written.
sed -n 's/^#\([a-z-]* =.*\)$/\1/p' "$SEOIB_SOURCE_ROOT/systemd/seoib.conf" >"$WORK/uncommented.conf"
[ "$(wc -l <"$WORK/uncommented.conf")" -ge 10 ] || fail "the shipped seoib.conf documents fewer than 10 keys"
"$SEOIBD" --check-config --config "$WORK/uncommented.conf" >/dev/null ||
	fail "the shipped defaults, uncommented, are rejected"
# The shipped file says its commented lines show the built-in defaults: it
# shows every key the code knows, once, and uncommented it changes nothing
# (seoibctl check-config --json lists every key's value).
"$SEOIBCTL" check-config --json --config "$WORK/absent.conf" | jq -S .config >"$WORK/builtin.json"
"$SEOIBCTL" check-config --json --config "$WORK/uncommented.conf" | jq -S .config >"$WORK/shipped.json"
[ "$(jq length "$WORK/builtin.json")" -ge 20 ] || fail "check-config --json lists too few keys: $(cat "$WORK/builtin.json")"
diff -u <(jq -r 'keys[]' "$WORK/builtin.json") <(sed 's/ =.*//' "$WORK/uncommented.conf" | sort) ||
	fail "the shipped seoib.conf does not show every key exactly once (- missing, + extra)"
diff -u "$WORK/builtin.json" "$WORK/shipped.json" ||
	fail "the shipped seoib.conf shows values that are not the built-in defaults (- code, + file)"
# ...and every one of them is documented in seoib.conf(5).
for key in $(sed 's/ = .*//' "$WORK/uncommented.conf"); do
	grep -q "^\\.B $key\$\|^\\.TP.*$key\|$key" "$SEOIB_SOURCE_ROOT/docs/seoib.conf.5" ||
		fail "seoib.conf(5) does not document $key"
done

# A file that loads but lets the record go stale between probes: seoibd
# starts, and says so (seoibctl check-config's warning, tests/cli).
printf 'max-record-age = 60\n' >"$WORK/stale.conf"
"$SEOIBD" --check-config --config "$WORK/stale.conf" >/dev/null 2>"$WORK/err" ||
	fail "seoibd rejects a max-record-age below reprobe-interval: $(cat "$WORK/err")"
grep -q "$WORK/stale.conf: reprobe-interval = 21600 s is not below max-record-age = 60 s" "$WORK/err" ||
	fail "seoibd does not warn that its record goes stale between probes: $(cat "$WORK/err")"

printf 'behaviour-probe = yes\nprobe-timeout = 5\n' >"$WORK/bad.conf"
status=0
"$SEOIBD" --check-config --config "$WORK/bad.conf" 2>"$WORK/err" || status=$?
[ "$status" -eq 2 ] || fail "seoibd exited $status on an unknown key, not 2"
grep -q "$WORK/bad.conf:2: unknown key 'probe-timeout'" "$WORK/err" || fail "the error says: $(cat "$WORK/err")"

# Hostile files fail at once with a sentence (exit 2): /dev/zero never ends,
# a FIFO never opens without a writer, a NUL byte would cut a value short.
# `timeout` turns a hang into a failure instead of a stuck suite.
# seoibctl check-config, the command on PATH every advice names, says the
# same as seoibd --check-config, which lives in /usr/libexec.
check_refused() { # FILE WORDS
	local status=0 check
	for check in "$SEOIBD --check-config" "$SEOIBCTL check-config"; do
		status=0
		# shellcheck disable=SC2086 # $check is two words
		timeout 5 $check --config "$1" 2>"$WORK/err" >/dev/null || status=$?
		[ "$status" -eq 2 ] || fail "$check exited $status on $1, not 2"
		grep -qF -- "$2" "$WORK/err" || fail "$check: the error for $1 says: $(cat "$WORK/err")"
	done
}
check_refused "$WORK/bad.conf" "$WORK/bad.conf:2: unknown key 'probe-timeout'"
# ... and says what the libvirt hook makes of the file meanwhile.
"$SEOIBCTL" check-config --config "$WORK/bad.conf" >"$WORK/out" 2>/dev/null || true
grep -qF "meanwhile the libvirt hook ignores that line (its key keeps the built-in value)" "$WORK/out" ||
	fail "check-config does not say what the hook does with the file: $(cat "$WORK/out")"
check_refused /dev/zero "configuration file /dev/zero is not a regular file (a character device)"
mkfifo "$WORK/fifo.conf"
check_refused "$WORK/fifo.conf" "is not a regular file (a FIFO)"
printf 'hook-mode = warn\0garbage\n' >"$WORK/nul.conf"
check_refused "$WORK/nul.conf" "$WORK/nul.conf:1: contains a NUL byte"
printf 'etcd-endpoints = file:///etc/passwd\n' >"$WORK/scheme.conf"
check_refused "$WORK/scheme.conf" "etcd endpoint 'file:///etc/passwd' is not an http:// or https:// URL"
printf 'etcd-endpoints = https://etcd:2379\netcd-user = seoib\n' >"$WORK/user.conf"
check_refused "$WORK/user.conf" "etcd-user is set but etcd-password-file is not"
# A fleet-backends that seoibctl check would refuse at its first lookup
# (every guest "unknown") is refused here, not passed as "ok".
printf 'fleet-backends = etcd,bogus\n' >"$WORK/backend-name.conf"
check_refused "$WORK/backend-name.conf" "fleet-backends names 'bogus', which is no fleet backend"
printf 'fleet-backends = file,ssh,file\n' >"$WORK/backend-twice.conf"
check_refused "$WORK/backend-twice.conf" "fleet-backends names 'file' twice"

# An export its consumer would never read is an error naming the line:
# node_exporter reads only *.prom, nova-compute only *.yaml, and NFD skips
# names starting with '.'. KEY = VALUE | the words the error must say.
for c in "prometheus-textfile = /var/lib/prometheus/node-exporter/seoib.txt|'*.prom'" \
	"prometheus-textfile = /var/lib/prometheus/node-exporter/.seoib.prom|'*.prom'" \
	"nova-provider-file = /etc/nova/provider_config/seoib.yml|'*.yaml'" \
	"nova-provider-file = /etc/nova/provider_config/.yaml|'*.yaml'" \
	"nfd-features-file = /etc/kubernetes/node-feature-discovery/features.d/.seoib|not start with '.'"; do
	printf '# exports\n%s\n' "${c%%|*}" >"$WORK/export.conf"
	status=0
	"$SEOIBD" --check-config --config "$WORK/export.conf" 2>"$WORK/err" >/dev/null || status=$?
	[ "$status" -eq 2 ] || fail "seoibd --check-config exited $status, not 2, on '${c%%|*}'"
	grep -qF "$WORK/export.conf:2: " "$WORK/err" && grep -qF -- "${c#*|}" "$WORK/err" ||
		fail "on '${c%%|*}' the error says: $(cat "$WORK/err")"
done
# The names each consumer reads, and empty (off), load.
printf '%s\n' "prometheus-textfile = /run/x/seoib.prom" "nova-provider-file = /run/x/seoib.yaml" \
	"nfd-features-file = /run/x/seoib" "nfd-features-file =" >"$WORK/export.conf"
"$SEOIBD" --check-config --config "$WORK/export.conf" >/dev/null || fail "good export names do not load"

# A missing file is the defaults.
"$SEOIBD" --check-config --config "$WORK/absent.conf" >"$WORK/out" || fail "a missing configuration file is an error"
# ... and says so: a mistyped path must not pass for a checked file.
grep -qxF "$WORK/absent.conf: does not exist, so the built-in defaults apply; see seoib.conf(5)" "$WORK/out" ||
	fail "--check-config on a missing file says: $(cat "$WORK/out")"
"$SEOIBCTL" check-config --config "$WORK/absent.conf" >"$WORK/out2" || fail "seoibctl check-config: a missing file is an error"
cmp -s "$WORK/out" "$WORK/out2" || fail "seoibctl check-config on a missing file says: $(cat "$WORK/out2")"
echo "PASS"
