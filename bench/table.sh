#!/bin/bash
# pbr table vs ip(8), side by side in one run (issue: foundation).
#   1. one rule add, separate processes, median of 50: pbr table rule add vs ip rule add
#   2. 1000 rules in one batch: pbr -b vs ip -batch
# Runs in a throwaway network and mount namespace; needs hyperfine.
RUNS=${RUNS:-50}
. "$(dirname "$0")/lib/common.sh"

restore_rules() {
	ip rule flush
	ip rule add from all lookup main pref 32766 2>/dev/null || true
	ip rule add from all lookup default pref 32767 2>/dev/null || true
}


echo "pbr $("$PBR" version | cut -d' ' -f2) vs $(ip -V | sed 's/, libbpf.*//'), kernel $(uname -r)"
echo
del1="sh -c 'ip rule del from 10.9.0.0/24 lookup 100 2>/dev/null; true'"
hf "$d/ip1.json" --runs "$RUNS" --prepare "$del1" \
	"ip rule add from 10.9.0.0/24 lookup 100"
ip rule del from 10.9.0.0/24 lookup 100
hf "$d/pbr1.json" --runs "$RUNS" --prepare "$del1" \
	"$PBR table rule add 100 from 10.9.0.0/24"
ip1=$(median "$d/ip1.json")
pbr1=$(median "$d/pbr1.json")

for i in $(seq 0 999); do
	echo "rule add from 10.$((i / 250)).$((i % 250)).0/24 lookup 100"
done >"$d/ip.batch"
sed 's/^rule add \(.*\) lookup 100$/table rule add 100 \1/' "$d/ip.batch" >"$d/pbr.batch"
restore_rules
hf "$d/ipb.json" --runs 10 --prepare "$ROOT/bench/lib/restore-rules.sh" "ip -batch $d/ip.batch"
hf "$d/pbrb.json" --runs 10 --prepare "$ROOT/bench/lib/restore-rules.sh" "$PBR -b $d/pbr.batch"
restore_rules
ipb=$(median "$d/ipb.json")
pbrb=$(median "$d/pbrb.json")
# Both batches really made 1000 rules.
"$PBR" -b "$d/pbr.batch"
n=$(ip rule | grep -c 'lookup 100')

printf '%-44s %12s %12s %8s %6s\n' "median wall time per process" "ip" "pbr" "ratio" "goal"
printf '%-44s %10d us %10d us %8.2f %6s\n' "one rule add (separate processes, n=$RUNS)" "$ip1" "$pbr1" \
	"$(echo "$pbr1 / $ip1" | bc -l)" "<=1.0"
printf '%-44s %10d us %10d us %8.2f %6s\n' "batch of 1000 rule adds (n=10)" "$ipb" "$pbrb" \
	"$(echo "$pbrb / $ipb" | bc -l)" "<=1.5"
echo "(pbr batch made $n rules)"
