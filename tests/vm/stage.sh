#!/usr/bin/env bash
# The systemd + cgroup v2 test stage: build (or reuse) the test VM, boot it
# once with ctool, the tests of tests/vm-bats and the busybox fixture in a
# 9p share, and print the TAP stream of the tests run inside as the
# unprivileged test user. Root only (the image build needs it).
#
#   stage.sh --ctool BIN [--archive FILE] [--logs DIR]
#
#   --ctool    the ctool binary under test; its helpers (ctool-monitor,
#              ...) are taken from ../libexec/ctool/ (an installed prefix)
#              or from next to it (a build directory)
#   --archive  the busybox fixture as an OCI archive (default: the one
#              tests/fixtures/build-images.sh saves)
#   --logs     where the image build log, the console log and the guest's
#              journal go (default: a temporary directory, printed)
#
# Environment: CTOOL_VM_BATS (bats files to run, relative to tests/vm-bats;
# default all), CTOOL_VM_TIMEOUT (seconds before the VM is killed, default
# 900), CTOOL_TEST_ASAN_OPTIONS (passed to the tests).
# Exit status: bats's inside the VM; 124 on timeout, 125 when the stage
# could not run (image build, boot).
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
. "$top/tests/setup/test-user.conf"
. "$top/tests/setup/registry.conf"

ctool="" archive=$CTOOL_TEST_REGISTRY_DIR/shared/archives/busybox-oci.tar logs=""
die() { echo "# stage.sh: $*" >&2; exit 125; }
while [ $# -gt 0 ]; do
  case $1 in
    --ctool) ctool=$2; shift 2 ;;
    --archive) archive=$2; shift 2 ;;
    --logs) logs=$2; shift 2 ;;
    *) die "unknown argument '$1' (usage: stage.sh --ctool BIN [--archive FILE] [--logs DIR])" ;;
  esac
done
[ "$(id -u)" = 0 ] || die "run as root (the VM image is built with debootstrap)"
[ -x "$ctool" ] || die "--ctool must name the ctool binary (got '$ctool')"
# The helpers ctool runs (it finds them next to itself inside the VM).
helper_dir=$(dirname "$ctool")/../libexec/ctool
[ -d "$helper_dir" ] || helper_dir=$(dirname "$ctool")
mapfile -t helpers < <(find "$helper_dir" -maxdepth 1 -type f -perm -u+x -name 'ctool-*' | sort)
[ ${#helpers[@]} -gt 0 ] || die "no ctool helpers (ctool-monitor, ...) in $helper_dir"
[ -f "$archive" ] || die "no fixture archive $archive: run tests/fixtures/build-images.sh busybox (with the registries started) or pass --archive"
[ -n "$logs" ] || logs=$(mktemp -d /var/tmp/ctool-vm-logs.XXXXXX)
install -d -m 0755 "$logs"

started=$SECONDS
echo "# stage: building the VM image (log: $logs/vm-build.log)"
libs_for=(--libs-for "$ctool")
for h in "${helpers[@]}"; do libs_for+=(--libs-for "$h"); done
image=$(bash "$here/build-image.sh" "${libs_for[@]}" 2> "$logs/vm-build.log" | tail -n 1)
if [ -z "$image" ] || [ ! -f "$image/ready" ]; then
  tail -n 30 "$logs/vm-build.log" | sed 's/^/#   /' >&2
  die "the VM image could not be built"
fi
echo "# stage: image $image ready after $((SECONDS - started))s"

share=$(mktemp -d /var/tmp/ctool-vm-share.XXXXXX)
trap 'rm -rf "$share"' EXIT
install -d "$share/bin" "$share/fixtures"
install -m 0755 "$ctool" "$share/bin/ctool"
install -m 0755 "${helpers[@]}" "$share/bin/"
cp -r "$top/tests/vm-bats" "$share/vm-bats"
cp "$archive" "$share/fixtures/busybox-oci.tar"
install -m 0755 "$here/share-run.sh" "$share/run"
{
  printf 'CTOOL_TEST_USER=%q\n' "$CTOOL_TEST_USER"
  printf 'CTOOL_TEST_UID=%q\n' "$CTOOL_TEST_UID"
  printf 'CTOOL_VM_BATS=%q\n' "${CTOOL_VM_BATS:-}"
  printf 'CTOOL_TEST_ASAN_OPTIONS=%q\n' "${CTOOL_TEST_ASAN_OPTIONS:-}"
} > "$share/env"
chmod -R a+rX "$share"

booted=$SECONDS
bash "$here/run.sh" --image "$image" --share "$share" --console "$logs/vm-console.log"
status=$?
cp "$share/out/journal.log" "$logs/vm-journal.log" 2>/dev/null || true
echo "# stage: VM ${booted:+ran $((SECONDS - booted))s}, the stage took $((SECONDS - started))s; logs in $logs"
exit "$status"
