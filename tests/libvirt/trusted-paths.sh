#!/bin/bash
# The one ownership rule for the paths seoib trusts (seoib/trusted_path.h),
# on the record path from seoib.conf: with record-path in a directory
# another user owns (nobody, uid 65534), that user can forge a record
# saying this host runs every state. The root hook, under enforce and
# on-error = deny, must treat that record as unusable and refuse a
# respected Windows guest's arrival with the sentence, and
# seoibd --check-config must report the path. Before the rule, the hook
# accepted the migration and --check-config said ok (issue 20, item 5).
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1 ||
	! unshare --mount --propagation private true 2>/dev/null; then
	echo "SKIP: needs root, setpriv, a nobody user and mount namespaces"; exit 77
fi
# A private /run: an accepted arrival writes /run/seoib/domains.
if [ -z "${LV_IN_NS:-}" ]; then
	exec env LV_IN_NS=1 unshare --mount --propagation private "$0" "$@"
fi
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/seoib
make_work_dir trusted-paths T
chmod 755 "$T"
UUID=7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
export LV_DOMAIN_TYPE=kvm # fed to the hook directly: judged as a KVM guest
lv_domain win11 $UUID windows respected >"$T/win11.xml"
SEOIBD=$SEOIB_BUILD_ROOT/daemon/seoibd
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

conf() { # DIR RECORD: enforce, deny, record-path = RECORD
	lv_config "$1" enforce deny
	echo "record-path = $2" >>"$1/seoib.conf"
}
hook() { # DIR ARGS... ; sets rc, err
	rc=0
	timeout 30 "$SEOIBCTL" hook --config "$1/seoib.conf" "${@:2}" <"$T/win11.xml" >"$T/out" 2>"$T/err" || rc=$?
	err=$(cat "$T/err")
	[ ! -s "$T/out" ] || lv_fail "the hook printed on stdout: $(cat "$T/out")"
}
check_config() { # DIR ; sets rc, err
	rc=0
	timeout 30 "$SEOIBD" --check-config --config "$1/seoib.conf" --cache-dir "$T/cache" >"$T/out" 2>"$T/err" || rc=$?
	err=$(cat "$T/err")
}

# 1. The honest case: root's directory, root's record; the arrival of a
# respected guest on a host that runs every state is allowed.
mkdir -p "$T/good"
lv_record fixed-control host1 "$T/good/host.json"
conf "$T/good" "$T/good/host.json"
hook "$T/good" win11 migrate begin -
[ "$rc" = 0 ] || lv_fail "a respected guest's arrival on a trusted fixed record: exit $rc ($err)"
check_config "$T/good"
[ "$rc" = 0 ] || lv_fail "--check-config on a trusted record path: exit $rc ($err)"

# 2. The same record, forged by nobody in a directory nobody owns.
mkdir -p "$T/evil"
chown nobody: "$T/evil"
lv_record fixed-control host1 "$T/forged.json"
as_nobody sh -c "cat >$T/evil/host.json" <"$T/forged.json"
conf "$T/evil" "$T/evil/host.json"
hook "$T/evil" win11 migrate begin -
[ "$rc" = 1 ] || lv_fail "a record in a directory of uid 65534 let a respected guest arrive: exit $rc ($err)"
lv_expect_contains "$err" "no usable host record (refusing to use $T/evil: it belongs to uid 65534 with mode 0755" \
	"forged record"
lv_expect_contains "$err" "chown root: $T/evil" "what to do"
check_config "$T/evil"
[ "$rc" = 2 ] || lv_fail "--check-config on a record path in a directory of uid 65534: exit $rc ($err)"
lv_expect_contains "$err" "refusing to use $T/evil: it belongs to uid 65534" "--check-config"
# seoibctl check-config, the command on PATH, checks the same list.
rc=0
timeout 30 "$SEOIBCTL" check-config --config "$T/evil/seoib.conf" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || lv_fail "seoibctl check-config on a record path in a directory of uid 65534: exit $rc ($(cat "$T/err"))"
lv_expect_contains "$(cat "$T/err")" "refusing to use $T/evil: it belongs to uid 65534" "seoibctl check-config"
rc=0
timeout 30 "$SEOIBCTL" check-config --json --config "$T/evil/seoib.conf" >"$T/out" 2>/dev/null || rc=$?
jq -e '.ok == false and (.untrusted_paths | length) == 1' "$T/out" >/dev/null ||
	lv_fail "seoibctl check-config --json on an untrusted record path: $(cat "$T/out")"
# seoibctl status reads the same path under the same rule.
rc=0
timeout 30 "$SEOIBCTL" status --config "$T/evil/seoib.conf" >"$T/out" 2>"$T/err" || rc=$?
[ "$rc" = 2 ] || lv_fail "status on a record path in a directory of uid 65534: exit $rc ($(cat "$T/err"))"
lv_expect_contains "$(cat "$T/err")" "refusing to use $T/evil: it belongs to uid 65534" "status"

# 3. Root's directory, but the record file is nobody's: refused the same way.
chown root: "$T/evil"
chown nobody: "$T/evil/host.json"
hook "$T/evil" win11 migrate begin -
[ "$rc" = 1 ] || lv_fail "a record file of uid 65534 let a respected guest arrive: exit $rc ($err)"
lv_expect_contains "$err" "refusing to use $T/evil/host.json: it belongs to uid 65534 with mode 0644" "foreign file"

# 4. A directory on the way that others may write to (not sticky): refused.
chown root: "$T/evil/host.json"
mkdir -p "$T/open/inner"
chmod 777 "$T/open"
cp "$T/good/host.json" "$T/open/inner/host.json"
conf "$T/open" "$T/open/inner/host.json"
hook "$T/open" win11 migrate begin -
[ "$rc" = 1 ] || lv_fail "a record below a 0777 directory let a respected guest arrive: exit $rc ($err)"
lv_expect_contains "$err" "refusing to use $T/open: it belongs to uid 0 with mode 0777, but every directory" "0777 above"

# 5. An export path under a directory nobody owns: --check-config says so.
conf "$T/good" "$T/good/host.json"
echo "prometheus-textfile = $T/evil2/seoib.prom" >>"$T/good/seoib.conf"
mkdir "$T/evil2"
chown nobody: "$T/evil2"
check_config "$T/good"
[ "$rc" = 2 ] || lv_fail "--check-config on an export path in a directory of uid 65534: exit $rc ($err)"
lv_expect_contains "$err" "refusing to use $T/evil2: it belongs to uid 65534" "export path"
echo "PASS"
