#!/bin/bash
# Bad input to pbr anyip: exit 2, one line naming the word, and rules,
# routes, nftables, sysctls and table names byte-identical.
. "$ROOT/tests/lib.sh"

ns_add r h
veth r lan0 h eth0
ok "setup: an existing anyip" p r anyip add 10.10.0.0/16 dev lan0
ok "setup: table t" p r table add t id 100

bad "missing PREFIX" r add p r anyip add
bad "IPv6 prefix" r 2001:db8::/64 p r anyip add 2001:db8::/64 dev lan0
bad "-6" r -6 p r -6 anyip add 192.0.2.0/24 dev lan0
bad "host bits set" r 192.0.2.1/24 p r anyip add 192.0.2.1/24 dev lan0
bad "prefix length 33" r 192.0.2.0/33 p r anyip add 192.0.2.0/33 dev lan0
bad "not an address" r 192.0.2.300/24 p r anyip add 192.0.2.300/24 dev lan0
bad "the whole address space" r 0.0.0.0/0 p r anyip add 0.0.0.0/0 dev lan0
bad "loopback" r 127.0.0.0/8 p r anyip add 127.0.0.0/8 dev lan0
bad "multicast" r 224.0.0.0/4 p r anyip add 224.0.0.0/4 dev lan0
bad "broadcast" r 255.255.255.255/32 p r anyip add 255.255.255.255/32 dev lan0
bad "missing dev" r 192.0.2.0/24 p r anyip add 192.0.2.0/24
bad "dev without a name" r dev p r anyip add 192.0.2.0/24 dev
bad "no such device" r eth9 p r anyip add 192.0.2.0/24 dev eth9
bad "device name too long" r abcdefghijklmnopq p r anyip add 192.0.2.0/24 dev abcdefghijklmnopq
bad "dev lo" r lo p r anyip add 192.0.2.0/24 dev lo
bad "dev twice" r dev p r anyip add 192.0.2.0/24 dev lan0 dev lan0
bad "unknown table" r nosuch p r anyip add 192.0.2.0/24 dev lan0 table nosuch
bad "table local" r local p r anyip add 192.0.2.0/24 dev lan0 table local
bad "table main" r main p r anyip add 192.0.2.0/24 dev lan0 table main
bad "table twice" r table p r anyip add 192.0.2.0/24 dev lan0 table t table t
bad "the reply table as local table" r anyip-lan0-reply p r anyip add 192.0.2.0/24 dev lan0 table anyip-lan0-reply
ok "setup: a second device" veth r lan1 h eth1
bad "another device's reply table as local table" r anyip-lan0-reply p r anyip add 192.0.2.0/24 dev lan1 table anyip-lan0-reply
bad "redirect without address" r redirect p r anyip add 192.0.2.0/24 dev lan0 redirect
bad "redirect to a bad address" r 10.1.2.300 p r anyip add 192.0.2.0/24 dev lan0 redirect 10.1.2.300
bad "redirect to IPv6" r 2001:db8::1 p r anyip add 192.0.2.0/24 dev lan0 redirect 2001:db8::1
bad "redirect to an address not this machine's" r 10.7.7.7 p r anyip add 192.0.2.0/24 dev lan0 redirect 10.7.7.7
bad "redirect twice" r redirect p r anyip add 192.0.2.0/24 dev lan0 redirect 127.0.0.1 redirect 127.0.0.1
bad "unknown keyword" r via p r anyip add 192.0.2.0/24 dev lan0 via 10.0.0.1
bad "unknown command" r change p r anyip change 192.0.2.0/24 dev lan0
bad "del: missing dev" r 10.10.0.0/16 p r anyip del 10.10.0.0/16
bad "flush with junk" r now p r anyip flush now
bad "list with junk" r all p r anyip list all
