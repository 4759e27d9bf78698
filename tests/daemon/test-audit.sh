#!/bin/bash
# Audit() on seoibd's bus object: root only (it names every guest and what
# its operator acknowledged), and with libvirt-uri empty it says that it
# audits nothing. Its answer with real guests, and the guests' Prometheus
# series, are checked against a real libvirtd in tests/libvirt/audit.sh.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

command -v busctl >/dev/null || skip "busctl is not installed"
command -v setpriv >/dev/null || skip "setpriv is not installed"
[ "$(id -u)" -eq 0 ] || skip "needs root: Audit() is root-only and the test plays an unprivileged peer"

start_bus
write_config
start_daemon fixed
out=$(as_nobody busctl --address="$DBUS_SYSTEM_BUS_ADDRESS" --timeout=10 call org.seoib1 /org/seoib1 \
	org.seoib1.Host Audit 2>&1) && fail "an unprivileged peer read the audit: $out"
# The bus policy denies it first (as systemd/org.seoib1.conf does); seoibd
# checks the caller's uid as well, where a policy is missing.
grep -Eq "only root|Access denied" <<<"$out" || fail "Audit() as nobody: $out"
out=$(bus call org.seoib1 /org/seoib1 org.seoib1.Host Audit 2>&1) && fail "Audit() answered with libvirt-uri off: $out"
grep -q "libvirt-uri is empty" <<<"$out" || fail "Audit() with libvirt-uri off: $out"
stop_daemon
echo "PASS"
