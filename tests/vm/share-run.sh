#!/bin/bash
# Runs INSIDE the test VM, as root, from the 9p share (tests/vm/stage.sh
# copies it there as "run"; the image's ctool-vm-test.service starts it once
# the test user's systemd instance is up). Installs ctool from the share,
# then runs the bats files of tests/vm-bats as the unprivileged test user,
# with the environment a login gives (XDG_RUNTIME_DIR, the user's D-Bus).
# Standard output is the TAP stream; everything else is a "# " comment.
# The exit status is bats's.
set -u
share=$(cd "$(dirname "$0")" && pwd)
# shellcheck disable=SC1091
. "$share/env"   # CTOOL_TEST_USER, CTOOL_TEST_UID, CTOOL_VM_BATS, CTOOL_TEST_ASAN_OPTIONS

say() { echo "# vm: $*"; }
die() { say "$*"; exit 1; }

uid=$CTOOL_TEST_UID
home=$(getent passwd "$CTOOL_TEST_USER" | cut -d: -f6)
runtime=/run/user/$uid
tests=/opt/ctool-tests

say "$(uname -r), $(nproc) CPUs, $(awk '/MemTotal/ { print int($2 / 1024) " MB" }' /proc/meminfo), up $(cut -d' ' -f1 /proc/uptime)s"
say "cgroup2 controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"

# ctool and its helpers side by side (ctool finds ctool-monitor, ... next
# to itself).
install -m 0755 "$share"/bin/* /usr/local/bin/ || die "cannot install ctool"
missing=$(for b in "$share"/bin/*; do ldd "/usr/local/bin/$(basename "$b")"; done | grep 'not found')
[ -z "$missing" ] || die "ctool needs libraries the image lacks (rebuild it with --libs-for): $missing"

rm -rf "$tests"
install -d -m 0755 "$tests"
cp -r "$share/vm-bats" "$share/fixtures" "$tests/"
chmod -R a+rX "$tests"

# The user's systemd instance and its bus (user@UID.service is ordered
# before us, but its bus socket may trail by a moment).
for _ in $(seq 1 300); do
  [ -S "$runtime/bus" ] && break
  sleep 0.1
done
[ -S "$runtime/bus" ] || die "no $runtime/bus: user@$uid.service is $(systemctl is-active "user@$uid.service")"
say "user@$uid.service $(systemctl is-active "user@$uid.service"), delegated: $(cat "/sys/fs/cgroup/user.slice/user-$uid.slice/user@$uid.service/cgroup.controllers")"

files=()
for f in ${CTOOL_VM_BATS:-}; do files+=("$tests/vm-bats/$f"); done
[ ${#files[@]} -gt 0 ] || files=("$tests/vm-bats")

user_env=(
  HOME="$home" USER="$CTOOL_TEST_USER" LOGNAME="$CTOOL_TEST_USER"
  XDG_RUNTIME_DIR="$runtime" DBUS_SESSION_BUS_ADDRESS="unix:path=$runtime/bus"
  PATH=/usr/local/bin:/usr/bin:/bin
  CTOOL=/usr/local/bin/ctool CTOOL_VM_ARCHIVE="$tests/fixtures/busybox-oci.tar"
)
[ -n "${CTOOL_TEST_ASAN_OPTIONS:-}" ] && user_env+=("CTOOL_TEST_ASAN_OPTIONS=$CTOOL_TEST_ASAN_OPTIONS")

say "bats as $CTOOL_TEST_USER, up $(cut -d' ' -f1 /proc/uptime)s"
cd / && setpriv --reuid="$uid" --regid="$(id -g "$CTOOL_TEST_USER")" --init-groups --reset-env -- \
  env "${user_env[@]}" bats --formatter tap --timing "${files[@]}" 2>&1
status=$?
say "bats exited with $status, up $(cut -d' ' -f1 /proc/uptime)s"

journalctl -b -o short-monotonic --no-pager > "$share/out/journal.log" 2>&1
exit "$status"
