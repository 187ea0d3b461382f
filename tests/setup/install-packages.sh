#!/usr/bin/env bash
# Install every Debian 12 package ctool needs to build, test and benchmark.
# Root only; idempotent (apt-get skips what is already installed).
set -euo pipefail

[ "$(id -u)" = 0 ] || { echo "install-packages.sh: run as root" >&2; exit 1; }

build=(
  build-essential autoconf automake libtool pkg-config
  libseccomp-dev libcap-dev libarchive-dev libcurl4-openssl-dev libssl-dev
  libjson-c-dev libsystemd-dev libsubid-dev libzstd-dev libisal-dev zlib1g-dev
  libcmocka-dev scdoc clang
)
runtime=(
  uidmap slirp4netns fuse-overlayfs passt iproute2 procps psmisc
)
tests=(
  docker-registry skopeo umoci bats bats-assert bats-support bats-file
  busybox-static jq curl openssl apache2-utils bash-completion zsh fish man-db
  util-linux python3 file tar gzip zstd valgrind
)
bench=(
  podman runc crun bubblewrap hyperfine time
)
# The systemd + cgroup v2 stage (tests/vm/): a Debian VM under QEMU's TCG.
vm=(
  qemu-system-x86 debootstrap e2fsprogs busybox-static cpio
)

stamp=/var/lib/ctool-test-packages.stamp
want="${build[*]} ${runtime[*]} ${tests[*]} ${bench[*]} ${vm[*]}"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${build[@]}" "${runtime[@]}" "${tests[@]}" "${bench[@]}" "${vm[@]}"
# The registry package enables a system service listening on all addresses;
# the tests run their own instances on 127.0.0.1 only.
# Stop and disable only that service (by its unit or its init script's pid
# file): the test registries started by tests/setup/registry.sh stay up.
if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
  systemctl disable --now docker-registry >/dev/null 2>&1 || true
elif [ -x /etc/init.d/docker-registry ]; then
  /etc/init.d/docker-registry stop >/dev/null 2>&1 || true
  update-rc.d docker-registry disable >/dev/null 2>&1 || true
fi
echo "$want" > "$stamp"
