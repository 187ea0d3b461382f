# Shared by the benchmark scripts (sourced): the tools, the test registry,
# podman as this host runs it rootless, and small helpers.
#
# Sets CTOOL (absolute), REGISTRY (127.0.0.1:PORT), RUNS, WARMUP, and the
# arrays ctool=(CTOOL --root --runroot of this run) and podman=(podman with a
# store of this run, runc, cgroupfs); `bench_cleanup` (on EXIT) removes the
# containers, the stores and a podman pause process this run started.
# Expects bench_name (for messages) and the script's usage in bench_usage.

bench_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$bench_here/../tests/setup/registry.conf"

die() { echo "bench/$bench_name: $*" >&2; exit 1; }

CTOOL=${1:-${CTOOL:-}}
[ -n "$CTOOL" ] && [ -x "$CTOOL" ] || die "usage: $bench_usage"
CTOOL=$(cd "$(dirname "$CTOOL")" && pwd)/$(basename "$CTOOL")
REGISTRY=127.0.0.1:$CTOOL_TEST_REGISTRY_PORT
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
for tool in hyperfine podman jq skopeo /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is missing: run tests/setup/install-packages.sh"
done
[ "$(id -u)" != 0 ] || die "run as an unprivileged user (tests/setup/as-user bench/$bench_name ...): rootless is what is measured"

bench_work=$(mktemp -d "${TMPDIR:-/tmp}/ctool-bench-$bench_name.XXXXXX")
bench_runroot=${XDG_RUNTIME_DIR:-/tmp}/ctool-bench-$bench_name.$$
ctool=("$CTOOL" --root "$bench_work/ctool" --runroot "$bench_runroot")
podman=(podman --root "$bench_work/podman/root" --runroot "$bench_work/podman/run" --storage-driver overlay
        --runtime runc --cgroup-manager cgroupfs --events-backend file)

# Rootless podman keeps one pause process per user: stop it afterwards when
# this run started it.
bench_pause_file=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/libpod/tmp/pause.pid
bench_pause_before=$(cat "$bench_pause_file" 2>/dev/null || true)

bench_cleanup() {
  "${ctool[@]}" rm -a -f -t 0 >/dev/null 2>&1 || true
  "${ctool[@]}" system migrate >/dev/null 2>&1 || true  # the pause process
  "${podman[@]}" rm -a -f -t 0 >/dev/null 2>&1 || true
  # Layers hold files of subordinate IDs: remove them in a namespace mapping those.
  "$CTOOL" unshare rm -rf "$bench_work" "$bench_runroot" 2>/dev/null || rm -rf "$bench_work" "$bench_runroot" 2>/dev/null || true
  local pid
  pid=$(cat "$bench_pause_file" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$pid" != "$bench_pause_before" ]; then
    kill "$pid" 2>/dev/null || true
  fi
}
trap bench_cleanup EXIT

# hyperfine takes command lines: quote every word.
quoted() { printf '%q ' "$@"; }

# A figure for bench/all.sh: result KEY VALUE (appended to $BENCH_RESULTS).
result() {
  [ -z "${BENCH_RESULTS:-}" ] || echo "$1 $2" >> "$BENCH_RESULTS"
}

# The median wall time (ms) of command NAME in a hyperfine JSON export.
median_ms() { jq -r --arg n "$2" '.results[] | select(.command == $n) | .median * 1000' "$1"; }

# Peak RSS (kB) of one command, from /usr/bin/time -v.
peak_rss_kb() { /usr/bin/time -v "$@" 2>&1 >/dev/null | awk -F': ' '/Maximum resident set size/ { print $2 }'; }

# The median of numbers, one per line on stdin.
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'; }

# Fail early, with the registry's answer, when REF is not there.
need_image() {
  skopeo inspect --tls-verify=false --raw "docker://$1" >/dev/null 2>&1 ||
    die "$1 is not in the registry: run tests/setup/registry.sh start and tests/fixtures/build-images.sh big (as root)"
}

# Pull REF into this run's ctool and podman stores.
pull_both() {
  "${ctool[@]}" pull -q --tls-verify=false "$1" >/dev/null
  "${podman[@]}" pull -q --tls-verify=false "$1" >/dev/null
}
