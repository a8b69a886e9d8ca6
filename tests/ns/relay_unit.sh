#!/bin/bash
# Unit tests for the relay's packet code (lib/dhcp.c), no root needed.
. "$ROOT/tests/lib.sh"
bin=$ROOT/${BUILD:-build}/unit-dhcp
if [ ! -x "$bin" ]; then
	fail "unit-dhcp is built (make check builds it)"
	exit 0
fi
"$bin" >"/tmp/pbr-unit-dhcp.$$" 2>&1
rc=$?
while IFS= read -r line; do
	case $line in
	"ok - "*) pass "${line#ok - }" ;;
	"not ok - "*) fail "${line#not ok - }" ;;
	*) echo "     $line" ;;
	esac
done <"/tmp/pbr-unit-dhcp.$$"
rm -f "/tmp/pbr-unit-dhcp.$$"
eq "unit-dhcp exits 0" 0 "$rc"
