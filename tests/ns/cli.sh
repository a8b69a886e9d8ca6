#!/bin/bash
# The command line around the objects: help, version, pbr-OBJECT names,
# JSON, batches (all or nothing), --dry-run, -v and -q.
. "$ROOT/tests/lib.sh"

ns_add r peer
veth r v1 peer p1
addr r v1 10.0.1.2/24
addr peer p1 10.0.1.1/24
R=$(ns r)

has "pbr help lists the objects" "table" "$("$PBR" help)"
has "pbr -h is the same" "Usage: pbr" "$("$PBR" -h)"
has "pbr table help" "pbr table route" "$("$PBR" table help)"
has "pbr help sysctl" "pbr sysctl set" "$("$PBR" help sysctl)"
eq "pbr version" "pbr $(sed -n 's/^VERSION *:= *//p' "$ROOT/Makefile")" "$("$PBR" version)"
eq "pbr -V" "$("$PBR" version)" "$("$PBR" -V)"

d=$(mktemp -d)
ln -s "$PBR" "$d/pbr-table"
ln -s "$PBR" "$d/pbr-sysctl"
ok "table add via pbr-table" "$d/pbr-table" -n "$R" add viaargv0 id 7600
eq "pbr-table list == pbr table list" "$(p r -j table list)" "$("$d/pbr-table" -n "$R" -j list)"
eq "pbr-sysctl get == pbr sysctl get" "$(p r sysctl get net.ipv4.ip_forward)" "$("$d/pbr-sysctl" -n "$R" get net.ipv4.ip_forward)"
rm -rf "$d"
ok "table del viaargv0" p r table del viaargv0

eq "empty list is [] in JSON" "[]" "$(p r -j table list)"
ok "-p is pretty, valid JSON" jq -e . <<<"$(p r -p sysctl show)"
ok "-p output spans lines" test "$(p r -p sysctl show | wc -l)" -gt 3

# --dry-run prints the commands and changes nothing.
before=$(state r)
out=$(p r --dry-run table add dry id 7601)
has "dry-run prints the names file change" "7601 dry" "$out"
eq "dry-run changed nothing" "$before" "$(state r)"
ok "table add dry" p r table add dry id 7601
out=$(p r --dry-run table rule add dry from 10.9.0.0/16)
eq "dry-run prints the ip command" "ip -n $R rule add from 10.9.0.0/16 lookup dry pref 4100 proto pbr" "$out"
eq "dry-run still changed nothing" 0 "$(ip -n "$R" -j rule | jq '[.[] | select(.table=="dry")] | length')"
ok "the printed command does what pbr would" sh -c "$out"
eq "pbr sees that rule as its own" "unchanged" "$(p r -v table rule add dry from 10.9.0.0/16)"

# -v and -q
out=$(p r -v table route add dry default via 10.0.1.1 dev v1)
has "-v prints what changed" "route add default via 10.0.1.1 dev v1 table dry proto pbr" "$out"
eq "-v on a no-op says unchanged" "unchanged" "$(p r -v table route add dry default via 10.0.1.1 dev v1)"
eq "-q prints nothing" "" "$(p r -q table route add dry 10.5.0.0/16 via 10.0.1.1 2>&1)"
bad "-v with -q" r -q "$PBR" -n "$R" -v -q table list

# Batches: every line checked first; all or nothing.
b=$(mktemp)
cat >"$b" <<'B'
# seed 003 as a batch
table add sunusroute id 7375
table route add sunusroute default via 10.0.1.1 dev v1

table rule add sunusroute from 192.168.1.169   # the MacBook
B
twice "batch file" r p r -b "$b"
eq "batch applied every line" "1 1" "$(ip -n "$R" -j rule | jq '[.[] | select(.table=="sunusroute")] | length') $(ip -n "$R" -j route show table sunusroute | jq length)"
cat >"$b" <<'B'
table rule add sunusroute from 192.168.1.170
table route add sunusroute 10.7.0.0/16 via 10.0.1.1
table rule add sunusroute from 192.168.1.300
B
bad "batch with a bad third line" r 192.168.1.300 p r -b "$b"
has "the error names the line" "line 3" "$(p r -b "$b" 2>&1)"
eq "no line of it was applied" 0 "$(ip -n "$R" -j rule | jq '[.[] | select(.src=="192.168.1.170")] | length')"
printf 'table rule add sunusroute from 192.168.1.171\n' | p r -b - >/dev/null
eq "batch from stdin" 1 "$(ip -n "$R" -j rule | jq '[.[] | select(.src=="192.168.1.171")] | length')"
cat >"$b" <<'B'
table rule add sunusroute from 192.168.1.172
table rule add sunusroute from bogus
table rule add sunusroute from 192.168.1.173
B
out=$(p r --force -b "$b" 2>&1)
eq "--force: bad lines make the exit status 2" 2 $?
has "--force reports the bad line" "line 2" "$out"
eq "--force applies the good lines" "1 1" "$(ip -n "$R" -j rule | jq '[.[] | select(.src=="192.168.1.172")] | length') $(ip -n "$R" -j rule | jq '[.[] | select(.src=="192.168.1.173")] | length')"
bad "leading pbr in a batch line" r pbr sh -c "echo 'pbr table list' | '$PBR' -n '$R' -b -"

# All or nothing at apply time too: the kernel refuses line 4 (a gateway
# that is not on a connected network passes pbr's checks but not the
# kernel's) after lines 1-3 planned routes, rules, a name and nftables.
cat >"$b" <<'B'
table add allornot id 7700
table route add allornot default via 10.0.1.1 dev v1
mark add table allornot proto tcp dport 8025 sticky
table route add allornot 10.60.0.0/16 via 10.99.99.99 dev v1
table rule add allornot from 192.168.1.180
B
before=$(state r)
err=$(p r -b "$b" 2>&1)
eq "kernel refusal in a batch: exit 1" 1 $?
has "it names the line and the command" "line 4: ip -n $R route add 10.60.0.0/16 via 10.99.99.99" "$err"
eq "kernel refusal in a batch: nothing of it stays (routes, rules, name, nftables)" "$before" "$(state r)"
# And when the nftables transaction is what fails, after the routes and
# rules went in: they are taken out again.
head -3 "$b" >"$b.2"
err=$(PBR_TEST_FAIL_COMMIT=1 p r -b "$b.2" 2>&1)
eq "nftables refusal after rtnetlink changes: exit 1" 1 $?
has "it says nft" "nft" "$err"
eq "nftables refusal: the routes, rules and name it made are undone" "$before" "$(state r)"
ok "without the fault the same batch applies" p r -b "$b.2"
eq "and makes the route, the rule and the policy" "1 1 1" \
	"$(ip -n "$R" -j route show table allornot | jq length) $(ip -n "$R" -j rule | jq '[.[] | select(.table == "allornot")] | length') $(p r -j mark list | jq length)"
ok "clean up" p r -b - <<'B'
mark del table allornot proto tcp dport 8025 sticky
table del allornot
B
rm -f "$b" "$b.2"
