# bash completion for seoibctl(1).
# Commands and options come from seoibctl's own --help, so that this file
# never drifts from the program.
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
		local domains
		domains=$(virsh -q list --all --name 2>/dev/null)
		COMPREPLY=($(compgen -W "$domains" -- "$cur"))
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
