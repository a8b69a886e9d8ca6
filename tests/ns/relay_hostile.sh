#!/bin/bash
# Hostile input from both sides: crafted datagrams from a client port and
# from the server side. The relay must stay up, count every drop under its
# reason, make no neighbour entry for a bogus address, send nothing bogus on,
# and still relay a good client afterwards.
. "$ROOT/tests/lib.sh"
. "$ROOT/tests/dhcp.sh"

ns_add srv rt c1
veth srv s0 rt u0
veth rt d1 c1 eth0
addr srv s0 10.0.0.1/24
addr srv s0 10.0.0.99/24 # a host on the server's link that is not the server
addr rt u0 10.0.0.2/24
addr rt d1 192.168.1.1/24
addr c1 eth0 192.168.1.77/24 # so the client side can also send unicast
route srv add 192.168.0.0/16 via 10.0.0.2
fwd rt
dnsmasq_start srv s0 192.168.1.100,192.168.1.150,255.255.255.0,2m
relay_start rt -i d1 -a -c 4 10.0.0.1
pid=$(relay_pid rt)
capture srv s0 up udp port 67
capture c1 eth0 down udp port 68

down() { craft c1 --to 255.255.255.255 --dev eth0 "$@"; }
up() { craft srv --to 10.0.0.2 --src 10.0.0.1 --op 2 --type 2 --giaddr 192.168.1.1 "$@"; }

# From the client side (22 datagrams).
down --raw ""                                     # empty
down --raw "01"                                   # 1 byte
down --truncate 100                               # cut inside the header
down --no-cookie                                  # plain BOOTP / garbage
down --hops 5                                     # over -c 4
down --hops 255
down --opt 12:41424344 --rawopts 0cc84142 --no-end --pad-to 0 # option runs past the end
down --no-end                                     # no END (only padding)
down --opt 52:07                                  # overload: no such field
down --opt 52:01                                  # overload: file has no END
down --hlen 0
down --hlen 17
down --chaddr 01:00:5e:00:00:01                   # multicast chaddr
down --opt 82:0103666f6f                          # option 82 with giaddr 0, untrusted
down --opt 82:01056431                            # option 82 malformed
down --giaddr 192.168.1.1 --hops 1                # our own giaddr: a loop
down --op 3                                       # neither request nor reply
down --type 0                                     # no message type
down --type 99                                    # no such message type
down --op 2 --type 2 --yiaddr 192.168.1.120       # a reply from the client side
down --pad-to 5000                                # larger than the relay takes
# Grows past 576 octets with option 82: relayed without it (RFC 3046 2.1).
down --xid 0x600d0576 --opt "12:$(printf '41%.0s' $(seq 255))" \
	--opt "60:$(printf '42%.0s' $(seq 73))" --pad-to 0

# From the server side (10 datagrams).
up --src 10.0.0.99 --yiaddr 192.168.1.121          # not from a configured server
up --giaddr 192.168.77.1 --yiaddr 192.168.1.122    # for a giaddr that is not ours
up --yiaddr 255.255.255.255
up --yiaddr 127.0.0.1
up --yiaddr 192.168.1.1                            # the relay's own address
up --yiaddr 224.0.0.1
up --truncate 50 --yiaddr 192.168.1.123
up --raw ""
up --no-end --yiaddr 192.168.1.124
up --op 1 --type 1                                 # a request from the server side
sleep 0.5

ok "the relay is still running (same pid)" kill -0 "$pid"
j=$("$PBR" -n "$(ns rt)" -j relay show)
d() { jq -r ".interfaces[] | select(.name == \"$1\") | .drops.$2 // 0" <<<"$j"; }
eq "down: truncated (empty, 1 byte, cut header)" 3 "$(d d1 truncated)"
eq "down: no magic cookie" 1 "$(d d1 no_cookie)"
eq "down: hops over the limit, and 255" 2 "$(d d1 hops)"
eq "down: options past the end, no END, overloaded file without END" 3 "$(d d1 bad_options)"
eq "down: bad option 52" 1 "$(d d1 bad_overload)"
eq "down: hlen 0 and 17" 2 "$(d d1 bad_hlen)"
eq "down: multicast chaddr" 1 "$(d d1 bad_chaddr)"
eq "down: untrusted option 82" 1 "$(d d1 untrusted_option82)"
eq "down: malformed option 82" 1 "$(d d1 bad_option82)"
eq "down: our own giaddr" 1 "$(d d1 own_giaddr)"
eq "down: bad op" 1 "$(d d1 bad_op)"
eq "down: missing or unknown message type" 2 "$(d d1 bad_msgtype)"
eq "down: a reply from the downstream side" 1 "$(d d1 not_upstream)"
eq "down: oversized datagram" 1 "$(d d1 oversized)"
eq "down: the request with no room for option 82 went up without it" 1 \
	"$(jq -r '.interfaces[] | select(.name == "d1") | .option82_too_big' <<<"$j")"
eq "up: reply not from a configured server" 1 "$(d u0 not_server)"
eq "up: reply for a foreign giaddr" 1 "$(d u0 foreign_giaddr)"
eq "up: yiaddr broadcast, loopback, ours, multicast" 4 "$(d u0 bad_client_address)"
eq "up: truncated and empty" 2 "$(d u0 truncated)"
eq "up: no END" 1 "$(d u0 bad_options)"
eq "up: a request from the upstream side" 1 "$(d u0 not_downstream)"
eq "every drop is accounted for: 31 = client 21 + server 10" 31 \
	"$(jq '[.interfaces[].drops[]] | add' <<<"$j")"
eq "one reply delivered: the server's answer to the one request relayed" 1 \
	"$(jq '[.interfaces[].delivered] | add' <<<"$j")"
eq "exactly one request went up (the one too big for option 82)" 1 \
	"$(jq '.servers[0].sent' <<<"$j")"
has "...carrying no option 82" "xid 0x600d0576" "$(pcap up -v)"
hasnt "no hostile reply reached the client side" "> 192.168.1.12" "$(pcap down)"
eq "the client side saw just that one reply" 1 "$(pcap down | grep -c '192.168.1.1.67 >')"
neigh=$(ip -n "$(ns rt)" neigh show)
for a in 255.255.255.255 127.0.0.1 224.0.0.1 192.168.1.120 192.168.1.121 192.168.1.122 \
	192.168.1.123 192.168.1.124; do
	hasnt "no neighbour entry for $a" "$a " "$neigh"
done

# A good client afterwards.
ip -n "$(ns c1)" addr flush dev eth0
udhcpc_start c1 eth0
has "a good client still gets its lease" "192.168.1." "$(lease_wait c1 eth0 bound)"
ok "the relay is still the same process" kill -0 "$pid"

# Not hostile, but delivery rules seen from here: a DHCPNAK is broadcast even
# without the broadcast flag (RFC 2131 4.3.2); a reply with yiaddr and no
# flag goes to yiaddr at chaddr.
up --type 6 --xid 0x0a0a0006 --chaddr 02:00:00:00:00:66
up --type 2 --xid 0x0a0a0002 --chaddr 02:00:00:00:00:67 --yiaddr 192.168.1.99
sleep 0.3
has "a NAK without the broadcast flag is broadcast" "192.168.1.1.67 > 255.255.255.255.68" \
	"$(pcap down -e | grep -A1 -i "ff:ff:ff:ff:ff:ff" | tr '\n' ' ')"
has "an OFFER without the flag goes to chaddr" "> 02:00:00:00:00:67" "$(pcap down -e)"
has "...and to yiaddr" "192.168.1.1.67 > 192.168.1.99.68" "$(pcap down)"
