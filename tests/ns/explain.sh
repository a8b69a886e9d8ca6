#!/bin/bash
# pbr explain on the seed 001, 002 and 004 topologies: for packets that take
# the policy path and packets that do not, explain names the policy, table,
# route, NAT and verdict, and a real packet in the same namespace does what
# explain said (a service that answers with the peer address it sees, and
# captures, show the way it went).
. "$ROOT/tests/lib.sh"

# ex NS JQ WORDS...: one field of pbr -j explain
ex() {
	local n=$1 f=$2
	shift 2
	p "$n" -j explain "$@" | jq -r "$f"
}
# The JSON must parse and have every step, whatever the packet did.
shape() {
	p "$1" -j explain "${@:2}" | jq -e 'has("packet") and has("policy") and has("dnat") and has("mark") and has("rule") and has("route") and has("rp_filter") and has("snat") and has("verdict") and has("reason") and has("fix") and has("reply")' >/dev/null
}

# ---- seed 001: the brouter sends 192.168.1.0/24 into the tunnel ----
ns_add client pi isp jelly remote
veth client eth0 pi eth1
addr client eth0 192.168.0.3/24
addr pi eth1 192.168.0.126/24
route client add default via 192.168.0.126
veth pi eth0 isp lan
addr pi eth0 10.9.0.125/24
addr isp lan 10.9.0.1/24
route pi add default via 10.9.0.1
route isp add 192.168.0.0/24 via 10.9.0.125
addr isp lo 203.0.113.10/32
veth pi tailscale0 remote ts
addr pi tailscale0 100.120.7.128/32
addr remote ts 100.100.0.1/32
route pi add 100.100.0.1 dev tailscale0
route remote add 100.120.7.128 dev ts
veth remote lan1 jelly eth0
addr remote lan1 192.168.1.1/24
addr jelly eth0 192.168.1.30/24
route jelly add default via 192.168.1.1
fwd pi
fwd remote
nsx remote sysctl -qw net.ipv4.conf.ts.proxy_arp=1
whoami_server jelly 8096
whoami_server isp 8080
ok "001: setup" p pi -b - <<'B'
table add tunnel id 100
table route add tunnel default dev tailscale0
mark add table tunnel to 192.168.1.0/24
nat add masquerade oif tailscale0
B
J=(iif eth1 from 192.168.0.3 to 192.168.1.30 proto tcp sport 40000 dport 8096)
ok "001: JSON of a policy-path packet has every step" shape pi "${J[@]}"
eq "001: the policy" "1 table tunnel to 192.168.1.0/24" "$(ex pi '"\(.policy.index) \(.policy.words)"' "${J[@]}")"
eq "001: the rule" "fwmark lookup tunnel" \
	"$(ex pi '.rule.rule | [match("fwmark"), match("lookup tunnel")] | map(.string) | join(" ")' "${J[@]}")"
eq "001: the route (the kernel's)" "tunnel tailscale0 unicast" "$(ex pi '"\(.route.table) \(.route.dev) \(.route.type)"' "${J[@]}")"
eq "001: the NAT" "masquerade oif tailscale0 100.120.7.128" "$(ex pi '"\(.snat.words) \(.snat.to)"' "${J[@]}")"
eq "001: the verdict" forward "$(ex pi .verdict "${J[@]}")"
eq "001: a real connection: jellyfin sees what explain said" \
	"$(ex pi .snat.to "${J[@]}")" "$(whoami client 192.168.1.30 8096)"
K=(iif eth1 from 192.168.0.3 to 203.0.113.10 proto tcp sport 40000 dport 8080)
eq "001, not the policy path: no policy, main, eth0, no NAT" "null main eth0 null forward" \
	"$(ex pi '"\(.policy) \(.route.table) \(.route.dev) \(.snat) \(.verdict)"' "${K[@]}")"
eq "001, not the policy path: the server sees the client itself" 192.168.0.3 "$(whoami client 203.0.113.10 8080)"
eq "001: the Pi's own packet to the far site: marked in output, into the tunnel" \
	"1 tunnel tailscale0 output" "$(ex pi '"\(.policy.index) \(.route.table) \(.route.dev) \(.verdict)"' to 192.168.1.30 proto tcp dport 8096)"
eq "001: and for real" 100.120.7.128 "$(whoami pi 192.168.1.30 8096)"
eq "001: the reply to the client's packet comes back on tailscale0 and goes out eth1" \
	"tailscale0 eth1 forward" "$(ex pi '"\(.reply.packet.iif) \(.reply.route.dev) \(.reply.verdict)"' "${J[@]}" reply)"

