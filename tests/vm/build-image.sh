#!/usr/bin/env bash
# Build (or find in the cache) the test VM of the systemd + cgroup v2 stage:
# Debian's own kernel, a tiny busybox initramfs that mounts the root disk,
# and an ext4 disk image of a debootstrap'd bookworm running systemd as
# PID 1, with the test user lingering and every controller delegated to its
# systemd instance.
#
#   build-image.sh [--libs-for BINARY]...
#
# --libs-for adds the Debian packages of the shared libraries BINARY links
# (found with readelf and dpkg -S on this host), so that the binary runs
# inside. Root only. Prints the directory holding vmlinuz, initrd.img and
# root.img as its last line of output (the rest goes to stderr).
#
# Cache: /var/cache/ctool-vm (CTOOL_VM_CACHE), keyed by hashes of the inputs:
#   root-HASH/   the debootstrap tree (packages, mirror, this recipe)
#   image-HASH/  the bootable result (root tree, kernel version, guest files,
#                this script)
# Older entries are removed once a new one is ready.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../setup/test-user.conf"
cache=${CTOOL_VM_CACHE:-/var/cache/ctool-vm}
suite=bookworm
disk_size=3G

say() { echo "build-image: $*" >&2; }
die() { echo "build-image.sh: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root (debootstrap and mkfs need it)"
for tool in debootstrap mkfs.ext4 cpio dpkg-deb readelf /bin/busybox; do
  command -v "$tool" >/dev/null || die "$tool is missing: run tests/setup/install-packages.sh"
done
[[ $(file -L /bin/busybox 2>/dev/null) == *"statically linked"* ]] ||
  die "/bin/busybox is not static: install busybox-static"

# --- inputs -----------------------------------------------------------------

# What the guest needs besides minbase: systemd as PID 1 with logind and a
# user bus, the tools ctool calls, and bats for the tests.
packages=(
  systemd systemd-sysv udev dbus dbus-user-session libpam-systemd kmod procps
  uidmap fuse-overlayfs slirp4netns
  bats bats-assert bats-support bats-file jq
)

# The Debian package that owns a library file of this host.
package_of_file() {
  local f=$1 owner alt
  for alt in "$f" "$(readlink -f "$f")" "${f#/usr}" "/usr$f"; do
    owner=$(dpkg -S "$alt" 2>/dev/null | sed -n '1s/:.*//p') && [ -n "$owner" ] && { echo "$owner"; return 0; }
  done
  return 1
}

libs_for() {
  local bin=$1 lib path pkg resolved
  [ -x "$bin" ] || die "--libs-for: $bin is not an executable"
  resolved=$(ldd "$bin") || die "ldd $bin failed"
  while read -r lib; do
    path=$(awk -v l="$lib" '$1 == l && $3 ~ /^\// { print $3; exit }' <<< "$resolved")
    [ -n "$path" ] || die "$bin needs $lib, which ldd cannot find on this host"
    pkg=$(package_of_file "$path") || die "no Debian package owns $path (needed by $bin)"
    packages+=("$pkg")
  done < <(readelf -d "$bin" | sed -n 's/.*(NEEDED).*Shared library: \[\(.*\)\]/\1/p')
}

while [ $# -gt 0 ]; do
  case $1 in
    --libs-for) libs_for "$2"; shift 2 ;;
    *) die "unknown argument '$1' (usage: build-image.sh [--libs-for BINARY]...)" ;;
  esac
done
mapfile -t packages < <(printf '%s\n' "${packages[@]}" | sort -u)

# The host's Debian mirror (deb822 sources first, then the one-line format).
mirror() {
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
          /etc/apt/sources.list.d/debian.sources)
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' \
          /etc/apt/sources.list)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}
mirror=$(mirror)

# The kernel package linux-image-amd64 points at (never installed here).
kernel_package() {
  local deps
  deps=$(apt-cache depends linux-image-amd64 2>/dev/null) || return 0
  awk '/Depends: linux-image-[0-9]/ { print $2; exit }' <<< "$deps"
}
kpkg=$(kernel_package)
if [ -z "$kpkg" ]; then
  apt-get update -q >&2
  kpkg=$(kernel_package)
