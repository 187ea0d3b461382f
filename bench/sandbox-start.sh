#!/usr/bin/env bash
# Container start time, side by side in one hyperfine run (numbers from
# another day or another load mean nothing on these machines):
#
#   bench/sandbox-start.sh CTOOL [IMAGE]
#
# as the unprivileged user (tests/setup/as-user bench/sandbox-start.sh ...).
#   bwrap       bwrap --unshare-all on a busybox root filesystem: the floor
#   sandbox     ctool __sandbox --defaults on the same directory: the
#               low-level runtime alone (namespaces, newuidmap/newgidmap,
#               mounts, masked paths, caps, cached seccomp, exec)
#   sandbox+ov  the same over a fresh overlay of that directory
#   run         ctool run --rm --network none IMAGE true (when IMAGE is given;
#               it is pulled first into a store of this benchmark; the
#               warm-up starts the pause process, as podman's is running)
#   podman      podman run --rm --network none --rootfs DIR true (when it works here)
# Then the syscalls of one `sandbox` start (strace -f -c, with a single-ID
# map since setuid newuidmap cannot run under strace).
#
# Environment: RUNS (default 50), WARMUP (default 5).
set -euo pipefail
ctool=${1:?usage: sandbox-start.sh CTOOL [IMAGE]}
image=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
runs=${RUNS:-50}
warmup=${WARMUP:-5}
work=$(mktemp -d "${TMPDIR:-/tmp}/ctool-bench-XXXXXX")
trap 'rm -rf "$work" 2>/dev/null || true' EXIT

"$here/../tests/fixtures/sandbox-rootfs.sh" "$work/rootfs" >/dev/null
mkdir -p "$work/bundle" "$work/ov/u" "$work/ov/w" "$work/ov/m"
cat > "$work/bundle/config.json" <<EOF
{ "ociVersion": "1.0.2",
  "process": { "args": ["true"], "env": ["PATH=/bin"], "cwd": "/", "noNewPrivileges": true },
  "root": { "path": "$work/rootfs" }, "hostname": "bench" }
EOF
store=(--root "$work/store" --runroot "${XDG_RUNTIME_DIR:-/tmp}/ctool-bench-$$")
# Warm the seccomp cache: every measured start loads the compiled filter.
"$ctool" "${store[@]}" __sandbox --defaults "$work/bundle" >/dev/null

cmds=(
  -n bwrap "bwrap --unshare-all --bind $work/rootfs / --proc /proc --dev /dev /bin/true"
  -n sandbox "$ctool ${store[*]} __sandbox --defaults $work/bundle"
  -n sandbox+ov "$ctool ${store[*]} __sandbox --defaults --lower $work/rootfs --upper $work/ov/u --work $work/ov/w --rootfs $work/ov/m $work/bundle"
)
if [ -n "$image" ]; then
  CTOOL_REGISTRIES_CONF=${CTOOL_REGISTRIES_CONF:-/dev/null} "$ctool" "${store[@]}" pull --tls-verify=false "$image" >/dev/null 2>&1
  cmds+=(-n run "$ctool ${store[*]} run --rm --network none $image true")
fi
if command -v podman >/dev/null && podman run --rm --network none --rootfs "$work/rootfs" true >/dev/null 2>&1; then
  cmds+=(-n podman "podman run --rm --network none --rootfs $work/rootfs true")
else
  echo "(podman cannot run containers on this host: left out)"
fi
hyperfine -N -w "$warmup" -r "$runs" "${cmds[@]}" 2>&1 | grep -v '^ *$'

echo
echo "syscalls of one __sandbox start (single-ID map):"
CTOOL_SUBUID_FILE=/dev/null CTOOL_SUBGID_FILE=/dev/null \
  strace -f -c -o "$work/strace" "$ctool" "${store[@]}" __sandbox --defaults "$work/bundle" 2>/dev/null || true
tail -n 3 "$work/strace"
"$ctool" "${store[@]}" system migrate >/dev/null 2>&1 || true  # run's pause process
rm -rf "${XDG_RUNTIME_DIR:-/tmp}/ctool-bench-$$"
