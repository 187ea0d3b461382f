#!/usr/bin/env bats
# ctool info: the host facts a rootless user needs, and each problem with
# the command that fixes it. Facts are checked against the host itself.

load helpers

# ctool info --format json into $info (stderr must stay empty).
info_json() {
  run -0 --separate-stderr ctool info --format json
  [ -z "$stderr" ] || fail "stderr: $stderr"
  info=$output
  jq -e . <<< "$info" >/dev/null || fail "not JSON: $info"
}

# jq over $info, raw output.
q() {
  jq -r "$@" <<< "$info"
}

# The problem with ID as JSON ("null" when absent).
problem() {
  jq -c --arg id "$1" '[.problems[] | select(.id == $id)][0]' <<< "$info"
}

@test "info shows the host, the store and the problems, podman-style" {
  run -0 --separate-stderr ctool info
  [ -z "$stderr" ]
  assert_line "host:"
  assert_line "  kernel: $(uname -r)"
  assert_line "  arch: $(dpkg --print-architecture 2>/dev/null || echo amd64)"
  assert_line "store:"
  assert_line "  graphRoot: $CTOOL_TEST_ROOT"
  assert_line "  runRoot: $CTOOL_TEST_RUNROOT"
  assert_line --regexp '^problems:'
  . /etc/os-release
  assert_line "    prettyName: $PRETTY_NAME"
}

@test "info --format json has the user's subuid and subgid ranges from /etc/subuid and /etc/subgid" {
  local user start count gstart gcount
  user=$(id -un)
  IFS=: read -r _ start count < <(grep "^$user:" /etc/subuid | head -n1)
  IFS=: read -r _ gstart gcount < <(grep "^$user:" /etc/subgid | head -n1)
  [ -n "$start" ] || skip "$user has no range in /etc/subuid"
  info_json
  [ "$(q .host.user.name)" = "$user" ]
  [ "$(q .host.user.uid)" = "$(id -u)" ]
  [ "$(q '.host.subuid.ranges[0].start')" = "$start" ]
  [ "$(q '.host.subuid.ranges[0].count')" = "$count" ]
  [ "$(q '.host.subgid.ranges[0].start')" = "$gstart" ]
  [ "$(q '.host.subgid.ranges[0].count')" = "$gcount" ]
  # Where they came from: the file, read directly or through libsubid.
  [[ "$(q .host.subuid.source)" =~ ^(/etc/subuid|libsubid\ \(/etc/subuid\))$ ]]
  # The map containers get: root is the user, 1.. the range.
  [ "$(q -c '.host.idMappings.uidmap[0]')" = "{\"container_id\":0,\"host_id\":$(id -u),\"size\":1}" ]
  [ "$(q -c '.host.idMappings.uidmap[1]')" = "{\"container_id\":1,\"host_id\":$start,\"size\":$count}" ]
  [ "$(problem subuid)" = null ]
}

# Whether $CTOOL was built with libsubid (it names the library it dlopens).
built_with_libsubid() {
  grep -q -a 'libsubid\.so\.' "$CTOOL"
}

@test "info: without a subid: line in nsswitch.conf, /etc/subuid is read directly and libsubid is not loaded" {
  local user start
  user=$(id -un)
  IFS=: read -r _ start _ < <(grep "^$user:" /etc/subuid | head -n1)
  [ -n "$start" ] || skip "$user has no range in /etc/subuid"
  printf 'passwd: files\n# subid: sss\n' > "$BATS_TEST_TMPDIR/nsswitch.conf"
  CTOOL_NSSWITCH_FILE=$BATS_TEST_TMPDIR/nsswitch.conf info_json
  [ "$(q .host.subuid.source)" = /etc/subuid ]
  [ "$(q .host.subgid.source)" = /etc/subgid ]
  [ "$(q '.host.subuid.ranges[0].start')" = "$start" ]
  # The dynamic loader lists every library it opens.
  CTOOL_NSSWITCH_FILE=$BATS_TEST_TMPDIR/nsswitch.conf LD_DEBUG=files run -0 --separate-stderr ctool info --format json
  [[ "$stderr" != *libsubid* ]] || fail "libsubid was loaded: $(grep libsubid <<< "$stderr" | head -n 3)"
}

