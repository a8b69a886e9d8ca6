#!/bin/bash
# Bad words for pbr relay: exit 2, one line naming the word, exactly the
# message below, nothing changed in the kernel and no relay left running.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/dhcp.sh"

ns_add rt
# No IPv6: its addresses appear late (DAD) and would look like a change.
nsx rt sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
veth rt d1 rt u0
addr rt u0 10.0.0.2/24
addr rt d1 192.168.1.1/24

# usage WORD 'EXACT MESSAGE' ARGS...
usage() {
	local word=$1 want=$2
	shift 2
	bad "relay $*" rt "$word" p rt relay "$@"
	eq "message for: relay $*" "$want" "$(p rt relay "$@" 2>&1)"
}
usage 17 'pbr relay: invalid hop limit "17" (1-16)' -c 17 10.0.0.1
usage 0 'pbr relay: invalid hop limit "0" (1-16)' -i d1 -c 0 10.0.0.1
usage bogus 'pbr relay: invalid option 82 policy "bogus" (append, replace, forward or discard)' \
	-a -m bogus 10.0.0.1
usage 1.2.3 'pbr relay: invalid address "1.2.3"' -g 1.2.3 10.0.0.1
usage 0.0.0.0 'pbr relay: invalid giaddr "0.0.0.0" (not 0.0.0.0)' -g 0.0.0.0 10.0.0.1
usage nosuchuser 'pbr relay: unknown user "nosuchuser"' -U nosuchuser 10.0.0.1
usage -x 'pbr relay: unknown option "-x" (try: pbr relay help)' -x 10.0.0.1
usage -i 'pbr relay: missing value for "-i"' 10.0.0.1 -i
usage server1 'pbr relay: invalid server address "server1" (an IPv4 address)' server1
usage 224.0.0.1 'pbr relay: invalid server address "224.0.0.1" (a unicast IPv4 address)' 224.0.0.1
usage 255.255.255.255 'pbr relay: invalid server address "255.255.255.255" (a unicast IPv4 address)' \
	255.255.255.255
usage 2001:db8::1 'pbr relay: invalid server address "2001:db8::1" (an IPv4 address)' 2001:db8::1
usage 10.0.0.1 'pbr relay: server given twice "10.0.0.1"' 10.0.0.1 10.0.0.1
usage -6 'pbr relay: DHCPv6 relaying is not supported "-6"' -6 10.0.0.1
usage -a 'pbr relay: -r needs "-a" (option 82 is added only with -a)' -r id1 10.0.0.1
usage -a 'pbr relay: -g with other than one -i needs "-a" (the circuit-id tells which interface a reply is for)' \
	-g 10.0.0.2 -i d1 -i d2 10.0.0.1
usage this-name-is-too-long "pbr relay: invalid device name \"this-name-is-too-long\"" \
	-i this-name-is-too-long 10.0.0.1
usage extra 'pbr relay: unknown word "extra" (pbr relay show takes none)' show extra

err=$(p rt relay -i d1 2>&1)
rc=$?
eq "no server: exit 2" 2 "$rc"
eq "no server: the message" "pbr relay: missing SERVER (the DHCP server's IPv4 address)" "$err"
no "none of the above left a relay running" p rt relay show
eq "pbr relay help prints the usage" "Usage: pbr relay [-i DEV]... [-u DEV]... [-t DEV]... [-g ADDR] [-a] [-r REMOTE-ID]" \
	"$(p rt relay help | head -1)"
has "pbr help lists relay" "relay" "$("$PBR" help)"
