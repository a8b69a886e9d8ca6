#!/bin/bash
# Stress: 8 processes at once, each doing 200 random adds and dels of
# tables' rules and routes, mark policies and NAT rules; the result equals
# the surviving operations applied one after another, with no duplicate and
# nothing lost. Then SIGKILL at random moments: the system is always as
# before the command or as after it, never between, and the next run either
# changes nothing or does all of it.
. "$ROOT/tests/lib.sh"

PROCS=${PBR_STRESS_PROCS:-8}
OPS=${PBR_STRESS_OPS:-200}
KILLS=${PBR_STRESS_KILLS:-40}
TMPD=$(mktemp -d)
trap 'rm -rf "$TMPD"; cleanup' EXIT

ns_add r serial
for n in r serial; do
	veth "$n" eth0 "$n" eth1
	ok "$n: four tables" p "$n" -b - <<'B'
table add t1 id 101
table add t2 id 102
table add t3 id 103
table add t4 id 104
B
done

# op K R: process K's operation for the random number R, as "key|words".
# Every process has objects of its own (whose words, table included, are
# fixed: only add or del varies), and all share two that they only add.
op() {
	local k=$1 r=$2 j=$(($2 % 10)) kind=$((($2 / 10) % 5)) verb=add t
	t=$(((k + j) % 4 + 1))
	(((r / 50) % 3 == 0)) && verb=del
	case $kind in
	0) echo "rule:$k:$j|table rule $verb t$t from 10.$k.$j.0/24" ;;
	1) echo "route:$k:$j|table route $verb t$t 10.$((k + 100)).$j.0/24 dev eth0" ;;
	2) echo "mark:$k:$j|mark $verb table t$t proto tcp dport $((1000 + k * 100 + j))" ;;
	3) echo "nat:$k:$j|nat $verb masquerade oif eth0 from 10.$((k + 200)).$j.0/24" ;;
	4) if ((r % 2)); then echo "shared:1|mark add table t2 proto udp dport 53"; else
		echo "shared:0|table rule add t1 fwmark 0x77"; fi ;;
	esac
}