@test "info: a subid: line in nsswitch.conf makes ctool ask libsubid (loaded then), with the same ranges" {
  built_with_libsubid || skip "$CTOOL was built without libsubid"
  local user start count
  user=$(id -un)
  IFS=: read -r _ start count < <(grep "^$user:" /etc/subuid | head -n1)
  [ -n "$start" ] || skip "$user has no range in /etc/subuid"
  # libsubid reads the real nsswitch.conf (no subid: line here): the files.
  printf 'passwd: files\nsubid:  files   # through libsubid\n' > "$BATS_TEST_TMPDIR/nsswitch.conf"
  CTOOL_NSSWITCH_FILE=$BATS_TEST_TMPDIR/nsswitch.conf info_json
  [ "$(q .host.subuid.source)" = "libsubid (/etc/subuid)" ]
  [ "$(q .host.subgid.source)" = "libsubid (/etc/subgid)" ]
  [ "$(q '.host.subuid.ranges[0].start')" = "$start" ]
  [ "$(q '.host.subuid.ranges[0].count')" = "$count" ]
  [ "$(q -c '.host.idMappings.uidmap[1]')" = "{\"container_id\":1,\"host_id\":$start,\"size\":$count}" ]
  CTOOL_NSSWITCH_FILE=$BATS_TEST_TMPDIR/nsswitch.conf LD_DEBUG=files run -0 --separate-stderr ctool info --format json
  [[ "$stderr" == *"file=libsubid.so."* ]] || fail "libsubid was not loaded"
  # A module libsubid is asked for is named as the source.
  printf 'subid: sss\n' > "$BATS_TEST_TMPDIR/nsswitch.conf"
  CTOOL_NSSWITCH_FILE=$BATS_TEST_TMPDIR/nsswitch.conf info_json
  [ "$(q .host.subuid.source)" = "libsubid (nss: sss)" ]
  # CTOOL_SUBUID_FILE still wins: libsubid is not asked.
  printf '%s:300000:1000\n' "$user" > "$BATS_TEST_TMPDIR/subuid"
  CTOOL_NSSWITCH_FILE=$BATS_TEST_TMPDIR/nsswitch.conf CTOOL_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid info_json
  [ "$(q .host.subuid.source)" = "$BATS_TEST_TMPDIR/subuid" ]
  [ "$(q '.host.subuid.ranges[0].start')" = 300000 ]
}

@test "info: the same subordinate range listed by name and by UID is mapped once" {
  local user start count
  user=$(id -un)
  IFS=: read -r _ start count < <(grep "^$user:" /etc/subuid | head -n1)
  [ -n "$start" ] || skip "$user has no range in /etc/subuid"
  printf '%s:%s:%s\n%s:%s:%s\n' "$user" "$start" "$count" "$(id -u)" "$start" "$count" > "$BATS_TEST_TMPDIR/subuid"
  CTOOL_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid info_json
  [ "$(q '.host.subuid.ranges | length')" = 1 ]
  [ "$(q -c '.host.idMappings.uidmap | length')" = 2 ]
}

@test "info: user namespaces work here, and newuidmap/newgidmap are found with their privileges" {
  info_json
  [ "$(q .host.userNamespaces.works)" = true ]
  [ "$(q .host.userNamespaces.error)" = "" ]
  [ "$(q .host.userNamespaces.maxUserNamespaces)" = "$(cat /proc/sys/user/max_user_namespaces)" ]
  [ "$(q .host.newuidmap.path)" = "$(command -v newuidmap)" ]
  [ "$(q .host.newgidmap.path)" = "$(command -v newgidmap)" ]
  if [ -u "$(command -v newuidmap)" ]; then
    [ "$(q .host.newuidmap.setuidRoot)" = true ]
  fi
  [ "$(problem userns)" = null ]
  [ "$(problem newuidmap)" = null ]
}

@test "info: the overlay mode is native on this kernel, probed once and cached per kernel" {
  info_json
  [ "$(q .host.overlay.mode)" = native ] || fail "mode $(q .host.overlay.mode): $(q .host.overlay.nativeError)"
  [ "$(q .host.overlay.source)" = probed ]
  [ "$(q .store.overlayMode)" = native ]
  grep -qx "kernel=$(uname -r)" "$CTOOL_TEST_RUNROOT/overlay-mode"
  grep -qx "mode=native" "$CTOOL_TEST_RUNROOT/overlay-mode"
  # No probe directory is left behind in the store.
  run ls -A "$CTOOL_TEST_ROOT"
  refute_output --partial overlay-probe
  info_json
  [ "$(q .host.overlay.source)" = "cached in $CTOOL_TEST_RUNROOT/overlay-mode" ]
}

