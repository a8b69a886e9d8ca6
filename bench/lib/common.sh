# Shared by bench/*.sh: a throwaway network and mount namespace (with a
# private /etc/iproute2 and lock directory), hyperfine, medians, ratios.
# Source it first thing; it re-executes the script inside the namespaces.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PBR=${PBR:-$ROOT/pbr}
if [ -z "${PBR_BENCH_NS:-}" ]; then
	export PBR_BENCH_NS=1
	exec unshare --net --mount --propagation private "$0" "$@"
fi
d=$(mktemp -d /tmp/pbr-bench.XXXXXX)
trap 'rm -rf "$d"' EXIT
cp -a /etc/iproute2/. "$d/etc"
mount -t tmpfs pbr-bench /etc/iproute2
cp -a "$d/etc/." /etc/iproute2/
mount -t tmpfs pbr-bench-lock /run/lock
ip link set lo up

# hf OUT.json HYPERFINE-ARGS...: commands exec'd directly (-N); hyperfine's
# chatter is shown only if it fails.
hf() {
	local out=$1
	shift
	hyperfine -N --style none --warmup 3 --export-json "$out" "$@" >"$d/hf.log" 2>&1 ||
		{ cat "$d/hf.log" >&2; return 1; }
}
median() { jq '.results[0].median * 1000000 | floor' "$1"; }
ratio() { echo "$1 / $2" | bc -l; }
