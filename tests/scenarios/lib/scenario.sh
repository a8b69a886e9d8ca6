# Shared helpers for the seed scenarios (tests/scenarios/seedNNN.sh): each
# reproduces one write-up from /work/shared/seeds end to end. Source after
# setting nothing: it brings in tests/lib.sh (namespaces, checks, state) and
# tests/dhcp.sh (dnsmasq, udhcpc, pbr relay, tcpdump captures; $TMPD).
#
# Not a test file: tests/run runs only tests/scenarios/*.sh.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/dhcp.sh"

# rp_filter_distro NS MODE: the reverse-path filter a distribution ships.
#   debian   systemd's /usr/lib/sysctl.d/50-default.conf (Debian, Ubuntu,
#            Raspberry Pi OS): default=2 and every interface (the "*"
#            wildcard, re-applied by udev to interfaces that appear later)
#            loose; "all" is excluded from the wildcard.
#   rhel     RHEL, Fedora, CentOS: all=1 and default=1, strict.
# Call before the namespace's interfaces exist (default covers them) and
# again after (the wildcard, or devices made elsewhere and moved in).
rp_filter_distro() {
	local n=$1 mode=$2
	# Through /proc/sys (this namespace's view): device names may hold dots (eth0.2).
	case $mode in
	debian)
		nsx "$n" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do
			[ "$f" = /proc/sys/net/ipv4/conf/all/rp_filter ] || echo 2 >"$f"; done'
		;;
	rhel)
		nsx "$n" sh -c 'for f in /proc/sys/net/ipv4/conf/*/rp_filter; do echo 1 >"$f"; done'
		;;
	*) echo "rp_filter_distro: unknown mode $mode" >&2; return 1 ;;
	esac
}

# isp_drop_spoofed NS DEV ADDR|PREFIX: an ISP forwards from its customer link
# only what carries the customer's own source; the rest is dropped and
# counted in nft table "ip antispoof" (spoofed_drops NS reads the count).
isp_drop_spoofed() {
	nsx "$1" nft -f - <<EOF
table ip antispoof {
	chain customer {
		type filter hook forward priority filter; policy accept;
		iifname "$2" ip saddr != $3 counter drop
	}
}
EOF
}
spoofed_drops() {
	nsx "$1" nft -j list table ip antispoof |
		jq '[.nftables[] | select(.rule) | .rule.expr[] | select(.counter) | .counter.packets] | add // 0'
}

# must DESC CMD...: as ok, and the scenario stops when it fails: what follows
# depends on it, and must not pass by comparing two empty strings.
must() {
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then
		pass "$d"
	else
		fail "$d" "$out" "(the scenario stops here: what follows depends on it)"
		exit 1
	fi
}

