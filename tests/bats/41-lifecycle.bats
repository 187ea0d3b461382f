#!/usr/bin/env bats
# Containers over their life: detached runs, ps, logs, stop, kill, start,
# restart, wait, rm, prune, inspect, names and ID prefixes; and the
# faults: a killed monitor, a lost runtime directory, a reused PID.

load helpers
load containers

setup_file() { containers_setup_file; }
setup() { containers_setup; }

# PID no longer runs (gone, or a zombie its new parent has yet to reap).
process_gone() {
  [ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ] || [ ! -e "/proc/$1" ]
}

# The monitor of a running container, from inspect.
monitor_pid() {
  inspect_field "$1" .State.ConmonPid
}

@test "run -d, ps, logs, stop, rm: the whole cycle" {
  run -0 ctool run -d --name web "$IMAGE" sh -c 'echo to-out; echo to-err >&2; exec sleep 1000'
  local id=$output
  [[ "$id" =~ ^[0-9a-f]{64}$ ]]
  run -0 ctool ps
  assert_line --index 0 --regexp '^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$'
  assert_line --index 1 --regexp "^${id:0:12} +$IMAGE +sh -c echo to-out\.\.\. +.* ago +Up .* ago +web\$"
  [ "${#lines[@]}" -eq 2 ]
  wait_until 10 bash -c "$(declare -f ctool); ctool logs web | grep -q to-out"
  run -0 --separate-stderr ctool logs web
  assert_output to-out
  assert_equal "$stderr" to-err
  run -0 --separate-stderr ctool stop -t 1 web
  assert_output web
  run -0 ctool ps
  [ "${#lines[@]}" -eq 1 ]
  run -0 ctool ps -a
  assert_line --index 1 --regexp "Exited \(137\) .* ago +web\$"
  run -0 ctool rm web
  assert_output "$id"
  assert_nothing_left
}

@test "stop sends the stop signal, and SIGKILL after the grace time to a container that ignores it" {
  ctool run -d --name polite "$IMAGE" sh -c 'trap "exit 7" TERM; while :; do sleep 0.1; done' >/dev/null
  run -0 ctool stop polite
  [ "$(inspect_field polite .State.ExitCode)" = 7 ]
  ctool run -d --name stubborn "$IMAGE" sh -c "trap '' TERM; sleep 987654 & while :; do wait; done" >/dev/null
  wait_until 10 pgrep -u "$(id -u)" -f "sleep 98765[4]"
  local start=$SECONDS
  run -0 --separate-stderr ctool stop -t 2 stubborn
  (( SECONDS - start >= 2 && SECONDS - start < 8 ))
  assert_equal "$stderr" "ctool: warning: StopSignal SIGTERM failed to stop container stubborn in 2 seconds, resorting to SIGKILL"
  [ "$(inspect_field stubborn .State.Status)" = exited ]
  [ "$(inspect_field stubborn .State.ExitCode)" = 137 ]
  # Every process of the container is gone, the backgrounded sleep too.
  ! pgrep -u "$(id -u)" -f "sleep 98765[4]" >/dev/null || fail "a process of the container survived"
  run -0 ctool rm polite stubborn
  assert_nothing_left
}

@test "--stop-signal and --stop-timeout are the container's defaults" {
  ctool run -d --name s --stop-signal USR1 --stop-timeout 1 "$IMAGE" \
    sh -c 'trap "exit 5" USR1; while :; do sleep 0.1; done' >/dev/null
  run -0 ctool stop s
  [ "$(inspect_field s .State.ExitCode)" = 5 ]
  [ "$(inspect_field s .Config.StopSignal)" = 10 ]
  [ "$(inspect_field s .Config.StopTimeout)" = 1 ]
}

@test "kill sends a signal; a foreground run killed from outside exits with 128+signal" {
  ctool run -d --name k "$IMAGE" sh -c 'trap "echo got-hup" HUP; while :; do sleep 0.1; done' >/dev/null
  run -0 ctool kill -s HUP k
  assert_output k
  wait_until 10 bash -c "$(declare -f ctool); ctool logs k | grep -q got-hup"
  run -0 ctool kill k
  run -0 ctool wait k
  assert_output 137
  run -125 ctool kill k
  assert_output --partial "can only kill running containers"
  run -125 ctool kill -s NOSIG k
  # The foreground run of a container killed by another ctool.
  # ctool itself in the background (not the shell function), to wait for it.
  "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" run --name fg "$IMAGE" sleep 1000 &
  local bg=$!
  wait_until 10 bash -c "$(declare -f ctool); ctool ps -q --filter name=fg | grep -q ."
  run -0 ctool kill fg
  local rc=0
  wait "$bg" || rc=$?
  [ "$rc" -eq 137 ] || fail "ctool exited with $rc, not 137"
}

