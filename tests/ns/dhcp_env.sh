#!/bin/bash
# pbr table dhcp driven by dhclient- and dhcpcd-style environments ($reason,
# new_*), a /32 lease, weights, the dns option, and bad environments.
. "$ROOT/tests/lib.sh"

ns_add r
R=$(ns r)
for i in 1 2 3; do
	ip -n "$R" link add up$i type veth peer name peer$i
	ip -n "$R" link set up$i up
	ip -n "$R" link set peer$i up
done
ip -n "$R" addr add 10.1.0.50/24 dev up1
ip -n "$R" addr add 10.2.0.60/24 dev up2
ip -n "$R" addr add 100.64.7.9/32 dev up3
# dh ARGS... with the environment in DHENV (a clean env, as a client would give)
dh() { env -i PATH="$PATH" $DHENV "$PBR" -n "$R" table dhcp "$@"; }
rules() { ip -n "$R" -j rule | jq -r "[.[] | select(.table==\"$1\") | .src] | join(\" \")"; }
deflt() { ip -n "$R" -j route show default | jq -c '[.[0] | (.nexthops // [.]) | .[] | "\(.dev):\(.weight // 1)"]'; }

# dhclient: $reason, new_subnet_mask in dotted form.
DHENV="reason=BOUND interface=up1 new_ip_address=10.1.0.50 new_subnet_mask=255.255.255.0 new_routers=10.1.0.1 new_domain_name_servers=10.1.0.53"
twice "dhclient BOUND" r dh balance weight 2 dns
eq "dhclient: the source rule" "10.1.0.50" "$(rules up1)"
eq "dhclient: the table" "10.1.0.0/24 default" "$(ip -n "$R" -j route show table up1 | jq -r '[.[].dst] | sort | join(" ")')"
eq "dhclient: the DNS server's route in main" "up1" "$(ip -n "$R" -j route show 10.1.0.53 | jq -r '.[0].dev')"
# dhcpcd: new_subnet_cidr.
DHENV="reason=BOUND interface=up2 new_ip_address=10.2.0.60 new_subnet_cidr=24 new_routers=10.2.0.1"
twice "dhcpcd BOUND" r dh balance
eq "balanced default with the weights given" '["up1:2","up2:1"]' "$(deflt)"
DHENV="reason=RENEW interface=up2 new_ip_address=10.2.0.60 new_subnet_cidr=24 new_routers=10.2.0.1"
twice "dhcpcd RENEW with another weight" r dh balance weight 3
eq "the weight follows" '["up1:2","up2:3"]' "$(deflt)"
# dhclient RENEW to a new address (old_ip_address set): the old rule goes.
ip -n "$R" addr add 10.1.0.77/24 dev up1
DHENV="reason=RENEW interface=up1 old_ip_address=10.1.0.50 new_ip_address=10.1.0.77 new_subnet_mask=255.255.255.0 new_routers=10.1.0.1"
twice "dhclient RENEW with a new address" r dh balance weight 2
eq "exactly one source rule, the new address" "10.1.0.77" "$(rules up1)"
eq "dns left out: the DNS route went" "" "$(ip -n "$R" -j route show 10.1.0.53 | jq -r '.[0].dev // empty')"
# A /32 lease: the router is outside; the default is onlink; no subnet route.
DHENV="interface=up3 ip=100.64.7.9 mask=32 router=100.64.0.1"
twice "udhcpc bound, /32 lease" r dh bound table uplink3
eq "/32: default via the router, onlink" '["onlink"]' "$(ip -n "$R" -j route show table uplink3 | jq -c '.[0].flags')"
eq "/32: only the default" "default" "$(ip -n "$R" -j route show table uplink3 | jq -r '[.[].dst] | join(" ")')"
eq "table NAME names the table" "100.64.7.9" "$(rules uplink3)"
eq "without balance the uplink stays out of main's default" '["up1:2","up2:3"]' "$(deflt)"
# Events that change nothing.
for ev in PREINIT CARRIER MEDIUM; do
	before=$(state r)
	DHENV="reason=$ev interface=up1"
	ok "$ev is accepted" dh
	eq "$ev changed nothing" "$before" "$(state r)"
