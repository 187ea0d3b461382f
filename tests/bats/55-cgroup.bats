#!/usr/bin/env bats
# cgroup v2 on this host as the test user: each container in a cgroup of
# its own inside the delegated subtree (tests/setup/prepare-host.sh), seen
# as its root; pause really freezes; stop and rm -f leave no process of a
# forking tree; exec lands in the container's cgroup; stats and top; the
# once-only warning for a limit that cannot be enforced. The limits
# themselves (memory, pids, cpu controllers) are tested under systemd in
# tests/vm-bats.

load helpers
load containers

setup_file() { containers_setup_file; }
setup() { containers_setup; }

# The container's cgroup directory, as ctool recorded it ("" for none).
cgroup_of() {
  inspect_field "$1" .HostConfig.CgroupPath
}

# Skip unless containers get a cgroup of their own here.
need_cgroup() {
  local id cg
  id=$(ctool run -d "$IMAGE" sleep 1000)
  cg=$(cgroup_of "$id")
  ctool rm -f -t 0 "$id" >/dev/null
  [ -n "$cg" ] || skip "no writable cgroup v2 subtree for $(id -un) here"
}

# The number of processes in cgroup CG and below.
procs_in() {
  find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null | wc -l
}

@test "a container runs in a cgroup of its own and sees it as its root (0::/)" {
  need_cgroup
  run -0 ctool run --rm "$IMAGE" cat /proc/self/cgroup
  assert_line '0::/'
  id=$(ctool run -d "$IMAGE" sleep 1000)
  cg=$(cgroup_of "$id")
  [[ $cg == */ctool-$id ]] || fail "cgroup path: $cg"
  pid=$(inspect_field "$id" .State.Pid)
  grep -qx "$pid" "$cg/cgroup.procs" || fail "PID $pid not in $cg/cgroup.procs: $(cat "$cg/cgroup.procs")"
  [[ $(sed -n 's/^0:://p' "/proc/$pid/cgroup") == */ctool-$id ]] || fail "$(cat "/proc/$pid/cgroup")"
  # Its /sys/fs/cgroup is its own cgroup.
  run -0 ctool exec "$id" cat /sys/fs/cgroup/cgroup.procs
  assert_line --index 0 1
  [ "${#lines[@]}" -eq 2 ] || fail "init and cat expected: $output"
  run -0 ctool rm -f -t 0 "$id"
  [ ! -e "$cg" ] || fail "cgroup $cg left after rm -f"
}

@test "the container is cloned straight into its cgroup; a start that fails before leaves no cgroup" {
  need_cgroup
  # Moving a process between cgroups waits for an RCU grace period;
  # clone3 CLONE_INTO_CGROUP (Linux 5.7) does not: the start is faster.
  run -0 --separate-stderr ctool --log-level debug run --rm "$IMAGE" cat /proc/self/cgroup
  assert_line '0::/'
  [[ $stderr == *"sandbox: cloned into its cgroup"* ]] || fail "not cloned into its cgroup: $stderr"
  # newuidmap refuses a range the user does not own: the start fails (the
  # new pause process's maps, or the container's own) and no cgroup stays.
  local id
  id=$(ctool create "$IMAGE" true)
  printf '%s:900000:100\n' "$(id -un)" > "$BATS_TEST_TMPDIR/subuid"
  CTOOL_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid run -125 ctool start "$id"
  assert_output --partial newuidmap
  [ -z "$(find /sys/fs/cgroup -maxdepth 6 -type d -name "ctool-$id" 2>/dev/null)" ] || fail "cgroup ctool-$id left"
  run -0 ctool rm "$id"
}

@test "the cgroup goes away when the container exits, detached or in the foreground" {
  need_cgroup
  id=$(ctool run -d "$IMAGE" sh -c 'sleep 0.5')
  cg=$(cgroup_of "$id")
  [ -n "$cg" ]
  run -0 ctool wait "$id"
  wait_until 10 test ! -e "$cg" || fail "cgroup $cg left after the container exited"
  run -0 ctool run --name fg "$IMAGE" true
  fid=$(inspect_field fg .Id)
  [ ! -e "$(dirname "$cg")/ctool-$fid" ] || fail "a foreground run left its cgroup"
  run -0 ctool rm fg
  # A start that fails (no such command) leaves no cgroup either.
  run -0 ctool create --name bad "$IMAGE" no-such-command
  bid=$output
  run -127 ctool start bad
  [ ! -e "$(dirname "$cg")/ctool-$bid" ] || fail "a failed start left its cgroup"
  run -0 ctool rm bad
}

