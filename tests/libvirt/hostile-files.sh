#!/bin/bash
# The hook (root) against files a less privileged user controls. /run/seoib
# belongs to the daemon's user (RuntimeDirectory= with User=seoib); here that
# user is `nobody`, and every trap is planted by nobody itself (setpriv), as a
# compromised seoibd would: a symbolic link at /run/seoib/domains, a
# directory of its own there holding a forged "arrived by migration" record,
# and a FIFO as the host record.
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null || ! id nobody >/dev/null 2>&1 ||
	! unshare --mount --propagation private true 2>/dev/null; then
	echo "SKIP: needs root, setpriv, a nobody user and mount namespaces"; exit 77
fi
# A private /run so the hook's /run/seoib is this test's alone.
if [ -z "${LV_IN_NS:-}" ]; then
	exec env LV_IN_NS=1 unshare --mount --propagation private "$0" "$@"
fi
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
make_work_dir hostile-files T
chmod 755 "$T"
# nobody plays the service user: seoib is uid 65534 in this namespace's
# user database, so the ownership rule trusts /run/seoib as the package's
# (seoib/trusted_path.h), and only what the rule keeps from it is tested.
{ grep -v '^seoib:' /etc/passwd; echo 'seoib:x:65534:65534:nobody as seoib:/nonexistent:/usr/sbin/nologin'; } >"$T/passwd"
mount --bind "$T/passwd" /etc/passwd
mkdir -p /run/seoib
chown nobody: /run/seoib
UUID=6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d
lv_config "$T" enforce allow
lv_record legacy hv-legacy "$T/host.json"
cp "$T/host.json" /run/seoib/host.json
export LV_DOMAIN_TYPE=kvm # fed to the hook directly: judged as a KVM guest
lv_domain vm1 $UUID linux >"$T/linux.xml"
lv_domain win11 $UUID windows >"$T/win11.xml"
as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; }

hook() { # STDIN-FILE ARGS... ; sets rc, err
	rc=0
	timeout 30 "$SEOIBCTL" hook --config "$T/seoib.conf" "${@:2}" <"$1" >"$T/out" 2>"$T/err" || rc=$?
	err=$(cat "$T/err")
	[ ! -s "$T/out" ] || lv_fail "the hook printed on stdout: $(cat "$T/out")"
}

# 1. A symbolic link at /run/seoib/domains, to a directory root owns.
mkdir "$T/victim"
echo precious >"$T/victim/$UUID.json"
as_nobody ln -s "$T/victim" /run/seoib/domains
hook "$T/linux.xml" vm1 prepare begin -
[ "$rc" = 0 ] || lv_fail "prepare begin through a planted link: exit $rc ($err)"
lv_expect_contains "$err" "refusing to use /run/seoib/domains: it is a symbolic link owned by uid 65534" "planted link"
[ "$(ls "$T/victim")" = "$UUID.json" ] || lv_fail "prepare begin created files through the link: $(ls "$T/victim")"
[ "$(cat "$T/victim/$UUID.json")" = precious ] || lv_fail "prepare begin overwrote a file through the link"
hook "$T/linux.xml" vm1 stopped end -
[ "$rc" = 0 ] || lv_fail "stopped end: exit $rc"
[ -e "$T/victim/$UUID.json" ] || lv_fail "stopped end deleted a file through the planted link"
lv_expect_contains "$err" "refusing to use /run/seoib/domains" "stopped end through a link"
as_nobody rm /run/seoib/domains

# 2. A directory of nobody's own, holding a forged record that says the
# guest arrived by migration a moment ago: it must not skip the decision.
as_nobody mkdir /run/seoib/domains
now=$(date +%s)
as_nobody sh -c "printf '%s' '{\"schema\":\"seoib.domain/2\",\"phase\":\"pending\",\"name\":\"win11\",\"uuid\":\"$UUID\",\"state\":\"quirked\",\"operation\":\"migrate\",\"verdict\":\"allow\",\"time\":\"x\",\"time_unix\":$now}' >/run/seoib/domains/$UUID.pending.json"
hook "$T/win11.xml" win11 prepare begin -
[ "$rc" = 1 ] || lv_fail "a forged arrival record let an at-risk guest start: exit $rc ($err)"
lv_expect_contains "$err" "seoib: refused:" "forged arrival record"
hook "$T/linux.xml" vm1 prepare begin -
lv_expect_contains "$err" "refusing to use /run/seoib/domains: it belongs to uid 65534 with mode 0755" "foreign directory"
as_nobody rm -r /run/seoib/domains

