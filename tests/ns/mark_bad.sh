#!/bin/bash
# Bad input to pbr mark and pbr nat: exit 2, one line naming the word, and
# the ruleset (nft), rules, routes and sysctls byte-identical.
. "$ROOT/tests/lib.sh"

ns_add r peer
veth r eth0 peer p0
ok "setup: table t" p r table add t id 100
ok "setup: an existing policy" p r mark add table t proto tcp dport 25
f=$(mktemp)
printf '10.0.0.0/8\n10.1.2.300/32\n' >"$f"
e=$(mktemp)
printf '# nothing\n\n' >"$e"

bad "mark without MARK or table" r proto p r mark add proto tcp dport 25
bad "mark 0" r 0 p r mark add 0 table t
bad "mark outside its mask" r 0x3/0x2 p r mark add 0x3/0x2 table t
bad "mark over 32 bits" r 0x100000000 p r mark add 0x100000000 table t
bad "unknown table" r nosuch p r mark add table nosuch dport 25 proto tcp
bad "table local" r local p r mark add table local proto tcp dport 25
bad "ports without proto" r dport p r mark add table t dport 25
bad "ports with proto icmp" r dport p r mark add table t proto icmp dport 25
bad "port 70000" r 70000 p r mark add table t proto tcp dport 70000
bad "port list with a hole" r 80,,443 p r mark add table t proto tcp dport 80,,443
bad "bad prefix in a list" r 10.0.0.0/33 p r mark add table t to 10.1.0.0/16,10.0.0.0/33
bad "host bits in from" r 10.0.0.1/8 p r mark add table t from 10.0.0.1/8
bad "bad line in @FILE (named with its line)" r 10.1.2.300/32 p r mark add table t to @"$f"
bad "missing @FILE" r /nonexistent/list p r mark add table t to @/nonexistent/list
bad "empty @FILE" r "$e" p r mark add table t to @"$e"
bad "from IPv4 and to IPv6: no family left" r to p r mark add table t from 10.0.0.0/8 to 2001:db8::/32
bad "icmpv6 with an IPv4 prefix" r from p r mark add table t from 10.0.0.0/8 proto icmpv6
bad "-6 with an IPv4 prefix" r from p r -6 mark add table t from 10.0.0.0/8
bad "unknown state" r new,estab p r mark add table t state new,estab
bad "dscp 64" r 64 p r mark add table t dscp 64
bad "bad MAC" r 52:54:00:zz:a5:43 p r mark add table t mac-source 52:54:00:zz:a5:43
bad "unknown iif" r eth9 p r mark add table t iif eth9
bad "not before proto" r proto p r mark add table t not proto tcp
bad "from given twice" r from p r mark add table t from 10.0.0.0/8 from 10.1.0.0/16
bad "unknown keyword" r lookup p r mark add table t lookup t
bad "table twice" r table p r mark add table t table t proto tcp dport 1
bad "dport twice" r dport p r mark add table t proto tcp dport 1 dport 2
bad "not sport twice" r sport p r mark add table t proto tcp sport 1 not sport 2
bad "iif twice" r iif p r mark add table t iif eth0 iif eth0
bad "iif with oif" r oif p r mark add table t iif eth0 oif eth0
bad "nat: redirect to without a port" r to p r nat add redirect to
bad "missing value" r dport p r mark add table t proto tcp dport
bad "unknown mark command" r change p r mark change table t
bad "flush with junk" r extra p r mark flush extra
bad "nat: unknown type" r snatt p r nat add snatt 1.2.3.4
bad "nat: snat without address" r snat p r nat add snat
bad "nat: snat bad address" r 1.2.3.400 p r nat add snat 1.2.3.400 oif eth0
bad "nat: snat reversed range" r 1.2.3.9-1.2.3.4 p r nat add snat 1.2.3.9-1.2.3.4 oif eth0
bad "nat: snat port without proto" r snat p r nat add snat 1.2.3.4:80 oif eth0
bad "nat: snat port 0" r 1.2.3.4:0 p r nat add snat 1.2.3.4:0 oif eth0 proto tcp
bad "nat: dnat range" r 10.0.0.5-10.0.0.9 p r nat add dnat 10.0.0.5-10.0.0.9 iif eth0
bad "nat: dnat with oif" r oif p r nat add dnat 10.0.0.5 oif eth0
bad "nat: redirect with oif" r oif p r nat add redirect oif eth0
bad "nat: redirect port 70000" r 70000 p r nat add redirect 70000 proto tcp
bad "nat: IPv6 address with IPv4 selectors" r snat p r nat add snat 2001:db8::1 from 10.0.0.0/8
bad "nat: unclosed bracket" r "[2001:db8::1:80" p r nat add snat "[2001:db8::1:80" proto tcp
bad "nat: unknown command" r change p r nat change masquerade
rm -f "$f" "$e"