@test "info: an answer cached on another kernel is probed again" {
  mkdir -p "$CTOOL_TEST_RUNROOT"
  printf 'mode=copy\nkernel=2.6.32-old\nprobe-dir=%s\nnative-error=old\nfuse-error=old\n' "$CTOOL_TEST_ROOT" \
    > "$CTOOL_TEST_RUNROOT/overlay-mode"
  info_json
  [ "$(q .host.overlay.source)" = probed ]
  [ "$(q .host.overlay.mode)" = native ]
  grep -qx "kernel=$(uname -r)" "$CTOOL_TEST_RUNROOT/overlay-mode"
}

@test "info: CTOOL_OVERLAY_MODE forces the mode; copy is announced as a problem; a bad value is one" {
  CTOOL_OVERLAY_MODE=copy info_json
  [ "$(q .host.overlay.mode)" = copy ]
  [ "$(q .host.overlay.source)" = CTOOL_OVERLAY_MODE ]
  [ "$(problem overlay | jq -r .severity)" = warning ]
  [[ "$(problem overlay | jq -r .cause)" == *"slow copy"* ]]

  CTOOL_OVERLAY_MODE=bogus info_json
  [ "$(problem overlay | jq -r .cause)" = "CTOOL_OVERLAY_MODE='bogus' is not one of native, fuse, copy" ]
  [ "$(problem overlay | jq -r .fix)" = "unset CTOOL_OVERLAY_MODE" ]
}

@test "info: the cgroup layout is the host's" {
  local layout=legacy
  if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
    layout=unified
  elif [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ]; then
    layout=hybrid
  fi
  info_json
  [ "$(q .host.cgroupLayout)" = "$layout" ]
  [ "$(q .host.cgroup.own)" = "$(q .host.cgroup.mount)$(sed -n 's/^0:://p' /proc/self/cgroup | sed 's|^/$||')" ]
}

@test "info: the hybrid cgroup layout is named, with the boot option that fixes it" {
  [ "$(stat -f -c %T /sys/fs/cgroup)" != cgroup2fs ] &&
    [ "$(stat -f -c %T /sys/fs/cgroup/unified 2>/dev/null)" = cgroup2fs ] ||
    skip "this host's cgroups are not the hybrid layout"
  run -0 --separate-stderr ctool info
  assert_line "  cgroupLayout: hybrid"
  assert_line "  cgroupVersion: v2"
  info_json
  [ "$(q .host.cgroup.mount)" = /sys/fs/cgroup/unified ]
  local p
  p=$(problem cgroup-v2)
  [[ "$(jq -r .cause <<< "$p")" == *"not the unified hierarchy (hybrid layout"* ]]
  [[ "$(jq -r .fix <<< "$p")" == *"systemd.unified_cgroup_hierarchy=1"*"update-grub"* ]]
  [ "$(jq -r .file <<< "$p")" = /etc/default/grub ]
}

@test "info: the delegated cgroup subtree and its controllers" {
  [ -r /run/ctool-test-cgroup ] || skip "the test host has no delegated cgroup (tests/setup/prepare-host.sh)"
  local sub
  sub=$(cat /run/ctool-test-cgroup)
  [[ "$(sed -n 's/^0:://p' /proc/self/cgroup)" == "${sub#*/unified}"* || "$(sed -n 's/^0:://p' /proc/self/cgroup)" == "${sub#/sys/fs/cgroup}"* ]] ||
    skip "not running inside $sub (run through tests/setup/as-user as root)"
  info_json
  [ "$(q .host.cgroup.delegated)" = "$sub" ]
  [ "$(q .host.cgroup.ownWritable)" = true ]
  [ "$(q -c .host.cgroupControllers)" = "$(jq -R -c 'split(" ") | map(select(. != ""))' < "$sub/cgroup.controllers")" ]
}

