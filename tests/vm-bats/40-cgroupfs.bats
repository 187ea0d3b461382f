#!/usr/bin/env bats
# The cgroupfs manager: a cgroup per container inside a subtree the user
# owns (here a systemd scope with Delegate=yes, as `systemd-run --user
# --scope -p Delegate=yes` gives), and no cgroup at all where the user owns
# none.

load helpers

@test "cgroupfs in a delegated subtree: the container gets its own cgroup there, with its limits" {
  skip_unless_manager_option
  skip_unless_option run --memory
  with_manager cgroupfs -d --memory 64m --pids-limit 20 "$IMAGE" sleep 1000
  id=$(ctool_in_delegated_scope "${MANAGER_ARGS[@]}")
  cg=$(container_cgroup "$id")
  [[ $cg == "$USER_UNIT_CGROUP"/* ]] || fail "container cgroup $cg is not in the user's subtree $USER_UNIT_CGROUP"
  [[ $cg == */ctool-"$id"* && $cg != *.scope* ]] || fail "container cgroup $cg is not a ctool-$id cgroup of its own"
  [ "$(cat "$cg/memory.max")" = 67108864 ] || fail "memory.max: $(cat "$cg/memory.max")"
  [ "$(cat "$cg/pids.max")" = 20 ] || fail "pids.max: $(cat "$cg/pids.max")"
  run systemctl --user is-active "ctool-$id.scope"
  refute_output active
  run -0 ctool rm -f -t 0 "$id"
  wait_until 10 test ! -d "$cg" || fail "$cg is still there after rm -f"
}

@test "cgroupfs in a delegated subtree: OOM gives exit 137 and OOMKilled true" {
  skip_unless_manager_option
  skip_unless_option run --memory
  with_manager cgroupfs --name oom --memory 64m "$IMAGE" dd if=/dev/zero of=/dev/null bs=100M count=1
  run -137 ctool_in_delegated_scope "${MANAGER_ARGS[@]}"
  [ "$(inspect_field oom .State.OOMKilled)" = true ] || fail "OOMKilled: $(inspect_field oom .State.OOMKilled)"
}

@test "cgroupfs without a subtree of the user's own: the container runs, a requested limit is reported once" {
  skip_unless_manager_option
  skip_unless_option run --memory
  # This shell runs in a system service's cgroup, which the user does not own.
  with_manager cgroupfs --rm --memory 64m --pids-limit 10 "$IMAGE" echo ran
  run -0 --separate-stderr ctool "${MANAGER_ARGS[@]}"
  assert_output ran
  [ "$(grep -c 'not enforced' <<< "$stderr")" = 1 ] || fail "expected one warning, got: $stderr"
  [[ $stderr == *--memory* ]] || fail "the warning does not name the limit: $stderr"
  with_manager cgroupfs --rm "$IMAGE" echo ran
  run -0 --separate-stderr ctool "${MANAGER_ARGS[@]}"
  assert_output ran
  [ -z "$stderr" ] || fail "a warning without any limit asked for: $stderr"
}
