#!/usr/bin/env bats
# Resource limits with the systemd manager, as a user sees them: the
# container's own cgroup files, the OOM killer, fork failing, throttling,
# and ctool update on a running container.

load helpers

@test "--memory: past its limit a container is OOM-killed: exit 137, OOMKilled true" {
  skip_unless_option run --memory
  run -137 ctool run --name oom --memory 64m "$IMAGE" dd if=/dev/zero of=/dev/null bs=100M count=1
  [ "$(inspect_field oom .State.OOMKilled)" = true ] || fail "OOMKilled: $(inspect_field oom .State)"
  [ "$(inspect_field oom .State.ExitCode)" = 137 ] || fail "ExitCode: $(inspect_field oom .State.ExitCode)"
  # The same allocation under a larger limit is fine.
  run -0 ctool run --name fits --memory 256m "$IMAGE" dd if=/dev/zero of=/dev/null bs=100M count=1
  [ "$(inspect_field fits .State.OOMKilled)" = false ] || fail "OOMKilled: $(inspect_field fits .State.OOMKilled)"
}

@test "--memory, detached: the monitor keeps the scope until OOMKilled is recorded" {
  skip_unless_option run --memory
  run -0 ctool run -d --name oomd --memory 64m "$IMAGE" sh -c 'sleep 3; dd if=/dev/zero of=/dev/null bs=100M count=1'
  # The monitor came from a cgroup that is not the user's, yet it is in the
  # scope, beside the container, so that the scope outlives the container.
  mon=$(inspect_field oomd .State.ConmonPid)
  run -0 cat "/proc/$mon/cgroup"
  assert_output --regexp '^0::/.*/ctool-[0-9a-f]+\.scope/supervisor$'
  run -0 ctool wait oomd
  assert_output 137
  [ "$(inspect_field oomd .State.OOMKilled)" = true ] || fail "OOMKilled: $(inspect_field oomd .State)"
}

@test "--pids-limit: fork fails inside the container past the limit" {
  skip_unless_option run --pids-limit
  script='cat /sys/fs/cgroup/pids.max; for i in $(seq 1 20); do sleep 30 & done; echo all started'
  run ctool run --rm --pids-limit 10 "$IMAGE" sh -c "$script"
  [ "$status" != 0 ] || fail "20 processes started under --pids-limit 10: $output"
  assert_line 10
  assert_output --partial "can't fork"
  refute_output --partial "all started"
  run -0 ctool run --rm --pids-limit 50 "$IMAGE" sh -c "$script"
  assert_line 50
  assert_line "all started"
}

@test "pids_limit of ctool.conf is pids.max without --pids-limit; --pids-limit wins; -1 is max" {
  skip_unless_option run --pids-limit
  export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/config
  mkdir -p "$XDG_CONFIG_HOME/ctool"
  printf '[containers]\npids_limit = 33\n' > "$XDG_CONFIG_HOME/ctool/ctool.conf"
  run -0 ctool run --rm "$IMAGE" cat /sys/fs/cgroup/pids.max
  assert_output 33
  run -0 ctool run --rm --pids-limit 40 "$IMAGE" cat /sys/fs/cgroup/pids.max
  assert_output 40
  printf '[containers]\npids_limit = -1\n' > "$XDG_CONFIG_HOME/ctool/ctool.conf"
  run -0 ctool run --rm "$IMAGE" cat /sys/fs/cgroup/pids.max
  assert_output max
}

@test "--cpus 0.5: cpu.max is 50000 100000 and a busy loop gets throttled" {
  skip_unless_option run --cpus
  run -0 ctool run --rm --cpus 0.5 "$IMAGE" sh -c \
    'cat /sys/fs/cgroup/cpu.max; timeout 3 sh -c "while :; do :; done"; cat /sys/fs/cgroup/cpu.stat'
  assert_line "50000 100000"
  throttled=$(awk '$1 == "nr_throttled" { print $2 }' <<< "$output")
  [ -n "$throttled" ] && [ "$throttled" -gt 0 ] || fail "not throttled: $output"
}

@test "--memory-reservation, --memory-swap, --cpu-shares, --cpuset-cpus, --blkio-weight land in the cgroup as Podman writes them" {
  for opt in --memory-reservation --memory-swap --cpu-shares --cpuset-cpus --blkio-weight; do
    skip_unless_option run "$opt"
  done
  run -0 ctool run --rm --memory 128m --memory-reservation 64m --memory-swap 192m --cpu-shares 512 \
    --cpuset-cpus 1 --blkio-weight 500 "$IMAGE" sh -c \
    'cd /sys/fs/cgroup && for f in memory.max memory.low memory.swap.max cpu.weight cpuset.cpus io.weight; do echo "$f: $(cat $f)"; done'
  assert_line "memory.max: 134217728"
  assert_line "memory.low: 67108864"
  # --memory-swap is memory + swap: 64m of swap.
  assert_line "memory.swap.max: 67108864"
  # 1 + (shares - 2) * 9999 / 262142, as Podman and runc convert.
  assert_line "cpu.weight: 20"
  assert_line "cpuset.cpus: 1"
  # 1 + (weight - 10) * 9999 / 990.
  assert_line "io.weight: default 4950"
}

@test "update changes the limits of a running container" {
  skip_unless_verb update
  id=$(ctool run -d --memory 64m --cpus 1 --pids-limit 100 "$IMAGE" sleep 1000)
  cg=$(container_cgroup "$id")
  [ "$(cat "$cg/memory.max")" = 67108864 ]
  run -0 ctool update --memory 128m --cpus 1.5 --pids-limit 200 "$id"
  [ "$(cat "$cg/memory.max")" = 134217728 ] || fail "memory.max: $(cat "$cg/memory.max")"
  [ "$(cat "$cg/cpu.max")" = "150000 100000" ] || fail "cpu.max: $(cat "$cg/cpu.max")"
  [ "$(cat "$cg/pids.max")" = 200 ] || fail "pids.max: $(cat "$cg/pids.max")"
  # What inspect says.
  [ "$(inspect_field "$id" .HostConfig.Memory)" = 134217728 ] ||
    fail "inspect HostConfig.Memory: $(inspect_field "$id" .HostConfig.Memory)"
  # Bad input changes nothing.
  run -125 --separate-stderr ctool update --memory lots "$id"
  [[ $stderr == "ctool: "*lots* ]] || fail "stderr: $stderr"
  [ "$(cat "$cg/memory.max")" = 134217728 ]
}