@test "info: /dev/net/tun and /dev/fuse are reported as the user can use them" {
  info_json
  local dev key
  for key in tun fuse; do
    dev=$(q ".host.devices.$key.path")
    if [ -r "$dev" ] && [ -w "$dev" ]; then
      [ "$(q ".host.devices.$key.accessible")" = true ]
      [ "$(problem $key)" = null ]
    else
      [ "$(q ".host.devices.$key.accessible")" = false ]
      [ "$(problem $key | jq -r .fix)" = "sudo chmod 0666 $dev" ]
    fi
  done
}

@test "info: slirp4netns is found with its version" {
  skip_unless "slirp4netns is not installed" command -v slirp4netns
  info_json
  [ "$(q .host.slirp4netns.executable)" = "$(command -v slirp4netns)" ]
  [ "$(q .host.slirp4netns.version)" = "$(slirp4netns --version | sed -n '1s/.*version //p')" ]
}

@test "info: XDG_RUNTIME_DIR unset (a shell from su) is a problem with the export that fixes it" {
  run -0 --separate-stderr env -u XDG_RUNTIME_DIR "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" \
    info --format json
  info=$output
  [ "$(q .host.runtimeDir.XDG_RUNTIME_DIR)" = null ]
  local p
  p=$(problem xdg-runtime-dir)
  [[ "$(jq -r .cause <<< "$p")" == "XDG_RUNTIME_DIR is not set"* ]]
  if [ -O "/run/user/$(id -u)" ]; then
    [ "$(jq -r .fix <<< "$p")" = "export XDG_RUNTIME_DIR=/run/user/$(id -u)" ]
  fi
}

@test "info: XDG_RUNTIME_DIR owned by someone else (sudo's environment) is a problem" {
  XDG_RUNTIME_DIR=/ info_json
  [ "$(q .host.runtimeDir.ownedByUser)" = false ]
  [[ "$(problem xdg-runtime-dir | jq -r .cause)" == "XDG_RUNTIME_DIR=/ belongs to UID 0, not to $(id -un)"* ]]
}

@test "info: no subordinate IDs is an error whose usermod command adds a free range" {
  : > "$BATS_TEST_TMPDIR/subuid"
  CTOOL_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid info_json
  [ "$(q '.host.subuid.ranges | length')" = 0 ]
  [ "$(q -c '.host.idMappings.uidmap')" = "[{\"container_id\":0,\"host_id\":$(id -u),\"size\":1}]" ]
  local p fix first last
  p=$(problem subuid)
  [ "$(jq -r .severity <<< "$p")" = error ]
  [ "$(jq -r .file <<< "$p")" = "$BATS_TEST_TMPDIR/subuid" ]
  fix=$(jq -r .fix <<< "$p")
  [[ "$fix" =~ ^sudo\ usermod\ --add-subuids\ ([0-9]+)-([0-9]+)\ --add-subgids\ ([0-9]+)-([0-9]+)\ $(id -un)$ ]] ||
    fail "fix: $fix"
  first=${BASH_REMATCH[1]} last=${BASH_REMATCH[2]}
  [ $((last - first + 1)) -eq 65536 ]
  # The range is free in /etc/subgid (the subuid file here is empty).
  awk -F: -v a="$first" -v b="$last" 'NF == 3 && $2 <= b && $2 + $3 - 1 >= a { exit 1 }' /etc/subgid ||
    fail "$first-$last overlaps /etc/subgid"
}

@test "info: a subordinate range shared with another user is reported" {
  printf '%s:100000:65536\nsomeoneelse:150000:65536\n' "$(id -un)" > "$BATS_TEST_TMPDIR/subuid"
  CTOOL_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid info_json
  local p
  p=$(problem subuid-overlap)
  [[ "$(jq -r .cause <<< "$p")" == *"100000-165535 of $(id -un) overlap those of someoneelse (150000-215535)"* ]]
  [[ "$(jq -r .fix <<< "$p")" == "sudo usermod --del-subuids 100000-165535 $(id -un) && sudo usermod --add-subuids "* ]]
}

@test "info --format with an unknown format fails with 125 in one line" {
  run -125 --separate-stderr ctool info --format yaml
  [ -z "$output" ]
  [ "$stderr" = "ctool: unsupported --format 'yaml': use json" ]
}
