#!/bin/bash
# Every ROUTE form and every rule SELECTOR of pbr table, checked in the
# kernel's own words (ip -j) and by the kernel's routing decision (ip route get).
. "$ROOT/tests/lib.sh"

ns_add r peer
veth r v1 peer p1
veth r v2 peer p2
addr r v1 10.0.1.2/24
addr r v2 10.0.2.2/24
addr peer p1 10.0.1.1/24
addr peer p2 10.0.2.1/24
addr r v1 2001:db8:1::2/64
addr peer p1 2001:db8:1::1/64
nsx r sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.v1.accept_dad=0
sleep 0.3
R=$(ns r)
rt() { ip -n "$R" -j route show table "$@"; }
rt6() { ip -n "$R" -6 -j route show table "$@"; }

ok "table add t1" p r table add t1 id 100

# ---- routes ----
twice "route with via, dev, src, metric" r p r table route add t1 10.9.0.0/16 via 10.0.1.1 dev v1 src 10.0.1.2 metric 10
eq "kernel holds it with every attribute" "10.9.0.0/16 10.0.1.1 v1 10.0.1.2 10 pbr" \
	"$(rt t1 | jq -r '.[] | select(.dst=="10.9.0.0/16") | "\(.dst) \(.gateway) \(.dev) \(.prefsrc) \(.metric) \(.protocol)"')"
twice "multipath default with weights 1 and 3" r \
	p r table route add t1 default nexthop via 10.0.1.1 dev v1 weight 1 nexthop via 10.0.2.1 dev v2 weight 3
eq "kernel holds both nexthops with their weights" "10.0.1.1/v1/1 10.0.2.1/v2/3" \
	"$(rt t1 | jq -r '.[] | select(.dst=="default") | [.nexthops[] | "\(.gateway)/\(.dev)/\(.weight)"] | join(" ")')"
twice "local route (anyip style)" r p r table route add t1 local 192.168.50.0/24
eq "local route on lo, type local" "local lo" \
	"$(rt t1 | jq -r '.[] | select(.dst=="192.168.50.0/24") | "\(.type) \(.dev)"')"
for ty in blackhole unreachable prohibit; do
	case $ty in blackhole) d=10.66.0.0/16 ;; unreachable) d=10.67.0.0/16 ;; prohibit) d=10.68.0.0/16 ;; esac
	twice "$ty route" r p r table route add t1 $ty $d
	eq "$ty route has type $ty" "$ty" "$(rt t1 | jq -r ".[] | select(.dst==\"$d\") | .type")"
done
twice "onlink gateway outside the device's subnet" r p r table route add t1 10.20.0.0/16 via 172.16.0.1 dev v1 onlink
eq "onlink flag set" '["onlink"]' "$(rt t1 | jq -c '.[] | select(.dst=="10.20.0.0/16") | .flags')"
twice "IPv6 route" r p r table route add t1 2001:db8:9::/48 via 2001:db8:1::1 dev v1
eq "IPv6 route in the kernel" "2001:db8:1::1 v1 pbr" \
	"$(rt6 t1 | jq -r '.[] | select(.dst=="2001:db8:9::/48") | "\(.gateway) \(.dev) \(.protocol)"')"

ok "table add t2" p r table add t2 id 101
twice "a route with no address covers both families" r p r table route add t2 default dev v1
eq "IPv4 default dev v1" "v1" "$(rt t2 | jq -r '.[] | select(.dst=="default") | .dev')"
eq "IPv6 default dev v1" "v1" "$(rt6 t2 | jq -r '.[] | select(.dst=="default") | .dev')"
# As ip(8) would print them: the IPv6 one marked -6, as IPv6 rules are.
eq "table show t2: each family's default, the IPv6 one marked -6" \
	"$(printf '\tdefault dev v1 proto pbr\n\t-6 default dev v1 proto pbr')" \
	"$(p r table show t2 | grep default)"
twice "-4 restricts it to IPv4" r p r -4 table route add t2 blackhole 10.99.0.0/16

