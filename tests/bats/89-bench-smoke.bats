#!/usr/bin/env bats
# The benchmarks are never part of the pass/fail run, but they must keep
# working: bench/all.sh --smoke runs every part once (ctool, podman and
# bwrap, against the test registry's images) and must produce the whole
# Markdown table, on stdout and in its file.

load helpers

BENCH=$CTOOL_TEST_TOP/bench/all.sh

@test "bench/all.sh --smoke measures every part once and writes the Markdown table" {
  skip_unless "needs podman, bwrap and hyperfine (tests/setup/install-packages.sh)" \
    command -v podman bwrap hyperfine
  local out=$BATS_TEST_TMPDIR/latest.md
  run --separate-stderr timeout 600 bash "$BENCH" --smoke -o "$out" "$CTOOL"
  [ "$status" -eq 0 ] && [[ "$stderr" != *FAILED* ]] || fail "exit $status: $stderr"
  assert_line --index 0 --partial "Smoke run"
  assert_line --regexp "^Measured .* [0-9]+ CPUs .*kernel $(uname -r | sed 's/[.+]/\\&/g').*load average [0-9.]+ [0-9.]+ [0-9.]+ at the start"
  assert_line "| Measure | ctool | podman | bwrap | ctool/podman | ctool/bwrap | Goal |"
  # Every row has a number for ctool; the side-by-side rows one for podman
  # (and bwrap) and the ratio.
  local num='[0-9]+\.[0-9]+ (ms|s|MB)'
  assert_line --regexp "^\| start: .*--network none.* \| $num \| $num \| $num \| [0-9]+\.[0-9]+ \| [0-9]+\.[0-9]+ \|"
  assert_line --regexp "^\| start with the default network.* \| $num \| $num \| +\| [0-9]+\.[0-9]+ \|"
  assert_line --regexp "^\| \`exec CTR true\` \| $num \| $num \| +\| [0-9]+\.[0-9]+ \|"
  assert_line --regexp "^\| pull busybox \(1 layer, .*\) into an empty store \| $num \| $num \|"
  assert_line --regexp "^\| pull layers \(4 layers, .*\) into an empty store \| $num \| $num \|"
  assert_line --regexp "^\| \`ps\`, 1 running \| $num \| $num \|"
  assert_line --regexp "^\| \`ps\`, 2 running \| $num \| $num \|"
  assert_line --regexp "^\| peak RSS of \`run --rm --network none\` \| $num \|"
  assert_line --regexp "^\| peak RSS of pull layers \| $num \| $num \|"
  assert_line --regexp "^\| monitor VmRSS \(podman: conmon\).* \| $num \| $num \|"
  assert_line --regexp "^\| store on disk after pulling busybox \+ layers .* \| $num \| $num \|"
  refute_output --partial "–"
  refute_output --partial "Failed parts"
  # The file holds the same table.
  assert_equal "$(cat "$out")" "$output"
}

@test "bench/all.sh refuses to measure a sanitizer build, and rejects unknown options" {
  run -1 --separate-stderr bash "$BENCH" --bogus "$CTOOL"
  assert_equal "$stderr" "bench/all.sh: unknown option --bogus; usage: bench/all.sh [--smoke] [-o FILE] [--update-readme] [CTOOL]"
  if ldd "$CTOOL" | grep -q libasan; then
    run -1 --separate-stderr bash "$BENCH" -o "$BATS_TEST_TMPDIR/x.md" "$CTOOL"
    [[ "$stderr" == "bench/all.sh: $CTOOL is built with sanitizers, which would measure them"* ]]
    [ ! -e "$BATS_TEST_TMPDIR/x.md" ]
  fi
}
