#!/bin/bash
# The bash completion, driven as bash drives it (COMP_WORDS/COMP_CWORD):
# objects, commands, keywords, table names and devices.
. "$ROOT/tests/lib.sh"

ns_add r peer
veth r wan0 peer p1
veth r lan0 peer p2
printf '7000\tother\n' >/etc/iproute2/rt_tables.d/other.conf
ok "a pbr table to complete" p r table add mytable id 7001
N=$(ns r)

# comp WORDS...: the completions bash would offer for the last word.
comp() {
	bash -c '
		. /usr/share/bash-completion/bash_completion 2>/dev/null
		. "$1/completions/pbr.bash"
		shift
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		_pbr
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
	' _ "$ROOT" "$@"
}

eq "objects" "anyip check explain help mark nat relay show sysctl table version" "$(comp pbr "")"
eq "objects after global options, prefix t" "table" "$(comp pbr -n "$N" -j t)"
has "global options" "--dry-run" "$(comp pbr --d)"
has "netns names after -n" "$N" "$(comp pbr -n "")"
eq "table commands" "add del dhcp flush help list route rule show" "$(comp pbr table "")"
eq "table dhcp: events first" "balance bound" "$(comp pbr table dhcp b)"
eq "table dhcp: options after the event" "balance" "$(comp pbr table dhcp bound b)"
eq "route commands" "add del replace" "$(comp pbr table route "")"
has "table names from pbr's file" "mytable" "$(comp pbr table route add "")"
has "table names from other files" "other" "$(comp pbr table route add "")"
has "built-in table names" "main" "$(comp pbr table rule add "")"
eq "route start words" "blackhole default local prohibit unreachable" "$(comp pbr table route add mytable "")"
eq "route keywords" "dev metric nexthop onlink src via weight" "$(comp pbr table route add mytable default "")"
eq "devices inside -n NETNS after dev" "lan0 lo wan0" "$(comp pbr -n "$N" table route add mytable default via 10.0.0.1 dev "")"
eq "rule selectors, not first" "dport from fwmark iif ipproto not oif pref sport suppress_prefixlength to tos" \
	"$(comp pbr table rule add mytable "")"
eq "devices after iif" "wan0" "$(comp pbr -n "$N" table rule add mytable iif w)"
eq "protocols after ipproto" "udp udplite" "$(comp pbr table rule add mytable ipproto ud)"
eq "sysctl commands" "get help set show" "$(comp pbr sysctl "")"
eq "sysctl set keys end in =" "route_localnet= rp_filter=" "$(comp pbr sysctl set dev lan0 r)"
eq "IPv6 keys with -6" "accept_ra= accept_redirects=" "$(comp pbr -6 sysctl set dev lan0 acc)"
eq "sysctl dev names include all and default" "all default lan0 lo wan0" "$(comp pbr -n "$N" sysctl get dev "")"
eq "pbr-table works like pbr table" "add del dhcp flush help list route rule show" "$(comp pbr-table "")"
eq "pbr-table route add NAME" "mytable" "$(comp pbr-table route add my)"
eq "mark commands" "add del flush help list show" "$(comp pbr mark "")"
eq "mark add words" "dport dscp from iif mac-source not oif proto sport state sticky table to" "$(comp pbr mark add "")"
has "mark: table names after table" "mytable" "$(comp pbr mark add table "")"
eq "mark: devices after iif" "lan0 lo wan0" "$(comp pbr -n "$N" mark add table mytable iif "")"
eq "mark: states" "established established,related" "$(comp pbr mark add table t state est)"
eq "nat types" "dnat masquerade redirect snat" "$(comp pbr nat add "")"
eq "nat: devices after oif" "wan0" "$(comp pbr -n "$N" nat add masquerade oif w)"
eq "pbr-mark works like pbr mark" "add del flush help list show" "$(comp pbr-mark "")"
eq "anyip commands" "add del flush help list show" "$(comp pbr anyip "")"
eq "anyip add: no prefix offered" "" "$(comp pbr anyip add "")"
eq "anyip add words" "dev redirect table" "$(comp pbr anyip add 192.0.2.0/24 "")"
eq "anyip add: words not given yet" "redirect table" "$(comp pbr anyip add 192.0.2.0/24 dev lan0 "")"
eq "anyip: devices after dev" "lan0 lo wan0" "$(comp pbr -n "$N" anyip add 192.0.2.0/24 dev "")"
has "anyip: table names after table" "mytable" "$(comp pbr anyip add 192.0.2.0/24 dev lan0 table "")"
nsx r ip addr add 10.99.0.1/24 dev lan0
eq "anyip: the namespace's addresses after redirect" "10.99.0.1" "$(comp pbr -n "$N" anyip add 192.0.2.0/24 dev lan0 redirect 10.9)"
ok "an anyip to complete" p r anyip add 192.0.2.0/24 dev lan0
eq "anyip del: the prefixes that exist" "192.0.2.0/24" "$(PATH=$ROOT:$PATH comp pbr -n "$N" anyip del "")"
eq "anyip del words" "dev" "$(comp pbr anyip del 192.0.2.0/24 "")"
ok "anyip flush" p r anyip flush
eq "relay first words" "help show" "$(comp pbr relay "")"
has "relay options" "-iu" "$(comp pbr relay -i)"
eq "relay: devices after -i" "lan0 lo wan0" "$(comp pbr -n "$N" relay -i "")"
eq "relay: policies after -m" "append discard forward replace" "$(comp pbr relay -a -m "")"
eq "pbr-anyip works like pbr anyip" "add del flush help list show" "$(comp pbr-anyip "")"
eq "explain words" "dport from iif mac-source mark proto reply sport state to" "$(comp pbr explain "")"
eq "explain: words not given yet" "dport from mac-source mark proto reply sport state" "$(comp pbr explain iif lan0 to 10.0.0.1 "")"
eq "explain: devices after iif" "lan0 lo wan0" "$(comp pbr -n "$N" explain iif "")"
eq "explain: to given, proto still offered" "dport from iif mac-source mark proto reply sport state" "$(comp pbr explain to 10.0.0.1 "")"
eq "explain: states" "established new related" "$(comp pbr explain to 10.0.0.1 state "")"

