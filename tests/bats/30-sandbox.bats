#!/usr/bin/env bats
# The low-level runtime (src/sandbox.c and friends), through the hidden
# test verbs `ctool __sandbox BUNDLE` and `ctool __sandbox-exec PID BUNDLE`
# (see src/cmd-sandbox.c): isolation and security settings as a user sees
# them from inside and from the host. The root filesystem is a static
# busybox plus a syscall probe (tests/fixtures/sandbox-rootfs.sh), used as
# the lower layer of an overlay per test, so tests cannot change it.

load helpers

setup_file() {
  export SANDBOX_ROOTFS=$BATS_FILE_TMPDIR/rootfs
  "$BATS_TEST_DIRNAME/../fixtures/sandbox-rootfs.sh" "$SANDBOX_ROOTFS"
  # An image whose symlinks point out of it, for the mount-target tests.
  ln -s / "$SANDBOX_ROOTFS/escape"
  ln -s ../../../../../../../../tmp "$SANDBOX_ROOTFS/escape-up"
}

setup() {
  basic_setup
  export BUNDLE=$BATS_TEST_TMPDIR/bundle
  mkdir -p "$BUNDLE" "$BATS_TEST_TMPDIR"/{upper,work,merged}
  spec '.'
}

teardown() {
  if [ -n "${BG_PID:-}" ]; then
    # The container outlives ctool: kill it first.
    [ -z "${CTR_PID:-}" ] || kill -9 "$CTR_PID" 2>/dev/null || true
    kill -9 "$BG_PID" 2>/dev/null || true
    wait "$BG_PID" 2>/dev/null || true
  fi
  basic_teardown
}

# Write the bundle's config.json: a minimal spec (the rest comes from
# Podman's defaults through --defaults) changed by jq: spec [JQ_ARGS...] FILTER
spec() {
  local filter=${*: -1}
  jq -n --arg root "$BATS_TEST_TMPDIR/merged" '{
      ociVersion: "1.0.2",
      process: { args: ["true"], env: ["PATH=/bin", "HOME=/root"], cwd: "/",
                 user: { uid: 0, gid: 0 }, noNewPrivileges: true },
      root: { path: $root },
      hostname: "sbx" }' | jq "${@:1:$#-1}" "$filter" > "$BUNDLE/config.json"
}

# Options of __sandbox for the next run (before the bundle).
SANDBOX_OPTS=()

# Run the bundle (arguments: the command) over an overlay of the fixture.
sandbox() {
  ctool __sandbox --defaults --lower "$SANDBOX_ROOTFS" --upper "$BATS_TEST_TMPDIR/upper" \
    --work "$BATS_TEST_TMPDIR/work" --rootfs "$BATS_TEST_TMPDIR/merged" "${SANDBOX_OPTS[@]}" "$BUNDLE" "$@"
}

# Start the bundle in the background with COMMAND; BG_PID is ctool's PID,
# CTR_PID the container's (as the host sees it).
sandbox_bg() {
  SANDBOX_OPTS=(--pid-file "$BATS_TEST_TMPDIR/pid")
  sandbox "$@" > "$BATS_TEST_TMPDIR/bg.out" 2>&1 &
  BG_PID=$!
  SANDBOX_OPTS=()
  wait_until 10 test -s "$BATS_TEST_TMPDIR/pid" || fail "the container did not start: $(cat "$BATS_TEST_TMPDIR/bg.out")"
  CTR_PID=$(cat "$BATS_TEST_TMPDIR/pid")
}

@test "the container's root is UID 0 inside and the user outside" {
  run -0 sandbox id
  assert_output "uid=0(root) gid=0(root)"  # (busybox lists supplementary groups only)
  sandbox_bg sleep 30
  run -0 awk '/^Uid:/ { print $2, $3, $4, $5 } /^Gid:/ { print $2, $3, $4, $5 }' "/proc/$CTR_PID/status"
  assert_line --index 0 "$(id -u) $(id -u) $(id -u) $(id -u)"
  assert_line --index 1 "$(id -g) $(id -g) $(id -g) $(id -g)"
  # Its own user, pid, mount, net, uts, ipc and cgroup namespaces.
  for ns in user pid mnt net uts ipc cgroup; do
    [ "$(readlink "/proc/$CTR_PID/ns/$ns")" != "$(readlink "/proc/self/ns/$ns")" ] || fail "shares the $ns namespace"
  done
}

