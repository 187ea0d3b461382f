#!/usr/bin/env bash
# The quickstart: on a fresh Debian 12 machine, as root, from a checkout:
#
#     bash tests/quickstart.sh
#
# installs the packages, builds ctool and installs it into /usr/local,
# prepares the unprivileged demo user (subordinate IDs, runtime directory,
# delegated cgroup), serves a busybox image made from busybox-static on a
# local registry at 127.0.0.1:5000 (no internet needed), and then, as the
# demo user, prints `ctool info`, pulls the image and runs a container in it.
# Steps whose verb this ctool does not have yet are skipped with a message.
#
# Environment: CTOOL_BUILD_DIR (default /var/tmp/ctool-build), PREFIX
# (default /usr/local), JOBS (default: the number of CPUs).
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=${CTOOL_BUILD_DIR:-/var/tmp/ctool-build}
prefix=${PREFIX:-/usr/local}
jobs=${JOBS:-$(nproc)}
. "$top/tests/setup/test-user.conf"
. "$top/tests/setup/registry.conf"
registry=127.0.0.1:$CTOOL_TEST_REGISTRY_PORT
image=$registry/ctool-test/busybox:latest

say() { printf '\n==> %s\n' "$*"; }
as_user() { (cd / && "$top/tests/setup/as-user" "$@"); }
ctool_has() { as_user "$prefix/bin/ctool" "$@" --help >/dev/null 2>&1; }
ctool_has_option() { as_user "$prefix/bin/ctool" "$1" --help 2>/dev/null | grep -q -- "$2"; }

[ "$(id -u)" = 0 ] || { echo "quickstart.sh: run as root (it installs packages and prepares the demo user)" >&2; exit 1; }

say "Installing packages"
bash "$top/tests/setup/install-packages.sh"

say "Building ctool in $build"
(cd "$top" && ./autogen.sh >/dev/null 2>&1)
install -d -m 0755 "$build"
(cd "$build" && "$top/configure" -q --prefix="$prefix" && make -s -j"$jobs" && make -s install)
echo "installed $prefix/bin/ctool"

say "Preparing the host and the demo user '$CTOOL_TEST_USER'"
bash "$top/tests/setup/prepare-host.sh"

say "Serving the demo image from a local registry ($image)"
bash "$top/tests/setup/registry.sh" start
bash "$top/tests/fixtures/build-images.sh" busybox

# The registry speaks plain HTTP on 127.0.0.1: tell the demo user's ctool, in
# the registries.conf a Podman user has (only when the user has none yet).
home=$(getent passwd "$CTOOL_TEST_USER" | cut -d: -f6)
conf=$home/.config/containers/registries.conf
if [ ! -e "$conf" ]; then
  install -d -m 0755 -o "$CTOOL_TEST_USER" -g "$CTOOL_TEST_USER" "$home/.config" "$home/.config/containers"
  printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$registry" > "$conf"
  chown "$CTOOL_TEST_USER:" "$conf"
fi

if ctool_has info; then
  say "ctool info (as $CTOOL_TEST_USER)"
  as_user "$prefix/bin/ctool" info
else
  say "skipped: this ctool has no 'info' yet; its version:"
  as_user "$prefix/bin/ctool" version
fi

if ctool_has pull; then
  say "ctool pull $image (as $CTOOL_TEST_USER)"
  as_user "$prefix/bin/ctool" pull "$image"
else
  say "skipped: this ctool has no 'pull' yet"
fi

if ctool_has run; then
  rm_opt=()
  ctool_has_option run --rm && rm_opt=(--rm)
  say "ctool run ${rm_opt[*]} $image ... (as $CTOOL_TEST_USER)"
  as_user "$prefix/bin/ctool" run "${rm_opt[@]}" "$image" \
    sh -c 'echo "Hello from a ctool container: I am $(id -un) (uid $(id -u)) on $(hostname), running $(cat /etc/ctool-test-release)"'
else
  say "skipped: this ctool has no 'run' yet"
fi

say "Done. As $CTOOL_TEST_USER, try:  $prefix/bin/ctool --help"
echo "The demo registry keeps running on $registry; stop it with: bash tests/setup/registry.sh stop"
