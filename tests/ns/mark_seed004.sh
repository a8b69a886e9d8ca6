#!/bin/bash
# Seed 004: replies go back through the gateway a connection came in by.
# A backend's default gateway is router 1; router 2 forwards port 80 to it
# (DNAT). Without pbr the backend answers through router 1, which has no way
# to the client, and the connection never completes. With one sticky policy
# on the backend the whole exchange (several KB each way) goes via router 2.
. "$ROOT/tests/lib.sh"

ns_add sw client r1 r2 backend peer
nsx sw ip link add br0 type bridge
nsx sw ip link set br0 up
for n in r1 r2 backend peer; do
	veth "$n" lan sw "p$n"
	nsx sw ip link set "p$n" master br0
done
addr r1 lan 10.0.0.1/24
addr r2 lan 10.0.0.2/24
addr backend lan 10.0.0.10/24
addr peer lan 10.0.0.50/24
route backend add default via 10.0.0.1
route peer add default via 10.0.0.1
veth client eth0 r2 wan
addr client eth0 198.51.100.2/24
addr r2 wan 198.51.100.1/24
route client add default via 198.51.100.1
fwd r1
fwd r2
# Router 2 publishes the backend's port 80 (pbr's own dnat, as a router would).
ok "router 2: dnat port 80 to the backend" p r2 nat add dnat 10.0.0.10 iif wan proto tcp dport 80
# An echo service: what the client sends comes back.
nsx backend socat TCP-LISTEN:80,fork,reuseaddr EXEC:cat >/dev/null 2>&1 &
wait_listen backend 80

# 8 KB each way through router 2's public address; the sum of what came back.
exchange() {
	head -c 8192 /dev/urandom >"$TMPD/sent"
	nsx "$1" timeout 8 socat -T4 - TCP:"$2":80,connect-timeout=3 <"$TMPD/sent" >"$TMPD/got" 2>/dev/null
	cmp -s "$TMPD/sent" "$TMPD/got" && echo same || echo "differs ($(stat -c %s "$TMPD/got") bytes back)"
}
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"; cleanup' EXIT

eq "before: the exchange through router 2 fails (replies go to router 1)" "differs (0 bytes back)" \
	"$(exchange client 198.51.100.1)"
eq "before: a LAN peer talks to the backend directly" same "$(exchange peer 10.0.0.10)"

R2MAC=$(ip -n "$(ns r2)" -j link show lan | jq -r '.[0].address')
ok "backend: table add router2 id 200" p backend table add router2 id 200
twice "backend: route add router2 default via 10.0.0.2" backend p backend table route add router2 default via 10.0.0.2
twice "backend: the seed's policy, sticky" backend \
	p backend mark add 0x2 table router2 proto tcp dport 80 state new mac-source "$R2MAC" not from 10.0.0.0/24 sticky

rules=$(ip -n "$(ns backend)" -j rule)
eq "one FIB rule: fwmark 0x2 lookup router2 (IPv4 only, as the policy)" "0x2 0xffffffff router2" \
	"$(jq -r '.[] | select(.table=="router2") | "\(.fwmark) \(.fwmask // "0xffffffff") \(.table)"' <<<"$rules")"
eq "no IPv6 rule for an IPv4 policy" 0 "$(ip -n "$(ns backend)" -6 -j rule | jq '[.[] | select(.table=="router2")] | length')"
nftj=$(nsx backend nft -j list table inet pbr)
eq "the policy sets the packet mark and the connection mark" 1 \
	"$(jq '[.nftables[] | select(.rule.chain // "" | startswith("marks_")) | .rule.expr[] | select(.mangle.key.ct.key=="mark")] | length' <<<"$nftj")"
eq "restore runs before the policies in prerouting and output" "sticky policies sticky policies" \
	"$(jq -r '[.nftables[] | select(.rule.chain=="prerouting" or .rule.chain=="output") | .rule.comment] | join(" ")' <<<"$nftj")"

eq "after: the whole exchange through router 2 works" same "$(exchange client 198.51.100.1)"
eq "after: again (new connections are marked too)" same "$(exchange client 198.51.100.1)"
eq "after: a LAN peer still talks to the backend directly" same "$(exchange peer 10.0.0.10)"
# The LAN peer's replies did not go through router 2: its conntrack has no mark.
nsx backend timeout 5 socat -T2 - TCP:10.0.0.50:81,connect-timeout=1 </dev/null >/dev/null 2>&1
marks=$(nsx backend cat /proc/net/nf_conntrack 2>/dev/null | grep 'dport=80 ' | grep -o 'mark=[0-9]*' | sort | uniq -c | tr -s ' ')
has "connections from router 2 carry mark 2 in conntrack" "mark=2" "$marks"
has "the LAN peer's connection carries no mark" "mark=0" "$marks"

twice "mark del by the same words" backend \
	p backend mark del 0x2 table router2 proto tcp dport 80 state new mac-source "$R2MAC" not from 10.0.0.0/24 sticky
eq "del took the FIB rule with it" 0 "$(ip -n "$(ns backend)" -j rule | jq '[.[] | select(.table=="router2" and .fwmark)] | length')"
no "del left no table inet pbr behind" nsx backend nft list table inet pbr
eq "after del: the exchange through router 2 fails again" "differs (0 bytes back)" "$(exchange client 198.51.100.1)"
