#!/bin/bash
# Seed 001, "Bodging a brouter", end to end.
#
# The flat's LAN and the ISP's router share 192.168.0.0/24. A Raspberry Pi
# sits inline: eth0 192.168.0.125 to the ISP router (192.168.0.1, DHCP
# server), eth1 192.168.0.126 to the switch with the Roku, proxy_arp on
# both, forwarding on. tailscale0 (100.120.7.128; here a veth into the
# "tailnet" namespace, which like Tailscale accepts only tailnet sources)
# reaches the parents' 192.168.1.0/24 with Jellyfin at 192.168.1.30:8096.
# The Pi runs Raspberry Pi OS: systemd's rp_filter=2 (loose) on every
# interface.
#
# What the write-up leaves out: with both /24s on the Pi the kernel routes
# the whole subnet out eth0 (the first route), so proxy_arp never answers
# the ISP router for a LAN host and nothing comes back to the Roku. pbr
# states which side each address lives on (table brouter); the rest is the
# write-up's recipe in pbr words, and isc-dhcp-relay's config turned into
# `pbr relay`.
#
#   roku --eth1[ pi ]eth0-- isp router (dnsmasq, NAT) -- internet server
#                 tailscale0 -- tailnet router -- jellyfin
. "$ROOT/tests/scenarios/lib/scenario.sh"

seed001_world || { fail "seed 001's machines are built" "(dnsmasq did not start)"; exit 1; }

R=$(ns pi)
S0=$(state pi)
eq "the Pi filters loosely (Raspberry Pi OS) on eth0, eth1 and tailscale0" "2 2 2" \
	"$(rp_of pi eth0) $(rp_of pi eth1) $(rp_of pi tailscale0)"
# The values pbr's sysctl commands will change, as pbr reads them.
fwd0=$(p pi sysctl get forwarding | awk '{print $3}')
parp0=$(p pi sysctl get dev eth0 proxy_arp | awk '{print $3}')
parp1=$(p pi sysctl get dev eth1 proxy_arp | awk '{print $3}')

# ---- before ----
eq "before: the Pi routes all of 192.168.0.0/24 out eth0 (the first route)" eth0 \
	"$(ip -n "$R" -j route get 192.168.0.53 | jq -r '.[0].dev')"
no "before: the Roku gets no lease (DHCP broadcasts are not forwarded)" \
	nsx roku busybox udhcpc -n -q -f -i eth0 -t 3 -T 1 -s /bin/true

# ---- the brouter, in pbr words ----
setup_brouter() {
	p pi sysctl set forwarding=1 &&
	p pi sysctl set dev eth0 proxy_arp=1 &&
	p pi sysctl set dev eth1 proxy_arp=1 &&
	# Which side each address of the shared /24 lives on: the ISP router
	# upstream, everyone else downstream.
	p pi table add brouter &&
	p pi table route add brouter 192.168.0.1 dev eth0 &&
	p pi table route add brouter 192.168.0.0/24 dev eth1 &&
	p pi table rule add brouter to 192.168.0.0/24
}
# The write-up's mark, rule, route and masquerade.
setup_tunnel_route() {
	p pi table add tunnel id 100 &&
	p pi table route add tunnel default dev tailscale0 &&
	p pi mark add table tunnel to 192.168.1.0/24
}
setup_tunnel_nat() { p pi nat add masquerade oif tailscale0; }
setup_all() { setup_brouter && setup_tunnel_route && setup_tunnel_nat; }

twice "setup: forwarding, proxy_arp, table brouter" pi setup_brouter
eq "the Roku's side: 192.168.0.53 is routed out eth1" eth1 \
	"$(ip -n "$R" -j route get 192.168.0.53 | jq -r '.[0].dev')"
eq "the ISP router's side: 192.168.0.1 is routed out eth0" eth0 \
	"$(ip -n "$R" -j route get 192.168.0.1 | jq -r '.[0].dev')"
# Read from /proc/sys, not from pbr: per device, and "all" left alone.
eq "sysctl: forwarding and proxy_arp as the write-up's 99-proxyarp.conf (all's proxy_arp untouched)" \
	"1 1 1 0" "$(nsx pi sysctl -n net.ipv4.ip_forward net.ipv4.conf.eth0.proxy_arp \
		net.ipv4.conf.eth1.proxy_arp net.ipv4.conf.all.proxy_arp | tr '\n' ' ' | sed 's/ $//')"

# ---- DHCP through pbr relay: SERVERS="192.168.0.1" INTERFACES="eth1 eth0" ----
cap pi eth0 dhcp0 udp port 67 or udp port 68
cap pi eth1 dhcp1 udp port 67 or udp port 68
relay_start pi -q -i eth1 -i eth0 192.168.0.1
udhcpc_start roku eth0
ip=$(lease_wait roku eth0 bound)
must "the Roku got a lease from the ISP router through the relay" test -n "$ip"
has "the lease is in the ISP router's pool" "192.168.0." "$ip"
eq "the lease names 192.168.0.1 as server" "bound $ip 192.168.0.1" "$(grep '^bound ' "$TMPD/lease-roku-eth0" | head -1)"
kill -USR1 "$(udhcpc_pid roku eth0)"
eq "the Roku renews and keeps its address" "$ip" "$(lease_wait roku eth0 renew 1)"
# The seed's tcpdump, line by line.
ok "eth1: the Roku's broadcast request" wait_for cap_has dhcp1 1 src 0.0.0.0 and dst 255.255.255.255
ok "eth0: relayed from 192.168.0.125 to 192.168.0.1" wait_for cap_has dhcp0 2 src 192.168.0.125 and dst 192.168.0.1 and dst port 67
ok "eth0: the server answers giaddr 192.168.0.126" wait_for cap_has dhcp0 2 src 192.168.0.1 and dst 192.168.0.126
ok "eth1: the reply goes out from 192.168.0.126" wait_for cap_has dhcp1 2 src 192.168.0.126 and src port 67
ok "the renewal went straight from the Roku to the server (unicast through the brouter)" \
	wait_for cap_has dhcp1 1 src "$ip" and dst 192.168.0.1 and dst port 67
