#!/bin/bash
# DHCP relay benchmark: pbr relay, isc-dhcp-relay (dhcrelay) and dnsmasq's
# relay, one after the other in the same run, under the same load.
#
# A client namespace floods DISCOVERs (broadcast flag, unique xids, a window of
# outstanding requests); a server namespace answers each relayed one at once
# (bench/relay_load.c). For each relay, the largest window with zero loss is
# kept (tried from the largest in WINDOWS down); reported: answered/s, p50/p99
# latency, and the relay's CPU time (utime+stime from /proc/PID/stat) per
# request+reply. The relay runs on CPU 1, the load generator on CPU 0.
# Every relay gets the same load, topology, pinning and kernel settings.
#
# LOAD=raw (default): client and server are one thread on packet sockets
# that never sleeps, and IPv4 is dropped at the ingress of the client's and
# the server's interfaces once their packet rings have a copy. On veth the
# receiver's stack runs in the sender's context, so with LOAD=udp (client and
# server on UDP sockets, each a process with a whole IP stack) every relay
# is also billed for its peers' receive paths and for waking them up.
#
# ROUNDS=N measures every relay N times, interleaved (pbr dhcrelay dnsmasq
# pbr ...), and reports the median of each column with its min-max spread:
# other work on the machine makes single runs noisy.
#
#   bench/relay.sh [SECONDS]        (root; default 5 s per run)
#   PERF=1 bench/relay.sh           also a profile of each relay (perf)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PBR=${PBR:-$ROOT/pbr}
SECS=${1:-5}
WINDOWS=${WINDOWS:-"256 128 64 32 16 8 4"}
RELAYS=${RELAYS:-"pbr dhcrelay dnsmasq"}
ROUNDS=${ROUNDS:-1}
LOAD_MODE=${LOAD:-raw}
BUILD=${BUILD:-$ROOT/build}
LOAD=$BUILD/relay_load
TP=rb$$
TMP=$(mktemp -d /tmp/pbr-bench.XXXXXX)
HZ=$(getconf CLK_TCK)

[ "$(id -u)" = 0 ] || { echo "bench/relay.sh: needs root (network namespaces)" >&2; exit 1; }
mkdir -p "$BUILD"
cc -O2 -D_GNU_SOURCE -Wall -Wextra -o "$LOAD" "$ROOT/bench/relay_load.c" || exit 1
[ -x "$PBR" ] || { echo "bench/relay.sh: build pbr first (make)" >&2; exit 1; }

ns() { echo "$TP-$1"; }
nsx() { local n=$1; shift; ip netns exec "$(ns "$n")" "$@"; }
cleanup() {
	for n in cl rl sv; do
		ip netns pids "$(ns $n)" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$(ns $n)" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT
for n in cl rl sv; do ip netns add "$(ns $n)"; ip -n "$(ns $n)" link set lo up; done
ip link add d1 netns "$(ns rl)" type veth peer name eth0 netns "$(ns cl)"
ip link add u0 netns "$(ns rl)" type veth peer name s0 netns "$(ns sv)"
ip -n "$(ns rl)" link set d1 up; ip -n "$(ns rl)" link set u0 up
ip -n "$(ns cl)" link set eth0 up; ip -n "$(ns sv)" link set s0 up
ip -n "$(ns rl)" addr add 192.168.1.1/24 dev d1
ip -n "$(ns rl)" addr add 10.0.0.2/24 dev u0
ip -n "$(ns cl)" addr add 192.168.1.2/24 dev eth0
ip -n "$(ns sv)" addr add 10.0.0.1/24 dev s0
ip -n "$(ns sv)" route add 192.168.0.0/16 via 10.0.0.2
case $LOAD_MODE in
raw)
	for x in "cl eth0" "sv s0"; do
		set -- $x
		nsx "$1" nft -f - <<EOF || exit 1
table netdev load {
	chain in {
		type filter hook ingress device "$2" priority 0;
		meta protocol ip drop
	}
}
EOF
	done
	;;
