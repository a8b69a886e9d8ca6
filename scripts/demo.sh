#!/bin/bash
# make demo: a seed setup in throwaway network namespaces, narrated.
# Nothing outside the namespaces changes: /etc/iproute2 is a private copy.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
export ROOT PBR=${PBR:-$ROOT/pbr}
if [ -z "${PBR_DEMO_PRIVATE:-}" ]; then
	export PBR_DEMO_PRIVATE=1
	exec unshare --mount --propagation private "$0" "$@"
fi
d=$(mktemp -d)
cp -a /etc/iproute2/. "$d/"
mount -t tmpfs pbr-demo /etc/iproute2
cp -a "$d/." /etc/iproute2/
mkdir -p /etc/iproute2/rt_protos.d && cp "$ROOT/man/pbr.conf" /etc/iproute2/rt_protos.d/
mount -t tmpfs pbr-demo-lock /run/lock
rm -rf "$d"
. "$ROOT/tests/lib.sh"

B="" N=""
if [ -t 1 ]; then
	B=$(tput bold 2>/dev/null || true)
	N=$(tput sgr0 2>/dev/null || true)
fi
say() { printf '\n%s# %s%s\n' "$B" "$*" "$N"; }
run() {
	local n=$1
	shift
	printf '%s%s$ %s%s\n' "$B" "$n" "$*" "$N"
	nsx "$n" "$@" 2>&1 | sed 's/^/  /'
}
# pbr as the router's admin types it (inside the router's namespace).
pbr_rt() {
	printf '%srouter$ pbr %s%s\n' "$B" "$*" "$N"
	p rt "$@" 2>&1 | sed 's/^/  /'
}

say "Seed 003: per-host source routing. A router has a slow default uplink"
say "(eth0.2, ISP 1) and a fast one (ppp0, ISP 2). Only the MacBook,"
say "192.168.1.169, may use the fast one. Building it in namespaces..."
ns_add rt mac other isp1 isp2 srv
ip -n "$(ns rt)" link add br-lan type bridge && ip -n "$(ns rt)" link set br-lan up
veth mac eth0 rt lan1 && veth other eth0 rt lan2
ip -n "$(ns rt)" link set lan1 master br-lan && ip -n "$(ns rt)" link set lan2 master br-lan
addr rt br-lan 192.168.1.1/24
addr mac eth0 192.168.1.169/24 && addr other eth0 192.168.1.170/24
route mac add default via 192.168.1.1 && route other add default via 192.168.1.1
veth rt eth0.2 isp1 cust && veth rt ppp0 isp2 cust
addr rt eth0.2 10.1.0.2/24 && addr isp1 cust 10.1.0.1/24
addr rt ppp0 123.150.232.74/24 && addr isp2 cust 123.150.232.1/24
route rt add default via 10.1.0.1
veth isp1 core srv s1 && veth isp2 core srv s2
addr isp1 core 10.11.0.1/24 && addr srv s1 10.11.0.2/24
addr isp2 core 10.12.0.1/24 && addr srv s2 10.12.0.2/24
addr srv lo 203.0.113.10/32
route isp1 add 203.0.113.10 via 10.11.0.2 && route isp2 add 203.0.113.10 via 10.12.0.2
route isp1 add 192.168.1.0/24 via 10.1.0.2 && route isp2 add 192.168.1.0/24 via 123.150.232.74
for i in 1 2; do
	nsx isp$i nft add table ip nat
	nsx isp$i nft add chain ip nat post '{ type nat hook postrouting priority srcnat; }'
	nsx isp$i nft add rule ip nat post oifname core masquerade
done
route srv add default via 10.11.0.1
fwd rt && fwd isp1 && fwd isp2
whoami_server srv 8080
echo "  router: LAN 192.168.1.1 on br-lan, ISP 1 via eth0.2, ISP 2 via ppp0."
echo "  A server (203.0.113.10) tells each client which ISP it came through."

say "Before: everyone leaves through ISP 1 (the server sees 10.11.0.1)."
printf '  macbook (192.168.1.169) arrives as %s\n' "$(whoami mac 203.0.113.10 8080)"
printf '  other   (192.168.1.170) arrives as %s\n' "$(whoami other 203.0.113.10 8080)"

say "The write-up appends to /etc/iproute2/rt_tables and runs ip rule add,"
say "which piles up a duplicate rule every time the script runs. With pbr:"
pbr_rt table add sunusroute id 7375
pbr_rt table route add sunusroute default via 123.150.232.1 dev ppp0
pbr_rt table rule add sunusroute from 192.168.1.169

say "What the kernel now holds (pbr's objects carry proto pbr):"
run rt ip rule
run rt ip route show table sunusroute

say "After: only the MacBook takes ISP 2 (the server sees 10.12.0.1)."
printf '  macbook (192.168.1.169) arrives as %s\n' "$(whoami mac 203.0.113.10 8080)"
printf '  other   (192.168.1.170) arrives as %s\n' "$(whoami other 203.0.113.10 8080)"

say "Running the same commands again changes nothing (-v says so):"
pbr_rt -v table rule add sunusroute from 192.168.1.169
pbr_rt -v table route add sunusroute default via 123.150.232.1 dev ppp0

say "A typo is refused before anything changes (exit 2):"
pbr_rt table rule add sunusrout from 192.168.1.169

say "pbr shows what it owns, also as JSON:"
pbr_rt table show sunusroute
pbr_rt -j table list

say "And removes exactly what it made:"
pbr_rt table del sunusroute
run rt ip rule
printf '  macbook (192.168.1.169) arrives as %s again\n' "$(whoami mac 203.0.113.10 8080)"
say "Done; the namespaces are being removed. Your host's network was not touched."
