#!/bin/bash
# The relay under valgrind (memcheck): a client's whole exchange, option 82
# added and stripped, some hostile datagrams, show, SIGUSR1, SIGTERM.
# 0 errors, nothing definitely lost.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/dhcp.sh"

if ! command -v valgrind >/dev/null; then
	fail "valgrind is installed (scripts/deps.sh test)"
	exit 0
fi
ns_add srv rt c1
veth srv s0 rt u0
veth rt d1 c1 eth0
addr srv s0 10.0.0.1/24
addr rt u0 10.0.0.2/24
addr rt d1 192.168.1.1/24
route srv add 192.168.0.0/16 via 10.0.0.2
fwd rt
dnsmasq_start srv s0 192.168.1.100,192.168.1.150,255.255.255.0,2m

# An ASan build cannot run under valgrind: with PBR=./pbr-san this checks ./pbr.
bin=$PBR
case $bin in *-san) bin=${bin%-san} ;; esac
vg=$TMPD/valgrind.log
nsx rt valgrind --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite \
	--track-fds=no --log-file="$vg" "$bin" relay -f -i d1 -a 10.0.0.1 >"$TMPD/vg-relay.log" 2>&1 &
vpid=$!
for i in $(seq 100); do
	p rt relay show >/dev/null 2>&1 && break
	sleep 0.2
done
ok "the relay runs under valgrind" p rt relay show
udhcpc_start c1 eth0 -B
has "a client gets its lease through it" "192.168." "$(lease_wait c1 eth0 bound)"
craft c1 --to 255.255.255.255 --dev eth0 --raw ""
craft c1 --to 255.255.255.255 --dev eth0 --hlen 0
craft c1 --to 255.255.255.255 --dev eth0 --opt 82:01056431
craft c1 --to 255.255.255.255 --dev eth0 --no-end --pad-to 0
craft srv --to 10.0.0.2 --src 10.0.0.1 --op 2 --type 2 --giaddr 192.168.1.1 \
	--yiaddr 192.168.1.140 --opt 82:0105626f677573
kill -USR1 "$(udhcpc_pid c1 eth0)"
has "a renewal too" "192.168." "$(lease_wait c1 eth0 renew)"
p rt -j relay show >/dev/null
rpid=$(p rt -j relay show | jq .pid)
kill -USR1 "$rpid"
sleep 0.5
kill "$rpid"
wait "$vpid"
rc=$?
eq "valgrind's exit status (99 means errors)" 0 "$rc"
has "valgrind: 0 errors" "ERROR SUMMARY: 0 errors" "$(cat "$vg")"
has "valgrind: nothing definitely lost" "definitely lost: 0 bytes" \
	"$(grep -E 'definitely lost|All heap blocks were freed' "$vg" | sed 's/All heap blocks were freed.*/definitely lost: 0 bytes/')"