# wait_for CMD...: poll CMD until it succeeds, up to 30 s (generous: other
# test suites may be loading the machine).
wait_for() {
	local i
	for i in $(seq 300); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# cap NS DEV NAME FILTER...: tcpdump into $TMPD/NAME.pcap, running when this
# returns; cap_stop NAME ends it (the packets so far are in the file);
# cap_n NAME [FILTER...] counts the packets that match FILTER.
declare -A CAPPID
cap() {
	local n=$1 dev=$2 name=$3 i
	shift 3
	rm -f "$TMPD/$name.pcap" "$TMPD/$name.tcpdump"
	# ip netns exec execs tcpdump: $! is tcpdump itself.
	ip netns exec "$(ns "$n")" tcpdump -Z root --immediate-mode -ni "$dev" -U \
		-w "$TMPD/$name.pcap" "$@" >"$TMPD/$name.tcpdump" 2>&1 &
	CAPPID[$name]=$!
	for i in $(seq 200); do
		grep -q "listening on" "$TMPD/$name.tcpdump" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
cap_stop() {
	local pid=${CAPPID[$1]:-}
	[ -n "$pid" ] || return 0
	# SIGTERM: a background job of a script starts with SIGINT ignored.
	kill -TERM "$pid" 2>/dev/null
	wait_for sh -c "! kill -0 $pid 2>/dev/null"
	wait "$pid" 2>/dev/null
	unset "CAPPID[$1]"
}
cap_n() {
	local n=$1
	shift
	tcpdump -nr "$TMPD/$n.pcap" "$@" 2>/dev/null | wc -l
}

# tcp_echo NS ADDR PORT BYTES: send BYTES random bytes to an echo service and
# compare what comes back: "same", or "differs (N bytes back)".
tcp_echo() {
	local f=$TMPD/echo.$$.$RANDOM
	head -c "$4" /dev/urandom >"$f.sent"
	nsx "$1" timeout 10 socat -T5 - TCP:"$2":"$3",connect-timeout=4 <"$f.sent" >"$f.got" 2>/dev/null
	if cmp -s "$f.sent" "$f.got"; then
		echo same
	else
		echo "differs ($(stat -c %s "$f.got") bytes back)"
	fi
	rm -f "$f.sent" "$f.got"
}

# rp_of NS DEV: the rp_filter the kernel applies on DEV, max(all, DEV).
rp_of() {
	local a d
	a=$(nsx "$1" cat /proc/sys/net/ipv4/conf/all/rp_filter) || return 1
	d=$(nsx "$1" cat "/proc/sys/net/ipv4/conf/$2/rp_filter") || { echo "no-device-$2"; return 1; }
	echo $((a > d ? a : d))
}

# cap_has NAME MIN FILTER...: capture NAME holds at least MIN packets that
# match FILTER. Run it under wait_for while the capture runs, before
# cap_stop: tcpdump may not have read the last packets off its socket yet
# when it is stopped, but once a packet is in the file, so is every earlier one.
cap_has() {
	local n=$1 min=$2
	shift 2
	[ "$(cap_n "$n" "$@")" -ge "$min" ]
}

# seed001_world: seed 001's machines, as the write-up has them before any
# policy (the scenario and make demo build the same world):
#   roku --eth1[ pi ]eth0-- isp router (dnsmasq, NAT) -- net (a server)
#                 tailscale0 -- tailnet router -- jelly (Jellyfin)
seed001_world() {
	ns_add isp pi roku tailnet jelly net
	rp_filter_distro pi debian
	# The ISP router: a LAN bridge (the Pi's eth0 is one port), DHCP, NAT out.
	nsx isp ip link add br0 type bridge
	nsx isp ip link set br0 up
	veth isp p1 pi eth0
	nsx isp ip link set p1 master br0
	addr isp br0 192.168.0.1/24
	veth isp wan net eth0
	addr isp wan 198.51.100.2/24
	addr net eth0 198.51.100.1/24
	addr net lo 203.0.113.10/32
	route isp add default via 198.51.100.1
	fwd isp
	nsx isp nft add table ip nat
	nsx isp nft add chain ip nat post '{ type nat hook postrouting priority srcnat; }'
	nsx isp nft add rule ip nat post oifname wan masquerade
	dnsmasq_start isp br0 192.168.0.50,192.168.0.99,255.255.255.0,2m \
		--dhcp-option=3,192.168.0.1 || return 1
	# The Pi, as systemd-networkd leaves it: two addresses in one /24.
	addr pi eth0 192.168.0.125/24
	veth pi eth1 roku eth0
	addr pi eth1 192.168.0.126/24
	route pi add default via 192.168.0.1
	veth pi tailscale0 tailnet ts
	addr pi tailscale0 100.120.7.128/32
	route pi add 100.64.0.0/10 dev tailscale0
	rp_filter_distro pi debian
	# The parents' tailnet router: forwards between the tailnet and 192.168.1.0/24.
	addr tailnet ts 100.100.0.1/32
	route tailnet add 100.120.7.128 dev ts
	veth tailnet lan1 jelly eth0
	addr tailnet lan1 192.168.1.1/24
	addr jelly eth0 192.168.1.30/24
	route jelly add default via 192.168.1.1
	fwd tailnet
	# A point-to-point tunnel: the veth standing in for it answers ARP for
	# what the far side routes, so "default dev tailscale0" works as on a tun.
	nsx tailnet sysctl -qw net.ipv4.conf.ts.proxy_arp=1
	# Tailscale takes only packets from tailnet addresses (cryptokey routing).
	isp_drop_spoofed tailnet ts 100.64.0.0/10
	whoami_server jelly 8096 || return 1
	whoami_server net 8080
}
