#!/bin/bash
# pbr anyip beyond seed 000: several prefixes and devices, table NAME,
# redirect ADDR, changing an instance, the 127/8 guard, ARP settings, a
# device that vanishes, dry-run, flush, and living next to pbr mark/nat.
. "$ROOT/tests/lib.sh"

ns_add r h1 h2
veth r lan0 h1 eth0
veth r lan1 h2 eth0
addr h1 eth0 10.10.1.1/16
addr h2 eth0 10.10.1.1/16
route h1 add default dev eth0
route h2 add default dev eth0
nsx r ip addr add 10.9.9.9/32 dev lo

TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"; cleanup' EXIT
nsx r socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo any' >/dev/null 2>&1 &
nsx r socat TCP-LISTEN:81,bind=10.9.9.9,fork,reuseaddr SYSTEM:'echo only-10.9.9.9' >/dev/null 2>&1 &
wait_listen r 80
wait_listen r 81
get() { nsx "$1" timeout 5 socat -T3 - TCP:"$2",connect-timeout=3 </dev/null 2>/dev/null; }
pinged() { nsx "$1" ping -c1 -W2 -q "$2" >/dev/null 2>&1 && echo yes || echo no; }
rules() { ip -n "$(ns r)" -j rule; }
empty=$(state r)

# ---- two prefixes on one device, one prefix on two devices ----
twice "add 10.10.0.0/16 dev lan0" r p r anyip add 10.10.0.0/16 dev lan0
twice "add 172.20.0.0/24 dev lan0" r p r anyip add 172.20.0.0/24 dev lan0
twice "add 10.10.0.0/16 dev lan1" r p r anyip add 10.10.0.0/16 dev lan1
eq "h1 reaches r at 10.10.200.1 (TCP)" any "$(get h1 10.10.200.1:80)"
eq "h1 pings r at 172.20.0.9" yes "$(pinged h1 172.20.0.9)"
eq "h2 (same address as h1, other device) reaches r at 10.10.3.3" any "$(get h2 10.10.3.3:80)"
eq "h2 pings r at 10.10.44.44" yes "$(pinged h2 10.10.44.44)"
eq "one device: one reply table, one mark (two prefixes share them)" 2 \
	"$(p r -j anyip list | jq '[.[] | "\(.reply_table) \(.mark)"] | unique | length')"
eq "two devices: two loopback targets" 2 \
	"$(p r -j anyip list | jq '[.[] | select(.redirect == false) | .target] | unique | length')"
eq "list: three instances, in the order added" \
	"10.10.0.0/16 lan0|172.20.0.0/24 lan0|10.10.0.0/16 lan1" \
	"$(p r -j anyip list | jq -r '[.[] | "\(.prefix) \(.dev)"] | join("|")')"

# ---- an overlapping prefix on the same device is refused ----
s1=$(state r)
err=$(p r anyip add 10.10.5.0/24 dev lan0 2>&1)
eq "overlap on lan0: exit 1 (a conflict with what exists)" 1 "$?"
has "overlap on lan0: says which instance" 'overlaps 10.10.0.0/16 dev lan0' "$err"
eq "overlap on lan0: nothing changed" "$s1" "$(state r)"

# ---- table NAME ----
ok "table add mylocal" p r table add mylocal
twice "add 192.0.2.0/24 dev lan1 table mylocal" r p r anyip add 192.0.2.0/24 dev lan1 table mylocal
eq "the local route is in mylocal" "local 192.0.2.0/24" \
	"$(ip -n "$(ns r)" -j route show table mylocal | jq -r '.[] | "\(.type) \(.dst)"')"
eq "its rule looks up mylocal" 1 \
	"$(rules | jq '[.[] | select(.iif == "lan1" and .dst == "192.0.2.0" and .table == "mylocal")] | length')"
eq "h2 pings r at 192.0.2.77" yes "$(pinged h2 192.0.2.77)"
s=$(state r)
err=$("$PBR" -n "$(ns r)" table del mylocal 2>&1)
eq "table del of a table an anyip uses: exit 1" 1 "$?"
eq "the error names the anyip and its del" \
	'pbr table: table "mylocal" is in use by anyip 192.0.2.0/24 dev lan1 (delete it first: pbr anyip del 192.0.2.0/24 dev lan1)' \
	"$err"
eq "nothing changed, and h2 still pings 192.0.2.77" "yes" \
	"$([ "$s" = "$(state r)" ] && pinged h2 192.0.2.77)"

