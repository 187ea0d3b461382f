#!/usr/bin/env bash
# Many containers: `ps` with 1, 10 and 100 running containers, ctool and
# podman side by side (one hyperfine run per count), the peak RSS of `ps`,
# and the memory of the per-container monitors (ctool's monitor, podman's
# conmon): VmRSS and VmHWM from /proc/PID/status, medians over all of them.
#
#   tests/setup/as-user bench/ps.sh /tmp/build-rel/ctool
#
# Use a ctool built without sanitizers. Needs the test registry with the
# busybox fixture. Environment: COUNTS (default "1 10 100"), RUNS (default
# 20), WARMUP (default 3), BENCH_IMAGE (default ctool-test/busybox:latest),
# BENCH_RESULTS (see bench/all.sh).
set -euo pipefail
bench_name=ps.sh
bench_usage="bench/ps.sh PATH/TO/ctool (a build without sanitizers)"
. "$(dirname "$0")/lib.sh"

image=$REGISTRY/${BENCH_IMAGE:-ctool-test/busybox:latest}
COUNTS=${COUNTS:-1 10 100}
need_image "$image"
pull_both "$image"

running=0
for n in $COUNTS; do
  echo "== starting containers: $running -> $n of each tool"
  while [ "$running" -lt "$n" ]; do
    "${ctool[@]}" run -d --network none "$image" sleep 100000 >/dev/null
    "${podman[@]}" run -d --network none "$image" sleep 100000 >/dev/null
    running=$((running + 1))
  done
  [ "$("${ctool[@]}" ps -q | wc -l)" -eq "$n" ] || die "ctool ps does not list $n running containers"
  [ "$("${podman[@]}" ps -q | wc -l)" -eq "$n" ] || die "podman ps does not list $n running containers"
  hyperfine -N --style basic --warmup "$WARMUP" --runs "$RUNS" --export-json "$bench_work/ps-$n.json" \
    -n "ctool ps" "$(quoted "${ctool[@]}" ps)" \
    -n "podman ps" "$(quoted "${podman[@]}" ps)"
  result "ps.$n.ctool.ms" "$(median_ms "$bench_work/ps-$n.json" "ctool ps")"
  result "ps.$n.podman.ms" "$(median_ms "$bench_work/ps-$n.json" "podman ps")"
done
result ps.counts "${COUNTS// /,}"

echo "== memory with $running containers of each tool"
rss_c=$(peak_rss_kb "${ctool[@]}" ps -a)
rss_p=$(peak_rss_kb "${podman[@]}" ps -a)
result rss.ps.ctool.kb "$rss_c"
result rss.ps.podman.kb "$rss_p"
echo "peak RSS of ps -a: ctool $rss_c kB, podman $rss_p kB"

# The monitors' PIDs as each tool reports them.
monitors() { "$@" ps -q --no-trunc | xargs "$@" inspect --format '{{.State.ConmonPid}}'; }
status_kb() { awk -v f="$1:" '$1 == f { print $2 }' "/proc/$2/status"; }
for tool in ctool podman; do
  if [ "$tool" = ctool ]; then pids=$(monitors "${ctool[@]}"); else pids=$(monitors "${podman[@]}"); fi
  [ -n "$pids" ] || die "$tool reports no monitor PIDs"
  rss=$(for p in $pids; do status_kb VmRSS "$p"; done | median)
  hwm=$(for p in $pids; do status_kb VmHWM "$p"; done | median)
  result "monitor.rss.$tool.kb" "$rss"
  result "monitor.hwm.$tool.kb" "$hwm"
  echo "$tool monitors ($(echo "$pids" | wc -w)): median VmRSS $rss kB, VmHWM $hwm kB"
done