# ---- seed 002: SMTP pinned to the second uplink, masqueraded on both ----
seed002_router
whoami_server srv 25
whoami_server srv 80
S=(iif lan from 192.168.1.20 to 203.0.113.25 proto tcp sport 40000 dport 25)
W=(iif lan from 192.168.1.20 to 203.0.113.25 proto tcp sport 40000 dport 80)
eq "002 before: SMTP leaves by wan (main), like everything" "main wan null" \
	"$(ex rt '"\(.route.table) \(.route.dev) \(.policy)"' "${S[@]}")"
ok "002: setup" p rt -b - <<'B'
nat add masquerade oif wan
nat add masquerade oif wan2
table add wan2 id 202
table route add wan2 default via 10.2.0.1 dev wan2
mark add table wan2 proto tcp dport 25
B
ok "002: JSON has every step" shape rt "${S[@]}" reply
eq "002: SMTP: policy, table, route, gateway" "table wan2 proto tcp dport 25|wan2|wan2|10.2.0.1" \
	"$(ex rt '"\(.policy.words)|\(.route.table)|\(.route.dev)|\(.route.gateway)"' "${S[@]}")"
eq "002: SMTP: masqueraded on wan2" "masquerade oif wan2 10.2.0.2" "$(ex rt '"\(.snat.words) \(.snat.to)"' "${S[@]}")"
eq "002: SMTP for real: the server sees what explain said" "$(ex rt .snat.to "${S[@]}")" "$(whoami lanh 203.0.113.25 25)"
eq "002: web: no policy, main, wan" "null main wan 10.1.0.2" \
	"$(ex rt '"\(.policy) \(.route.table) \(.route.dev) \(.snat.to)"' "${W[@]}")"
eq "002: web for real" "$(ex rt .snat.to "${W[@]}")" "$(whoami lanh 203.0.113.25 80)"
eq "002: SMTP's reply: arrives on wan2, forwarded out lan, rp_filter off" "wan2 lan false forward" \
	"$(ex rt '"\(.reply.packet.iif) \(.reply.route.dev) \(.reply.rp_filter.drops) \(.reply.verdict)"' "${S[@]}" reply)"
# Strict rp_filter (as RHEL ships it): the reply to SMTP, which comes back on
# wan2 while main routes the server out wan, is dropped. explain says so and
# what fixes it; a real connection fails; the fix makes it work.
nsx rt sysctl -qw net.ipv4.conf.all.rp_filter=1
eq "002 strict: the reply is dropped by rp_filter on wan2" "true drop wan" \
	"$(ex rt '"\(.reply.rp_filter.drops) \(.reply.verdict) \(.reply.rp_filter.back_dev)"' "${S[@]}" reply)"
