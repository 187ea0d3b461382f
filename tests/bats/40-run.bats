#!/usr/bin/env bats
# ctool run: output, exit codes, isolation as a user sees it, the options
# that shape a container, and bad input that must leave nothing behind.

load helpers
load containers

setup_file() { containers_setup_file; }
setup() { containers_setup; }

@test "run --rm prints the command's output and leaves nothing behind" {
  run -0 --separate-stderr ctool run --rm "$IMAGE" echo hello world
  assert_output "hello world"
  [ -z "$stderr" ]
  assert_nothing_left
}

@test "run exits with the container's code; 126, 127 and 125 as Podman" {
  run -0 ctool run --rm "$IMAGE" true
  run -3 ctool run --rm "$IMAGE" sh -c 'exit 3'
  run -127 --separate-stderr ctool run --rm "$IMAGE" nosuchcommand
  [[ "$stderr" == "ctool: "*"nosuchcommand"*"not found"* ]]
  run -126 --separate-stderr ctool run --rm "$IMAGE" /etc/passwd
  [[ "$stderr" == "ctool: "*"/etc/passwd"* ]]
  run -125 --separate-stderr ctool run --rm --nosuchflag "$IMAGE" true
  [[ "$stderr" == *"--nosuchflag"* ]]
  assert_nothing_left
}

@test "root in the container is the user outside" {
  run -0 ctool run --rm "$IMAGE" id -u
  assert_output 0
  # The user namespace maps container root to the invoking user.
  run -0 ctool run --rm "$IMAGE" cat /proc/self/uid_map
  assert_line --regexp "^ +0 +$(id -u) +1\$"
  mkdir "$BATS_TEST_TMPDIR/vol"
  run -0 ctool run --rm -v "$BATS_TEST_TMPDIR/vol:/vol" "$IMAGE" touch /vol/made-inside
  [ "$(stat -c %u "$BATS_TEST_TMPDIR/vol/made-inside")" = "$(id -u)" ]
}

@test "writes inside a container do not change the image" {
  run -0 ctool run --name first "$IMAGE" sh -c 'cat /etc/written 2>/dev/null; echo changed > /etc/written; rm -f /bin/true'
  assert_output ""
  run -0 ctool run --rm "$IMAGE" sh -c 'test ! -e /etc/written && test -e /bin/true'
  # The first container keeps its own changes when it runs again.
  run -0 ctool start -a first
  assert_output changed
}

@test "the container gets its own hostname, namespaces and Podman's defaults" {
  id=$(ctool create "$IMAGE" sh -c 'hostname; cat /etc/hostname; echo $HOSTNAME')
  run -0 ctool start -a "$id"
  assert_output "$(printf '%s\n%s\n%s' "${id:0:12}" "${id:0:12}" "${id:0:12}")"
  # Default capabilities (CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID
  # SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP), no_new_privs,
  # seccomp filtering, RLIMIT_NOFILE, umask 0022.
  run -0 ctool run --rm "$IMAGE" sh -c 'grep -E "^(CapEff|CapBnd|NoNewPrivs|Seccomp):" /proc/self/status; umask'
  assert_line --regexp '^CapEff:[[:space:]]+00000000800405fb$'
  assert_line --regexp '^CapBnd:[[:space:]]+00000000800405fb$'
  assert_line --regexp '^NoNewPrivs:[[:space:]]+1$'
  assert_line --regexp '^Seccomp:[[:space:]]+2$'
  assert_line 0022
  # PID 1 is the command; with --network none, only lo in its network namespace.
  run -0 ctool run --rm --network none "$IMAGE" sh -c 'echo $$; ls /sys/class/net'
  assert_output "$(printf '1\nlo')"
  # Masked paths read as empty.
  [ -e /proc/keys ] || skip "this kernel has no /proc/keys"
  run -0 ctool run --rm "$IMAGE" sh -c 'cat /proc/keys | wc -c'
  assert_output 0
}

@test "environment: PATH default, image ENV, --env-file, -e, HOME, TERM with -t" {
  printf 'FROM_FILE=file\n# a comment\n\nOVERRIDE=file\n' > "$BATS_TEST_TMPDIR/env"
  HOST_VAR=from-host run -0 ctool run --rm --env-file "$BATS_TEST_TMPDIR/env" -e OVERRIDE=flag -e HOST_VAR \
    -e UNSET_ON_HOST "$IMAGE" env
  assert_line "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
  assert_line "FROM_FILE=file"
  assert_line "OVERRIDE=flag"
  assert_line "HOST_VAR=from-host"
  refute_line --partial "UNSET_ON_HOST"
  assert_line "HOME=/root"
  refute_line --partial "TERM="
  run -0 ctool run --rm -t "$IMAGE" sh -c 'echo $TERM'
  assert_output --regexp '^xterm'
  run -125 ctool run --rm --env-file "$BATS_TEST_TMPDIR/missing" "$IMAGE" true
  assert_output --partial "missing"
}

