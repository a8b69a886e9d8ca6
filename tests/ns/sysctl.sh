#!/bin/bash
# pbr sysctl: set/get/show with short and full names, effective values and
# the warnings that matter for policy routing; every change run twice.
. "$ROOT/tests/lib.sh"

ns_add r peer
veth r eth0 peer p0
veth r eth1 peer p1
veth r eth0.2 peer p2
R=$(ns r)
val() { nsx r cat "/proc/sys/net/$1"; }

twice "set forwarding=1 (seed 001)" r p r sysctl set forwarding=1
eq "ip_forward is 1" 1 "$(val ipv4/ip_forward)"
twice "set dev eth0 proxy_arp=1 (seed 001)" r p r sysctl set dev eth0 proxy_arp=1
eq "eth0 proxy_arp is 1" 1 "$(val ipv4/conf/eth0/proxy_arp)"
eq "eth1 proxy_arp untouched" 0 "$(val ipv4/conf/eth1/proxy_arp)"
twice "several keys in one set" r p r sysctl set dev eth1 rp_filter=2 src_valid_mark=1 arp_ignore=8
eq "all three written" "2 1 8" "$(val ipv4/conf/eth1/rp_filter) $(val ipv4/conf/eth1/src_valid_mark) $(val ipv4/conf/eth1/arp_ignore)"
twice "all and default scopes" r p r sysctl set all arp_announce=2
eq "conf/all written" 2 "$(val ipv4/conf/all/arp_announce)"
twice "full name" r p r sysctl set net.ipv4.conf.eth0.route_localnet=1
eq "route_localnet on eth0" 1 "$(val ipv4/conf/eth0/route_localnet)"
twice "device with a dot, short name" r p r sysctl set dev eth0.2 rp_filter=1
twice "device with a dot, full name as sysctl(8) writes it" r p r sysctl set net.ipv4.conf.eth0/2.accept_local=1
twice "device with a dot, full name with dots" r p r sysctl set net.ipv4.conf.eth0.2.send_redirects=0
eq "all landed on eth0.2" "1 1 0" "$(val ipv4/conf/eth0.2/rp_filter) $(val ipv4/conf/eth0.2/accept_local) $(val ipv4/conf/eth0.2/send_redirects)"
twice "IPv6 keys with -6" r p r -6 sysctl set dev eth1 accept_ra=0 proxy_ndp=1
eq "IPv6 values written" "0 1" "$(val ipv6/conf/eth1/accept_ra) $(val ipv6/conf/eth1/proxy_ndp)"
twice "-6 forwarding=1 is IPv6's global switch" r p r -6 sysctl set forwarding=1
eq "net.ipv6.conf.all.forwarding is 1" 1 "$(val ipv6/conf/all/forwarding)"

eq "get prints what sysctl prints" "net.ipv4.conf.eth0.proxy_arp = 1" "$(p r sysctl get dev eth0 proxy_arp)"
eq "get of a global key" "net.ipv4.ip_forward = 1" "$(p r sysctl get net.ipv4.ip_forward)"
eq "get -j" '[{"key":"net.ipv4.conf.eth1.rp_filter","name":"rp_filter","dev":"eth1","value":2}]' "$(p r -j sysctl get dev eth1 rp_filter)"
n=$(p r -j sysctl get rp_filter | jq 'length')
eq "get without dev lists all, default and every device" "$(( $(nsx r ls /proc/sys/net/ipv4/conf | wc -l) ))" "$n"

# A write that fails part-way is undone: rp_filter comes back.
before=$(val ipv4/conf/eth0/rp_filter)
err=$(p r sysctl set net.ipv4.conf.eth0.rp_filter=2 net.ipv4.conf.eth0.mc_forwarding=1 2>&1)
eq "a read-only key makes the command fail with exit 1" 1 $?
has "naming the file" "mc_forwarding" "$err"
eq "and the first write was rolled back" "$before" "$(val ipv4/conf/eth0/rp_filter)"

# show: effective values and warnings.
nsx r sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.eth0.rp_filter=0
j=$(p r -j sysctl show)
ok "show -j is valid JSON" jq -e . <<<"$j"
eq "effective rp_filter on eth0 is max(all=1, dev=0)" "1 0" \
	"$(jq -r '.[] | select(.dev=="eth0") | "\(.values.rp_filter) \(.device.rp_filter)"' <<<"$j")"
eq "no warning without policy rules" 0 "$(jq '[.[] | .warnings // [] | .[]] | length' <<<"$j")"
ok "a policy rule" p r table add w id 7500
ok "a fwmark rule" p r table rule add w fwmark 0x1
j=$(p r -j sysctl show dev eth0)
eq "show dev eth0 shows only eth0" "eth0" "$(jq -r '[.[].dev] | join(",")' <<<"$j")"
has "strict rp_filter flagged once policy rules exist" "strict rp_filter" "$(jq -r '.[0].warnings[]' <<<"$j")"
has "missing src_valid_mark flagged with fwmark rules" "src_valid_mark=1" "$(jq -r '.[0].warnings[]' <<<"$j")"
ok "the remedy it prints" p r sysctl set dev eth0 rp_filter=2 src_valid_mark=1
eq "fixes both warnings" 0 "$(p r -j sysctl show dev eth0 | jq '.[0].warnings | length')"
has "text show has one line per device" "eth1" "$(p r sysctl show)"