@test "the user's command is PID 1 and sees only its own processes" {
  run -0 sandbox sh -c 'echo $$; ps -o pid,comm; true'
  assert_line --index 0 "1"
  assert_line --index 2 --regexp '^ +1 +sh$'
  assert_equal "${#lines[@]}" 4  # $$, the header, sh, ps
}

@test "capabilities are exactly Podman's default set" {
  run -0 sandbox grep ^Cap /proc/self/status
  assert_line "CapInh:	0000000000000000"
  assert_line "CapPrm:	00000000800405fb"
  assert_line "CapEff:	00000000800405fb"
  assert_line "CapBnd:	00000000800405fb"
  assert_line "CapAmb:	0000000000000000"
}

@test "a non-root user gets no effective capabilities and its groups" {
  spec '.process.user = {uid: 1000, gid: 1000, additionalGids: [5]}
        | .process.capabilities = {bounding: ["CAP_CHOWN", "CAP_KILL"]}'
  run -0 sandbox sh -c 'id; grep -E "^Cap(Eff|Bnd)" /proc/self/status'
  assert_line --index 0 "uid=1000(tester) gid=1000(tester) groups=5(tty)"
  assert_line --index 1 "CapEff:	0000000000000000"
  assert_line --index 2 "CapBnd:	0000000000000021"
}

@test "a non-root user without process.capabilities keeps none at all" {
  # (No --defaults: they would add Podman's capabilities.)
  spec '.process.user = {uid: 1000, gid: 1000} | .mounts = [{destination: "/proc", type: "proc", source: "proc"}]
        | .linux.namespaces = [{type: "pid"}, {type: "mount"}, {type: "user"}] | del(.hostname)'
  run -0 --separate-stderr ctool __sandbox --lower "$SANDBOX_ROOTFS" --upper "$BATS_TEST_TMPDIR/upper" \
    --work "$BATS_TEST_TMPDIR/work" --rootfs "$BATS_TEST_TMPDIR/merged" "$BUNDLE" grep -E "^Cap(Prm|Eff)" /proc/self/status
  assert_output $'CapPrm:\t0000000000000000\nCapEff:\t0000000000000000'
}

@test "no_new_privs follows process.noNewPrivileges" {
  run -0 sandbox grep ^NoNewPrivs /proc/self/status
  assert_output "NoNewPrivs:	1"
  spec '.process.noNewPrivileges = false'
  run -0 sandbox grep ^NoNewPrivs /proc/self/status
  assert_output "NoNewPrivs:	0"
}

@test "the default seccomp profile is Podman's, compiled once and then loaded from the cache" {
  run -0 sandbox grep '^Seccomp:' /proc/self/status
  assert_output "Seccomp:	2"
  run -0 sandbox sandbox-probe syscalls userfaultfd kexec_load swapon add_key sethostname \
    audit_socket personality_query personality_other chroot keyctl
  assert_line "userfaultfd=EPERM"        # Podman's EPERM list
  assert_line "kexec_load=EPERM"
  assert_line "swapon=EPERM"
  assert_line "add_key=ENOSYS"           # not allowed: the default action
  assert_line "sethostname=EPERM"        # needs CAP_SYS_ADMIN in the bounding set
  assert_line "audit_socket=EINVAL"      # needs CAP_AUDIT_WRITE
  assert_line "personality_query=ok"
  assert_line "personality_other=ENOSYS"
  assert_line "chroot=ok"                # CAP_SYS_CHROOT is a default capability
  assert_line "keyctl=ok"                # Podman's profile allows keyctl
  run -0 find "$CTOOL_TEST_RUNROOT/seccomp" -name '*.bpf'
  assert_equal "${#lines[@]}" 1
  run -0 --separate-stderr ctool --log-level debug __sandbox --defaults --lower "$SANDBOX_ROOTFS" \
    --upper "$BATS_TEST_TMPDIR/upper" --work "$BATS_TEST_TMPDIR/work" --rootfs "$BATS_TEST_TMPDIR/merged" "$BUNDLE"
  [[ "$stderr" == *"seccomp filter cached"* ]] || fail "the second start compiled again: $stderr"
}

