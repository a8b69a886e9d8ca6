#!/bin/bash
# Bad input to pbr table, pbr sysctl and the global options: each one exits
# 2 with one line naming the offending word, and leaves the kernel state
# (rules, routes, nftables, sysctls, rt_tables files) byte-identical.
. "$ROOT/tests/lib.sh"

ns_add r peer
veth r v1 peer p1
addr r v1 10.0.1.2/24
addr peer p1 10.0.1.1/24
ok "setup: table add T id 7001" p r table add T id 7001
ok "setup: a route and a rule" p r table route add T default via 10.0.1.1 dev v1
printf '7000\tother\n' >/etc/iproute2/rt_tables.d/other.conf

# ---- routes ----
bad "host bits in a route prefix" r 10.0.0.1/24 p r table route add T 10.0.0.1/24 via 10.0.1.1
bad "prefix length 33" r 10.0.0.0/33 p r table route add T 10.0.0.0/33 dev v1
bad "IPv6 gateway for an IPv4 prefix" r 2001:db8::1 p r table route add T 10.0.0.0/8 via 2001:db8::1
bad "unknown device" r eth9 p r table route add T 10.0.0.0/8 via 10.0.1.1 dev eth9
bad "unregistered table name" r nosuch p r table route add nosuch default dev v1
bad "unknown route keyword" r frobnicate p r table route add T default via 10.0.1.1 frobnicate
bad "missing value after via" r via p r table route add T default via
bad "metric out of range" r 99999999999 p r table route add T 10.0.0.0/8 dev v1 metric 99999999999
bad "weight 0" r 0 p r table route add T default nexthop via 10.0.1.1 weight 0
bad "weight 257" r 257 p r table route add T default nexthop via 10.0.1.1 weight 257
bad "route without via or dev" r default p r table route add T default
bad "local route to default" r default p r table route add T local default
bad "unknown route command" r frob p r table route frob T default
bad "mixed families across nexthops" r 2001:db8::1 p r table route add T default nexthop via 10.0.1.1 dev v1 nexthop via 2001:db8::1
bad "onlink without dev" r onlink p r table route add T 10.20.0.0/16 via 172.16.0.1 onlink
bad "-6 with an IPv4 prefix" r 10.0.0.0/8 p r -6 table route add T 10.0.0.0/8 dev v1
# ---- rules ----
bad "invalid address 300.1.1.1" r 300.1.1.1 p r table rule add T from 300.1.1.1
bad "zero fwmark mask" r 0x1/0 p r table rule add T fwmark 0x1/0
bad "garbage fwmark" r zz p r table rule add T fwmark zz
bad "port 70000" r 70000 p r table rule add T dport 70000
bad "reversed port range" r 2000-1000 p r table rule add T sport 2000-1000
bad "unknown protocol" r tcpp p r table rule add T ipproto tcpp
bad "tos with ECN bits" r 0x03 p r table rule add T tos 0x03
bad "priority 0 (the local rule's)" r 0 p r table rule add T from 10.9.0.0/16 pref 0
bad "priority past 32 bits" r 4294967296 p r table rule add T from 10.9.0.0/16 pref 4294967296
bad "suppress_prefixlength 129" r 129 p r table rule add T suppress_prefixlength 129
bad "mixed families in one rule" r 2001:db8::/32 p r table rule add T from 10.0.0.0/8 to 2001:db8::/32
bad "unknown iif" r eth9 p r table rule add T iif eth9
bad "not in the middle" r not p r table rule add T from 10.0.0.0/8 not
bad "ports with icmp" r dport p r table rule add T ipproto icmp dport 80
bad "unknown rule keyword" r lookup p r table rule add T lookup main
bad "unknown rule command" r change p r table rule change T from 10.0.0.0/8
bad "rule for an unregistered name" r tyop p r table rule add tyop from 10.0.0.0/8
# ---- tables ----
bad "add main" r main p r table add main
bad "add with reserved id 254" r 254 p r table add foo id 254
bad "add with id 0" r 0 p r table add foo id 0
bad "numeric table name" r 123abc p r table add 123abc
bad "name with a slash" r a/b p r table add a/b
bad "registered name with another id" r T p r table add T id 99
bad "id already named by another file" r 7000 p r table add newname id 7000
bad "del local" r local p r table del local
bad "flush an unknown table" r nosuch p r table flush nosuch
bad "unknown table command" r frob p r table frob
bad "extra word after table add" r extra p r table add T2 id 7002 extra
# ---- sysctl ----
bad "per-device key without dev" r rp_filter=1 p r sysctl set rp_filter=1
bad "rp_filter=3" r rp_filter=3 p r sysctl set dev v1 rp_filter=3
bad "unknown key" r frob p r sysctl set dev v1 frob=1
bad "unknown device" r eth9 p r sysctl set dev eth9 rp_filter=1
bad "arp_ignore=5" r arp_ignore=5 p r sysctl set dev v1 arp_ignore=5
bad "unknown full name" r net.ipv4.conf.v1.nosuch p r sysctl set net.ipv4.conf.v1.nosuch=1
bad "set without =VALUE" r rp_filter p r sysctl set dev v1 rp_filter
bad "an IPv4 key with -6" r rp_filter p r -6 sysctl set dev v1 rp_filter=1
bad "a non-net key" r kernel.panic p r sysctl set kernel.panic=1
bad "second value bad: nothing is written" r rp_filter=9 p r sysctl set dev v1 rp_filter=2 rp_filter=9
bad "forwarding=2" r forwarding=2 p r sysctl set forwarding=2
bad "get with a value" r rp_filter=1 p r sysctl get dev v1 rp_filter=1
# ---- global ----
bad "unknown object" r frob p r frob
bad "unknown option" r --frob "$PBR" --frob table list
bad "no such network namespace" r nosuchns "$PBR" -n nosuchns table list
bad "bad PBR_PREF_BASE" r x env PBR_PREF_BASE=x "$PBR" -n "$(ns r)" table list
bad "bad PBR_MARK_MASK" r 0 env PBR_MARK_MASK=0 "$PBR" -n "$(ns r)" table list

rm -f /etc/iproute2/rt_tables.d/other.conf
