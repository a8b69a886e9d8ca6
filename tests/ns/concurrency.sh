#!/bin/bash
# Concurrent pbr invocations serialise: 20 at once adding distinct and
# identical rules leave every distinct rule exactly once; 20 table adds at
# once leave all 20 names in pbr's file.
. "$ROOT/tests/lib.sh"

ns_add r
ok "setup: table add c id 7300" p r table add c id 7300
pids=()
for i in $(seq 1 10); do
	p r table rule add c fwmark $i >/dev/null 2>&1 &
	pids+=($!)
	p r table rule add c fwmark 0x99 >/dev/null 2>&1 &
	pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
eq "all 20 invocations exit 0" 0 "$failed"
R=$(ns r)
for fam in -4 -6; do
	rules=$(ip -n "$R" $fam -j rule | jq -c '[.[] | select(.table=="c")]')
	eq "$fam: 11 distinct rules" 11 "$(jq 'length' <<<"$rules")"
	eq "$fam: each distinct fwmark exactly once" "0x1 0x2 0x3 0x4 0x5 0x6 0x7 0x8 0x9 0x99 0xa" \
		"$(jq -r '[.[].fwmark] | sort | join(" ")' <<<"$rules")"
	eq "$fam: no two rules share a priority" 11 "$(jq '[.[].priority] | unique | length' <<<"$rules")"
done

pids=()
for i in $(seq 1 20); do
	p r table add par$i >/dev/null 2>&1 &
	pids+=($!)
done
failed=0
for pid in "${pids[@]}"; do wait "$pid" || failed=$((failed + 1)); done
eq "20 parallel table adds exit 0" 0 "$failed"
eq "all 20 names registered once" 20 "$(grep -c 'par[0-9]' /etc/iproute2/rt_tables.d/pbr.conf)"
eq "with 20 distinct ids" 20 "$(grep 'par[0-9]' /etc/iproute2/rt_tables.d/pbr.conf | cut -f1 | sort -u | wc -l)"
ok "ids come from pbr's range 4000-4999" awk '/par/ && ($1 < 4000 || $1 > 4999) { exit 1 }' /etc/iproute2/rt_tables.d/pbr.conf
for i in $(seq 1 20); do p r table del par$i; done
