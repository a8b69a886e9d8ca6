#!/bin/bash
# Seed 004, "replies via the gateway a connection came in by", end to end.
#
# A backend (10.0.0.10) has one default gateway, router #1 (10.0.0.1). The
# new router #2 (10.0.0.2, MAC 52:54:00:c2:a5:43) forwards port 80 from its
# public side to the backend with DNAT, in parallel. Router #1 is a stateful
# firewall: replies of connections it never saw are invalid and dropped
# (counted). The backend is a RHEL-style server: strict rp_filter
# (all=1, default=1).
#
# The write-up's recipe saves the packet mark into the connection on every
# INPUT packet: the first ESTABLISHED packet (mark 0) wipes it, so the
# handshake works and the data goes the wrong way. It is run here first and
# fails; pbr's sticky mark stores the mark only when a policy sets it.
. "$ROOT/tests/scenarios/lib/scenario.sh"

R2MAC=52:54:00:c2:a5:43
ns_add sw client r1 r2 backend peer isp1
nsx sw ip link add br0 type bridge
nsx sw ip link set br0 up
for n in r1 r2 backend peer; do
	veth "$n" lan sw "p$n"
	nsx sw ip link set "p$n" master br0
done
rp_filter_distro backend rhel
nsx r2 ip link set lan address "$R2MAC"
addr r1 lan 10.0.0.1/24
addr r2 lan 10.0.0.2/24
addr backend lan 10.0.0.10/24
addr peer lan 10.0.0.50/24
route backend add default via 10.0.0.1
route peer add default via 10.0.0.1
# Router #1: its own uplink, and a stateful firewall.
veth r1 wan isp1 cust
addr r1 wan 192.0.2.2/24
addr isp1 cust 192.0.2.1/24
route r1 add default via 192.0.2.1
fwd r1
nsx r1 nft -f - <<'EOF'
table inet filter {
	chain forward {
		type filter hook forward priority filter; policy accept;
		ct state invalid counter drop
	}
}
EOF
# Strict TCP tracking, so that any packet of a connection r1 never saw the
# start of (a misrouted ACK or data, not only the SYN-ACK) is invalid and
# counted by the drop above, instead of being picked up mid-stream.
nsx r1 sysctl -qw net.netfilter.nf_conntrack_tcp_loose=0
# Router #2: the client on its public side, port 80 forwarded to the backend.
veth client eth0 r2 wan
addr client eth0 198.51.100.2/24
addr r2 wan 198.51.100.1/24
route client add default via 198.51.100.1
fwd r2
nsx r2 nft -f - <<'EOF'
table ip nat {
	chain prerouting {
		type nat hook prerouting priority dstnat; policy accept;
		iifname "wan" tcp dport 80 dnat to 10.0.0.10
	}
}
EOF
# An echo service on the backend: what the client sends comes back.
nsx backend socat TCP-LISTEN:80,fork,reuseaddr EXEC:cat >/dev/null 2>&1 &
wait_listen backend 80
R1MAC=$(ip -n "$(ns r1)" -j link show lan | jq -r '.[0].address')
r1_invalid() {
	nsx r1 nft -j list table inet filter |
		jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add'
}
B=$(ns backend)
S0=$(state backend)
eq "the backend filters strictly" 1 "$(rp_of backend lan)"
eq "router #1 tracks TCP strictly (nf_conntrack_tcp_loose=0)" 0 "$(nsx r1 sysctl -n net.netfilter.nf_conntrack_tcp_loose)"

# ---- before ----
eq "before: 64 KB through router #2 get nothing back" "differs (0 bytes back)" \
	"$(tcp_echo client 198.51.100.1 80 65536)"
ok "before: router #1 dropped the backend's replies as invalid" test "$(r1_invalid)" -ge 1
eq "before: a LAN peer talks to the backend directly" same "$(tcp_echo peer 10.0.0.10 80 65536)"

# ---- the write-up's recipe, literally ----
writeup() {
	nsx backend ip rule add fwmark 0x2 lookup 200 &&
	nsx backend ip route add default via 10.0.0.2 table 200 &&
	nsx backend iptables -t mangle -A INPUT -p tcp --dport 80 -m state --state NEW \
		-m mac --mac-source "$R2MAC" ! -s 10.0.0.0/24 -j MARK --set-mark 0x2 &&
	nsx backend iptables -t mangle -A INPUT -j CONNMARK --save-mark &&
	nsx backend iptables -t mangle -A INPUT -m state --state ESTABLISHED,RELATED -j CONNMARK --restore-mark &&
	nsx backend iptables -t mangle -A OUTPUT -j CONNMARK --restore-mark
}
ok "the write-up's recipe (ip rule, ip route, four iptables rules)" writeup
cap backend lan w1 tcp port 80
eq "write-up: 64 KB through router #2 still get nothing back" "differs (0 bytes back)" \
	"$(tcp_echo client 198.51.100.1 80 65536)"
