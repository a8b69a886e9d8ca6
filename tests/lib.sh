# Shared helpers for pbr's namespace tests. Source after setting T (the test
# file's name); every namespace made here is removed on exit.
#
# Results go to $PBR_RESULTS as "PASS T: what" / "FAIL T: what" lines.
set -u
: "${ROOT:?run through tests/run}"
: "${PBR:=$ROOT/pbr}"
: "${PBR_RESULTS:=/dev/null}"
T=${T:-$(basename "$0" .sh)}
TP=pt$$
NSS=()
export LC_ALL=C

cleanup() {
	local n
	for n in "${NSS[@]}"; do
		ip netns pids "$n" 2>/dev/null | xargs -r kill -9 2>/dev/null
	done
	for n in "${NSS[@]}"; do
		ip netns del "$n" 2>/dev/null
	done
}
trap cleanup EXIT

# ---- results ----
pass() { echo "PASS $T: $1" >>"$PBR_RESULTS"; echo "ok   $T: $1"; }
fail() {
	local d=$1
	shift
	echo "FAIL $T: $d" >>"$PBR_RESULTS"
	echo "FAIL $T: $d"
	local l
	for l in "$@"; do printf '%s\n' "$l" | sed 's/^/       /' | head -40; done
}
# ok DESC CMD...: CMD succeeds.
ok() {
	local d=$1 out
	shift
	if out=$("$@" 2>&1); then pass "$d"; else fail "$d" "$out"; fi
}
# no DESC CMD...: CMD fails, by its own verdict: a command that could not
# run at all (126, 127) or died of a signal (128+; timeout's 124 is a verdict) proves nothing.
no() {
	local d=$1 out rc
	shift
	out=$("$@" 2>&1)
	rc=$?
	if [ "$rc" = 0 ]; then
		fail "$d" "unexpectedly succeeded: $out"
	elif [ "$rc" -ge 126 ]; then
		fail "$d" "did not run (exit $rc): $out"
	else
		pass "$d"
	fi
}
# eq DESC WANT GOT
eq() {
	if [ "$2" = "$3" ]; then pass "$1"; else fail "$1" "want: $2" "got:  $3"; fi
}
# has DESC NEEDLE HAYSTACK
has() {
	if [[ $3 == *"$2"* ]]; then pass "$1"; else fail "$1" "missing: $2" "in: $3"; fi
}
hasnt() {
	if [[ $3 != *"$2"* ]]; then pass "$1"; else fail "$1" "unexpected: $2" "in: $3"; fi
}

# ---- namespaces ----
ns() { echo "$TP-$1"; }
ns_add() {
	local n
	for n; do
		ip netns add "$(ns "$n")" || return 1
		NSS+=("$(ns "$n")")
		ip -n "$(ns "$n")" link set lo up
		# No duplicate address detection: IPv6 addresses (and their local
		# routes) exist at once instead of appearing between two snapshots.
		ip netns exec "$(ns "$n")" sysctl -qw net.ipv6.conf.default.accept_dad=0 \
			net.ipv6.conf.all.accept_dad=0
	done
}
nsx() {
	local n=$1
	shift
	ip netns exec "$(ns "$n")" "$@"
}
# veth NS1 IF1 NS2 IF2: a cable between two namespaces, both ends up.
veth() {
	ip link add "$2" netns "$(ns "$1")" type veth peer name "$4" netns "$(ns "$3")" || return 1
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}
# addr NS DEV ADDR/LEN
addr() { ip -n "$(ns "$1")" addr add "$3" dev "$2"; }
route() {
	local n=$1
	shift
	ip -n "$(ns "$n")" route "$@"
}
fwd() { nsx "$1" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1; }
# p NS ARGS...: pbr inside a namespace.
p() {
	local n=$1
	shift
	"$PBR" -n "$(ns "$n")" "$@"
}