# ---- changing an instance: the same prefix and device, now with redirect ----
eq "before redirect: port 81 (bound to 10.9.9.9 only) is closed at 10.10.7.7" "" "$(get h1 10.10.7.7:81)"
s1=$(state r)
out=$(p r --dry-run anyip add 10.10.0.0/16 dev lan0 redirect 10.9.9.9 2>&1 >/dev/null)
has "redirect to a real address without a default route: a warning" \
	"pbr anyip: warning: no default route: replies from 10.9.9.9 to hosts on lan0 need a route" "$out"
eq "(dry-run changed nothing)" "$s1" "$(state r)"
# The first lookup of a reply from 10.9.9.9 finds this; the mark then takes it to lan0.
route r add default dev lan1
twice "add 10.10.0.0/16 dev lan0 redirect 10.9.9.9 (replaces the instance)" r \
	p r anyip add 10.10.0.0/16 dev lan0 redirect 10.9.9.9
eq "h1 reaches the service bound to 10.9.9.9 at 10.10.7.7" only-10.9.9.9 "$(get h1 10.10.7.7:81)"
eq "h1 pings 10.10.7.8 (redirected)" yes "$(pinged h1 10.10.7.8)"
eq "still three instances on lan0/lan1 plus mylocal's" 4 "$(p r -j anyip list | jq length)"
eq "the redirected instance is listed with its target" "10.9.9.9 true" \
	"$(p r -j anyip list | jq -r '.[] | select(.prefix == "10.10.0.0/16" and .dev == "lan0") | "\(.target) \(.redirect)"')"
eq "172.20.0.0/24 on lan0 kept its loopback source rule" 1 \
	"$(rules | jq '[.[] | select((.src // "") | startswith("127.77.")) | select(.table == "anyip-lan0-reply")] | length')"
eq "h1 still pings 172.20.0.9" yes "$(pinged h1 172.20.0.9)"

# ---- the guard: hosts on lan0 never reach 127/8 (route_localnet is on) ----
# A frame from h1 straight to r's MAC with destination 127.0.0.1 and
# rp_filter off: only pbr's guard rule stands between it and r's loopback.
read -r rpf_all rpf_lan0 < <(nsx r sysctl -n net.ipv4.conf.all.rp_filter net.ipv4.conf.lan0.rp_filter | tr '\n' ' ')
nsx r sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.lan0.rp_filter=0
RMAC=$(ip -n "$(ns r)" -j link show lan0 | jq -r '.[0].address')
send_loop() {
	nsx h1 python3 -c '
import socket, struct, sys
def csum(b):
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff)
    return ~(s + (s >> 16)) & 0xffff
mac = bytes.fromhex(sys.argv[1].replace(":", ""))
src, dst = socket.inet_aton("10.10.1.1"), socket.inet_aton("127.0.0.1")
payload = b"hello-loopback"
udp = struct.pack("!HHHH", 40000, 9999, 8 + len(payload), 0) + payload
ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, dst)
ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.bind(("eth0", 0))
me = s.getsockname()[4]
for _ in range(3):
    s.send(mac + me + b"\x08\x00" + ip + udp)
' "$RMAC"
}
: >"$TMPD/loop.out"
nsx r socat -u UDP-RECV:9999,bind=127.0.0.1 OPEN:"$TMPD/loop.out",append >/dev/null 2>&1 &
sleep 0.3
send_loop
sleep 0.5
eq "guard: nothing reached 127.0.0.1:9999 from lan0" 0 "$(stat -c %s "$TMPD/loop.out")"
h=$(nsx r nft -a list chain inet pbr anyip | awk '/127.0.0.0\/8 drop/ && /lan0/ && /172.20/ {print $NF; exit}')
h2=$(nsx r nft -a list chain inet pbr anyip | awk '/127.0.0.0\/8 drop/ && /lan0/ && /10.10/ {print $NF; exit}')
nsx r nft delete rule inet pbr anyip handle "$h"
nsx r nft delete rule inet pbr anyip handle "$h2"
send_loop
sleep 0.5
has "without the guard (rules deleted by hand) the packet does get there" hello-loopback "$(cat "$TMPD/loop.out")"
: >"$TMPD/loop.out"
ok "add again repairs the instances" p r anyip add 172.20.0.0/24 dev lan0
ok "add again repairs the redirected one" p r anyip add 10.10.0.0/16 dev lan0 redirect 10.9.9.9
send_loop
sleep 0.5
eq "guard back: nothing reaches 127.0.0.1:9999" 0 "$(stat -c %s "$TMPD/loop.out")"
eq "h1 still pings 172.20.0.9 after the repair" yes "$(pinged h1 172.20.0.9)"

