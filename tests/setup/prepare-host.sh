#!/usr/bin/env bash
# Make a fresh Debian 12 machine ready for ctool's tests, as root, idempotently:
# the unprivileged test user with subordinate ID ranges, its XDG_RUNTIME_DIR,
# /dev/net/tun and /dev/fuse usable as on a stock distribution, and a cgroup v2
# subtree delegated to the user where a cgroup2 hierarchy is mounted.
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "prepare-host.sh: run as root" >&2; exit 1; }

. "$(dirname "$0")/test-user.conf"

# The user, with a home and subordinate ranges (65536 IDs each, as useradd
# gives). Ranges are written only when the user has none.
if ! id -u "$CTOOL_TEST_USER" >/dev/null 2>&1; then
  useradd --create-home --shell /bin/bash --uid "$CTOOL_TEST_UID" "$CTOOL_TEST_USER"
fi
uid=$(id -u "$CTOOL_TEST_USER")
gid=$(id -g "$CTOOL_TEST_USER")
for f in /etc/subuid /etc/subgid; do
  touch "$f"
  grep -q "^$CTOOL_TEST_USER:" "$f" || echo "$CTOOL_TEST_USER:$CTOOL_TEST_SUBID_START:65536" >> "$f"
done

# XDG_RUNTIME_DIR as pam_systemd would make it.
install -d -m 0700 -o "$uid" -g "$gid" "/run/user/$uid"

# Device nodes with the distributions' usual mode (this kind of host ships 0600).
[ -e /dev/net/tun ] && chmod 0666 /dev/net/tun
[ -e /dev/fuse ] && chmod 0666 /dev/fuse

# Unprivileged user namespaces (Debian's own switch, when the kernel has it).
if [ -e /proc/sys/kernel/unprivileged_userns_clone ]; then
  echo 1 > /proc/sys/kernel/unprivileged_userns_clone
fi

# A cgroup v2 subtree owned by the user, on the unified mount (pure v2 at
# /sys/fs/cgroup, or the hybrid /sys/fs/cgroup/unified). The test runner puts
# its own processes into "$CTOOL_TEST_CGROUP/tests" before dropping to the user,
# so that the user may move processes within the subtree.
cg_root=""
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
  cg_root=/sys/fs/cgroup
elif [ -d /sys/fs/cgroup/unified ] && [ "$(stat -f -c %T /sys/fs/cgroup/unified)" = cgroup2fs ]; then
  cg_root=/sys/fs/cgroup/unified
fi
if [ -n "$cg_root" ]; then
  sub="$cg_root/$CTOOL_TEST_CGROUP_NAME"
  mkdir -p "$sub"
  # Hand the user the controllers the root offers, as systemd's Delegate= does.
  for c in $(cat "$cg_root/cgroup.controllers"); do
    echo "+$c" > "$cg_root/cgroup.subtree_control" 2>/dev/null || true
  done
  chown "$uid:$gid" "$sub" "$sub/cgroup.procs" "$sub/cgroup.subtree_control" "$sub/cgroup.threads"
  mkdir -p "$sub/tests"
  chown -R "$uid:$gid" "$sub/tests"
  echo "$sub" > /run/ctool-test-cgroup
else
  rm -f /run/ctool-test-cgroup
fi

# A small filesystem for the full-disk tests (tests/bats/81-faults.bats): a
# 64 MB ext4 image with no blocks reserved for root, loop-mounted at
# /var/tmp/ctool-small-fs and owned by the test user. (An unprivileged user
# cannot mount one; a tmpfs mounted inside `ctool unshare` would have ctool
# run as root of a user namespace, which is not what users run.)
small_fs=/var/tmp/ctool-small-fs
if ! mountpoint -q "$small_fs"; then
  mkdir -p "$small_fs"
  [ -f "$small_fs.img" ] || { truncate -s 64M "$small_fs.img" && mkfs.ext4 -q -F -m 0 "$small_fs.img"; }
  mount -o loop "$small_fs.img" "$small_fs" ||
    echo "prepare-host: cannot loop-mount $small_fs.img: the full-disk tests will be skipped" >&2
fi
if mountpoint -q "$small_fs"; then
  chown "$uid:$gid" "$small_fs"
  chmod 0755 "$small_fs"
fi

echo "prepare-host: user $CTOOL_TEST_USER (uid $uid), subuid $(grep "^$CTOOL_TEST_USER:" /etc/subuid), cgroup ${cg_root:+$cg_root/$CTOOL_TEST_CGROUP_NAME}"
