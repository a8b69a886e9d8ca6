#!/bin/bash
# pbr mark and pbr nat objects: every selector, run twice, checked in
# nft's own JSON; @FILE sets and their change; families; list; flush;
# concurrency.
. "$ROOT/tests/lib.sh"

ns_add r peer
veth r eth0 peer p0
veth r eth1 peer p1
addr r eth0 10.0.0.1/24
addr r eth1 10.1.0.1/24
R=$(ns r)
nftj() { nsx r nft -j list table inet pbr; }
# Policies live in bucket chains marks_1, marks_2, ... in order.
rules_in() { nftj | jq -c "[.nftables[] | select(.rule.chain // \"\" | test(\"^$1_[0-9]+\$\")) | .rule]"; }
ok "table add t id 100" p r table add t id 100

mac=52:54:00:c2:a5:43
twice "every selector in one policy" r p r mark add 0x10/0xff table t iif eth0 mac-source $mac not from 10.0.0.0/8 to 192.168.0.0/16 proto tcp not sport 1024-2048 dport 80,443 state new,established dscp 46
r1=$(rules_in marks | jq -c '.[0]')
has "iifname eth0" '"iifname"' "$r1"
has "ether saddr" "$mac" "$r1"
has "ip saddr != 10.0.0.0/8" '"op":"!=","left":{"payload":{"protocol":"ip","field":"saddr"}},"right":{"prefix":{"addr":"10.0.0.0","len":8}}' "$r1"
has "ip daddr 192.168.0.0/16" '"field":"daddr"}},"right":{"prefix":{"addr":"192.168.0.0","len":16}}' "$r1"
has "tcp sport != 1024-2048" '"op":"!=","left":{"payload":{"protocol":"tcp","field":"sport"}},"right":{"range":[1024,2048]}' "$r1"
has "tcp dport in a set" '"field":"dport"}},"right":"@p' "$r1"
has "ct state new,established" '"ct":{"key":"state"}},"right":["established","new"]' "$r1"
has "ip dscp 46" '"field":"dscp"}},"right":"ef"' "$r1"
# nft prints the bitwise (mark & 0xffffff00) ^ 0x10 as & (mask | xor) | xor: 0xffffff10.
has "mark set under the mask 0xff" '"&":[{"meta":{"key":"mark"}},4294967056]},16]' "$r1"
eq "the comment holds the words in canonical order" \
	"0x10/0xff table t iif eth0 mac-source $mac not from 10.0.0.0/8 to 192.168.0.0/16 proto tcp not sport 1024-2048 dport 80,443 state new,established dscp 46" \
	"$(jq -r '.comment' <<<"$r1")"
eq "dport set holds 80 and 443" "80 443" "$(nftj | jq -r '.nftables[] | select(.set.name and (.set.name | endswith("_dport4"))) | .set.elem | map(tostring) | join(" ")')"
twice "the same words in another order are the same policy" r p r mark add 0x10/0xff table t dscp 46 state established,new dport 443,80 not sport 1024-2048 proto tcp to 192.168.0.0/16 not from 10.0.0.0/8 mac-source $mac iif eth0
eq "still one policy" 1 "$(p r -j mark list | jq length)"
eq "FIB rule fwmark 0x10/0xff lookup t" "0x10/0xff" "$(ip -n "$R" -j rule | jq -r '.[] | select(.table=="t") | "\(.fwmark)/\(.fwmask)"')"

# Families: no address -> one rule for both, and FIB rules in both.
twice "no address: both families" r p r mark add 0x20 table t proto udp dport 53
eq "one nft rule without nfproto" 1 "$(rules_in marks | jq '[.[] | select(.comment=="0x20 table t proto udp dport 53")] | length')"
eq "FIB rules in IPv4 and IPv6" "1 1" "$(ip -n "$R" -j rule | jq '[.[] | select(.fwmark=="0x20")] | length') $(ip -n "$R" -6 -j rule | jq '[.[] | select(.fwmark=="0x20")] | length')"
twice "mixed list: one rule per family" r p r mark add 0x30 to 10.9.0.0/16,2001:db8::/32
eq "two rules (IPv4, IPv6)" 2 "$(rules_in marks | jq '[.[] | select(.comment=="0x30 to 10.9.0.0/16,2001:db8::/32")] | length')"
twice "dscp without address: one rule per family" r p r mark add 0x40 dscp 10
eq "dscp: two rules" 2 "$(rules_in marks | jq '[.[] | select(.comment=="0x40 dscp 10")] | length')"
twice "-6 restricts to IPv6" r p r -6 mark add 0x50 table t proto tcp dport 22
eq "-6: only an IPv6 FIB rule" "0 1" "$(ip -n "$R" -j rule | jq '[.[] | select(.fwmark=="0x50")] | length') $(ip -n "$R" -6 -j rule | jq '[.[] | select(.fwmark=="0x50")] | length')"