# ---- next to pbr mark and pbr nat ----
ok "table add t" p r table add t
ok "table route add t blackhole default" p r table route add t blackhole default
twice "mark add table t iif lan0 (a policy for everything from lan0)" r p r mark add table t iif lan0
eq "anyip wins for its prefixes: h1 pings 172.20.0.9" yes "$(pinged h1 172.20.0.9)"
ok "nat add masquerade oif lan1" p r nat add masquerade oif lan1
ok "mark del of that policy" p r mark del table t iif lan0
ok "nat flush" p r nat flush
ok "mark flush" p r mark flush
eq "after mark/nat flushes: h1 still pings 172.20.0.9" yes "$(pinged h1 172.20.0.9)"
eq "after mark/nat flushes: the sticky restore of anyip's marks is still there" 2 \
	"$(nsx r nft -j list ruleset | jq '[.nftables[] | select(.rule.comment == "restore")] | length')"
has "after mark/nat flushes: prerouting still jumps to anyip" "jump anyip" \
	"$(nsx r nft list chain inet pbr prerouting)"

# ---- dry-run ----
s1=$(state r)
out=$(p r --dry-run anyip add 198.51.100.0/24 dev lan1)
has "dry-run prints the nft rule" "dnat ip to 127.77." "$out"
has "dry-run prints the ip rule" "rule add from all to 198.51.100.0/24 iif lan1" "$out"
eq "dry-run changed nothing" "$s1" "$(state r)"
out=$(p r --dry-run anyip del 10.10.0.0/16 dev lan1)
has "dry-run del prints the rule removal" "rule del from all to 10.10.0.0/16 iif lan1" "$out"
eq "dry-run del changed nothing" "$s1" "$(state r)"

# ---- ARP settings of the device ----
veth r lan2 h1 eth1
nsx r sysctl -qw net.ipv4.conf.lan2.arp_ignore=2 net.ipv4.conf.lan2.arp_filter=1
pre_lan2=$(state r)
twice "add 203.0.113.0/24 dev lan2 (its arp_ignore 2, arp_filter 1)" r p r anyip add 203.0.113.0/24 dev lan2
eq "lan2's arp_ignore and arp_filter are 0 while anyip is on" "0 0" \
	"$(nsx r sysctl -n net.ipv4.conf.lan2.arp_ignore net.ipv4.conf.lan2.arp_filter | tr '\n' ' ' | sed 's/ $//')"
twice "del 203.0.113.0/24 dev lan2" r p r anyip del 203.0.113.0/24 dev lan2
eq "del put back lan2's arp_ignore 2 and arp_filter 1 (and all else)" "$pre_lan2" "$(state r)"
nsx r sysctl -qw net.ipv4.conf.all.arp_ignore=1
s1=$(state r)
err=$(p r anyip add 203.0.113.0/24 dev lan2 2>&1)
eq "all.arp_ignore 1: exit 1" 1 "$?"
has "all.arp_ignore 1: says why and what to do" "net.ipv4.conf.all.arp_ignore is 1" "$err"
eq "all.arp_ignore 1: nothing changed" "$s1" "$(state r)"
nsx r sysctl -qw net.ipv4.conf.all.arp_ignore=0

# ---- a device that goes away ----
twice "add 198.51.100.0/24 dev lan2" r p r anyip add 198.51.100.0/24 dev lan2
ip -n "$(ns r)" link del lan2
twice "del after lan2 vanished" r p r anyip del 198.51.100.0/24 dev lan2
eq "nothing of lan2's anyip is left" 0 \
	"$( (rules; nsx r nft list ruleset) | grep -c -e lan2 -e anyip-lan2)"

# ---- flush ----
twice "flush" r p r anyip flush
ok "table del mylocal" p r table del mylocal
ok "table flush t" p r table flush t
ok "table del t" p r table del t
route r del default dev lan1
nsx r sysctl -qw "net.ipv4.conf.all.rp_filter=$rpf_all" "net.ipv4.conf.lan0.rp_filter=$rpf_lan0"
eq "after flush: nothing of pbr's is left (as at the start, with lan2 gone)" \
	"$(grep -v lan2 <<<"$empty")" "$(state r | grep -v lan2)"
eq "after flush: list -j is []" "[]" "$(p r -j anyip list)"
eq "after flush: h1 no longer reaches 10.10.200.1" "" "$(get h1 10.10.200.1:80)"
