#!/usr/bin/env bats
# Security of a container as `ctool run` makes it, end to end with a real
# image (30-sandbox tests the low-level runtime from hand-written specs;
# 40-run and 42-exec check the status lines of run and exec): what the
# container can see and touch of the host, who its root is outside, which
# privileges actually work, seccomp as Podman's default profile has it, the
# setuid bit under no_new_privs, masked paths, mount targets behind
# symlinks, and file descriptors.
#
# The syscall probe is tests/fixtures/sandbox-probe.c (built by
# tests/fixtures/sandbox-rootfs.sh), bind-mounted into the containers.

load helpers
load containers

setup_file() {
  containers_setup_file
  "$BATS_TEST_DIRNAME/../fixtures/sandbox-rootfs.sh" "$BATS_FILE_TMPDIR/rootfs" >/dev/null
  export PROBE=$BATS_FILE_TMPDIR/rootfs/bin/sandbox-probe
  # An image whose symlinks point out of it: busybox plus escape -> /,
  # escape-up -> ../../../../tmp, escape-abs -> /tmp (an OCI archive).
  python3 "$BATS_TEST_DIRNAME/hostile.py" image "$BATS_FILE_TMPDIR/escape" localhost/escape:latest '
bb = open("/bin/busybox", "rb").read()
add("bin", type=tarfile.DIRTYPE, mode=0o755)
add("bin/busybox", bb, mode=0o755)
for applet in ["sh", "cat", "ls", "test", "touch", "mkdir", "echo"]:
    add("bin/" + applet, type=tarfile.SYMTYPE, linkname="busybox")
add("tmp", type=tarfile.DIRTYPE, mode=0o1777)
add("escape", type=tarfile.SYMTYPE, linkname="/")
add("escape-up", type=tarfile.SYMTYPE, linkname="../../../../../../../../tmp")
add("escape-abs", type=tarfile.SYMTYPE, linkname="/tmp")' >/dev/null
  tar -C "$BATS_FILE_TMPDIR/escape" -cf "$BATS_FILE_TMPDIR/escape.tar" oci-layout index.json blobs
}

setup() { containers_setup; }

teardown() {
  [ -z "${HOME_MARKER:-}" ] || rm -f "$HOME_MARKER"
  # (sleep as PID 1 ignores SIGTERM: no grace time.)
  ctool rm -a -f -t 0 >/dev/null 2>&1 || true
  basic_teardown
}

@test "the container sees none of the host's files outside its mounts, even through symlinks in a volume" {
  echo host-secret > "$BATS_TEST_TMPDIR/secret"
  HOME_MARKER=$HOME/.ctool-test-marker-$$
  echo marker > "$HOME_MARKER"
  mkdir "$BATS_TEST_TMPDIR/vol"
  echo shared > "$BATS_TEST_TMPDIR/vol/file"
  ln -s "$BATS_TEST_TMPDIR/secret" "$BATS_TEST_TMPDIR/vol/link-abs"
  ln -s ../secret "$BATS_TEST_TMPDIR/vol/link-rel"
  run -0 ctool run --rm -v "$BATS_TEST_TMPDIR/vol:/vol" "$IMAGE" sh -c "
    cat /vol/file
    cat /vol/link-abs 2>/dev/null || echo abs-link-dangles
    cat /vol/link-rel 2>/dev/null || echo rel-link-dangles
    test -e '$BATS_TEST_TMPDIR' && echo test-dir-visible
    test -e '$HOME_MARKER' && echo home-visible
    test -e '$CTOOL_TEST_ROOT' && echo store-visible
    ls /proc | grep -c '^[0-9]'"
  assert_line --index 0 shared
  assert_line --index 1 abs-link-dangles
  assert_line --index 2 rel-link-dangles
  refute_output --partial visible
  (( lines[3] <= 3 )) || fail "the container sees ${lines[3]} processes"
  # Mounted from the host: only the volume, the container's own files and
  # the usual device nodes.
  run -0 ctool run --rm -v "$BATS_TEST_TMPDIR/vol:/vol" "$IMAGE" cat /proc/self/mountinfo
  local root mnt
  while read -r _ _ _ root mnt _; do
    case $root in
      /|/null|/zero|/full|/random|/urandom|/tty|/bus|/fs|/irq|/sys|/sysrq-trigger) ;;
      "$BATS_TEST_TMPDIR/vol") [ "$mnt" = /vol ] || fail "the volume is at $mnt" ;;
      "$CTOOL_TEST_ROOT/containers/"*) ;;
      *) fail "a host path is mounted into the container: $root on $mnt" ;;
    esac
  done <<< "$output"
}

