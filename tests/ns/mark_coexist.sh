#!/bin/bash
# pbr shares the hooks with other firewalls and leaves them alone: an inet
# table at the same hooks (as OpenWrt's fw4), an iptables-nft table, and a
# socket mark (SO_MARK, as wg-quick's 0xca6c) whose bits outside pbr's mask
# still decide the route.
. "$ROOT/tests/lib.sh"

ns_add r a b
veth r va a p
veth r vb b p
addr r va 10.1.0.2/24
addr a p 10.1.0.1/24
addr r vb 10.2.0.2/24
addr b p 10.2.0.1/24
addr a lo 198.51.100.7/32
addr b lo 198.51.100.7/32
route r add default via 10.1.0.1
route a add default via 10.1.0.2
route b add default via 10.2.0.2
whoami_server a 9000
whoami_server b 9000
R=$(ns r)

nsx r nft -f - <<'NFT'
table inet fw4 {
	chain mangle_prerouting {
		type filter hook prerouting priority mangle; policy accept;
		meta mark set meta mark | 0x10
	}
	chain mangle_output {
		type route hook output priority mangle; policy accept;
		counter
	}
	chain srcnat {
		type nat hook postrouting priority srcnat; policy accept;
	}
}
NFT
nsx r iptables -t mangle -A PREROUTING -p udp --dport 53 -j MARK --set-xmark 0x20/0x20
nsx r iptables -A FORWARD -p tcp --dport 23 -j DROP
others() { nsx r nft -j -s list ruleset | jq -c '[.nftables[] | select((.table // .chain // .rule // .set // {}).table != "pbr" and (.table.name // "") != "pbr")]'; }
before=$(others)

ok "table add b id 300" p r table add b id 300
ok "route add b default via 10.2.0.1" p r table route add b default via 10.2.0.1
twice "mark add table b to 198.51.100.7" r p r mark add table b to 198.51.100.7
twice "nat add masquerade oif vb" r p r nat add masquerade oif vb
eq "other tables (fw4, iptables-nft) are byte-identical after pbr's adds" "$before" "$(others)"
eq "traffic follows pbr's policy" 10.2.0.2 "$(whoami r 198.51.100.7 9000)"

# A socket mark outside pbr's mask survives pbr's mark, and a rule made by
# someone else for it still decides the route.
ip -n "$R" rule add fwmark 0xca6c/0xffff lookup main pref 3000
eq "a socket marked 0xca6c still follows the other tool's rule (main, by a)" 10.1.0.2 \
	"$(whoami_mark r 0xca6c 198.51.100.7 9000)"
ip -n "$R" rule del fwmark 0xca6c/0xffff lookup main pref 3000
# And with the other tool's rule at a later priority than pbr's, pbr's wins,
# again without clobbering the socket's bits (nft trace shows the mark).
nsx r nft add table inet trace
nsx r nft add chain inet trace post '{ type filter hook postrouting priority 300; }'
nsx r nft add rule inet trace post ip daddr 198.51.100.7 tcp dport 9000 meta mark and 0xffff == 0xca6c counter
eq "a socket marked 0xca6c follows pbr's policy when no other rule claims it (by b)" 10.2.0.2 \
	"$(whoami_mark r 0xca6c 198.51.100.7 9000)"
pk=$(nsx r nft -j list chain inet trace post | jq '[.nftables[] | .rule.expr[]? | .counter.packets // empty] | add')
ok "on the wire the mark still holds 0xca6c ($pk packets seen)" test "${pk:-0}" -gt 0
nsx r nft delete table inet trace
before=$(others)

twice "mark del" r p r mark del table b to 198.51.100.7
twice "nat flush" r p r nat flush
eq "other tables unchanged by pbr's removals" "$before" "$(others)"
eq "fw4's rules still there" 3 "$(nsx r nft -j list table inet fw4 | jq '[.nftables[] | select(.chain)] | length')"
eq "iptables rules still there" 2 "$(nsx r iptables-save | grep -c '^-A')"
no "no table inet pbr is left" nsx r nft list table inet pbr
