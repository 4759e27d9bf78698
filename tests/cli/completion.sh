#!/bin/bash
# The bash completion (completion/seoibctl.bash) under the real
# bash-completion: the commands of 'seoibctl --help', and for each command
# every long option its --help names, whether in an option table or only in
# the usage line.
# bash-completion is written for interactive shells: no -e, no -u.
set -o pipefail
. "$(dirname "$0")/../lib.sh"
BC=/usr/share/bash-completion/bash_completion
[ -f "$BC" ] || skip "bash-completion is not installed (./setup.sh installs it)"
. "$BC"
. "$SEOIB_SOURCE_ROOT/completion/seoibctl.bash"
PATH=$SEOIB_BUILD_ROOT/cli:$PATH

# complete WORD...: COMPREPLY for the command line WORD... (the last word is
# the one being completed), one candidate a line.
complete_line() {
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMP_LINE="$*"
	COMP_POINT=${#COMP_LINE}
	COMPREPLY=()
	_comp_seoibctl seoibctl "${COMP_WORDS[-1]}" "${COMP_WORDS[-2]}"
	printf '%s\n' "${COMPREPLY[@]}"
}

commands=$(seoibctl --help | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
[ -n "$commands" ] || fail "seoibctl --help lists no commands"
offered=$(complete_line seoibctl "")
for c in $commands; do
	grep -qx "$c" <<<"$offered" || fail "'seoibctl <TAB>' does not offer $c: $offered"
	offered_opts=$(complete_line seoibctl "$c" --)
	# Some commands (the hook) print their help on stderr: read both.
	help=$(seoibctl "$c" --help 2>&1) || fail "seoibctl $c --help failed: $help"
	opts=$(grep -o -- '--[a-z][a-z-]*' <<<"$help" | sort -u)
	[ -n "$opts" ] || fail "seoibctl $c --help names no option: $help"
	for o in $opts; do
		grep -qx -- "$o" <<<"$offered_opts" || fail "'seoibctl $c --<TAB>' does not offer $o: $(echo $offered_opts)"
	done
done
# --domain offers guest names whole, quoted for the command line, a name
# with spaces as one candidate (issue 19), from the URI seoibctl would use.
make_work_dir completion fake
cat >"$fake/virsh" <<FAKE
#!/bin/sh
echo "\$*" >>"$fake/calls"
printf '%s\n' 'win 11' 'win2' 'plain vm'
FAKE
chmod +x "$fake/virsh"
PATH=$fake:$PATH
got=$(complete_line seoibctl policy --domain win | sort)
[ "$got" = $'win2\nwin\\ 11' ] || fail "'seoibctl policy --domain win<TAB>' offers: $(echo "$got" | tr '\n' '|')"
got=$(complete_line seoibctl policy --domain 'win\ ')
[ "$got" = 'win\ 11' ] || fail "'seoibctl policy --domain win\\ <TAB>' offers: $(echo "$got" | tr '\n' '|')"
got=$(complete_line seoibctl check --dest hv2 --domain "'plain")
[ "$got" = 'plain\ vm' ] || fail "'seoibctl check --domain 'plain<TAB>' offers: $(echo "$got" | tr '\n' '|')"
grep -qx -- "-q -c qemu:///system list --all --name" "$fake/calls" || fail "virsh was called as: $(cat "$fake/calls")"
: >"$fake/calls"
complete_line seoibctl policy -c test:///default --domain p >/dev/null
grep -qx -- "-q -c test:///default list --all --name" "$fake/calls" || fail "with -c, virsh was called as: $(cat "$fake/calls")"

# The values of apply --remediation and audit --hook-mode.
offered=$(complete_line seoibctl apply --domain g --remediation "")
[ "$(echo $offered)" = "in-kernel-irqchip no-x2apic auto" ] || fail "'apply --remediation <TAB>': $(echo $offered)"
offered=$(complete_line seoibctl audit --hook-mode e)
[ "$offered" = enforce ] || fail "'audit --hook-mode e<TAB>': $offered"
echo "PASS"
