# bash completion for seoibctl(1).
# Commands and options come from seoibctl's own --help, so that this file
# never drifts from the program.

# Guest names for --domain, one a line: a name may hold spaces (libvirt
# allows anything but '/' and a newline), which word splitting would cut into
# several candidates. Each candidate is quoted for the command line. The URI
# is the one seoibctl uses: -c/--connect, else $LIBVIRT_DEFAULT_URI, else
# qemu:///system (seoibctl(1), OPTIONS).
_comp_seoibctl_domains()
{
	local -a line
	local n i uri=${LIBVIRT_DEFAULT_URI:-qemu:///system} prefix=$cur name
	# The words again without ':' as a break, so that a URI is one word.
	_get_comp_words_by_ref -n : -w line -i n
	for ((i = 1; i < n; i++)); do
		[[ ${line[i]} == -c || ${line[i]} == --connect ]] && uri=${line[i + 1]}
	done
	# What is typed so far, unquoted by hand (no eval of the command line):
	# an opening quote, and a backslash before a character.
	prefix=${prefix#[\'\"]}
	prefix=$(printf '%s' "$prefix" | sed 's/\\\(.\)/\1/g')
	COMPREPLY=()
	while IFS= read -r name; do
		[[ -n $name && $name == "$prefix"* ]] && COMPREPLY+=("$(printf '%q' "$name")")
	done < <(virsh -q -c "$uri" list --all --name 2>/dev/null)
}

_comp_seoibctl()
{
	local cur prev words cword
	_init_completion || return

	local cmd i
	for ((i = 1; i < cword; i++)); do
		if [[ ${words[i]} != -* ]]; then
			cmd=${words[i]}
			break
		fi
	done

	if [[ -z $cmd ]]; then
		local commands
		commands=$("$1" --help 2>/dev/null | awk '/^Commands:/ {on = 1; next} on && /^  [a-z]/ {print $1} on && /^$/ {on = 0}')
		COMPREPLY=($(compgen -W "$commands --help --version" -- "$cur"))
		return
	fi

	case $prev in
	--config | --host | --target | --record | --record-from-file | --xml | --cafile | --vmm-cache | --qemu | --device)
		_filedir
		return
		;;
	--domain)
		_comp_seoibctl_domains
		return
		;;
	--remediation)
		COMPREPLY=($(compgen -W "in-kernel-irqchip no-x2apic auto" -- "$cur"))
		return
		;;
	--hook-mode)
		COMPREPLY=($(compgen -W "enforce warn" -- "$cur"))
		return
		;;
	--dest | -c | --connect | --endpoints | --prefix | --vmm-control | --targets | --timeout | --reason)
		return
		;;
	esac

	if [[ $cur == -* ]]; then
		# Every long option the command's --help names: in its table, only
		# in its usage line (status, hook, reprobe), or in a sentence
		# (policy's live probe options), which _parse_help would miss.
		COMPREPLY=($(compgen -W '$(LC_ALL=C "$1" "$cmd" --help 2>&1 | grep -o -- "--[a-z][a-z-]*" | sort -u)' \
			-- "$cur"))
		[[ ${COMPREPLY-} == *= ]] && compopt -o nospace
	elif [[ $cmd == policy ]]; then
		_filedir xml
	fi
} &&
	complete -F _comp_seoibctl seoibctl
