#!/bin/bash
# make demo: seed 001's brouter in throwaway network namespaces, narrated.
# Nothing outside the namespaces changes: /etc/iproute2 and /run/lock are
# private copies in a mount namespace of our own.
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
mkdir -p /run/lock && mount -t tmpfs pbr-demo-lock /run/lock
rm -rf "$d"
. "$ROOT/tests/scenarios/lib/scenario.sh"

B="" N=""
if [ -t 1 ]; then
	B=$(tput bold 2>/dev/null || true)
	N=$(tput sgr0 2>/dev/null || true)
fi
# say LINE...: narration, a paragraph of one or more lines.
say() {
	echo
	local l
	for l in "$@"; do printf '%s# %s%s\n' "$B" "$l" "$N"; done
}
# run NS CMD...: a command on one of the machines, as typed there.
run() {
	local n=$1
	shift
	printf '%s%s# %s%s\n' "$B" "$n" "$*" "$N"
	nsx "$n" "$@" 2>&1 | sed 's/^/  /'
}
# pi WORDS...: pbr as the Pi's admin types it.
pi() {
	printf '%spi# pbr %s%s\n' "$B" "$*" "$N"
	p pi "$@" 2>&1 | sed 's/^/  /'
}
# jellyfin: what the Roku gets from Jellyfin (the address Jellyfin sees).
jellyfin() {
	local r
	r=$(whoami roku 192.168.1.30 8096)
	printf '  roku -> jellyfin 192.168.1.30:8096: %s\n' "${r:-no answer}"
}
# pcap_show NS NAME: a capture as tcpdump prints it, read inside NS (with -i any
# the file holds interface indexes: their names are the namespace's).
pcap_show() { nsx "$1" tcpdump -nr "$TMPD/$2.pcap" 2>/dev/null | cut -d' ' -f2- | sed 's/^/  /'; }

say "Seed 001, \"Bodging a brouter\": a Raspberry Pi sits between the ISP router" \
	"(192.168.0.1, the DHCP server) and the flat's LAN with a Roku, bridging" \
	"by proxy ARP: eth0 192.168.0.125 and eth1 192.168.0.126, one /24 both sides." \
	"tailscale0 (100.120.7.128) reaches the parents' 192.168.1.0/24, where" \
	"Jellyfin listens on 192.168.1.30:8096. Building it in namespaces..."
seed001_world || exit 1
echo "  Machines: isp (dnsmasq, NAT to net), pi, roku (busybox udhcpc), tailnet"
echo "  (a Tailscale peer that accepts only tailnet addresses), jelly (answers with"
echo "  the address it sees). The Pi has Raspberry Pi OS's loose rp_filter (2)."

say "Before: the Roku asks for an address; DHCP broadcasts stop at the Pi."
if nsx roku busybox udhcpc -n -q -f -i eth0 -t 3 -T 1 -s /bin/true >/dev/null 2>&1; then
	echo "  unexpected: a lease"
else
	echo "  roku: no lease"
fi

say "The write-up's sysctl.d file, and what it leaves out: with both /24s on" \
	"the Pi, the kernel routes the whole subnet out eth0, so nothing gets back" \
	"to the Roku's side. pbr says which side each address lives on:"
run pi ip route get 192.168.0.53
pi sysctl set forwarding=1
pi sysctl set dev eth0 proxy_arp=1
pi sysctl set dev eth1 proxy_arp=1
pi table add brouter
pi table route add brouter 192.168.0.1 dev eth0
pi table route add brouter 192.168.0.0/24 dev eth1
pi table rule add brouter to 192.168.0.0/24
run pi ip route get 192.168.0.53

say "isc-dhcp-relay's SERVERS=\"192.168.0.1\" INTERFACES=\"eth1 eth0\", as pbr relay:"
cap pi any dhcp 'udp port 67 or udp port 68'
printf '%spi# pbr relay -i eth1 -i eth0 192.168.0.1%s\n' "$B" "$N"
relay_start pi -q -i eth1 -i eth0 192.168.0.1 || exit 1
udhcpc_start roku eth0
ip=$(lease_wait roku eth0 bound)
echo "  roku: lease ${ip:-none}"
cap_stop dhcp
say "What the Pi saw (the write-up's tcpdump -i any port bootps):"
pcap_show pi dhcp

say "The Roku has an address; Jellyfin is still out of reach:"
jellyfin

say "The write-up's mark, rule, route and masquerade, in pbr words:"
pi table add tunnel id 100
pi table route add tunnel default dev tailscale0
pi mark add table tunnel to 192.168.1.0/24
pi nat add masquerade oif tailscale0
cap pi tailscale0 ts 'tcp port 8096'
jellyfin
cap_stop ts
say "On tailscale0 (the Roku's connection, masqueraded):"
pcap_show pi ts | head -4

say "Running the same commands again changes nothing (-v says so):"
pi -v table route add brouter 192.168.0.0/24 dev eth1
pi -v mark add table tunnel to 192.168.1.0/24
pi -v nat add masquerade oif tailscale0

say "A typo is refused before anything changes (exit 2):"
pi mark add table tunel to 192.168.1.0/24

say "Everything pbr owns on the Pi:"
pi show

say "And it removes exactly what it made:"
relay_stop pi
echo "  (relay stopped)"
pi nat del masquerade oif tailscale0
pi mark del table tunnel to 192.168.1.0/24
pi table del tunnel
pi table del brouter
run pi ip rule
jellyfin
say "Done; the namespaces are being removed. Your host's network was not touched."