done
# Down events.
DHENV="reason=EXPIRE interface=up2 old_ip_address=10.2.0.60"
twice "dhcpcd EXPIRE" r dh balance
eq "its rule went" "" "$(rules up2)"
eq "its share of the default went" '"up1"' "$(ip -n "$R" -j route show default | jq -c '.[0].dev')"
DHENV="reason=RELEASE interface=up1"
twice "dhclient RELEASE" r dh balance
eq "no balanced default is left" "0" "$(ip -n "$R" -j route show default | jq 'length')"
DHENV="interface=up3"
twice "udhcpc deconfig" r dh deconfig table uplink3
eq "the /32 uplink's table is empty" "" "$(ip -n "$R" route show table uplink3)"
eq "the table names stay registered" 3 "$(grep -cE 'up1|up2|uplink3' /etc/iproute2/rt_tables.d/pbr.conf)"
DHENV="interface=gone0"
twice "deconfig of an interface that is gone" r dh deconfig

# Bad environments: exit 2, one line naming the culprit, nothing changed.
DHENV="ip=10.1.0.50 mask=24 router=10.1.0.1"
bad "missing interface" r interface dh bound
DHENV="interface=up1 ip=10.1.0.5x mask=24 router=10.1.0.1"
bad "garbage ip" r 10.1.0.5x dh bound
DHENV="interface=up1 ip=10.1.0.50 mask=24 router=10.9.9.1"
bad "router outside the subnet without a /32 lease" r 10.9.9.1 dh bound
DHENV="interface=up1 ip=10.1.0.50 mask=24 router=10.1.0.1"
bad "unknown event" r sleep dh sleep
DHENV="interface=up1"
bad "no event and no reason" r reason dh
DHENV="reason=BOUND interface=up1 new_ip_address=10.1.0.50 new_subnet_mask=255.0.255.0 new_routers=10.1.0.1"
bad "non-contiguous mask" r 255.0.255.0 dh
DHENV="reason=BOUND interface=up1 new_ip_address=10.1.0.50 new_subnet_cidr=33 new_routers=10.1.0.1"
bad "prefix length 33" r 33 dh
DHENV="reason=BOUND interface=up1 new_ip_address=10.1.0.50 new_subnet_cidr=24"
bad "no router" r up1 dh
DHENV="reason=BOUND interface=up1 new_ip_address=10.1.0.50 new_subnet_cidr=24 new_routers=10.1.0.1 new_domain_name_servers=8.8.8.x"
bad "garbage DNS server" r 8.8.8.x dh dns
DHENV="reason=BOUND interface=eth9 new_ip_address=10.1.0.50 new_subnet_cidr=24 new_routers=10.1.0.1"
bad "unknown interface" r eth9 dh
DHENV="reason=BOUND interface=up1 new_ip_address=10.1.0.50 new_subnet_cidr=24 new_routers=10.1.0.1"
bad "weight 0" r 0 dh weight 0
bad "table main" r main dh table main
bad "unknown word" r frob dh frob

# An uplink named as OpenWrt names a VLAN (eth0.2; a veth here, as this
# kernel has no 8021q): its table takes the interface's name, dot and all.
ip -n "$R" link add eth0.2 type veth peer name peer4
ip -n "$R" link set eth0.2 up
ip -n "$R" link set peer4 up
ip -n "$R" addr add 10.4.0.9/24 dev eth0.2
DHENV="reason=BOUND interface=eth0.2 new_ip_address=10.4.0.9 new_subnet_cidr=24 new_routers=10.4.0.1"
twice "a dotted interface: BOUND" r dh
has "a dotted interface: table eth0.2 registered" "eth0.2" "$(grep -w 'eth0\.2' /etc/iproute2/rt_tables.d/pbr.conf)"
eq "a dotted interface: its source rule looks up eth0.2" "10.4.0.9" "$(rules eth0.2)"
eq "a dotted interface: ip resolves the name to its table" "10.4.0.0/24 default" \
	"$(ip -n "$R" -j route show table eth0.2 | jq -r '[.[].dst] | sort | join(" ")')"
DHENV="reason=EXPIRE interface=eth0.2 old_ip_address=10.4.0.9"
twice "a dotted interface: EXPIRE" r dh
eq "a dotted interface: its source rule went" "" "$(rules eth0.2)"