@test "-u resolves names from the image's passwd and group files; -w and --entrypoint" {
  run -0 ctool run --rm -u nobody "$IMAGE" id
  assert_output --regexp '^uid=65534\(nobody\) gid=65534\(nogroup\)'
  run -0 ctool run --rm -u 1234:5678 "$IMAGE" sh -c 'echo $(id -u):$(id -g)'
  assert_output "1234:5678"
  run -0 ctool run --rm -u nobody "$IMAGE" sh -c 'grep CapEff /proc/self/status'
  assert_output --regexp 'CapEff:[[:space:]]+0000000000000000'
  run -125 --separate-stderr ctool run --rm -u nosuchuser "$IMAGE" true
  assert_equal "$stderr" "ctool: unable to find user nosuchuser: no matching entries in passwd file"
  run -0 ctool run --rm -w /var/spool/new "$IMAGE" pwd
  assert_output /var/spool/new
  run -0 ctool run --rm --entrypoint /bin/echo "$IMAGE" via entrypoint
  assert_output "via entrypoint"
  run -0 ctool run --rm --entrypoint '["/bin/sh","-c"]' "$IMAGE" 'echo json form'
  assert_output "json form"
  assert_nothing_left
}

@test "-u NAME resolves against a passwd and group mounted over the image's (a file, or a directory at /etc), as Podman" {
  run -0 ctool run --rm "$IMAGE" cat /etc/passwd
  printf '%s\nvolly:x:4321:4322::/home/volly:/bin/sh\n' "$output" > "$BATS_TEST_TMPDIR/passwd"
  run -0 ctool run --rm "$IMAGE" cat /etc/group
  printf '%s\nvollies:x:4322:\nextras:x:4400:volly\n' "$output" > "$BATS_TEST_TMPDIR/group"
  # The image knows no volly: its own files say so.
  run -125 --separate-stderr ctool run --rm -u volly "$IMAGE" true
  assert_equal "$stderr" "ctool: unable to find user volly: no matching entries in passwd file"
  run -0 ctool run --rm -u volly -v "$BATS_TEST_TMPDIR/passwd:/etc/passwd:ro" -v "$BATS_TEST_TMPDIR/group:/etc/group:ro" \
    "$IMAGE" sh -c 'echo $(id -u):$(id -g):$(id -G):$HOME'
  assert_output "4321:4322:4322 4400:/home/volly"
  run -0 ctool run --rm -u volly:extras -v "$BATS_TEST_TMPDIR/passwd:/etc/passwd:ro" -v "$BATS_TEST_TMPDIR/group:/etc/group:ro" \
    "$IMAGE" sh -c 'echo $(id -u):$(id -g)'
  assert_output "4321:4400"
  # A whole directory mounted at /etc.
  mkdir "$BATS_TEST_TMPDIR/etc"
  cp "$BATS_TEST_TMPDIR/passwd" "$BATS_TEST_TMPDIR/group" "$BATS_TEST_TMPDIR/etc/"
  run -0 ctool run --rm -u volly -v "$BATS_TEST_TMPDIR/etc:/etc:ro" "$IMAGE" sh -c 'echo $(id -u):$(id -g)'
  assert_output "4321:4322"
  assert_nothing_left
}

@test "volumes: host paths rw and ro, named volumes made on demand, a missing host path is an error" {
  mkdir "$BATS_TEST_TMPDIR/data"
  echo from-host > "$BATS_TEST_TMPDIR/data/in"
  run -0 ctool run --rm -v "$BATS_TEST_TMPDIR/data:/data" "$IMAGE" sh -c 'cat /data/in; echo back > /data/out'
  assert_output from-host
  [ "$(cat "$BATS_TEST_TMPDIR/data/out")" = back ]
  run -1 ctool run --rm -v "$BATS_TEST_TMPDIR/data:/data:ro" "$IMAGE" touch /data/nope
  [ ! -e "$BATS_TEST_TMPDIR/data/nope" ]
  run -0 ctool run --rm -v cache:/cache "$IMAGE" sh -c 'echo kept > /cache/f'
  run -0 ctool run --rm -v cache:/cache "$IMAGE" cat /cache/f
  assert_output kept
  [ -f "$CTOOL_TEST_ROOT/volumes/cache/_data/f" ]
  run -125 --separate-stderr ctool run --rm -v /no/such/dir:/x "$IMAGE" true
  [[ "$stderr" == "ctool: "*"/no/such/dir"* ]]
  run -0 ctool run --rm --tmpfs /scratch "$IMAGE" sh -c 'grep " /scratch " /proc/mounts'
  assert_output --partial tmpfs
}