@test "the spec's own seccomp profile is applied" {
  spec '.linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["sethostname"], action: "SCMP_ACT_ERRNO", errnoRet: 13}]}'
  run -0 sandbox sandbox-probe syscalls sethostname personality_other
  assert_output $'sethostname=EACCES\npersonality_other=ok'
}

@test "masked paths read empty and read-only paths cannot be written" {
  run -0 sandbox sh -c '
    for f in /proc/keys /proc/timer_list /proc/kcore /proc/sched_debug; do
      [ -e $f ] && echo "$f $(wc -c < $f)"; done
    for d in /proc/acpi /proc/scsi /sys/firmware; do [ -d $d ] && echo "$d $(ls -A $d | wc -l)"; done
    echo 1 > /proc/sys/kernel/ns_last_pid 2>/dev/null || echo "sys ro"
    echo x > /proc/sysrq-trigger 2>/dev/null || echo "sysrq ro"'
  for line in "${lines[@]}"; do
    case $line in
      /proc/*|/sys/*) [ "${line##* }" = 0 ] || fail "not masked: $line" ;;
    esac
  done
  assert_line "/sys/firmware 0"
  assert_line "sys ro"
  assert_line "sysrq ro"
  if [ -e /proc/keys ]; then assert_line "/proc/keys 0"; fi
  if [ -e /proc/kcore ]; then assert_line "/proc/kcore 0"; fi
}

@test "/dev has the usual nodes from the host, devpts is a new instance, /sys is read-only" {
  run -0 sandbox sh -c '
    ls /dev | tr "\n" " "; echo
    echo hi > /dev/null && head -c 4 /dev/zero | wc -c && head -c 4 /dev/urandom | wc -c
    ls /dev/pts | tr "\n" " "; echo
    grep -E " /(sys|dev/pts|dev/shm|dev/mqueue|proc) " /proc/mounts | cut -d" " -f2-4
    touch /sys/x 2>/dev/null || echo "sys ro"
    hostname'
  assert_line --index 0 "core fd full mqueue null ptmx pts random shm stderr stdin stdout tty urandom zero "
  assert_line --index 1 "4"
  assert_line --index 3 "ptmx "
  assert_line --regexp '^/dev/pts devpts rw,.*ptmxmode=666'
  assert_line --regexp '^/sys sysfs ro,'
  assert_line --regexp '^/proc proc rw,nosuid,nodev,noexec'
  assert_line "sys ro"
  assert_line "sbx"
}

@test "no file descriptor of ctool reaches the container" {
  run -0 sandbox sandbox-probe fds
  assert_output $'0\n1\n2'
  # Not even with more fds open in ctool itself.
  exec 7</dev/null 8>"$BATS_TEST_TMPDIR/x"
  run -0 sandbox sandbox-probe fds
  exec 7<&- 8>&-
  assert_output $'0\n1\n2'
}

@test "a bind mount onto an image symlink to / lands inside the container, never on the host" {
  local name=ctool-escape-$$-$BATS_TEST_NUMBER
  mkdir -p "$BATS_TEST_TMPDIR/src" && echo marker > "$BATS_TEST_TMPDIR/src/file"
  spec --arg src "$BATS_TEST_TMPDIR/src" --arg name "$name" '.mounts = [
      {destination: "/proc", type: "proc", source: "proc"},
      {destination: ("/escape/tmp/" + $name), type: "bind", source: $src, options: ["rbind", "ro"]},
      {destination: ("/escape-up/" + $name + "-2"), type: "bind", source: $src, options: ["bind"]}]'
  run -0 sandbox sh -c "cat /tmp/$name/file /tmp/$name-2/file; touch /tmp/$name/x 2>/dev/null || echo ro"
  assert_output $'marker\nmarker\nro'
  [ ! -e "/tmp/$name" ] || fail "the mount target was created on the host: /tmp/$name"
  [ ! -e "/tmp/$name-2" ] || fail "the mount target was created on the host: /tmp/$name-2"
  # It went into the container's own /tmp (the overlay's upper layer).
  [ -d "$BATS_TEST_TMPDIR/upper/tmp/$name" ]
}

@test "exit codes: the command's own, 127 not found, 126 cannot be invoked" {
  run -3 sandbox sh -c 'exit 3'
  run -127 --separate-stderr sandbox nosuchcommand
  assert_equal "$stderr" 'ctool: executable file `nosuchcommand` not found in $PATH: No such file or directory'
  run -127 --separate-stderr sandbox /no/such/file
  assert_equal "$stderr" 'ctool: executable file `/no/such/file` not found: No such file or directory'
  run -126 --separate-stderr sandbox /etc/passwd
  assert_equal "$stderr" 'ctool: cannot execute `/etc/passwd`: Permission denied'
  run -126 --separate-stderr sandbox /etc
  [[ "$stderr" == *'cannot execute `/etc`'* ]]
}

@test "a failed start leaves no process behind and says what failed" {
  spec '.mounts = [{destination: "/data", type: "bind", source: "/no/such/dir"}]'
  run -125 --separate-stderr sandbox true
  assert_equal "$stderr" "ctool: bind mount /no/such/dir on /data: No such file or directory"
  spec '.process.user = {uid: 0, gid: 0} | .process.rlimits = [{type: "RLIMIT_BOGUS", hard: 1, soft: 1}]'
  run -125 --separate-stderr sandbox true
  assert_equal "$stderr" "ctool: unknown rlimit 'RLIMIT_BOGUS' in process.rlimits"
}

@test "rlimits, umask, environment, and a working directory that is created" {
  spec '.process.rlimits = [{type: "RLIMIT_NOFILE", hard: 2048, soft: 1024}]
        | .process.user.umask = 63
        | .process.env += ["GREETING=hello there"]
        | .process.cwd = "/root/work/dir"'
  run -0 sandbox sh -c 'ulimit -n; ulimit -Hn; umask; pwd; echo "$GREETING"'
  assert_output $'1024\n2048\n0077\n/root/work/dir\nhello there'
}

@test "a read-only root: nothing writes to it, the mounts on it stay writable" {
  spec '.root.readonly = true'
  run -0 sandbox sh -c 'touch /x 2>/dev/null || echo "root ro"; touch /dev/shm/ok && echo "shm rw"'
  assert_output $'root ro\nshm rw'
  [ ! -e "$BATS_TEST_TMPDIR/upper/x" ]
}

@test "a tmpfs mount starts empty, or with the image's files (tmpcopyup)" {
  spec '.root.readonly = true | .mounts = [
      {destination: "/proc", type: "proc", source: "proc"},
      {destination: "/etc", type: "tmpfs", source: "tmpfs", options: ["rw", "nosuid", "nodev", "tmpcopyup"]},
      {destination: "/home", type: "tmpfs", source: "tmpfs", options: ["rw", "size=1m"]}]'
  run -0 sandbox sh -c 'grep ^tester: /etc/passwd; ls -ld /etc | cut -c1-10; echo new > /etc/x && cat /etc/x; ls -A /home | wc -l; grep " /home " /proc/mounts | cut -d" " -f3'
  assert_output $'tester:x:1000:1000:tester:/home/tester:/bin/sh\ndrwxr-xr-x\nnew\n0\ntmpfs'
  [ ! -e "$BATS_TEST_TMPDIR/upper/etc/x" ]
}

@test "sysctls from the spec are set in the container only" {
  spec '.linux.sysctl = {"net.ipv4.ping_group_range": "0 0"}'
  run -0 sandbox cat /proc/sys/net/ipv4/ping_group_range
  assert_output $'0\t0'
}

@test "--init: a minimal init is PID 1, reaps orphans and passes the exit code" {
  spec '.annotations = {"io.ctool.init": "true"}'
  run -7 sandbox sh -c '(sleep 0.2 &); sleep 0.5; ps -o pid,stat,comm | grep -c " Z " ; cat /proc/1/comm; echo $$; tr "\0" " " < /proc/1/cmdline; echo; exit 7'
  assert_line --index 0 "0"            # the orphaned sleep was reaped
  assert_line --index 1 "ctool-init"
  assert_line --index 2 "2"
  # ctool's own command line (options, host paths) does not show.
  assert_line --index 3 --regexp '^ctool-init *$'
  run -0 sandbox grep -E '^(NoNewPrivs|Seccomp):' /proc/1/status
  assert_output $'NoNewPrivs:\t1\nSeccomp:\t2'
}

@test "--init forwards signals to the command" {
  spec '.annotations = {"io.ctool.init": "true"}'
  sandbox_bg sh -c 'trap "echo got TERM; exit 42" TERM; while :; do sleep 0.1; done'
  sleep 0.3
  kill -TERM "$CTR_PID"
  local rc=0
  wait "$BG_PID" || rc=$?
  BG_PID=
  assert_equal "$rc" 42
  assert_equal "$(cat "$BATS_TEST_TMPDIR/bg.out")" "got TERM"
}

@test "a terminal: the pty is the controlling terminal and /dev/console" {
  spec '.process.terminal = true | .process.consoleSize = {height: 33, width: 77}'
  run -5 sandbox sh -c 'tty; stty size; [ /dev/console -ef "$(tty)" ] && echo console; exit 5' < /dev/null
  assert_line --index 0 --regexp '^/dev/pts/0'
  assert_line --index 1 --regexp '^33 77'
  assert_line --index 2 --regexp '^console'
}

@test "exec joins the running container: same namespaces, same security settings" {
  sandbox_bg sleep 30
  run -0 ctool __sandbox-exec --defaults "$CTR_PID" "$BUNDLE" sh -c 'echo $$; hostname; id -u; ps -o pid,comm | grep -c sleep; grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status; sandbox-probe fds'
  assert_output $'2\nsbx\n0\n1\nCapEff:\t00000000800405fb\nNoNewPrivs:\t1\nSeccomp:\t2\n0\n1\n2'
  # The exec'd process shows as the user on the host, in the container's namespaces.
  run -0 ctool __sandbox-exec --defaults "$CTR_PID" "$BUNDLE" sh -c 'readlink /proc/self/ns/pid; readlink /proc/1/ns/pid'
  assert_equal "${lines[0]}" "${lines[1]}"
}

@test "exec with the container's capabilities and seccomp profile; 127 for a missing command" {
  spec '.process.capabilities = {bounding: ["CAP_KILL"], effective: ["CAP_KILL"], permitted: ["CAP_KILL"]}
        | .linux.seccomp = {defaultAction: "SCMP_ACT_ALLOW", syscalls: [{names: ["sethostname"], action: "SCMP_ACT_ERRNO", errnoRet: 1}]}'
  sandbox_bg sleep 30
  run -0 ctool __sandbox-exec "$CTR_PID" "$BUNDLE" sh -c 'grep -E "^(CapEff|Seccomp):" /proc/self/status; sandbox-probe syscalls sethostname'
  assert_output $'CapEff:\t0000000000000020\nSeccomp:\t2\nsethostname=EPERM'
  run -127 --separate-stderr ctool __sandbox-exec "$CTR_PID" "$BUNDLE" nosuch
  assert_equal "$stderr" 'ctool: executable file `nosuch` not found in $PATH: No such file or directory'
  run -125 --separate-stderr ctool __sandbox-exec 999999999 "$BUNDLE" true
}

@test "without a pid namespace of its own the container sees the host's processes" {
  spec '.linux.namespaces = [{type: "mount"}, {type: "user"}, {type: "network"}, {type: "ipc"}, {type: "uts"}]'
  run -0 sandbox sh -c 'echo $$; test -d /proc/1 && echo host-init'
  [ "${lines[0]}" != 1 ]
  assert_line --index 1 "host-init"
}

@test "--host-network keeps the host's interfaces; otherwise only lo" {
  run -0 sandbox ls /sys/class/net
  assert_output "lo"
  SANDBOX_OPTS=(--host-network)
  run -0 sandbox ls /sys/class/net
  assert_output "$(ls /sys/class/net)"
}
