#!/usr/bin/env bats
# ctool generate systemd: the unit's text, that systemd accepts it, and
# that the commands in it do what the unit needs when run as systemd
# would run them (no systemd user manager runs on the test host).

load helpers
load containers

setup_file() { containers_setup_file; }
setup() { containers_setup; }

# The words of the KEY= line of unit file FILE, one per line, unquoted as
# systemd reads them ("..." with \-escapes, %% and $$ for % and $),
# without the "-" that lets a command fail.
exec_words() {
  python3 - "$1" "$2" <<'EOF'
import shlex, sys
text = open(sys.argv[1]).read().replace("\\\n\t", " ")
for line in text.splitlines():
    if line.startswith(sys.argv[2] + "="):
        value = line[len(sys.argv[2]) + 1:].lstrip("-")
        for word in shlex.split(value):
            print(word.replace("%%", "%").replace("$$", "$"))
EOF
}

# Run the KEY= command of unit FILE as systemd would (stdin /dev/null).
run_exec() {
  local words=()
  mapfile -t words < <(exec_words "$1" "$2")
  [ ${#words[@]} -gt 0 ] || fail "no $2= in $1"
  "${words[@]}" < /dev/null
}

# systemd-analyze verify, as the user's service manager would load FILE.
verify_unit() {
  command -v systemd-analyze > /dev/null || skip "systemd-analyze is not installed"
  (cd "$(dirname "$1")" && systemd-analyze --user verify --man=no "$(basename "$1")")
}

@test "generate systemd: a user unit that starts the existing container in the foreground of the service" {
  local id
  id=$(ctool create --name web "$IMAGE" echo served)
  run -0 --separate-stderr ctool generate systemd web
  [ -z "$stderr" ]
  local unit=$output exe
  exe=$(realpath "$CTOOL")
  assert_line "# container-$id.service"
  assert_line "[Unit]"
  assert_line "Description=ctool container web"
  assert_line "[Service]"
  assert_line "Restart=on-failure"
  assert_line "TimeoutStopSec=70"
  assert_line "ExecStart=$exe --root $CTOOL_TEST_ROOT --runroot $CTOOL_TEST_RUNROOT start --attach $id"
  assert_line "ExecStop=$exe --root $CTOOL_TEST_ROOT --runroot $CTOOL_TEST_RUNROOT stop --ignore -t 10 $id"
  assert_line "Type=exec"
  assert_line "[Install]"
  assert_line "WantedBy=default.target"
  refute_line --partial "ExecStartPre"
  echo "$unit" > "$BATS_TEST_TMPDIR/container-web.service"
  run -0 verify_unit "$BATS_TEST_TMPDIR/container-web.service"

  # What systemd would run: the container's output and exit code.
  run -0 run_exec "$BATS_TEST_TMPDIR/container-web.service" ExecStart
  assert_output served
  run -0 run_exec "$BATS_TEST_TMPDIR/container-web.service" ExecStop
}

@test "generate systemd: the unit passes on the container's exit code and is stopped by ExecStop" {
  ctool create --name failing "$IMAGE" sh -c 'exit 3' > /dev/null
  ctool generate systemd --name failing > "$BATS_TEST_TMPDIR/container-failing.service"
  run -3 run_exec "$BATS_TEST_TMPDIR/container-failing.service" ExecStart

  # A container that ends on SIGTERM with 0.
  ctool create --name long "$IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' > /dev/null
  ctool generate systemd --name -t 5 long > "$BATS_TEST_TMPDIR/container-long.service"
  grep -qx "TimeoutStopSec=65" "$BATS_TEST_TMPDIR/container-long.service"
  grep -q "^ExecStop=.* stop --ignore -t 5 long$" "$BATS_TEST_TMPDIR/container-long.service"
  run_exec "$BATS_TEST_TMPDIR/container-long.service" ExecStart 3>&- &
  local pid=$!
  wait_until 10 eval '[ "$(ctool inspect long | jq -r ".[0].State.Status")" = running ]'
  SECONDS=0
  run -0 --separate-stderr run_exec "$BATS_TEST_TMPDIR/container-long.service" ExecStop
  [ -z "$stderr" ]
  local code=0
  wait "$pid" || code=$?
  [ "$code" = 0 ] || fail "ExecStart ended with $code"
  (( SECONDS < 5 )) || fail "the stop took ${SECONDS}s: the stop signal did not reach the container"
  # ctool exits 143 when a container dies of SIGTERM: a stop, not a failure.
  grep -qx "SuccessExitStatus=143" "$BATS_TEST_TMPDIR/container-long.service"
}

@test "generate systemd --new: a fresh container from the recorded command on every start" {
  ctool create --name app -e 'MSG=hello world 100% $HOME' -v appdata:/data --stop-timeout 7 "$IMAGE" \
    sh -c 'echo "$MSG" > /data/out; cat /data/out' > /dev/null
  cd "$BATS_TEST_TMPDIR"
  run -0 --separate-stderr ctool generate systemd --new --name --files app
  local file=$BATS_TEST_TMPDIR/container-app.service
  assert_output "$file"
  [ -z "$stderr" ]
  grep -qx "TimeoutStopSec=67" "$file"
  run -0 exec_words "$file" ExecStart
  local exe
  exe=$(realpath "$CTOOL")
  assert_output "$(printf '%s\n' "$exe" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" run --rm --name=app \
    '--env=MSG=hello world 100% $HOME' --volume=appdata:/data --stop-timeout=7 "$IMAGE" \
    sh -c 'echo "$MSG" > /data/out; cat /data/out')"
  run -0 exec_words "$file" ExecStartPre
  assert_output "$(printf '%s\n' "$exe" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" rm -f --ignore -t 7 app)"
  grep -q '^ExecStartPre=-' "$file"
  grep -q '^ExecStopPost=-' "$file"
  run -0 verify_unit "$file"

  # The template container can go; each start makes (and removes) its own.
  ctool rm app > /dev/null
  run -0 run_exec "$file" ExecStartPre
  run -0 run_exec "$file" ExecStart
  assert_output 'hello world 100% $HOME'
  run -125 ctool inspect app
  run -0 run_exec "$file" ExecStart
  assert_output 'hello world 100% $HOME'
  run -0 run_exec "$file" ExecStopPost
  assert_nothing_left
}