@test "--read-only keeps / read-only with writable /tmp; --cap-add, --cap-drop, --ulimit, --privileged" {
  run -1 ctool run --rm --read-only "$IMAGE" touch /file
  run -0 ctool run --rm --read-only "$IMAGE" touch /tmp/file
  run -0 ctool run --rm --cap-drop ALL "$IMAGE" grep CapEff /proc/self/status
  assert_output --regexp '0000000000000000$'
  run -0 ctool run --rm --cap-drop all --cap-add chown "$IMAGE" grep CapEff /proc/self/status
  assert_output --regexp '0000000000000001$'
  run -0 ctool run --rm --cap-add CAP_NET_ADMIN --cap-drop KILL "$IMAGE" grep CapEff /proc/self/status
  assert_output --regexp '00000000800415db$'
  run -125 ctool run --rm --cap-add NOT_A_CAP "$IMAGE" true
  assert_output --partial NOT_A_CAP
  run -0 ctool run --rm --ulimit nofile=100:200 "$IMAGE" sh -c 'ulimit -n; ulimit -Hn'
  assert_output "$(printf '100\n200')"
  run -0 ctool run --rm --privileged "$IMAGE" grep -E '^(Seccomp|CapEff):' /proc/self/status
  assert_line --regexp 'Seccomp:[[:space:]]+0'
  run -0 ctool run --rm --security-opt seccomp=unconfined "$IMAGE" grep Seccomp: /proc/self/status
  assert_output --regexp 'Seccomp:[[:space:]]+0'
}

@test "stdin passes with -i only; -t gives a terminal and keeps the exit code" {
  run -0 bash -c "echo piped | $(printf '%q ' "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT") run --rm -i $IMAGE cat"
  assert_output piped
  run -0 bash -c "echo piped | $(printf '%q ' "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT") run --rm $IMAGE cat"
  assert_output ""
  run -7 script -qec "$(printf '%q ' "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT") run --rm -t $IMAGE sh -c 'tty; exit 7'" /dev/null
  assert_output --regexp '^/dev/pts/[0-9]+'
}

@test "signals reach the container; --init reaps and forwards; --userns=keep-id" {
  # ctool itself in the background (not the shell function), to signal it.
  "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" run --name sig "$IMAGE" \
    sh -c 'trap "exit 42" TERM; echo ready; while :; do sleep 0.1; done' > "$BATS_TEST_TMPDIR/out" &
  local bg=$!
  wait_until 10 grep -q ready "$BATS_TEST_TMPDIR/out"
  kill -TERM "$bg"
  local rc=0
  wait "$bg" || rc=$?
  [ "$rc" -eq 42 ] || fail "ctool exited with $rc, not 42"
  run -0 ctool run --rm --init "$IMAGE" sh -c 'cat /proc/1/comm'
  assert_output ctool-init
  run -0 ctool run --rm --userns=keep-id "$IMAGE" id -u
  assert_output "$(id -u)"
}

@test "--userns=keep-id: the user has a name, a group and a HOME inside; the image is unchanged" {
  local name group
  name=$(id -un) group=$(id -gn)
  run -0 ctool run --rm --userns=keep-id "$IMAGE" id -un
  assert_output "$name"
  run -0 ctool run --rm --userns=keep-id "$IMAGE" id -gn
  assert_output "$group"
  run -0 ctool run --rm --userns=keep-id "$IMAGE" sh -c 'echo "$HOME"; grep "^$(id -un):" /etc/passwd'
  assert_line --index 0 /
  assert_line --index 1 "$name:*:$(id -u):$(id -g):$(getent passwd "$name" | cut -d: -f5):/:/bin/sh"
  # The home follows -w, or the host home when a volume is mounted there.
  run -0 ctool run --rm --userns=keep-id -w /tmp "$IMAGE" sh -c 'echo "$HOME"'
  assert_output /tmp
  mkdir "$BATS_TEST_TMPDIR/home"
  run -0 ctool run --rm --userns=keep-id -v "$BATS_TEST_TMPDIR/home:$HOME" "$IMAGE" sh -c 'echo "$HOME"'
  assert_output "$HOME"
  # A keep-id container can change its own copy; the image's files are untouched.
  run -0 ctool run --rm --userns=keep-id "$IMAGE" sh -c 'echo extra:x:4242:4242::/:/bin/sh >> /etc/passwd'
  run -1 ctool run --rm "$IMAGE" grep -E "^($name|extra):" /etc/passwd /etc/group
  run -0 ctool run --rm "$IMAGE" id -un
  assert_output root
  assert_nothing_left
}