@test "create, start, start -a, restart, wait" {
  run -0 ctool create --name job "$IMAGE" sh -c 'echo run; exit 3'
  local id=$output
  run -0 ctool ps -a --format json
  [ "$(jq -r '.[0].State' <<< "$output")" = created ]
  run -3 ctool start -a job
  assert_output run
  run -0 ctool start job
  assert_output job
  run -0 ctool wait job
  assert_output 3
  ctool run -d --name svc "$IMAGE" sleep 1000 >/dev/null
  local pid1
  pid1=$(inspect_field svc .State.Pid)
  run -0 ctool restart -t 0 svc
  [ "$(inspect_field svc .State.Status)" = running ]
  [ "$(inspect_field svc .State.Pid)" != "$pid1" ]
  # Starting a running container is not an error.
  run -0 ctool start svc
  run -0 ctool rm -f -t 0 svc
  run -0 ctool rm "${id:0:8}"
  assert_nothing_left
}

@test "names, IDs and unique ID prefixes find containers; unknown ones are clear errors" {
  local id
  id=$(ctool create --name named "$IMAGE" true)
  for ref in named "$id" "${id:0:3}" "${id:0:12}"; do
    run -0 ctool inspect --type container "$ref"
    [ "$(jq -r '.[0].Id' <<< "$output")" = "$id" ]
  done
  run -125 --separate-stderr ctool inspect --type container nosuch
  assert_equal "$stderr" 'ctool: no container with name or ID "nosuch" found: no such container'
  run -125 ctool rm nosuch
  run -0 ctool rm --ignore nosuch
  # A random name when none is given: adjective_noun.
  run -0 ctool create "$IMAGE" true
  [[ "$(inspect_field "$output" .Name)" =~ ^[a-z]+_[a-z]+$ ]]
}

@test "several containers at once: each one done is printed, each failure reported, exit 125 when any failed" {
  local missing='ctool: no container with name or ID "nosuch" found: no such container'
  a=$(ctool create --name a "$IMAGE" sleep 1000)
  b=$(ctool create --name b "$IMAGE" sleep 1000)
  run -125 --separate-stderr ctool start a nosuch b
  assert_output "a
b"
  assert_equal "$stderr" "$missing"
  # Starting a running one again is no error.
  run -0 --separate-stderr ctool start a
  assert_output a
  run -125 --separate-stderr ctool restart -t 0 nosuch "${b:0:12}"
  assert_output "$b"
  assert_equal "$stderr" "$missing"
  run -125 --separate-stderr ctool kill -s KILL a nosuch
  assert_output a
  assert_equal "$stderr" "$missing"
  run -125 --separate-stderr ctool wait a nosuch
  assert_output 137
  assert_equal "$stderr" "$missing"
  run -0 --separate-stderr ctool stop -t 0 --ignore b nosuch
  assert_output b
  assert_equal "$stderr" ""
  # Nothing done: the last error is the command's.
  run -125 --separate-stderr ctool stop nosuch other
  assert_output ""
  assert_equal "$stderr" "$missing
ctool: no container with name or ID \"other\" found: no such container"
  run -125 --separate-stderr ctool rm a nosuch "${b:0:12}"
  assert_output "$a
$b"
  assert_equal "$stderr" "$missing"
  # A name that is also the start of another one's ID: each is echoed as
  # it was typed.
  other=$(ctool create --name other "$IMAGE" sleep 1000)
  ctool create --name "${other:0:1}" "$IMAGE" sleep 1000 >/dev/null
  run -0 --separate-stderr ctool start "${other:0:1}" other
  assert_output "${other:0:1}
other"
  run -0 ctool rm -f -t 0 "${other:0:1}" other
  no_containers
}