# @FILE: a set from a file; a changed file refills it in place.
f=$(mktemp)
printf '# VPN destinations\n10.20.0.0/16\n10.21.0.0/16\n\n10.20.5.0/24  # inside the first\n2001:db8:20::/48\n' >"$f"
twice "to @FILE" r p r mark add table t to @"$f"
# The elements of the set the @FILE policy's rule for family $1 looks up.
elems() {
	local set
	set=$(rules_in marks | jq -r ".[] | select(.comment==\"table t to @$f\") | .expr[] | .match.right? // empty | select(type==\"string\" and test(\"_to$1\$\")) | ltrimstr(\"@\")")
	[ -n "$set" ] || return 0
	nftj | jq -r "[.nftables[] | select(.set.name==\"$set\") | .set.elem[]? | if type==\"object\" then \"\(.prefix.addr)/\(.prefix.len)\" else . end] | join(\" \")"
}
eq "IPv4 set: overlapping prefixes merged" "10.20.0.0/15" "$(elems 4)"
eq "IPv6 set" "2001:db8:20::/48" "$(elems 6)"
pos=$(rules_in marks | jq '[.[].comment] | index("table t to @'"$f"'")')
h1=$(rules_in marks | jq -c '[.[] | select(.comment=="table t to @'"$f"'") | .handle]')
printf '10.30.0.0/16\n10.31.0.0/16\n' >"$f"
twice "the file changed: add again" r p r mark add table t to @"$f"
eq "IPv4 set refilled" "10.30.0.0/15" "$(elems 4)"
eq "the IPv6 instance went with the file's IPv6 lines" "" "$(elems 6)"
eq "the IPv4 rule kept its handle (replaced in place)" "$(jq -c '.[0:1]' <<<"$h1")" \
	"$(rules_in marks | jq -c '[.[] | select(.comment=="table t to @'"$f"'") | .handle]')"
eq "and its position" "$pos" "$(rules_in marks | jq '[.[].comment] | index("table t to @'"$f"'")')"
sets_before=$(nftj | jq '[.nftables[] | select(.set)] | length')
twice "del by the file's name, whatever it holds" r p r mark del table t to @"$f"
eq "its set is gone (the others stay)" "$((sets_before - 1))" "$(nftj | jq '[.nftables[] | select(.set)] | length')"
rm -f "$f"

# A large list spans many netlink messages; every prefix must arrive.
big=$(mktemp)
for i in $(seq 0 4999); do echo "10.$((i / 128 + 100)).$(((i % 128) * 2)).0/24"; done >"$big"
twice "to @FILE with 5000 separate prefixes" r p r mark add 0x77 to @"$big"
eq "the kernel's set holds all 5000 (none lost between messages)" 5000 \
	"$(nsx r nft list table inet pbr | grep -o '10\.1[0-9][0-9]\.[0-9]*\.0/24' | sort -u | wc -l)"
ok "mark del of the big one" p r mark del 0x77 to @"$big"
rm -f "$big"

# list and JSON
j=$(p r -j mark list)
ok "mark list -j is valid JSON" jq -e . <<<"$j"
eq "list order is match order" '["0x10/0xff","0x20","0x30","0x40","0x50"]' "$(jq -c '[.[].policy | split(" ")[0]]' <<<"$j")"
eq "an empty list is []" "[]" "$(p r -j nat list)"

