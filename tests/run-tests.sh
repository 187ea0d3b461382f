#!/usr/bin/env bash
# THE test command: on a fresh Debian 12 machine, as root, from a checkout:
#
#     bash tests/run-tests.sh
#
# installs the packages, builds out of tree with -Werror and ASan/UBSan,
# runs the unit tests (make check), a short run of every fuzz target and
# make distcheck, prepares the host
# (test user, devices, delegated cgroup), starts the local registries, builds
# the fixture images, runs every bats file as the unprivileged test user,
# boots a VM with systemd and cgroup v2 to run tests/vm-bats there, and
# ends with one line:  N passed, N failed[, N skipped]
# (unit test cases + fuzz targets + bats tests + the build steps, each
# counted once).
# Exit status 0 only when nothing failed.
#
# Environment (all optional):
#   CTOOL_TEST_STAGE      where the build, the install and the logs go
#                         (default /var/tmp/ctool-test; made world-readable)
#   CTOOL_TEST_BATS       bats files or dirs to run, relative to tests/bats
#                         (default: all)
#   CTOOL_TEST_DISTCHECK  0 to skip make distcheck
#   CTOOL_TEST_KEEP_REGISTRY  1 to leave the registries running afterwards
#   CTOOL_TEST_CHECK_LEFTOVERS, CTOOL_TEST_ASAN_OPTIONS  passed to the bats
#                         tests (see tests/bats/helpers.bash)
#   CTOOL_TEST_VM         0 to skip the systemd + cgroup v2 stage in a VM
#                         (tests/vm/stage.sh; CTOOL_VM_BATS and
#                         CTOOL_VM_TIMEOUT choose its files and deadline)
#   CTOOL_TEST_FUZZ_TIME  seconds each libFuzzer target runs (default 5;
#                         0 skips the stage; `make fuzz` runs longer)
#   JOBS                  make -j (default: the number of CPUs)
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
stage=${CTOOL_TEST_STAGE:-/var/tmp/ctool-test}
build=$stage/build
prefix=$stage/prefix
src=$stage/src          # a world-readable copy of the checkout for the test user
logs=$stage/logs
jobs=${JOBS:-$(nproc)}

passed=0 failed=0 skipped=0
started=$SECONDS

note() { printf '\n=== %s (%ds)\n' "$*" "$((SECONDS - started))"; }

summary() {
  local line="$passed passed, $failed failed"
  [ "$skipped" -gt 0 ] && line+=", $skipped skipped"
  echo
  echo "run-tests: logs in $logs; took $((SECONDS - started))s"
  echo "$line"
}

# A build step counts as one test; when it fails, the run stops there.
step() {
  local name=$1; shift
  note "$name"
  if "$@"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "run-tests: FAILED: $name" >&2
    summary
    exit 1
  fi
}

# Count TAP lines (cmocka's CMOCKA_MESSAGE_OUTPUT=TAP, bats --formatter tap):
# prints "PASSED FAILED SKIPPED".
tap_counts() {
  local file=$1
  awk 'BEGIN { p = f = s = 0 }
       /^(not )?ok [0-9]+/ && tolower($0) ~ /# skip/ { s++; next }
       /^ok [0-9]+/ { p++ }
       /^not ok [0-9]+/ { f++ }
       END { print p, f, s }' "$file"
}

add_counts() { passed=$((passed + $1)) failed=$((failed + $2)) skipped=$((skipped + $3)); }

[ "$(id -u)" = 0 ] || { echo "run-tests.sh: run as root (it installs packages and prepares the host); the bats tests themselves run as the test user" >&2; exit 1; }