@test "generate systemd: options of run given short, bundled or with -d come out as long options" {
  ctool run -dt --name bundled -l tier=web -w /tmp -u 1000 --read-only "$IMAGE" \
    sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' > /dev/null
  ctool generate systemd --new bundled > "$BATS_TEST_TMPDIR/unit"
  run -0 cat "$BATS_TEST_TMPDIR/unit"
  assert_line --regexp '^ExecStart=.* run \\$'
  assert_line $'\t--rm \\'
  assert_line $'\t--name=bundled \\'
  refute_output --partial -- "--detach"
  refute_output --partial -- " -d"
  # Every option on a line of its own, the image and command on the last.
  run -0 exec_words "$BATS_TEST_TMPDIR/unit" ExecStart
  local words=$output
  for w in --rm --name=bundled --tty --workdir=/tmp --user=1000 --label=tier=web --read-only; do
    grep -qxF -- "$w" <<< "$words" || fail "no $w in: $words"
    grep -qE -- "^"$'\t'"$w( \\\\|  *$IMAGE .*)$" "$BATS_TEST_TMPDIR/unit" || fail "$w is not on a line of its own"
  done
  [ "$(tail -n 4 <<< "$words")" = "$(printf '%s\n' "$IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done')" ]
  # (and --root, --runroot before the verb)
  [ "$(grep -c '^--' <<< "$words")" = 9 ]
  ctool stop -t 5 bundled > /dev/null
}

@test "generate systemd: restart policy, prefix, separator, header; bad input is one line and writes nothing" {
  ctool create --name p "$IMAGE" true > /dev/null
  cd "$BATS_TEST_TMPDIR"
  run -0 ctool generate systemd --name --restart-policy always --container-prefix ctr --separator _ --no-header p
  assert_line "Restart=always"
  refute_line --partial "# ctr_p.service"
  refute_line --partial "autogenerated"
  run -0 --separate-stderr ctool generate systemd --name --files --container-prefix ctr --separator _ p
  assert_output "$BATS_TEST_TMPDIR/ctr_p.service"
  grep -qx "Restart=on-failure" "$BATS_TEST_TMPDIR/ctr_p.service"
  rm "$BATS_TEST_TMPDIR/ctr_p.service"

  run -125 --separate-stderr ctool generate systemd --restart-policy sometimes p
  [ "$stderr" = "ctool: invalid --restart-policy 'sometimes': use one of no, on-success, on-failure, on-abnormal, on-watchdog, on-abort, always" ]
  [ -z "$output" ]
  run -125 --separate-stderr ctool generate systemd -t soon p
  [ "$stderr" = "ctool: invalid stop timeout 'soon': give a number of seconds" ]
  run -125 --separate-stderr ctool generate systemd nosuch
  [ "$stderr" = 'ctool: no container with name or ID "nosuch" found: no such container' ]
  ctool create --rm --name gone "$IMAGE" true > /dev/null
  run -125 --separate-stderr ctool generate systemd gone
  [ "$stderr" = "ctool: container gone was created with --rm: it would be gone after its first run; use --new" ]
  run -0 ctool generate systemd --new gone
  [ -z "$(ls "$BATS_TEST_TMPDIR"/*.service 2>/dev/null)" ]
}

@test "generate systemd: an interactive container gets a warning about its empty stdin" {
  ctool create -i --name shell "$IMAGE" sh > /dev/null
  run -0 --separate-stderr ctool generate systemd shell
  [[ "$stderr" == *"container shell was created with --interactive: under systemd its stdin is empty"* ]]
}