# zsh: the same function run with a stand-in compadd that prints what it offers.
zcomp() {
	zsh -f -c '
		compadd() {
			local arr=0 suffix="" a
			while [[ $1 == -* ]]; do
				case $1 in -a) arr=1 ;; -S) suffix=$2; shift ;; --) shift; break ;; esac
				shift
			done
			for a in "$@"; do
				if (( arr )); then for x in ${(P)a}; do print -r -- "$x$suffix"; done
				else print -r -- "$a$suffix"; fi
			done
		}
		_files() { :; }
		service=${1%% *}
		words=("${(@s: :)1}")
		CURRENT=${#words}
		PREFIX=$words[CURRENT]
		source "$2/completions/_pbr"
	' _ "$1" "$ROOT" | grep -- "^${1##* }" | sort | tr '\n' ' ' | sed 's/ $//'
}
ok "zsh completion parses" zsh -n "$ROOT/completions/_pbr"
eq "zsh: objects" "anyip check explain help mark nat relay show sysctl table version" "$(zcomp "pbr ")"
eq "zsh: table commands" "add del dhcp flush help list route rule show" "$(zcomp "pbr table ")"
has "zsh: table names" "mytable" "$(zcomp "pbr table rule add ")"
eq "zsh: devices inside -n NETNS" "lan0 lo wan0" "$(zcomp "pbr -n $N table route add mytable default dev ")"
eq "zsh: sysctl set keys end in =" "route_localnet= rp_filter=" "$(zcomp "pbr sysctl set dev lan0 r")"
eq "zsh: pbr-table" "add del" "$(zcomp "pbr-table rule ")"
eq "zsh: nat types" "dnat masquerade redirect snat" "$(zcomp "pbr nat add ")"
has "zsh: mark table names" "mytable" "$(zcomp "pbr mark add table ")"
eq "zsh: anyip add words" "dev redirect table" "$(zcomp "pbr anyip add 192.0.2.0/24 ")"
eq "zsh: anyip devices" "lan0 lo wan0" "$(zcomp "pbr -n $N anyip add 192.0.2.0/24 dev ")"
eq "zsh: relay policies" "replace" "$(zcomp "pbr relay -a -m re")"
eq "zsh: pbr-anyip" "add del flush help list show" "$(zcomp "pbr-anyip ")"
eq "zsh: pbr-explain" "dport from iif mac-source mark proto reply sport state to" "$(zcomp "pbr-explain ")"
eq "zsh: pbr-check" help "$(zcomp "pbr-check ")"
eq "zsh: explain words not given yet" "dport from iif mac-source mark proto reply sport state" "$(zcomp "pbr explain to 10.0.0.1 ")"
rm -f /etc/iproute2/rt_tables.d/other.conf
