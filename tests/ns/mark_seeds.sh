#!/bin/bash
# Marks and NAT of seeds 001, 002 and 003 with real TCP: a service that
# answers with the address it sees tells which way a connection went.
. "$ROOT/tests/lib.sh"

# ---- seed 001: traffic for 192.168.1.0/24 into the tunnel, masqueraded ----
# client -- pi (eth1 | eth0) -- isp -- server;  pi tailscale0 -- remote -- jellyfin
ns_add client pi isp server remote jelly
veth client eth0 pi eth1
addr client eth0 192.168.0.3/24
addr pi eth1 192.168.0.126/24
route client add default via 192.168.0.126
veth pi eth0 isp lan
addr pi eth0 10.9.0.125/24
addr isp lan 10.9.0.1/24
route pi add default via 10.9.0.1
veth isp core server eth0
addr isp core 203.0.113.1/24
addr server eth0 203.0.113.10/24
route server add default via 203.0.113.1
route isp add 192.168.0.0/24 via 10.9.0.125
veth pi tailscale0 remote ts
addr pi tailscale0 100.120.7.128/32
addr remote ts 100.100.0.1/32
route pi add 100.100.0.1 dev tailscale0
route remote add 100.120.7.128 dev ts
veth remote lan1 jelly eth0
addr remote lan1 192.168.1.1/24
addr jelly eth0 192.168.1.30/24
route jelly add default via 192.168.1.1
fwd pi; fwd isp; fwd remote
# tailscale0 is a point-to-point tunnel; the veth standing in for it answers
# ARP for what the far side routes, so a device route works as on a tun.
nsx remote sysctl -qw net.ipv4.conf.ts.proxy_arp=1
whoami_server jelly 8096
whoami_server server 8080

eq "001 before: the Roku cannot reach 192.168.1.30" "" "$(whoami client 192.168.1.30 8096)"
ok "001: table add tunnel" p pi table add tunnel id 100
twice "001: route add tunnel default dev tailscale0" pi p pi -4 table route add tunnel default dev tailscale0
twice "001: mark add table tunnel to 192.168.1.0/24" pi p pi mark add table tunnel to 192.168.1.0/24
eq "001: with the mark alone, packets go into the tunnel but no reply comes back" "" "$(whoami client 192.168.1.30 8096)"
twice "001: nat add masquerade oif tailscale0" pi p pi nat add masquerade oif tailscale0
eq "001 after: jellyfin answers, seeing the tunnel address" 100.120.7.128 "$(whoami client 192.168.1.30 8096)"
eq "001 after: other traffic keeps the main default (not masqueraded by pbr)" 192.168.0.3 "$(whoami client 203.0.113.10 8080)"
eq "001: the router's own traffic to 192.168.1.0/24 takes the tunnel too (output chain)" 100.120.7.128 \
	"$(whoami pi 192.168.1.30 8096)"

