#!/bin/bash
# The fleet chain through the real seoibctl: fleet-backends decides which
# backends answer check --dest and fleet, in which order. A fake ssh on
# PATH ($WORK/bin/ssh) answers with the legacy record (or fails like ssh
# does when a host is down), fleet-directory holds the three fixtures, and
# a fake etcd gateway (fake_etcd.py) answers "no such key". The answers
# differ (legacy: quirked only; the directory's hv-fixed-2: every state), so
# each case shows which backend answered.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require jq "Debian package jq"
require python3 "Debian package python3"

DATA=$SEOIB_SOURCE_ROOT/tests/record/data
DIR=$WORK/records
mkdir -p "$DIR" "$WORK/bin"
cp "$DATA/fixed-control.json" "$DIR/hv-fixed-2.json"
cp "$DATA/fixed-stock-qemu.json" "$DIR/hv-fixed-1.json"
cp "$DATA/legacy.json" "$DIR/hv-legacy-1.json"
cat >"$WORK/bin/ssh" <<FAKE
#!/bin/bash
# Fake ssh: the host is the argument after "--".
while [ "\$1" != "--" ]; do shift; done
echo "\$2" >>"$WORK/ssh.calls"
if [ -e "$WORK/ssh.down" ]; then
	echo "ssh: connect to host \$2 port 22: Connection refused" >&2
	exit 255
fi
if [ -e "$WORK/ssh.impostor" ]; then cat "$DATA/legacy.json"; exit 0; fi # another machine answers
# A prepared reply, and the remote command's exit status that ssh passes on.
if [ -e "$WORK/ssh.reply" ]; then cat "$WORK/ssh.reply"; exit "\$(cat "$WORK/ssh.exit")"; fi
# More than any reply can be, then silence with the pipes still open.
if [ -e "$WORK/ssh.big" ]; then yes '"0123456789abcdef0123456789abcdef0123456789abcdef",' | head -c 3000000; sleep 30; fi
jq --arg h "\$2" '.host.hostname = \$h' "$DATA/legacy.json"
FAKE
chmod +x "$WORK/bin/ssh"
export PATH="$WORK/bin:$PATH"

# check_from NAME WANT-RC WANT-STATES CONFIG-LINES...: check --dest hv-fixed-2
# exits WANT-RC and judged a record with WANT-STATES (jq array, "null" when
# it had none).
check_from() {
	local name=$1 want=$2 states=$3 rc=0
	shift 3
	echo "== check --dest: $name"
	# The fixtures are old: their age is not what these cases are about.
	printf '%s\n' "max-record-age = 0" "$@" >"$WORK/$name.conf"
	: >"$WORK/ssh.calls"
	timeout 60 "$SEOIBCTL" check -c test:///default --json --dest "${DEST:-hv-fixed-2}" --config "$WORK/$name.conf" \
		>"$WORK/$name.out" 2>"$WORK/$name.err" || rc=$?
	[ "$rc" = "$want" ] || fail "$name: exit $rc, not $want: $(cat "$WORK/$name.err")"
	[ "$(jq -c '.record.states' "$WORK/$name.out")" = "$states" ] ||
		fail "$name: judged $(jq -c '.record' "$WORK/$name.out"), not states $states"
}
ssh_calls() { wc -l <"$WORK/ssh.calls"; }
ALL='["quirked","respected","not-advertised"]'
LEGACY='["quirked"]'

check_from file-then-ssh 0 "$ALL" "fleet-backends = file,ssh" "fleet-directory = $DIR"
[ "$(ssh_calls)" = 0 ] || fail "file answered, yet ssh was asked"
check_from ssh-then-file 0 "$LEGACY" "fleet-backends = ssh,file" "fleet-directory = $DIR"
[ "$(ssh_calls)" = 1 ] || fail "ssh first was not asked once"
touch "$WORK/ssh.down"
check_from ssh-down-then-file 0 "$ALL" "fleet-backends = ssh,file" "fleet-directory = $DIR"
[ "$(ssh_calls)" = 1 ] || fail "the ssh that was down was not asked first"
check_from ssh-down-alone 3 null "fleet-backends = ssh"
grep -q "ssh to hv-fixed-2 failed: ssh: connect to host hv-fixed-2 port 22: Connection refused" \
	"$WORK/ssh-down-alone.err" || fail "ssh-down-alone: $(cat "$WORK/ssh-down-alone.err")"
