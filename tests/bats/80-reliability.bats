#!/usr/bin/env bats
# Load, bounded in time and count, on loopback only: many containers at
# once, and what is left afterwards, checked rather than assumed: no
# process (monitor, container, network or overlay helper), no mount of the
# store in any namespace of the user's processes, no cgroup, no state
# directory, and monitors whose file descriptors do not grow.
#
# (Elsewhere: 20 parallel run --rm in 40-run; 100 detached containers one
# after the other in 41-lifecycle.)

load helpers
load containers

setup_file() { containers_setup_file; }

setup() {
  containers_setup
  # A unique command line for this test's containers, to find their processes.
  SLEEP="sleep 8$$$BATS_TEST_NUMBER"
  HELPERS_BEFORE=$(helper_pids)
}

# ctool as a plain command (for xargs), with this test's store.
CTOOL_CMD() { echo "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT"; }

# PIDs of the user's network and overlay helpers that still run (a zombie
# runs nothing: a helper that outlived its parent waits for init to reap it).
helper_pids() {
  ps -u "$(id -u)" -o pid=,stat=,comm= |
    awk '$2 !~ /^Z/ && $3 ~ /^(slirp4netns|fuse-overlayfs|pasta|passt)/ { print $1 }' | sort
}

# Helpers that started during the test and still run.
new_helpers() {
  comm -13 <(echo "$HELPERS_BEFORE") <(helper_pids)
}

# The cgroup (v2 path under the unified mount) of process PID.
cgroup_of() {
  sed -n 's/^0:://p' "/proc/$1/cgroup"
}

# The cgroup v2 mount point.
cgroup2_root() {
  awk '$9 == "cgroup2" { print $5; exit }' /proc/self/mountinfo
}

# Nothing of this test's containers is left, anywhere.
assert_no_leaks() {
  assert_nothing_left
  local left
  wait_until 10 eval '! pgrep -u "$(id -u)" -f "$CTOOL_TEST_ROOT|$CTOOL_TEST_RUNROOT|$SLEEP" >/dev/null' ||
    fail "processes are left: $(pgrep -a -u "$(id -u)" -f "$CTOOL_TEST_ROOT|$CTOOL_TEST_RUNROOT|$SLEEP")"
  if [ "${CTOOL_TEST_CHECK_LEFTOVERS:-1}" = 1 ] && ! wait_until 10 eval '[ -z "$(new_helpers)" ]'; then
    left=$(new_helpers)
    [ -z "$left" ] || fail "helper processes are left: $(ps -o pid=,args= -p "$(echo $left | tr ' ' ,)")"
  fi
  # Container mounts live in the containers' own mount namespaces: look at
  # every namespace the user's processes are in.
  local pid
  for pid in $(pgrep -u "$(id -u)"); do
    if grep -qF "$CTOOL_TEST_ROOT" "/proc/$pid/mountinfo" 2>/dev/null; then
      fail "process $pid ($(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)) still has a mount of the store"
    fi
  done
  local cg root prefix
  root=$(cgroup2_root)
  for cg in "${CGROUPS[@]}"; do
    [ -z "$cg" ] || [ "$cg" = / ] || [ ! -d "$root$cg" ] || fail "the cgroup $root$cg is left"
  done
  # Cgroups named after the containers (their IDs' first 12 digits).
  for prefix in "${IDS[@]}"; do
    [ -z "$(find "$root" -maxdepth 6 -type d -name "*$prefix*" 2>/dev/null | head -n1)" ] ||
      fail "a cgroup of container $prefix is left: $(find "$root" -maxdepth 6 -type d -name "*$prefix*")"
  done
}

# The number of open file descriptors of PID.
fd_count() {
  ls "/proc/$1/fd" | wc -l
}

CGROUPS=() IDS=()

@test "50 parallel run --rm: all succeed in bounded time; no process, mount, cgroup or state is left" {
  local n=50 i pids=() start=$SECONDS
  for i in $(seq $n); do
    ctool run --rm "$IMAGE" sh -c "echo run-$i; hostname" \
      > "$BATS_TEST_TMPDIR/out-$i" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || fail "run $((i + 1)) failed: $(cat "$BATS_TEST_TMPDIR/out-$((i + 1))")"
  done
  (( SECONDS - start < 240 )) || fail "50 parallel runs took $((SECONDS - start)) s"
  for i in $(seq $n); do
    [ "$(head -n1 "$BATS_TEST_TMPDIR/out-$i")" = "run-$i" ] || fail "run $i printed: $(cat "$BATS_TEST_TMPDIR/out-$i")"
  done
  # The containers' IDs, from their host names.
  mapfile -t IDS < <(sed -s -n 2p "$BATS_TEST_TMPDIR"/out-*)
  [ "${#IDS[@]}" -eq $n ]
  assert_no_leaks
}

