#!/usr/bin/env bash
# Container start-up, ps, exec and memory: ctool against podman and against
# bare bubblewrap on the same root filesystem, side by side in one run.
#
#   tests/setup/as-user bench/run.sh /tmp/build-rel/ctool
#
# Use a ctool built without sanitizers (its ctool-monitor next to it).
# Needs the test registry with the busybox fixture (tests/setup/registry.sh
# start). Environment: RUNS (default 30) runs per command, N_PS (default
# 100) containers for the ps measurement.
#
# Measured:
#   start   `run --rm --network none IMAGE true`: ctool; podman (runc,
#           cgroupfs, its own store); `bwrap --unshare-all` over the image's
#           extracted layer (namespaces + mounts + exec: the floor)
#   ps      `ctool ps` and `ctool ps -a` with N_PS running containers
#   exec    `exec CTR true` in a running container: ctool and podman
#   memory  peak RSS (/usr/bin/time -v) of ctool run, ctool ps; VmRSS of a
#           detached container's monitor (/proc/PID/status)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/setup/registry.conf"

die() { echo "bench/run.sh: $*" >&2; exit 1; }

CTOOL=${1:-${CTOOL:-}}
[ -n "$CTOOL" ] && [ -x "$CTOOL" ] || die "usage: bench/run.sh PATH/TO/ctool (a build without sanitizers)"
CTOOL=$(cd "$(dirname "$CTOOL")" && pwd)/$(basename "$CTOOL")
RUNS=${RUNS:-30}
N_PS=${N_PS:-100}
IMAGE=127.0.0.1:$CTOOL_TEST_REGISTRY_PORT/ctool-test/busybox:latest
for tool in hyperfine podman bwrap jq /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is missing: run tests/setup/install-packages.sh"
done
[ "$(id -u)" != 0 ] || die "run as an unprivileged user (tests/setup/as-user bench/run.sh ...): rootless is what is measured"

work=$(mktemp -d "${TMPDIR:-/tmp}/ctool-bench-run.XXXXXX")
runroot=${XDG_RUNTIME_DIR:-/tmp}/ctool-bench-run.$$
ctool=("$CTOOL" --root "$work/ctool" --runroot "$runroot")
podman=(podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay
        --runtime runc --cgroup-manager cgroupfs --events-backend file)
cleanup() {
  "${ctool[@]}" rm -a -f -t 0 >/dev/null 2>&1 || true
  "${ctool[@]}" system migrate >/dev/null 2>&1 || true  # the pause process
  "${podman[@]}" rm -a -f -t 0 >/dev/null 2>&1 || true
  "$CTOOL" unshare rm -rf "$work" "$runroot" 2>/dev/null || rm -rf "$work" "$runroot"
}
trap cleanup EXIT

quoted() { printf '%q ' "$@"; }
mean_ms() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .mean * 1000' "$1"; }
# User + system CPU time (ms): steadier than wall time on a busy machine.
cpu_ms() { jq -r --arg n "$2" '.results[] | select(.command == $n) | (.user + .system) * 1000' "$1"; }
peak_rss_kb() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'; }

echo "== preparing: $IMAGE into both stores"
"${ctool[@]}" pull -q --tls-verify=false "$IMAGE" >/dev/null
"${podman[@]}" pull -q --tls-verify=false "$IMAGE" >/dev/null
# The same root filesystem for bwrap: the image's extracted layer.
probe=$("${ctool[@]}" create "$IMAGE" true)
lower=$("${ctool[@]}" inspect --type container "$probe" | jq -r '.[0].GraphDriver.Data.LowerDir')
"${ctool[@]}" rm "$probe" >/dev/null
[ "${lower#*:}" = "$lower" ] || die "the fixture has several layers; bwrap needs one root directory"
# One run of each, so that a broken tool fails here and not in hyperfine.
"${ctool[@]}" run --rm --network none "$IMAGE" true
"${podman[@]}" run --rm --network none "$IMAGE" true
bwrap_cmd=(bwrap --unshare-all --ro-bind "$lower" / --proc /proc --dev /dev --tmpfs /tmp true)
"${bwrap_cmd[@]}"

echo "== start: run --rm --network none IMAGE true"
hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$work/start.json" \
  -n ctool "$(quoted "${ctool[@]}" run --rm --network none "$IMAGE" true)" \
  -n podman "$(quoted "${podman[@]}" run --rm --network none "$IMAGE" true)" \
  -n bwrap "$(quoted "${bwrap_cmd[@]}")"

echo "== exec: exec CTR true"
c_ctr=$("${ctool[@]}" run -d --network none "$IMAGE" sleep 100000)
p_ctr=$("${podman[@]}" run -d --network none "$IMAGE" sleep 100000)
hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$work/exec.json" \
  -n "ctool exec" "$(quoted "${ctool[@]}" exec "$c_ctr" true)" \
  -n "podman exec" "$(quoted "${podman[@]}" exec "$p_ctr" true)"
