# bash completion for pbr(8) and its pbr-OBJECT names.           -*- shell-script -*-
# Keywords follow the commands' grammar; table names come from the files
# ip(8) reads, devices and namespaces from the system (inside -n NETNS).

_pbr_netns=""

_pbr_devices() {
	if [[ -n $_pbr_netns ]]; then
		ip -n "$_pbr_netns" -o link show 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'
	else
		command ls /sys/class/net 2>/dev/null
	fi
}

# Table names as ip(8) resolves them: rt_tables and the rt_tables.d/*.conf files.
_pbr_tables() {
	local f
	for f in /etc/iproute2/rt_tables /usr/share/iproute2/rt_tables \
		/etc/iproute2/rt_tables.d/*.conf /usr/share/iproute2/rt_tables.d/*.conf; do
		[[ -r $f ]] && awk '!/^[ \t]*(#|$)/ { print $2 }' "$f"
	done 2>/dev/null | sort -u
}

_pbr_words() {
	COMPREPLY+=($(compgen -W "$*" -- "$cur"))
}

# _pbr_unused "KEYWORDS" FROM: the keywords not among words[FROM..cword-1].
_pbr_unused() {
	local k u out=""
	for k in $1; do
		for u in "${words[@]:$2:cword-$2}"; do [[ $u == "$k" ]] && continue 2; done
		out="$out $k"
	done
	echo $out
}

_pbr_table() {
	local cmd=${words[1]:-} sub=${words[2]:-}
	local n=${#words[@]}
	if ((cword == 1)); then
		_pbr_words add del flush list show route rule dhcp help
		return
	fi
	case $cmd in
	dhcp)
		case $prev in
		table) _pbr_words "$(_pbr_tables)" ;;
		weight) ;;
		*)
			local w="balance weight table dns"
			((cword == 2)) && w="$w bound renew rebind reboot deconfig leasefail nak expire release stop"
			_pbr_words $w
			;;
		esac
		;;
	del | delete | flush | show)
		((cword == 2)) && _pbr_words "$(_pbr_tables)"
		;;
	add)
		((cword == 3)) && _pbr_words id
		;;
	route)
		if ((cword == 2)); then
			_pbr_words add del replace
		elif ((cword == 3)); then
			_pbr_words "$(_pbr_tables)"
		else
			case $prev in
			dev) _pbr_words "$(_pbr_devices)" ;;
			via | src | metric | weight) ;;
			local | blackhole | unreachable | prohibit) _pbr_words default ;;
			*)
				if ((cword == 4)); then
					_pbr_words default local blackhole unreachable prohibit
				else
					_pbr_words via dev src metric onlink nexthop weight
				fi
				;;
			esac
		fi
		;;
	rule)
		if ((cword == 2)); then
			_pbr_words add del
		elif ((cword == 3)); then
			_pbr_words "$(_pbr_tables)"
		else
			case $prev in
			iif | oif) _pbr_words "$(_pbr_devices)" ;;
			ipproto) _pbr_words tcp udp icmp icmpv6 sctp udplite gre esp ah ;;
			from | to | fwmark | sport | dport | tos | suppress_prefixlength | pref) ;;
			*)
				local sel="from to fwmark iif oif ipproto sport dport tos suppress_prefixlength pref"
				((cword == 4)) && sel="not $sel"
				_pbr_words $sel
				;;
			esac
		fi
		;;
	esac
}

# Selectors shared by mark and nat.
_pbr_selector() {
	case $prev in
	iif | oif) _pbr_words "$(_pbr_devices)"; return 0 ;;
	proto) _pbr_words tcp udp icmp icmpv6 sctp udplite gre esp ah; return 0 ;;
	state) _pbr_words new established related invalid new,established established,related; return 0 ;;
	from | to)
		if [[ $cur == @* ]]; then
			COMPREPLY+=($(compgen -f -P @ -- "${cur#@}"))
		fi
		return 0
		;;
	sport | dport | mac-source | dscp | table) return 0 ;;
	esac
	return 1
}

_pbr_mark() {
	local sel="from to not iif oif proto sport dport mac-source state dscp"
	if ((cword == 1)); then
		_pbr_words add del flush list show help
		return
	fi
	case ${words[1]} in
	add | del | delete)
		[[ $prev == table ]] && { _pbr_words "$(_pbr_tables)"; return; }
		_pbr_selector && return
		_pbr_words table sticky $sel
		;;
	flush)
		if ((cword == 2)); then _pbr_words table; else [[ $prev == table ]] && _pbr_words "$(_pbr_tables)"; fi
		;;
	esac
}

_pbr_nat() {
	local sel="from to not iif oif proto sport dport mac-source state dscp"
	if ((cword == 1)); then
		_pbr_words add del flush list show help
		return
	fi
	case ${words[1]} in
	add | del | delete)
		if ((cword == 2)); then
			_pbr_words masquerade snat dnat redirect
			return
		fi
		_pbr_selector && return
		case $prev in snat | dnat) return ;; esac
		_pbr_words $sel
		;;
	esac
}

_pbr_sysctl() {
	local v4="forwarding rp_filter proxy_arp arp_filter arp_ignore arp_announce route_localnet src_valid_mark accept_local send_redirects accept_redirects"
	local v6="forwarding accept_ra accept_redirects proxy_ndp disable_ipv6"
	local keys=$v4 i
	for i in "${pre[@]}"; do [[ $i == -6 ]] && keys=$v6; done
	if ((cword == 1)); then
		_pbr_words show get set help
		return
	fi
	case $prev in
	dev)
		_pbr_words "$(_pbr_devices) all default"
		return
		;;
	esac
	case ${words[1]} in
	show)
		((cword == 2)) && _pbr_words dev
		;;
	get)
		((cword == 2)) && _pbr_words dev all default
		_pbr_words $keys
		;;
	set)
		((cword == 2)) && _pbr_words dev all default
		local k
		for k in $keys; do
			[[ $k == "$cur"* ]] && COMPREPLY+=("$k=")
		done
		compopt -o nospace 2>/dev/null
		;;
	esac
}

# The prefixes pbr anyip answers for now (for del).
_pbr_anyip_prefixes() {
	command pbr ${_pbr_netns:+-n "$_pbr_netns"} -j anyip list 2>/dev/null |
		grep -o '"prefix":"[^"]*"' | cut -d'"' -f4 | sort -u
}

_pbr_anyip() {
	if ((cword == 1)); then
		_pbr_words add del flush list show help
		return
	fi
	case ${words[1]} in
	add | del | delete)
		if ((cword == 2)); then
			[[ ${words[1]} == add ]] || _pbr_words "$(_pbr_anyip_prefixes)"
			return
		fi
		case $prev in
		dev) _pbr_words "$(_pbr_devices)" ;;
		table) _pbr_words "$(_pbr_tables)" ;;
		redirect)
			local a
			if [[ -n $_pbr_netns ]]; then
				a=$(ip -n "$_pbr_netns" -4 -o addr show 2>/dev/null)
			else
				a=$(ip -4 -o addr show 2>/dev/null)
			fi
			_pbr_words "$(awk '{ sub(/\/.*/, "", $4); print $4 }' <<<"$a")"
			;;
		*)
			local w="dev table redirect"
			[[ ${words[1]} == add ]] || w=dev
			_pbr_words $(_pbr_unused "$w" 2)
			;;
		esac
		;;
	esac
}

