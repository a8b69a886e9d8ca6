#!/bin/bash
# One DHCP "bound" event on a two-uplink router: pbr table dhcp vs the
# seed-002-style shell hook doing the same routing with ip(8), same run.
RUNS=${RUNS:-40}
. "$(dirname "$0")/lib/common.sh"
printf '201 wan1\n202 wan2\n' >/etc/iproute2/rt_tables.d/bench.conf
for i in 1 2; do
	ip link add wan$i type veth peer name peer$i
	ip link set wan$i up
	ip link set peer$i up
	ip addr add 10.$i.0.50/24 dev wan$i
done
export interface=wan1 ip=10.1.0.50 mask=24 subnet=255.255.255.0 router=10.1.0.1 dns="10.1.0.53 9.9.9.9"

# Each tool from the same start: uplink 2 bound, uplink 1 not yet.
reset_shell="sh -c 'ip rule flush; ip rule add from all lookup main pref 32766; ip rule add from all lookup default pref 32767; ip route flush table wan1; ip route flush table wan2; ip route del default 2>/dev/null; ip route add default via 10.2.0.1; ip route add default via 10.2.0.1 table wan2; true'"
reset_pbr="sh -c 'env -u interface -u ip interface=wan1 $PBR table dhcp deconfig; env interface=wan2 ip=10.2.0.50 mask=24 router=10.2.0.1 $PBR table dhcp bound balance; true'"
hf "$d/sh.json" --runs "$RUNS" --prepare "$reset_shell" "sh $ROOT/bench/lib/seed002-hook.sh"
# A clean slate between the tools: what ip(8) made is not pbr's to replace.
eval "$reset_shell"
ip route del default
ip route flush table wan1
ip route flush table wan2
for a in $dns; do ip route del "$a"; done
hf "$d/pbr.json" --runs "$RUNS" --prepare "$reset_pbr" "$PBR table dhcp bound balance dns"
sh=$(median "$d/sh.json")
pb=$(median "$d/pbr.json")
echo "pbr $("$PBR" version | cut -d' ' -f2) vs $(ip -V | sed 's/, libbpf.*//'), kernel $(uname -r)"
echo
printf '%-52s %10s %10s %7s %7s\n' "median wall time of one bound event" "shell+ip" "pbr" "ratio" "goal"
printf '%-52s %7d us %7d us %7.2f %7s\n' "table, source rule, balanced default, 2 DNS routes" "$sh" "$pb" \
	"$(ratio "$pb" "$sh")" "<=0.33"
ip route show default