monitor=$("${ctool[@]}" inspect --type container "$c_ctr" | jq -r '.[0].State.ConmonPid')
monitor_rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$monitor/status")
"${ctool[@]}" rm -f -t 0 "$c_ctr" >/dev/null
"${podman[@]}" rm -f -t 0 "$p_ctr" >/dev/null

echo "== ps with $N_PS running containers"
for _ in $(seq "$N_PS"); do "${ctool[@]}" run -d --network none "$IMAGE" sleep 100000 >/dev/null; done
[ "$("${ctool[@]}" ps -q | wc -l)" -eq "$N_PS" ] || die "expected $N_PS running containers"
hyperfine -N --style basic --warmup 3 --runs "$RUNS" --export-json "$work/ps.json" \
  -n "ctool ps" "$(quoted "${ctool[@]}" ps)" \
  -n "ctool ps -a" "$(quoted "${ctool[@]}" ps -a)"
rss_ps=$(peak_rss_kb "${ctool[@]}" ps -a)
"${ctool[@]}" stop -a -t 0 >/dev/null
"${ctool[@]}" rm -a >/dev/null
rss_run=$(peak_rss_kb "${ctool[@]}" run --rm --network none "$IMAGE" true)

c=$(mean_ms "$work/start.json" ctool); cc=$(cpu_ms "$work/start.json" ctool)
p=$(mean_ms "$work/start.json" podman); pc=$(cpu_ms "$work/start.json" podman)
b=$(mean_ms "$work/start.json" bwrap); bc_=$(cpu_ms "$work/start.json" bwrap)
ce=$(mean_ms "$work/exec.json" "ctool exec"); cec=$(cpu_ms "$work/exec.json" "ctool exec")
pe=$(mean_ms "$work/exec.json" "podman exec"); pec=$(cpu_ms "$work/exec.json" "podman exec")
ps1=$(mean_ms "$work/ps.json" "ctool ps"); ps1c=$(cpu_ms "$work/ps.json" "ctool ps")
ps2=$(mean_ms "$work/ps.json" "ctool ps -a"); ps2c=$(cpu_ms "$work/ps.json" "ctool ps -a")
r() { echo "$1 / $2" | bc -l; }
echo
echo "== summary ($(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1 /proc/loadavg), $RUNS runs each)"
echo "   mean wall time, and in brackets user+system CPU time of the command and its children"
printf '| measure | ctool | podman | bwrap | ratios (wall; CPU) |\n|---|---|---|---|---|\n'
printf '| run --rm --network none true | %.1f ms (%.1f) | %.1f ms (%.1f) | %.1f ms (%.1f) | ctool/bwrap %.1fx; %.1fx (goal <= 2x), podman/ctool %.1fx; %.1fx (goal >= 10x) |\n' \
  "$c" "$cc" "$p" "$pc" "$b" "$bc_" "$(r "$c" "$b")" "$(r "$cc" "$bc_")" "$(r "$p" "$c")" "$(r "$pc" "$cc")"
printf '| exec CTR true | %.1f ms (%.1f) | %.1f ms (%.1f) | | podman/ctool %.1fx; %.1fx (goal >= 5x) |\n' \
  "$ce" "$cec" "$pe" "$pec" "$(r "$pe" "$ce")" "$(r "$pec" "$cec")"
printf '| ps / ps -a, %d running | %.1f (%.1f) / %.1f ms (%.1f) | | | (goal < 20 ms) |\n' "$N_PS" "$ps1" "$ps1c" "$ps2" "$ps2c"
printf '| peak RSS of ctool run / ctool ps -a | %.1f / %.1f MB | | | (goal < 5 MB) |\n' \
  "$(echo "$rss_run / 1024" | bc -l)" "$(echo "$rss_ps / 1024" | bc -l)"
printf '| VmRSS of a monitor | %.2f MB | | | (goal < 1.5 MB) |\n' "$(echo "$monitor_rss / 1024" | bc -l)"

# For bench/all.sh: medians (ms), CPU time (ms), sizes (kB).
if [ -n "${BENCH_RESULTS:-}" ]; then
  median_ms() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$1"; }
  {
    for tool in ctool podman bwrap; do
      echo "start.none.$tool.ms $(median_ms "$work/start.json" "$tool")"
      echo "start.none.$tool.cpu_ms $(cpu_ms "$work/start.json" "$tool")"
    done
    echo "exec.ctool.ms $(median_ms "$work/exec.json" "ctool exec")"
    echo "exec.podman.ms $(median_ms "$work/exec.json" "podman exec")"
    echo "rss.run.ctool.kb $rss_run"
    echo "monitor.rss.ctool.kb $monitor_rss"
  } >> "$BENCH_RESULTS"
fi