fi
[ -n "$kpkg" ] || die "apt knows no linux-image-amd64: check /etc/apt/sources.list.d"
kver=${kpkg#linux-image-}
kpkg_version=$(apt-cache policy "$kpkg" | awk '/Candidate:/ { print $2 }')

do_debootstrap() {
  local dir=$1 inc
  inc=$(IFS=,; echo "${packages[*]}")
  debootstrap --variant=minbase --merged-usr --extra-suites="$suite-updates" --include="$inc" \
    "$suite" "$dir" "$mirror" >&2
  rm -rf "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*_Packages
}

hash_of() { sha256sum | cut -c1-16; }
root_key=$( { echo "$suite $mirror ${packages[*]}"; declare -f do_debootstrap; } | hash_of)
image_key=$( { echo "$root_key $kpkg $kpkg_version $disk_size"; cat "$0" "$here"/guest/* "$here/../setup/test-user.conf"; } | hash_of)
root_dir=$cache/root-$root_key
image_dir=$cache/image-$image_key

install -d -m 0755 "$cache"
exec 9> "$cache/lock"
flock 9

if [ -f "$image_dir/ready" ]; then
  touch "$image_dir/ready"
  [ ! -d "$root_dir" ] || touch "$root_dir.ready"
  say "cached: $image_dir"
  echo "$image_dir"
  exit 0
fi

started=$SECONDS

# --- the root tree ----------------------------------------------------------

if [ ! -f "$root_dir.ready" ] || [ ! -d "$root_dir" ]; then
  say "debootstrap $suite from $mirror (${#packages[@]} extra packages)"
  rm -rf "$root_dir" "$root_dir.tmp"
  # One more try after a network hiccup on the way to the mirror.
  if ! do_debootstrap "$root_dir.tmp"; then
    say "debootstrap failed; trying once more"
    rm -rf "$root_dir.tmp"
    do_debootstrap "$root_dir.tmp" || die "debootstrap $suite from $mirror failed twice"
  fi
  mv "$root_dir.tmp" "$root_dir"
  touch "$root_dir.ready"
  say "debootstrap done ($((SECONDS - started))s)"
fi

# --- the kernel and its modules ---------------------------------------------

work=$(mktemp -d "$cache/build.XXXXXX")
trap 'rm -rf "$work"' EXIT
chmod 0755 "$work"  # apt-get download writes there as _apt

say "kernel $kpkg $kpkg_version"
download_kernel() { (cd "$work" && apt-get download -q -o APT::Sandbox::User=root "$kpkg" >&2); }
download_kernel || download_kernel || die "apt-get download $kpkg failed twice"
dpkg-deb -x "$work"/"$kpkg"_*.deb "$work/kernel"
rm -f "$work"/*.deb

# --- the image's root: a copy of the debootstrap tree, configured -----------

say "configuring the root"
root=$work/root
cp -a "$root_dir" "$root"
rm -rf "$root/lib/modules"/* 2>/dev/null || true
install -d -m 0755 "$root/lib/modules"
cp -a "$work/kernel/lib/modules/$kver" "$root/lib/modules/"
chroot "$root" depmod "$kver"

echo ctool-vm > "$root/etc/hostname"
printf '127.0.0.1 localhost\n127.0.1.1 ctool-vm\n' > "$root/etc/hosts"
# The initramfs mounts the root read-write; the disk is a throwaway snapshot.
printf '/dev/vda / ext4 rw,relatime 0 0\n' > "$root/etc/fstab"
ln -sf /proc/self/mounts "$root/etc/mtab"
# A fixed machine ID: an empty one would make every boot a "first boot".
tr -d '-' < /proc/sys/kernel/random/uuid > "$root/etc/machine-id"

# The test user, its subordinate IDs, lingering, every controller delegated.
chroot "$root" groupadd --gid "$CTOOL_TEST_UID" "$CTOOL_TEST_USER"
chroot "$root" useradd --create-home --shell /bin/bash --uid "$CTOOL_TEST_UID" --gid "$CTOOL_TEST_UID" "$CTOOL_TEST_USER"
echo "$CTOOL_TEST_USER:$CTOOL_TEST_SUBID_START:65536" > "$root/etc/subuid"
echo "$CTOOL_TEST_USER:$CTOOL_TEST_SUBID_START:65536" > "$root/etc/subgid"
install -d -m 0755 "$root/var/lib/systemd/linger"
touch "$root/var/lib/systemd/linger/$CTOOL_TEST_USER"
install -d -m 0755 "$root/etc/systemd/system/user@.service.d"
install -m 0644 "$here/guest/delegate.conf" "$root/etc/systemd/system/user@.service.d/delegate.conf"

# The test runner, started once the user's instance is up.
install -m 0755 "$here/guest/ctool-vm-run" "$root/usr/local/sbin/ctool-vm-run"
sed "s/@CTOOL_TEST_UID@/$CTOOL_TEST_UID/g" "$here/guest/ctool-vm-test.service" \
  > "$root/etc/systemd/system/ctool-vm-test.service"
ln -sf /etc/systemd/system/ctool-vm-test.service "$root/etc/systemd/system/multi-user.target.wants/ctool-vm-test.service"

# Nothing that costs boot time (every unit takes seconds under emulation)
# or runs behind the tests' back.
ln -sf /lib/systemd/system/multi-user.target "$root/etc/systemd/system/default.target"
for unit in getty.target serial-getty@ttyS0.service getty@tty1.service console-getty.service \
            apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
            e2scrub_reap.service fstrim.timer systemd-tmpfiles-clean.timer man-db.timer \
            systemd-timesyncd.service systemd-networkd-wait-online.service \
            modprobe@drm.service modprobe@dm_mod.service modprobe@efi_pstore.service \
            modprobe@loop.service modprobe@configfs.service sys-kernel-config.mount \
            sys-kernel-debug.mount sys-kernel-tracing.mount systemd-pstore.service \
            systemd-update-utmp.service systemd-update-utmp-runlevel.service \
            systemd-journal-flush.service systemd-random-seed.service; do
  ln -sf /dev/null "$root/etc/systemd/system/$unit"
done
# The journal in memory: the disk is thrown away after each boot anyway.
install -d -m 0755 "$root/etc/systemd/journald.conf.d"
printf '[Journal]\nStorage=volatile\nRuntimeMaxUse=64M\n' > "$root/etc/systemd/journald.conf.d/volatile.conf"

# --- the initramfs ------------------------------------------------------------

# The modules that reach the root disk, each after its dependencies
# (modules.dep lists a module's dependencies, deepest last), plus crc32c,
# which ext4 asks for through the crypto API rather than modules.dep.
modules_in_order() {
  local moddir=$1; shift
  awk -v want="$*" '
    function base(p) { sub(/.*\//, "", p); sub(/\.ko.*$/, "", p); gsub(/-/, "_", p); return p }
    BEGIN { n = split(want, w, " ") }
    {
      sub(/:$/, "", $1); name = base($1); path[name] = $1
      deps[name] = ""
      for (i = 2; i <= NF; i++) deps[name] = deps[name] " " base($i)
    }
    function visit(m,   d, k, i) {
      if (m in done) return
      done[m] = 1
      if (!(m in path)) return  # built in
      k = split(deps[m], d, " ")
      for (i = k; i >= 1; i--) visit(d[i])
      print path[m]
    }
    END { for (i = 1; i <= n; i++) visit(w[i]) }
  ' "$moddir/modules.dep"
}

say "initramfs"
initrd=$work/initrd
install -d "$initrd"/{bin,dev,proc,sys,newroot,modules}
cp /bin/busybox "$initrd/bin/busybox"
install -m 0755 "$here/guest/init" "$initrd/init"
moddir=$root/lib/modules/$kver
: > "$initrd/modules.order"
while read -r ko; do
  cp "$moddir/$ko" "$initrd/modules/"
  basename "$ko" >> "$initrd/modules.order"
done < <(modules_in_order "$moddir" crc32c_generic virtio_pci virtio_blk ext4)
grep -q '^ext4\.ko' "$initrd/modules.order" || grep -q 'ext4' "$moddir/modules.builtin" ||
  die "ext4 is neither a module nor built into $kver"
(cd "$initrd" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd.img"

# --- the disk ---------------------------------------------------------------

say "disk image ($disk_size)"
rm -rf "$image_dir" "$image_dir.tmp"
install -d -m 0755 "$image_dir.tmp"
cp "$work/kernel/boot/vmlinuz-$kver" "$image_dir.tmp/vmlinuz"
cp "$work/initrd.img" "$image_dir.tmp/initrd.img"
truncate -s "$disk_size" "$image_dir.tmp/root.img"
mkfs.ext4 -q -F -L ctool-vm -d "$root" "$image_dir.tmp/root.img"
{
  echo "kernel: $kpkg $kpkg_version"
  echo "mirror: $mirror $suite"
  echo "packages: ${packages[*]}"
  echo "built: $(date -u +%FT%TZ) in $((SECONDS - started))s"
} > "$image_dir.tmp/info"
mv "$image_dir.tmp" "$image_dir"
touch "$image_dir/ready"

# Older images and trees go, but for the two used last of each kind (a
# build with sanitizers and one without need different libraries). Their
# ready markers tell when they were used last.
prune() {
  local kind=$1 marker=$2 markers entry n=0
  markers=$(ls -t "$cache/$kind"-*"$marker" 2>/dev/null) || true
  while read -r entry; do
    [ -n "$entry" ] || continue
    n=$((n + 1))
    [ "$n" -le 2 ] && continue
    entry=${entry%"$marker"}
    rm -rf "$entry" "$entry.ready"
  done <<< "$markers"
}
touch "$root_dir.ready"
prune image /ready
prune root .ready
for old in "$cache"/*.tmp "$cache"/build.*; do
  [ "$old" = "$work" ] || rm -rf "$old"
done

say "ready in $((SECONDS - started))s: $image_dir"
echo "$image_dir"
