#!/bin/bash
# Seed 001's brouter: a Raspberry Pi sits between the ISP router
# (192.168.0.1, the DHCP server) and the flat's LAN. Upstream eth0 is
# 192.168.0.125/24, downstream eth1 192.168.0.126/24 - one subnet on both
# sides, proxy_arp on both, forwarding on. The kernel routes the whole /24
# out eth0 (its route came first), so anything that trusts the routing
# table to reach a client on eth1 fails; the relay must not.
#
# The relay runs with the seed's own /etc/default/isc-dhcp-relay turned into
# words: SERVERS="192.168.0.1" INTERFACES="eth1 eth0".
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/dhcp.sh"

ns_add isp pi roku desk
ip -n "$(ns isp)" link add br0 type bridge
ip -n "$(ns isp)" link set br0 up
veth isp p1 pi eth0
veth isp p2 desk eth0
ip -n "$(ns isp)" link set p1 master br0
ip -n "$(ns isp)" link set p2 master br0
veth pi eth1 roku eth0
addr isp br0 192.168.0.1/24
addr pi eth0 192.168.0.125/24
addr pi eth1 192.168.0.126/24
nsx pi sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.eth0.proxy_arp=1 \
	net.ipv4.conf.eth1.proxy_arp=1
# The ISP router hands out itself as the router, as in the seed.
dnsmasq_start isp br0 192.168.0.50,192.168.0.99,255.255.255.0,2m --dhcp-option=3,192.168.0.1
eq "the pi routes the whole /24 out eth0 first (the hard case)" "eth0" \
	"$(ip -n "$(ns pi)" -j route get 192.168.0.53 | jq -r '.[0].dev')"

relay_start pi -q -i eth1 -i eth0 192.168.0.1
capture pi eth1 eth1 udp port 67 or udp port 68
capture pi eth0 eth0 udp port 67 or udp port 68
udhcpc_start roku eth0
ip=$(lease_wait roku eth0 bound)
has "the Roku behind the brouter got a lease from the ISP router" "192.168.0." "$ip"
has "the lease came from 192.168.0.1" " 192.168.0.1" "$(cat "$TMPD/lease-roku-eth0")"
sleep 0.3
has "upstream: relayed from eth0's address to the server" \
	"192.168.0.125.67 > 192.168.0.1.67" "$(pcap eth0)"
has "upstream: the server answered giaddr 192.168.0.126 (eth1's)" \
	"192.168.0.1.67 > 192.168.0.126.67" "$(pcap eth0)"
has "downstream: the ACK went out eth1 to the new address, as in the seed's tcpdump" \
	"192.168.0.126.67 > $ip.68" "$(pcap eth1)"
hasnt "nothing relayed went back out eth1 toward the server" "> 192.168.0.1.67" "$(pcap eth1)"
eq "no neighbour entry was made on eth1 for the client by the relay" "" \
	"$(ip -n "$(ns pi)" neigh show dev eth1 nud permanent)"

# A host on the ISP side asks the ISP router directly. The relay hears the
# broadcast on eth0 (a downstream interface in this config) but must not send
# it back out eth0, where it came from.
udhcpc_start desk eth0
dip=$(lease_wait desk eth0 bound)
has "a host on the upstream side still gets its lease directly" "192.168.0." "$dip"
ok "the relay refused to send the desk's request back out eth0 (loop)" \
	test "$(rcount pi eth0 loop)" -ge 1
has "what the relay sent up carries giaddr 192.168.0.126" "Gateway-IP 192.168.0.126" \
	"$(pcap eth0 -v)"
hasnt "nothing went up with eth0's address as giaddr (the desk's request)" \
	"Gateway-IP 192.168.0.125" "$(pcap eth0 -v)"

# Renewals. The server's unicast ACK to the client is lost on this pi (its
# routes send 192.168.0.x out eth0); the client then rebinds by broadcast,
# and the relay delivers that ACK to ciaddr out eth1 despite the routes.
kill -USR1 "$(udhcpc_pid roku eth0)"
eq "renewal keeps the address" "$ip" "$(lease_wait roku eth0 renew 1)"
kill -USR1 "$(udhcpc_pid roku eth0)"
eq "a second renewal too" "$ip" "$(lease_wait roku eth0 renew 2)"
sleep 0.3
has "the renewal ACK went out eth1 to ciaddr" "192.168.0.126.67 > $ip.68" \
	"$(pcap eth1 | tail -2)"
eq "show: eth1 downstream with giaddr 192.168.0.126" "downstream 192.168.0.126" \
	"$(rshow pi '.interfaces[] | select(.name == "eth1") | "\(.role) \(.address)"')"
eq "show: eth0 both ways (downstream by -i, upstream by the route)" "both" \
	"$(rshow pi '.interfaces[] | select(.name == "eth0") | .role')"
relay_stop pi

# isc-dhcp-relay's own spelling: -id/-iu, -pf, -d; a fresh client.
kill "$(udhcpc_pid roku eth0)"
ip -n "$(ns roku)" addr flush dev eth0
relay_start pi -4 -id eth1 -iu eth0 -pf "$TMPD/relay.pid" -d 192.168.0.1
eq "-pf wrote the pid file" "$(relay_pid pi)" "$(cat "$TMPD/relay.pid")"
udhcpc_start roku eth0 -B
has "-id/-iu/-pf/-d/-4 work as in isc-dhcp-relay" "192.168.0." "$(lease_wait roku eth0 bound)"
eq "with -iu eth0 only eth0 is upstream" "downstream upstream" \
	"$(rshow pi '[.interfaces[] | select(.name == "eth1" or .name == "eth0") | .role] | join(" ")')"
relay_stop pi
