#!/bin/bash
# make install DESTDIR=... as a packager runs it: the tree it leaves, man
# pages that render without a warning, the installed bash and zsh
# completions driven as the shells drive them, the installed binary and
# its pbr-OBJECT names at work, and make uninstall leaving no file behind.
. "$ROOT/tests/lib.sh"

D=$(mktemp -d /tmp/pbr-install.XXXXXX)
trap 'rm -rf "$D"; cleanup' EXIT
DEST=$D/root
SBIN=$DEST/usr/sbin
MAN8=$DEST/usr/share/man/man8
BASHC=$DEST/usr/share/bash-completion/completions
ZSHC=$DEST/usr/share/zsh/vendor-completions

# The objects, as the binary lists them (help and version have no pages or names).
objects=$("$PBR" help | awk '/^Objects:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { on = 0 }' |
	grep -vx -e help -e version | tr '\n' ' ' | sed 's/ $//')
has "pbr help lists the objects" "table mark nat sysctl anyip" "$objects"

# The build under test: the sanitizer pass (BUILD=build-san) installs pbr-san.
mk=(make -C "$ROOT" -s)
[ "${BUILD:-build}" = build-san ] && mk+=(SAN=1)

files() { (cd "$DEST" 2>/dev/null && find . \( -type f -o -type l \) | sort); }
eq "before install: nothing in DESTDIR" "" "$(files)"
ok "make install DESTDIR=$DEST PREFIX=/usr" "${mk[@]}" install DESTDIR="$DEST" PREFIX=/usr

# ---- the tree ----
ok "/usr/sbin/pbr is an executable file" test -f "$SBIN/pbr" -a -x "$SBIN/pbr" -a ! -L "$SBIN/pbr"
for o in $objects; do
	eq "/usr/sbin/pbr-$o -> pbr" pbr "$(readlink "$SBIN/pbr-$o")"
done
ok "man page pbr.8" test -s "$MAN8/pbr.8"
for o in $objects; do
	ok "man page pbr-$o.8" test -s "$MAN8/pbr-$o.8"
done
eq "every page in man/ is installed" "$(cd "$ROOT/man" && ls ./*.8 | sort)" "$(cd "$MAN8" && ls ./*.8 | sort)"
ok "bash completion /usr/share/bash-completion/completions/pbr" test -s "$BASHC/pbr"
ok "zsh completion /usr/share/zsh/vendor-completions/_pbr" test -s "$ZSHC/_pbr"
for d in usr/share/iproute2 etc/iproute2; do
	ok "/$d/rt_protos.d/pbr.conf" cmp -s "$ROOT/man/pbr.conf" "$DEST/$d/rt_protos.d/pbr.conf"
done
has "rt_protos.d/pbr.conf names protocol 112 pbr" "112" "$(grep -w pbr "$DEST/etc/iproute2/rt_protos.d/pbr.conf")"