worker() {
	local k=$1 i line
	RANDOM=$((k * 7919 + 1))
	for ((i = 0; i < OPS; i++)); do
		line=$(op "$k" "$RANDOM")
		# shellcheck disable=SC2086
		if p r ${line#*|} >"$TMPD/out.$k" 2>&1; then
			echo "$line" >>"$TMPD/log.$k"
		else
			echo "FAILED $line: $(cat "$TMPD/out.$k")" >>"$TMPD/fail.$k"
		fi
	done
}

for ((k = 0; k < PROCS; k++)); do worker "$k" & done
wait
eq "$((PROCS * OPS)) operations by $PROCS processes at once: none failed" "" \
	"$(cat "$TMPD"/fail.* 2>/dev/null | head -5)"

# The surviving operation of each object: the last one its process did.
cat "$TMPD"/log.* | awk -F'|' '{last[$1] = $2} END {for (k in last) print last[k]}' | sort >"$TMPD/surviving"
ok "surviving operations: replayed one by one in another namespace" \
	sh -c "grep ' add ' '$TMPD/surviving' | while read -r w; do $PBR -n $(ns serial) \$w || exit 1; done"

# Normalised state: what exists, without priorities and handles (which
# depend on the order operations ran in).
norm() {
	local n
	n=$(ns "$1")
	ip -n "$n" -j rule | jq -c '[.[] | select(.protocol == "pbr") | del(.priority)] | sort'
	ip -n "$n" -j route show table all | jq -c '[.[] | select(.protocol == "pbr")] | sort_by(.table, .dst)'
	"$PBR" -n "$n" -j mark list | jq -c '[.[] | .policy] | sort'
	"$PBR" -n "$n" -j nat list | jq -c '[.[] | .rule] | sort'
}
eq "the concurrent result equals the serial one" "$(norm serial)" "$(norm r)"
eq "no duplicate rule" "" "$(ip -n "$(ns r)" -j rule | jq -r '.[] | select(.protocol == "pbr") | del(.priority) | tostring' | sort | uniq -d)"
eq "no duplicate policy" "" "$(p r -j mark list | jq -r '.[].policy' | sort | uniq -d)"
eq "the shared rule exactly once" 1 "$(ip -n "$(ns r)" -j rule | jq '[.[] | select(.fwmark == "0x77")] | length')"
eq "the shared policy exactly once" 1 "$(p r -j mark list | jq '[.[] | select(.policy == "table t2 proto udp dport 53")] | length')"
expected=$(grep -c ' add ' "$TMPD/surviving")
eq "every surviving add is there, nothing more (policies and NAT rules)" \
	"$(grep -c -e '^mark add' -e '^nat add' "$TMPD/surviving")" \
	"$(($(p r -j mark list | jq length) + $(p r -j nat list | jq length)))"
echo "     stress: $((PROCS * OPS)) operations, $(wc -l <"$TMPD/surviving") objects touched, $expected present at the end"

# ---- SIGKILL at random moments ----
# A command of several system calls (a name, routes, rules, an nftables
# transaction) killed after 0-30 ms, while it plans or while it applies.
cat >"$TMPD/cmd" <<'B'
table add tk id 150
table route add tk default dev eth0
table route add tk 10.250.0.0/16 dev eth0
table rule add tk from 10.251.0.0/16
mark add table tk proto tcp dport 4444 sticky
nat add masquerade oif eth0 from 10.252.0.0/16
B
cat >"$TMPD/undo" <<'B'
mark del table tk proto tcp dport 4444 sticky
nat del masquerade oif eth0 from 10.252.0.0/16
table del tk
B
# The state, without nftables' handles (they grow with every change).
snap() {
	local n
	n=$(ns r)
	ip -n "$n" -j rule
	ip -n "$n" -6 -j rule
	ip -n "$n" -j route show table all
	ip -n "$n" -6 -j route show table all
	ip netns exec "$n" nft -s -j list ruleset | jq -c 'del(.. | .handle?)'
	cat /etc/iproute2/rt_tables.d/*.conf 2>/dev/null
}
before=$(snap)
t0=$(date +%s%N)
ok "kill test: the command runs" p r -b "$TMPD/cmd"
echo "     kill test: the command takes $((($(date +%s%N) - t0) / 1000000)) ms"
after=$(snap)
ok "kill test: undo runs" p r -b "$TMPD/undo"
eq "kill test: undo gives the state before" "$before" "$(snap)"
n_before=0 n_after=0 n_between=0 reruns_ok=0
for ((i = 0; i < KILLS; i++)); do
	# pbr itself, not a shell function around it: $! is the process killed.
	"$PBR" -n "$(ns r)" -b "$TMPD/cmd" >/dev/null 2>&1 &
	pid=$!
	# 0-12 ms: a run takes a few, so some kills land before it applied anything.
	sleep "0.$(printf '%03d' $((RANDOM % 13)))"
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	# A child still applying holds the lock: the result is what is there once it is free.
	flock /run/lock/pbr.lock true
	now=$(snap)
	if [ "$now" = "$before" ]; then
		n_before=$((n_before + 1))
		out=$(p r -v -b "$TMPD/cmd" 2>&1) && [ "$(snap)" = "$after" ] && reruns_ok=$((reruns_ok + 1))
	elif [ "$now" = "$after" ]; then
		n_after=$((n_after + 1))
		out=$(p r -v -b "$TMPD/cmd" 2>&1) && [ "$out" = unchanged ] && reruns_ok=$((reruns_ok + 1))
	else
		n_between=$((n_between + 1))
		diff <(echo "$before") <(echo "$now") | head -10 >"$TMPD/between.$i"
		p r -b "$TMPD/cmd" >/dev/null 2>&1
	fi
	p r -b "$TMPD/undo" >/dev/null 2>&1
done
eq "$KILLS kills: never between before and after" 0 "$n_between"
[ "$n_between" = 0 ] || cat "$TMPD"/between.* | head -20
eq "after each kill, the next run did all of it or nothing (-v: unchanged)" "$KILLS" "$reruns_ok"
echo "     kills: $n_before left it as before, $n_after as after"
ok "kills landed on both sides (before and after)" test "$n_before" -gt 0 -a "$n_after" -gt 0
