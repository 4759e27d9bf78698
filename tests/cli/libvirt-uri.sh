#!/bin/bash
# The libvirt URI seoibctl looks at when not told (-c): $LIBVIRT_DEFAULT_URI,
# else libvirt-uri in seoib.conf, else qemu:///system, whoever runs it. A
# user who is not root must never get libvirt's own default, qemu:///session,
# whose empty list read as "No running domains", exit 0, while the host's
# guests ran under qemu:///system. Every sentence about a missing domain
# names the URI, where it came from and how to choose another. libvirt's
# test driver (test:///default, test:///FILE) needs no daemon.
set -euo pipefail
: "${SEOIBCTL:?}" "${SEOIB_SOURCE_ROOT:?}"
. "$(dirname "$0")/../lib.sh"
make_work_dir libvirt-uri work
chmod 755 "$work" # the unprivileged user reads the files in it
cp "$SEOIB_SOURCE_ROOT/tests/policy/records/h1-fixed.json" "$work/h1.json"
printf 'libvirt-uri =\n' >"$work/no-uri.conf"
printf 'libvirt-uri = test:///default\n' >"$work/test-uri.conf"
printf '<node/>\n' >"$work/empty-node.xml" # a test driver with no domain at all
chmod 644 "$work"/*

# run EXPECTED-RC CMD...: bounded, stdout and stderr kept apart.
run() {
	local want=$1 rc=0
	shift
	timeout 30 "$@" >"$work/out" 2>"$work/err" || rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, not $want: $(cat "$work/out" "$work/err")"
}
says() { grep -qF -- "$1" "$work/out" "$work/err" || fail "no '$1' in: $(cat "$work/out" "$work/err")"; }

# As a user who is not root, without LIBVIRT_DEFAULT_URI: qemu:///system,
# the host's guests. With no libvirtd there (or no access) that is an error
# naming the URI, never an all-clear about a session nobody uses.
if command -v setpriv >/dev/null && id nobody >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	as_user=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups env -u LIBVIRT_DEFAULT_URI HOME=/nonexistent)
	rc=0
	timeout 30 "${as_user[@]}" "$SEOIBCTL" check --dest h1 --record-from-file "$work/h1.json" \
		--config "$work/no-uri.conf" >"$work/out" 2>"$work/err" || rc=$?
	! grep -q "No running domains" "$work/out" || [ -S /run/libvirt/libvirt-sock ] ||
		fail "check as nobody answered without qemu:///system: $(cat "$work/out")"
	grep -qF "qemu:///system (seoib's default, the host's guests; choose another with -c URI)" "$work/out" "$work/err" ||
		fail "check as nobody (exit $rc) did not look at qemu:///system: $(cat "$work/out" "$work/err")"
	! grep -q "session" "$work/out" "$work/err" || fail "check as nobody used a session URI: $(cat "$work/err")"
	rc=0
	timeout 30 "${as_user[@]}" "$SEOIBCTL" policy --domain win11 --host "$work/h1.json" \
		--config "$work/no-uri.conf" >"$work/out" 2>"$work/err" || rc=$?
	[ "$rc" = 2 ] || fail "policy --domain as nobody exited $rc: $(cat "$work/err")"
	says "qemu:///system (seoib's default"
else
	echo "no setpriv or no user nobody, or not root: the unprivileged case is not run"
fi

# libvirt-uri in seoib.conf is the URI the operator means.
run 2 env -u LIBVIRT_DEFAULT_URI "$SEOIBCTL" policy --domain nosuch --host "$work/h1.json" --config "$work/test-uri.conf"
says "no domain 'nosuch' at test:///default (libvirt-uri in seoib.conf, where seoibd watches the guests; choose another with -c URI)"
says "virsh -c test:///default list --all"
# LIBVIRT_DEFAULT_URI, libvirt's own way of saying which, comes before it.
run 2 env LIBVIRT_DEFAULT_URI="test://$work/empty-node.xml" "$SEOIBCTL" policy --domain nosuch \
	--host "$work/h1.json" --config "$work/test-uri.conf"
says "no domain 'nosuch' at test://$work/empty-node.xml (from LIBVIRT_DEFAULT_URI; choose another with -c URI)"
# -c comes first of all; the domain is found there.
run 0 env LIBVIRT_DEFAULT_URI="test://$work/empty-node.xml" "$SEOIBCTL" policy --domain test -c test:///default \
	--host "$work/h1.json" --config "$work/no-uri.conf"
# check's empty list names the URI it listed.
run 0 "$SEOIBCTL" check --dest h1 --record-from-file "$work/h1.json" -c "test://$work/empty-node.xml" \
	--config "$work/no-uri.conf"
says "No running domains at test://$work/empty-node.xml (given with -c) to check against h1."
run 0 env LIBVIRT_DEFAULT_URI="test://$work/empty-node.xml" "$SEOIBCTL" check --dest h1 --record-from-file "$work/h1.json" \
	--config "$work/no-uri.conf" --json
jq -e --arg u "test://$work/empty-node.xml" '.uri == $u' "$work/out" >/dev/null || fail "check --json: $(cat "$work/out")"
# audit, ack and forget-state say where the URI they could not reach came
# from: not "given with -c" when nobody gave -c.
for cmd in "audit" "ack --domain x --reason y" "forget-state --domain x"; do
	# shellcheck disable=SC2086 # the command's words
	run 2 env LIBVIRT_DEFAULT_URI="test://$work/missing.xml" "$SEOIBCTL" $cmd --config "$work/no-uri.conf"
	says "cannot connect to libvirt at test://$work/missing.xml (from LIBVIRT_DEFAULT_URI; choose another with -c URI)"
done
echo "PASS"
