#!/bin/bash
# The bash completion (completion/seoibctl.bash) under the real
# bash-completion: the commands of 'seoibctl --help', and for each command
# every long option its --help names, whether in an option table or only in
# the usage line.
# bash-completion is written for interactive shells: no -e, no -u.
set -o pipefail
fail() { echo "FAIL: $*" >&2; exit 1; }
BC=/usr/share/bash-completion/bash_completion
[ -f "$BC" ] || { echo "SKIP: bash-completion is not installed (./setup.sh installs it)"; exit 77; }
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
	for o in $(seoibctl "$c" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -qx -- "$o" <<<"$offered_opts" || fail "'seoibctl $c --<TAB>' does not offer $o: $(echo $offered_opts)"
	done
done
# The values of apply --remediation and audit --hook-mode.
offered=$(complete_line seoibctl apply --domain g --remediation "")
[ "$(echo $offered)" = "in-kernel-irqchip no-x2apic auto" ] || fail "'apply --remediation <TAB>': $(echo $offered)"
offered=$(complete_line seoibctl audit --hook-mode e)
[ "$offered" = enforce ] || fail "'audit --hook-mode e<TAB>': $offered"
echo "PASS"