# 3. Root's own directory, but writable by others: refused the same way.
mkdir -m 777 /run/seoib/domains
hook "$T/linux.xml" vm1 prepare begin -
lv_expect_contains "$err" "with mode 0777, but must belong to uid 0 and be writable by no one else" "0777 directory"
rmdir /run/seoib/domains

# 4. The honest case still works: created by the hook, root's, 0755.
hook "$T/linux.xml" vm1 prepare begin -
[ "$rc" = 0 ] && [ -z "$err" ] || lv_fail "plain prepare begin: exit $rc ($err)"
[ "$(stat -c %u:%a /run/seoib/domains)" = 0:755 ] || lv_fail "domains directory: $(stat -c %u:%a /run/seoib/domains)"
jq -e '.operation == "prepare"' /run/seoib/domains/$UUID.pending.json >/dev/null || lv_fail "no domain record written"
hook "$T/linux.xml" vm1 started begin -
jq -e '.operation == "prepare" and .phase == "running"' /run/seoib/domains/$UUID.json >/dev/null ||
	lv_fail "started begin committed nothing: $(ls /run/seoib/domains)"
# Temporary files of hooks killed between write and rename: an old one is
# swept (stopped end), a young one (a live writer's) and other names stay.
touch -d '-1 min' /run/seoib/domains/$UUID.json.tmp.abcdefgh /run/seoib/domains/notes.tmp
touch /run/seoib/domains/$UUID.json.tmp.ijklmnop
hook "$T/linux.xml" vm1 stopped end -
[ ! -e /run/seoib/domains/$UUID.json ] || lv_fail "stopped end did not forget the domain"
[ "$(ls /run/seoib/domains | tr '\n' ' ')" = "$UUID.json.tmp.ijklmnop notes.tmp " ] ||
	lv_fail "the sweep of temporary files: $(ls /run/seoib/domains)"
rm /run/seoib/domains/$UUID.json.tmp.ijklmnop /run/seoib/domains/notes.tmp
# An arrival record that lies about time (dated ahead, or INT64_MIN, whose
# age overflowed) never skips the start decision.
for when in $(( $(date +%s) + 3600 )) -9223372036854775808; do
	printf '{"schema":"seoib.domain/2","phase":"pending","name":"win11","uuid":"%s","state":"quirked","operation":"migrate","verdict":"allow","time":"x","time_unix":%s}' \
		"$UUID" "$when" >/run/seoib/domains/$UUID.pending.json
	hook "$T/win11.xml" win11 prepare begin -
	[ "$rc" = 1 ] || lv_fail "an arrival record dated $when let an at-risk guest start: exit $rc ($err)"
done
rm -f /run/seoib/domains/$UUID.pending.json

# 5. The host record as a FIFO nobody holds open: the hook must not wait
# for its 10 s alarm, and says what is wrong.
rm /run/seoib/host.json
as_nobody mkfifo /run/seoib/host.json
start=$(date +%s%N)
hook "$T/linux.xml" vm1 prepare begin -
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 5000 ] || lv_fail "the hook waited $ms ms on a FIFO host record"
lv_expect_contains "$err" "/run/seoib/host.json: is not a regular file (a FIFO)" "FIFO host record"

# 6. The configuration as a FIFO: the hook answers at once (on-error's
# default, allow, with the sentence), not after its 10 s alarm.
mkfifo "$T/fifo.conf"
start=$(date +%s%N)
rc=0
timeout 30 "$SEOIBCTL" hook --config "$T/fifo.conf" vm1 prepare begin - <"$T/linux.xml" >"$T/out" 2>"$T/err" || rc=$?
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -lt 5000 ] || lv_fail "the hook waited $ms ms on a FIFO configuration"
lv_expect_contains "$(cat "$T/err")" "configuration file $T/fifo.conf is not a regular file (a FIFO)" "FIFO configuration"
echo "PASS"