ok "write-up: the SYN-ACK went to router #2 (the mark was restored once)" \
	wait_for cap_has w1 1 "ether dst $R2MAC and tcp[tcpflags] & (tcp-syn|tcp-ack) == (tcp-syn|tcp-ack)"
ok "write-up: after the client's first ACK the data went to router #1 (the mark was wiped)" \
	wait_for cap_has w1 1 "ether dst $R1MAC and src port 80 and tcp[tcpflags] & tcp-syn == 0"
cap_stop w1
nsx backend ip rule del fwmark 0x2 lookup 200
nsx backend ip route flush table 200
nsx backend nft delete table ip mangle
eq "the write-up's recipe is gone again" "$S0" "$(state backend)"
# Its connections are forgotten too: what conntrack says below is pbr's doing.
nsx backend conntrack -F >/dev/null 2>&1
eq "conntrack on the backend starts empty" 0 "$(nsx backend conntrack -L 2>/dev/null | grep -c .)"

# ---- pbr ----
setup_all() {
	p backend table add router2 id 200 &&
	p backend table route add router2 default via 10.0.0.2 &&
	p backend mark add 0x2 table router2 proto tcp dport 80 state new \
		mac-source "$R2MAC" not from 10.0.0.0/24 sticky
}
twice "setup: table router2, default via 10.0.0.2, the seed's policy with sticky" backend setup_all
inv0=$(r1_invalid)
cap backend lan p1 tcp port 80
eq "after: 64 KB through router #2 come back intact" same "$(tcp_echo client 198.51.100.1 80 65536)"
eq "after: again (every new connection is marked)" same "$(tcp_echo client 198.51.100.1 80 65536)"
eq "after: a LAN peer still talks to the backend directly" same "$(tcp_echo peer 10.0.0.10 80 65536)"
ok "capture: the backend's replies to the client went to router #2's MAC" \
	wait_for cap_has p1 10 "ether dst $R2MAC and src port 80 and dst 198.51.100.2"
ok "capture: the LAN peer's exchange (the last one) was seen to its end" \
	wait_for cap_has p1 1 "dst 10.0.0.50 and tcp[tcpflags] & tcp-fin != 0"
cap_stop p1
eq "capture: none went to router #1" 0 "$(cap_n p1 "ether dst $R1MAC and src port 80 and dst 198.51.100.2")"
eq "capture: replies to the LAN peer went to the peer, not router #2" 0 \
	"$(cap_n p1 "ether dst $R2MAC and dst 10.0.0.50")"
eq "router #1 dropped nothing more" "$inv0" "$(r1_invalid)"
marks=$(nsx backend conntrack -L -p tcp --dport 80 2>/dev/null)
must "conntrack: the client's connections are there" grep -q 'src=198.51.100.2' <<<"$marks"
eq "conntrack: every one of the client's connections carries mark 2" "" \
	"$(grep 'src=198.51.100.2' <<<"$marks" | grep -v 'mark=2 ')"
must "conntrack: the LAN peer's connection is there" grep -q 'src=10.0.0.50' <<<"$marks"
eq "conntrack: the LAN peer's connection carries no mark" "" "$(grep 'src=10.0.0.50' <<<"$marks" | grep -v 'mark=0 ')"
ok "pbr check finds nothing wrong" p backend check

# ---- the whole setup again ----
S1=$(state backend)
ok "the whole setup runs again" setup_all
eq "re-running the whole setup changed nothing" "$S1" "$(state backend)"

# ---- removal ----
# Removal runs twice: the second time the table names are gone, and del of
# something absent (a policy for a table no longer registered included) exits 0.
remove_all() {
	p backend -b - <<B
mark del 0x2 table router2 proto tcp dport 80 state new mac-source $R2MAC not from 10.0.0.0/24 sticky
table del router2
B
}
twice "remove: mark del by the same words, table del" backend remove_all
eq "after removal: the backend's state is as before pbr" "$S0" "$(state backend)"
eq "after removal: through router #2 fails again" "differs (0 bytes back)" \
	"$(tcp_echo client 198.51.100.1 80 65536)"