# ---- man pages: rendered by man, linted by groff and mandoc ----
# lint PAGE: every warning groff -ww and mandoc -W warning have, and man's stderr.
lint() {
	groff -ww -z -man "$1" 2>&1
	mandoc -T lint -W warning "$1" 2>&1
	MANWIDTH=80 man -l "$1" 2>&1 >/dev/null
}
printf '.TH BROKEN 8\n.SH NAME\nbroken \\- a page\n.XY not a macro\n.BR\n.TP\n' >"$D/broken.8"
ok "the linters do find warnings in a broken page" test -n "$(lint "$D/broken.8")"
for f in "$MAN8"/*.8; do
	n=$(basename "$f")
	eq "$n: no warnings from groff -ww, mandoc -W warning, man -l" "" "$(lint "$f")"
	has "$n: man -l renders its NAME section" "NAME" "$(MANWIDTH=80 man -l "$f" 2>/dev/null)"
done

# ---- the installed bash completion ----
ns_add r
N=$(ns r)
ip -n "$N" link add wan0 type veth peer name lan0
ip -n "$N" link set wan0 up
ip -n "$N" link set lan0 up
ok "a table to complete (with the installed binary)" "$SBIN/pbr" -n "$N" table add inst_tbl id 7102
# bcomp WORDS...: what the installed completion offers for the last word,
# loaded the way bash-completion loads it on demand (XDG_DATA_DIRS), with
# the installed binary first on PATH.
bcomp() {
	PATH=$SBIN:$PATH XDG_DATA_DIRS=$DEST/usr/share BASH_COMPLETION_USER_DIR=$D/none bash -c '
		. /usr/share/bash-completion/bash_completion 2>/dev/null
		__load_completion "$1" || { echo "no completion loaded for $1"; exit; }
		f=$(complete -p "$1" 2>/dev/null | sed -n "s/.*-F \([^ ]*\) .*/\1/p")
		[ -n "$f" ] || { echo "no completion function for $1"; exit; }
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		"$f" "$1" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"
	' _ "$@"
}
eq "before install's files are on the path: nothing completes pbr" "no completion loaded for pbr" \
	"$(XDG_DATA_DIRS=$D/none BASH_COMPLETION_USER_DIR=$D/none bash -c '
		. /usr/share/bash-completion/bash_completion 2>/dev/null
		BASH_SOURCE=x __load_completion pbr || echo "no completion loaded for pbr"')"
got=$(bcomp pbr "")
for o in $objects; do
	has "objects: $o" "$o" "$got"
done
eq "table commands" "add del dhcp flush help list route rule show" "$(bcomp pbr table "")"
eq "route keywords" "dev metric nexthop onlink src via weight" "$(bcomp pbr table route add inst_tbl default "")"
has "table names (from the installed binary's table)" "inst_tbl" "$(bcomp pbr -n "$N" table route add "")"
eq "devices inside -n NETNS" "lan0 lo wan0" "$(bcomp pbr -n "$N" table route add inst_tbl default dev "")"
eq "mark keywords" "dport dscp from iif mac-source not oif proto sport state sticky table to" "$(bcomp pbr mark add "")"
eq "pbr-table loads its completion by its own name" "add del dhcp flush help list route rule show" \
	"$(bcomp pbr-table "")"
eq "pbr-nat too" "dnat masquerade redirect snat" "$(bcomp pbr-nat add "")"
eq "pbr-explain: its words" "dport from iif mac-source mark proto reply sport state to" \
	"$(bcomp pbr-explain "")"
eq "pbr-show: help only" help "$(bcomp pbr-show "")"
eq "pbr-check: help only" help "$(bcomp pbr-check "")"

# ---- the installed zsh completion ----
ok "zsh: _pbr parses" zsh -n "$ZSHC/_pbr"
ok "zsh: compinit finds _pbr in the installed directory for pbr and every pbr-OBJECT" zsh -f -c "
	fpath=($ZSHC \$fpath); autoload -Uz compinit; compinit -u -d $D/zcompdump
	for c in pbr \${(s: :):-$(printf 'pbr-%s ' $objects)}; do [[ \${_comps[\$c]} == _pbr ]] || exit 1; done"

# ---- the installed binary and a pbr-OBJECT name ----
eq "installed pbr -V is this build's" "$("$PBR" -V)" "$("$SBIN/pbr" -V)"
ok "installed pbr-table adds a route" "$SBIN/pbr-table" -n "$N" route add inst_tbl default dev wan0
eq "ip sees it, proto pbr" "default dev wan0 proto pbr scope link" \
	"$(ip -n "$N" route show table inst_tbl | sed 's/ *$//')"
eq "installed pbr-table list shows what pbr table list shows" "$("$PBR" -n "$N" table list)" \
	"$("$SBIN/pbr-table" -n "$N" list)"
ok "installed pbr-table del" "$SBIN/pbr-table" -n "$N" del inst_tbl
eq "the table is gone" "" "$(ip -n "$N" route show table 7102 2>/dev/null)"

# ---- uninstall ----
ok "make uninstall DESTDIR=$DEST PREFIX=/usr" "${mk[@]}" uninstall DESTDIR="$DEST" PREFIX=/usr
eq "after uninstall: no file or link left" "" "$(files)"
