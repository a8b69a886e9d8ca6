#!/bin/bash
# Seed 000, "using one travel router to flash another", end to end.
#
# Travel router B serves a firmware image over TFTP (tftpd-hpa's in.tftpd
# bound to 0.0.0.0, answering from a new port) to router A on B's br-lan.
# A boots as 192.168.1.1, pings 192.168.1.2 and, if it answers, fetches the
# image from it - but it may ask any address of 192.168.1.0/24. B's own
# uplink (wlan, 192.168.1.50) is 192.168.1.0/24 as well, its router W being
# 192.168.1.1: the very address A uses. B filters strictly (rp_filter=1 on
# all, default and every device, as RHEL/Fedora ship it; OpenWrt leaves it
# off, which is the easier case).
#
# The write-up's first attempt - `ip route add local 192.168.1.0/24 dev lo
# table 100` with a rule for br-lan - is run first and fails; it went on to
# DNAT and connmark and gave up. pbr: one `anyip add`.
. "$ROOT/tests/scenarios/lib/scenario.sh"

ns_add A B W
rp_filter_distro A rhel
rp_filter_distro B rhel
rp_filter_distro W rhel
nsx B ip link add br-lan type bridge
nsx B ip link set br-lan up
veth A eth0 B lanp
nsx B ip link set lanp master br-lan
veth B wlan W eth0
rp_filter_distro B rhel
addr A eth0 192.168.1.1/24
addr W eth0 192.168.1.1/24
addr B wlan 192.168.1.50/24
route B add default via 192.168.1.1
mkdir "$TMPD/tftp"
head -c 400000 /dev/urandom >"$TMPD/tftp/openwrt-sysupgrade.bin"
nsx B in.tftpd -l -s "$TMPD/tftp" -a 0.0.0.0:69 -u root
nsx B socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo B' >/dev/null 2>&1 &
nsx W socat TCP-LISTEN:80,fork,reuseaddr SYSTEM:'echo W' >/dev/null 2>&1 &
wait_listen B 80
wait_listen W 80
# in.tftpd daemonises: wait until it listens, and fetch once inside B, so
# that "cannot fetch" below is about the network, not a server not yet up.
ok "B's TFTP server listens on port 69" wait_for sh -c "ip netns exec '$(ns B)' ss -Hlun 'sport = :69' | grep -q ."

# flash ADDR: A fetches the image from ADDR with busybox tftp: "same" when intact.
flash() {
	rm -f "$TMPD/got"
	nsx A timeout 15 busybox tftp -g -r openwrt-sysupgrade.bin -l "$TMPD/got" "$1" >/dev/null 2>&1
	cmp -s "$TMPD/got" "$TMPD/tftp/openwrt-sysupgrade.bin" && echo same || echo differs
}
tcp_get() { nsx "$1" timeout 5 socat -T3 - TCP:"$2":80,connect-timeout=3 </dev/null 2>/dev/null; }
must "B's TFTP server serves the image (fetched inside B)" test "$(
	rm -f "$TMPD/got"
	nsx B timeout 15 busybox tftp -g -r openwrt-sysupgrade.bin -l "$TMPD/got" 127.0.0.1 >/dev/null 2>&1
	cmp -s "$TMPD/got" "$TMPD/tftp/openwrt-sysupgrade.bin" && echo same)" = same
S0=$(state B)
eq "B filters strictly on br-lan and wlan" "1 1" "$(rp_of B br-lan) $(rp_of B wlan)"

# ---- before ----
no "before: A's ping of 192.168.1.2 goes unanswered" nsx A ping -c2 -W2 -q 192.168.1.2
eq "before: A cannot fetch the image from 192.168.1.2" differs "$(flash 192.168.1.2)"
eq "before: B reaches W at 192.168.1.1" W "$(tcp_get B 192.168.1.1)"

# ---- the write-up's first attempt ----
nsx B ip route add local 192.168.1.0/24 dev lo table 100
nsx B ip rule add iif br-lan lookup 100
no "write-up (local route in table 100): A's ping still goes unanswered" nsx A ping -c2 -W2 -q 192.168.1.2
eq "write-up: A still cannot fetch the image" differs "$(flash 192.168.1.2)"
nsx B ip rule del iif br-lan lookup 100
nsx B ip route flush table 100
eq "the write-up's attempt is gone again" "$S0" "$(state B)"

# ---- pbr ----
setup_all() { p B anyip add 192.168.1.0/24 dev br-lan; }
twice "setup: anyip add 192.168.1.0/24 dev br-lan" B setup_all
cap B wlan leak -Q out ip
cap B br-lan lan1 udp or icmp
ok "after: A's ping of 192.168.1.2 is answered (the bootloader's check)" nsx A ping -c2 -W3 -q 192.168.1.2
eq "after: A fetches the image from 192.168.1.2 (it arrives intact)" same "$(flash 192.168.1.2)"
eq "after: and from 192.168.1.200" same "$(flash 192.168.1.200)"
eq "after: A's TCP to 192.168.1.7 reaches B" B "$(tcp_get A 192.168.1.7)"
eq "after: B still reaches W at 192.168.1.1" W "$(tcp_get B 192.168.1.1)"
ok "capture: TFTP data left br-lan from 192.168.1.2, from a port other than 69 (the new connection)" \
	wait_for cap_has lan1 10 'src host 192.168.1.2 and udp and not src port 69 and dst host 192.168.1.1'
# B's own connection to W came last: once it is in the file, so is all before it.
ok "capture: B's own connection to W left by wlan" \
	wait_for cap_has leak 1 'src host 192.168.1.50 and tcp dst port 80 and tcp[tcpflags] & tcp-fin != 0'
cap_stop leak
cap_stop lan1
eq "capture: none of B's answers to A leaked out wlan toward W" 0 \
	"$(cap_n leak 'src net 192.168.1.0/24 and not src host 192.168.1.50')"
no "W gets no ARP answer from B for 192.168.1.99 (not B's on wlan)" nsx W arping -q -c2 -w3 -I eth0 192.168.1.99
ok "W still gets B's answer for its real 192.168.1.50" nsx W arping -q -c2 -w3 -I eth0 192.168.1.50
eq "B's rp_filter is still strict on br-lan and wlan" "1 1" "$(rp_of B br-lan) $(rp_of B wlan)"

# ---- the whole setup again ----
S1=$(state B)
ok "the whole setup runs again" setup_all
eq "re-running the whole setup changed nothing" "$S1" "$(state B)"

# ---- removal ----
twice "remove: anyip del 192.168.1.0/24 dev br-lan" B p B anyip del 192.168.1.0/24 dev br-lan
eq "after removal: B's rules, routes, nftables, sysctls and names are as before pbr" "$S0" "$(state B)"
eq "after removal: A cannot fetch the image again" differs "$(flash 192.168.1.2)"
eq "after removal: B still reaches W" W "$(tcp_get B 192.168.1.1)"