_pbr_relay() {
	case $prev in
	-i | -id | -u | -iu | -t) _pbr_words "$(_pbr_devices)"; return ;;
	-m) _pbr_words append replace forward discard; return ;;
	-U) COMPREPLY+=($(compgen -u -- "$cur")); return ;;
	-p | -pf) COMPREPLY+=($(compgen -f -- "$cur")); return ;;
	-g | -r | -c) return ;;
	esac
	if ((cword == 1)) && [[ $cur != -* ]]; then
		_pbr_words show help
		return
	fi
	[[ ${words[1]} == show || ${words[1]} == help ]] && return
	[[ $cur == -* ]] && _pbr_words -i -id -u -iu -t -g -a -r -m -c -p -pf -U -f -d -q -4
}

_pbr_explain() {
	case $prev in
	iif) _pbr_words "$(_pbr_devices)"; return ;;
	proto) _pbr_words tcp udp icmp icmpv6 sctp udplite gre esp ah; return ;;
	state) _pbr_words new established related; return ;;
	from | to | sport | dport | mark | mac-source) return ;;
	esac
	_pbr_words $(_pbr_unused "iif from to proto sport dport mark mac-source state reply" 1)
}

_pbr() {
	local cur prev
	cur=${COMP_WORDS[COMP_CWORD]}
	prev=${COMP_WORDS[COMP_CWORD - 1]}
	COMPREPLY=()
	_pbr_netns=""

	local objects="table mark nat sysctl anyip relay show explain check help version"
	local i=1 obj="" pre=()
	local base=${COMP_WORDS[0]##*/}
	if [[ $base == pbr-* ]]; then
		obj=${base#pbr-}
	fi
	# Global options come before the object.
	while ((i < COMP_CWORD)) && [[ -z $obj ]]; do
		case ${COMP_WORDS[i]} in
		-n | --netns)
			_pbr_netns=${COMP_WORDS[i + 1]:-}
			pre+=("${COMP_WORDS[i]}")
			i=$((i + 2))
			continue
			;;
		-b | --batch)
			i=$((i + 2))
			continue
			;;
		-*)
			pre+=("${COMP_WORDS[i]}")
			i=$((i + 1))
			continue
			;;
		*)
			obj=${COMP_WORDS[i]}
			i=$((i + 1))
			break
			;;
		esac
	done
	if [[ $base == pbr-* ]]; then
		while ((i < COMP_CWORD)) && [[ ${COMP_WORDS[i]} == -* ]]; do
			[[ ${COMP_WORDS[i]} == -n ]] && { _pbr_netns=${COMP_WORDS[i + 1]:-}; i=$((i + 1)); }
			pre+=("${COMP_WORDS[i]}")
			i=$((i + 1))
		done
	fi

	case $prev in
	-n | --netns)
		COMPREPLY=($(compgen -W "$(ip netns list 2>/dev/null | awk '{ print $1 }')" -- "$cur"))
		return
		;;
	-b | --batch)
		COMPREPLY=($(compgen -f -- "$cur"))
		return
		;;
	esac

	if [[ -z $obj ]]; then
		if [[ $cur == -* ]]; then
			COMPREPLY=($(compgen -W "-n --netns -j --json -p --pretty -4 -6 -b --batch --dry-run -v --verbose -q --quiet --force -V --version -h --help" -- "$cur"))
		else
			COMPREPLY=($(compgen -W "$objects" -- "$cur"))
		fi
		return
	fi

	# words[0] is the object, as the object's main() sees argv.
	local words=("$obj" "${COMP_WORDS[@]:i:COMP_CWORD-i+1}")
	local cword=$((COMP_CWORD - i + 1))
	case $obj in
	table) _pbr_table ;;
	mark) _pbr_mark ;;
	nat) _pbr_nat ;;
	sysctl) _pbr_sysctl ;;
	anyip) _pbr_anyip ;;
	relay) _pbr_relay ;;
	explain) _pbr_explain ;;
	show | check) ((cword == 1)) && _pbr_words help ;;
	help) ((cword == 1)) && _pbr_words table mark nat sysctl anyip relay show explain check ;;
	esac
}

complete -F _pbr pbr pbr-table pbr-mark pbr-nat pbr-sysctl pbr-anyip pbr-relay pbr-show pbr-explain pbr-check
