#!/bin/bash
# make check: the whole suite with the plain build, then again with the
# AddressSanitizer + UndefinedBehaviorSanitizer build (the fuzzers, which
# carry their own sanitizers, and the valgrind run, which needs the plain
# build, run in the first pass only). The last line totals both passes:
# "N passed, N failed"; the exit status is non-zero on any failure.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 1
log=$(mktemp /tmp/pbr-check.XXXXXX)
trap 'rm -f "$log"' EXIT

# counts: "P F" from a run's last line ("1 1" when it has none: a failure).
counts() {
	tail -1 "$log" | sed -n 's/^\([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' | grep . || echo "0 1"
}

echo "==== plain build"
tests/run 2>&1 | tee "$log"
read -r p1 f1 < <(counts)

echo "==== AddressSanitizer + UBSan build"
if make -s SAN=1 pbr-san build-san/unit build-san/unit-dhcp >/dev/null; then
	env BUILD=build-san PBR="$ROOT/pbr-san" PBR_SKIP="fuzz relay_fuzz relay_valgrind" \
		tests/run 2>&1 | tee "$log"
	read -r p2 f2 < <(counts)
else
	echo "the sanitizer build failed"
	p2=0 f2=1
fi
echo "==== plain: $p1 passed, $f1 failed; sanitizers: $p2 passed, $f2 failed"
echo "$((p1 + p2)) passed, $((f1 + f2)) failed"
[ $((f1 + f2)) = 0 ]
