#!/bin/bash
# pbr table del/flush touch only what pbr made: rules and routes from ip(8)
# in the same tables, and names from other rt_tables files, survive.
. "$ROOT/tests/lib.sh"

ns_add r peer
veth r v1 peer p1
addr r v1 10.0.1.2/24
addr peer p1 10.0.1.1/24
R=$(ns r)
printf '7000\tother\n' >/etc/iproute2/rt_tables.d/other.conf
other_before=$(cat /etc/iproute2/rt_tables.d/other.conf)

# Someone else's policy routing, made with ip(8).
ip -n "$R" rule add from 10.5.0.0/16 lookup other pref 4300
ip -n "$R" rule add fwmark 0x3 lookup other
ip -n "$R" route add 10.6.0.0/16 via 10.0.1.1 table other
ip -n "$R" route add 10.8.0.0/16 via 10.0.1.1 table other proto static
ip -n "$R" -6 rule add from 2001:db8:5::/48 lookup other
foreign_rules() { ip -n "$R" -j rule; ip -n "$R" -6 -j rule; }
foreign=$(foreign_rules | jq -c '[.[] | select(.protocol != "pbr")]')
foreign_routes=$(ip -n "$R" -j route show table other)

twice "pbr adds its own route to the other tool's table (by name)" r p r table route add other 10.7.0.0/16 via 10.0.1.1
twice "and its own rule naming it" r p r table rule add other to 10.7.0.0/16
twice "an identical copy of a foreign rule is pbr's own" r p r -4 table rule add other from 10.5.0.0/16
eq "both copies exist (pbr does not adopt the foreign one)" "boot pbr" \
	"$(ip -n "$R" -j rule | jq -r '[.[] | select(.src=="10.5.0.0") | .protocol // "boot"] | join(" ")')"

twice "table flush other" r p r table flush other
eq "flush removed pbr's route only" "$foreign_routes" "$(ip -n "$R" -j route show table other)"
twice "table del other" r p r table del other
eq "del left every foreign rule in both families" "$foreign" \
	"$(foreign_rules | jq -c '[.[] | select(.protocol != "pbr")]')"
eq "no pbr rule is left" 0 "$(foreign_rules | jq -s 'add | [.[] | select(.protocol == "pbr")] | length')"
eq "foreign routes survive del" "$foreign_routes" "$(ip -n "$R" -j route show table other)"
eq "the other tool's names file is untouched" "$other_before" "$(cat /etc/iproute2/rt_tables.d/other.conf)"
eq "the name still resolves for ip" "$foreign_routes" "$(ip -n "$R" -j route show table 7000)"
ok "pbr did not create its own names file" test ! -e /etc/iproute2/rt_tables.d/pbr.conf

# A foreign route at the key pbr wants: pbr refuses rather than replace it.
ip -n "$R" route add default via 10.0.1.1 table 7100
before=$(ip -n "$R" -j route show table 7100)
err=$(p r table route add 7100 default via 10.0.1.1 dev v1 2>&1)
eq "route add over ip's route exits 1" 1 $?
has "naming the owner" "made by proto boot, not pbr" "$err"
eq "and leaves it" "$before" "$(ip -n "$R" -j route show table 7100)"
twice "route del of a route pbr did not make is a no-op" r p r table route del 7100 default
eq "ip's route is still there" "$before" "$(ip -n "$R" -j route show table 7100)"

# A table pbr registered, with a foreign route in it: del keeps the route.
ok "table add mine" p r table add mine id 7200
ip -n "$R" route add 10.9.0.0/16 via 10.0.1.1 table mine
ok "pbr route in mine" p r table route add mine 10.10.0.0/16 via 10.0.1.1
ok "table del mine" p r table del mine
eq "ip's route in mine survives" "10.9.0.0/16" "$(ip -n "$R" -j route show table 7200 | jq -r '.[].dst')"
rm -f /etc/iproute2/rt_tables.d/other.conf