# Converge: the gateway changed, re-running leaves exactly the new route.
ok "route add t2 default via 10.0.1.1 (IPv4)" p r -4 table route add t2 default via 10.0.1.1 dev v1
ok "route add t2 default via 10.0.2.1 after the gateway changed" p r -4 table route add t2 default via 10.0.2.1 dev v2
eq "exactly one IPv4 default, the new one" "10.0.2.1" "$(rt t2 | jq -r '[.[] | select(.dst=="default")] | map(.gateway) | join(",")')"
ok "a second default with another metric coexists" p r -4 table route add t2 default via 10.0.1.1 dev v1 metric 50
eq "two IPv4 defaults, by metric" "10.0.2.1:0 10.0.1.1:50" \
	"$(rt t2 | jq -r '[.[] | select(.dst=="default") | "\(.gateway):\(.metric // 0)"] | join(" ")')"
twice "route del" r p r -4 table route del t2 default metric 50
eq "the metric-50 default is gone" "10.0.2.1" "$(rt t2 | jq -r '[.[] | select(.dst=="default")] | map(.gateway) | join(",")')"
twice "route del of an absent route" r p r table route del t2 10.123.0.0/16

# The kernel's decision follows the table.
ok "rule add t1 to 10.9.0.0/16" p r table rule add t1 to 10.9.0.0/16
eq "ip route get 10.9.1.1 uses table t1's gateway" "10.0.1.1 t1" \
	"$(ip -n "$R" -j route get 10.9.1.1 | jq -r '.[0] | "\(.gateway) \(.table // "main")"' | sed 's/ 100$/ t1/')"
ok "rule add t1 to 10.66.0.0/16" p r table rule add t1 to 10.66.0.0/16
no "blackhole: ip route get 10.66.1.1 is refused by the kernel" ip -n "$R" route get 10.66.1.1
ok "rule add t1 to 2001:db8:9::/48" p r table rule add t1 to 2001:db8:9::/48
eq "IPv6: ip route get uses table t1" "2001:db8:1::1" \
	"$(ip -n "$R" -6 -j route get 2001:db8:9::5 | jq -r '.[0].gateway')"

# Foreign route with the same key: add refuses, replace takes it over.
ip -n "$R" route add 10.30.0.0/16 via 10.0.1.1 table 100
err=$(p r table route add t1 10.30.0.0/16 via 10.0.2.1 dev v2 2>&1); rc=$?
eq "add over a route pbr did not make exits 1" 1 "$rc"
has "and says whose it is" "was made by proto boot, not pbr" "$err"
eq "the foreign route is untouched" "10.0.1.1 boot" \
	"$(rt t1 | jq -r '.[] | select(.dst=="10.30.0.0/16") | "\(.gateway) \(.protocol // "boot")"')"
twice "route replace takes it over" r p r table route replace t1 10.30.0.0/16 via 10.0.2.1 dev v2
eq "now pbr's, with the new gateway" "10.0.2.1 pbr" \
	"$(rt t1 | jq -r '.[] | select(.dst=="10.30.0.0/16") | "\(.gateway) \(.protocol)"')"

# ---- rules ----
ok "table add t3" p r table add t3 id 102
twice "rule with every selector" r p r table rule add t3 not from 10.0.0.0/8 to 10.1.0.0/16 fwmark 0x10/0xff iif v1 oif v2 ipproto tcp sport 1000-2000 dport 80 tos 0x10 suppress_prefixlength 0 pref 4600
eq "kernel holds every selector" "4600 true 10.0.0.0 8 10.1.0.0 16 0x10 0xff v1 v2 tcp 1000-2000 80 0x10 0 pbr" \
	"$(ip -n "$R" -j rule | jq -r '.[] | select(.table=="t3") | "\(.priority) \(has("not")) \(.src) \(.srclen) \(.dst) \(.dstlen) \(.fwmark) \(.fwmask) \(.iif) \(.oif) \(.ipproto) \(.sport_start)-\(.sport_end) \(.dport) \(.tos) \(.suppress_prefixlen) \(.protocol)"' | sed 's/ipproto-//')"
twice "the same selectors with another pref is a no-op" r p r table rule add t3 not from 10.0.0.0/8 to 10.1.0.0/16 fwmark 0x10/0xff iif v1 oif v2 ipproto tcp sport 1000-2000 dport 80 tos 0x10 suppress_prefixlength 0 pref 4700
eq "still one rule for t3" 1 "$(ip -n "$R" -j rule | jq '[.[] | select(.table=="t3")] | length')"
twice "fwmark rule without address covers both families" r p r table rule add t3 fwmark 0x2
eq "IPv4 fwmark rule" "0x2" "$(ip -n "$R" -j rule | jq -r '.[] | select(.table=="t3" and .fwmark=="0x2") | .fwmark')"
eq "IPv6 fwmark rule" "0x2" "$(ip -n "$R" -6 -j rule | jq -r '.[] | select(.table=="t3" and .fwmark=="0x2") | .fwmark')"
twice "IPv6 source rule" r p r table rule add t3 from 2001:db8:1::/64
eq "only in IPv6" "0 1" "$(ip -n "$R" -j rule | jq '[.[] | select(.src=="2001:db8:1::")] | length') $(ip -n "$R" -6 -j rule | jq '[.[] | select(.src=="2001:db8:1::")] | length')"
p1=$(ip -n "$R" -j rule | jq '.[] | select(.table=="t3" and .fwmark=="0x2") | .priority')
ok "automatic priorities follow the last pbr rule ($p1 > 4100)" test "$p1" -gt 4100
twice "rule del by the same words" r p r table rule del t3 fwmark 0x2
eq "gone in both families" "0 0" "$(ip -n "$R" -j rule | jq '[.[] | select(.fwmark=="0x2")] | length') $(ip -n "$R" -6 -j rule | jq '[.[] | select(.fwmark=="0x2")] | length')"
ok "rule del naming another pref removes nothing" p r table rule del t3 not from 10.0.0.0/8 to 10.1.0.0/16 fwmark 0x10/0xff iif v1 oif v2 ipproto tcp sport 1000-2000 dport 80 tos 0x10 suppress_prefixlength 0 pref 4601
eq "the rule is still there" 1 "$(ip -n "$R" -j rule | jq '[.[] | select(.table=="t3")] | length')"

# A real packet decision through a fwmark rule.
ok "rule add t2 fwmark 0x7" p r -4 table rule add t2 fwmark 0x7
eq "ip route get with mark 0x7 follows t2" "10.0.2.1" "$(ip -n "$R" -j route get 198.51.100.1 mark 0x7 | jq -r '.[0].gateway')"
no "without the mark: no route (main has no default)" ip -n "$R" route get 198.51.100.1

# flush: routes go, rules and name stay.
twice "table flush t1" r p r table flush t1
eq "t1 has no pbr routes left" 0 "$(rt t1 | jq '[.[] | select(.protocol=="pbr")] | length')"
eq "t1 rules stay (2 IPv4, 1 IPv6)" "2 1" "$(ip -n "$R" -j rule | jq '[.[] | select(.table=="t1")] | length') $(ip -n "$R" -6 -j rule | jq '[.[] | select(.table=="t1")] | length')"
ok "t1 name stays" grep -q 't1' /etc/iproute2/rt_tables.d/pbr.conf
