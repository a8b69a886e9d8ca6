#!/bin/bash
# pbr check: each finding provoked on purpose, then fixed by running the
# fix it prints, after which it is gone (and check exits 0 when nothing is
# left). pbr show groups everything, problems included.
. "$ROOT/tests/lib.sh"

# A router with a LAN and two uplinks (seed 002), a server behind both.
seed002_router
whoami_server srv 25

kinds() { p rt -j check | jq -r '[.[].kind] | sort | unique | join(" ")'; }
# fixes KIND: the fix commands of the findings of one kind, one per line.
fixes() { p rt -j check | jq -r --arg k "$1" '.[] | select(.kind == $k) | .fix[]'; }
# run_fixes KIND: run them as printed (pbr -n NS ... / ip -n NS ...).
run_fixes() {
	local line out=0
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		line=${line//pbr -n /$PBR -n }
		eval "$line" >/dev/null || out=1
	done < <(fixes "$1")
	return $out
}

ok "setup: the seed 002 router" p rt -b - <<'B'
nat add masquerade oif wan
nat add masquerade oif wan2
table add wan2 id 202
table route add wan2 default via 10.2.0.1 dev wan2
mark add table wan2 proto tcp dport 25
B
ok "a sound setup: check exits 0" p rt check
eq "a sound setup: text says so" "no problems found" "$(p rt check)"
eq "a sound setup: JSON is []" "[]" "$(p rt -j check)"

# ---- rp_filter ----
nsx rt sysctl -qw net.ipv4.conf.all.rp_filter=1
no "strict rp_filter: check exits 1" p rt check
eq "strict rp_filter: the finding" rp_filter "$(kinds)"
eq "strict rp_filter: on wan2, where table wan2 sends" wan2 "$(p rt -j check | jq -r '.[0].subject')"
eq "strict rp_filter: and for real, SMTP through wan2 fails" "" "$(whoami lanh 203.0.113.25 25)"
ok "strict rp_filter: run the fix" run_fixes rp_filter
ok "strict rp_filter: fixed, check exits 0" p rt check
eq "strict rp_filter: and SMTP works" 10.2.0.2 "$(whoami lanh 203.0.113.25 25)"
# With a sticky policy the replies carry the mark: src_valid_mark fixes it.
nsx rt sysctl -qw net.ipv4.conf.wan2.rp_filter=1
ok "sticky: the policy made sticky" p rt mark add table wan2 proto tcp dport 25 sticky
ok "sticky: the old policy goes" p rt mark del table wan2 proto tcp dport 25
eq "sticky: rp_filter found again, and the table lacks the LAN's route" "reply_route rp_filter" "$(kinds)"
has "sticky: the rp_filter fix is src_valid_mark" "sysctl set dev wan2 src_valid_mark=1" "$(fixes rp_filter)"
ok "sticky: run the rp_filter fix" run_fixes rp_filter
eq "sticky: rp_filter passes now, but the replies would follow table wan2" reply_route "$(kinds)"
has "sticky: the fix copies the LAN's route" "table route add wan2 192.168.1.0/24 dev lan" "$(fixes reply_route)"
eq "sticky: and indeed SMTP still fails" "" "$(whoami lanh 203.0.113.25 25)"
ok "sticky: run that fix" run_fixes reply_route
ok "sticky: fixed" p rt check
eq "sticky: SMTP works under strict rp_filter" 10.2.0.2 "$(whoami lanh 203.0.113.25 25)"
eq "sticky: strict rp_filter is still on" "1 1" \
	"$(nsx rt sysctl -n net.ipv4.conf.all.rp_filter net.ipv4.conf.wan2.rp_filter | tr '\n' ' ' | sed 's/ $//')"

# A table chosen by source: its replies are un-NATed to that source before
# the reverse-path lookup, which the source rule sends back out wan2.
whoami_server srv 8080
ok "source rule: table src20 out wan2 for 192.168.1.20" p rt -b - <<'B'
table add src20 id 204
table route add src20 default via 10.2.0.1 dev wan2
table rule add src20 from 192.168.1.20
B
eq "source rule under strict rp_filter: no finding" "" "$(kinds)"
eq "source rule: and for real, 192.168.1.20 leaves by wan2 and gets its answers" 10.2.0.2 \
	"$(whoami lanh 203.0.113.25 8080)"
ok "source rule: a non-sticky mark policy into src20 too" p rt mark add table src20 proto udp dport 4000
eq "source rule: now its replies to other hosts are refused: found" rp_filter "$(kinds)"
ok "source rule: the policy goes" p rt mark del table src20 proto udp dport 4000
ok "source rule: table src20 goes" p rt table del src20

# ---- forwarding ----
ok "iif policy" p rt mark add table wan2 iif lan proto udp dport 5060
nsx rt sysctl -qw net.ipv4.ip_forward=0
eq "forwarding off: found" forwarding "$(kinds)"
ok "forwarding: run the fix" run_fixes forwarding
eq "forwarding: on again" 1 "$(nsx rt sysctl -n net.ipv4.ip_forward)"
ok "forwarding: fixed" p rt check

# ---- shadowed ----
ok "a broad policy first" p rt mark add table wan2 proto udp
eq "the earlier udp/5060 policy is not shadowed (it came first)" "" "$(kinds)"
ok "a narrower one after it" p rt mark add table wan2 proto udp dport 53
eq "shadowed: found" shadowed "$(kinds)"
has "shadowed: names both" 'policy 3, "table wan2 proto udp"' "$(p rt check)"
ok "shadowed: run the fix (the broad one moves after)" run_fixes shadowed
ok "shadowed: fixed" p rt check
eq "shadowed: the narrow policy now comes first" "table wan2 proto udp dport 53" \
	"$(p rt -j mark list | jq -r '.[] | select(.policy | startswith("table wan2 proto udp")) | .policy' | head -1)"
ok "shadowed: clean up" p rt mark del table wan2 proto udp
ok "shadowed: clean up" p rt mark del table wan2 proto udp dport 53

# ---- unused mark ----
ok "a mark nobody routes" p rt mark add 0x5 proto udp dport 1234
eq "unused mark: found" unused_mark "$(kinds)"
ok "a rule that uses it" p rt table rule add wan2 fwmark 0x5
eq "used now: not found" "" "$(kinds)"
ok "rule removed" p rt table rule del wan2 fwmark 0x5
eq "unused again" unused_mark "$(kinds)"
ok "unused mark: run the fix" run_fixes unused_mark
ok "unused mark: fixed" p rt check

# ---- empty tables ----
ok "a table without routes" p rt table add empty id 300
ok "a rule to it" p rt table rule add empty from 192.168.1.128/25
ok "a policy to it" p rt mark add table empty proto tcp dport 8443
eq "empty tables: found (one per rule, not per family)" 2 \
	"$(p rt -j check | jq '[.[] | select(.kind == "empty_table")] | length')"
ok "empty tables: run the fixes" run_fixes empty_table
ok "empty tables: fixed" p rt check
eq "empty tables: the policy went" 0 "$(p rt -j mark list | jq '[.[] | select(.table == "empty")] | length')"

# ---- other tools' rules among pbr's priorities ----
nsx rt ip rule add from 10.7.0.0/16 lookup main pref 4500
eq "foreign rule at 4500: found" priority "$(kinds)"
ok "priority: run the fix" run_fixes priority
ok "priority: fixed" p rt check
eq "priority: the rule is there, outside pbr's range" 3999 \
	"$(ip -n "$(ns rt)" -j rule | jq -r '.[] | select(.src == "10.7.0.0") | .priority')"
nsx rt ip rule del pref 3999

# ---- mark bits shared with others ----
nsx rt ip rule add fwmark 0x01000000/0x03000000 lookup main pref 100
eq "a foreign fwmark rule on pbr's bits: found" mark_bits "$(kinds)"
has "mark bits: names the rule" "rule 100" "$(p rt check)"
has "mark bits: the fix moves pbr's mask" "PBR_MARK_MASK=0x70000000" "$(fixes mark_bits)"
ok "mark bits: run the fix" run_fixes mark_bits
ok "mark bits: fixed" p rt check
eq "mark bits: pbr's policies are inside the new mask" "0x70000000" \
	"$(p rt -j mark list | jq -r '[.[].mask] | unique | join(" ")')"
eq "mark bits: SMTP still goes out wan2" 10.2.0.2 "$(whoami lanh 203.0.113.25 25)"
nsx rt ip rule del pref 100
# Another nftables table (native) setting bits of pbr's new mask.
nsx rt nft -f - <<'NFT'
table ip other {
	chain pre { type filter hook prerouting priority 0; meta mark set meta mark & 0x8fffffff | 0x10000000; }
}
NFT
eq "another table's mark set: found" mark_bits "$(kinds)"
has "mark bits: names the table" "table ip other" "$(p rt check)"
nsx rt nft delete table ip other
ok "its table gone: fixed" p rt check
# iptables-nft's MARK target.
nsx rt iptables -t mangle -A PREROUTING -j MARK --set-xmark 0x20000000/0x30000000
eq "iptables-nft MARK on pbr's bits: found" mark_bits "$(kinds)"
nsx rt iptables -t mangle -F PREROUTING
nsx rt iptables -t mangle -A PREROUTING -j MARK --set-xmark 0x2/0xff
eq "iptables-nft MARK on other bits: not found" "" "$(kinds)"

# ---- show ----
sj=$(p rt -j show)
ok "show -j is valid JSON with every group" jq -e 'has("tables") and has("marks") and has("nat") and has("anyip") and has("relay") and has("problems")' <<<"$sj"
eq "show: the tables (empty is registered still)" "wan2 empty" "$(jq -r '[.tables[].name] | join(" ")' <<<"$sj")"
eq "show: the policies" 2 "$(jq '.marks | length' <<<"$sj")"
eq "show: the NAT rules" 2 "$(jq '.nat | length' <<<"$sj")"
eq "show: no relay running" null "$(jq -r '.relay' <<<"$sj")"
eq "show: no problems" 0 "$(jq '.problems | length' <<<"$sj")"
txt=$(p rt show)
for h in Tables: "Mark policies:" NAT: Anyip: Relay: "Problems (pbr check):"; do
	has "show: heading $h" "$h" "$txt"
done
eq "show: an empty section says none" none "$(sed -n '/^Anyip:$/{n;p}' <<<"$txt")"
eq "show: a section with entries does not" 0 "$(sed -n '/^NAT:$/{n;p}' <<<"$txt" | grep -c '^none$')"
nsx rt sysctl -qw net.ipv4.conf.wan2.src_valid_mark=0
eq "show: problems listed" rp_filter "$(p rt -j show | jq -r '[.problems[].kind] | join(" ")')"
ok "show exits 0 even with problems" p rt show
bad "check takes no words" rt now p rt check now
bad "show takes no words" rt all p rt show all
