#!/bin/bash
# Two servers on two upstream links, and option 82 (RFC 3046): with -a the
# relay adds circuit-id = the interface name (and -r's remote-id), both
# servers get every request, the servers echo the option and the relay
# strips it before the client sees the reply. Then the -m policies for
# requests that already carry option 82, and the trust rule for giaddr 0.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/dhcp.sh"

ns_add s1 s2 rt c1 c2
veth s1 s0 rt u1
veth s2 s0 rt u2
veth rt d1 c1 eth0
veth rt d2 c2 eth0
addr s1 s0 10.0.1.1/24
addr s2 s0 10.0.2.1/24
addr rt u1 10.0.1.2/24
addr rt u2 10.0.2.2/24
addr rt d1 192.168.1.1/24
addr rt d2 192.168.2.1/24
route s1 add 192.168.0.0/16 via 10.0.1.2
route s2 add 192.168.0.0/16 via 10.0.2.2
fwd rt
# Each server hands out its own half of the pool, so the lease tells who answered.
dnsmasq_start s1 s0 192.168.1.100,192.168.1.149,255.255.255.0,2m
dnsmasq_start s2 s0 192.168.1.150,192.168.1.199,255.255.255.0,2m
capture rt u1 u1 udp port 67
capture rt u2 u2 udp port 67
capture c1 eth0 c1 udp port 68

relay_start rt -i d1 -i d2 -t d2 -a -r pbr-test 10.0.1.1 10.0.2.1
udhcpc_start c1 eth0
ip=$(lease_wait c1 eth0 bound)
has "two servers: the client got a lease" "192.168.1." "$ip"
sleep 0.3
up1=$(pcap u1 -vv)
up2=$(pcap u2 -vv)
has "server 1 got the request with circuit-id d1" "Circuit-ID SubOption 1, length 2: d1" "$up1"
has "server 2 got the same request" "Circuit-ID SubOption 1, length 2: d1" "$up2"
has "the remote-id given with -r went up too" "Remote-ID SubOption 2, length 8: pbr-test" "$up1"
has "server 1 echoed option 82 in its reply (so stripping is tested)" \
	"10.0.1.1.67 > 192.168.1.1.67" "$up1"
ok "both servers answered: the discover reached both" \
	grep -q "DHCPOFFER(s0)" "$TMPD/dnsmasq-s2.log"
ok "...and server 1 too" grep -q "DHCPOFFER(s0)" "$TMPD/dnsmasq-s1.log"
hasnt "the client never saw option 82" "Agent-Information" "$(pcap c1 -vv)"
has "the client did get its replies" "192.168.1.1.67 > $ip.68" "$(pcap c1)"
eq "show: both servers sent to and answering" "2 2" \
	"$(rshow rt '[.servers[] | select(.sent > 0 and .replies > 0)] | length') $(rshow rt '.servers | length')"
eq "show: nothing dropped for the good client" "0" "$(rcount rt d1 option82_mismatch)"

# A reply whose option 82 is not ours (circuit-id of an interface we do not
# have) is dropped; so is one whose remote-id differs. Their yiaddrs lie outside
# both pools, so no real offer can carry them.
xid=0x5a5a0001
craft s1 --to 10.0.1.2 --src 10.0.1.1 --op 2 --type 2 --giaddr 192.168.1.1 \
	--yiaddr 192.168.1.220 --xid $xid --opt 82:0105626f67757302087062722d74657374
craft s1 --to 10.0.1.2 --src 10.0.1.1 --op 2 --type 2 --giaddr 192.168.1.1 \
	--yiaddr 192.168.1.221 --xid $xid --opt 82:0102643102056576696c21
sleep 0.3
eq "replies with a forged circuit-id or remote-id are dropped (option82_mismatch)" "2" \
	"$(rcount rt u1 option82_mismatch)"
hasnt "...and never reach the client" "192.168.1.22" "$(pcap c1)"

# Option 82 from a client port with giaddr 0: dropped unless the port is trusted.
craft c1 --to 255.255.255.255 --dev eth0 --xid 0x5a5a0002 --opt 82:0103666f6f
sleep 0.2
eq "giaddr 0 with option 82 on an untrusted port: dropped" "1" \
	"$(rcount rt d1 untrusted_option82)"
craft c2 --to 255.255.255.255 --dev eth0 --xid 0x5a5a0003 --opt 82:0103737731
sleep 0.2
eq "on a trusted port (-t d2) it is relayed" "0" "$(rcount rt d2 untrusted_option82)"
has "...unchanged under the default policy (forward): the switch's circuit-id" \
	"length 3: sw1" "$(pcap u1 -vv)"
relay_stop rt

# -m: a request from a relay closer to the client (giaddr set) that carries
# option 82 already.
policy() {
	local m=$1 xid=$2
	relay_start rt -i d1 -a -m "$m" 10.0.1.1
	craft c1 --to 255.255.255.255 --dev eth0 --giaddr 192.168.9.1 --hops 1 --xid "$xid" \
		--opt 82:01036f6c64
	sleep 0.3
}
seen() { pcap u1 -vv | grep -A30 "xid $1" | sed -n '/Agent-Information/,/END/p'; }

policy forward 0x5a5a0010
s=$(seen 0x5a5a0010)
has "-m forward: their circuit-id goes up" "length 3: old" "$s"
hasnt "-m forward: ours is not added" "length 2: d1" "$s"
eq "-m forward: giaddr of the closer relay kept" "1" \
	"$(pcap u1 -vv | grep -A12 'xid 0x5a5a0010' | grep -c 'Gateway-IP 192.168.9.1')"
relay_stop rt

policy append 0x5a5a0011
s=$(seen 0x5a5a0011)
has "-m append: theirs stays" "length 3: old" "$s"
has "-m append: ours follows" "length 2: d1" "$s"
relay_stop rt

policy replace 0x5a5a0012
s=$(seen 0x5a5a0012)
hasnt "-m replace: theirs is gone" "length 3: old" "$s"
has "-m replace: ours is there" "length 2: d1" "$s"
relay_stop rt

policy discard 0x5a5a0013
eq "-m discard: nothing went up" "" "$(pcap u1 | grep 0x5a5a0013)"
eq "-m discard: counted as option82_policy" "1" "$(rcount rt d1 option82_policy)"
relay_stop rt
