#!/bin/bash
# Bounded libFuzzer runs over what pbr reads from anyone but root's own
# hands (make fuzz runs them longer): the whole command line of every
# object, batch files, DHCP hook environments, prefix files. No crash, no
# leak, no undefined behaviour, and each really executed inputs. (The DHCP
# packet parser has its own: relay_fuzz.sh.)
. "$ROOT/tests/lib.sh"
secs=${PBR_FUZZ_SECONDS:-8}
for t in argv batch lease prefix; do
	bin=$ROOT/${BUILD:-build}/fuzz-$t
	if [ ! -x "$bin" ]; then
		fail "fuzz-$t is built (make check builds it with clang)"
		continue
	fi
	work=$(mktemp -d /tmp/pbr-fuzz.XXXXXX)
	cp "$ROOT"/tests/fuzz/corpus/"$t"/* "$work/"
	(cd "$work" && "$bin" -max_total_time="$secs" -print_final_stats=1 "$work" >"$work.log" 2>&1)
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work.log")
	eq "fuzz-$t ran ${secs}s without a crash, leak or UB report (exit 0)" 0 "$rc"
	ok "fuzz-$t executed inputs (${execs:-0})" test "${execs:-0}" -gt 1000
	hasnt "fuzz-$t: no sanitizer report" "ERROR:" "$(cat "$work.log")"
	[ "$rc" = 0 ] || tail -30 "$work.log"
	echo "     fuzz-$t: ${execs:-0} executions in ${secs}s, corpus $(ls "$work" | wc -l) inputs"
	rm -rf "$work" "$work.log"
done