rm "$WORK/ssh.down"
# ssh reaching another machine (an alias, a stale DNS entry): its record is
# not the destination's, so the destination is unknown.
touch "$WORK/ssh.impostor"
check_from ssh-impostor 3 null "fleet-backends = ssh"
grep -q "ssh to hv-fixed-2 reached host 'hv-legacy-1'" "$WORK/ssh-impostor.err" ||
	fail "ssh-impostor: $(cat "$WORK/ssh-impostor.err")"
rm "$WORK/ssh.impostor"
# The envelope of seoibctl status --json carries the peer's verdict about
# its own record (exit, stale, error): honoured, with the peer's sentence
# quoted and escaped (issue 20, item 4). Before, the record was read and
# the verdict dropped: a stale record from another boot said "ok".
envelope() { # envelope EXIT STALE ERROR-JSON [ssh exit]: the reply, as status prints it
	jq --argjson exit "$1" --argjson stale "$2" --argjson error "$3" \
		'{record_path: "/run/seoib/host.json", daemon: "active", exit: $exit, error: $error, stale: $stale,
		  status: .status, record: .}' "$DATA/fixed-control.json" >"$WORK/ssh.reply"
	echo "${4:-0}" >"$WORK/ssh.exit"
}
envelope 0 false null
check_from envelope-ok 0 "$ALL" "fleet-backends = ssh"
BOOT_ERR=$(jq -n --arg e "$(printf 'the host record /run/seoib/host.json is from another boot \033[31m(reboot: run seoibctl reprobe)')" '$e')
envelope 3 true "$BOOT_ERR"
check_from envelope-stale 3 null "fleet-backends = ssh"
grep -qF 'says its own record is not usable (exit 3, stale): "the host record /run/seoib/host.json is from another boot \u001b[31m(reboot' \
	"$WORK/envelope-stale.err" || fail "envelope-stale: $(cat "$WORK/envelope-stale.err")"
! LC_ALL=C grep -q $'\033' "$WORK/envelope-stale.err" || fail "envelope-stale: the peer's escape reaches the terminal"
envelope 0 false '"the host record says error: the capability probe failed"'
check_from envelope-error 3 null "fleet-backends = ssh"
grep -q 'not usable (exit 0): "the host record says error: the capability probe failed"' "$WORK/envelope-error.err" ||
	fail "envelope-error: $(cat "$WORK/envelope-error.err")"
envelope 2 false null
check_from envelope-exit 3 null "fleet-backends = ssh"
grep -q 'not usable (exit 2): "no reason given"' "$WORK/envelope-exit.err" ||
	fail "envelope-exit: $(cat "$WORK/envelope-exit.err")"
envelope 0 false '7'
check_from envelope-error-not-text 3 null "fleet-backends = ssh"
grep -q 'field "error" is not a string' "$WORK/envelope-error-not-text.err" ||
	fail "envelope-error-not-text: $(cat "$WORK/envelope-error-not-text.err")"
# The remote command's own exit status, passed on by ssh, counts too.
jq . "$DATA/fixed-control.json" >"$WORK/ssh.reply"
echo 3 >"$WORK/ssh.exit"
check_from remote-exit-3 3 null "fleet-backends = ssh"
grep -q 'seoibctl status --json there exited 3' "$WORK/remote-exit-3.err" ||
	fail "remote-exit-3: $(cat "$WORK/remote-exit-3.err")"
rm "$WORK/ssh.reply" "$WORK/ssh.exit"
# A reply past the bound fails as itself, at once, not as a timeout.
touch "$WORK/ssh.big"
started=$SECONDS
check_from ssh-too-big 3 null "fleet-backends = ssh" "ssh-connect-timeout = 1"
grep -q 'ssh hv-fixed-2 seoibctl status --json sent more than 1048576 bytes' "$WORK/ssh-too-big.err" ||
	fail "ssh-too-big: $(cat "$WORK/ssh-too-big.err")"
[ $((SECONDS - started)) -lt 15 ] || fail "ssh-too-big: waited $((SECONDS - started)) s for a peer past the bound"
rm "$WORK/ssh.big"
# The default chain without etcd-endpoints is ssh, as before fleet-backends.
check_from default-without-etcd 0 "$LEGACY"
# Absent is final: a host missing from the first backend that answers is
# unknown, never judged by an older record further down the chain.
DEST=hv-gone check_from file-absent-is-final 3 null "fleet-backends = file,ssh" "fleet-directory = $DIR"
[ "$(ssh_calls)" = 0 ] || fail "absent from the directory, yet ssh was asked"
grep -q "hv-gone has no record in fleet-directory $DIR" "$WORK/file-absent-is-final.err" ||
	fail "file-absent-is-final: $(cat "$WORK/file-absent-is-final.err")"

