#!/bin/bash
# The inventory over TLS with a test CA made here, client certificates, and
# etcd user/password authentication (token header), against a real etcd.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

require etcd "Debian package etcd-server"
require etcdctl "Debian package etcd-client"
require openssl "Debian package openssl"
require jq "Debian package jq"

RECORDS="$SEOIB_SOURCE_ROOT/tests/record/data"
PKI="$WORK/pki"
mkdir -p "$PKI"

echo "== a test CA, a server certificate for 127.0.0.1, a client certificate"
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=seoib-test-ca \
	-keyout "$PKI/ca.key" -out "$PKI/ca.pem" 2>/dev/null
issue() { # issue NAME SUBJECT EXTENSIONS
	openssl req -newkey rsa:2048 -nodes -subj "$2" -keyout "$PKI/$1.key" -out "$PKI/$1.csr" 2>/dev/null
	printf '%s\n' "$3" >"$PKI/$1.ext"
	openssl x509 -req -in "$PKI/$1.csr" -CA "$PKI/ca.pem" -CAkey "$PKI/ca.key" -CAcreateserial -days 2 \
		-extfile "$PKI/$1.ext" -out "$PKI/$1.pem" 2>/dev/null
}
# clientAuth too: etcd 3.4's JSON gateway dials etcd itself with this certificate.
issue server /CN=127.0.0.1 "subjectAltName=IP:127.0.0.1
extendedKeyUsage=serverAuth,clientAuth"
# No CN: etcd 3.4 refuses gateway requests whose client certificate has one
# ("CommonName of client sending a request against gateway will be ignored").
issue client /O=seoib-hosts "extendedKeyUsage=clientAuth"
# A second CA the server does not trust, for the negative case.
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=other-ca \
	-keyout "$PKI/other.key" -out "$PKI/other.pem" 2>/dev/null

start_etcd https --cert-file "$PKI/server.pem" --key-file "$PKI/server.key" \
	--trusted-ca-file "$PKI/ca.pem" --client-cert-auth
ctl() {
	ETCDCTL_API=3 etcdctl --endpoints "$ETCD_URL" --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" \
		--key "$PKI/client.key" --dial-timeout=2s --command-timeout=3s "$@"
}
wait_until 10 ctl endpoint health >/dev/null 2>&1 || fail "etcd with TLS did not become healthy in 10 s"

echo "== user/password authentication enabled"
ctl user add root:s3cret-pw >/dev/null
ctl role add root >/dev/null
ctl user grant-role root root >/dev/null
ctl auth enable >/dev/null
echo s3cret-pw >"$WORK/etcd-password"
chmod 600 "$WORK/etcd-password"

TLS_LINES=("etcd-ca = $PKI/ca.pem" "etcd-cert = $PKI/client.pem" "etcd-key = $PKI/client.key")
write_config "$WORK/seoib.conf" "${TLS_LINES[@]}" "etcd-user = root" "etcd-password-file = $WORK/etcd-password"
cp "$RECORDS/fixed-control.json" "$WORK/host.json"
"$PUBLISH_DRIVER" "$WORK/seoib.conf" "$WORK/host.json" >>"$WORK/publisher.log" 2>&1 &
PUBLISHER=$!
PIDS+=("$PUBLISHER")

fleet_hosts() { "$SEOIBCTL" fleet --config "$1" --json 2>/dev/null | jq -r '[.hosts[].hostname] | join(",")'; }
published() { [ "$(fleet_hosts "$WORK/seoib.conf")" = hv-fixed-2 ]; }
wait_until 10 published || fail "record not published / read over TLS with authentication"

echo "== the record is really stored (read with etcdctl)"
ctl --user root:s3cret-pw get /seoib/v1/hosts/hv-fixed-2 --print-value-only | jq -e '.host.hostname == "hv-fixed-2"' >/dev/null ||
	fail "etcdctl does not see the published record"

echo "== a wrong password is refused with a clear error"
echo wrong >"$WORK/wrong-password"
write_config "$WORK/wrong.conf" "${TLS_LINES[@]}" "etcd-user = root" "etcd-password-file = $WORK/wrong-password"
rc=0
"$SEOIBCTL" fleet --config "$WORK/wrong.conf" >/dev/null 2>"$WORK/stderr" || rc=$?
[ "$rc" = 2 ] || fail "wrong password gave exit $rc, not 2"
grep -q "refused /v3/auth/authenticate" "$WORK/stderr" || fail "unclear auth error: $(cat "$WORK/stderr")"

echo "== a CA that did not sign the server's certificate is refused"
write_config "$WORK/untrusted.conf" "etcd-ca = $PKI/other.pem" "etcd-cert = $PKI/client.pem" \
	"etcd-key = $PKI/client.key" "etcd-user = root" "etcd-password-file = $WORK/etcd-password"
rc=0
"$SEOIBCTL" fleet --config "$WORK/untrusted.conf" >/dev/null 2>"$WORK/stderr" || rc=$?
[ "$rc" = 2 ] || fail "untrusted server certificate gave exit $rc, not 2"
grep -q "cannot reach etcd at $ETCD_URL" "$WORK/stderr" || fail "unclear TLS error: $(cat "$WORK/stderr")"

echo "== without a client certificate the server refuses the connection"
write_config "$WORK/nocert.conf" "etcd-ca = $PKI/ca.pem" "etcd-user = root" "etcd-password-file = $WORK/etcd-password"
rc=0
"$SEOIBCTL" fleet --config "$WORK/nocert.conf" >/dev/null 2>"$WORK/stderr" || rc=$?
[ "$rc" = 2 ] || fail "missing client certificate gave exit $rc, not 2"

echo "== a clean stop revokes the lease over TLS"
stop_publisher "$PUBLISHER" hv-fixed-2
[ -z "$(fleet_hosts "$WORK/seoib.conf")" ] || fail "record still listed after a clean stop"
stop_pid "$ETCD_PID" TERM
echo "PASS"
