#!/usr/bin/env bats
# The pause process: one user namespace per runroot, mapped once with
# newuidmap/newgidmap, that containers are cloned into (as Podman's);
# system migrate ends it; a changed /etc/subuid never reaches a container
# through a stale namespace.

load helpers
load containers

setup_file() { containers_setup_file; }
setup() { containers_setup; }

pause_pid() {
  cut -d' ' -f1 "$CTOOL_TEST_RUNROOT/pause.pid"
}

# The user's subordinate UID range from /etc/subuid: "START COUNT".
my_subuid_range() {
  awk -F: -v u="$(id -un)" -v n="$(id -u)" '$1 == u || $1 == n { print $2, $3; exit }' /etc/subuid
}

need_subuid_range() {
  [ -n "$(my_subuid_range)" ] || skip "$(id -un) has no range in /etc/subuid: containers get a single-ID map and no pause process"
}

@test "containers share the user namespace the pause process keeps; system migrate ends it" {
  need_subuid_range
  [ ! -e "$CTOOL_TEST_RUNROOT/pause.pid" ]
  run -0 ctool run --rm "$IMAGE" readlink /proc/self/ns/user
  local first_ns=$output pid
  pid=$(pause_pid)
  [ "$(cat "/proc/$pid/comm")" = ctool-pause ]
  [ "$(readlink "/proc/$pid/ns/user")" = "$first_ns" ]
  # Its own session, nobody's child: it outlives this ctool.
  [ "$(ps -o ppid= -p "$pid" | tr -d ' ')" != "$$" ]
  [ "$(ps -o sid= -p "$pid")" != "$(ps -o sid= -p $$)" ]
  # The container's maps are the pause process's, from /etc/subuid.
  run -0 ctool run --rm "$IMAGE" cat /proc/self/uid_map
  assert_equal "$output" "$(cat "/proc/$pid/uid_map")"
  read -r start count <<< "$(my_subuid_range)"
  assert_line --regexp "^ +1 +$start +$count\$"
  # A detached container and the next start use the same one.
  id=$(ctool run -d "$IMAGE" sleep 1000)
  run -0 ctool exec "$id" readlink /proc/self/ns/user
  assert_output "$first_ns"
  [ "$(pause_pid)" = "$pid" ]

  run -0 --separate-stderr ctool system migrate
  assert_output ""
  [ -z "$stderr" ]
  wait_until 5 eval '! kill -0 '"$pid"' 2>/dev/null' || fail "the pause process $pid still runs"
  [ ! -e "$CTOOL_TEST_RUNROOT/pause.pid" ]
  # The running container keeps its namespace.
  run -0 ctool exec "$id" sh -c 'echo alive; readlink /proc/self/ns/user'
  assert_output "alive"$'\n'"$first_ns"
  # The next start makes a new one.
  run -0 ctool run --rm "$IMAGE" true
  [ "$(pause_pid)" != "$pid" ]
  [ "$(cat "/proc/$(pause_pid)/comm")" = ctool-pause ]
  run -0 ctool rm -f -t 0 "$id"
  # With none running, migrate does nothing, quietly.
  run -0 ctool system migrate
  run -0 ctool system migrate
  assert_output ""
}

@test "a changed /etc/subuid reaches the next container: a new pause process, the old one ends" {
  need_subuid_range
  local start count old new
  read -r start count <<< "$(my_subuid_range)"
  run -0 ctool run --rm "$IMAGE" cat /proc/self/uid_map
  assert_line --regexp "^ +1 +$start +$count\$"
  old=$(pause_pid)
  # Fewer IDs (newuidmap accepts any part of the user's range).
  printf '%s:%s:1000\n' "$(id -un)" "$start" > "$BATS_TEST_TMPDIR/subuid"
  CTOOL_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid run -0 ctool run --rm "$IMAGE" cat /proc/self/uid_map
  assert_line --regexp "^ +1 +$start +1000\$"
  new=$(pause_pid)
  [ "$new" != "$old" ]
  wait_until 5 eval '! kill -0 '"$old"' 2>/dev/null' || fail "the pause process with the old map ($old) still runs"
  # A range newuidmap refuses: the start fails and says why; the pause
  # process in place stays, and no other is left.
  printf '%s:900000:100\n' "$(id -un)" > "$BATS_TEST_TMPDIR/subuid"
  CTOOL_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid run -125 --separate-stderr ctool run --rm "$IMAGE" true
  [[ "$stderr" == "ctool: "*"newuidmap"*"$BATS_TEST_TMPDIR/subuid"* ]] || fail "unexpected error: $stderr"
  [ "$(pause_pid)" = "$new" ]
  kill -0 "$new"
  [ "$(_leftover_processes "$BASHPID" | awk '$2 == "ctool-pause"' | wc -l)" = 1 ]
  assert_nothing_left
  # Back to the file as it is.
  run -0 ctool run --rm "$IMAGE" cat /proc/self/uid_map
  assert_line --regexp "^ +1 +$start +$count\$"
}

