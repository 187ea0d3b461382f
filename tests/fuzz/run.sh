#!/bin/sh
# Build the libFuzzer targets (clang, ASan+UBSan) and run each for a bounded
# time: FUZZ_TIME seconds (default 20). Work files and any crash reproducer
# go to FUZZ_OUT (default /tmp/ctool-fuzz-UID); the targets that write
# files (auth, layer) work in FUZZ_TMPDIR (default /dev/shm when writable,
# else FUZZ_OUT). FUZZ_TARGETS chooses the
# targets (default: all). Exit status non-zero when a target does not build
# or finds a crash, a leak or a broken invariant; turn the reproducer into a
# unit test.
#
# Prints one TAP line per target ("ok N fuzz-manifest", "not ok ...", or
# "# skip" for all of them when clang is missing), which tests/run-tests.sh
# counts.
set -u

src=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-/tmp/ctool-fuzz-$(id -u)}
time=${FUZZ_TIME:-20}
cc=${CC_FUZZ:-clang}
all="reference regconf template manifest config auth wwwauth layerpath layer"
targets=${FUZZ_TARGETS:-$all}
jobs=${JOBS:-$(nproc)}
if [ -z "${FUZZ_TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then
  FUZZ_TMPDIR=/dev/shm
fi
work=${FUZZ_TMPDIR:-$out}

# shellcheck disable=SC2086
set -- $targets
echo "1..$#"

if ! command -v "$cc" >/dev/null 2>&1; then
  n=0
  for t in $targets; do
    n=$((n + 1))
    echo "ok $n fuzz-$t # skip $cc not found (install clang to fuzz)"
  done
  exit 0
fi

mkdir -p "$out/obj"
# What configure's config.h gives the library code.
echo '#define PACKAGE_VERSION "fuzz"' > "$out/fuzz-config.h"
flags="-g -O1 -std=gnu11 -D_GNU_SOURCE -include $out/fuzz-config.h -fsanitize=address,undefined -fno-sanitize-recover=undefined
       -I$src/common -I$src/libimage"
pkgs="json-c libcrypto libarchive libcurl"
# shellcheck disable=SC2086
pkg_cflags=$(pkg-config --cflags $pkgs)
# shellcheck disable=SC2086
pkg_libs=$(pkg-config --libs $pkgs)

# The library code once, instrumented for coverage, into one archive; each
# target links only the members it needs.
build_lib() {
  rm -f "$out/obj/"*.o "$out/libfuzz.a"
  pids="" failed=0
  for f in "$src"/common/*.c "$src"/libimage/*.c; do
    o="$out/obj/$(basename "$(dirname "$f")")-$(basename "$f" .c).o"
    # shellcheck disable=SC2086
    "$cc" $flags -fsanitize=fuzzer-no-link $pkg_cflags -c -o "$o" "$f" &
    pids="$pids $!"
    # shellcheck disable=SC2086
    set -- $pids
    if [ $# -ge "$jobs" ]; then
      wait "$1" || failed=1
      pids=${pids#* "$1"}
    fi
  done
  for p in $pids; do wait "$p" || failed=1; done
  [ $failed = 0 ] && ar rcs "$out/libfuzz.a" "$out/obj/"*.o
}

if ! build_lib > "$out/build-lib.log" 2>&1; then
  cat "$out/build-lib.log" >&2
  n=0
  for t in $targets; do
    n=$((n + 1))
    echo "not ok $n fuzz-$t # the library code does not build with $cc (see $out/build-lib.log)"
  done
  exit 1
fi

status=0
n=0
for target in $targets; do
  n=$((n + 1))
  bin="$out/fuzz-$target"
  log="$out/$target.log"
  # shellcheck disable=SC2086
  if ! "$cc" $flags -fsanitize=fuzzer -o "$bin" "$src/tests/fuzz/fuzz-$target.c" "$out/libfuzz.a" $pkg_libs \
       > "$log" 2>&1; then
    cat "$log" >&2
    echo "not ok $n fuzz-$target # does not build"
    status=1
    continue
  fi
  corpus="$out/corpus-$target"
  mkdir -p "$corpus"
  seeds="$src/tests/fuzz/seeds/$target"
  extra=""
  # The registries.conf files on this machine make good seeds (read only).
  if [ "$target" = regconf ]; then
    for f in /etc/containers/registries.conf /etc/containers/registries.conf.d/*.conf; do
      [ -r "$f" ] && cp "$f" "$corpus/system-$(basename "$f")"
    done
  fi
  [ -f "$src/tests/fuzz/$target.dict" ] && extra="-dict=$src/tests/fuzz/$target.dict"
  echo "# fuzz-$target: ${time}s"
  # shellcheck disable=SC2086
  if TMPDIR=$work "$bin" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$out/$target-" -print_final_stats=1 $extra "$corpus" "$seeds" \
      > "$log" 2>&1; then
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
    echo "ok $n fuzz-$target # ${execs:-?} runs in ${time}s, peak RSS ${rss:-?} MB"
  else
    echo "not ok $n fuzz-$target # see $log and the $out/$target-* reproducer"
    tail -n 40 "$log" | sed 's/^/# /'
    status=1
  fi
done
exit $status
