#!/bin/bash
# The systemd unit passes `systemd-analyze verify`, and its hardening scores
# "OK" or better in `systemd-analyze security --offline` (docs/seoibd.md).
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v systemd-analyze >/dev/null || skip "systemd-analyze is not installed"
unit=$SEOIB_BUILD_ROOT/systemd/seoibd.service
[ -f "$unit" ] || fail "$unit was not generated"
grep -q '^ExecStart=/.*/seoibd --boot-id=%b$' "$unit" ||
	fail "ExecStart= does not run seoibd with the service manager's boot ID (--boot-id=%b): $(grep ExecStart= "$unit")"

# verify insists that ExecStart= and ExecReload='s seoibctl exist: point
# them at the built binaries, keep every other line (and ExecStart='s
# arguments). --man=no: seoib.conf(5) is only there once installed.
sed -e "s|^ExecStart=[^ ]*|ExecStart=$SEOIBD|" -e "s|^ExecReload=.*/seoibctl |ExecReload=$SEOIBCTL |" "$unit" >"$WORK/seoibd.service"
if ! systemd-analyze verify --man=no "$WORK/seoibd.service" >"$WORK/verify.log" 2>&1; then
	cat "$WORK/verify.log" >&2
	fail "systemd-analyze verify rejected seoibd.service"
fi
# Warnings count too: verify prints them and still exits 0.
if grep -v '^$' "$WORK/verify.log" | grep -q .; then
	cat "$WORK/verify.log" >&2
	fail "systemd-analyze verify complained about seoibd.service"
fi

# The exposure score: 0 (best) .. 10; "OK" is below 5.0, and we hold it
# under 2.0 so that a dropped hardening line fails here.
systemd-analyze security --offline=true "$WORK/seoibd.service" >"$WORK/security.log" 2>&1 ||
	fail "systemd-analyze security failed: $(tail -n 3 "$WORK/security.log")"
score=$(sed -n 's/.*Overall exposure level for seoibd.service: \([0-9.]*\) .*/\1/p' "$WORK/security.log")
[ -n "$score" ] || fail "no exposure score in: $(tail -n 3 "$WORK/security.log")"
awk -v s="$score" 'BEGIN { exit !(s < 2.0) }' || fail "exposure score $score is not below 2.0"
echo "exposure score: $score"

# The cache: root's seoibctl caches in /var/cache/seoib, which must stay
# root's; seoibd's is the directory below it (docs/seoibd.md, "The package").
grep -q '^CacheDirectory=seoib/seoibd$' "$unit" ||
	fail "seoibd.service does not cache in /var/cache/seoib/seoibd (CacheDirectory=seoib/seoibd): $(grep CacheDirectory= "$unit")"
grep -q '^d /var/cache/seoib 0755 root root -$' "$SEOIB_SOURCE_ROOT/systemd/tmpfiles.conf" ||
	fail "tmpfiles.d/seoib.conf does not make /var/cache/seoib root's"
# Exports go under /run/seoib: ReadWritePaths= would need a restart, not a reload.
if grep -n '^ReadWritePaths=' "$unit"; then
	fail "seoibd.service names ReadWritePaths= (line above), which takes effect only at start; exports go under /run/seoib"
fi

# The units' companions are well formed.
xmllint --noout "$SEOIB_SOURCE_ROOT/systemd/org.seoib1.conf" 2>/dev/null ||
	python3 -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$SEOIB_SOURCE_ROOT/systemd/org.seoib1.conf" ||
	fail "org.seoib1.conf is not well-formed XML"
grep -q '^SystemdService=seoibd.service$' "$SEOIB_SOURCE_ROOT/systemd/org.seoib1.service" ||
	fail "the activation file does not name seoibd.service"
grep -q '^BusName=org.seoib1$' "$unit" || fail "the unit lacks BusName=org.seoib1"
# ... and spell the names seoibd and seoibctl are built with (seoib/bus_names.h).
header="$SEOIB_SOURCE_ROOT/include/seoib/bus_names.h"
grep -q '^#define SEOIB_BUS_NAME "org.seoib1"$' "$header" || fail "$header does not name org.seoib1, as the unit and the policy do"
grep -q '^#define SEOIB_BUS_PATH "/org/seoib1"$' "$header" || fail "$header does not name /org/seoib1"
grep -q 'send_interface="org.seoib1.Host"' "$SEOIB_SOURCE_ROOT/systemd/org.seoib1.conf" ||
	fail "org.seoib1.conf does not allow the interface org.seoib1.Host that seoibd serves"
grep -q '^Name=org.seoib1$' "$SEOIB_SOURCE_ROOT/systemd/org.seoib1.service" ||
	fail "the activation file does not name org.seoib1"
echo "PASS"
