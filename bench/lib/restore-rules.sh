#!/bin/sh
# Back to the kernel's three default IPv4 rules (hyperfine --prepare).
# One "ip rule flush" stops part-way through a long list, so repeat it.
while [ "$(ip rule | wc -l)" -gt 0 ]; do
	ip rule flush 2>/dev/null
	[ "$(ip rule | wc -l)" -le 1 ] && break
done
ip rule add from all lookup main pref 32766 2>/dev/null
ip rule add from all lookup default pref 32767 2>/dev/null
[ "$(ip rule | wc -l)" = 3 ]
