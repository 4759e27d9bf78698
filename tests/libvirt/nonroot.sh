#!/bin/bash
# A user who is not root looks at the host's guests (issue 19): seoibctl
# check --dest and policy --domain, without -c, open qemu:///system (here a
# real libvirtd, its socket at /run/libvirt in its own mount namespace) and
# see the guest running there, instead of libvirt's own default for such a
# user, qemu:///session, whose empty list read as "No running domains", exit
# 0. The instance lets any local user in (auth_unix_rw = "none", socket
# 0777), as group libvirt and polkit do on a real host.
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
command -v setpriv >/dev/null || { echo "SKIP: setpriv is not installed"; exit 77; }
id nobody >/dev/null 2>&1 || { echo "SKIP: no user nobody"; exit 77; }
make_work_dir libvirt-nonroot T
at_exit lv_cleanup
A=$T/a
LIN=7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4e
lv_prepare "$A" a hv-legacy 11111111-2222-3333-4444-555555555556 0
printf '%s\n' 'auth_unix_rw = "none"' 'unix_sock_rw_perms = "0777"' >>"$A/etc/libvirtd.conf"
lv_record legacy hv-legacy "$A/run/seoib/host.json"
chmod 644 "$A/run/seoib/host.json"
lv_start "$A"
lv_domain vm-linux $LIN linux >"$T/linux.xml"
lv_virsh "$A" define "$T/linux.xml" >/dev/null
lv_virsh "$A" start vm-linux >/dev/null

# as_nobody CMD...: in the instance's mount namespace (/run/libvirt is its),
# as nobody, without LIBVIRT_DEFAULT_URI and with /etc/seoib/seoib.conf's
# defaults (libvirt-uri = qemu:///system), bounded.
as_nobody() {
	lv_exec "$A" setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		env -u LIBVIRT_DEFAULT_URI HOME=/nonexistent timeout 60 "$@"
}
rc=0
as_nobody "$SEOIBCTL" check --dest hv-legacy --record-from-file /run/seoib/host.json --config /nonexistent/seoib.conf \
	>"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 0 ] || lv_fail "check as nobody exited $rc: $(cat "$T/out" "$T/err")"
grep -q '^vm-linux  *quirked  *ok' "$T/out" || lv_fail "check as nobody did not list vm-linux: $(cat "$T/out" "$T/err")"
rc=0
as_nobody "$SEOIBCTL" check --dest hv-legacy --record-from-file /run/seoib/host.json --config /nonexistent/seoib.conf \
	--json >"$T/out" 2>"$T/err" || rc=$?
jq -e '.uri == "qemu:///system" and ([.domains[].name] == ["vm-linux"])' "$T/out" >/dev/null ||
	lv_fail "check --json as nobody: $(cat "$T/out" "$T/err")"
rc=0
as_nobody "$SEOIBCTL" policy --domain vm-linux --host /run/seoib/host.json --config /nonexistent/seoib.conf --json \
	>"$T/out" 2>"$T/err" || rc=$?
[ "$rc" != 2 ] || lv_fail "policy --domain vm-linux as nobody: $(cat "$T/err")"
jq -e '.guest.name == "vm-linux"' "$T/out" >/dev/null || lv_fail "policy --domain as nobody: $(cat "$T/out")"
# A guest that is not there: the sentence names the URI and how to choose another.
rc=0
as_nobody "$SEOIBCTL" policy --domain no-such-guest --host /run/seoib/host.json --config /nonexistent/seoib.conf \
	>"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || lv_fail "policy --domain no-such-guest as nobody exited $rc"
lv_expect_contains "$(cat "$T/err")" "no domain 'no-such-guest' at qemu:///system (libvirt-uri in seoib.conf" \
	"policy --domain no-such-guest as nobody"
lv_virsh "$A" destroy vm-linux >/dev/null
echo "PASS"
