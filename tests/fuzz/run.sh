#!/bin/sh
# Build the libFuzzer targets (clang, ASan+UBSan) and run each for a bounded
# time: FUZZ_TIME seconds (default 20). Work files and any crash reproducer
# go to FUZZ_OUT (default /tmp/ctool-fuzz-UID). Exit status non-zero when a
# target finds a crash, a leak or a broken invariant; turn the reproducer
# into a unit test.
set -eu

src=$(cd "$(dirname "$0")/../.." && pwd)
out=${FUZZ_OUT:-/tmp/ctool-fuzz-$(id -u)}
time=${FUZZ_TIME:-20}
cc=${CC_FUZZ:-clang}
mkdir -p "$out"

flags="-g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I$src/common -I$src/libimage"
common="$src/common/util.c $src/common/error.c $src/common/fsutil.c"
libimage="$src/libimage/reference.c $src/libimage/toml.c $src/libimage/regconf.c"
template="$src/common/template.c $src/common/template-exec.c $src/common/template-funcs.c
          $src/common/template-printf.c $src/common/tabwriter.c $src/common/format.c"

status=0
for target in reference regconf template; do
  bin="$out/fuzz-$target"
  case $target in
    template) sources="$common $template"; libs=$(pkg-config --cflags --libs json-c) ;;
    *) sources="$common $libimage"; libs="" ;;
  esac
  # shellcheck disable=SC2086
  "$cc" $flags -o "$bin" "$src/tests/fuzz/fuzz-$target.c" $sources $libs
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
  echo "fuzz-$target: ${time}s"
  # shellcheck disable=SC2086
  if ! "$bin" -max_total_time="$time" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -artifact_prefix="$out/$target-" -print_final_stats=1 $extra "$corpus" "$seeds" \
      >"$out/$target.log" 2>&1; then
    echo "fuzz-$target FAILED: see $out/$target.log and the $out/$target-* reproducer" >&2
    tail -n 40 "$out/$target.log" >&2
    status=1
  else
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$out/$target.log" | sed "s/^/  /"
  fi
done
exit $status