@test "root inside is the user outside: no power over host files the user cannot touch" {
  [ -r /etc/shadow ] && skip "the test user can read /etc/shadow"
  # Mounted in, root-owned host files stay out of reach of the container's root.
  run -0 --separate-stderr ctool run --rm -v /etc/shadow:/shadow:ro -v /etc/hostname:/hostname-rw "$IMAGE" sh -c '
    id -u
    cat /shadow >/dev/null 2>&1 && echo shadow-read || echo shadow-denied
    echo x >> /hostname-rw 2>/dev/null && echo hostname-written || echo hostname-denied
    stat -c %u /shadow'
  assert_output "$(printf '0\nshadow-denied\nhostname-denied\n65534')"
  # The container's processes are the user's on the host.
  ctool run -d --name who "$IMAGE" sleep 1000 >/dev/null
  local pid
  pid=$(inspect_field who .State.Pid)
  [ "$(stat -c %u "/proc/$pid")" = "$(id -u)" ]
  [ "$(awk '/^Uid:/ { print $3 }' "/proc/$pid/status")" = "$(id -u)" ]
}

@test "capabilities are only the default set, and those outside it do not work" {
  run -0 ctool run --rm "$IMAGE" grep -E '^Cap(Inh|Prm|Eff|Bnd|Amb):' /proc/self/status
  assert_output "$(printf 'CapInh:\t0000000000000000\nCapPrm:\t00000000800405fb\nCapEff:\t00000000800405fb\nCapBnd:\t00000000800405fb\nCapAmb:\t0000000000000000')"
  # Not in the set: MKNOD, SYS_ADMIN (mount), NET_ADMIN, SYS_TIME, SYS_MODULE.
  run -0 ctool run --rm "$IMAGE" sh -c '
    mknod /tmp/null c 1 3 2>/dev/null && echo mknod-ok || echo mknod-denied
    mount -t tmpfs none /mnt 2>/dev/null && echo mount-ok || echo mount-denied
    ip link set lo down 2>/dev/null && echo netadmin-ok || echo netadmin-denied
    date -s 2000-01-01 2>&1 | grep -q "not permitted" && echo settime-denied || echo settime-ok
    rmmod nosuchmodule 2>/dev/null; echo rmmod=$?'
  assert_output "$(printf 'mknod-denied\nmount-denied\nnetadmin-denied\nsettime-denied\nrmmod=1')"
  # In the set: CHOWN, DAC_OVERRIDE, KILL work inside.
  run -0 ctool run --rm "$IMAGE" sh -c 'touch /tmp/f && chown 1234:1234 /tmp/f && stat -c %u /tmp/f
    mkdir /tmp/d && chmod 000 /tmp/d && touch /tmp/d/x && echo dac-override'
  assert_output "$(printf '1234\ndac-override')"
}

@test "seccomp blocks what Podman's default profile denies" {
  # (Podman's profile allows keyctl, and unshare of a user namespace.)
  run -0 ctool run --rm -v "$PROBE:/probe:ro" "$IMAGE" /probe syscalls \
    userfaultfd kexec_load swapon add_key personality_other personality_query keyctl chroot
  assert_output "$(printf 'userfaultfd=EPERM\nkexec_load=EPERM\nswapon=EPERM\nadd_key=ENOSYS\npersonality_other=ENOSYS\npersonality_query=ok\nkeyctl=ok\nchroot=ok')"
  # The same in a process started by exec.
  ctool run -d --name sc -v "$PROBE:/probe:ro" "$IMAGE" sleep 1000 >/dev/null
  run -0 ctool exec sc /probe syscalls kexec_load add_key
  assert_output "$(printf 'kexec_load=EPERM\nadd_key=ENOSYS')"
  # Unconfined, the same calls reach the kernel (and fail there for want of privilege).
  run -0 ctool run --rm --security-opt seccomp=unconfined -v "$PROBE:/probe:ro" "$IMAGE" /probe syscalls add_key personality_other
  refute_output --partial ENOSYS
}

@test "no_new_privs: a setuid binary does not raise the privileges of a non-root user" {
  # Without no_new_privs (ctool unshare), the setuid bit takes effect.
  run -0 "$CTOOL" unshare sh -c "cp '$PROBE' '$BATS_TEST_TMPDIR/p' && chmod 4755 '$BATS_TEST_TMPDIR/p' &&
    setpriv --reuid=1000 --regid=1000 --clear-groups '$BATS_TEST_TMPDIR/p' ids"
  assert_output "1000 0 0"
  ctool run -d --name nnp -v "$PROBE:/probe:ro" "$IMAGE" sleep 1000 >/dev/null
  run -0 ctool exec nnp sh -c 'cp /probe /tmp/suid-probe && chmod 4755 /tmp/suid-probe && stat -c "%a %u" /tmp/suid-probe'
  assert_output "4755 0"
  run -0 ctool exec -u 1000 nnp /tmp/suid-probe ids
  assert_output "1000 1000 1000"
  run -0 ctool exec -u 1000 nnp grep NoNewPrivs /proc/self/status
  assert_output --regexp 'NoNewPrivs:[[:space:]]+1'
}