@test "--userns=keep-id -u NAME: the user's own name resolves to their UID and GID, as in Podman" {
  local name group
  name=$(id -un) group=$(id -gn)
  run -0 ctool run --rm --userns=keep-id -u "$name" "$IMAGE" sh -c 'id -u; id -g; id -un'
  assert_line --index 0 "$(id -u)"
  assert_line --index 1 "$(id -g)"
  assert_line --index 2 "$name"
  run -0 ctool run --rm --userns=keep-id -u "$name:$group" "$IMAGE" id -gn
  assert_output "$group"
  # The image's own users still resolve against the image's files.
  run -0 ctool run --rm --userns=keep-id -u root "$IMAGE" id -u
  assert_output 0
  # Without keep-id the name is not in the image: Podman's error.
  run -125 ctool run --rm -u "$name" "$IMAGE" true
  assert_output "ctool: unable to find user $name: no matching entries in passwd file"
  assert_nothing_left
}

@test "bad input leaves nothing behind: image, command, volume, user, name, option values" {
  run -125 ctool run --rm --pull=never nosuchimage true
  assert_output --partial nosuchimage
  run -127 ctool run --rm "$IMAGE" /no/such/binary
  run -125 ctool run --rm -v /no/such/path:/x "$IMAGE" true
  run -125 ctool run --rm -u nobody2 "$IMAGE" true
  run -125 ctool run --rm --name 'bad name' "$IMAGE" true
  run -125 ctool run --rm --stop-signal NOSIG "$IMAGE" true
  run -125 ctool run --rm --pull=sometimes "$IMAGE" true
  run -125 ctool run --rm --network bridge9 "$IMAGE" true
  run -125 ctool run --rm -w relative "$IMAGE" true
  run -125 ctool run --rm --ulimit nofile=a "$IMAGE" true
  run -125 ctool run --rm --security-opt seccomp=/no/such.json "$IMAGE" true
  # Without --rm, a command that cannot start does not leave a container either.
  run -127 ctool run "$IMAGE" /no/such/binary
  run -125 ctool create -u nobody2 "$IMAGE" true
  assert_nothing_left
}

@test "a name in use is an error that names the owner; the first container is untouched" {
  id=$(ctool create --name web "$IMAGE" true)
  run -125 --separate-stderr ctool run --rm --name web "$IMAGE" true
  assert_equal "$stderr" "ctool: the container name \"web\" is already in use by $id. Remove it or choose another name"
  run -0 ctool ps -aq --no-trunc
  assert_output "$id"
  run -0 ctool rm web
  run -0 ctool run --rm --name web "$IMAGE" true
}

@test "20 parallel run --rm all succeed" {
  local pids=() i
  for i in $(seq 20); do
    ctool run --rm "$IMAGE" sh -c "echo run-$i" > "$BATS_TEST_TMPDIR/out-$i" 2>&1 &
    pids+=($!)
  done
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || fail "run $((i + 1)) failed: $(cat "$BATS_TEST_TMPDIR/out-$((i + 1))")"
  done
  for i in $(seq 20); do
    [ "$(cat "$BATS_TEST_TMPDIR/out-$i")" = "run-$i" ]
  done
  assert_nothing_left
}

@test "run -d prints the ID; --rm removes the container after it exits" {
  run -0 ctool run -d --rm "$IMAGE" sh -c 'exit 0'
  assert_output --regexp '^[0-9a-f]{64}$'
  wait_until 10 no_containers
  assert_nothing_left
}

@test "--rm: the root overlay is volatile (nothing syncs the store's disk when it ends); a kept container's is not" {
  grep -q '^mode=native' "$CTOOL_TEST_RUNROOT/overlay-mode" 2>/dev/null || ctool info >/dev/null
  grep -q '^mode=native' "$CTOOL_TEST_RUNROOT/overlay-mode" || skip "no native overlay here"
  run -0 ctool run --rm "$IMAGE" sh -c 'grep " / / " /proc/self/mountinfo'
  # (newer kernels show it as fsync=volatile)
  assert_output --regexp ' - overlay overlay .*(,volatile|,fsync=volatile)(,|$)'
  run -0 ctool run --name kept "$IMAGE" sh -c 'grep " / / " /proc/self/mountinfo'
  refute_output --partial volatile
  # The kernel mounts nothing over a work dir marked volatile (what a
  # crash leaves behind): the marker goes first.
  local id work
  id=$(ctool create --rm "$IMAGE" sh -c 'echo again')
  work=$(inspect_field "$id" .GraphDriver.Data.WorkDir)
  mkdir -p "$work/work/incompat/volatile"
  : > "$work/work/incompat/volatile/dirty"
  run -0 ctool start -a "$id"
  assert_output again
  run -0 ctool rm -f kept
}
