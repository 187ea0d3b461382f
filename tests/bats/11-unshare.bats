#!/usr/bin/env bats
# ctool unshare: a command as root in a user namespace with the user's
# subordinate IDs mapped, as podman unshare.

load helpers

# The user's first range in FILE as "START COUNT".
first_range() {
  awk -F: -v u="$(id -un)" -v uid="$(id -u)" '($1 == u || $1 == uid) && NF == 3 { print $2, $3; exit }' "$1"
}

@test "unshare: the command runs as root" {
  run -0 --separate-stderr ctool unshare id -u
  assert_output 0
  [ -z "$stderr" ]
  run -0 ctool unshare id -g
  assert_output 0
}

@test "unshare: uid_map and gid_map map root to the user and 1.. to the subordinate ranges" {
  local start count
  read -r start count < <(first_range /etc/subuid)
  [ -n "$start" ] || skip "$(id -un) has no range in /etc/subuid"
  run -0 ctool unshare cat /proc/self/uid_map
  [ "${#lines[@]}" -ge 2 ]
  [[ "${lines[0]}" =~ ^\ *0\ +$(id -u)\ +1$ ]]
  [[ "${lines[1]}" =~ ^\ *1\ +$start\ +$count$ ]]
  read -r start count < <(first_range /etc/subgid)
  run -0 ctool unshare cat /proc/self/gid_map
  [[ "${lines[0]}" =~ ^\ *0\ +$(id -g)\ +1$ ]]
  [[ "${lines[1]}" =~ ^\ *1\ +$start\ +$count$ ]]
}

@test "unshare: files can be given to subordinate IDs and back, and are seen from outside" {
  local start
  read -r start _ < <(first_range /etc/subuid)
  [ -n "$start" ] || skip "$(id -un) has no range in /etc/subuid"
  local f=$BATS_TEST_TMPDIR/owned
  touch "$f"
  run -0 ctool unshare chown 1000:1000 "$f"
  [ "$(stat -c %u "$f")" = $((start + 999)) ]
  run -0 ctool unshare stat -c %u "$f"
  assert_output 1000
  run -0 ctool unshare chown 0:0 "$f"
  [ "$(stat -c %u "$f")" = "$(id -u)" ]
}

@test "unshare: the exit code of the command passes through" {
  run -42 ctool unshare sh -c 'exit 42'
  run -0 ctool unshare true
  run -1 ctool unshare false
}

@test "unshare: a command killed by a signal gives 128+signal" {
  run -143 ctool unshare sh -c 'kill -TERM $$'
}

@test "unshare: a missing command is exit 127 with one line" {
  run -127 --separate-stderr ctool unshare no-such-command-here
  [ -z "$output" ]
  [ "$stderr" = "ctool: unshare: executable file 'no-such-command-here' not found in \$PATH" ]
  run -127 --separate-stderr ctool unshare /no/such/file
  [ "$stderr" = "ctool: unshare: /no/such/file: no such file or directory" ]
}

@test "unshare: a command that cannot be run is exit 126" {
  printf 'not a program\n' > "$BATS_TEST_TMPDIR/noexec"
  chmod 0644 "$BATS_TEST_TMPDIR/noexec"
  run -126 --separate-stderr ctool unshare "$BATS_TEST_TMPDIR/noexec"
  [ "$stderr" = "ctool: unshare: cannot run '$BATS_TEST_TMPDIR/noexec': Permission denied" ]
}

@test "unshare: without a command it runs \$SHELL, which reads stdin" {
  run -0 --separate-stderr bash -c 'echo "echo uid=\$(id -u) shell=\$0" | SHELL=/bin/sh "$@"' _ \
    "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" unshare
  assert_output "uid=0 shell=/bin/sh"
}

@test "unshare: CONTAINERS_GRAPHROOT and CONTAINERS_RUNROOT name the store, as podman unshare does" {
  run -0 ctool unshare sh -c 'echo "$CONTAINERS_GRAPHROOT $CONTAINERS_RUNROOT"'
  assert_output "$CTOOL_TEST_ROOT $CTOOL_TEST_RUNROOT"
}

@test "unshare: options after the command belong to the command" {
  run -0 ctool unshare sh -c 'echo "$@"' sh --help -x
  assert_output "--help -x"
}

@test "unshare: the command has a mount namespace of its own" {
  run -0 ctool unshare sh -c "mount -t tmpfs none '$BATS_TEST_TMPDIR' && touch '$BATS_TEST_TMPDIR/inside' && ls '$BATS_TEST_TMPDIR'"
  assert_output inside
  [ ! -e "$BATS_TEST_TMPDIR/inside" ]
}

@test "unshare: a native overlay with userxattr mounts in ctool's user namespace when info says native" {
  run -0 ctool info --format json
  [ "$(jq -r .host.overlay.mode <<< "$output")" = native ] || skip "the overlay mode here is not native"
  local d=$BATS_TEST_TMPDIR/ovl
  mkdir -p "$d/lower" "$d/upper" "$d/work" "$d/merged"
  echo lower > "$d/lower/file"
  run -0 ctool unshare sh -c "
    mount -t overlay overlay -o lowerdir=$d/lower,upperdir=$d/upper,workdir=$d/work,userxattr $d/merged &&
    grep -q ' $d/merged .* - overlay ' /proc/self/mountinfo &&
    cat $d/merged/file && echo upper > $d/merged/new && rm $d/merged/file"
  assert_output lower
  [ "$(cat "$d/upper/new")" = upper ]
  [ -c "$d/upper/file" ]          # the whiteout
  [ "$(cat "$d/lower/file")" = lower ]
  # overlay's work/work is mode 0: root in the namespace removes it.
  run -0 ctool unshare rm -rf "$d"
}

@test "unshare: without subordinate IDs, a single-ID mapping and a warning that names the fix" {
  : > "$BATS_TEST_TMPDIR/subuid"
  CTOOL_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid run -0 --separate-stderr ctool unshare cat /proc/self/uid_map
  [ "${#lines[@]}" -eq 1 ]
  [[ "${lines[0]}" =~ ^\ *0\ +$(id -u)\ +1$ ]]
  [[ "$stderr" == *"no subordinate UIDs for $(id -un) in $BATS_TEST_TMPDIR/subuid"*"sudo usermod --add-subuids "*" --add-subgids "*" $(id -un)" ]]
}

@test "unshare: a range newuidmap refuses is an error naming newuidmap and the file" {
  printf '%s:%s:10\n' "$(id -un)" 3000000000 > "$BATS_TEST_TMPDIR/subuid"
  CTOOL_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid run -125 --separate-stderr ctool unshare true
  [ -z "$output" ]
  [ "$(wc -l <<< "$stderr")" -eq 1 ]
  [[ "$stderr" == "ctool: cannot write the ID maps of process "*": newuidmap exited with status 1: "*"not allowed"*"check $BATS_TEST_TMPDIR/subuid"* ]]
}