udp) ;;
*) echo "bench/relay.sh: LOAD is raw or udp" >&2; exit 1 ;;
esac
nsx rl sysctl -qw net.ipv4.ip_forward=1
# veth hands a packet to the receiver's stack in the sender's context: the
# relay pays for its peers' receive path and they pay for its own. RPS=1
# steers every receive to the receiver's CPU instead (the relay's interfaces
# to CPU 1, the load generator's to CPU 0), as real NICs would; on this VM the
# inter-CPU interrupts cost more than they save, so it is off by default.
if [ "${RPS:-0}" = 1 ]; then
	nsx rl sh -c 'echo 2 >/sys/class/net/d1/queues/rx-0/rps_cpus; echo 2 >/sys/class/net/u0/queues/rx-0/rps_cpus'
	nsx cl sh -c 'echo 1 >/sys/class/net/eth0/queues/rx-0/rps_cpus'
	nsx sv sh -c 'echo 1 >/sys/class/net/s0/queues/rx-0/rps_cpus'
fi

[ "$LOAD_MODE" = udp ] && { nsx sv taskset -c 0 "$LOAD" server 10.0.0.1 >/dev/null 2>&1 & }

# load SECONDS WINDOW: one run of the load generator; prints its line.
load() {
	if [ "$LOAD_MODE" = raw ]; then
		taskset -c 0 "$LOAD" pair "$(ns cl)" eth0 192.168.1.2 "$(ns sv)" s0 10.0.0.1 "$1" "$2"
	else
		nsx cl taskset -c 0 "$LOAD" client eth0 "$1" "$2"
	fi
}

start_relay() {
	case $1 in
	pbr)
		nsx rl taskset -c 1 "$PBR" relay -f -q -i d1 -u u0 10.0.0.1 >"$TMP/pbr.log" 2>&1 &
		;;
	dhcrelay)
		nsx rl taskset -c 1 dhcrelay -d -q -4 -pf "$TMP/dhcrelay.pid" -id d1 -iu u0 10.0.0.1 \
			>"$TMP/dhcrelay.log" 2>&1 &
		;;
	dnsmasq)
		nsx rl taskset -c 1 dnsmasq -k --conf-file=/dev/null --port=0 --interface=d1 \
			--interface=u0 --dhcp-relay=192.168.1.1,10.0.0.1 --pid-file="$TMP/dnsmasq.pid" \
			--log-facility="$TMP/dnsmasq.log" >/dev/null 2>&1 &
		;;
	esac
	# The relay's own process in the relay namespace (pgrep alone could find
	# another one on this machine), once it listens on port 67.
	local i p
	for ((i = 0; i < 50; i++)); do
		sleep 0.2
		nsx rl ss -Hlun 'sport = :67' | grep -q . || continue
		if [ "$1" = pbr ]; then
			"$PBR" -n "$(ns rl)" -j relay show | jq -r .pid
			return
		fi
		for p in $(ip netns pids "$(ns rl)"); do
			[ "$(cat "/proc/$p/comm" 2>/dev/null)" = "$1" ] && { echo "$p"; return; }
		done
	done
}

