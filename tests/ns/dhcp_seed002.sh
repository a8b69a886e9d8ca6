#!/bin/bash
# Seed 002 for real: a router with two DHCP uplinks (busybox udhcpc and the
# hook in contrib/), two ISPs running dnsmasq that drop spoofed sources
# (rp_filter=1), and a server behind both. Balanced LAN traffic, per-uplink
# source routing, an SMTP pin, renewals, a release and a renumbering.
. "$ROOT/tests/lib.sh"

D=$(mktemp -d)
trap 'rm -rf "$D"; cleanup' EXIT
ns_add rt lanh isp1 isp2 srv
veth lanh eth0 rt lan
addr lanh eth0 192.168.1.20/24
addr rt lan 192.168.1.1/24
route lanh add default via 192.168.1.1
veth rt wan1 isp1 cust
veth rt wan2 isp2 cust
veth isp1 core srv s1
veth isp2 core srv s2
addr isp1 cust 10.1.0.1/24
addr isp2 cust 10.2.0.1/24
addr isp1 core 10.11.0.1/24
addr srv s1 10.11.0.2/24
addr isp2 core 10.12.0.1/24
addr srv s2 10.12.0.2/24
for i in $(seq 1 24); do addr srv lo 203.0.113.$i/32; done
route isp1 add 203.0.113.0/24 via 10.11.0.2
route isp2 add 203.0.113.0/24 via 10.12.0.2
route srv add 10.1.0.0/24 via 10.11.0.1
route srv add 10.2.0.0/24 via 10.12.0.1
fwd rt; fwd isp1; fwd isp2
for i in 1 2; do
	# An ISP forwards only what comes from its customers' addresses.
	nsx isp$i sysctl -qw net.ipv4.conf.all.rp_filter=1 net.ipv4.conf.cust.rp_filter=1
done
for p in 25 80 8080; do whoami_server srv $p; done

dnsmasq_start() { # ISP NET
	nsx "isp$1" dnsmasq -k --conf-file=/dev/null -p 0 --user=root --interface=cust \
		--bind-interfaces --dhcp-authoritative --dhcp-range="$2.100,$2.150,255.255.255.0,120" \
		--dhcp-option=option:router,"$2.1" --dhcp-option=option:dns-server,"$2.53" \
		--dhcp-leasefile="$D/leases$1" --pid-file="$D/dnsmasq$1.pid" >/dev/null 2>&1 &
}
dnsmasq_start 1 10.1.0
dnsmasq_start 2 10.2.0

# The hook: the contrib script (with this pbr), then log the event: a
# logged event is one whose changes are done.
cat >"$D/hook" <<HOOK
#!/bin/sh
PBR="$PBR" PBR_DHCP="balance dns" "$ROOT/contrib/udhcpc.script" "\$@"
rc=\$?
echo "\$interface \$1" >>"$D/events"
exit \$rc
HOOK
chmod +x "$D/hook"
udhcpc_start() {
	nsx rt busybox udhcpc -f -i "$1" -s "$D/hook" -t 20 -T 1 -A 2 -p "$D/udhcpc-$1.pid" >/dev/null 2>&1 &
}
# wait_for WHAT CMD...: poll up to 15 s.
wait_for() {
	local i
	shift
	for i in $(seq 150); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
events() { grep -c "^$1 $2\$" "$D/events" 2>/dev/null; }
# at_least IF EVENT N: the hook ran EVENT for IF N times or more (re-read on each call).
at_least() { [ "$(events "$1" "$2")" -ge "$3" ]; }
rule_is() { [ "$(srcrule "$1")" = "$2" ]; }
both_rules() { [ -n "$(srcrule wan1)" ] && [ -n "$(srcrule wan2)" ]; }
R=$(ns rt)
srcrule() { ip -n "$R" -j rule | jq -r "[.[] | select(.table==\"$1\") | .src] | join(\" \")"; }
addr_of() { ip -n "$R" -j -4 addr show dev "$1" | jq -r '.[0].addr_info[0].local // empty'; }

ok "LAN masqueraded on both uplinks" p rt -b - <<'B'
nat add masquerade oif wan1
nat add masquerade oif wan2
B
udhcpc_start wan1
udhcpc_start wan2
ok "uplink 1 bound (udhcpc ran the hook)" wait_for x at_least wan1 bound 1
ok "uplink 2 bound" wait_for x at_least wan2 bound 1
ok "both source rules in place" wait_for x both_rules
A1=$(addr_of wan1)
A2=$(addr_of wan2)
eq "uplink 1's table: the lease's subnet and default" "10.1.0.0/24 default via 10.1.0.1" \
	"$(ip -n "$R" route show table wan1 | awk '{print $1 ($2=="via" ? " via " $3 : "")}' | sort | tr '\n' ' ' | sed 's/ $//')"
eq "exactly one source rule per uplink" "$A1 $A2" "$(srcrule wan1) $(srcrule wan2)"
eq "main's default is balanced over both" "wan1 wan2" \
	"$(ip -n "$R" -j route show default | jq -r '[.[0].nexthops[].dev] | join(" ")')"
eq "DNS servers routed through their uplink" "wan1 wan2" \
	"$(ip -n "$R" -j route show | jq -r '[.[] | select(.dst=="10.1.0.53" or .dst=="10.2.0.53") | .dev] | join(" ")')"

seen() { # which uplinks LAN connections to 24 destinations used
	for i in $(seq 1 24); do whoami lanh 203.0.113.$i 8080; echo; done | sort -u | grep . | tr '\n' ' ' | sed 's/ $//'
}
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }
eq "LAN traffic to many destinations uses both uplinks" "$(sorted "$A1" "$A2")" "$(seen)"
eq "the router's own traffic from uplink 1's address leaves by uplink 1" "$A1" "$(whoami rt 203.0.113.1 8080 "$A1")"
eq "the router's own traffic from uplink 2's address leaves by uplink 2" "$A2" "$(whoami rt 203.0.113.1 8080 "$A2")"
twice "SMTP pinned to uplink 2" rt p rt mark add table wan2 proto tcp dport 25
smtp=$(for i in $(seq 1 24); do whoami lanh 203.0.113.$i 25; echo; done | sort -u | grep . | tr '\n' ' ' | sed 's/ $//')
eq "SMTP from the LAN always leaves by uplink 2" "$A2" "$smtp"

