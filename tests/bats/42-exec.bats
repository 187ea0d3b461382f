#!/usr/bin/env bats
# ctool exec: a command inside a running container, with the container's
# namespaces and security settings, returning the command's exit code.

load helpers
load containers

setup_file() { containers_setup_file; }

setup() {
  containers_setup
  ctool run -d --name box -e FROM_RUN=yes "$IMAGE" sh -c 'echo marker > /tmp/marker; exec sleep 1000' >/dev/null
  wait_until 10 bash -c "$(declare -f ctool); ctool exec box test -e /tmp/marker"
}

teardown() {
  ctool rm -f -t 0 box >/dev/null 2>&1 || true
  basic_teardown
}

@test "exec returns the command's exit code; 126 and 127 as Podman" {
  run -0 ctool exec box true
  run -5 ctool exec box sh -c 'exit 5'
  run -127 --separate-stderr ctool exec box nosuchcommand
  [[ "$stderr" == "ctool: "*"nosuchcommand"* ]]
  run -126 ctool exec box /etc/passwd
}

@test "exec sees the container's files, processes, hostname and environment" {
  run -0 ctool exec box cat /tmp/marker
  assert_output marker
  run -0 ctool exec box sh -c 'cat /proc/1/cmdline | tr "\0" " "'
  assert_output "sleep 1000 "
  run -0 ctool exec box hostname
  assert_output "$(inspect_field box .Id | cut -c1-12)"
  run -0 ctool exec box sh -c 'echo $FROM_RUN'
  assert_output yes
  # Its own process is in the container's PID namespace.
  run -0 ctool exec box sh -c 'echo $$'
  [ "$output" -gt 1 ]
  [ "$output" -lt 1000 ]
}

@test "exec has the container's security settings" {
  run -0 ctool exec box grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status
  assert_line --regexp '^CapEff:[[:space:]]+00000000800405fb$'
  assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
  assert_line --regexp '^Seccomp:[[:space:]]+2$'
  run -0 ctool exec box cat /proc/self/uid_map
  assert_line --regexp "^ +0 +$(id -u) +1\$"
}

@test "exec -e, --env-file, -w, -u" {
  echo FROM_FILE=1 > "$BATS_TEST_TMPDIR/env"
  run -0 ctool exec -e EXTRA=2 --env-file "$BATS_TEST_TMPDIR/env" -w /etc -u nobody box \
    sh -c 'echo $EXTRA $FROM_FILE $FROM_RUN $(pwd) $(id -un)'
  assert_output "2 1 yes /etc nobody"
  run -125 ctool exec -u nosuchuser box true
  assert_output --partial "unable to find user nosuchuser"
}

@test "exec -i passes stdin, -t gives a terminal, -d runs in the background" {
  run -0 bash -c "echo typed | $(printf '%q ' "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT") exec -i box cat"
  assert_output typed
  run -3 script -qec "$(printf '%q ' "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT") exec -t box sh -c 'tty; exit 3'" /dev/null
  assert_output --regexp '^/dev/pts/[0-9]+'
  run -0 ctool exec -d box sh -c 'sleep 0.2; echo later > /tmp/from-detached'
  [ -z "$output" ]
  wait_until 10 bash -c "$(declare -f ctool); ctool exec box test -e /tmp/from-detached"
}

@test "exec into a container that does not run is an error" {
  ctool stop -t 0 box >/dev/null
  run -125 --separate-stderr ctool exec box true
  assert_equal "$stderr" "ctool: can only create exec sessions on running containers: container state improper"
  run -125 ctool exec nosuch true
}

@test "the container's stop ends processes started by exec too; nothing is left after rm" {
  ctool exec -d box sleep 876543
  wait_until 10 pgrep -u "$(id -u)" -f "sleep 87654[3]"
  run -0 ctool rm -f -t 0 box
  wait_until 5 bash -c '! pgrep -u "$(id -u)" -f "sleep 87654[3]"'
  assert_nothing_left
}

@test "exec -u NAME resolves against the container's /etc/passwd: keep-id's user, a volume's entry" {
  local name
  name=$(id -un)
  ctool run -d --name kid --userns=keep-id "$IMAGE" sleep 1000 >/dev/null
  run -0 ctool exec -u "$name" kid sh -c 'id -u; id -un'
  assert_line --index 0 "$(id -u)"
  assert_line --index 1 "$name"
  ctool rm -f -t 0 kid >/dev/null
  # A passwd mounted over the image's is the one names resolve against.
  run -0 ctool exec box cat /etc/passwd
  printf '%s\nvolly:x:4321:4321::/tmp:/bin/sh\n' "$output" > "$BATS_TEST_TMPDIR/passwd"
  ctool run -d --name vol -v "$BATS_TEST_TMPDIR/passwd:/etc/passwd:ro" "$IMAGE" sleep 1000 >/dev/null
  run -0 ctool exec -u volly vol sh -c 'id -u; echo "$HOME"'
  assert_line --index 0 4321
  assert_line --index 1 /tmp
  ctool rm -f -t 0 vol >/dev/null
}