@test "exec'd processes land in the container's cgroup" {
  need_cgroup
  id=$(ctool run -d "$IMAGE" sleep 1000)
  cg=$(cgroup_of "$id")
  run -0 ctool exec "$id" cat /proc/self/cgroup
  assert_line '0::/'
  run -0 ctool exec -d "$id" sleep 1557
  wait_until 10 pgrep -u "$(id -u)" -f 'sleep 1557' >/dev/null
  epid=$(pgrep -u "$(id -u)" -f 'sleep 1557')
  grep -qx "$epid" "$cg/cgroup.procs" || fail "exec'd PID $epid not in $cg: $(cat "/proc/$epid/cgroup")"
  [ "$(procs_in "$cg")" -eq 2 ]
  run -0 ctool rm -f -t 0 "$id"
  run pgrep -u "$(id -u)" -f 'sleep 1557'
  [ "$status" = 1 ] || fail "the exec'd process outlived rm -f: $output"
}

@test "pause freezes every process, unpause lets them go on; ps and inspect say paused" {
  need_cgroup
  id=$(ctool run -d "$IMAGE" sh -c 'i=0; while :; do i=$((i + 1)); echo $i > /tmp/n; sleep 0.05; done')
  cg=$(cgroup_of "$id")
  counter=$CTOOL_TEST_ROOT/containers/$id/upper/tmp/n
  wait_until 10 test -s "$counter"
  run -0 ctool pause "$id"
  assert_output "$id"
  [ "$(cat "$cg/cgroup.freeze")" = 1 ]
  grep -qx 'frozen 1' "$cg/cgroup.events" || fail "cgroup.events: $(cat "$cg/cgroup.events")"
  run -0 ctool ps --format '{{.Status}}'
  assert_output Paused
  [ "$(inspect_field "$id" .State.Status)" = paused ]
  [ "$(inspect_field "$id" .State.Paused)" = true ]
  n1=$(cat "$counter")
  sleep 0.6
  n2=$(cat "$counter")
  [ "$n1" = "$n2" ] || fail "the loop went on while paused: $n1 -> $n2"
  # Pausing twice is an error.
  run -125 ctool pause "$id"
  assert_output --partial 'not running'
  run -0 ctool unpause "$id"
  assert_output "$id"
  wait_until 5 eval '[ "$(cat "$counter")" != "$n2" ]' || fail "the loop did not go on after unpause"
  [ "$(inspect_field "$id" .State.Status)" = running ]
  run -125 ctool unpause "$id"
  assert_output --partial 'not paused'
  # A paused container can be stopped.
  run -0 ctool pause "$id"
  run -0 ctool stop -t 1 "$id"
  [ "$(inspect_field "$id" .State.Status)" = exited ]
  run -0 ctool rm "$id"
}

@test "stop and rm -f of a forking process tree leave no process and no cgroup" {
  need_cgroup
  # Daemonized grandchildren, and an init that ignores the stop signal.
  tree='for i in 1 2 3; do (sleep 1553 &); done; trap "" TERM; while :; do sleep 1554; done'
  for verb in stop rm; do
    id=$(ctool run -d "$IMAGE" sh -c "$tree")
    cg=$(cgroup_of "$id")
    wait_until 10 eval '[ "$(pgrep -u "$(id -u)" -f "^sleep 155[34]" | wc -l)" -eq 4 ]' ||
      fail "expected 4 sleeps: $(pgrep -a -u "$(id -u)" -f '^sleep 155[34]')"
    [ "$(procs_in "$cg")" -ge 5 ]
    if [ $verb = stop ]; then
      run -0 ctool stop -t 1 "$id"
    else
      run -0 ctool rm -f -t 1 "$id"
    fi
    run pgrep -u "$(id -u)" -f '^sleep 155[34]'
    [ "$status" = 1 ] || fail "$verb left processes: $output"
    wait_until 5 test ! -e "$cg" || fail "$verb left the cgroup $cg with $(procs_in "$cg") processes"
    [ $verb = rm ] || run -0 ctool rm "$id"
  done
  # (The monitor records the exit, then leaves.)
  wait_until 5 eval '! pgrep -u "$(id -u)" -f "ctool-monitor --pid .*$CTOOL_TEST_ROOT" >/dev/null'
  assert_nothing_left
}

