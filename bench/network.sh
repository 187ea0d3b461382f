#!/usr/bin/env bash
# Container start with the default network against --network none, ctool
# and podman side by side in one hyperfine run: what the network helper
# (slirp4netns for both, rootless) adds to a start.
#
#   tests/setup/as-user bench/network.sh /tmp/build-rel/ctool
#
# Use a ctool built without sanitizers. Needs the test registry with the
# busybox fixture. Environment: RUNS (default 20), WARMUP (default 3),
# BENCH_IMAGE (default ctool-test/busybox:latest), BENCH_RESULTS (see bench/all.sh).
set -euo pipefail
bench_name=network.sh
bench_usage="bench/network.sh PATH/TO/ctool (a build without sanitizers)"
. "$(dirname "$0")/lib.sh"

image=$REGISTRY/${BENCH_IMAGE:-ctool-test/busybox:latest}
need_image "$image"
pull_both "$image"

# Which network a default container gets: the interfaces it sees besides lo.
interfaces() { "$@" run --rm "$image" sh -c 'ls /sys/class/net | grep -vx lo | tr "\n" " "'; }
c_if=$(interfaces "${ctool[@]}")
p_if=$(interfaces "${podman[@]}")
echo "== default network: ctool sees '${c_if:-lo only}', podman sees '${p_if:-lo only}'"
result start.net.ctool.interfaces "${c_if:-none}"

hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$bench_work/net.json" \
  -n "ctool default" "$(quoted "${ctool[@]}" run --rm "$image" true)" \
  -n "ctool none" "$(quoted "${ctool[@]}" run --rm --network none "$image" true)" \
  -n "podman default" "$(quoted "${podman[@]}" run --rm "$image" true)" \
  -n "podman none" "$(quoted "${podman[@]}" run --rm --network none "$image" true)"

for tool in ctool podman; do
  net=$(median_ms "$bench_work/net.json" "$tool default")
  none=$(median_ms "$bench_work/net.json" "$tool none")
  result "start.net.$tool.ms" "$net"
  result "netcost.$tool.ms" "$(echo "$net - $none" | bc -l)"
  printf '%-6s default network %7.1f ms, none %7.1f ms: the network adds %6.1f ms (medians)\n' \
    "$tool" "$net" "$none" "$(echo "$net - $none" | bc -l)"
done
