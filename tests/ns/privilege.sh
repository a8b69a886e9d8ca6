#!/bin/bash
# Without CAP_NET_ADMIN a change exits 1 with one clear line and changes
# nothing; reading still works.
. "$ROOT/tests/lib.sh"

ns_add r peer
veth r v1 peer p1
addr r v1 10.0.1.2/24
ok "setup (as root): table add t id 7400" p r table add t id 7400
ok "setup (as root): rule" p r table rule add t from 10.9.0.0/16

# setpriv with an empty bounding set: the exec'd pbr has no capabilities at all.
nocaps() { ip netns exec "$(ns r)" setpriv --bounding-set=-all --inh-caps=-all "$PBR" "$@"; }
nobody() {
	ip netns exec "$(ns r)" setpriv --reuid=65534 --regid=65534 --clear-groups \
		--bounding-set=-all --inh-caps=-all "$PBR" "$@"
}

for who in nocaps nobody; do
	for cmd in "table rule add t from 10.8.0.0/16" "table route add t default via 10.0.1.1 dev v1" \
		"table add other id 7401" "table del t" "sysctl set dev v1 rp_filter=2" \
		"table flush t"; do
		before=$(state r)
		err=$($who $cmd 2>&1)
		rc=$?
		eq "$who: $cmd exits 1" 1 "$rc"
		eq "$who: $cmd says why in one line" \
			"pbr ${cmd%% *}: needs CAP_NET_ADMIN (run as root)" "$err"
		eq "$who: $cmd changed nothing" "$before" "$(state r)"
	done
	eq "$who: table list still works" "$(p r -j table list)" "$($who -j table list)"
	eq "$who: sysctl get still works" "$(p r sysctl get dev v1 rp_filter)" "$($who sysctl get dev v1 rp_filter)"
	ok "$who: --dry-run needs no privilege" $who --dry-run table rule add t from 10.8.0.0/16
	err=$($who mark list 2>&1)
	eq "$who: mark list exits 1 (nftables reads need the capability)" 1 $?
	eq "$who: and says so" "pbr mark: needs CAP_NET_ADMIN (run as root) to read nftables" "$err"
	for cmd in "mark add table t proto tcp dport 25" "nat add masquerade oif v1" "mark flush"; do
		before=$(state r)
		err=$($who $cmd 2>&1)
		eq "$who: $cmd exits 1" "1 pbr ${cmd%% *}: needs CAP_NET_ADMIN (run as root)" "$? $err"
		eq "$who: $cmd changed nothing" "$before" "$(state r)"
	done
done

# anyip, and the read-only objects: explain asks the kernel for routes (no
# privilege needed), check and show read nftables (they need it).
for who in nocaps nobody; do
	for cmd in "anyip add 10.50.0.0/16 dev v1" "anyip del 10.50.0.0/16 dev v1" "anyip flush" \
		"table dhcp deconfig"; do
		before=$(state r)
		err=$(interface=v1 $who $cmd 2>&1)
		eq "$who: $cmd exits 1" "1 pbr ${cmd%% *}: needs CAP_NET_ADMIN (run as root)" "$? $err"
		eq "$who: $cmd changed nothing" "$before" "$(state r)"
	done
	eq "$who: explain still works (the kernel answers route lookups to anyone)" \
		"$(p r -j explain to 10.0.1.9 | jq -r .route.dev)" "$($who -j explain to 10.0.1.9 | jq -r .route.dev)"
	has "$who: explain says what it could not read" "policies and NAT were not read" "$($who explain to 10.0.1.9)"
	err=$($who check 2>&1)
	eq "$who: check exits 1 and says why" "1 pbr check: needs CAP_NET_ADMIN (run as root) to read nftables" "$? $err"
	err=$($who show 2>&1 >/dev/null)
	eq "$who: show exits 1 and says why" "1 pbr show: needs CAP_NET_ADMIN (run as root) to read nftables" "$? $err"
done