@test "stats --no-stream: PIDs and CPU from the cgroup, -- for what this host cannot measure" {
  need_cgroup
  id=$(ctool run -d --name busy "$IMAGE" sh -c 'sleep 1000 & while :; do :; done')
  cg=$(cgroup_of "$id")
  wait_until 10 eval '[ "$(procs_in "$cg")" -ge 2 ]'
  run -0 ctool stats --no-stream --format json busy
  entry=$(jq -c '.[0]' <<< "$output")
  [ "$(jq -r .id <<< "$entry")" = "$id" ] || fail "id: $entry"
  [ "$(jq -r .name <<< "$entry")" = busy ]
  [ "$(jq -r .pids <<< "$entry")" = 2 ] || fail "pids: $entry"
  if [ -e "$cg/cpu.stat" ]; then
    # A busy loop: well above zero, at most the machine's CPUs.
    pct=$(jq -r .cpu_percent <<< "$entry")
    [[ $pct =~ ^[0-9]+\.[0-9]{2}%$ ]] || fail "cpu_percent: $entry"
    awk -v p="${pct%\%}" -v n="$(nproc)" 'BEGIN { exit !(p > 20 && p <= n * 100 + 5) }' || fail "cpu_percent $pct"
  else
    echo "# $cg/cpu.stat is absent: CPU % not checked" >&3
  fi
  if [ -e "$cg/memory.current" ]; then
    [[ $(jq -r .mem_usage <<< "$entry") =~ ^[0-9.]+[kMG]?B\ /\ [0-9.]+[kMGT]?B$ ]] || fail "mem_usage: $entry"
  else
    echo "# no memory controller on this cgroup2: memory shows --" >&3
    [ "$(jq -r .mem_usage <<< "$entry")" = '-- / --' ] || fail "mem_usage: $entry"
    [ "$(jq -r .mem_percent <<< "$entry")" = '--' ] || fail "mem_percent: $entry"
  fi
  run -0 ctool stats --no-stream
  assert_line --index 0 --regexp '^ID +NAME +CPU % +MEM USAGE / LIMIT +MEM % +NET IO +BLOCK IO +PIDS$'
  assert_line --index 1 --regexp "^${id:0:12} +busy +[0-9.]+% +.* 2\$"
  [ "${#lines[@]}" -eq 2 ]
  run -0 ctool stats --no-stream --format '{{.Name}} {{.PIDs}}' busy
  assert_output 'busy 2'
  run -0 ctool rm -f -t 0 busy
  run -125 ctool stats --no-stream busy
  assert_output --partial 'no container'
}

@test "top lists the container's processes as podman top does" {
  id=$(ctool run -d "$IMAGE" sh -c 'sleep 1000 & exec sleep 1001')
  wait_until 10 eval 'ctool top "$id" | grep -q "sleep 1000"'
  run -0 ctool top "$id"
  assert_line --index 0 --regexp '^USER +PID +PPID +%CPU +ELAPSED +TTY +TIME +COMMAND$'
  assert_line --regexp '^root +1 +0 +[0-9.]+ +[0-9.hms]+ +\? +00:00:00 +sleep 1001$'
  assert_line --regexp '^root +[0-9]+ +1 +.* sleep 1000$'
  [ "${#lines[@]}" -eq 3 ]
  run -0 ctool top "$id" pid,comm
  assert_line --index 0 --regexp '^PID +COMMAND$'
  assert_line --regexp '^1 +sleep$'
  run -125 ctool top "$id" bogus
  assert_output --partial "unknown descriptor 'bogus'"
  run -0 ctool rm -f -t 0 "$id"
  run -125 ctool top "$id"
}

@test "a limit that cannot be enforced is reported once; no limit, no warning" {
  need_cgroup
  id=$(ctool run -d "$IMAGE" sleep 1000)
  cg=$(cgroup_of "$id")
  ctool rm -f -t 0 "$id" >/dev/null
  if grep -qw memory "$(dirname "$cg")/cgroup.controllers"; then
    skip "the memory controller is available on cgroup v2 here"
  fi
  run -0 --separate-stderr ctool run --rm --memory 64m --pids-limit 10 --cpus 1 "$IMAGE" echo ran
  assert_output ran
  [ "$(grep -c 'not enforced' <<< "$stderr")" -eq 1 ] || fail "not one warning: $stderr"
  [[ $stderr == "ctool: warning: --memory is not enforced: the memory controller"* ]] || fail "stderr: $stderr"
  # Detached: the same single warning.
  run -0 --separate-stderr ctool run -d --name lim --memory 64m "$IMAGE" sleep 1000
  [ "$(grep -c 'not enforced' <<< "$stderr")" -eq 1 ] || fail "not one warning: $stderr"
  run -0 ctool rm -f -t 0 lim
  # No limit asked: nothing said, also not for the pids default.
  run -0 --separate-stderr ctool run --rm "$IMAGE" echo ran
  assert_output ran
  [ -z "$stderr" ] || fail "stderr without limits: $stderr"
  run -0 --separate-stderr ctool run -d --name nolim "$IMAGE" sleep 1000
  [ -z "$stderr" ] || fail "stderr without limits: $stderr"
  run -0 ctool rm -f -t 0 nolim
  # update cannot apply it either, and says which controller is missing.
  run -0 ctool run -d --name upd "$IMAGE" sleep 1000
  run -125 ctool update --memory 128m upd
  assert_output --partial 'memory controller'
  [ "$(inspect_field upd .HostConfig.Memory)" = 0 ]
  run -0 ctool rm -f -t 0 upd
}

