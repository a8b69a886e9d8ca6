#!/bin/bash
# Seed 000: travel router B serves a firmware image over TFTP to router A on
# br-lan, and A may ask for any address of 192.168.1.0/24. B's own uplink
# (wlan) is 192.168.1.0/24 too, with its router W at 192.168.1.1 - the very
# address A uses. Strict rp_filter everywhere on B. One command must make A's
# TFTP (a stock tftpd-hpa bound to 0.0.0.0, answering from a new port), ping
# and TCP work at every address, leave B's own traffic to W alone, give W no
# ARP answers for addresses that are not B's, and "del" must put back exactly
# what was there.
. "$ROOT/tests/lib.sh"

ns_add A B W
nsx B ip link add br-lan type bridge
nsx B ip link set br-lan up
veth A eth0 B lanp
nsx B ip link set lanp master br-lan
veth B wlan W eth0
addr A eth0 192.168.1.1/24
addr W eth0 192.168.1.1/24
addr B wlan 192.168.1.50/24
route B add default via 192.168.1.1
for n in A B W; do
	for d in $(nsx "$n" ls /proc/sys/net/ipv4/conf); do
		nsx "$n" sysctl -qw "net.ipv4.conf.$d.rp_filter=1"
	done
done

TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"; cleanup' EXIT
mkdir "$TMPD/root"
head -c 300000 /dev/urandom >"$TMPD/root/fw.bin"
nsx B in.tftpd -l -s "$TMPD/root" -a 0.0.0.0:69 -u root
nsx B socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo B' >/dev/null 2>&1 &
nsx W socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo W' >/dev/null 2>&1 &
wait_listen B 80
wait_listen W 80

# tftp_get ADDR: fetch fw.bin from ADDR on A; "same" when it arrived intact.
tftp_get() {
	rm -f "$TMPD/got"
	(cd "$TMPD" && nsx A timeout 10 busybox tftp -g -r fw.bin -l "$TMPD/got" "$1" >/dev/null 2>&1)
	cmp -s "$TMPD/got" "$TMPD/root/fw.bin" && echo same || echo "differs"
}
tcp_get() { nsx "$1" timeout 5 socat -T3 - TCP:"$2":80,connect-timeout=3 </dev/null 2>/dev/null; }
# B's sysctls that anyip must not touch: all, default and every device but br-lan.
others() { nsx B sysctl -a -r '^net\.ipv4\.conf\.' 2>/dev/null | grep -v '^net.ipv4.conf.br-lan\.'; }

eq "before: A cannot fetch from 192.168.1.2" differs "$(tftp_get 192.168.1.2)"
eq "before: B reaches W" W "$(tcp_get B 192.168.1.1)"
before=$(state B)
others_before=$(others)

twice "anyip add 192.168.1.0/24 dev br-lan" B p B anyip add 192.168.1.0/24 dev br-lan

# ---- kernel state ----
rules=$(ip -n "$(ns B)" -j rule)
eq "the kernel's local rule is untouched (pref 0, lookup local)" '0 local' \
	"$(jq -r '.[] | select(.table == "local") | "\(.priority) \(.table)"' <<<"$rules")"
eq "rule: iif br-lan to 192.168.1.0/24 lookup anyip-br-lan, proto pbr" 1 \
	"$(jq '[.[] | select(.iif == "br-lan" and .dst == "192.168.1.0" and .dstlen == 24 and .table == "anyip-br-lan" and .protocol == "pbr")] | length' <<<"$rules")"
eq "rule: the per-device loopback source goes to the reply table" 1 \
	"$(jq '[.[] | select((.src // "") | startswith("127.77.")) | select(.table == "anyip-br-lan-reply")] | length' <<<"$rules")"
eq "rule: fwmark inside pbr's mask goes to the reply table" 1 \
	"$(jq '[.[] | select(.fwmask == "0x7f000000" and .table == "anyip-br-lan-reply")] | length' <<<"$rules")"
eq "table anyip-br-lan: local 192.168.1.0/24 dev lo" "local 192.168.1.0/24 lo host pbr" \
	"$(ip -n "$(ns B)" -j route show table anyip-br-lan | jq -r '.[] | "\(.type) \(.dst) \(.dev) \(.scope) \(.protocol)"')"
