#!/bin/bash
# What the hook writes to the journal, read from a journal socket of this
# test's own (a private /run, a datagram socket where sd_journal_send()
# writes): the MESSAGE of every entry that is not an allow names the guest
# and says what to do, as its stderr line does, so that the roll-out's
# "journalctl -t seoib-hook -p warning" (README, seoib.conf(5)) tells which
# guest and how to fix it without -o verbose.
set -euo pipefail
. "$SEOIB_SOURCE_ROOT/tests/libvirt/lib.sh"
lv_skip_unless_possible
command -v python3 >/dev/null || skip "python3 is not installed"
export LV_DOMAIN_TYPE=kvm
if [ -z "${LV_IN_NS:-}" ]; then
	exec env LV_IN_NS=1 unshare --mount --propagation private "$0" "$@"
fi
mount --make-rprivate /
mount -t tmpfs -o mode=755 tmpfs /run
mkdir -p /run/seoib /run/systemd/journal
make_work_dir hook-journal T
LISTENER=
at_exit '[ -z "$LISTENER" ] || kill "$LISTENER" 2>/dev/null || true'
UUID=6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d

# The journal's native protocol: one datagram an entry, KEY=VALUE lines
# (a value with a newline is KEY, newline, 64-bit little-endian length,
# value). Each entry's MESSAGE goes to entries, one a line.
python3 - "$T/entries" <<'PY' &
import os, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/systemd/journal/socket")
open(sys.argv[1] + ".ready", "w").close()
while True:
    data, i, fields = s.recv(1 << 20), 0, {}
    while i < len(data):
        nl = data.index(b"\n", i)
        line = data[i:nl]
        if b"=" in line:
            k, v = line.split(b"=", 1)
            i = nl + 1
        else:
            n = struct.unpack("<Q", data[nl + 1:nl + 9])[0]
            k, v = line, data[nl + 9:nl + 9 + n]
            i = nl + 9 + n + 1
        fields[k.decode()] = v.decode()
    with open(sys.argv[1], "a") as f:
        f.write(fields.get("VERDICT", "") + "\t" + fields.get("MESSAGE", "").replace("\n", " ") + "\n")
PY
LISTENER=$!
for _ in $(seq 50); do [ -e "$T/entries.ready" ] && break; sleep 0.1; done
[ -e "$T/entries.ready" ] || fail "the test's journal socket did not come up"

hook() { # STDIN-FILE ARGS...
	rc=0
	timeout 30 "$SEOIBCTL" hook --config "$T/seoib.conf" "${@:2}" <"$1" >/dev/null 2>"$T/err" || rc=$?
}
entry() { # VERDICT: the last entry's MESSAGE, once it is there
	local i
	for i in $(seq 50); do
		grep -q "^$1	" "$T/entries" 2>/dev/null && break
		sleep 0.1
	done
	grep "^$1	" "$T/entries" | tail -n 1 | cut -f2-
}
expect_in() { # TEXT NEEDLE WHAT
	case "$1" in *"$2"*) ;; *) fail "$3: expected '$2' in the journal's MESSAGE: $1" ;; esac
}

lv_domain win11 $UUID windows >"$T/win11.xml"
lv_domain vm1 $UUID linux >"$T/linux.xml"
lv_record legacy hv-legacy /run/seoib/host.json

# A refusal, then a warning: the guest and the fix are in the message.
lv_config "$T" enforce allow
hook "$T/win11.xml" win11 prepare begin -
[ "$rc" = 1 ] || fail "win11 on a legacy host under enforce: exit $rc"
msg=$(entry refuse)
expect_in "$msg" "'win11'" "a refusal"
expect_in "$msg" "; to fix: switch guest win11 to the in-kernel irqchip" "a refusal"
lv_config "$T" warn allow
hook "$T/win11.xml" win11 prepare begin -
msg=$(entry warn)
expect_in "$msg" "; to fix: switch guest win11 to the in-kernel irqchip" "a warning"

# This host's record from another boot: on-error decides; the reason says
# why, but only the message's own words can say for which guest.
jq '.host.boot_id = "00000000-0000-4000-8000-000000000000"' /run/seoib/host.json >"$T/other-boot.json"
cp "$T/other-boot.json" /run/seoib/host.json
hook "$T/linux.xml" vm1 prepare begin -
[ "$rc" = 0 ] || fail "a record of another boot under on-error = allow: exit $rc"
msg=$(entry error-allow)
expect_in "$msg" "'vm1'" "error-allow"
expect_in "$msg" "from another boot of this host" "error-allow"
expect_in "$msg" "; to fix: make sure seoibd has published this host's record" "error-allow"
lv_config "$T" enforce deny
hook "$T/linux.xml" vm1 prepare begin -
[ "$rc" = 1 ] || fail "a record of another boot under on-error = deny: exit $rc"
msg=$(entry error-deny)
expect_in "$msg" "'vm1'" "error-deny"
expect_in "$msg" "; to fix:" "error-deny"

# An allow stays one short line.
lv_record legacy hv-legacy /run/seoib/host.json
hook "$T/linux.xml" vm1 prepare begin -
msg=$(entry allow)
expect_in "$msg" "seoib prepare begin: allow: 'vm1' starts quirked" "an allow"
case "$msg" in *"to fix"*) fail "an allow's message has a fix: $msg" ;; esac
echo PASS
