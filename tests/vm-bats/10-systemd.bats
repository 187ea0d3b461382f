#!/usr/bin/env bats
# The systemd manager: every container in its own transient scope of the
# user's systemd instance (StartTransientUnit over the user's D-Bus), made
# from a process outside the user's own cgroups, as from a login session.

load helpers

@test "run: the container lives in ctool-ID.scope of the user's systemd instance, Delegate=yes, OOMPolicy=continue" {
  skip_unless_option run --memory
  id=$(ctool run -d "$IMAGE" sleep 1000)
  cg=$(container_cgroup "$id")
  [[ $cg == "$USER_UNIT_CGROUP"/*/ctool-"$id".scope || $cg == "$USER_UNIT_CGROUP"/*/ctool-"$id".scope/* ]] ||
    fail "container cgroup $cg is not ctool-$id.scope under $USER_UNIT_CGROUP"
  run -0 systemctl --user show -p ActiveState -p Delegate -p OOMPolicy "ctool-$id.scope"
  assert_line ActiveState=active
  assert_line Delegate=yes
  assert_line OOMPolicy=continue
  # The scope's cgroup is the user's to configure.
  scope=${cg%%/ctool-"$id".scope*}/ctool-$id.scope
  [ "$(stat -c %u "$scope")" = "$(id -u)" ] || fail "$scope is not owned by the user"
  run -0 ctool rm -f -t 0 "$id"
  wait_until 10 test ! -d "$scope" || fail "$scope is still there after rm -f"
  run systemctl --user is-active "ctool-$id.scope"
  refute_output active
}

@test "the container sees its own cgroup as / and its own limits under /sys/fs/cgroup" {
  skip_unless_option run --memory
  run -0 ctool run --rm --memory 64m "$IMAGE" sh -c 'cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max'
  assert_line 0::/
  assert_line 67108864
}

@test "exec from outside the user's own cgroups joins the container's scope" {
  skip_unless_option run --memory
  id=$(ctool run -d --memory 64m "$IMAGE" sleep 1000)
  # This shell is in a system service's cgroup, as a login session's shell
  # is in a session scope: neither belongs to the user.
  run ctool exec "$id" sh -c 'cat /proc/self/cgroup; cat /sys/fs/cgroup/memory.max; cat /sys/fs/cgroup/cgroup.procs | wc -l'
  [ "$status" = 0 ] || fail "exec failed ($status): $output"
  assert_line --index 0 0::/
  assert_line --index 1 67108864
  [ "${lines[2]}" -ge 2 ] || fail "the exec'd shell is not in the container's cgroup: $output"
}

@test "Podman's default pids limit, 2048, applies where pids is delegated" {
  skip_unless_option run --memory
  run -0 ctool run --rm "$IMAGE" cat /sys/fs/cgroup/pids.max
  assert_output 2048
}

@test "OOMPolicy=continue: a process killed by the OOM killer does not stop the rest of the container" {
  skip_unless_option run --memory
  id=$(ctool run -d --memory 64m "$IMAGE" sh -c 'dd if=/dev/zero of=/dev/null bs=100M count=1; echo "dd exited $?"; sleep 1000')
  wait_until 60 eval 'ctool logs "$id" 2>&1 | grep -q "dd exited"' || fail "dd did not finish: $(ctool logs "$id" 2>&1)"
  run -0 ctool logs "$id"
  assert_output --partial "dd exited 137"
  sleep 1
  [ "$(inspect_field "$id" .State.Status)" = running ] || fail "the container stopped: $(inspect_field "$id" .State)"
  run -0 systemctl --user is-active "ctool-$id.scope"
  grep -q '^oom_kill [1-9]' "$(container_cgroup "$id")/memory.events" || fail "no oom_kill in memory.events"
}

@test "--cgroups=disabled: the container stays in the caller's cgroup, no scope" {
  skip_unless_option run --cgroups
  id=$(ctool run -d --cgroups=disabled "$IMAGE" sleep 1000)
  cg=$(container_cgroup "$id")
  [ "$cg" = "/sys/fs/cgroup$(sed -n 's/^0:://p' /proc/self/cgroup)" ] || fail "container cgroup $cg is not the caller's"
  run systemctl --user is-active "ctool-$id.scope"
  refute_output active
}

@test "without the user's bus, containers still run, with no warning when no limit is asked for" {
  skip_unless_option run --memory
  # A runtime directory without the bus socket, as a user instance that is
  # not running leaves it.
  install -d -m 0700 "$BATS_TEST_TMPDIR/runtime"
  run -0 --separate-stderr env -u DBUS_SESSION_BUS_ADDRESS XDG_RUNTIME_DIR="$BATS_TEST_TMPDIR/runtime" \
    "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" run --rm "$IMAGE" echo ran
  assert_output ran
  [ -z "$stderr" ] || fail "stderr: $stderr"
}
