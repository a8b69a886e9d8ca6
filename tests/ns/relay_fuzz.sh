#!/bin/bash
# A bounded libFuzzer run over lib/dhcp.c (make fuzz runs it longer):
# no crash, no sanitizer report, and it really executed inputs.
. "$ROOT/tests/lib.sh"
bin=$ROOT/${BUILD:-build}/fuzz-dhcp
secs=${PBR_FUZZ_SECONDS:-10}
if [ ! -x "$bin" ]; then
	fail "fuzz-dhcp is built (make check builds it with clang)"
	exit 0
fi
work=$(mktemp -d /tmp/pbr-fuzz.XXXXXX)
cp "$ROOT"/tests/fuzz/corpus/dhcp/* "$work/"
(cd "$work" && "$bin" -max_total_time="$secs" -print_final_stats=1 "$work" >"$work.log" 2>&1)
rc=$?
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
eq "fuzz-dhcp ran ${secs}s without a crash (exit 0)" 0 "$rc"
ok "it executed inputs (${execs:-0})" test "${execs:-0}" -gt 1000
hasnt "no sanitizer report" "ERROR:" "$(cat "$work.log")"
[ "$rc" = 0 ] || tail -30 "$work.log"
echo "     fuzz-dhcp: ${execs:-0} executions in ${secs}s, corpus $(ls "$work" | wc -l) inputs"
rm -rf "$work" "$work.log"
