#!/usr/bin/env bash
# Boot the test VM once with a share directory and follow what runs inside.
#
#   run.sh --image DIR --share DIR [--console FILE] [--timeout SECONDS]
#
# DIR (from build-image.sh) holds vmlinuz, initrd.img and root.img. The
# disk is attached with snapshot=on, so every boot starts from the same
# image. SHARE is exported read-write over virtio-9p (mount tag "ctool");
# the guest runs SHARE/run as root once the test user's systemd instance is
# up and writes its output to SHARE/out/run.log and its exit status to
# SHARE/out/run.status, then powers off.
#
# Prints run.log as it grows and exits with run.status; 124 when the VM was
# killed at the timeout (default CTOOL_VM_TIMEOUT or 900 s), 125 when it
# stopped without a status (the end of the console log is printed then).
# QEMU emulates the CPU (TCG): no KVM is needed, nor used.
set -euo pipefail

image="" share="" console="" limit=${CTOOL_VM_TIMEOUT:-900}
die() { echo "run.sh: $*" >&2; exit 125; }

while [ $# -gt 0 ]; do
  case $1 in
    --image) image=$2; shift 2 ;;
    --share) share=$2; shift 2 ;;
    --console) console=$2; shift 2 ;;
    --timeout) limit=$2; shift 2 ;;
    *) die "unknown argument '$1' (usage: run.sh --image DIR --share DIR [--console FILE] [--timeout SECONDS])" ;;
  esac
done
[ -n "$image" ] && [ -n "$share" ] || die "usage: run.sh --image DIR --share DIR [--console FILE] [--timeout SECONDS]"
for f in vmlinuz initrd.img root.img; do
  [ -f "$image/$f" ] || die "$image/$f is missing: build it with tests/vm/build-image.sh"
done
[ -f "$share/run" ] || die "$share/run is missing: the share must hold the script the guest runs"
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 is missing: run tests/setup/install-packages.sh"

share=$(cd "$share" && pwd)
out=$share/out
rm -rf "$out"
mkdir -p "$out"
: > "$out/run.log"
[ -n "$console" ] || console=$out/console.log
: > "$console"

# snapshot=on keeps its overlay in TMPDIR: give it the image's file system
# rather than a small /tmp.
snapdir=$(mktemp -d "${TMPDIR:-/var/tmp}/ctool-vm-snap.XXXXXX")
qemu_pid=""
cleanup() {
  if [ -n "$qemu_pid" ]; then kill -KILL "$qemu_pid" 2>/dev/null || true; fi
  rm -rf "$snapdir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

started=$SECONDS
TMPDIR=$snapdir qemu-system-x86_64 \
  -name ctool-test-vm \
  -machine q35 -accel tcg,thread=multi -smp 2 -m 2048 \
  -nodefaults -display none -no-reboot \
  -serial "file:$console" -monitor none \
  -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
  -append "console=ttyS0 root=/dev/vda rw panic=-1 quiet loglevel=4 mitigations=off systemd.unified_cgroup_hierarchy=1" \
  -drive "file=$image/root.img,format=raw,if=virtio,snapshot=on,cache=unsafe" \
  -virtfs "local,path=$share,mount_tag=ctool,security_model=none,id=ctool" \
  -device virtio-rng-pci \
  > "$out/qemu.log" 2>&1 < /dev/null &
qemu_pid=$!

# Follow the guest's output while QEMU runs; stop it at the deadline.
tail -n +1 -F --pid="$qemu_pid" "$out/run.log" 2>/dev/null &
tail_pid=$!
timed_out=0
while kill -0 "$qemu_pid" 2>/dev/null; do
  if (( SECONDS - started >= limit )); then
    timed_out=1
    kill -KILL "$qemu_pid" 2>/dev/null || true
    break
  fi
  sleep 1
done
wait "$qemu_pid" 2>/dev/null || true
qemu_pid=""
wait "$tail_pid" 2>/dev/null || true

elapsed=$((SECONDS - started))
if [ "$timed_out" = 1 ]; then
  echo "# run.sh: the VM did not finish within ${limit}s and was killed; the console log ends with:" >&2
  tail -n 40 "$console" | sed 's/^/#   /' >&2
  exit 124
fi
if [ ! -s "$out/run.status" ]; then
  echo "# run.sh: the VM stopped after ${elapsed}s without a result; QEMU said:" >&2
  sed 's/^/#   /' "$out/qemu.log" >&2
  echo "# the console log ends with:" >&2
  tail -n 40 "$console" | sed 's/^/#   /' >&2
  exit 125
fi
echo "# run.sh: the VM ran for ${elapsed}s"
exit "$(cat "$out/run.status")"
