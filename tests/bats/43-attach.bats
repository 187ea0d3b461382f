#!/usr/bin/env bats
# ctool attach: a terminal to a detached container through its monitor's
# attach socket: live output, stdin with -i, the exit code, detach keys.

load helpers
load containers

setup_file() { containers_setup_file; }
setup() { containers_setup; }

@test "attach shows a detached container's output live, from two clients, and exits with its code" {
  ctool run -d --name tick "$IMAGE" sh -c 'while :; do echo tick; sleep 0.2; done' >/dev/null
  "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" attach tick > "$BATS_TEST_TMPDIR/a1" 2>&1 &
  local a1=$!
  "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" attach tick > "$BATS_TEST_TMPDIR/a2" 2>&1 &
  local a2=$!
  # Lines arrive while it runs, and keep arriving.
  wait_until 10 grep -q tick "$BATS_TEST_TMPDIR/a1"
  local n1
  n1=$(grep -c tick "$BATS_TEST_TMPDIR/a1")
  wait_until 10 bash -c "[ \$(grep -c tick '$BATS_TEST_TMPDIR/a1') -gt $n1 ]"
  wait_until 10 grep -q tick "$BATS_TEST_TMPDIR/a2"
  [ "$(inspect_field tick .State.Status)" = running ]
  # It ends when the container does, with its code (SIGKILL: 137).
  run -0 ctool stop -t 0 tick
  local rc=0
  wait "$a1" || rc=$?
  [ "$rc" -eq 137 ] || fail "attach exited with $rc, not 137"
  rc=0
  wait "$a2" || rc=$?
  [ "$rc" -eq 137 ] || fail "the second attach exited with $rc, not 137"
  [ "$(grep -vc '^tick$' "$BATS_TEST_TMPDIR/a1")" -eq 0 ] || fail "unexpected output: $(cat "$BATS_TEST_TMPDIR/a1")"
  # The log has it all, as for any detached container.
  run -0 ctool logs tick
  assert_line tick
  run -0 ctool rm tick
  assert_nothing_left
}

@test "attach keeps stdout and stderr apart and returns the exit code" {
  ctool run -d --name job "$IMAGE" sh -c 'sleep 1; echo out; echo err >&2; exit 7' >/dev/null
  run -7 --separate-stderr ctool attach job
  assert_output out
  [ "$stderr" = err ]
  [ "$(inspect_field job .State.ExitCode)" = 7 ]
  # An exited container cannot be attached to; nor an unknown one.
  run -125 ctool attach job
  assert_output --partial "you can only attach to running containers"
  run -125 ctool attach nosuchcontainer
  assert_output --partial nosuchcontainer
  run -0 ctool rm job
  assert_nothing_left
}

@test "attach passes stdin to a container started with -i; --no-stdin does not" {
  ctool run -d -i --name reader "$IMAGE" sh -c 'read a; echo "got $a"; read b; echo "got $b"; exit 3' >/dev/null
  run -3 ctool attach reader <<< "$(printf 'one\ntwo')"
  assert_output "$(printf 'got one\ngot two')"
  run -125 ctool attach --detach-keys=ctrl-1 reader
  assert_output --partial "invalid --detach-keys"
  # Another attach's stdin reaches the container; --no-stdin keeps ours
  # out; the end of an attach's stdin is not the end of the container's.
  ctool run -d -i --name cat "$IMAGE" sh -c 'cat; echo "cat ended"' >/dev/null
  "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" attach --no-stdin cat \
    > "$BATS_TEST_TMPDIR/out" 2>&1 <<< "not for cat" &
  local bg=$!
  # (--sig-proxy=false: timeout's SIGTERM ends the attach, not the container)
  wait_until 10 bash -c "echo first | timeout 0.5 '$CTOOL' --root '$CTOOL_TEST_ROOT' --runroot '$CTOOL_TEST_RUNROOT' \
    attach --sig-proxy=false cat >/dev/null; grep -q first '$BATS_TEST_TMPDIR/out'"
  [ "$(inspect_field cat .State.Status)" = running ]
  run -0 ctool stop -t 0 cat
  wait "$bg" || true
  run -0 sort -u "$BATS_TEST_TMPDIR/out"
  assert_output first
  run -0 ctool rm reader cat
  assert_nothing_left
}