# first match wins: a later policy never overwrites an earlier one's mark
twice "a second policy for the same traffic" r p r mark add 0x60 proto udp dport 53
eq "it comes after the first in the chain" '["0x20 table t proto udp dport 53","0x60 proto udp dport 53"]' \
	"$(rules_in marks | jq -c '[.[] | select(.comment | test("dport 53$")) | .comment]')"
eq "each policy rule ends with accept (first match wins)" "$(rules_in marks | jq length)" \
	"$(rules_in marks | jq '[.[] | select(.expr[-1].accept == null and (.expr[-1] | has("accept")))] | length')"

# flush: only pbr's
nsx r nft add table inet other
nsx r nft add chain inet other c '{ type filter hook prerouting priority mangle; }'
nsx r nft add rule inet other c meta mark set 0x7
ip -n "$R" rule add fwmark 0x20 lookup t pref 3000
other=$(nsx r nft -s -j list table inet other)
twice "mark flush table t" r p r mark flush table t
eq "policies of other tables stay" '["0x30 to 10.9.0.0/16,2001:db8::/32","0x40 dscp 10","0x60 proto udp dport 53"]' \
	"$(p r -j mark list | jq -c '[.[].policy]')"
eq "pbr's FIB rules of t went, ip's stayed" "3000" "$(ip -n "$R" -j rule | jq -r '[.[] | select(.table=="t") | .priority] | join(" ")')"
twice "mark flush" r p r mark flush
no "the table went with the last policy" nsx r nft list table inet pbr
eq "the other table is untouched" "$other" "$(nsx r nft -s -j list table inet other)"

# concurrency: 20 at once, distinct and identical
pids=()
for i in $(seq 1 10); do
	p r mark add $((0x100 + i)) proto tcp dport $((1000 + i)) >/dev/null 2>&1 &
	pids+=($!)
	p r mark add 0x99 proto tcp dport 999 >/dev/null 2>&1 &
	pids+=($!)
done
bad=0
for pid in "${pids[@]}"; do wait "$pid" || bad=$((bad + 1)); done
eq "20 concurrent mark adds all exit 0" 0 "$bad"
eq "11 policies, each once" 11 "$(p r -j mark list | jq length)"
eq "11 distinct words" 11 "$(p r -j mark list | jq '[.[].policy] | unique | length')"

# nat: every type, twice, then del and flush
twice "nat masquerade oif eth1" r p r nat add masquerade oif eth1
twice "nat snat range with ports" r p r nat add snat 10.1.0.100-10.1.0.110:20000-30000 oif eth1 proto udp
twice "nat dnat to address:port" r p r nat add dnat 10.0.0.5:8080 iif eth0 proto tcp dport 80
twice "nat redirect" r p r nat add redirect 3128 iif eth0 proto tcp dport 8080
twice "nat snat IPv6" r p r nat add snat 2001:db8::1 oif eth1
n=$(nsx r nft -j list table inet pbr | jq -c .)
eq "snat/masquerade in nat_postrouting, dnat/redirect in nat_prerouting" "masquerade nat_postrouting snat nat_postrouting snat nat_postrouting dnat nat_prerouting redirect nat_prerouting" \
	"$(p r -j nat list | jq -r '[.[] | "\(.type) \(.chain)"] | join(" ")')"
has "snat range and ports in nft" '"snat":{"family":"ip","addr":{"range":["10.1.0.100","10.1.0.110"]},"port":{"range":[20000,30000]}}' "$n"
has "dnat address and port" '"dnat":{"family":"ip","addr":"10.0.0.5","port":8080}' "$n"
has "redirect port" '"redirect":{"port":3128}' "$n"
twice "nat del" r p r nat del dnat 10.0.0.5:8080 iif eth0 proto tcp dport 80
eq "four left" 4 "$(p r -j nat list | jq length)"
twice "nat flush" r p r nat flush
eq "no NAT chain left" 0 "$(nsx r nft -j list table inet pbr | jq '[.nftables[] | select(.chain.type=="nat")] | length')"

