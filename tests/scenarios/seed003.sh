#!/bin/bash
# Seed 003, "a LAN with multiple gateways", end to end.
#
# The dorm router has br-lan 192.168.1.1 (the MacBook 192.168.1.169 and the
# ArchLinux box 192.168.1.245 behind it), a slow uplink eth0.2
# (10.10.149.4, gateway 10.10.149.1) that is its default, and a fast ppp0
# (123.150.232.74, point-to-point to 123.150.232.1). Its firewall (an
# OpenWrt fw4 table, not pbr's) masquerades the LAN out eth0.2. Only the
# MacBook may use ppp0. Both ISPs forward only what carries their
# customer's source address. The router runs with strict rp_filter
# (RHEL/Fedora's all=1, default=1).
#
# The write-up appends to rt_tables and runs `ip rule add` (a duplicate per
# run), its `ip route add default via 123.150.232.1 dev ppp0` lacks
# `table sunusroute` (it would move everyone), and its
# `iptables -t nat -o ppp0 -j SNAT ...` names no chain. With pbr: three
# table commands and one nat command, safe to run again.
. "$ROOT/tests/scenarios/lib/scenario.sh"

ns_add rt mac arch isp1 isp2 srv
rp_filter_distro rt rhel
nsx rt ip link add br-lan type bridge
nsx rt ip link set br-lan up
veth mac en0 rt lan1
veth arch eth0 rt lan2
nsx rt ip link set lan1 master br-lan
nsx rt ip link set lan2 master br-lan
addr rt br-lan 192.168.1.1/24
addr mac en0 192.168.1.169/24
addr arch eth0 192.168.1.245/24
route mac add default via 192.168.1.1
route arch add default via 192.168.1.1
veth rt eth0.2 isp1 cust
veth rt ppp0 isp2 cust
rp_filter_distro rt rhel
addr rt eth0.2 10.10.149.4/24
addr isp1 cust 10.10.149.1/24
# ppp0 is point-to-point: local address, peer address.
nsx rt ip addr add 123.150.232.74 peer 123.150.232.1 dev ppp0
nsx isp2 ip addr add 123.150.232.1 peer 123.150.232.74 dev cust
route rt add default via 10.10.149.1
fwd rt
nsx rt nft -f - <<'EOF'
table inet fw4 {
	chain srcnat {
		type nat hook postrouting priority srcnat; policy accept;
		oifname "eth0.2" masquerade
	}
}
EOF
# The internet: a server behind both ISPs.
veth isp1 core srv s1
veth isp2 core srv s2
addr isp1 core 10.11.0.1/24
addr srv s1 10.11.0.2/24
addr isp2 core 10.12.0.1/24
addr srv s2 10.12.0.2/24
addr srv lo 203.0.113.10/32
route isp1 add default via 10.11.0.2
route isp2 add default via 10.12.0.2
route srv add 10.10.149.0/24 via 10.11.0.1
route srv add 123.150.232.0/24 via 10.12.0.1
fwd isp1
fwd isp2
isp_drop_spoofed isp1 cust 10.10.149.0/24
isp_drop_spoofed isp2 cust 123.150.232.74
whoami_server srv 8080

R=$(ns rt)
S0=$(state rt)
FW4=$(nsx rt nft -j list table inet fw4 | jq -c '[.nftables[] | del(.metainfo) | del(.. | .handle?)]')
eq "the router filters strictly on br-lan, eth0.2 and ppp0" "1 1 1" \
	"$(rp_of rt br-lan) $(rp_of rt eth0.2) $(rp_of rt ppp0)"

# ---- before ----
eq "before: the MacBook leaves by the slow uplink (the server sees 10.10.149.4)" 10.10.149.4 \
	"$(whoami mac 203.0.113.10 8080)"
eq "before: the ArchLinux box too" 10.10.149.4 "$(whoami arch 203.0.113.10 8080)"

setup_route() {
	p rt table add sunusroute id 7375 &&
	p rt table route add sunusroute default via 123.150.232.1 dev ppp0 &&
	p rt table rule add sunusroute from 192.168.1.169
}
setup_snat() { p rt nat add snat 123.150.232.74 oif ppp0; }
setup_all() { setup_route && setup_snat; }