# etcd answering "no such key" (the fake's healthy empty range): unknown,
# the directory behind it is not read; etcd down: the directory answers.
FAKE_REQUESTS=$WORK/fake.requests
: >"$WORK/fake.replies"
python3 "$(dirname "$0")/fake_etcd.py" "$WORK/fake.port" "$FAKE_REQUESTS" "$WORK/fake.replies" 2>>"$WORK/fake.log" &
PIDS+=("$!")
wait_until 30 test -s "$WORK/fake.port" || fail "the fake etcd did not start"
check_from etcd-absent-is-final 3 null "fleet-backends = etcd,file" "fleet-directory = $DIR" \
	"etcd-endpoints = http://127.0.0.1:$(cat "$WORK/fake.port")"
grep -q "has no record in the fleet inventory" "$WORK/etcd-absent-is-final.err" ||
	fail "etcd-absent-is-final: $(cat "$WORK/etcd-absent-is-final.err")"
check_from etcd-down-then-file 0 "$ALL" "fleet-backends = etcd,file" "fleet-directory = $DIR" \
	"etcd-endpoints = http://127.0.0.1:$(free_port)"

echo "== fleet lists fleet-directory, and names what it cannot read"
echo '{"schema": "seoib.host/1"}' >"$DIR/hv-broken.json"
printf '%s\n' "fleet-backends = ssh,file" "fleet-directory = $DIR" >"$WORK/list.conf"
"$SEOIBCTL" fleet --json --config "$WORK/list.conf" >"$WORK/list.out" 2>"$WORK/list.err" ||
	fail "fleet over the directory failed: $(cat "$WORK/list.err")"
jq -e '[.hosts[].hostname] == ["hv-fixed-1", "hv-fixed-2", "hv-legacy-1"] and .invalid[0].key == "hv-broken"' \
	"$WORK/list.out" >/dev/null || fail "fleet over the directory: $(cat "$WORK/list.out")"
grep -q "skipped hv-broken" "$WORK/list.err" || fail "the broken file is not named: $(cat "$WORK/list.err")"
# fleet_fails NAME EXPECT CONFIG-LINES...: fleet exits 2 with EXPECT on stderr.
fleet_fails() {
	local name=$1 expect=$2 rc=0
	shift 2
	echo "== fleet: $name"
	printf '%s\n' "$@" >"$WORK/$name.conf"
	"$SEOIBCTL" fleet --json --config "$WORK/$name.conf" >/dev/null 2>"$WORK/$name.err" || rc=$?
	[ "$rc" = 2 ] && grep -q -- "$expect" "$WORK/$name.err" || fail "$name: exit $rc, $(cat "$WORK/$name.err")"
}
# No backend that can list: the fix for this configuration, never a key
# that is already set (issue 19: fleet-directory set, file not named).
fleet_fails no-listing-backend "no backend of fleet-backends = ssh can list hosts; add etcd (with etcd-endpoints) or file" "fleet-backends = ssh"
fleet_fails file-without-directory "fleet-backends = file can list hosts; set fleet-directory in seoib.conf" "fleet-backends = file"
fleet_fails directory-without-file "fleet-directory is set, but fleet-backends does not name file: add it in seoib.conf (fleet-backends = etcd,ssh,file)" "fleet-directory = $DIR"
fleet_fails unknown-backend "'consul', which is no fleet backend" "fleet-backends = etcd,consul"
# check --dest: the same configuration error, exit 2, never "no record".
printf '%s\n' "fleet-backends = etcd,consul" >"$WORK/check-unknown-backend.conf"
rc=0
"$SEOIBCTL" check -c test:///default --dest hv-fixed-2 --config "$WORK/check-unknown-backend.conf" \
	>/dev/null 2>"$WORK/check-unknown-backend.err" || rc=$?
[ "$rc" = 2 ] && grep -q -- "'consul', which is no fleet backend" "$WORK/check-unknown-backend.err" ||
	fail "check with an unknown backend: exit $rc, $(cat "$WORK/check-unknown-backend.err")"
echo "PASS"