fix=$(ex rt .reply.fix "${S[@]}" reply)
has "002 strict: the fix is loose rp_filter on wan2" "sysctl set dev wan2 rp_filter=2" "$fix"
eq "002 strict: a real SMTP connection fails" "" "$(whoami lanh 203.0.113.25 25)"
eq "002 strict: web (symmetric) still works" 10.1.0.2 "$(whoami lanh 203.0.113.25 80)"
ok "002 strict: run the fix explain printed" $PBR ${fix#pbr }
eq "002 after the fix: explain says the reply passes" "false forward" \
	"$(ex rt '"\(.reply.rp_filter.drops) \(.reply.verdict)"' "${S[@]}" reply)"
eq "002 after the fix: a real SMTP connection works" 10.2.0.2 "$(whoami lanh 203.0.113.25 25)"
eq "002: the router's own SMTP goes out wan2 too" "wan2 output 10.2.0.2" \
	"$(ex rt '"\(.route.dev) \(.verdict) \(.snat.to)"' to 203.0.113.25 proto tcp dport 25)"
eq "002: to the router itself: local, no policy" "local null local" \
	"$(ex rt '"\(.route.type) \(.policy) \(.verdict)"' iif lan from 192.168.1.20 to 192.168.1.1 proto tcp dport 22)"
nsx rt sysctl -qw net.ipv4.ip_forward=0
eq "002: forwarding off: explain says so and how to fix it" "drop|forwarding is off|sysctl set forwarding=1" \
	"$(ex rt '"\(.verdict)|\(.reason)|\(.fix | sub(".* sysctl"; "sysctl"))"' "${W[@]}")"
nsx rt sysctl -qw net.ipv4.ip_forward=1

# ---- seed 004: answers go back through the gateway the connection came by ----
ns_add sw client4 r1 r2 backend
nsx sw ip link add br0 type bridge
nsx sw ip link set br0 up
for n in r1 r2 backend; do
	veth "$n" lan sw "p$n"
	nsx sw ip link set "p$n" master br0
done
ip -n "$(ns r2)" link set lan address 52:54:00:c2:a5:43
addr r1 lan 10.0.0.1/24
addr r2 lan 10.0.0.2/24
addr backend lan 10.0.0.10/24
route backend add default via 10.0.0.1
veth client4 eth0 r2 wan
addr client4 eth0 198.51.100.2/24
addr r2 wan 198.51.100.1/24
route client4 add default via 198.51.100.1
fwd r1
fwd r2
ok "004: router 2 forwards port 80 to the backend" p r2 nat add dnat 10.0.0.10 iif wan proto tcp dport 80
whoami_server backend 80
B4=(iif lan from 198.51.100.2 to 10.0.0.10 proto tcp sport 40000 dport 80 mac-source 52:54:00:c2:a5:43)
eq "004 before: the backend answers through router 1" "main 10.0.0.1 output" \
	"$(ex backend '"\(.reply.route.table) \(.reply.route.gateway) \(.reply.verdict)"' "${B4[@]}" reply)"
eq "004 before: and for real the connection through router 2 fails" "" "$(whoami client4 198.51.100.1 80)"
eq "004: explain at router 2: dnat to the backend" "10.0.0.10 forward lan" \
	"$(ex r2 '"\(.dnat.to) \(.verdict) \(.route.dev)"' iif wan from 198.51.100.2 to 198.51.100.1 proto tcp sport 40000 dport 80)"
ok "004: setup on the backend" p backend -b - <<'B'
table add router2 id 200
table route add router2 default via 10.0.0.2
mark add 0x2 table router2 proto tcp dport 80 state new mac-source 52:54:00:c2:a5:43 not from 10.0.0.0/24 sticky
B
ok "004: JSON has every step" shape backend "${B4[@]}" reply
eq "004: the connection's first packet: the sticky policy, delivered here" \
	"1 0x00000002 local true" \
	"$(ex backend '"\(.policy.index) \(.mark) \(.verdict) \(.reply.restored)"' "${B4[@]}" reply)"
eq "004: the reply: mark restored, table router2, via router 2" "0x00000002 router2 10.0.0.2 output" \
	"$(ex backend '"\(.reply.mark) \(.reply.route.table) \(.reply.route.gateway) \(.reply.verdict)"' "${B4[@]}" reply)"
eq "004: for real, the connection through router 2 works" 198.51.100.2 "$(whoami client4 198.51.100.1 80)"
eq "004: from another MAC (router 1's), no policy: replies via router 1" "null 10.0.0.1" \
	"$(ex backend '"\(.policy) \(.reply.route.gateway)"' iif lan from 198.51.100.2 to 10.0.0.10 proto tcp sport 40000 dport 80 reply)"
eq "004: a later packet of a sticky connection keeps the mark" "1 0x00000002" \
	"$(ex backend '"\(.policy.index) \(.mark)"' "${B4[@]}" state established)"

# ---- text output and bad input ----
out=$(p rt explain "${S[@]}")
has "text: the policy line" 'policy    policy 1 "table wan2 proto tcp dport 25"' "$out"
has "text: the route line says it is the kernel's answer" "route     table wan2: unicast dev wan2 via 10.2.0.1 (the kernel's answer)" "$out"
has "text: the verdict line" "verdict   forward: forwarded out wan2 via 10.2.0.1 from 10.2.0.2" "$out"
bad "explain without to" rt to p rt explain from 10.0.0.1
bad "explain: unknown keyword" rt via p rt explain to 10.0.0.1 via 10.0.0.2
bad "explain: bad address" rt 10.0.0.300 p rt explain to 10.0.0.300
bad "explain: no such device" rt eth9 p rt explain iif eth9 to 10.0.0.1
bad "explain: port without proto" rt dport p rt explain to 10.0.0.1 dport 80
bad "explain: port 0" rt 0 p rt explain to 10.0.0.1 proto tcp dport 0
bad "explain: mixed families" rt 2001:db8::1 p rt explain from 2001:db8::1 to 10.0.0.1
bad "explain: state invalid" rt invalid p rt explain to 10.0.0.1 state invalid
bad "explain: mark with a mask" rt 0x1/0xff p rt explain to 10.0.0.1 mark 0x1/0xff
bad "explain: mac-source without iif" rt mac-source p rt explain to 10.0.0.1 mac-source 52:54:00:c2:a5:43
bad "explain: reply without from" rt reply p rt explain to 10.0.0.1 proto tcp reply
bad "explain: to twice" rt to p rt explain to 10.0.0.1 to 10.0.0.2
