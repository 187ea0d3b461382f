# Shared by the container tests (40-run, 41-lifecycle, 42-exec): the
# busybox fixture image in every test's store, and small checks of what
# a container left behind.   load helpers; load containers

# The image comes from the test registry once per file (skopeo, into an
# OCI archive), then into each test's store with `ctool load`, so these
# tests do not depend on `ctool pull` (41-lifecycle tests pulling itself).
containers_setup_file() {
  export BUSYBOX_ARCHIVE=$BATS_FILE_TMPDIR/busybox.tar
  [ -f "$BUSYBOX_ARCHIVE" ] \
    || skopeo copy -q --src-tls-verify=false "docker://$IMAGE" "oci-archive:$BUSYBOX_ARCHIVE:$IMAGE"
}

containers_setup() {
  basic_setup
  ctool load -q -i "$BUSYBOX_ARCHIVE" >/dev/null
}

# The IDs of the containers in the store, from the directory itself.
stored_containers() {
  local d
  for d in "$CTOOL_TEST_ROOT"/containers/*; do
    [[ $(basename "$d") =~ ^[0-9a-f]{64}$ ]] && basename "$d"
  done
  return 0
}

no_containers() {
  [ -z "$(stored_containers)" ]
}

# Nothing of any container is left: no container directory, no half-made
# one, no name, no runtime state, no mount of the store, no monitor.
assert_nothing_left() {
  [ -z "$(stored_containers)" ] || fail "containers left: $(stored_containers)"
  [ -z "$(ls -A "$CTOOL_TEST_ROOT/containers/tmp" 2>/dev/null)" ] || fail "leftovers in containers/tmp"
  [ -z "$(ls -A "$CTOOL_TEST_ROOT/containers/names" 2>/dev/null)" ] || fail "names left"
  [ -z "$(ls -A "$CTOOL_TEST_RUNROOT/containers" 2>/dev/null)" ] || fail "runtime state left"
  ! grep -qF "$CTOOL_TEST_ROOT" /proc/self/mountinfo || fail "a mount of the store is left"
  ! pgrep -u "$(id -u)" -f "ctool-monitor --pid .*$CTOOL_TEST_ROOT" >/dev/null || fail "a monitor is left"
}

# A field of `ctool inspect`: inspect_field CONTAINER JQ_PATH
inspect_field() {
  ctool inspect --type container "$1" | jq -r ".[0]$2"
}
