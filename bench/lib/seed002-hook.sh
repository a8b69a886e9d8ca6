#!/bin/sh
# The routing part of seed 002's udhcpc default.script on a "bound" event,
# as written there (ip(8) calls; minus ifconfig, hotplug, rdate and
# resolv.conf, which pbr does not do either). Environment as udhcpc's.
TT=$(echo "$ip" | awk -F. '{print $1"."$2"."$3}').0/$mask
ip route flush table "$interface"
for i in $router; do
	ip rule add from "$ip" table "$interface"
	ip route add "$TT" dev "$interface" src "$ip" table "$interface"
	ip route add default via "$i" table "$interface"
done
while ip route del default 2>/dev/null; do :; done
P1=$(ip route list table wan1 | grep via | cut -d" " -f 3)
P2=$(ip route list table wan2 | grep via | cut -d" " -f 3)
ip route add default scope global nexthop via "$P1" dev wan1 weight 1 nexthop via "$P2" dev wan2 weight 1
ip route flush cache
for i in $dns; do
	ip route del "$i" 2>/dev/null
	ip route add "$i" via "$router" table main
done