@test "masked paths read empty, read-only paths refuse writes, as the container's spec lists them" {
  run -0 ctool create --name masks "$IMAGE" true
  run -0 ctool inspect masks
  local masked readonly p
  masked=$(jq -r '.[0].OCIConfig.linux.maskedPaths[]' <<< "$output")
  readonly=$(jq -r '.[0].OCIConfig.linux.readonlyPaths[]' <<< "$output")
  # At least what Podman 4 masks.
  for p in /proc/acpi /proc/kcore /proc/keys /proc/latency_stats /proc/timer_list /proc/timer_stats \
           /proc/sched_debug /proc/scsi /sys/firmware /sys/fs/selinux /sys/dev/block; do
    grep -qx "$p" <<< "$masked" || fail "$p is not masked"
  done
  for p in /proc/bus /proc/fs /proc/irq /proc/sys /proc/sysrq-trigger; do
    grep -qx "$p" <<< "$readonly" || fail "$p is not read-only"
  done
  # Inside: every masked path that exists is empty; no read-only path takes a write.
  run -0 ctool run --rm "$IMAGE" sh -c '
    for p in '"$(echo $masked)"'; do
      if [ -d $p ]; then echo "$p $(ls -A $p | wc -l)"; elif [ -e $p ]; then echo "$p $(cat $p | wc -c)"; fi
    done
    for p in '"$(echo $readonly)"'; do
      [ -e $p ] || continue
      if [ -d $p ]; then f=$(find $p -type f -perm -200 2>/dev/null | head -n1); else f=$p; fi
      [ -n "$f" ] && { echo 1 2>/dev/null > $f && echo "WRITABLE $f" || echo "$p ro"; }
    done'
  local line n=0
  for line in "${lines[@]}"; do
    case $line in
      WRITABLE*) fail "$line" ;;
      *" ro") ;;
      *) [ "${line##* }" = 0 ] || fail "not masked: $line"; n=$((n + 1)) ;;
    esac
  done
  (( n >= 2 )) || fail "fewer than two masked paths exist here: $output"
  assert_line "/proc/sys ro"
}

@test "a bind-mount target behind a symlink in the image lands inside the container, never on the host" {
  ctool load -q -i "$BATS_FILE_TMPDIR/escape.tar" >/dev/null
  local name=ctool-escape-$$-$BATS_TEST_NUMBER
  mkdir "$BATS_TEST_TMPDIR/src" && echo marker > "$BATS_TEST_TMPDIR/src/file"
  run -0 ctool run --rm -v "$BATS_TEST_TMPDIR/src:/escape/tmp/$name" -v "$BATS_TEST_TMPDIR/src:/escape-up/$name-up:ro" \
    -v "$BATS_TEST_TMPDIR/src:/escape-abs/$name-abs" localhost/escape:latest \
    sh -c "cat /tmp/$name/file /tmp/$name-up/file /tmp/$name-abs/file"
  assert_output "$(printf 'marker\nmarker\nmarker')"
  local p
  for p in "/tmp/$name" "/tmp/$name-up" "/tmp/$name-abs"; do
    [ ! -e "$p" ] || fail "the mount target was made on the host: $p"
  done
  [ -z "$(ls -A "$BATS_TEST_TMPDIR/src" | grep -v '^file$')" ]
}

@test "a container that turns its own mount target into a symlink cannot redirect the next start onto the host" {
  local name=ctool-redirect-$$-$BATS_TEST_NUMBER
  mkdir "$BATS_TEST_TMPDIR/src" && echo marker > "$BATS_TEST_TMPDIR/src/file"
  # First start: /data/in is a directory; the container swaps /data for a
  # symlink to the host's /tmp (as the host would see it).
  local script="cat /data/in/$name/file
    if [ -L /data ]; then readlink /data; else mv /data /data.old && ln -s /tmp /data && mkdir /tmp/in && echo swapped; fi"
  run -0 ctool run --name swap -v "$BATS_TEST_TMPDIR/src:/data/in/$name" "$IMAGE" sh -c "$script"
  assert_output "$(printf 'marker\nswapped')"
  # Second start: the target resolves through the symlink inside the
  # container, to the container's own /tmp.
  run -0 ctool start -a swap
  assert_output "$(printf 'marker\n/tmp')"
  [ ! -e "/tmp/in/$name" ] || fail "the mount landed on the host's /tmp"
  run -0 ctool rm swap
  [ "$(ls -A "$BATS_TEST_TMPDIR/src")" = file ]
}

@test "no file descriptor of ctool reaches the container: run, run -d, exec" {
  exec 7</dev/null 8>"$BATS_TEST_TMPDIR/open-file" 9<"$BATS_TEST_TMPDIR"
  run -0 ctool run --rm -v "$PROBE:/probe:ro" "$IMAGE" /probe fds
  assert_output $'0\n1\n2'
  run -0 ctool run --rm -i -v "$PROBE:/probe:ro" "$IMAGE" /probe fds < /dev/null
  assert_output $'0\n1\n2'
  ctool run -d --name fds -v "$PROBE:/probe:ro" "$IMAGE" sleep 1000 >/dev/null
  run -0 ctool exec fds /probe fds
  assert_output $'0\n1\n2'
  exec 7<&- 8>&- 9<&-
  # Seen from the host: the container's process holds only its stdio.
  local pid
  pid=$(inspect_field fds .State.Pid)
  run -0 ls "/proc/$pid/fd"
  assert_output $'0\n1\n2'
}
