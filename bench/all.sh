#!/usr/bin/env bash
# Every benchmark in one run, ctool side by side with podman (and bare
# bubblewrap as the floor), on this machine and the local test registry's
# images; one Markdown table of absolute numbers and ratios, printed and
# written to a file. `make bench` runs it.
#
#   bench/all.sh [--smoke] [-o FILE] [--update-readme] [CTOOL]
#
#   CTOOL            the ctool binary (default: $CTOOL); a build without
#                    sanitizers, with its ctool-monitor next to it
#   --smoke          one iteration of each measurement and few containers:
#                    checks that every script works (the test suite runs
#                    this; its numbers mean nothing)
#   -o FILE          where the table goes too (default bench/results/latest.md
#                    in the source tree)
#   --update-readme  also replace the README's benchmark table with this one
#
# As root it prepares what it needs (the registries, the fixture images
# including ctool-test/big) and runs the measurements as the unprivileged
# test user (tests/setup/as-user). As any other user it measures as that
# user; the registry must be running then.
#
# The parts, each usable on its own: bench/run.sh (start with --network
# none against podman and bwrap, exec, RSS of run and of a monitor),
# bench/network.sh (start with the default network), bench/ps.sh (ps with
# 1, 10, 100 containers, monitors' memory), bench/pull.sh (pulls into an
# empty store), bench/disk.sh (store size after two images sharing layers).
# Environment: RUNS (default 20; pulls: PULL_RUNS, default 7).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/.." && pwd)
. "$top/tests/setup/registry.conf"

die() { echo "bench/all.sh: $*" >&2; exit 1; }
usage="usage: bench/all.sh [--smoke] [-o FILE] [--update-readme] [CTOOL]"

smoke=0 out=$here/results/latest.md update_readme=0 CTOOL=${CTOOL:-}
while [ $# -gt 0 ]; do
  case $1 in
    --smoke) smoke=1 ;;
    -o) [ $# -ge 2 ] || die "$usage"; out=$2; shift ;;
    -o*) out=${1#-o} ;;
    --update-readme) update_readme=1 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1; $usage" ;;
    *) CTOOL=$1 ;;
  esac
  shift
