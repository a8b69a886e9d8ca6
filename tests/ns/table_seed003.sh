#!/bin/bash
# Seed 003, the routing part: one LAN host (192.168.1.169) leaves through the
# second uplink (ppp0) while the others keep the main default. A TCP service
# behind both ISPs answers with the address it sees, which tells the way.
. "$ROOT/tests/lib.sh"

ns_add rt mac other isp1 isp2 srv
ip -n "$(ns rt)" link add br-lan type bridge
ip -n "$(ns rt)" link set br-lan up
veth mac eth0 rt lan1
veth other eth0 rt lan2
ip -n "$(ns rt)" link set lan1 master br-lan
ip -n "$(ns rt)" link set lan2 master br-lan
addr rt br-lan 192.168.1.1/24
addr mac eth0 192.168.1.169/24
addr other eth0 192.168.1.170/24
route mac add default via 192.168.1.1
route other add default via 192.168.1.1
veth rt eth0.2 isp1 cust
veth rt ppp0 isp2 cust
addr rt eth0.2 10.1.0.2/24
addr isp1 cust 10.1.0.1/24
addr rt ppp0 123.150.232.74/24
addr isp2 cust 123.150.232.1/24
route rt add default via 10.1.0.1
veth isp1 core srv s1
veth isp2 core srv s2
addr isp1 core 10.11.0.1/24
addr srv s1 10.11.0.2/24
addr isp2 core 10.12.0.1/24
addr srv s2 10.12.0.2/24
addr srv lo 203.0.113.10/32
route isp1 add 203.0.113.10 via 10.11.0.2
route isp2 add 203.0.113.10 via 10.12.0.2
route isp1 add 192.168.1.0/24 via 10.1.0.2
route isp2 add 192.168.1.0/24 via 123.150.232.74
# The ISPs hide their customers from the server: its reply goes back the way it came.
for i in 1 2; do
	nsx isp$i nft add table ip nat
	nsx isp$i nft add chain ip nat post '{ type nat hook postrouting priority srcnat; }'
	nsx isp$i nft add rule ip nat post oifname core masquerade
done
route srv add default via 10.11.0.1
fwd rt; fwd isp1; fwd isp2
whoami_server srv 8080

eq "before: 192.168.1.169 leaves via the main default (ISP 1)" 10.11.0.1 "$(whoami mac 203.0.113.10 8080)"
eq "before: 192.168.1.170 leaves via ISP 1" 10.11.0.1 "$(whoami other 203.0.113.10 8080)"

twice "table add sunusroute id 7375" rt p rt table add sunusroute id 7375
twice "route add default via 123.150.232.1 dev ppp0" rt \
	p rt table route add sunusroute default via 123.150.232.1 dev ppp0
twice "rule add from 192.168.1.169" rt p rt table rule add sunusroute from 192.168.1.169

rules=$(ip -n "$(ns rt)" -j rule show)
eq "exactly one rule selects sunusroute" 1 "$(jq '[.[] | select(.table == "sunusroute")] | length' <<<"$rules")"
eq "the rule is from 192.168.1.169, proto pbr" "192.168.1.169 pbr" \
	"$(jq -r '.[] | select(.table == "sunusroute") | "\(.src) \(.protocol)"' <<<"$rules")"
pref=$(jq '.[] | select(.table == "sunusroute") | .priority' <<<"$rules")
ok "its priority $pref is in pbr's range 4000-4999" test "$pref" -ge 4000 -a "$pref" -le 4999
eq "no IPv6 rule for an IPv4 selector" 0 \
	"$(ip -n "$(ns rt)" -6 -j rule | jq '[.[] | select(.table == "sunusroute")] | length')"
eq "ip route show table sunusroute works afterwards" \
	"default via 123.150.232.1 dev ppp0 proto pbr" \
	"$(ip -n "$(ns rt)" route show table sunusroute | sed 's/ *$//')"
eq "ip resolves the name to table 7375" "$(ip -n "$(ns rt)" -j route show table 7375)" \
	"$(ip -n "$(ns rt)" -j route show table sunusroute)"
has "name registered in rt_tables.d/pbr.conf" "7375	sunusroute" \
	"$(cat /etc/iproute2/rt_tables.d/pbr.conf)"

eq "after: 192.168.1.169 leaves via ppp0 (ISP 2)" 10.12.0.1 "$(whoami mac 203.0.113.10 8080)"
eq "after: 192.168.1.170 still leaves via ISP 1" 10.11.0.1 "$(whoami other 203.0.113.10 8080)"
eq "after: the router's own traffic still uses ISP 1" 10.11.0.1 "$(whoami rt 203.0.113.10 8080)"

j=$(p rt -j table show sunusroute)
ok "table show -j is valid JSON" jq -e . <<<"$j"
eq "show lists the route and the rule" "default 192.168.1.169/32" \
	"$(jq -r '.[0] | "\(.route_list[0].dst) \(.rule_list[0].src)"' <<<"$j")"

twice "table del sunusroute" rt p rt table del sunusroute
eq "del removed the rule" 0 "$(ip -n "$(ns rt)" -j rule | jq '[.[] | select(.table == "sunusroute" or .table == "7375")] | length')"
eq "del removed the route" "" "$(ip -n "$(ns rt)" route show table 7375 2>/dev/null)"
hasnt "del removed the name" "sunusroute" "$(cat /etc/iproute2/rt_tables.d/*.conf 2>/dev/null)"
eq "after del: 192.168.1.169 is back on ISP 1" 10.11.0.1 "$(whoami mac 203.0.113.10 8080)"