@test "parallel first starts make one pause process; a killed one is replaced" {
  need_subuid_range
  local i
  for i in $(seq 1 8); do
    ctool run --rm "$IMAGE" readlink /proc/self/ns/user > "$BATS_TEST_TMPDIR/ns.$i" 2>&1 &
  done
  wait
  run -0 sort -u "$BATS_TEST_TMPDIR"/ns.*
  assert_output --regexp '^user:\[[0-9]+\]$'
  [ "$(readlink "/proc/$(pause_pid)/ns/user")" = "$output" ]
  # Killed (a logout that ends the session does this): the next start
  # makes a new one, and a running container does not notice.
  id=$(ctool run -d "$IMAGE" sleep 1000)
  local old
  old=$(pause_pid)
  kill -9 "$old"
  wait_until 5 eval '! kill -0 '"$old"' 2>/dev/null'
  run -0 ctool exec "$id" echo still here
  assert_output "still here"
  run -0 ctool run --rm "$IMAGE" echo started
  assert_output "started"
  [ "$(pause_pid)" != "$old" ]
  run -0 ctool rm -f -t 0 "$id"
}

@test "--userns=keep-id gets a user namespace of its own" {
  need_subuid_range
  run -0 ctool run --rm "$IMAGE" readlink /proc/self/ns/user
  local shared=$output
  run -0 ctool run --rm --userns=keep-id "$IMAGE" sh -c 'readlink /proc/self/ns/user; id -u'
  [ "${lines[0]}" != "$shared" ]
  assert_line --index 1 "$(id -u)"
}

@test "system reset ends the pause process" {
  need_subuid_range
  run -0 ctool run --rm "$IMAGE" true
  local pid
  pid=$(pause_pid)
  run -0 ctool system reset --force
  wait_until 5 eval '! kill -0 '"$pid"' 2>/dev/null' || fail "the pause process $pid still runs"
}

@test "--network ns:PATH joins another container's network namespace (both in the pause process's user namespace)" {
  need_subuid_range
  id=$(ctool run -d --network none "$IMAGE" sleep 1000)
  pid=$(inspect_field "$id" .State.Pid)
  run -0 ctool exec "$id" readlink /proc/self/ns/net
  local net=$output
  run -0 ctool run --rm --network "ns:/proc/$pid/ns/net" "$IMAGE" readlink /proc/self/ns/net
  assert_output "$net"
  run -0 ctool rm -f -t 0 "$id"
}

@test "unshare joins the pause process's namespace when one runs (nsenter reaches a container's namespaces); it starts none" {
  need_subuid_range
  command -v nsenter >/dev/null || skip "nsenter (util-linux) is not installed"
  # No pause process: a namespace of its own, mapped the same, and none is left.
  run -0 ctool unshare cat /proc/self/uid_map
  local map_alone=$output
  [ ! -e "$CTOOL_TEST_RUNROOT/pause.pid" ]
  id=$(ctool run -d --network none "$IMAGE" sleep 1000)
  pid=$(inspect_field "$id" .State.Pid)
  run -0 ctool unshare readlink /proc/self/ns/user
  assert_output "$(readlink "/proc/$(pause_pid)/ns/user")"
  run -0 ctool unshare cat /proc/self/uid_map
  assert_output "$map_alone"
  run -0 ctool exec "$id" readlink /proc/self/ns/net
  local net=$output
  run -0 ctool unshare nsenter --net="/proc/$pid/ns/net" readlink /proc/self/ns/net
  assert_output "$net"
  run -0 ctool rm -f -t 0 "$id"
}
