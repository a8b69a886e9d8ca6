# DHCP helpers for the relay's namespace tests: a dnsmasq server, busybox
# udhcpc clients, and `pbr relay` itself. Source after tests/lib.sh.
# Everything they write goes to $TMPD, removed on exit.

TMPD=$(mktemp -d /tmp/pbr-relay.XXXXXX)
chmod 755 "$TMPD" # the relay runs as nobody; it only needs to read nothing here
# Relays get SIGTERM first (a clean exit, no "Killed" noise), then lib.sh's cleanup.
relays_stop() {
	local f
	for f in "$TMPD"/relay-*.pid; do
		[ -e "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null
		wait "$(cat "$f")" 2>/dev/null
	done
	# Under PBR=./pbr-san a sanitizer report in a relay's log is a failure.
	for f in "$TMPD"/relay-*.log; do
		[ -e "$f" ] || continue
		if grep -qE "runtime error:|ERROR: (Address|Leak|Undefined)Sanitizer" "$f"; then
			fail "sanitizer report from the relay ($(basename "$f"))" "$(head -30 "$f")"
		fi
	done
}
trap 'relays_stop; cleanup; rm -rf "$TMPD"' EXIT

# The udhcpc event script: configures the lease like a real client and
# appends "EVENT IP" to $TMPD/lease-$NS-$IFACE.
cat >"$TMPD/udhcpc.script" <<'EOF'
#!/bin/sh
f=$LEASEDIR/lease-$LEASETAG
case $1 in
deconfig)
	ip -4 addr flush dev "$interface" 2>/dev/null
	ip link set "$interface" up
	;;
bound|renew)
	mask=${mask:-24}
	if [ "$1" = bound ] || ! ip -4 addr show dev "$interface" | grep -q "inet $ip/"; then
		ip -4 addr flush dev "$interface"
		ip addr add "$ip/$mask" dev "$interface"
	fi
	if [ -n "${router:-}" ]; then
		ip route replace default via "${router%% *}" dev "$interface"
	fi
	;;
esac
echo "$1 ${ip:-} ${serverid:-}" >>"$f"
EOF
chmod 755 "$TMPD/udhcpc.script"

# dnsmasq_start NS IFACE RANGE|--OPTION...: a DHCP server (no DNS) logging what it got.
dnsmasq_start() {
	local n=$1 dev=$2 r args=()
	shift 2
	for r; do
		if [[ $r == --* ]]; then args+=("$r"); else args+=("--dhcp-range=$r"); fi
	done
	nsx "$n" dnsmasq -k --conf-file=/dev/null --port=0 --interface="$dev" \
		--bind-interfaces --dhcp-leasefile="$TMPD/leases-$n" \
		--pid-file="$TMPD/dnsmasq-$n.pid" --log-dhcp --log-facility=- \
		--dhcp-authoritative --no-ping "${args[@]}" >"$TMPD/dnsmasq-$n.log" 2>&1 &
	local i
	for i in $(seq 50); do
		nsx "$n" ss -Hlun 'sport = :67' | grep -q . && return 0
		sleep 0.1
	done
	echo "dnsmasq did not start in $n" >&2
	cat "$TMPD/dnsmasq-$n.log" >&2
	return 1
}
dnsmasq_log() { cat "$TMPD/dnsmasq-$1.log"; }

# udhcpc_start NS IFACE [ARGS...]: a client that stays (renewals), logging events.
udhcpc_start() {
	local n=$1 dev=$2
	shift 2
	: >"$TMPD/lease-$n-$dev"
	rm -f "$TMPD/udhcpc-$n-$dev.pid"
	nsx "$n" env LEASEDIR="$TMPD" LEASETAG="$n-$dev" busybox udhcpc -f -i "$dev" \
		-p "$TMPD/udhcpc-$n-$dev.pid" -s "$TMPD/udhcpc.script" -t 20 -T 1 -A 1 "$@" \
		>"$TMPD/udhcpc-$n-$dev.log" 2>&1 &
}
# lease_wait NS IFACE EVENT [COUNT]: wait (up to 20 s) for the COUNTth EVENT; prints its IP.
lease_wait() {
	local f=$TMPD/lease-$1-$2 i c=${4:-1}
	for i in $(seq 200); do
		if [ "$(grep -c "^$3 " "$f" 2>/dev/null)" -ge "$c" ]; then
			grep "^$3 " "$f" | sed -n "${c}p" | cut -d' ' -f2
			return 0
		fi
		sleep 0.1
	done
	return 1
}
udhcpc_pid() {
	local i
	for i in $(seq 50); do
		[ -s "$TMPD/udhcpc-$1-$2.pid" ] && break
		sleep 0.1
	done
	cat "$TMPD/udhcpc-$1-$2.pid"
}

# relay_start NS ARGS...: pbr relay in the foreground (its log in $TMPD/relay-NS.log),
# ready when `pbr relay show` answers.
relay_start() {
	local n=$1 i
	shift
	"$PBR" -n "$(ns "$n")" relay -f "$@" >>"$TMPD/relay-$n.log" 2>&1 &
	echo $! >"$TMPD/relay-$n.pid"
	for i in $(seq 50); do
		"$PBR" -n "$(ns "$n")" relay show >/dev/null 2>&1 && return 0
		kill -0 "$(cat "$TMPD/relay-$n.pid")" 2>/dev/null || break
		sleep 0.1
	done
	echo "relay did not start in $n" >&2
	cat "$TMPD/relay-$n.log" >&2
	return 1
}
relay_pid() { cat "$TMPD/relay-$1.pid"; }
relay_stop() {
	local p
	p=$(relay_pid "$1")
	kill "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}
relay_log() { cat "$TMPD/relay-$1.log"; }
# rshow NS FILTER: a jq filter over `pbr -j relay show`.
rshow() { "$PBR" -n "$(ns "$1")" -j relay show | jq -r "$2"; }
# rcount NS IFACE KEY: a counter of one interface (0 when absent).
rcount() {
	rshow "$1" "[.interfaces[] | select(.name == \"$2\") | (.$3 // .drops.$3 // 0)] | add // 0"
}

# craft NS ARGS...: send a crafted DHCP packet (tests/dhcp_craft.py).
craft() {
	local n=$1
	shift
	nsx "$n" python3 "$ROOT/tests/dhcp_craft.py" "$@"
}
# bping NS ADDR: one ping (busybox's: iputils may be missing).
bping() { nsx "$1" busybox ping -c1 -W2 -q "$2" >/dev/null 2>&1; }
# capture NS DEV NAME FILTER...: tcpdump to $TMPD/NAME.pcap, started when this returns.
capture() {
	local n=$1 dev=$2 name=$3 i
	shift 3
	nsx "$n" tcpdump -Z root --immediate-mode -ni "$dev" -U -w "$TMPD/$name.pcap" "$@" >"$TMPD/$name.tcpdump" 2>&1 &
	for i in $(seq 100); do
		grep -q "listening on" "$TMPD/$name.tcpdump" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}
# pcap NAME [TCPDUMP-ARGS]: the capture so far as text.
pcap() {
	local n=$1
	shift
	tcpdump -nr "$TMPD/$n.pcap" "$@" 2>/dev/null
}
