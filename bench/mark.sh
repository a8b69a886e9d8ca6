#!/bin/bash
# pbr mark vs the tools users would otherwise run, side by side in one run:
#   1. one "pbr mark add" with 5 and with 2000 policies in place (flat?), and
#      the idempotent shell idiom "iptables -C ... || iptables -A ..." with 2000
#   2. one policy with 10,000 destination prefixes (to @FILE) vs nft -f making
#      the same interval set and rule
# Runs in a throwaway network and mount namespace; needs hyperfine.
RUNS=${RUNS:-30}
. "$(dirname "$0")/lib/common.sh"
"$PBR" table add wan2 id 202

# n policies, each its own port
policies() { for i in $(seq 1 "$1"); do echo "mark add table wan2 proto tcp dport $((10000 + i))"; done; }

add="$PBR mark add table wan2 proto tcp dport 25"
del="$PBR mark del table wan2 proto tcp dport 25"

policies 5 >"$d/p5"
"$PBR" -b "$d/p5"
hf "$d/m5.json" --runs "$RUNS" --prepare "$del" "$add"
"$PBR" mark flush
policies 2000 >"$d/p2000"
"$PBR" -b "$d/p2000"
hf "$d/m2000.json" --runs "$RUNS" --prepare "$del" "$add"
"$PBR" mark flush

# iptables with 2000 rules in mangle PREROUTING, the idiom hooks use.
{
	echo "*mangle"
	for i in $(seq 1 2000); do echo "-A PREROUTING -p tcp --dport $((10000 + i)) -j MARK --set-xmark 0x1/0x7f000000"; done
	echo "COMMIT"
} | iptables-restore
ipt="iptables -t mangle -C PREROUTING -p tcp --dport 25 -j MARK --set-xmark 0x1/0x7f000000 2>/dev/null || iptables -t mangle -A PREROUTING -p tcp --dport 25 -j MARK --set-xmark 0x1/0x7f000000"
hf "$d/ipt.json" --runs "$RUNS" --prepare "sh -c 'iptables -t mangle -D PREROUTING -p tcp --dport 25 -j MARK --set-xmark 0x1/0x7f000000 2>/dev/null; true'" "sh -c '$ipt'"
iptables -t mangle -F
iptables -t mangle -X

# 10,000 destination prefixes.
# Every other /24, so no two merge: 10,000 intervals for both tools.
for i in $(seq 0 9999); do echo "10.$((i / 128)).$(((i % 128) * 2)).0/24"; done >"$d/prefixes"
{
	echo "table inet nftbench {"
	echo "  set dests { type ipv4_addr; flags interval; elements = {"
	sed 's/$/,/' "$d/prefixes" | sed '$ s/,$//'
	echo "  } }"
	echo "  chain c {"
	echo "    type filter hook prerouting priority mangle;"
	echo "    ip daddr @dests meta mark set meta mark & 0x80ffffff | 0x4c000000 accept"
	echo "  }"
	echo "}"
} >"$d/nft.rules"
hf "$d/nft.json" --runs 10 --prepare "sh -c 'nft delete table inet nftbench 2>/dev/null; true'" "nft -f $d/nft.rules"
nft delete table inet nftbench
hf "$d/big.json" --runs 10 --prepare "sh -c '$PBR mark flush'" "$PBR mark add table wan2 to @$d/prefixes"
n=$(nft -j list table inet pbr | jq '[.nftables[] | .set.elem[]?] | length')

m5=$(median "$d/m5.json")
m2000=$(median "$d/m2000.json")
ipt=$(median "$d/ipt.json")
nftf=$(median "$d/nft.json")
big=$(median "$d/big.json")

echo "pbr $("$PBR" version | cut -d' ' -f2), $(nft --version), $(iptables --version), kernel $(uname -r)"
echo
printf '%-58s %10s %10s %7s %7s\n' "median wall time per process" "baseline" "pbr" "ratio" "goal"
printf '%-58s %7d us %7d us %7.2f %7s\n' "mark add at 2000 policies vs at 5 (baseline: pbr at 5)" "$m5" "$m2000" "$(ratio "$m2000" "$m5")" "<=1.5"
printf '%-58s %7d us %7d us %7.2f %7s\n' "mark add at 2000 vs iptables -C||-A at 2000" "$ipt" "$m2000" "$(ratio "$m2000" "$ipt")" "<1.0"
printf '%-58s %7d us %7d us %7.2f %7s\n' "10,000 prefixes: to @FILE vs nft -f (set + rule)" "$nftf" "$big" "$(ratio "$big" "$nftf")" "<=1.5"
echo "(the @FILE set holds $n elements after merging)"