@test "100 detached containers, created, listed, exec'd, stopped and removed in parallel; small monitors; nothing is left" {
  local start=$SECONDS ctool_cmd
  ctool_cmd=$(CTOOL_CMD)
  # Created ten at a time, while ps runs alongside and never fails.
  ( for _ in $(seq 40); do $ctool_cmd ps -a >/dev/null || echo "ps failed" >> "$BATS_TEST_TMPDIR/ps-errors"; done ) &
  local ps_loop=$!
  seq 100 | xargs -P 10 -I{} sh -c "$ctool_cmd run -d --name c{} $IMAGE $SLEEP > /dev/null || echo 'c{} failed' >&2" \
    2> "$BATS_TEST_TMPDIR/run-errors"
  wait "$ps_loop"
  [ ! -s "$BATS_TEST_TMPDIR/run-errors" ] || fail "$(cat "$BATS_TEST_TMPDIR/run-errors")"
  [ ! -s "$BATS_TEST_TMPDIR/ps-errors" ] || fail "ps failed while containers were created: $(cat "$BATS_TEST_TMPDIR/ps-errors")"
  run -0 ctool ps -q
  [ "${#lines[@]}" -eq 100 ] || fail "ps lists ${#lines[@]} running containers, not 100"

  # Every monitor holds a few file descriptors; the container's cgroups.
  run -0 ctool ps -q --no-trunc
  local id mon max=0 n
  for id in "${lines[@]}"; do
    mon=$(inspect_field "$id" .State.ConmonPid)
    n=$(fd_count "$mon")
    (( n > max )) && max=$n
    CGROUPS+=("$(cgroup_of "$(inspect_field "$id" .State.Pid)")")
    IDS+=("${id:0:12}")
  done
  (( max <= 12 )) || fail "a monitor holds $max file descriptors"

  # exec into one of them, again and again: its monitor's descriptors do
  # not grow, and no zombie is left in the container.
  mon=$(inspect_field c1 .State.ConmonPid)
  local before
  before=$(fd_count "$mon")
  for _ in $(seq 30); do
    ctool exec c1 true || fail "exec failed"
    ctool exec c1 sh -c 'exit 3' && fail "exec lost the exit code" || [ $? -eq 3 ]
  done
  [ "$(fd_count "$mon")" -le "$before" ] || fail "the monitor went from $before to $(fd_count "$mon") descriptors after 60 execs"
  run -0 ctool exec c1 ps -o stat=
  refute_output --partial Z

  # Stopped and removed ten at a time.
  ctool ps -q --no-trunc | xargs -P 10 -n 10 $ctool_cmd stop -t 0 > /dev/null
  run -0 ctool ps -aq --filter status=exited
  [ "${#lines[@]}" -eq 100 ] || fail "${#lines[@]} containers exited, not 100"
  ctool ps -aq --no-trunc | xargs -P 10 -n 10 $ctool_cmd rm > /dev/null
  run -0 ctool ps -aq
  assert_output ""
  (( SECONDS - start < 300 )) || fail "took $((SECONDS - start)) s"
  assert_no_leaks
}

@test "a monitor outlives many attaches: logs -f, wait and inspect leave its descriptors as they were" {
  ctool run -d --name talk "$IMAGE" sh -c 'i=0; while :; do echo line $i; i=$((i + 1)); sleep 0.05; done' >/dev/null
  local mon before
  mon=$(inspect_field talk .State.ConmonPid)
  wait_until 10 bash -c "$(declare -f ctool); ctool logs talk | grep -q 'line 3'"
  before=$(fd_count "$mon")
  for _ in $(seq 20); do
    timeout 0.3 "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" logs -f talk > /dev/null || true
    ctool inspect --type container talk > /dev/null
  done
  [ "$(fd_count "$mon")" -le "$before" ] || fail "the monitor went from $before to $(fd_count "$mon") descriptors"
  CGROUPS=("$(cgroup_of "$(inspect_field talk .State.Pid)")")
  run -0 ctool rm -f -t 0 talk
  assert_no_leaks
}