# Renewals change nothing.
before=$(state rt)
for n in 1 2 3; do
	c=$(events wan1 renew)
	kill -USR1 "$(cat "$D/udhcpc-wan1.pid")"
	ok "renewal $n ran the hook" wait_for x at_least wan1 renew $((c + 1))
done
c=$(events wan2 renew)
kill -USR1 "$(cat "$D/udhcpc-wan2.pid")"
ok "uplink 2 renewed too" wait_for x at_least wan2 renew $((c + 1))
eq "after renewals: rules, routes, ruleset unchanged" "$before" "$(state rt)"

# Release uplink 1: everything goes by uplink 2.
kill -USR2 "$(cat "$D/udhcpc-wan1.pid")"
ok "release ran deconfig" wait_for x at_least wan1 deconfig 2
eq "uplink 1's source rule is gone" "" "$(srcrule wan1)"
eq "uplink 1's table is empty" "" "$(ip -n "$R" route show table wan1)"
eq "main's default is uplink 2 alone" "wan2" "$(ip -n "$R" -j route show default | jq -r '.[0].dev')"
eq "all LAN traffic leaves by uplink 2" "$A2" "$(seen)"

# ISP 1 renumbers its customers; uplink 1 asks again and gets a new address.
kill "$(cat "$D/dnsmasq1.pid")"
ip -n "$(ns isp1)" addr flush dev cust
addr isp1 cust 10.3.0.1/24
route srv add 10.3.0.0/24 via 10.11.0.1
dnsmasq_start 1 10.3.0
sleep 0.5
c=$(events wan1 bound)
kill -USR1 "$(cat "$D/udhcpc-wan1.pid")"
ok "uplink 1 bound again after the renumbering" wait_for x at_least wan1 bound $((c + 1))
ok "its rule follows" wait_for x rule_is wan1 "$(addr_of wan1)"
B1=$(addr_of wan1)
has "the new address is in ISP 1's new pool" "10.3.0." "$B1"
eq "exactly one source rule for uplink 1, the new address" "$B1" "$(srcrule wan1)"
eq "uplink 1's table follows the new lease" "10.3.0.0/24 default via 10.3.0.1" \
	"$(ip -n "$R" route show table wan1 | awk '{print $1 ($2=="via" ? " via " $3 : "")}' | sort | tr '\n' ' ' | sed 's/ $//')"
eq "balance covers both again" "wan1 wan2" \
	"$(ip -n "$R" -j route show default | jq -r '[.[0].nexthops[].dev] | join(" ")')"
eq "LAN traffic uses both uplinks again" "$(sorted "$B1" "$A2")" "$(seen)"
eq "the router's own traffic from the new address leaves by uplink 1" "$B1" "$(whoami rt 203.0.113.1 8080 "$B1")"