# Another tool changes the ruleset between pbr's read and its commit: the
# commit is refused (generation moved), pbr undoes its FIB rule, reads again
# and plans again; both changes are there, once each.
ok "setup: table g" p r table add g id 400
out=$(PBR_TEST_BEFORE_COMMIT="ip netns exec $R nft add table ip intruder" p r -v mark add table g proto udp dport 4000 2>&1)
eq "pbr mark add succeeds despite the concurrent change" 0 $?
ok "the other tool's table is there" nsx r nft list table ip intruder
eq "the policy is there once" 1 "$(p r -j mark list | jq '[.[] | select(.policy=="table g proto udp dport 4000")] | length')"
eq "its FIB rule exists once per family" "1 1" "$(ip -n "$R" -j rule | jq '[.[] | select(.table=="g")] | length') $(ip -n "$R" -6 -j rule | jq '[.[] | select(.table=="g")] | length')"

# --dry-run prints nft and ip commands and changes nothing.
ok "setup: table h (no policy yet, so its FIB rule is new)" p r table add h id 401
before=$(state r)
out=$(p r --dry-run mark add table h proto tcp dport 4001)
has "dry-run prints the nft rule" "add rule inet pbr marks_1 meta l4proto tcp th dport 4001" "$out"
has "dry-run prints the FIB rule" "rule add from all fwmark" "$out"
eq "dry-run changed nothing" "$before" "$(state r)"
out=$(p r --dry-run nat add masquerade oif eth1)
has "nat dry-run prints the chain and rule" 'add rule inet pbr nat_postrouting_1 oifname "eth1" masquerade' "$out"
eq "nat dry-run changed nothing" "$before" "$(state r)"

# ---- found in review ----
ok "setup: table rv" p r table add rv id 410
ok "a rule made with pbr table rule, with a fwmark" p r table rule add rv fwmark 0x1000000/0x7f000000
ok "and one for suppress_prefixlength" p r table rule add main fwmark 0x5 suppress_prefixlength 0
ok "an unrelated policy comes and goes" p r mark add 0x9 table rv proto tcp dport 9
ok "its del" p r mark del 0x9 table rv proto tcp dport 9
eq "mark del left pbr table's own fwmark rules alone" "2" \
	"$(ip -n "$R" -j rule | jq '[.[] | select(.fwmark=="0x1000000" or .fwmark=="0x5")] | length')"
ok "mark flush of nothing" p r mark flush table rv
eq "and so did a flush" "2" "$(ip -n "$R" -j rule | jq '[.[] | select(.fwmark=="0x1000000" or .fwmark=="0x5")] | length')"

twice "table by name" r p r mark add 0xa table rv proto tcp dport 10
twice "the same table by number is the same policy" r p r mark add 0xa table 410 proto tcp dport 10
eq "one policy" 1 "$(p r -j mark list | jq '[.[] | select(.mark=="0x0000000a")] | length')"
ok "del by number removes what was added by name" p r mark del 0xa table 410 proto tcp dport 10
eq "gone" 0 "$(p r -j mark list | jq '[.[] | select(.mark=="0x0000000a")] | length')"

ok "-4 policy" p r -4 mark add 0xb proto tcp dport 11
ok "-6 policy with the same words" p r -6 mark add 0xb proto tcp dport 11
eq "-4 and -6 make two policies" 2 "$(p r -j mark list | jq '[.[] | select(.mark=="0x0000000b")] | length')"
ok "-4 del removes the IPv4 one" p r -4 mark del 0xb proto tcp dport 11
eq "the IPv6 one stays" '["ipv6"]' "$(p r -j mark list | jq -c '[.[] | select(.mark=="0x0000000b") | .families[]]')"

ok "sticky policy" p r mark add 0x2 table rv proto tcp dport 80 sticky
has "nft lists the sticky map's key as the mark (host order)" "0x00000002 : jump sticky_ffffffff_00000002" \
	"$(nsx r nft list map inet pbr sticky_ffffffff)"
ok "proto dccp by name" p r mark add 0xc proto dccp dport 5004
ok "redirect, as nft writes it" p r nat add redirect to :3129 proto tcp dport 8081
eq "nat list prints words that paste back" "redirect 3129 proto tcp dport 8081" "$(p r -j nat list | jq -r '.[0].rule')"
ok "pasting them back deletes it" p r nat del $(p r -j nat list | jq -r '.[0].rule')