done
[ -n "$CTOOL" ] && [ -x "$CTOOL" ] || die "no ctool binary given; $usage"
CTOOL=$(cd "$(dirname "$CTOOL")" && pwd)/$(basename "$CTOOL")
case $out in /*) ;; *) out=$PWD/$out ;; esac

# The README's table sits between two marker comments; replace what is
# between them with FILE.
update_readme_from() {
  local readme=$top/README.md
  grep -q '^<!-- bench-table:start -->$' "$readme" && grep -q '^<!-- bench-table:end -->$' "$readme" ||
    die "README.md has no <!-- bench-table:start --> / <!-- bench-table:end --> markers"
  awk -v f="$1" '
    /^<!-- bench-table:start -->$/ { print; while ((getline l < f) > 0) print l; skip = 1; next }
    /^<!-- bench-table:end -->$/ { skip = 0 }
    !skip' "$readme" > "$readme.new" && mv "$readme.new" "$readme"
  echo "bench/all.sh: README.md updated" >&2
}

revision=${BENCH_REVISION:-$(git -c safe.directory='*' -C "$top" describe --always --dirty 2>/dev/null || echo unknown)}

# --- as root: prepare the host, then measure as the test user ----------------
if [ "$(id -u)" = 0 ]; then
  bash "$top/tests/setup/prepare-host.sh" >/dev/null
  bash "$top/tests/setup/registry.sh" start >/dev/null
  images=(busybox big)
  [ "$smoke" = 0 ] || images=(busybox layers)
  bash "$top/tests/fixtures/build-images.sh" "${images[@]}" >/dev/null
  tmp=$(mktemp -d /tmp/ctool-bench-all.XXXXXX)
  chmod 0777 "$tmp"
  args=(-o "$tmp/latest.md")
  [ "$smoke" = 1 ] && args+=(--smoke)
  rc=0
  (cd / && "$top/tests/setup/as-user" env BENCH_REVISION="$revision" ${RUNS:+RUNS=$RUNS} \
     ${PULL_RUNS:+PULL_RUNS=$PULL_RUNS} bash "$here/all.sh" "${args[@]}" "$CTOOL") || rc=$?
  if [ -s "$tmp/latest.md" ]; then
    mkdir -p "$(dirname "$out")"
    cp "$tmp/latest.md" "$out"
    echo "bench/all.sh: written to $out" >&2
    [ "$update_readme" = 0 ] || update_readme_from "$out"
  fi
  rm -rf "$tmp"
  exit $rc
fi

# --- as the user --------------------------------------------------------------
for tool in hyperfine podman bwrap jq skopeo bc /usr/bin/time; do
  command -v "$tool" >/dev/null || die "$tool is missing: run tests/setup/install-packages.sh as root"
done
sanitized=0
if ldd "$CTOOL" 2>/dev/null | grep -q -E 'lib(asan|ubsan)'; then sanitized=1; fi
if [ "$sanitized" = 1 ] && [ "$smoke" = 0 ] && [ "${BENCH_ALLOW_SANITIZERS:-0}" != 1 ]; then
  die "$CTOOL is built with sanitizers, which would measure them: use a build configured without --enable-sanitizers (or BENCH_ALLOW_SANITIZERS=1)"
fi

registry=127.0.0.1:$CTOOL_TEST_REGISTRY_PORT
in_registry() { skopeo inspect --tls-verify=false --raw "docker://$registry/$1" >/dev/null 2>&1; }
small=ctool-test/busybox:latest
in_registry "$small" || die "$registry/$small is missing: as root, run tests/setup/registry.sh start and tests/fixtures/build-images.sh"
# The second image shares busybox's layer. The smoke run takes a small one
# of the standard fixtures, to stay quick.
big=ctool-test/big:latest
[ "$smoke" = 0 ] || big=ctool-test/layers:latest
in_registry "$big" || die "$registry/$big is missing: as root, run tests/fixtures/build-images.sh$([ "$smoke" = 1 ] || echo ' big')"

if [ "$smoke" = 1 ]; then
  runs=1 pull_runs=1 warmup=0 counts="1 2"
else
  runs=${RUNS:-20} pull_runs=${PULL_RUNS:-7} warmup=3 counts="1 10 100"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/ctool-bench-all.XXXXXX")
# Rootless podman leaves one pause process per user behind; each part stops
# the one it started, but podman may start one again while a part cleans up:
# stop whatever pause process appeared during this run, once, at the end.
podman_pause_file=${XDG_RUNTIME_DIR:-/run/user/$(id -u)}/libpod/tmp/pause.pid
podman_pause_before=$(cat "$podman_pause_file" 2>/dev/null || true)
stop_new_podman_pause() {
  local pid
  [ "$(id -u)" != 0 ] || return 0
  pid=$(cat "$podman_pause_file" 2>/dev/null || true)
  if [ -n "$pid" ] && [ "$pid" != "$podman_pause_before" ]; then
    kill "$pid" 2>/dev/null || true
  fi
}
trap 'stop_new_podman_pause; rm -rf "$work"' EXIT
results=$work/results
: > "$results"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
started=$SECONDS

# The parts read these from the environment: only what is set here counts.
# (podman also fails on a REGISTRY_AUTH_FILE that does not exist.)
unset IMAGE IMAGES BENCH_IMAGE N_PS COUNTS WARMUP REGISTRY_AUTH_FILE

# Run one part with its output in a log; a failed part is reported and the
# others still run.
failed=()
part() {
  local name=$1; shift
  local t0=$SECONDS
  echo "bench/all.sh: $name ..." >&2
  if (cd "$work" && env BENCH_RESULTS="$results" "$@" "$CTOOL") > "$work/$name.log" 2>&1; then
    echo "bench/all.sh: $name done in $((SECONDS - t0)) s" >&2
  else
    failed+=("$name")
    echo "bench/all.sh: $name FAILED; its last lines:" >&2
    tail -n 15 "$work/$name.log" | sed 's/^/    /' >&2
  fi
}
part run.sh env RUNS="$runs" N_PS=1 "$here/run.sh"
part network.sh env RUNS="$runs" WARMUP="$warmup" "$here/network.sh"
part ps.sh env RUNS="$runs" WARMUP="$warmup" COUNTS="$counts" "$here/ps.sh"
part pull.sh env RUNS="$pull_runs" IMAGES="$small $big" "$here/pull.sh"
part disk.sh env IMAGES="$small $big" "$here/disk.sh"
load_after=$(cut -d' ' -f1-3 /proc/loadavg)

# --- the table ----------------------------------------------------------------
declare -A r
while read -r key value; do r[$key]=$value; done < "$results"

# v KEY: the value or nothing
v() { echo "${r[$1]:-}"; }
# Formatting, each printing "–" when the value is missing.
ms() { [ -n "$1" ] && printf '%.1f ms' "$1" || printf '–'; }
secs() { [ -n "$1" ] && printf '%.2f s' "$1" || printf '–'; }
mb() { [ -n "$1" ] && printf '%.1f MB' "$(echo "$1 / 1024" | bc -l)" || printf '–'; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && [ "$(echo "$2 != 0" | bc)" = 1 ] && printf '%.2f' "$(echo "$1 / $2" | bc -l)" || printf '–'; }
# goal TEXT CONDITION: "TEXT: met" or "TEXT: **not met**" by the bc
# CONDITION, just TEXT when a value is missing (CONDITION empty).
goal() {
  [ -n "$2" ] || { printf '%s' "$1"; return; }
  if [ "$(echo "$2" | bc -l)" = 1 ]; then printf '%s: met' "$1"; else printf '%s: **not met**' "$1"; fi
}
# cond FORMAT VALUE...: the bc condition, or nothing when a value is missing.
cond() {
  local format=$1 x; shift
  for x in "$@"; do [ -n "$x" ] || return 0; done
  # shellcheck disable=SC2059
  printf "$format" "$@"
}
layers_of() {
  skopeo inspect --tls-verify=false --raw "docker://$registry/$1" |
    jq -r '"\(.layers | length) layer\(if (.layers | length) == 1 then "" else "s" end), \([.layers[].size] | add / 1048576 * 10 | floor / 10) MB"'
}
name_of() { basename "${1%%:*}"; }

c_none=$(v start.none.ctool.ms) p_none=$(v start.none.podman.ms) b_none=$(v start.none.bwrap.ms)
c_cpu=$(v start.none.ctool.cpu_ms) p_cpu=$(v start.none.podman.cpu_ms) b_cpu=$(v start.none.bwrap.cpu_ms)
c_net=$(v start.net.ctool.ms) p_net=$(v start.net.podman.ms)
c_nc=$(v netcost.ctool.ms) p_nc=$(v netcost.podman.ms)
c_ex=$(v exec.ctool.ms) p_ex=$(v exec.podman.ms)
sn=$(name_of "$small") bn=$(name_of "$big")
last_count=${counts##* }

net_note=""
[ "$(v start.net.ctool.interfaces)" = none ] && net_note=" (ctool's default is still lo only: no network helper yet)"

table() {
  echo "| Measure | ctool | podman | bwrap | ctool/podman | ctool/bwrap | Goal |"
  echo "|---|---:|---:|---:|---:|---:|---|"
  echo "| start: \`run --rm --network none\` busybox \`true\` | $(ms "$c_none") | $(ms "$p_none") | $(ms "$b_none") | $(ratio "$c_none" "$p_none") | $(ratio "$c_none" "$b_none") | $(goal '≤ 2× bwrap, ≤ 0.1× podman' "$(cond '%s <= 2 * %s && %s <= 0.1 * %s' "$c_none" "$b_none" "$c_none" "$p_none")") |"
  echo "| start, CPU time (user+sys) | $(ms "$c_cpu") | $(ms "$p_cpu") | $(ms "$b_cpu") | $(ratio "$c_cpu" "$p_cpu") | $(ratio "$c_cpu" "$b_cpu") | |"
  echo "| start with the default network$net_note | $(ms "$c_net") | $(ms "$p_net") | | $(ratio "$c_net" "$p_net") | | |"
  echo "| cost of the default network over none | $(ms "$c_nc") | $(ms "$p_nc") | | $(ratio "$c_nc" "$p_nc") | | $(goal '< 15 ms' "$(cond '%s < 15' "$c_nc")") |"
  echo "| \`exec CTR true\` | $(ms "$c_ex") | $(ms "$p_ex") | | $(ratio "$c_ex" "$p_ex") | | $(goal '≤ 0.2× podman' "$(cond '%s <= 0.2 * %s' "$c_ex" "$p_ex")") |"
  local img n c p g
  for img in "$small" "$big"; do
    n=$(name_of "$img")
    c=$(v "pull.$n.ctool.s") p=$(v "pull.$n.podman.s") g=""
    [ "$n" = big ] && g=$(goal '≤ 0.67× podman (1.5× faster)' "$(cond '%s <= %s / 1.5' "$c" "$p")")
    echo "| pull $n ($(layers_of "$img")) into an empty store | $(secs "$c") | $(secs "$p") | | $(ratio "$c" "$p") | | $g |"
  done
  for n in $counts; do
    c=$(v "ps.$n.ctool.ms") p=$(v "ps.$n.podman.ms") g=""
    [ "$n" = 100 ] && g=$(goal '< 20 ms' "$(cond '%s < 20' "$c")")
    echo "| \`ps\`, $n running | $(ms "$c") | $(ms "$p") | | $(ratio "$c" "$p") | | $g |"
  done
  c=$(v rss.run.ctool.kb)
  echo "| peak RSS of \`run --rm --network none\` | $(mb "$c") | | | | | $(goal '< 5 MB' "$(cond '%s < 5120' "$c")") |"
  c=$(v rss.ps.ctool.kb) p=$(v rss.ps.podman.kb)
  echo "| peak RSS of \`ps -a\`, $last_count running | $(mb "$c") | $(mb "$p") | | $(ratio "$c" "$p") | | |"
  c=$(v "pull.$bn.ctool.rss_kb") p=$(v "pull.$bn.podman.rss_kb") g=""
  [ "$bn" = big ] && g=$(goal '< 30 MB' "$(cond '%s < 30720' "$c")")
  echo "| peak RSS of pull $bn | $(mb "$c") | $(mb "$p") | | $(ratio "$c" "$p") | | $g |"
  c=$(v monitor.rss.ctool.kb) p=$(v monitor.rss.podman.kb)
  echo "| monitor VmRSS (podman: conmon), median of $last_count | $(mb "$c") | $(mb "$p") | | $(ratio "$c" "$p") | | $(goal '< 1.5 MB' "$(cond '%s < 1536' "$c")") |"
  c=$(v monitor.hwm.ctool.kb) p=$(v monitor.hwm.podman.kb)
  echo "| monitor VmHWM (peak), median of $last_count | $(mb "$c") | $(mb "$p") | | $(ratio "$c" "$p") | | |"
  c=$(v disk.ctool.kb) p=$(v disk.podman.kb)
  echo "| store on disk after pulling $sn + $bn (compressed: $(mb "$(v disk.compressed.kb)")) | $(mb "$c") | $(mb "$p") | | $(ratio "$c" "$p") | | |"
}

machine() {
  local cpu mem distro
  cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
  mem=$(awk '/^MemTotal/ { printf "%.1f GB", $2 / 1048576 }' /proc/meminfo)
  distro=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
  echo "Measured $(date -u '+%Y-%m-%d %H:%M UTC') by \`bench/all.sh$([ "$smoke" = 1 ] && echo ' --smoke')\` in $((SECONDS - started)) s:" \
       "ctool $("$CTOOL" version --format '{{.Version}}' 2>/dev/null || echo '?') ($revision$([ "$sanitized" = 1 ] && echo ', sanitizers on')), $(podman --version | sed 's/ version//') (runc, cgroupfs), $(bwrap --version)," \
       "as an unprivileged user; $(nproc) CPUs ($cpu), $mem RAM, $distro, kernel $(uname -r), $(findmnt -no FSTYPE -T "${TMPDIR:-/tmp}" 2>/dev/null || echo "?") under the stores;" \
       "load average $load_before at the start, $load_after at the end."
  echo "Medians of $runs runs (pulls: $pull_runs rounds, ctool and podman interleaved); ratios below 1 mean ctool is faster or smaller."
}

{
  [ "$smoke" = 0 ] || echo "**Smoke run: one iteration each; these numbers mean nothing.**"$'\n'
  machine
  echo
  table
  if [ ${#failed[@]} -gt 0 ]; then
    echo
    echo "Failed parts (their figures are missing): ${failed[*]}"
  fi
} > "$work/table.md"
cat "$work/table.md"
mkdir -p "$(dirname "$out")" 2>/dev/null || true
if cp "$work/table.md" "$out" 2>/dev/null; then
  echo "bench/all.sh: written to $out" >&2
  [ "$update_readme" = 0 ] || update_readme_from "$out"
else
  echo "bench/all.sh: cannot write $out (the table is above)" >&2
fi
[ ${#failed[@]} -eq 0 ]
