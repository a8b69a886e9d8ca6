#!/bin/bash
# The daemon's life: it detaches (exit 0 once ready), runs as nobody with no
# capability left and no_new_privs (from /proc/PID/status), still relays,
# is found by `pbr relay show` from its own network namespace only, refuses a
# second copy, needs root to start, and exits cleanly on SIGTERM.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/dhcp.sh"

ns_add srv rt c1 other
veth srv s0 rt u0
veth rt d1 c1 eth0
addr srv s0 10.0.0.1/24
addr rt u0 10.0.0.2/24
addr rt d1 192.168.1.1/24
route srv add 192.168.0.0/16 via 10.0.0.2
fwd rt
dnsmasq_start srv s0 192.168.1.100,192.168.1.150,255.255.255.0,2m

ok "pbr relay detaches and exits 0 once ready" p rt relay -i d1 -p "$TMPD/relay.pid" 10.0.0.1
pid=$(cat "$TMPD/relay.pid")
ok "the pid file names a running process" kill -0 "$pid"
echo "$pid" >"$TMPD/relay-rt.pid" # stopped on exit like the others
st=$(cat "/proc/$pid/status")
field() { awk -v k="$1:" '$1 == k { $1 = ""; print substr($0, 2) }' <<<"$st"; }
nobody=$(id -u nobody)
eq "real, effective, saved and fs uid are nobody's" "$nobody $nobody $nobody $nobody" "$(field Uid)"
eq "gids are nobody's group" "$(id -g nobody) $(id -g nobody) $(id -g nobody) $(id -g nobody)" "$(field Gid)"
eq "no supplementary groups but its own" "$(id -g nobody)" "$(field Groups)"
eq "no effective capability" 0000000000000000 "$(field CapEff)"
eq "no permitted capability" 0000000000000000 "$(field CapPrm)"
eq "no inheritable capability" 0000000000000000 "$(field CapInh)"
eq "no ambient capability" 0000000000000000 "$(field CapAmb)"
eq "an empty bounding set (nothing to regain)" 0000000000000000 "$(field CapBnd)"
eq "no_new_privs is set" 1 "$(field NoNewPrivs)"
capsh=$(( 0x$(field CapEff) ))
eq "in particular no CAP_SYS_ADMIN (21) and no CAP_DAC_OVERRIDE (1)" "0 0" \
	"$(( (capsh >> 21) & 1 )) $(( (capsh >> 1) & 1 ))"
has "the process is pbr's" "pbr" "$(basename "$(readlink "/proc/$pid/exe")")"

udhcpc_start c1 eth0
has "it relays after dropping everything" "192.168.1." "$(lease_wait c1 eth0 bound)"

has "found with pbr -n NETNS relay show" "relay pid $pid" "$(p rt relay show)"
has "found from inside the namespace (ip netns exec)" "relay pid $pid" \
	"$(nsx rt "$PBR" relay show)"
eq "found by an unprivileged user too" "$pid" \
	"$(nsx rt setpriv --reuid=nobody --regid=nogroup --clear-groups "$PBR" -j relay show | jq .pid)"
eq "not from another namespace" "pbr relay: no relay is running in this network namespace" \
	"$(p other relay show 2>&1)"
err=$(p rt relay -f -i d1 10.0.0.1 2>&1)
rc=$?
eq "a second relay in the namespace: exit 1" 1 "$rc"
eq "...saying why" "pbr relay: another relay is running in this network namespace (see pbr relay show)" "$err"

err=$(nsx other setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all \
	"$PBR" relay -f 10.0.0.1 2>&1)
rc=$?
eq "as a plain user: exit 1" 1 "$rc"
eq "...with a clear line" \
	"pbr relay: needs CAP_NET_BIND_SERVICE, CAP_NET_RAW, CAP_SETUID and CAP_SETGID (run as root)" "$err"

# -U: another user.
kill "$pid"
for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
no "SIGTERM ends the relay" kill -0 "$pid"
eq "the pid file is gone or empty after exit" "" "$(cat "$TMPD/relay.pid" 2>/dev/null)"
relay_start rt -U daemon -i d1 10.0.0.1
st=$(cat "/proc/$(relay_pid rt)/status")
eq "-U daemon runs as daemon" "$(id -u daemon)" "$(field Uid | cut -d" " -f1)"
eq "...with no capability either" 0000000000000000 "$(field CapEff)"
kill -INT "$(relay_pid rt)"
wait "$(relay_pid rt)"
eq "SIGINT: a clean exit too" 0 "$?"
has "the foreground log said it dropped to the user" "as uid $(id -u daemon)" "$(relay_log rt)"
