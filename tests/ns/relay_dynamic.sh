#!/bin/bash
# Interfaces and addresses that appear, change or go away need no restart:
# the relay follows rtnetlink. One relay process throughout.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/dhcp.sh"

ns_add srv rt c1 c3
# The server sits on a bridge with two ports toward the router (u0, u1), so
# the router's way to it can move from one link to the other.
ip -n "$(ns srv)" link add br0 type bridge
ip -n "$(ns srv)" link set br0 up
veth srv s0 rt u0
veth srv s1 rt u1
ip -n "$(ns srv)" link set s0 master br0
ip -n "$(ns srv)" link set s1 master br0
veth rt d1 c1 eth0
addr srv br0 10.0.0.1/24
addr rt u0 10.0.0.2/24
addr rt d1 192.168.1.1/24
route srv add 192.168.0.0/16 via 10.0.0.2
fwd rt
dnsmasq_start srv br0 192.168.1.100,192.168.1.150,255.255.255.0,2m \
	192.168.3.100,192.168.3.150,255.255.255.0,2m 192.168.4.100,192.168.4.150,255.255.255.0,2m

# d3 does not exist yet.
relay_start rt -i d1 -i d3 10.0.0.1
pid=$(relay_pid rt)
has "it says it waits for the missing interface" "no interface d3 yet" "$(relay_log rt)"
eq "show: d3 is known but absent" "0 none" \
	"$(rshow rt '.interfaces[] | select(.name == "d3") | "\(.ifindex) \(.role)"')"
udhcpc_start c1 eth0
has "d1 works meanwhile" "192.168.1." "$(lease_wait c1 eth0 bound)"

# An interface appears.
veth rt d3 c3 eth0
addr rt d3 192.168.4.1/24
sleep 0.3
udhcpc_start c3 eth0
has "d3 appeared: its client gets a lease from its pool" "192.168.4." "$(lease_wait c3 eth0 bound)"

# An address changes: d1 is renumbered, giaddr follows.
kill "$(udhcpc_pid c1 eth0)"
ip -n "$(ns rt)" addr del 192.168.1.1/24 dev d1
addr rt d1 192.168.3.1/24
sleep 0.3
eq "show: d1's giaddr is the new address" "192.168.3.1" \
	"$(rshow rt '.interfaces[] | select(.name == "d1") | .address')"
ip -n "$(ns c1)" addr flush dev eth0
udhcpc_start c1 eth0
has "d1 renumbered: a new client gets a lease from the new pool" "192.168.3." \
	"$(lease_wait c1 eth0 bound)"

# An interface goes away and comes back under a new index.
kill "$(udhcpc_pid c3 eth0)"
ip -n "$(ns rt)" link del d3
sleep 0.3
eq "show: d3 gone" "0" "$(rshow rt '.interfaces[] | select(.name == "d3") | .ifindex')"
has "the log says so" "interface d3 is gone" "$(relay_log rt)"
veth rt d3 c3 eth0
addr rt d3 192.168.4.1/24
sleep 0.3
ip -n "$(ns c3)" addr flush dev eth0
udhcpc_start c3 eth0
has "d3 back (new ifindex): relayed again" "192.168.4." "$(lease_wait c3 eth0 bound)"

# The upstream moves: the router's address and route to the server now use u1.
eq "show: u1 plays no part yet" "0" \
	"$(rshow rt '[.interfaces[] | select(.name == "u1" and .role != "none")] | length')"
ip -n "$(ns rt)" addr del 10.0.0.2/24 dev u0
addr rt u1 10.0.0.3/24
route srv replace 192.168.0.0/16 via 10.0.0.3
sleep 0.3
eq "show: upstream followed the route to u1" "u1" "$(rshow rt '.servers[0].dev')"
eq "show: u1 is upstream now" "upstream" "$(rshow rt '.interfaces[] | select(.name == "u1") | .role')"
kill -USR1 "$(udhcpc_pid c3 eth0)"
has "a renewal works over the new upstream" "192.168.4." "$(lease_wait c3 eth0 renew)"
# The relay's socket toward the server was connected from 10.0.0.2, which is
# gone: a new DISCOVER is relayed only if it reconnected from 10.0.0.3.
kill "$(udhcpc_pid c1 eth0)"
ip -n "$(ns c1)" addr flush dev eth0
udhcpc_start c1 eth0
has "a new client is relayed over the new upstream" "192.168.3." "$(lease_wait c1 eth0 bound)"
eq "the same relay process did it all" "$pid" "$(rshow rt .pid)"

# The server's port closes: each relayed request draws an ICMP port
# unreachable, which the connected socket reports once, to the next read
# (epoll wakes the relay for it) or, in a race, the next send, which is then
# retried: no request is lost to an earlier one's error.
kill "$(cat "$TMPD/dnsmasq-srv.pid")"
while nsx srv ss -Hlun 'sport = :67' | grep -q .; do sleep 0.1; done
relayed=$(rcount rt d1 relayed)
for i in 1 2 3 4 5; do
	craft c1 --to 255.255.255.255 --dev eth0 --xid "$i"
	sleep 0.2
done
sleep 0.3
eq "port closed: every request was still sent" "$((relayed + 5))" "$(rcount rt d1 relayed)"
eq "...none counted as a send error" "0" "$(rcount rt d1 send_error)"