# The kernel state pbr could touch, for byte-identical comparisons.
state() {
	local n
	n=$(ns "$1")
	ip -n "$n" -j rule
	ip -n "$n" -6 -j rule
	ip -n "$n" -j route show table all
	ip -n "$n" -6 -j route show table all
	ip netns exec "$n" nft -s -j list ruleset 2>/dev/null  # -s: counters are traffic, not state
	ip netns exec "$n" sysctl -a -r '^net\.ipv4\.(conf\.|ip_forward)|^net\.ipv6\.conf\.[^.]*\.(forwarding|accept_ra|proxy_ndp|disable_ipv6|accept_redirects)' 2>/dev/null
	cat /etc/iproute2/rt_tables.d/*.conf 2>/dev/null
}

# twice DESC NS CMD...: CMD succeeds twice and the second run changes nothing.
twice() {
	local d=$1 n=$2 o1 o2 s1 s2
	shift 2
	if ! o1=$("$@" 2>&1); then
		fail "$d" "first run failed: $o1"
		return 1
	fi
	s1=$(state "$n")
	if ! o2=$("$@" 2>&1); then
		fail "$d" "second run failed: $o2"
		return 1
	fi
	s2=$(state "$n")
	if [ "$s1" = "$s2" ]; then
		pass "$d (run twice, second changed nothing)"
	else
		fail "$d: second run changed the kernel" "$(diff <(echo "$s1") <(echo "$s2") | head -20)"
		return 1
	fi
}

# bad DESC NS WORD CMD...: usage error: exit 2, one line naming "WORD", nothing changed.
bad() {
	local d=$1 n=$2 word=$3 s1 s2 err rc problems=()
	shift 3
	s1=$(state "$n")
	err=$("$@" 2>&1 >/dev/null)
	rc=$?
	s2=$(state "$n")
	[ "$rc" = 2 ] || problems+=("exit status $rc, want 2")
	[ "$(printf '%s\n' "$err" | wc -l)" = 1 ] || problems+=("stderr is not one line")
	[[ $err =~ ^pbr(\ [a-z]+)?:\  ]] || problems+=("stderr does not start with \"pbr [OBJECT]: \"")
	[[ $err == *"\"$word\""* ]] || problems+=("the word \"$word\" is not named")
	[[ $err != *RTNETLINK* ]] || problems+=("says RTNETLINK")
	[ "$s1" = "$s2" ] || problems+=("kernel state changed: $(diff <(echo "$s1") <(echo "$s2") | head -5)")
	if [ ${#problems[@]} = 0 ]; then
		pass "bad input: $d -> $err"
	else
		fail "bad input: $d" "stderr: $err" "${problems[@]}"
	fi
}

# ---- traffic ----
# whoami_server NS PORT: a TCP service that answers with the peer address it sees.
whoami_server() {
	nsx "$1" socat TCP-LISTEN:"$2",fork,reuseaddr SYSTEM:'echo $SOCAT_PEERADDR' >/dev/null 2>&1 &
	wait_listen "$1" "$2"
}

# seed002_router: seed 002's router rt with a LAN host (lanh, 192.168.1.20)
# and two uplinks (wan 10.1.0.2 by i1, wan2 10.2.0.2 by i2) to a server srv
# (203.0.113.25) behind both; main's default leaves by wan.
seed002_router() {
	ns_add rt lanh i1 i2 srv
	veth lanh eth0 rt lan
	addr lanh eth0 192.168.1.20/24
	addr rt lan 192.168.1.1/24
	route lanh add default via 192.168.1.1
	veth rt wan i1 cust
	veth rt wan2 i2 cust
	addr rt wan 10.1.0.2/24
	addr i1 cust 10.1.0.1/24
	addr rt wan2 10.2.0.2/24
	addr i2 cust 10.2.0.1/24
	route rt add default via 10.1.0.1
	veth i1 core srv s1
	veth i2 core srv s2
	addr i1 core 10.11.0.1/24
	addr srv s1 10.11.0.2/24
	addr i2 core 10.12.0.1/24
	addr srv s2 10.12.0.2/24
	addr srv lo 203.0.113.25/32
	route i1 add 203.0.113.25 via 10.11.0.2
	route i2 add 203.0.113.25 via 10.12.0.2
	route srv add 10.1.0.0/24 via 10.11.0.1
	route srv add 10.2.0.0/24 via 10.12.0.1
	fwd rt
	fwd i1
	fwd i2
}
wait_listen() {
	local i
	for i in $(seq 50); do
		nsx "$1" ss -Htln "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}
# whoami NS ADDR PORT [SRC]: what the server saw as our address ("" on failure).
whoami() {
	local bind=""
	[ -n "${4:-}" ] && bind=",bind=$4"
	nsx "$1" timeout 5 socat -T3 - TCP:"$2":"$3",connect-timeout=3$bind </dev/null 2>/dev/null | tr -d '\r\n'
}
pingok() { nsx "$1" ping -c1 -W2 -q "$2" >/dev/null 2>&1; }

# jq over a command's output: jqv FILTER CMD...
jqv() {
	local f=$1
	shift
	"$@" | jq -r "$f"
}
# whoami_mark NS MARK ADDR PORT: as whoami, from a socket with SO_MARK set
# before connect() (socat sets it too late, after the SYN).
whoami_mark() {
	nsx "$1" timeout 5 python3 -c '
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_MARK, int(sys.argv[1], 0))
s.settimeout(3)
try:
    s.connect((sys.argv[2], int(sys.argv[3])))
    print(s.recv(100).decode().strip())
except OSError:
    print("")
' "$2" "$3" "$4" 2>/dev/null
}