@test "ps -a, -q, --no-trunc, --format json and filters" {
  ctool run --name done -l team=a "$IMAGE" sh -c 'exit 2' || true
  ctool run -d --name up -l team=b "$IMAGE" sleep 1000 >/dev/null
  ctool create --name fresh "$IMAGE" true >/dev/null
  run -0 ctool ps -q
  [ "${#lines[@]}" -eq 1 ]
  [[ "$output" =~ ^[0-9a-f]{12}$ ]]
  run -0 ctool ps -aq --no-trunc
  [ "${#lines[@]}" -eq 3 ]
  [[ "${lines[0]}" =~ ^[0-9a-f]{64}$ ]]
  run -0 ctool ps -a --filter status=exited --format json
  [ "$(jq -r '.[0].Names[0] + " " + (.[0].ExitCode|tostring) + " " + .[0].State' <<< "$output")" = "done 2 exited" ]
  run -0 ctool ps -a --filter label=team=b --format json
  [ "$(jq -r '.[].Names[0]' <<< "$output")" = up ]
  run -0 ctool ps -a --filter label=team --filter status=created --format json
  [ "$(jq length <<< "$output")" = 0 ]
  run -0 ctool ps -a --filter 'name=^fr' -q
  [ "$output" = "$(ctool inspect fresh | jq -r '.[0].Id[0:12]')" ]
  run -0 ctool ps -a --format '{{.Names}} {{.State}}' --filter status=running --filter status=created
  assert_output "$(printf 'fresh created\nup running')"
  run -0 ctool ps --format 'table {{.ID}} {{.Names}}'
  assert_line --index 0 --regexp '^CONTAINER ID +NAMES$'
  assert_line --index 1 --regexp '^[0-9a-f]{12} +up$'
  run -125 ctool ps --format '{{.NoSuchField}}'
  run -125 ctool ps --filter bogus=1
  run -125 ctool ps --filter status=sleeping
  run -0 ctool rm -a -f -t 0
  assert_nothing_left
}