f=$(mktemp)
printf '10.40.0.0/16\n10.40.5.0/24\n10.41.0.0/16\n10.60.0.1\n' >"$f"
out=$(p r --dry-run mark add table rv to @"$f")
has "dry-run shows the merged intervals the kernel gets" "{ 10.40.0.0/15, 10.60.0.1 }" "$out"
ok "policy from a file" p r mark add table rv to @"$f"
rm -f "$f"
ok "del after the file is gone (its path names it)" p r mark del table rv to @"$f"
eq "gone" 0 "$(p r -j mark list | jq --arg f "$f" '[.[] | select(.policy | contains($f))] | length')"

err=$(p r mark add 0x2 table t proto tcp dport 81 2>&1)
eq "an explicit mark another table uses is refused (exit 1)" 1 $?
has "naming the mark" "mark 0x2/0xffffffff already sends packets to another table" "$err"

ok "policy with an automatic mark" p r mark add table rv proto udp dport 1234
old=$(ip -n "$R" -j rule | jq -r '[.[] | select(.table=="rv" and .fwmask=="0x7f000000") | .fwmark] | join(" ")')
ok "the same policy with another PBR_MARK_MASK" env PBR_MARK_MASK=0x00ff0000 "$PBR" -n "$R" mark add table rv proto udp dport 1234
eq "the old mark's fwmark rule went with its last user" "" \
	"$(ip -n "$R" -j rule | jq -r "[.[] | select(.table==\"rv\" and .fwmark==\"$old\")] | length" | sed 's/^0$//')"
eq "the new one is there" 1 "$(ip -n "$R" -j rule | jq '[.[] | select(.table=="rv" and .fwmask=="0xff0000")] | length')"

# A prefix file with a long comment line (longer than any fixed line
# buffer): the comment is one line, not several bogus ones.
long=$(mktemp)
{
	printf '# %s\n' "$(head -c 600 /dev/zero | tr '\0' 'x')"
	printf '10.77.0.0/16   # %s\n' "$(head -c 400 /dev/zero | tr '\0' 'y')"
	printf '10.79.0.0/16\n'
} >"$long"
ok "a prefix file with 600-character comments" p r mark add table rv to @"$long"
eq "both prefixes are in its set, nothing else" "10.77.0.0/16 10.79.0.0/16" \
	"$(ip netns exec "$R" nft -j list ruleset | jq -r '[.nftables[] | select(.set.type? == "ipv4_addr") | .set.elem[]? | .prefix? | select(.) | "\(.addr)/\(.len)"] | sort | join(" ")')"
ok "and it goes" p r mark del table rv to @"$long"
rm -f "$long"

# A table a policy sends to cannot be deleted under it: its fwmark rule
# would go and the policy's packets would route by main, unnoticed.
ok "table add inuse" p r table add inuse id 4321
ok "a policy for it" p r mark add table inuse to 10.88.0.0/16
s=$(state r)
err=$("$PBR" -n "$R" table del inuse 2>&1)
eq "table del of a table a policy uses: exit 1" 1 "$?"
eq "the error names the policy and the command that removes it" \
	'pbr table: table "inuse" is in use by mark policy "table inuse to 10.88.0.0/16" (delete it first: pbr mark del table inuse to 10.88.0.0/16)' \
	"$err"
eq "nothing changed" "$s" "$(state r)"
# A removal script, run twice: the second time the table's name is gone,
# and del of something absent succeeds.
removal() { p r -b - <<'B'
mark del table inuse to 10.88.0.0/16
table rule del inuse to 10.89.0.0/16
table route del inuse 10.90.0.0/16 dev lo
table del inuse
B
}
twice "removal script: mark del, rule del, route del, table del" r removal
eq "the name is gone" "" "$(grep -w inuse /etc/iproute2/rt_tables.d/pbr.conf)"
eq "-v: a del by a name nobody registered is unchanged" unchanged \
	"$(p r -v mark del table inuse to 10.88.0.0/16)"
bad "del by an unregistered name still checks its words" r "10.0.0.0/33" \
	p r mark del table inuse to 10.0.0.0/33
bad "route del by an unregistered name still checks its words" r "x" \
	p r table route del inuse default metric x
