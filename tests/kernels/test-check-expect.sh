#!/bin/bash
# The harness's own checks, without booting anything: check-expect.sh must
# pass true lines, fail false ones with the file, line and JSON, and refuse an
# empty or broken check; fetch-kernel.sh must skip (77) only when the archive
# is unreachable, fall back to a cached kernel then, and fail (1) when the
# archive answers but is broken.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/../lib.sh"
make_work_dir check-expect work
server_pid=
at_exit '[ -z "$server_pid" ] || kill "$server_pid" 2>/dev/null || true'

cat >"$work/record.json" <<'EOF'
{"schema": "seoib.host/1", "host": {"kernel_release": "6.1.0-28-amd64"},
 "kvm": {"x2apic_api": {"system": 3}, "enable_cap": {"in-kernel": {"enable": "EINVAL"}}}}
EOF

# 1. True lines, comments and blank lines: pass, and say how many were checked.
mkdir -p "$work/good"
cat >"$work/good/a.jq" <<'EOF'
# a comment
.schema == "seoib.host/1"

.kvm.x2apic_api.system == 3
.host.kernel_release == $release
.kvm.enable_cap["in-kernel"].enable == "EINVAL"
EOF
out=$("$here/check-expect.sh" "$work/record.json" "$work/good" release 6.1.0-28-amd64) ||
	fail "true expectations were reported as failing: $out"
grep -q 'all 4 expectations' <<<"$out" || fail "expected 4 expectations checked, got: $out"

# 2. A false line fails, naming file:line, what it printed and the JSON.
mkdir -p "$work/bad"
printf '.schema == "seoib.host/1"\n# c\n.kvm.x2apic_api.system == 15\n' >"$work/bad/caps.jq"
status=0
out=$("$here/check-expect.sh" "$work/record.json" "$work/bad") || status=$?
[ $status -eq 1 ] || fail "a false expectation gave status $status, not 1: $out"
grep -q 'caps.jq:3: .kvm.x2apic_api.system == 15' <<<"$out" || fail "the failing line is not named: $out"
grep -q 'printed: false' <<<"$out" || fail "what the line printed is not shown: $out"
grep -q '.kvm.x2apic_api.system = 3' <<<"$out" || fail "the relevant JSON is not shown: $out"
grep -q '1 of 2 expectations' <<<"$out" || fail "the count is wrong: $out"

# 3. A line printing something other than true (here a string), or a jq error, fails.
printf '.schema\n' >"$work/bad/caps.jq"
"$here/check-expect.sh" "$work/record.json" "$work/bad" >/dev/null && fail "a non-boolean line passed"
printf '.schema ==\n' >"$work/bad/caps.jq"
"$here/check-expect.sh" "$work/record.json" "$work/bad" >/dev/null && fail "a jq syntax error passed"

# 4. No expectation at all is a defect, not a pass; neither is a non-JSON record.
mkdir -p "$work/empty"
printf '# only a comment\n' >"$work/empty/x.jq"
"$here/check-expect.sh" "$work/record.json" "$work/empty" 2>/dev/null && fail "an empty expectation directory passed"
echo 'not json' >"$work/broken.json"
"$here/check-expect.sh" "$work/broken.json" "$work/good" 2>/dev/null && fail "a non-JSON record passed"

# 5. The expectation files of the project are well-formed jq (a typo there
#    would otherwise only show on a kernel boot).
for file in "$here"/expect/*/*.jq; do
	lineno=0
	while IFS= read -r expr || [ -n "$expr" ]; do
		lineno=$((lineno + 1))
		[[ $expr =~ ^[[:space:]]*(#|$) ]] && continue
		jq -n --arg release x --arg suite x "null | try ($expr) catch true" >/dev/null 2>"$work/jq.err" ||
			fail "$file:$lineno is not a jq expression: $(cat "$work/jq.err")"
	done <"$file"
done

# 6. fetch-kernel.sh: unreachable archive, nothing cached: skip (77).
export SEOIB_KERNEL_CACHE=$work/cache
status=0
SEOIB_DEBIAN_MIRROR=http://127.0.0.1:9/debian "$here/fetch-kernel.sh" bookworm >/dev/null 2>"$work/err" || status=$?
[ $status -eq 77 ] || fail "an unreachable archive gave status $status, not 77: $(cat "$work/err")"
grep -q 'unreachable' "$work/err" || fail "the skip does not say the archive is unreachable: $(cat "$work/err")"

# 7. Unreachable archive, a stale kernel cached: use it (exit 0, its path).
entry=$work/cache/bookworm/6.1.0-1-amd64_6.1.1-1
mkdir -p "$entry/modules"
touch "$entry/vmlinuz" "$entry/modules/order"
echo 6.1.0-1-amd64 >"$entry/release"
ln -sfn 6.1.0-1-amd64_6.1.1-1 "$work/cache/bookworm/current"
out=$(SEOIB_KERNEL_MAX_AGE=0 SEOIB_DEBIAN_MIRROR=http://127.0.0.1:9/debian "$here/fetch-kernel.sh" bookworm 2>"$work/err") ||
	fail "a cached kernel was not used when the archive is unreachable: $(cat "$work/err")"
[ "$out" = "$entry" ] || fail "fetch-kernel.sh printed '$out', not the cached entry $entry."

# 8. A reachable server that is no Debian archive (404s): a failure (1), not a skip.
rm -rf "$work/cache"
mkdir -p "$work/www"
python3 -m http.server --bind 127.0.0.1 --directory "$work/www" 0 >"$work/http.log" 2>&1 &
server_pid=$!
port=
for _ in $(seq 50); do
	port=$(sed -n 's/.*port \([0-9]*\).*/\1/p' "$work/http.log" | head -n1)
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || fail "the test HTTP server did not start within 5 s: $(cat "$work/http.log")"
status=0
SEOIB_DEBIAN_MIRROR=http://127.0.0.1:$port/debian "$here/fetch-kernel.sh" bookworm >/dev/null 2>"$work/err" || status=$?
[ $status -eq 1 ] || fail "a broken archive gave status $status, not 1: $(cat "$work/err")"
grep -q 'apt-get update of bookworm' "$work/err" || fail "the failure does not name apt-get update: $(cat "$work/err")"
echo "check-expect.sh and fetch-kernel.sh behave."
