#!/usr/bin/env bats
# Faults, and what is left after them: ctool killed with SIGKILL during a
# pull and during a container start, a full disk under the store, the
# runtime directory lost as in a reboot. After each, every command still
# works, no image is half-present, and ps/rm handle every container.
#
# (Elsewhere: kill -9 of a monitor in 41-lifecycle; the registry stopped
# and restarted mid-pull in 20-pull; a load killed at any point in
# 22-images.)

load helpers
load containers

setup_file() { containers_setup_file; }

setup() {
  containers_setup
  # A unique command line for this test's containers, to find their processes.
  SLEEP="sleep 9$$$BATS_TEST_NUMBER"
}

teardown() {
  forget_lsan_kill_noise
  [ -z "${FILLER:-}" ] || rm -f "$FILLER"
  local rc=0
  basic_teardown || rc=$?
  # (The store on the small filesystem is gone now: let other runs have it.)
  [ -z "${SMALL_LOCK_FD:-}" ] || exec {SMALL_LOCK_FD}>&-
  return $rc
}

# In a sanitizer build, a process killed while LeakSanitizer checks it at
# its exit makes the checker say only "Unable to get registers from thread
# N": that is the kill, not a finding. Any other report stays.
forget_lsan_kill_noise() {
  local report
  for report in "${CTOOL_TEST_SANITIZER_DIR:-/nonexistent}"/*; do
    [ -f "$report" ] || continue
    grep -qv -e 'Unable to get registers from thread' -e '^$' "$report" || rm -f "$report"
  done
}

# No process of this test's store or containers is running.
no_processes_left() {
  ! pgrep -u "$(id -u)" -f "$CTOOL_TEST_ROOT|$CTOOL_TEST_RUNROOT|$SLEEP" >/dev/null
}

assert_no_processes_left() {
  wait_until 10 no_processes_left ||
    fail "processes are left: $(pgrep -a -u "$(id -u)" -f "$CTOOL_TEST_ROOT|$CTOOL_TEST_RUNROOT|$SLEEP")"
}

# Every image the store lists is whole: each blob matches its digest, each
# layer directory is there, and a container runs from it.
assert_images_whole() {
  local blob ids id dir
  for blob in "$CTOOL_TEST_ROOT"/blobs/sha256/*; do
    [ -f "$blob" ] || continue
    [ "$(sha256sum < "$blob" | cut -d' ' -f1)" = "$(basename "$blob")" ] || fail "blob $(basename "$blob") does not match its digest"
  done
  ids=$(ctool images -q --no-trunc) || fail "images failed"
  for id in $ids; do
    run -0 ctool image inspect "$id"
    for dir in $(jq -r '.[0].GraphDriver.Data | [.LowerDir // empty, .UpperDir // empty] | join(":")' <<< "$output" | tr ':' ' '); do
      [ -d "$dir" ] || fail "image $id lacks its layer $dir"
    done
    run -0 ctool run --rm --network none "$id" true
  done
}

# --- kill -9 during a pull --------------------------------------------------

# Start a pull of REF in the background and kill it with SIGKILL after
# SECONDS; afterwards nothing of it runs.
pull_killed_after() {
  local secs=$1 ref=$2 pid
  "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" pull -q "$ref" > /dev/null 2>&1 &
  pid=$!
  sleep "$secs"
  kill -9 "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  assert_no_processes_left
}

@test "kill -9 during a pull, at any moment: never a half image; the next pull completes it" {
  local secs
  # Straight from the registry: the steps take milliseconds.
  for secs in 0.01 0.03 0.05 0.08 0.12 0.17 0.25 0.35; do
    pull_killed_after "$secs" "$IMAGE_LAYERS"
    assert_images_whole
    ctool rmi -a -f >/dev/null 2>&1 || true
  done
  # Through a slow proxy: killed in the middle of the downloads.
  start_registry_proxy --rate 500000
  for secs in 0.3 1 2; do
    pull_killed_after "$secs" "$CTOOL_TEST_PROXY/ctool-test/layers:latest"
    assert_images_whole
  done
  # The next pull finishes the job and leaves no temp file.
  run -0 ctool pull -q "$IMAGE_LAYERS"
  assert_images_whole
  run -0 ctool run --rm --network none "$IMAGE_LAYERS" cat /data/keep.txt
  assert_output "keep v3"
  run -0 find "$CTOOL_TEST_ROOT/tmp" -mindepth 1
  assert_output ""
}

# --- kill -9 during a container start ---------------------------------------

@test "kill -9 during container start: ps shows every container, rm removes them, nothing is left" {
  local i pid
  for i in $(seq 0 11); do
    "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" run -d --name "bg$i" "$IMAGE" $SLEEP >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$((i * 8 / 10))$((i * 8 % 10))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" run --name "fg$i" "$IMAGE" $SLEEP >/dev/null 2>&1 &
    pid=$!
    sleep "0.0$((i * 8 / 10))$((i * 8 % 10))"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  # Every container that exists is listed, in a state ps knows.
  run -0 ctool ps -a --format json
  local listed
  listed=$(jq -r '.[].Id' <<< "$output" | sort)
  [ "$listed" = "$(stored_containers | sort)" ] || fail "ps lists [$listed], the store holds [$(stored_containers | sort)]"
  run -0 jq -r '.[].State' <<< "$output"
  for state in "${lines[@]}"; do
    [[ "$state" =~ ^(created|running|exited)$ ]] || fail "a container in state '$state'"
  done
  # inspect and stop work on each, rm removes them all.
  for id in $listed; do ctool inspect --type container "$id" >/dev/null || fail "inspect $id failed"; done
  run -0 ctool stop -a -t 0
  run -0 ctool rm -a -f -t 0
  # Drafts of containers whose create was killed stay in containers/tmp
  # until they are a minute old (a younger one may still be in the making),
  # then the next rm sweeps them: let a minute pass.
  find "$CTOOL_TEST_ROOT/containers/tmp" -mindepth 1 -maxdepth 1 -exec touch -h -d '2 minutes ago' {} +
  run -0 ctool rm -a -f -t 0
  # A create killed between claiming its name and moving into place leaves
  # the name's link behind, pointing at no container: each such name must
  # be free for a new container.
  local link
  for link in "$CTOOL_TEST_ROOT"/containers/names/*; do
    [ -L "$link" ] || continue
    [ ! -e "$CTOOL_TEST_ROOT/containers/$(readlink "$link")" ] || fail "$(basename "$link") names a container rm left"
    run -0 ctool run --rm --name "$(basename "$link")" "$IMAGE" echo ok
    assert_output ok
  done
  rm -f "$CTOOL_TEST_ROOT"/containers/names/*
  assert_nothing_left
  assert_no_processes_left
  run -0 ctool run --rm --name bg0 "$IMAGE" echo ok
  assert_output ok
}

# --- a full disk -------------------------------------------------------------

SMALL_FS=/var/tmp/ctool-small-fs

# The store on the small filesystem (tests/setup/prepare-host.sh mounts it),
# locked against other test runs for the duration of the test.
use_small_fs() {
  mountpoint -q "$SMALL_FS" && [ -w "$SMALL_FS" ] ||
    skip "no small filesystem at $SMALL_FS (tests/setup/prepare-host.sh makes it)"
  exec {SMALL_LOCK_FD}>>"$SMALL_FS/.lock"
  flock -w 600 "$SMALL_LOCK_FD" || fail "the small filesystem stayed locked"
  remove_tree "$CTOOL_TEST_ROOT"
  export CTOOL_TEST_ROOT=$SMALL_FS/root-$$-$BATS_TEST_NUMBER
  FILLER=$SMALL_FS/filler-$$-$BATS_TEST_NUMBER
}

# Fill the filesystem, then give back KB kilobytes.
fill_leaving() {
  rm -f "$FILLER"
  sync
  head -c 200M /dev/zero > "$FILLER" 2>/dev/null || true
  truncate -s "-$(($1 * 1024))" "$FILLER"
  sync
}

# One error line on stderr, 125, naming the full disk.
assert_disk_full_error() {
  [ "$status" -eq 125 ] || fail "exit $status, not 125: $stderr"
  [[ "$(tail -n 1 <<< "$stderr")" == "ctool: "*"No space left on device"* ]] || fail "not a full-disk error: $stderr"
  [ "$(grep '^ctool: ' <<< "$stderr" | grep -vc '^ctool: warning: ')" -eq 1 ] || fail "more than one error line: $stderr"
}

@test "a full disk under the store: clear errors, no half image or container, everything works once there is room" {
  use_small_fs
  mkdir -p "$CTOOL_TEST_ROOT"
  local kb
  # A pull that runs out of room while downloading, then while extracting.
  for kb in 100 1500; do
    fill_leaving "$kb"
    run --separate-stderr ctool pull -q "$IMAGE"
    assert_disk_full_error
    run -0 ctool images -q
    assert_output ""
    run -0 find "$CTOOL_TEST_ROOT" -mindepth 1 -not -type d -not -name '*.lock' -not -name oci-layout -not -name index.json
    assert_output ""
    if [ -f "$CTOOL_TEST_ROOT/index.json" ]; then
      [ "$(jq '.manifests | length' "$CTOOL_TEST_ROOT/index.json")" = 0 ]
    fi
  done
  rm -f "$FILLER"
  run --separate-stderr ctool pull -q "$IMAGE"
  [ "$status" -eq 0 ] || fail "the pull failed with room again: $stderr (df: $(df -k "$SMALL_FS" | tail -n1))"
  assert_images_whole

  # A container that fills the disk gets its own error; its monitor (whose
  # log is on that disk too) records the exit; ps, logs, wait and rm work
  # on the full disk, and rm gives the room back.
  run -1 ctool run --rm --network none "$IMAGE" sh -c 'cat /dev/zero > /big'
  assert_output --partial "No space left on device"
  run -0 ctool run -d --name filler --network none "$IMAGE" sh -c 'cat /dev/zero > /big'
  run -0 ctool wait filler
  assert_output 1
  run -0 ctool ps -a --format json
  [ "$(jq -r '.[0].State' <<< "$output")" = exited ]
  [ "$(jq -r '.[0].ExitCode' <<< "$output")" = 1 ]
  [ "$(df --output=avail -k "$SMALL_FS" | tail -n1)" -lt 100 ] || fail "the disk is not full: $(df -k "$SMALL_FS")"
  run -0 ctool logs filler
  run -0 ctool images -q
  [ -n "$output" ]
  # Creating a container on the full disk fails cleanly, or works.
  run --separate-stderr ctool create --name more "$IMAGE" true
  if [ "$status" -ne 0 ]; then
    assert_disk_full_error
    [ "$(stored_containers | wc -l)" -eq 1 ] || fail "a half container was left: $(stored_containers)"
    [ -z "$(ls -A "$CTOOL_TEST_ROOT/containers/tmp" 2>/dev/null)" ] || fail "leftovers in containers/tmp"
    [ ! -e "$CTOOL_TEST_ROOT/containers/names/more" ] || fail "the name 'more' was left taken"
  fi
  run -0 ctool rm -a -f
  assert_nothing_left
  [ "$(df --output=avail -k "$SMALL_FS" | tail -n1)" -gt 10000 ] || fail "rm did not give the room back: $(df -k "$SMALL_FS")"
  run -0 ctool run --rm --network none "$IMAGE" echo works
  assert_output works
}

# --- the runtime directory lost (a reboot) ----------------------------------

@test "after a reboot (every process gone, the runtime directory wiped): ps, start, exec, rm work again" {
  ctool run -d --name web "$IMAGE" $SLEEP >/dev/null
  ctool run -d --rm --name gone "$IMAGE" $SLEEP >/dev/null
  ctool create --name fresh "$IMAGE" true >/dev/null
  run -0 ctool exec web true
  # The reboot: every process of the containers and their monitors dies,
  # the runtime directory (a tmpfs) is empty afterwards.
  pkill -9 -u "$(id -u)" -f "ctool-monitor .*$CTOOL_TEST_ROOT" || true
  pkill -9 -u "$(id -u)" -f "$SLEEP" || true
  [ ! -f "$CTOOL_TEST_RUNROOT/pause.pid" ] || kill -9 "$(cut -d' ' -f1 "$CTOOL_TEST_RUNROOT/pause.pid")"
  assert_no_processes_left
  rm -rf "$CTOOL_TEST_RUNROOT"
  run -0 ctool ps -a --format json
  [ "$(jq -r '[.[] | .Names[0] + "=" + .State] | sort | join(" ")' <<< "$output")" = "fresh=created web=exited" ] ||
    [ "$(jq -r '[.[] | .Names[0] + "=" + .State] | sort | join(" ")' <<< "$output")" = "fresh=created gone=exited web=exited" ] ||
    fail "after the reboot ps says: $output"
  # Everything works again: start, exec, logs, stop, rm; the seccomp cache
  # and the runtime state are made anew.
  run -0 ctool start web
  run -0 ctool exec web echo again
  assert_output again
  run -0 ctool start -a fresh
  run -0 ctool stop -t 0 web
  run -0 ctool rm -a -f
  assert_nothing_left
  assert_no_processes_left
  run -0 ctool run --rm "$IMAGE" echo fine
  assert_output fine
}

# --- run --rm that cannot remove its container ------------------------------

running_named() {
  [ "$(ctool ps --filter name=^"$1"\$ --format '{{.Names}}')" = "$1" ]
}

@test "run --rm that cannot remove its container: the error, and the container stays, exited with its code" {
  ctool run --rm --name stays --network none "$IMAGE" sh -c 'sleep 1; exit 7' 2>"$BATS_TEST_TMPDIR/err" &
  local pid=$! rc=0
  wait_until 10 running_named stays || fail "the container never ran"
  # Where removal moves a container first: not writable now.
  chmod 500 "$CTOOL_TEST_ROOT/containers/tmp"
  wait "$pid" || rc=$?
  chmod 700 "$CTOOL_TEST_ROOT/containers/tmp"
  [ "$rc" = 125 ] || fail "run exited $rc: $(cat "$BATS_TEST_TMPDIR/err")"
  run -0 cat "$BATS_TEST_TMPDIR/err"
  assert_output --partial "remove container stays: Permission denied"
  run -0 ctool inspect --format '{{.State.Status}} {{.State.ExitCode}}' stays
  assert_output "exited 7"
  run -0 ctool rm stays
  run -0 ctool ps -a --format '{{.Names}}'
  assert_output ""
}
