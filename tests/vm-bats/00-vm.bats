#!/usr/bin/env bats
# The machine these tests rely on (systemd as PID 1, cgroup v2 with every
# controller, the user's systemd instance with every controller delegated),
# and what ctool info says about it.

load helpers

@test "the VM: systemd is PID 1, cgroup v2 unified, every controller delegated to the user's instance" {
  [ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is $(cat /proc/1/comm)"
  [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ] || fail "/sys/fs/cgroup is not cgroup2"
  local c
  for c in cpuset cpu io memory pids; do
    grep -qw "$c" /sys/fs/cgroup/cgroup.controllers || fail "no $c controller in the VM"
    grep -qw "$c" "$USER_UNIT_CGROUP/cgroup.controllers" || fail "$c is not delegated to user@$(id -u).service"
  done
  # The user's instance answers on the user's bus.
  run -0 systemctl --user is-active default.target
  assert_output active
}

@test "ctool info: unified cgroup v2, the systemd manager, the controllers delegated to the user" {
  run -0 ctool info --format json
  local host
  host=$(jq -c .host <<< "$output")
  [ "$(jq -r .cgroupVersion <<< "$host")" = v2 ] || fail "cgroupVersion: $(jq -c .cgroupVersion <<< "$host")"
  [ "$(jq -r .cgroupLayout <<< "$host")" = unified ] || fail "cgroupLayout: $(jq -c .cgroupLayout <<< "$host")"
  [ "$(jq -r .cgroupManager <<< "$host")" = systemd ] || fail "cgroupManager: $(jq -c .cgroupManager <<< "$host")"
  local c
  for c in cpu cpuset io memory pids; do
    jq -e --arg c "$c" '.cgroupControllers | index($c)' <<< "$host" >/dev/null ||
      fail "cgroupControllers lacks $c: $(jq -c .cgroupControllers <<< "$host")"
  done
  # Nothing to fix on this machine.
  jq -e '(.problems // []) | map(select(.id | test("cgroup"))) | length == 0' <<< "$output" >/dev/null ||
    fail "cgroup problems reported: $(jq -c .problems <<< "$output")"
}
