#!/bin/bash
# --dry-run for every command that changes something, and for a batch:
# it prints the changes as ip/nft/sysctl/file commands, and the kernel
# state (rules, routes, nftables, sysctls, table names) stays byte-identical.
# Then the same command runs for real and does change the state, so each
# dry run had something to print.
. "$ROOT/tests/lib.sh"

ns_add r peer
veth r eth0 peer p0
veth r eth1 peer p1
addr r eth0 10.1.0.2/24
addr r eth1 10.2.0.2/24
ok "base: a table, a route, a rule, a policy, a NAT rule, an anyip" p r -b - <<'B'
table add base id 300
table route add base default via 10.1.0.1 dev eth0
table rule add base from 10.9.0.0/16
mark add table base proto tcp dport 25
nat add masquerade oif eth0
anyip add 192.0.2.0/24 dev eth1
B

# dry WORDS...: a dry run prints commands and changes nothing; the real run changes.
dry() {
	local s1 s2 out line bad=""
	s1=$(state r)
	out=$(p r --dry-run "$@" 2>&1)
	local rc=$?
	s2=$(state r)
	if [ "$rc" != 0 ]; then
		fail "dry run: $*" "exit $rc: $out"
		return
	fi
	while IFS= read -r line; do
		case $line in
		"ip "* | "echo "* | "sed "* | "rm "* | "ip netns exec "*) ;;
		*) bad="$line" ;;
		esac
	done <<<"$out"
	if [ -z "$out" ]; then
		fail "dry run: $*" "printed nothing"
	elif [ -n "$bad" ]; then
		fail "dry run: $*" "not an ip/nft/sysctl/file command: $bad"
	elif [ "$s1" != "$s2" ]; then
		fail "dry run: $*" "changed the state: $(diff <(echo "$s1") <(echo "$s2") | head -5)"
	else
		pass "dry run: $* ($(wc -l <<<"$out") commands, nothing changed)"
	fi
	ok "real run: $*" p r "$@"
	if [ "$(state r)" = "$s1" ]; then
		fail "real run: $* changed the state" "it did not: the dry run had nothing to do"
	else
		pass "real run: $* changed the state"
	fi
}

dry table add other
dry table route add other 10.50.0.0/16 via 10.2.0.1 dev eth1
dry table route replace other 10.50.0.0/16 via 10.1.0.1 dev eth0
dry table route del other 10.50.0.0/16
dry table rule add other fwmark 0x5 iif eth1
dry table rule del other fwmark 0x5 iif eth1
dry mark add table other proto udp dport 53 sticky
dry mark add 0x100/0xf00 from 10.7.0.0/16
dry mark del 0x100/0xf00 from 10.7.0.0/16
dry nat add snat 10.2.0.2 oif eth1 from 10.8.0.0/16
dry nat add dnat 10.2.0.9 iif eth0 proto tcp dport 8080
dry nat del dnat 10.2.0.9 iif eth0 proto tcp dport 8080
dry sysctl set dev eth0 rp_filter=2 src_valid_mark=1
dry sysctl set forwarding=1
dry anyip add 198.51.100.0/24 dev eth0
dry anyip del 192.0.2.0/24 dev eth1
ok "a route for the flush" p r table route add other 10.60.0.0/16 dev eth1
dry mark flush table other
dry nat flush
dry table flush other
dry table del other
batch=$(mktemp)
trap 'rm -f "$batch"; cleanup' EXIT
cat >"$batch" <<'B'
table add batch id 301
table route add batch default via 10.2.0.1 dev eth1
mark add table batch proto tcp dport 443
B
dry -b "$batch"
# table dhcp from a hook's environment.
dhcp() {
	local s1 out
	s1=$(state r)
	out=$(interface=eth1 ip=10.2.0.2 mask=24 router=10.2.0.1 dns=10.2.0.53 p r --dry-run table dhcp bound balance dns)
	eq "dry run: table dhcp bound changed nothing" "$s1" "$(state r)"
	has "dry run: table dhcp bound prints its route" "default via 10.2.0.1 dev eth1 table eth1" "$out"
	ok "real run: table dhcp bound" env interface=eth1 ip=10.2.0.2 mask=24 router=10.2.0.1 dns=10.2.0.53 \
		"$PBR" -n "$(ns r)" table dhcp bound balance dns
	ok "real run: table dhcp bound changed the state" test "$s1" != "$(state r)"
}
dhcp
dry anyip flush