install -d -m 0755 "$stage" "$logs"
rm -f "$logs"/*.log "$logs"/*.tap

# --- build ------------------------------------------------------------------

do_autogen() { (cd "$top" && ./autogen.sh) > "$logs/autogen.log" 2>&1 || { cat "$logs/autogen.log"; return 1; }; }
do_configure() {
  rm -rf "$build" "$prefix"
  install -d -m 0755 "$build"
  (cd "$build" && "$top/configure" --enable-werror --enable-sanitizers --prefix="$prefix")
}
do_make() { make -C "$build" -j"$jobs"; }
# Unit tests: each cmocka case counts (TAP output in the automake logs); a
# program that fails without a failing case (a crash, a sanitizer report)
# counts as one more failure, and so does one that does not build: the
# others are still built and run.
unit_tests() {
  printf 'ctool-print-tests:\n\t@echo $(TESTS)\n' > "$logs/print-tests.mk"
  make -s -C "$build" -f Makefile -f "$logs/print-tests.mk" ctool-print-tests
}
do_check() {
  local rc all=() built=() t trs log p f s before=$failed
  CMOCKA_MESSAGE_OUTPUT=TAP make -k -C "$build" -j"$jobs" check
  rc=$?
  if [ $rc != 0 ]; then
    read -r -a all < <(unit_tests)
    for t in "${all[@]}"; do
      if [ -x "$build/$t" ]; then
        built+=("$t")
      else
        failed=$((failed + 1))
        echo "run-tests: unit test program $t did not build" >&2
      fi
    done
    echo "run-tests: running the ${#built[@]} unit test programs that built"
    CMOCKA_MESSAGE_OUTPUT=TAP make -C "$build" -j"$jobs" check TESTS="${built[*]}" check_PROGRAMS="${built[*]}"
  fi
  for trs in "$build"/tests/unit/*.trs; do
    [ -e "$trs" ] || continue
    log=${trs%.trs}.log
    read -r p f s < <(tap_counts "$log")
    add_counts "$p" "$f" "$s"
    if grep -q -E '^:test-result: (FAIL|ERROR)' "$trs" && [ "$f" = 0 ]; then
      failed=$((failed + 1))
      echo "run-tests: $(basename "$log" .log) failed without a failing case:" >&2
      tail -n 30 "$log" >&2
    fi
  done
  [ -f "$build/test-suite.log" ] && cp "$build/test-suite.log" "$logs/unit-test-suite.log"
  # The failures are counted above; this step only fails when none explains rc.
  [ $rc = 0 ] || [ "$failed" -gt "$before" ]
}
do_distcheck() { make -C "$build" -j"$jobs" distcheck > "$logs/distcheck.log" 2>&1 || { tail -n 60 "$logs/distcheck.log"; return 1; }; }
do_install() { make -C "$build" install > "$logs/install.log" 2>&1 || { cat "$logs/install.log"; return 1; }; }

step "install packages" bash "$top/tests/setup/install-packages.sh"
step "autogen" do_autogen
step "configure (--enable-werror --enable-sanitizers)" do_configure
step "make -j$jobs" do_make
note "make check (unit tests)"
do_check || { failed=$((failed + 1)); echo "run-tests: FAILED: make check" >&2; }

# A bounded run of each libFuzzer target (tests/fuzz/run.sh builds them
# with clang, ASan and UBSan): each target is one test; all are skipped,
# with the reason, when clang is missing.
fuzz_time=${CTOOL_TEST_FUZZ_TIME:-5}
if [ "$fuzz_time" != 0 ]; then
  note "fuzz (${fuzz_time}s per target)"
  FUZZ_TIME=$fuzz_time FUZZ_OUT=$stage/fuzz JOBS=$jobs sh "$top/tests/fuzz/run.sh" 2>&1 | tee "$logs/fuzz.tap"
  fuzz_rc=${PIPESTATUS[0]}
  read -r fp ff fs < <(tap_counts "$logs/fuzz.tap")
  add_counts "$fp" "$ff" "$fs"
  if [ "$fuzz_rc" != 0 ] && [ "$ff" = 0 ]; then
    failed=$((failed + 1))
    echo "run-tests: the fuzz stage exited with $fuzz_rc without a failing target" >&2
  fi
fi
step "make install (into $prefix)" do_install

# --- host, registries, fixtures ---------------------------------------------

step "prepare the host" bash "$top/tests/setup/prepare-host.sh"

stop_registries() {
  [ "${CTOOL_TEST_KEEP_REGISTRY:-0}" = 1 ] || bash "$top/tests/setup/registry.sh" stop
}
trap stop_registries EXIT
step "start the registries" bash "$top/tests/setup/registry.sh" start
step "fixture images" bash "$top/tests/fixtures/build-images.sh"

# The test user reads the tests and runs the binary from world-readable
# copies, wherever (and however privately) the checkout lives.
do_copy_tree() {
  rm -rf "$src"
  install -d -m 0755 "$src"
  tar -C "$top" --exclude=./.git --exclude='./_build*' --exclude=./autom4te.cache -cf - . |
    tar -C "$src" --no-same-owner -xf - &&
  chmod -R a+rX "$src" "$prefix"
}
step "copy the tests for the test user" do_copy_tree

# --- bats as the test user --------------------------------------------------

note "bats (as the test user)"
bats_args=()
if [ -n "${CTOOL_TEST_BATS:-}" ]; then
  for b in $CTOOL_TEST_BATS; do bats_args+=("$src/tests/bats/$b"); done
else
  bats_args=("$src/tests/bats")
fi
user_env=(CTOOL="$prefix/bin/ctool")
for v in CTOOL_TEST_CHECK_LEFTOVERS CTOOL_TEST_ASAN_OPTIONS; do
  [ -n "${!v:-}" ] && user_env+=("$v=${!v}")
done
(cd / && "$top/tests/setup/as-user" env "${user_env[@]}" \
   bats --formatter tap --timing "${bats_args[@]}") 2>&1 | tee "$logs/bats.tap"
bats_rc=${PIPESTATUS[0]}
read -r bp bf bs < <(tap_counts "$logs/bats.tap")
add_counts "$bp" "$bf" "$bs"
if [ "$bats_rc" != 0 ] && [ "$bf" = 0 ]; then
  # bats itself failed (a file that does not parse, a test user problem).
  failed=$((failed + 1))
  echo "run-tests: bats exited with $bats_rc without a failing test" >&2
fi
echo "bats: $bp passed, $bf failed, $bs skipped"

# --- the systemd + cgroup v2 stage: a VM, tests run inside as the test user --

if [ "${CTOOL_TEST_VM:-1}" = 1 ]; then
  note "systemd + cgroup v2 stage (tests/vm-bats in a QEMU VM, as the test user)"
  bash "$top/tests/vm/stage.sh" --ctool "$prefix/bin/ctool" --logs "$logs" 2>&1 | tee "$logs/vm.tap"
  vm_rc=${PIPESTATUS[0]}
  read -r vp vf vs < <(tap_counts "$logs/vm.tap")
  add_counts "$vp" "$vf" "$vs"
  if [ "$vm_rc" != 0 ] && [ "$vf" = 0 ]; then
    # The stage itself failed (image build, boot, timeout) or bats did.
    failed=$((failed + 1))
    echo "run-tests: the VM stage exited with $vm_rc without a failing test" >&2
  fi
  echo "vm: $vp passed, $vf failed, $vs skipped"
fi

# Last, as it takes a while and blocks nothing: the release tarball builds
# and passes its own make check.
if [ "${CTOOL_TEST_DISTCHECK:-1}" = 1 ]; then
  note "make distcheck"
  if do_distcheck; then passed=$((passed + 1)); else failed=$((failed + 1)); echo "run-tests: FAILED: make distcheck" >&2; fi
fi

summary
[ "$failed" = 0 ]