@test "attach -t: a terminal, the detach keys leave the container running, exit ends it" {
  ctool run -dit --name shell "$IMAGE" sh >/dev/null
  run -0 "$BATS_TEST_DIRNAME/pty-run.py" --send 'echo hi-$((6*7))\r' --expect 'hi-42' \
    --send '\x10\x11' -- "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" attach shell
  [ "$(inspect_field shell .State.Status)" = running ]
  # Its own terminal, with the window size of ours (pty-run's: 31x97).
  run -0 "$BATS_TEST_DIRNAME/pty-run.py" --send 'tty; stty size\r' --expect '31 97' \
    --send '\x10\x11' -- "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" attach shell
  assert_output --regexp '/dev/pts/[0-9]+'
  # Other keys; a broken sequence reaches the container as typed.
  run -0 "$BATS_TEST_DIRNAME/pty-run.py" --send 'echo a$((1))qb\r' --expect 'a1qb' --send 'qx' \
    -- "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" attach --detach-keys=q,x shell
  [ "$(inspect_field shell .State.Status)" = running ]
  run -5 "$BATS_TEST_DIRNAME/pty-run.py" --send 'exit 5\r' \
    -- "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" attach shell
  [ "$(inspect_field shell .State.Status)" = exited ]
  [ "$(inspect_field shell .State.ExitCode)" = 5 ]
  run -0 ctool rm shell
  assert_nothing_left
}

@test "run -it: the detach keys leave the container running; attach takes it back; --rm goes at the exit, with its code" {
  local ctool_cmd=("$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT")
  # Its code, its first output (nothing is lost before ctool attaches), a
  # terminal of our size, and an --rm container is gone when run returns.
  run -3 "$BATS_TEST_DIRNAME/pty-run.py" --expect 'first-line' --send 'stty size; echo hi-$((6*7))\r' --expect 'hi-42' \
    --send 'exit 3\r' -- "${ctool_cmd[@]}" run -it --rm "$IMAGE" sh -c 'echo first-line; exec sh'
  assert_output --partial '31 97'
  assert_nothing_left
  run -7 "$BATS_TEST_DIRNAME/pty-run.py" -- "${ctool_cmd[@]}" run -it --rm "$IMAGE" sh -c 'echo at-once; exit 7'
  assert_output --partial at-once
  assert_nothing_left
  # ctrl-p,ctrl-q: ctool returns 0, the container runs on under its monitor.
  run -0 "$BATS_TEST_DIRNAME/pty-run.py" --send 'echo one-$((1+1))\r' --expect 'one-2' --send '\x10\x11' \
    -- "${ctool_cmd[@]}" run -it --rm --name away "$IMAGE" sh
  [ "$(inspect_field away .State.Status)" = running ]
  run -4 "$BATS_TEST_DIRNAME/pty-run.py" --send 'echo back-$((2+2))\r' --expect 'back-4' --send 'exit 4\r' \
    -- "${ctool_cmd[@]}" attach away
  # --rm: its monitor removes it once it has exited.
  wait_until 10 eval '[ -z "$(ctool ps -a -q --filter name=away)" ]' || fail "away was not removed"
  # Other detach keys; bad ones are refused before anything is made.
  run -0 "$BATS_TEST_DIRNAME/pty-run.py" --send 'echo k\r' --expect 'k' --send 'qx' \
    -- "${ctool_cmd[@]}" run -it --detach-keys=q,x --name keys "$IMAGE" sh
  [ "$(inspect_field keys .State.Status)" = running ]
  # Stdin that is no terminal still reaches the command (as Podman).
  run -5 bash -c 'printf "echo from-stdin\nexit 5\n" | "$@"' _ "${ctool_cmd[@]}" run -it --rm "$IMAGE" sh
  assert_output --partial from-stdin
  run -125 --separate-stderr ctool run -it --detach-keys=ctrl-1 "$IMAGE" sh
  [[ "$stderr" == "ctool: "*"ctrl-1"* ]] || fail "unexpected error: $stderr"
  run -0 ctool rm -f -t 0 keys
  assert_nothing_left
}

@test "start -ai of a container with a terminal: as run -it, the detach keys leave it running" {
  local ctool_cmd=("$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT")
  ctool create -it --name box "$IMAGE" sh >/dev/null
  run -0 "$BATS_TEST_DIRNAME/pty-run.py" --send 'echo in-$((3*3))\r' --expect 'in-9' --send '\x10\x11' \
    -- "${ctool_cmd[@]}" start -ai box
  [ "$(inspect_field box .State.Status)" = running ]
  run -6 "$BATS_TEST_DIRNAME/pty-run.py" --send 'exit 6\r' -- "${ctool_cmd[@]}" attach box
  [ "$(inspect_field box .State.ExitCode)" = 6 ]
  # Again, to its end: the exit code comes back.
  run -2 "$BATS_TEST_DIRNAME/pty-run.py" --send 'exit 2\r' -- "${ctool_cmd[@]}" start -ai box
  run -125 --separate-stderr ctool start -ai --detach-keys=ctrl-1 box
  [[ "$stderr" == "ctool: "*"ctrl-1"* ]] || fail "unexpected error: $stderr"
  [ "$(inspect_field box .State.Status)" = exited ]
  run -0 ctool rm box
  assert_nothing_left
}
