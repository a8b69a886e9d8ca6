#!/bin/sh
# Install what pbr needs to build (and, with "test", to run its test suite and
# benchmarks) on a Debian machine. Called by make; does nothing when all is present.
# Services that Debian would start on install (tftpd-hpa, isc-dhcp-relay) are
# kept from starting: pbr's tests run their own copies inside network namespaces.
set -eu

want=${1:-build}

# package:probe pairs; a probe is a command name, a pkg-config module (pc:NAME)
# or a file (/path).
build_pkgs="gcc:gcc make:make pkg-config:pkg-config libmnl-dev:pc:libmnl
libnftnl-dev:pc:libnftnl libcap-dev:pc:libcap"
test_pkgs="iproute2:ip nftables:nft iptables:iptables busybox:busybox
dnsmasq-base:dnsmasq tftpd-hpa:in.tftpd isc-dhcp-relay:dhcrelay jq:jq socat:socat
tcpdump:tcpdump mandoc:mandoc groff-base:groff bash-completion:/usr/share/bash-completion/bash_completion
clang:clang libclang-rt-14-dev:/usr/lib/llvm-14/lib/clang/14.0.6/lib/linux/libclang_rt.fuzzer-x86_64.a
valgrind:valgrind hyperfine:hyperfine util-linux:setpriv procps:pgrep psmisc:killall
python3:python3 man-db:man zsh:zsh kmod:modprobe iputils-ping:ping
iputils-arping:arping conntrack:conntrack"

present() {
	case $1 in
	pc:*) pkg-config --exists "${1#pc:}" 2>/dev/null ;;
	/*) [ -e "$1" ] ;;
	*) command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ] ;;
	esac
}

list=$build_pkgs
[ "$want" = test ] && list="$list $test_pkgs"

missing=""
for pair in $list; do
	pkg=${pair%%:*}
	probe=${pair#*:}
	present "$probe" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ]; then
	echo "scripts/deps.sh: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "scripts/deps.sh: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
# Keep postinst scripts from starting daemons on the host (see policy-rc.d(8)).
prc=/usr/sbin/policy-rc.d
made_prc=""
if [ ! -e "$prc" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$prc" && chmod 755 "$prc" && made_prc=1
fi
trap '[ -n "$made_prc" ] && rm -f "$prc"' EXIT
# shellcheck disable=SC2086
if ! apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1; then
	apt-get update -q >/dev/null
	apt-get install -y -q --no-install-recommends $missing >/dev/null
fi
