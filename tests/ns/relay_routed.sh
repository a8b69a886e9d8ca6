#!/bin/bash
# A routed relay with two downstream subnets: busybox udhcpc clients behind
# it get leases from their own subnet's pool on a dnsmasq server one hop up;
# a client that asks without the broadcast flag gets its replies by unicast
# to the offered address (no neighbour entry made), one that sets it gets
# broadcasts; renewals work both as unicast to the server and, with the
# server unreachable by unicast, as rebinding broadcasts through the relay.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/dhcp.sh"

ns_add srv rt c1 c2
veth srv s0 rt u0
veth rt d1 c1 eth0
veth rt d2 c2 eth0
addr srv s0 10.0.0.1/24
addr rt u0 10.0.0.2/24
addr rt d1 192.168.1.1/24
addr rt d2 192.168.2.1/24
route srv add 192.168.0.0/16 via 10.0.0.2
fwd rt
dnsmasq_start srv s0 192.168.1.100,192.168.1.150,255.255.255.0,2m \
	192.168.2.100,192.168.2.150,255.255.255.0,2m
relay_start rt -i d1 -i d2 10.0.0.1

capture c1 eth0 c1 udp port 68
capture c2 eth0 c2 udp port 68
udhcpc_start c1 eth0
udhcpc_start c2 eth0 -B

ip1=$(lease_wait c1 eth0 bound)
ip2=$(lease_wait c2 eth0 bound)
has "client on d1 got a lease from the 192.168.1.0/24 pool" "192.168.1." "$ip1"
has "client on d2 got a lease from the 192.168.2.0/24 pool" "192.168.2." "$ip2"
eq "the lease is configured on c1" "$ip1" \
	"$(ip -n "$(ns c1)" -j -4 addr show dev eth0 | jq -r '.[0].addr_info[0].local')"
eq "c1's default route is the relay's address on d1" "192.168.1.1" \
	"$(ip -n "$(ns c1)" -j route show default | jq -r '.[0].gateway')"
ok "c1 reaches the server through the router" bping c1 10.0.0.1
has "dnsmasq saw giaddr 192.168.1.1 (pool chosen by the relay's address)" \
	"DHCPACK(s0) $ip1" "$(dnsmasq_log srv)"

sleep 0.5
r1=$(pcap c1)
r2=$(pcap c2)
has "no broadcast flag: the offer came by unicast to yiaddr" "192.168.1.1.67 > $ip1.68" "$r1"
hasnt "no broadcast flag: no reply was broadcast" "> 255.255.255.255.68" "$r1"
has "broadcast flag: the replies were broadcast" "192.168.2.1.67 > 255.255.255.255.68" "$r2"
eq "the relay made no neighbour entry by itself for the client" "" \
	"$(ip -n "$(ns rt)" neigh show dev d1 nud permanent)"

# Renewal as a client does it: unicast to the server, routed by the kernel.
kill -USR1 "$(udhcpc_pid c1 eth0)"
eq "unicast renewal keeps the address" "$ip1" "$(lease_wait c1 eth0 renew 1)"

# With the server unreachable by unicast the client rebinds by broadcast: the
# relay forwards it and delivers the ACK to ciaddr.
nsx rt nft add table ip relaytest
nsx rt nft add chain ip relaytest fw '{ type filter hook forward priority 0; }'
nsx rt nft add rule ip relaytest fw udp dport 67 counter drop
before=$(rcount rt d1 relayed)
kill -USR1 "$(udhcpc_pid c1 eth0)"
eq "rebinding through the relay keeps the address" "$ip1" "$(lease_wait c1 eth0 renew 2)"
after=$(rcount rt d1 relayed)
ok "the rebinding request went through the relay ($before -> $after)" test "$after" -gt "$before"
has "the router dropped the unicast renewal (so the relay did the work)" "packets 1" \
	"$(nsx rt nft list chain ip relaytest fw)"
sleep 0.5
has "the rebinding ACK went to ciaddr" "192.168.1.1.67 > $ip1.68" \
	"$(pcap c1 | tail -1)"
kill -USR1 "$(udhcpc_pid c2 eth0)"
eq "the broadcast client rebinds too" "$ip2" "$(lease_wait c2 eth0 renew 1)"

j=$("$PBR" -n "$(ns rt)" -j relay show)
ok "relay show -j is valid JSON" jq -e . <<<"$j"
eq "show: d1 is downstream with its address" "downstream 192.168.1.1" \
	"$(jq -r '.interfaces[] | select(.name == "d1") | "\(.role) \(.address)"' <<<"$j")"
eq "show: u0 is upstream (the route to the server)" "upstream" \
	"$(jq -r '.interfaces[] | select(.name == "u0") | .role' <<<"$j")"
eq "show: every request relayed was answered and delivered" \
	"$(jq '[.interfaces[].relayed] | add' <<<"$j")" \
	"$(jq '[.interfaces[].delivered] | add' <<<"$j")"
eq "show: server counters agree" "$(jq '.servers[0].sent' <<<"$j")" \
	"$(jq '[.interfaces[].relayed] | add' <<<"$j")"
eq "show: nothing dropped" "0" "$(jq '[.interfaces[].drops[]] | add // 0' <<<"$j")"
has "show (text) names the server and its route" "server 10.0.0.1 dev u0" \
	"$("$PBR" -n "$(ns rt)" relay show)"

kill -USR1 "$(relay_pid rt)"
sleep 0.3
has "SIGUSR1 logs the counters" "iface d1" "$(relay_log rt)"
relay_stop rt
rc=$?
eq "SIGTERM: the relay exits cleanly" "0" "$rc"
no "after exit show says no relay runs" "$PBR" -n "$(ns rt)" relay show
eq "show without a relay: one clear line" \
	"pbr relay: no relay is running in this network namespace" \
	"$("$PBR" -n "$(ns rt)" relay show 2>&1)"