perf_report() {
	[ -n "${PERF:-}" ] || return 0
	for f in "$TMP"/*.perf; do
		[ -e "$f" ] || continue
		echo "==== $(basename "$f" .perf): where its time goes (self, top 25)"
		perf report -i "$f" --stdio --no-children --sort sym 2>/dev/null | grep -E '^ +[0-9]' | head -25
	done
}

cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# Busy ticks of CPU 1 (user nice system irq softirq steal): the relay and the
# receive work steered to it.
core_ticks() { awk '$1 == "cpu1" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# measure NAME: the best zero-loss run; prints "rate p50 p99 cpu_us window".
measure() {
	local name=$1 pid w line t0 t1 sent ans lost rate p50 p99 best=""
	pid=$(start_relay "$name")
	if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "$name failed to start:" >&2
		cat "$TMP/$name.log" >&2
		echo "0 0 0 0 0 -"
		return
	fi
	load 1 16 >/dev/null # warm up (ARP, caches)
	for w in $WINDOWS; do
		t0=$(cpu_ticks "$pid")
		c0=$(core_ticks)
		# PERF=1: a profile of the relay during its first run.
		if [ -n "${PERF:-}" ] && [ ! -e "$TMP/$name.perf" ]; then
			perf record -q -F 4999 -g -p "$pid" -o "$TMP/$name.perf" -- sleep "$SECS" 2>/dev/null &
		fi
		line=$(load "$SECS" "$w")
		t1=$(cpu_ticks "$pid")
		c1=$(core_ticks)
		read -r sent ans lost _ rate p50 p99 <<<"$line"
		echo "  $name window $w: sent $sent answered $ans lost $lost rate $rate/s p50 ${p50}us p99 ${p99}us process $((t1 - t0)) ticks, cpu1 $((c1 - c0)) ticks" >&2
		if [ "$lost" = 0 ] && [ "$ans" -gt 0 ]; then
			best="$rate $p50 $p99 $(awk -v t=$((t1 - t0)) -v c=$((c1 - c0)) -v hz="$HZ" -v n="$ans" \
				'BEGIN { printf "%.2f %.2f", t * 1e6 / hz / n, c * 1e6 / hz / n }') $w"
			break
		fi
	done
	kill "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do sleep 0.1; done
	echo "${best:-0 0 0 0 0 -}"
}

echo "DHCP relay benchmark: ${SECS}s per run, $ROUNDS round(s), LOAD=$LOAD_MODE, $(nproc) CPUs, $(uname -r)"
for ((round = 1; round <= ROUNDS; round++)); do
	for r in pbr dhcrelay dnsmasq; do
		if [[ " $RELAYS " == *" $r "* ]]; then
			measure "$r" >>"$TMP/res.$r"
		else
			echo "0 0 0 0 0 -" >>"$TMP/res.$r"
		fi
	done
done
# med FILE COLUMN: the median of a column; spread: its min-max.
med() { sort -g -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }
spread() { sort -g -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[1] "-" v[NR] }'; }
declare -A R
printf '\n%-10s %12s %9s %9s %16s %16s %7s\n' relay "answered/s" "p50 us" "p99 us" \
	"CPU us/req(pid)" "CPU us/req(core)" window
for r in $RELAYS; do
	f=$TMP/res.$r
	R[$r]="$(med "$f" 1) $(med "$f" 2) $(med "$f" 3) $(med "$f" 4) $(med "$f" 5) $(med "$f" 6)"
	read -r rate p50 p99 cpu core w <<<"${R[$r]}"
	printf '%-10s %12s %9s %9s %16s %16s %7s\n' "$r" "$rate" "$p50" "$p99" "$cpu" "$core" "$w"
	if [ "$ROUNDS" -gt 1 ]; then
		printf '%-10s %12s %9s %9s %16s %16s %7s\n' "  spread" "$(spread "$f" 1)" \
			"$(spread "$f" 2)" "$(spread "$f" 3)" "$(spread "$f" 4)" "$(spread "$f" 5)" \
			"$(spread "$f" 6)"
	fi
done
[ -n "${R[pbr]:-}" ] || { perf_report; exit 0; } # no ratios without pbr
read -r prate _ _ pcpu pcore _ <<<"${R[pbr]}"
echo
for r in $RELAYS; do
	[ "$r" = pbr ] && continue
	read -r rate _ _ cpu core _ <<<"${R[$r]}"
	awk -v pr="$prate" -v pc="$pcpu" -v pk="$pcore" -v r="$rate" -v c="$cpu" -v k="$core" \
		-v n="$r" 'BEGIN {
		t = 0; a = 0; b = 0
		if (r > 0) t = pr / r
		if (c > 0) a = pc / c
		if (k > 0) b = pk / k
		printf "pbr vs %-8s throughput %.2fx, CPU per request %.2fx (pid) %.2fx (core)\n", n, t, a, b
	}'
done
perf_report