@test "limits are kept in config.json and shown by inspect; update rewrites them; bad values are refused" {
  run -0 ctool create --name lim -m 64m --memory-reservation 32m --memory-swap -1 --cpus 1.5 -c 512 \
    --cpuset-cpus 0 --pids-limit 100 --blkio-weight 500 "$IMAGE" true
  res=$(jq -c .linux.resources "$(inspect_field lim .OCIConfigPath)")
  [ "$(jq -r .memory.limit <<< "$res")" = 67108864 ] || fail "$res"
  [ "$(jq -r .memory.reservation <<< "$res")" = 33554432 ] || fail "$res"
  [ "$(jq -r .memory.swap <<< "$res")" = -1 ] || fail "$res"
  [ "$(jq -r .cpu.quota <<< "$res")" = 150000 ] || fail "$res"
  [ "$(jq -r .cpu.period <<< "$res")" = 100000 ] || fail "$res"
  [ "$(jq -r .cpu.shares <<< "$res")" = 512 ] || fail "$res"
  [ "$(jq -r .cpu.cpus <<< "$res")" = 0 ] || fail "$res"
  [ "$(jq -r .pids.limit <<< "$res")" = 100 ] || fail "$res"
  [ "$(jq -r .blockIO.weight <<< "$res")" = 500 ] || fail "$res"
  [ "$(inspect_field lim .HostConfig.Memory)" = 67108864 ]
  [ "$(inspect_field lim .HostConfig.NanoCpus)" = 1500000000 ]
  [ "$(inspect_field lim .HostConfig.PidsLimit)" = 100 ]
  run -0 ctool update --memory 128m --pids-limit 200 lim
  [ "$(inspect_field lim .HostConfig.Memory)" = 134217728 ]
  [ "$(inspect_field lim .HostConfig.PidsLimit)" = 200 ]
  [ "$(inspect_field lim .HostConfig.NanoCpus)" = 1500000000 ]
  run -125 ctool update lim
  assert_output --partial 'nothing to update'
  run -125 ctool update --memory lots lim
  assert_output "ctool: --memory: invalid memory size 'lots': use a number with an optional unit b, k, m or g (e.g. 512m)"
  run -0 ctool rm lim
  for bad in '--memory lots' '--cpus 0' '--cpus x' '--pids-limit -5' '--blkio-weight 5' '--cpuset-cpus a-b' \
    '--memory-swap 1g' '--cgroups maybe' '--cgroup-manager upstart'; do
    # shellcheck disable=SC2086
    run -125 ctool run --rm $bad "$IMAGE" true
    [ "${#lines[@]}" -eq 1 ] && [[ ${lines[0]} == "ctool: "* ]] || fail "$bad: $output"
  done
  run -125 ctool --cgroup-manager upstart run --rm "$IMAGE" true
  assert_output --partial "invalid cgroup manager 'upstart'"
  assert_nothing_left
}

@test "--cgroups=disabled: no cgroup of its own, no pause, top still works" {
  id=$(ctool run -d --cgroups=disabled "$IMAGE" sh -c 'sleep 1550 & exec sleep 1551')
  [ "$(cgroup_of "$id")" = "" ]
  [ "$(inspect_field "$id" .HostConfig.Cgroups)" = disabled ]
  pid=$(inspect_field "$id" .State.Pid)
  [[ $(sed -n 's/^0:://p' "/proc/$pid/cgroup") != */ctool-* ]] || fail "in a ctool cgroup: $(cat "/proc/$pid/cgroup")"
  [ ! -e "/sys/fs/cgroup/unified/ctooltest.slice/ctool-$id" ]
  run -125 ctool pause "$id"
  assert_output --partial 'no cgroup of its own'
  run -125 ctool run --rm --cgroups=disabled --memory 64m "$IMAGE" true
  assert_output --partial '--cgroups=disabled cannot be combined with resource limits'
  wait_until 10 eval 'ctool top "$id" | grep -q "sleep 1550"'
  run -0 ctool top "$id"
  assert_output --partial 'sleep 1551'
  run -0 ctool stats --no-stream --format json "$id"
  [ "$(jq -r '.[0].pids' <<< "$output")" = -- ] || fail "$output"
  [ "$(jq -r '.[0].cpu_percent' <<< "$output")" = -- ] || fail "$output"
  run -0 ctool rm -f -t 0 "$id"
  run pgrep -u "$(id -u)" -f '^sleep 155[01]'
  [ "$status" = 1 ] || fail "left: $output"
}