@test "inspect shows Podman's shape and the OCI config" {
  mkdir "$BATS_TEST_TMPDIR/data"
  ctool run -d --name insp -e FOO=bar -w /tmp -l k=v -v "$BATS_TEST_TMPDIR/data:/data:ro" "$IMAGE" \
    sh -c 'sleep 1000' >/dev/null
  run -0 ctool inspect insp
  local j=$output
  [ "$(jq -r '.[0].State.Status' <<< "$j")" = running ]
  [ "$(jq -r '.[0].State.Running' <<< "$j")" = true ]
  [ "$(jq -r '.[0].State.Pid > 0' <<< "$j")" = true ]
  [ "$(jq -r '.[0].State.OOMKilled' <<< "$j")" = false ]
  [[ "$(jq -r '.[0].State.StartedAt' <<< "$j")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T ]]
  [ "$(jq -r '.[0].Path' <<< "$j")" = sh ]
  [ "$(jq -c '.[0].Args' <<< "$j")" = '["-c","sleep 1000"]' ]
  [ "$(jq -r '.[0].Name' <<< "$j")" = insp ]
  [ "$(jq -r '.[0].ImageName' <<< "$j")" = "$IMAGE" ]
  [ "$(jq -r '.[0].Config.Hostname' <<< "$j")" = "$(jq -r '.[0].Id[0:12]' <<< "$j")" ]
  [ "$(jq -r '.[0].Config.WorkingDir' <<< "$j")" = /tmp ]
  [ "$(jq -r '.[0].Config.Labels.k' <<< "$j")" = v ]
  jq -e '.[0].Config.Env | index("FOO=bar")' <<< "$j" >/dev/null
  [ "$(jq -r '.[0].Mounts[0].Destination + " " + (.[0].Mounts[0].RW|tostring)' <<< "$j")" = "/data false" ]
  [ "$(jq -r '.[0].OCIConfig.process.args[0]' <<< "$j")" = sh ]
  [ "$(jq -r '.[0].State.Pid' <<< "$j")" = "$(cat "$CTOOL_TEST_RUNROOT/containers/$(jq -r '.[0].Id' <<< "$j")/state.json" | jq .pid)" ]
  run -0 ctool stop -t 0 insp
  run -0 ctool inspect insp
  [ "$(jq -r '.[0].State.Status' <<< "$output")" = exited ]
  [ "$(jq -r '.[0].State.Pid' <<< "$output")" = 0 ]
  [ "$(jq -r '.[0].State.ExitCode' <<< "$output")" = 137 ]
  run -0 ctool inspect --format '{{.State.Status}} {{.Config.WorkingDir}} {{index .Config.Labels "k"}}' insp
  assert_output "exited /tmp v"
  # An image through the same verb.
  run -0 ctool inspect "$IMAGE"
  [ "$(jq -r '.[0].RepoTags[0]' <<< "$output")" = "$IMAGE" ]
}

@test "logs --tail, -t and -f" {
  ctool run -d --name talk "$IMAGE" sh -c 'for i in 1 2 3 4 5; do echo line$i; done; printf partial; sleep 1; echo late' >/dev/null
  wait_until 10 bash -c "$(declare -f ctool); ctool logs talk | grep -q line5"
  run -0 ctool logs --tail 2 talk
  assert_output "$(printf 'line4\nline5')"
  run -0 ctool logs -t --tail 1 talk
  assert_output --regexp '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+[+-][0-9]{2}:[0-9]{2} line5$'
  run -0 ctool logs -f talk
  assert_output "$(printf 'line1\nline2\nline3\nline4\nline5\npartiallate')"
  run -0 ctool wait talk
  assert_output 0
}

@test "a foreground run keeps its output in the log: stdout, stderr, -t; --rm passes stdio straight" {
  run -3 --separate-stderr ctool run --name fg "$IMAGE" sh -c 'echo out1; echo err1 >&2; echo out2; printf tail; exit 3'
  assert_output "$(printf 'out1\nout2\ntail')"
  [ "$stderr" = err1 ]
  run -0 --separate-stderr ctool logs fg
  assert_output "$(printf 'out1\nout2\ntail')"
  [ "$stderr" = err1 ]
  # The exit code still comes through; a start -a adds to the log.
  run -3 ctool start -a fg
  [ "$(grep -c out1 "$CTOOL_TEST_ROOT/containers/$(inspect_field fg .Id)/ctr.log")" -eq 2 ]
  run -0 ctool run --name fgt -t "$IMAGE" sh -c 'echo tty1; echo tty2 >&2' < /dev/null
  assert_output "$(printf 'tty1\r\ntty2\r')"
  run -0 --separate-stderr ctool logs fgt
  assert_output "$(printf 'tty1\ntty2')"
  # --rm: the container's stdout is ctool's own (here a file), no relay.
  ctool run --rm "$IMAGE" sh -c 'readlink /proc/self/fd/1' > "$BATS_TEST_TMPDIR/out"
  run -0 cat "$BATS_TEST_TMPDIR/out"
  refute_output --partial pipe:
  run -0 ctool run --name fgp "$IMAGE" sh -c 'readlink /proc/self/fd/1'
  assert_output --partial pipe:
  run -0 ctool rm fg fgt fgp
  assert_nothing_left
}

@test "kill -9 of a monitor: ps still shows the container, stop and rm work, nothing is left" {
  ctool run -d --name orphan "$IMAGE" sleep 1000 >/dev/null
  local mon pid
  mon=$(monitor_pid orphan)
  pid=$(inspect_field orphan .State.Pid)
  kill -9 "$mon"
  run -0 ctool ps -a --format json
  [ "$(jq -r '.[0].Names[0]' <<< "$output")" = orphan ]
  # It still runs, and ps says so: the process is there with its start time.
  [ "$(jq -r '.[0].State' <<< "$output")" = running ]
  run -0 ctool rm -f -t 0 orphan
  process_gone "$pid" || fail "the container's process survived rm"
  assert_nothing_left
}

@test "kill -9 of a monitor whose container then ends: ps shows it exited, rm works" {
  ctool run -d --name brief "$IMAGE" sh -c 'sleep 1' >/dev/null
  kill -9 "$(monitor_pid brief)"
  wait_until 10 bash -c "$(declare -f ctool); ctool ps -a --format json | jq -e '.[0].State == \"exited\"' >/dev/null"
  run -0 ctool ps -a
  assert_line --index 1 --partial "Exited"
  run -0 ctool rm brief
  assert_nothing_left
}

@test "a lost runtime directory (a reboot) reads as exited; a reused PID is not taken for the container" {
  ctool run --name before "$IMAGE" true
  ctool create --name created "$IMAGE" true >/dev/null
  ctool run -d --name live "$IMAGE" sleep 1000 >/dev/null
  local pid id state
  pid=$(inspect_field live .State.Pid)
  id=$(inspect_field live .Id)
  state=$CTOOL_TEST_RUNROOT/containers/$id/state.json
  # As after a reboot: the monitor is gone, and the kernel gave the
  # container's PID to another process (started later than recorded).
  kill -9 "$(monitor_pid live)"
  sleep 1000 &
  local other=$!
  jq --argjson p "$other" '.pid = $p' "$state" > "$state.new" && mv "$state.new" "$state"
  run -0 ctool ps -a --filter name=live --format json
  [ "$(jq -r '.[0].State' <<< "$output")" = exited ]
  kill "$other"
  kill -9 "$pid"
  # The reboot itself: the runtime directory is gone, and every process
  # (the pause process too).
  [ ! -f "$CTOOL_TEST_RUNROOT/pause.pid" ] || kill -9 "$(cut -d' ' -f1 "$CTOOL_TEST_RUNROOT/pause.pid")"
  rm -rf "$CTOOL_TEST_RUNROOT"
  run -0 ctool ps -a --format json
  [ "$(jq -r '[.[] | .Names[0] + "=" + .State] | sort | join(" ")' <<< "$output")" = "before=exited created=created live=exited" ]
  [ "$(jq -r '.[] | select(.Names[0] == "before") | .ExitCode' <<< "$output")" = 0 ]
  run -0 ctool start -a before
  run -0 ctool rm -a
  assert_nothing_left
}

@test "rm refuses a running container without --force; rm -a, -v and container prune" {
  ctool run -d --name busy -v /anon "$IMAGE" sleep 1000 >/dev/null
  run -125 --separate-stderr ctool rm busy
  [[ "$stderr" == *"cannot remove container"*"as it is running"* ]]
  local vol
  vol=$(inspect_field busy '.Mounts[0].Name')
  [ -d "$CTOOL_TEST_ROOT/volumes/$vol/_data" ]
  run -0 ctool rm -f -v -t 0 busy
  [ ! -e "$CTOOL_TEST_ROOT/volumes/$vol" ]
  ctool create --name c1 "$IMAGE" true >/dev/null
  ctool run --name c2 "$IMAGE" true
  ctool run -d --name c3 "$IMAGE" sleep 1000 >/dev/null
  run -0 ctool container prune -f
  [ "${#lines[@]}" -eq 2 ]
  run -0 ctool ps -a --format json
  [ "$(jq -r '.[].Names[0]' <<< "$output")" = c3 ]
  run -0 bash -c "echo n | $(printf '%q ' "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT") container prune"
  run -0 ctool container ls -q
  [ "${#lines[@]}" -eq 1 ]
  run -0 ctool rm -a -f -t 0
  assert_nothing_left
}

@test "files owned by subordinate IDs in the container are removed by rm" {
  run -0 ctool run --name owners "$IMAGE" sh -c 'mkdir -p /data/sub && touch /data/sub/f && chown -R 1234:1234 /data && chmod 700 /data/sub'
  run -0 ctool rm owners
  assert_nothing_left
}

@test "100 detached containers are listed, stopped and removed; no ctool process is left" {
  local i ids=()
  for i in $(seq 100); do
    ids+=("$(ctool run -d "$IMAGE" sleep 1000)")
  done
  run -0 ctool ps -q
  [ "${#lines[@]}" -eq 100 ]
  run -0 ctool stop -a -t 0
  [ "${#lines[@]}" -eq 100 ]
  run -0 ctool ps -aq --filter status=exited
  [ "${#lines[@]}" -eq 100 ]
  run -0 ctool rm -a
  [ "${#lines[@]}" -eq 100 ]
  assert_nothing_left
  ! pgrep -u "$(id -u)" -f "$CTOOL_TEST_ROOT" >/dev/null || fail "processes of this store are left: $(pgrep -a -u "$(id -u)" -f "$CTOOL_TEST_ROOT")"
}

@test "run pulls a missing image; --pull=never does not" {
  skip_unless_verb pull
  local img=$CTOOL_TEST_REGISTRY/ctool-test/busybox-docker:latest
  run -125 ctool run --rm --pull=never "$img" true
  assert_output --partial "image not known"
  run -0 ctool run --rm "$img" echo pulled
  assert_line pulled
  run -0 ctool images
  assert_output --partial ctool-test/busybox-docker
  run -125 ctool run --rm "$CTOOL_TEST_REGISTRY/ctool-test/nosuch:latest" true
  assert_nothing_left
}

@test "run -d --init returns at once, and its PID 1 holds nothing of ctool but stdio" {
  # PID 1 of --init is a fork of ctool that never execs: every descriptor
  # it inherited (a monitor's ready pipe, the container lock) must be closed,
  # or run -d waits forever for the monitor's ready pipe to close.
  run -0 timeout 30 "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" \
    run -d --init --network none --name initd "$IMAGE" sleep 600
  run -0 ctool exec initd ls /proc/1/fd
  assert_equal "$(echo $output)" "0 1 2"
  run -0 timeout 30 "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" stop -t 2 initd
  run -0 ctool rm -f initd
  assert_nothing_left
}
