#!/usr/bin/env bash
# Pull benchmark: ctool against podman, side by side in one run, each into
# an empty store, from the local test registry (plain HTTP, 127.0.0.1).
#
#   tests/setup/as-user bench/pull.sh /tmp/build-rel/ctool
#
# Use a ctool built without sanitizers. Needs the test registry and its
# fixtures: tests/setup/registry.sh start; tests/fixtures/build-images.sh big.
# Environment: RUNS (default 7) rounds, IMAGES (default
# "ctool-test/busybox:latest ctool-test/big:latest"), BENCH_RESULTS (a file:
# the figures are appended to it as "KEY VALUE" lines, for bench/all.sh).
#
# Podman runs as the same user with its own empty storage (--root and
# --runroot, the overlay driver), runc and cgroupfs, as this host needs.
# Each round times one ctool and one podman pull with hyperfine (interleaved,
# so that load from elsewhere hits both alike); the summary gives the
# medians, the speed-up and the peak RSS (/usr/bin/time -v) of one more pull
# each.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tests/setup/registry.conf"

die() { echo "bench/pull.sh: $*" >&2; exit 1; }

CTOOL=${1:-${CTOOL:-}}
[ -n "$CTOOL" ] && [ -x "$CTOOL" ] || die "usage: bench/pull.sh PATH/TO/ctool (a build without sanitizers)"
CTOOL=$(cd "$(dirname "$CTOOL")" && pwd)/$(basename "$CTOOL")
RUNS=${RUNS:-7}
IMAGES=${IMAGES:-ctool-test/busybox:latest ctool-test/big:latest}
registry=127.0.0.1:$CTOOL_TEST_REGISTRY_PORT
for tool in hyperfine podman skopeo /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is missing: run tests/setup/install-packages.sh"
done
[ "$(id -u)" != 0 ] || die "run as an unprivileged user (tests/setup/as-user bench/pull.sh ...): rootless is what is measured"

work=$(mktemp -d "${TMPDIR:-/tmp}/ctool-bench-pull.XXXXXX")
# Layers hold files owned by subordinate IDs: remove them from a user
# namespace that maps those IDs.
wipe() { "$CTOOL" unshare rm -rf "$work/ctool" "$work/podman"; }
# Rootless podman keeps a pause process per user; stop it afterwards when
# this run started it.
pause_pid_file=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/libpod/tmp/pause.pid
pause_before=$(cat "$pause_pid_file" 2>/dev/null || true)
cleanup() {
  wipe
  rm -rf "$work"
  local pid
  pid=$(cat "$pause_pid_file" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$pid" != "$pause_before" ]; then
    kill "$pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT

ctool_pull=("$CTOOL" --root "$work/ctool/root" --runroot "$work/ctool/run" pull -q --tls-verify=false)
podman_pull=(podman --root "$work/podman/root" --runroot "$work/podman/run" --storage-driver overlay
             --runtime runc --cgroup-manager cgroupfs --events-backend file pull -q --tls-verify=false)
# hyperfine takes command lines: quote every word.
quoted() { printf '%q ' "$@"; }
wipe_cmd=$(quoted "$CTOOL" unshare rm -rf "$work/ctool" "$work/podman")

# Peak RSS in kB of one pull into an empty store.
peak_rss() {
  wipe
  /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'
}

# "median min max" in seconds of one command's times over all rounds.
stats_of() { # NAME JSON...
  local name=$1; shift
  jq -rs --arg n "$name" '[.[].results[] | select(.command == $n) | .times[]] | sort
    | "\(.[length / 2 | floor]) \(.[0]) \(.[-1])"' "$@"
}

summary=()
for image in $IMAGES; do
  ref=$registry/$image
  manifest=$(skopeo inspect --tls-verify=false --raw "docker://$ref" 2>/dev/null) ||
    die "$ref is not in the registry: run tests/setup/registry.sh start and tests/fixtures/build-images.sh big"
  echo "== $ref: $(jq '.layers | length' <<< "$manifest") layers, $(jq '[.layers[].size] | add / 1000000 | floor' <<< "$manifest") MB compressed"
  # Warm up (registry page cache, binaries), then RUNS rounds of one ctool
  # and one podman pull each: interleaved, so that load from elsewhere on
  # the machine hits both alike.
  wipe; "${ctool_pull[@]}" "$ref" >/dev/null
  wipe; "${podman_pull[@]}" "$ref" >/dev/null
  jsons=()
  for round in $(seq 1 "$RUNS"); do
    json=$work/${image//[\/:]/_}-$round.json
    hyperfine --style none --runs 1 --prepare "$wipe_cmd" --export-json "$json" \
      -n ctool "$(quoted "${ctool_pull[@]}" "$ref")" \
      -n podman "$(quoted "${podman_pull[@]}" "$ref")" >/dev/null
    jsons+=("$json")
  done
  read -r c c_min c_max < <(stats_of ctool "${jsons[@]}")
  read -r p p_min p_max < <(stats_of podman "${jsons[@]}")
  printf 'ctool  pull: median %6.3f s  (min %6.3f, max %6.3f, %d runs)\n' "$c" "$c_min" "$c_max" "$RUNS"
  printf 'podman pull: median %6.3f s  (min %6.3f, max %6.3f, %d runs)\n' "$p" "$p_min" "$p_max" "$RUNS"
  c_rss=$(peak_rss "${ctool_pull[@]}" "$ref")
  p_rss=$(peak_rss "${podman_pull[@]}" "$ref")
  if [ -n "${BENCH_RESULTS:-}" ]; then
    key=pull.$(basename "${image%%:*}")
    printf '%s.ctool.s %s\n%s.podman.s %s\n%s.ctool.rss_kb %s\n%s.podman.rss_kb %s\n' \
      "$key" "$c" "$key" "$p" "$key" "$c_rss" "$key" "$p_rss" >> "$BENCH_RESULTS"
  fi
  summary+=("$(printf '%-28s ctool %6.3f s  podman %6.3f s  speed-up %4.2fx  peak RSS ctool %5.1f MB  podman %5.1f MB' \
    "$image" "$c" "$p" "$(echo "$p / $c" | bc -l)" "$(echo "$c_rss / 1024" | bc -l)" "$(echo "$p_rss / 1024" | bc -l)")")
done

echo
echo "== summary (medians; $(nproc) CPUs, $(uname -r), load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "   goal for the ~100 MB image: >= 1.5x podman, peak RSS < 30 MB"
printf '%s\n' "${summary[@]}"