eq "table anyip-br-lan-reply: default dev br-lan" "default br-lan link pbr" \
	"$(ip -n "$(ns B)" -j route show table anyip-br-lan-reply | jq -r '.[] | "\(.dst) \(.dev) \(.scope) \(.protocol)"')"
eq "table local has no 192.168.1.0/24 entry of pbr's" "" \
	"$(ip -n "$(ns B)" -j route show table local | jq -r '.[] | select(.protocol == "pbr") | .dst')"
nftj=$(nsx B nft -j list ruleset)
eq "nft: a tftp ct helper object in inet pbr" tftp \
	"$(jq -r '.nftables[] | select(.["ct helper"]) | .["ct helper"] | select(.table == "pbr") | .type' <<<"$nftj")"
has "nft: dnat to the device's loopback address" '"addr":"127.77.' "$(jq -c '.nftables[] | select(.rule.chain == "anyip_nat") | .rule.expr' <<<"$nftj" | tr -d ' ')"
eq "nft: table arp pbr marks ARP requests for the prefix on br-lan" 1 \
	"$(jq '[.nftables[] | select(.rule.family == "arp" and .rule.table == "pbr")] | length' <<<"$nftj")"
eq "sysctl: br-lan's src_valid_mark, route_localnet, rp_filter" "1 1 1" \
	"$(nsx B sysctl -n net.ipv4.conf.br-lan.src_valid_mark net.ipv4.conf.br-lan.route_localnet net.ipv4.conf.br-lan.rp_filter | tr '\n' ' ' | sed 's/ $//')"
eq "sysctl: all, default and the other devices are as they were (strict rp_filter kept)" \
	"$others_before" "$(others)"

# ---- packets ----
eq "A fetches the image from 192.168.1.2 (checksum matches)" same "$(tftp_get 192.168.1.2)"
eq "A fetches the image from 192.168.1.200 (checksum matches)" same "$(tftp_get 192.168.1.200)"
ok "A pings 192.168.1.3" nsx A ping -c2 -W2 -q 192.168.1.3
eq "A opens TCP to 192.168.1.7 and reaches B" B "$(tcp_get A 192.168.1.7)"
BMAC=$(ip -n "$(ns B)" -j link show br-lan | jq -r '.[0].address')
eq "A learnt 192.168.1.3 at br-lan's MAC (B answered ARP)" "$BMAC" \
	"$(ip -n "$(ns A)" -j neigh show 192.168.1.3 | jq -r '.[0].lladdr')"
# Nothing of A's conversation leaks to W's side: replies leave through br-lan.
nsx W timeout 6 tcpdump -c1 -ni eth0 -w "$TMPD/leak.pcap" \
	'src net 192.168.1.0/24 and not src host 192.168.1.50 and not arp' >/dev/null 2>&1 &
tpid=$!
sleep 1
tftp_get 192.168.1.77 >/dev/null
nsx A ping -c1 -W1 -q 192.168.1.78 >/dev/null
wait "$tpid"
eq "W saw none of B's answers to A" 0 "$(tcpdump -r "$TMPD/leak.pcap" 2>/dev/null | wc -l)"
eq "after: B still reaches W at 192.168.1.1" W "$(tcp_get B 192.168.1.1)"
no "W gets no ARP answer from B for 192.168.1.99" nsx W arping -q -c2 -w3 -I eth0 192.168.1.99
ok "W does get B's answer for B's real 192.168.1.50" nsx W arping -q -c2 -w3 -I eth0 192.168.1.50

# ---- pbr's own view ----
eq "anyip list" "1: 192.168.1.0/24 dev br-lan" "$(p B anyip list | cut -d' ' -f1-4)"
eq "anyip list -j" "192.168.1.0/24 br-lan anyip-br-lan anyip-br-lan-reply false" \
	"$(p B -j anyip list | jq -r '.[] | "\(.prefix) \(.dev) \(.local_table) \(.reply_table) \(.redirect)"')"

# ---- del ----
twice "anyip del 192.168.1.0/24 dev br-lan" B p B anyip del 192.168.1.0/24 dev br-lan
eq "after del: A can no longer fetch" differs "$(tftp_get 192.168.1.2)"
eq "after del: B's rules, routes, nftables, sysctls and table names are as before add" \
	"$before" "$(state B)"
eq "after del: B still reaches W" W "$(tcp_get B 192.168.1.1)"
eq "after del: anyip list is empty" "[]" "$(p B -j anyip list)"