# ---- seed 002: SMTP pinned to the second uplink ----
ns_add lanh rt2 i1 i2 srv2
veth lanh eth0 rt2 lan
addr lanh eth0 192.168.1.20/24
addr rt2 lan 192.168.1.1/24
route lanh add default via 192.168.1.1
veth rt2 wan i1 cust
veth rt2 wan2 i2 cust
addr rt2 wan 10.1.0.2/24
addr i1 cust 10.1.0.1/24
addr rt2 wan2 10.2.0.2/24
addr i2 cust 10.2.0.1/24
route rt2 add default via 10.1.0.1
veth i1 core srv2 s1
veth i2 core srv2 s2
addr i1 core 10.11.0.1/24
addr srv2 s1 10.11.0.2/24
addr i2 core 10.12.0.1/24
addr srv2 s2 10.12.0.2/24
addr srv2 lo 203.0.113.25/32
route i1 add 203.0.113.25 via 10.11.0.2
route i2 add 203.0.113.25 via 10.12.0.2
route srv2 add 10.1.0.0/24 via 10.11.0.1
route srv2 add 10.2.0.0/24 via 10.12.0.1
fwd rt2; fwd i1; fwd i2
whoami_server srv2 25
whoami_server srv2 80
ok "002: both uplinks masqueraded" p rt2 -b - <<'B'
nat add masquerade oif wan
nat add masquerade oif wan2
table add wan2 id 202
table route add wan2 default via 10.2.0.1 dev wan2
B
eq "002 before: SMTP leaves by uplink 1" 10.1.0.2 "$(whoami lanh 203.0.113.25 25)"
twice "002: mark add table wan2 proto tcp dport 25" rt2 p rt2 mark add table wan2 proto tcp dport 25
eq "002 after: SMTP from the LAN leaves by uplink 2" 10.2.0.2 "$(whoami lanh 203.0.113.25 25)"
eq "002 after: HTTP from the LAN stays on uplink 1" 10.1.0.2 "$(whoami lanh 203.0.113.25 80)"
eq "002 after: the router's own SMTP leaves by uplink 2 as well" 10.2.0.2 "$(whoami rt2 203.0.113.25 25)"
eq "002 after: the router's own HTTP stays on uplink 1" 10.1.0.2 "$(whoami rt2 203.0.113.25 80)"
m=$(ip -n "$(ns rt2)" -j rule | jq -r '.[] | select(.table=="wan2") | "\(.fwmark)/\(.fwmask)"')
eq "002: the automatic mark lies inside pbr's mask 0x7f000000" 0 "$(( ${m%/*} & ~0x7f000000 ))"
eq "002: the rule's mask is pbr's" 0x7f000000 "${m#*/}"
eq "002: the same policy again chooses the same mark" "$m" \
	"$(p rt2 mark del table wan2 proto tcp dport 25 && p rt2 mark add table wan2 proto tcp dport 25 && ip -n "$(ns rt2)" -j rule | jq -r '.[] | select(.table=="wan2") | "\(.fwmark)/\(.fwmask)"')"

# ---- seed 003: SNAT to the second uplink's address ----
ns_add mac rt3 isp3a isp3b srv3
veth mac eth0 rt3 lan
addr mac eth0 192.168.1.169/24
addr rt3 lan 192.168.1.1/24
route mac add default via 192.168.1.1
veth rt3 eth0.2 isp3a cust
addr rt3 eth0.2 10.1.0.2/24
addr isp3a cust 10.1.0.1/24
veth rt3 ppp0 isp3b cust
addr rt3 ppp0 123.150.232.74/24
addr isp3b cust 123.150.232.1/24
route rt3 add default via 10.1.0.1
veth isp3a core srv3 s1
veth isp3b core srv3 s2
addr isp3a core 10.11.0.1/24
addr srv3 s1 10.11.0.2/24
addr isp3b core 10.12.0.1/24
addr srv3 s2 10.12.0.2/24
addr srv3 lo 203.0.113.10/32
route isp3a add 203.0.113.10 via 10.11.0.2
route isp3b add 203.0.113.10 via 10.12.0.2
# The fast ISP routes back only its own customer's address, not the LAN.
route srv3 add 123.150.232.0/24 via 10.12.0.1
route srv3 add default via 10.11.0.1
route isp3a add 192.168.1.0/24 via 10.1.0.2
fwd rt3; fwd isp3a; fwd isp3b
# ISPs drop packets with sources that are not their customer's (strict rp_filter).
nsx isp3b sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.cust.rp_filter=1
whoami_server srv3 8080
ok "003: per-host route (the foundation's part)" p rt3 -b - <<'B'
table add sunusroute id 7375
table route add sunusroute default via 123.150.232.1 dev ppp0
table rule add sunusroute from 192.168.1.169
B
eq "003 before SNAT: the MacBook's packets leave by ppp0 with a LAN source; no answer" "" \
	"$(whoami mac 203.0.113.10 8080)"
twice "003: nat add snat 123.150.232.74 oif ppp0" rt3 p rt3 nat add snat 123.150.232.74 oif ppp0
eq "003 after: the server sees the SNAT address" 123.150.232.74 "$(whoami mac 203.0.113.10 8080)"
eq "003: nat list shows it" "1: snat 123.150.232.74 oif ppp0  [IPv4]" "$(p rt3 nat list)"
twice "003: nat del by the same words" rt3 p rt3 nat del snat 123.150.232.74 oif ppp0
eq "003 after del: no answer again" "" "$(whoami mac 203.0.113.10 8080)"