# ---- the per-host route alone (the write-up's step 2) ----
twice "setup: table sunusroute, default via ppp0, rule from 192.168.1.169" rt setup_route
eq "exactly one rule selects sunusroute" 1 "$(ip -n "$R" -j rule | jq '[.[] | select(.table == "sunusroute")] | length')"
drops0=$(spoofed_drops isp2)
cap rt ppp0 p1 tcp port 8080
eq "route alone: the MacBook gets no answer" "" "$(whoami mac 203.0.113.10 8080)"
ok "route alone: its SYN left by ppp0 with its LAN address" \
	wait_for cap_has p1 1 'src 192.168.1.169 and tcp[tcpflags] == tcp-syn'
cap_stop p1
ok "route alone: ISP 2 dropped the foreign source" test "$(spoofed_drops isp2)" -gt "$drops0"
eq "route alone: the ArchLinux box is untouched" 10.10.149.4 "$(whoami arch 203.0.113.10 8080)"

# ---- SNAT on ppp0 (the write-up's step 3) ----
twice "setup: nat add snat 123.150.232.74 oif ppp0" rt setup_snat
drops1=$(spoofed_drops isp2)
cap rt ppp0 p2 tcp port 8080
eq "after: the MacBook leaves by ppp0 as 123.150.232.74" 123.150.232.74 "$(whoami mac 203.0.113.10 8080)"
eq "after: the ArchLinux box still leaves by eth0.2" 10.10.149.4 "$(whoami arch 203.0.113.10 8080)"
eq "after: the router's own traffic still leaves by eth0.2" 10.10.149.4 "$(whoami rt 203.0.113.10 8080)"
ok "capture: on ppp0 the MacBook's connection leaves as 123.150.232.74" \
	wait_for cap_has p2 1 'src 123.150.232.74 and tcp[tcpflags] == tcp-syn'
# The MacBook once more: once its answer is in the file, so is all before it.
eq "after: the MacBook again" 123.150.232.74 "$(whoami mac 203.0.113.10 8080)"
ok "capture: its answers come back to 123.150.232.74" \
	wait_for cap_has p2 2 'dst 123.150.232.74 and tcp[tcpflags] & tcp-fin != 0'
cap_stop p2
eq "capture: nothing on ppp0 carries a LAN address" 0 "$(cap_n p2 net 192.168.1.0/24)"
eq "capture: nothing of the ArchLinux box or the router on ppp0" 0 "$(cap_n p2 host 10.10.149.4)"
eq "ISP 2 dropped nothing more" "$drops1" "$(spoofed_drops isp2)"
has "explain: the MacBook's packet is looked up in sunusroute" "lookup sunusroute" \
	"$(p rt explain iif br-lan from 192.168.1.169 to 203.0.113.10 proto tcp dport 8080)"
# Strict rp_filter (all=1) and the traffic above passes: the replies are
# un-SNATed to 192.168.1.169 before the reverse-path lookup, which finds
# sunusroute and ppp0. check must see it the same way.
ok "pbr check finds nothing wrong" p rt check
must "fw4's table was read" test -n "$FW4"
eq "fw4's table is untouched (every chain and rule as before)" "$FW4" \
	"$(nsx rt nft -j list table inet fw4 | jq -c '[.nftables[] | del(.metainfo) | del(.. | .handle?)]')"

# ---- the whole setup again ----
S1=$(state rt)
ok "the whole setup runs again" setup_all
eq "re-running the whole setup changed nothing" "$S1" "$(state rt)"

# ---- removal ----
remove_all() { p rt nat del snat 123.150.232.74 oif ppp0 && p rt table del sunusroute; }
twice "remove: nat del by the same words, table del" rt remove_all
eq "after removal: the router's state (fw4's table included) is as before pbr" "$S0" "$(state rt)"
eq "after removal: the MacBook is back on the slow uplink" 10.10.149.4 "$(whoami mac 203.0.113.10 8080)"