ok "the server's unicast answer crossed eth0 toward the Roku" \
	wait_for cap_has dhcp0 1 src 192.168.0.1 and dst "$ip" and dst port 68
cap_stop dhcp0
cap_stop dhcp1
eq "the Roku reaches the internet through the ISP router (its NAT address)" 198.51.100.2 \
	"$(whoami roku 203.0.113.10 8080)"

# ---- the tunnel ----
eq "before the tunnel policy: the Roku cannot reach Jellyfin" "" "$(whoami roku 192.168.1.30 8096)"
twice "setup: table tunnel, route dev tailscale0, mark to 192.168.1.0/24" pi setup_tunnel_route
cap pi tailscale0 ts1 icmp
no "mark alone: the Roku's ping into the tunnel gets no reply" nsx roku ping -c2 -W2 -q 192.168.1.30
ok "mark alone: echo requests leave by tailscale0 from the Roku's own address (the seed's first tcpdump)" \
	wait_for cap_has ts1 2 src "$ip" and dst 192.168.1.30 and 'icmp[icmptype] == icmp-echo'
cap_stop ts1
eq "mark alone: no echo reply comes back" 0 "$(cap_n ts1 'icmp[icmptype] == icmp-echoreply')"
ok "mark alone: the tailnet dropped the foreign source" test "$(spoofed_drops tailnet)" -ge 1

twice "setup: nat masquerade oif tailscale0" pi setup_tunnel_nat
cap pi tailscale0 ts2 icmp or tcp port 8096 or host 203.0.113.10
ok "after: the Roku pings Jellyfin" nsx roku ping -c2 -W3 -q 192.168.1.30
eq "after: Jellyfin answers the Roku, seeing the tunnel address" 100.120.7.128 "$(whoami roku 192.168.1.30 8096)"
eq "after: internet traffic still leaves by eth0 and the ISP's NAT" 198.51.100.2 "$(whoami roku 203.0.113.10 8080)"
ok "tailscale0: requests from 100.120.7.128 (the seed's second tcpdump)" \
	wait_for cap_has ts2 2 src 100.120.7.128 and dst 192.168.1.30
ok "tailscale0: replies to 100.120.7.128" \
	wait_for cap_has ts2 2 src 192.168.1.30 and dst 100.120.7.128 and 'icmp[icmptype] == icmp-echoreply'
# A last ping through the tunnel: once its reply is in the file, everything
# before it (the internet connection included) has been read.
ok "after: one more ping, the capture's last packet" nsx roku ping -c1 -W3 -q 192.168.1.30
ok "tailscale0: the last ping's reply has been captured" \
	wait_for cap_has ts2 3 src 192.168.1.30 and dst 100.120.7.128 and 'icmp[icmptype] == icmp-echoreply'
cap_stop ts2
eq "tailscale0: nothing carries the Roku's own address" 0 "$(cap_n ts2 host "$ip")"
eq "tailscale0: no internet traffic goes into the tunnel" 0 "$(cap_n ts2 host 203.0.113.10)"
eq "the Pi's own traffic to 192.168.1.30 takes the tunnel too" 100.120.7.128 "$(whoami pi 192.168.1.30 8096)"
ok "pbr check finds nothing wrong" p pi check

# ---- the whole setup again ----
S1=$(state pi)
ok "the whole setup runs again" setup_all
eq "re-running the whole setup changed nothing" "$S1" "$(state pi)"
kill -USR1 "$(udhcpc_pid roku eth0)"
eq "a renewal after the re-run keeps the address" "$ip" "$(lease_wait roku eth0 renew 2)"

# ---- removal ----
relay_stop pi
kill "$(udhcpc_pid roku eth0)"
# Removal runs twice: the second time the table names are gone, and del of
# something absent (a policy for a table no longer registered included) exits 0.
# The tunnel goes first, so that "Jellyfin is out of reach" is seen while
# the brouter still carries the Roku's other traffic.
remove_tunnel() {
	p pi -b - <<'B'
nat del masquerade oif tailscale0
mark del table tunnel to 192.168.1.0/24
table del tunnel
B
}
twice "remove: the tunnel's nat, mark and table" pi remove_tunnel
eq "tunnel removed: the Roku cannot reach Jellyfin again" "" "$(whoami roku 192.168.1.30 8096)"
eq "tunnel removed: the Roku still reaches the internet through the brouter" 198.51.100.2 \
	"$(whoami roku 203.0.113.10 8080)"
twice "remove: table brouter" pi p pi table del brouter
ok "remove: sysctls back to what pbr read before" p pi sysctl set forwarding="$fwd0"
ok "remove: eth0's proxy_arp back" p pi sysctl set dev eth0 proxy_arp="$parp0"
ok "remove: eth1's proxy_arp back" p pi sysctl set dev eth1 proxy_arp="$parp1"
eq "after removal: the Pi's rules, routes, nftables, sysctls and table names are as before pbr" \
	"$S0" "$(state pi)"
eq "after removal: the Roku's side is routed out eth0 again" eth0 \
	"$(ip -n "$R" -j route get 192.168.0.53 | jq -r '.[0].dev')"
