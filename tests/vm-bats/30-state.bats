#!/usr/bin/env bats
# What the cgroup gives beyond limits: pause/unpause (cgroup.freeze),
# stop and rm -f of a whole process tree (cgroup.kill), top and stats.

load helpers

# Processes in a cgroup and below.
procs_in() {
  find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null | wc -l
}

# The sleep processes in a cgroup and below.
sleeps_in() {
  local pid n=0
  for pid in $(find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null); do
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = sleep ] && n=$((n + 1))
  done
  echo "$n"
}

@test "pause freezes every process of the container (cgroup.freeze); unpause thaws them" {
  skip_unless_verb pause
  skip_unless_verb unpause
  mkdir "$BATS_TEST_TMPDIR/v"
  ticks=$BATS_TEST_TMPDIR/v/ticks
  id=$(ctool run -d -v "$BATS_TEST_TMPDIR/v:/v" "$IMAGE" sh -c \
    'sh -c "while :; do echo child >> /v/ticks; sleep 0.2; done" & while :; do echo parent >> /v/ticks; sleep 0.2; done')
  wait_until 30 eval '[ "$(grep -c child "$ticks")" -ge 2 ] && [ "$(grep -c parent "$ticks")" -ge 2 ]' ||
    fail "the container does not tick: $(cat "$ticks" 2>/dev/null)"
  cg=$(container_cgroup "$id")

  run -0 ctool pause "$id"
  [ "$(cat "$cg/cgroup.freeze")" = 1 ] || fail "cgroup.freeze: $(cat "$cg/cgroup.freeze")"
  grep -qx 'frozen 1' "$cg/cgroup.events" || fail "cgroup.events: $(cat "$cg/cgroup.events")"
  [ "$(inspect_field "$id" .State.Status)" = paused ] || fail "status: $(inspect_field "$id" .State.Status)"
  before=$(wc -l < "$ticks")
  sleep 2
  [ "$(wc -l < "$ticks")" = "$before" ] || fail "the container kept running while paused"

  run -0 ctool unpause "$id"
  [ "$(cat "$cg/cgroup.freeze")" = 0 ]
  [ "$(inspect_field "$id" .State.Status)" = running ] || fail "status: $(inspect_field "$id" .State.Status)"
  wait_until 20 eval '[ "$(wc -l < "$ticks")" -gt "$before" ]' || fail "the container did not resume"
}

@test "stop and rm -f kill every process of a forking container that ignores SIGTERM (cgroup.kill)" {
  skip_unless_option run --memory
  # Children that ignore TERM, a grandchild in its own session.
  cat > "$BATS_TEST_TMPDIR/forker.sh" <<'SCRIPT'
trap '' TERM
for i in 1 2 3 4 5; do sh -c 'trap "" TERM; sleep 1000' & done
setsid sh -c 'trap "" TERM; sleep 1001 & sleep 1001' &
sleep 1000
SCRIPT
  for verb in stop rm; do
    id=$(ctool run -d -v "$BATS_TEST_TMPDIR:/t:ro" "$IMAGE" sh /t/forker.sh)
    cg=$(container_cgroup "$id")
    wait_until 30 eval '[ "$(sleeps_in "$cg")" = 8 ]' || fail "the tree did not start: $(sleeps_in "$cg") sleeps"
    if [ "$verb" = stop ]; then
      run -0 ctool stop -t 1 "$id"
      [ "$(inspect_field "$id" .State.Status)" = exited ] || fail "status after stop: $(inspect_field "$id" .State.Status)"
    else
      run -0 ctool rm -f -t 1 "$id"
    fi
    wait_until 10 eval '[ "$(procs_in "$cg")" = 0 ]' || fail "$verb left $(procs_in "$cg") processes in $cg"
    run pgrep -u "$(id -u)" -f 'sleep 100[01]'
    [ "$status" = 1 ] || fail "$verb left processes: $output"
  done
}

@test "top lists the container's processes" {
  skip_unless_verb top
  id=$(ctool run -d "$IMAGE" sh -c 'sleep 1000 & sleep 1001')
  wait_until 20 eval '[ "$(sleeps_in "$(container_cgroup "$id")")" = 2 ]' || fail "the sleeps did not start"
  run -0 ctool top "$id"
  assert_line --index 0 --regexp 'PID'
  assert_line --index 0 --regexp 'COMMAND'
  assert_output --partial "sleep 1000"
  assert_output --partial "sleep 1001"
}

@test "stats --no-stream: memory usage against the limit, PIDs, CPU; as a table and as JSON" {
  skip_unless_verb stats
  id=$(ctool run -d --name st --memory 64m "$IMAGE" sh -c 'sleep 1000 & sleep 1000')
  wait_until 20 eval '[ "$(sleeps_in "$(container_cgroup "$id")")" = 2 ]' || fail "the sleeps did not start"

  run -0 ctool stats --no-stream --format json "$id"
  jq -e 'type == "array" and length == 1' <<< "$output" >/dev/null || fail "not a one-entry JSON array: $output"
  entry=$(jq -c '.[0]' <<< "$output")
  [[ $(jq -r .id <<< "$entry") == "${id:0:12}"* ]] || fail "id: $entry"
  [ "$(jq -r .name <<< "$entry")" = st ] || fail "name: $entry"
  [ "$(jq -r '.pids | tonumber' <<< "$entry")" -ge 2 ] || fail "pids: $entry"
  # 64 MiB as Podman prints it (SI units): "1.2MB / 67.11MB".
  [[ $(jq -r .mem_usage <<< "$entry") =~ ^[0-9.]+[kMG]?B\ /\ 67\.11MB$ ]] || fail "mem_usage: $entry"
  [[ $(jq -r .cpu_percent <<< "$entry") =~ ^[0-9.]+%$ ]] || fail "cpu_percent: $entry"

  run -0 ctool stats --no-stream st
  assert_line --index 0 --regexp 'MEM USAGE / LIMIT'
  assert_line --index 0 --regexp 'PIDS'
  assert_line --index 1 --regexp "^${id:0:12} +st "
}
