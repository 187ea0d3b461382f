#!/usr/bin/env bats
# ctool system: check (the doctor) with each condition broken for real
# where the test user can break it, df, prune and reset.
#
# Conditions that need root to break are broken inside user and mount
# namespaces of the test user: there, as root of the namespaces, a sysctl
# of the namespace is lowered or a mount hides or replaces what ctool
# looks at (/dev/net/tun, /dev/fuse, the cgroup tree, systemd's and
# logind's directories), and ctool then runs as the test user again.

load helpers
load containers

setup_file() { containers_setup_file; }
setup() { containers_setup; }

# The problem with ID in $output (system check --format json), or null.
problem() {
  jq -c --arg id "$1" '[.[] | select(.id == $id)][0]' <<< "$output"
}

# ctool system check --format json in $output, its exit code checked
# against the errors it lists.
check_json() {
  run --separate-stderr "$@" system check --format json
  jq -e 'type == "array"' <<< "$output" > /dev/null || fail "not a JSON list: $output $stderr"
  local errors
  errors=$(jq '[.[] | select(.severity == "error")] | length' <<< "$output")
  if [ "$errors" -gt 0 ]; then
    [ "$status" = 1 ] || fail "exit $status with $errors errors"
  else
    [ "$status" = 0 ] || fail "exit $status without errors: $stderr"
  fi
}

# Run CMD as the test user in new user and mount namespaces after SETUP
# (a shell snippet) ran there as root of the namespaces.
in_namespaces() {
  local setup=$1
  shift
  unshare --map-root-user --mount sh -ec "$setup"'
    u=$1 g=$2; shift 2
    exec unshare --map-user="$u" --map-group="$g" -- "$@"' sh "$(id -u)" "$(id -g)" "$@"
}

# The ctool of this test, for commands that run it by path.
ctool_cmd=()
set_ctool_cmd() {
  ctool_cmd=("$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT")
}

# ---- system check ----

@test "system check prints each problem with its cause, file and fix, errors first; the exit code tells errors" {
  check_json ctool
  local json=$output errors
  errors=$(jq '[.[] | select(.severity == "error")] | length' <<< "$json")
  run --separate-stderr ctool system check
  [ "$status" = "$([ "$errors" -gt 0 ] && echo 1 || echo 0)" ]
  [ -z "$stderr" ]
  local n i sev cause file fix
  n=$(jq length <<< "$json")
  for ((i = 0; i < n; i++)); do
    sev=$(jq -r ".[$i].severity" <<< "$json")
    cause=$(jq -r ".[$i].cause" <<< "$json")
    file=$(jq -r ".[$i].file" <<< "$json")
    fix=$(jq -r ".[$i].fix" <<< "$json")
    assert_line "$sev: $cause"
    [ -z "$file" ] || assert_line "  file: $file"
    [ -z "$fix" ] || assert_line "  fix:  $fix"
  done
  if [ "$n" = 0 ]; then
    assert_line "No problems found: rootless containers can run here."
  else
    assert_line "$errors error$([ "$errors" = 1 ] || echo s), $((n - errors)) warning$([ $((n - errors)) = 1 ] || echo s)."
    # Errors come before warnings.
    [ -z "$(grep -E '^(error|warning): ' <<< "$output" | sed 's/:.*//' | uniq | tr '\n' ' ' | grep 'warning error')" ]
  fi
  # A template per problem.
  run -0 ctool system check --format '{{.severity}} {{.id}}'
  [ "$output" = "$(jq -r '.[] | "\(.severity) \(.id)"' <<< "$json")" ]
  # The same list as ctool info's problems.
  [ "$(ctool info --format json | jq -c '[.problems[].id]')" = "$(jq -c '[.[].id]' <<< "$json")" ]
}

@test "system check: no subordinate IDs is an error whose fix is the usermod command; exit 1" {
  : > "$BATS_TEST_TMPDIR/subuid"
  CTOOL_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid check_json ctool
  [ "$status" = 1 ]
  local p
  p=$(problem subuid)
  [ "$(jq -r .severity <<< "$p")" = error ]
  [ "$(jq -r .file <<< "$p")" = "$BATS_TEST_TMPDIR/subuid" ]
  [[ "$(jq -r .fix <<< "$p")" =~ ^sudo\ usermod\ --add-subuids\ [0-9]+-[0-9]+\ --add-subgids\ [0-9]+-[0-9]+\ $(id -un)$ ]]
  CTOOL_SUBUID_FILE=$BATS_TEST_TMPDIR/subuid run -1 --separate-stderr ctool system check
  assert_line "error: $(jq -r .cause <<< "$p")"
  assert_line "  file: $BATS_TEST_TMPDIR/subuid"
  assert_line "  fix:  $(jq -r .fix <<< "$p")"
}

@test "system check: a subordinate range shared with another user is an error" {
  printf '%s:100000:65536\nsomeoneelse:150000:65536\n' "$(id -un)" > "$BATS_TEST_TMPDIR/subgid"
  CTOOL_SUBGID_FILE=$BATS_TEST_TMPDIR/subgid check_json ctool
  [ "$status" = 1 ]
  local p
  p=$(problem subgid-overlap)
  [ "$(jq -r .severity <<< "$p")" = error ]
  [[ "$(jq -r .cause <<< "$p")" == *"GIDs 100000-165535 of $(id -un) overlap those of someoneelse (150000-215535)"* ]]
  [[ "$(jq -r .fix <<< "$p")" == "sudo usermod --del-subgids 100000-165535 $(id -un) && sudo usermod --add-subuids "* ]]
}

@test "system check: newuidmap missing, or without the setuid bit or file capabilities" {
  local bin=$BATS_TEST_TMPDIR/bin real
  real=$(command -v newuidmap)
  mkdir "$bin"
  set_ctool_cmd
  # Missing: a file that cannot run in its place (ctool also looks in
  # the system directories, whatever PATH says).
  touch "$BATS_TEST_TMPDIR/not-a-program"
  check_json in_namespaces "mount --bind $BATS_TEST_TMPDIR/not-a-program $(realpath "$real")" "${ctool_cmd[@]}"
  [ "$status" = 1 ]
  [ "$(problem newuidmap | jq -r .cause)" = "newuidmap is not installed: the subordinate IDs cannot be mapped, containers get a single-ID mapping" ]
  [ "$(problem newuidmap | jq -r .fix)" = "sudo apt-get install uidmap" ]

  # A copy loses the setuid bit (and capabilities): it cannot map.
  cp "$real" "$bin/newuidmap"
  [ ! -u "$bin/newuidmap" ]
  check_json env PATH="$bin:$PATH" "${ctool_cmd[@]}"
  [ "$status" = 1 ]
  local p
  p=$(problem newuidmap)
  [ "$(jq -r .severity <<< "$p")" = error ]
  [ "$(jq -r .file <<< "$p")" = "$bin/newuidmap" ]
  [[ "$(jq -r .cause <<< "$p")" == "$bin/newuidmap is neither setuid root nor has the file capability cap_setuid"* ]]
  [ "$(jq -r .fix <<< "$p")" = "sudo chmod u+s $bin/newuidmap" ]
  [ "$(problem newgidmap)" = null ]
}

@test "system check: XDG_RUNTIME_DIR unset (su) or another user's (sudo) is a warning with the export that fixes it" {
  run --separate-stderr env -u XDG_RUNTIME_DIR "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" \
    system check --format json
  local p
  p=$(problem xdg-runtime-dir)
  [ "$(jq -r .severity <<< "$p")" = warning ]
  [[ "$(jq -r .cause <<< "$p")" == "XDG_RUNTIME_DIR is not set"* ]]
  [ "$(jq -r .file <<< "$p")" = XDG_RUNTIME_DIR ]
  if [ -O "/run/user/$(id -u)" ]; then
    [ "$(jq -r .fix <<< "$p")" = "export XDG_RUNTIME_DIR=/run/user/$(id -u)" ]
  fi
  XDG_RUNTIME_DIR=/ check_json ctool
  p=$(problem xdg-runtime-dir)
  [[ "$(jq -r .cause <<< "$p")" == "XDG_RUNTIME_DIR=/ belongs to UID 0, not to $(id -un)"* ]]
  [ "$(jq -r .file <<< "$p")" = / ]
}

@test "system check: /dev/net/tun missing and /dev/fuse not accessible are warnings with their fixes" {
  set_ctool_cmd
  touch "$BATS_TEST_TMPDIR/no-access"
  chmod 000 "$BATS_TEST_TMPDIR/no-access"
  check_json in_namespaces "mount -t tmpfs tmpfs /dev/net; mount --bind $BATS_TEST_TMPDIR/no-access /dev/fuse" \
    "${ctool_cmd[@]}"
  local p
  p=$(problem tun)
  [ "$(jq -r .severity <<< "$p")" = warning ]
  [[ "$(jq -r .cause <<< "$p")" == "/dev/net/tun does not exist: slirp4netns and pasta cannot give containers a network"* ]]
  [ "$(jq -r .fix <<< "$p")" = "sudo modprobe tun" ]
  p=$(problem fuse)
  [ "$(jq -r .severity <<< "$p")" = warning ]
  [[ "$(jq -r .cause <<< "$p")" == "/dev/fuse is not readable and writable by $(id -un) (mode 0000): fuse-overlayfs cannot run"* ]]
  [ "$(jq -r .fix <<< "$p")" = "sudo chmod 0666 /dev/fuse" ]
  # Without the mounts, neither is a problem here (tests/setup/prepare-host.sh).
  check_json ctool
  [ "$(problem tun)" = null ]
  [ "$(problem fuse)" = null ]
}

@test "system check: user namespaces disabled by user.max_user_namespaces=0; a failed run says so too" {
  set_ctool_cmd
  # In a user namespace whose root may create no further one, ctool runs
  # as that root: the kernel's limit is what stops it.
  run --separate-stderr unshare --map-root-user sh -c \
    'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@" system check --format json' sh "${ctool_cmd[@]}"
  [ "$status" = 1 ]
  local p
  p=$(problem userns)
  [ "$(jq -r .severity <<< "$p")" = error ]
  [[ "$(jq -r .cause <<< "$p")" == "user namespaces are disabled (user.max_user_namespaces=0): no container can start"* ]]
  [ "$(jq -r .file <<< "$p")" = /proc/sys/user/max_user_namespaces ]
  [ "$(jq -r .fix <<< "$p")" = "sudo sysctl -w user.max_user_namespaces=28633" ]

  # A container that cannot start names the cause and the fix in its error.
  run -125 --separate-stderr unshare --map-root-user sh -c \
    'echo 0 > /proc/sys/user/max_user_namespaces && exec "$@" run --rm "$IMAGE" true' sh "${ctool_cmd[@]}"
  [[ "$stderr" == *"the host has a problem: user namespaces are disabled (user.max_user_namespaces=0)"*"; fix: sudo sysctl -w user.max_user_namespaces=28633 (see 'ctool system check'"* ]] ||
    fail "stderr: $stderr"
  [ "$(grep -c '^ctool: ' <<< "$stderr")" -le 2 ]
}

@test "system check: user namespaces restricted by AppArmor or kernel.unprivileged_userns_clone" {
  if [ "$(cat /proc/sys/kernel/apparmor_restrict_unprivileged_userns 2>/dev/null)" = 1 ]; then
    check_json ctool
    [ "$(problem userns | jq -r .fix)" = "sudo sysctl -w kernel.apparmor_restrict_unprivileged_userns=0" ]
  elif [ "$(cat /proc/sys/kernel/unprivileged_userns_clone 2>/dev/null)" = 0 ]; then
    check_json ctool
    [ "$(problem userns | jq -r .fix)" = "sudo sysctl -w kernel.unprivileged_userns_clone=1" ]
  else
    skip "this host does not restrict user namespaces that way (only root can change these sysctls)"
  fi
  [ "$status" = 1 ]
}

@test "system check: a cgroup tree the user cannot write means no delegation" {
  set_ctool_cmd
  local cg2
  cg2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
  [ -n "$cg2" ] || skip "no cgroup2 is mounted"
  # The cgroup2 tree where ctool looks for it (this also makes a hybrid
  # host's layout unified inside the namespace), read-only.
  check_json in_namespaces "mount --bind $cg2 /sys/fs/cgroup; mount -o remount,bind,ro /sys/fs/cgroup" "${ctool_cmd[@]}"
  local p
  p=$(problem cgroup-delegation)
  [ "$(jq -r .severity <<< "$p")" = warning ]
  [[ "$(jq -r .cause <<< "$p")" == "no cgroup is delegated to $(id -un) (its cgroup /sys/fs/cgroup"*" is not owned by it; e.g. after su or sudo): containers run without resource limits" ]]
  [ -n "$(jq -r .fix <<< "$p")" ]
  # Writable, as prepared for the tests: delegated.
  [ -r /run/ctool-test-cgroup ] || skip "the test host has no delegated cgroup (tests/setup/prepare-host.sh)"
  check_json in_namespaces "mount --bind $cg2 /sys/fs/cgroup" "${ctool_cmd[@]}"
  [ "$(problem cgroup-delegation)" = null ]
}

@test "system check: lingering off on a systemd host is a warning with loginctl enable-linger" {
  set_ctool_cmd
  [ -d /run/systemd ] && [ -d /var/lib/systemd ] || skip "no /run/systemd or /var/lib/systemd to mount over"
  # systemd running (/run/systemd/system), logind's linger directory empty.
  local setup="mount -t tmpfs tmpfs /run/systemd; mkdir /run/systemd/system
    mount -t tmpfs tmpfs /var/lib/systemd; mkdir /var/lib/systemd/linger"
  check_json in_namespaces "$setup" "${ctool_cmd[@]}"
  local p
  p=$(problem linger)
  [ "$(jq -r .severity <<< "$p")" = warning ]
  [ "$(jq -r .cause <<< "$p")" = "lingering is off for $(id -un): systemd stops detached containers when the last session ends" ]
  [ "$(jq -r .file <<< "$p")" = "/var/lib/systemd/linger/$(id -un)" ]
  [ "$(jq -r .fix <<< "$p")" = "sudo loginctl enable-linger $(id -un)" ]
  check_json in_namespaces "$setup; touch /var/lib/systemd/linger/$(id -un)" "${ctool_cmd[@]}"
  [ "$(problem linger)" = null ]
}

@test "system info is ctool info" {
  run -0 --separate-stderr ctool system info --format json
  [ "$(jq -c '.store' <<< "$output")" = "$(ctool info --format json | jq -c .store)" ]
  run -0 ctool system info
  assert_line "host:"
}

# ---- system df ----

@test "system df on an empty store: Podman's table" {
  run -0 --separate-stderr ctool image rm -a -f
  run -0 --separate-stderr ctool system df
  assert_output "$(printf '%s\n' \
    'TYPE           TOTAL       ACTIVE      SIZE        RECLAIMABLE' \
    'Images         0           0           0B          0B (0%)' \
    'Containers     0           0           0B          0B (0%)' \
    'Local Volumes  0           0           0B          0B (0%)')"
  [ -z "$stderr" ]
}

# Sum of the sizes of the regular files under DIR.
file_bytes() {
  find "$1" -type f -printf '%s\n' | awk '{ s += $1 } END { print s + 0 }'
}

@test "system df counts images, containers and volumes, what is active and what could go" {
  ctool run -d --name busy "$IMAGE" sh -c 'head -c 1000 /dev/zero > /f; trap "exit 0" TERM; while :; do sleep 0.1; done' > /dev/null
  ctool run --name done -v used:/data "$IMAGE" sh -c 'head -c 3000 /dev/zero > /f; head -c 2000 /dev/zero > /data/f'
  ctool volume create spare > /dev/null
  head -c 5000 /dev/zero > "$CTOOL_TEST_ROOT/volumes/spare/_data/f"
  wait_until 10 test -f "$(ls -d "$CTOOL_TEST_ROOT"/containers/*/upper | head -n1)/f"
  local layers busy_id done_id busy_rw done_rw
  layers=$(jq -s 'map(.size) | add' "$CTOOL_TEST_ROOT"/layers/*.json)
  busy_id=$(ctool inspect busy | jq -r '.[0].Id')
  done_id=$(ctool inspect done | jq -r '.[0].Id')
  busy_rw=$(file_bytes "$CTOOL_TEST_ROOT/containers/$busy_id/upper")
  done_rw=$(file_bytes "$CTOOL_TEST_ROOT/containers/$done_id/upper")
  [ "$busy_rw" -ge 1000 ] && [ "$done_rw" -ge 3000 ]

  run -0 --separate-stderr ctool system df --format json
  [ "$(jq -c '.[0] | [.Type, .Total, .Active, .RawSize, .RawReclaimable]' <<< "$output")" = "[\"Images\",1,1,$layers,0]" ]
  [ "$(jq -c '.[1] | [.Type, .Total, .Active, .RawSize, .RawReclaimable]' <<< "$output")" = "[\"Containers\",2,1,$((busy_rw + done_rw)),$done_rw]" ]
  [ "$(jq -c '.[2] | [.Type, .Total, .Active, .RawSize, .RawReclaimable]' <<< "$output")" = '["Local Volumes",2,1,7000,5000]' ]
  [ "$(jq -r '.[2] | .Size, .Reclaimable, .TotalCount' <<< "$output" | tr '\n' ' ')" = "7kB 5kB (71%) 2 " ]

  run -0 ctool system df --format '{{.Type}}: {{.Active}}/{{.Total}} {{.Reclaimable}}'
  assert_line "Local Volumes: 1/2 5kB (71%)"
  assert_line "Containers: 1/2 $(jq -r '.[1].Reclaimable' <<< "$(ctool system df --format json)")"
  run -0 ctool system df
  assert_line --regexp '^Local Volumes  2           1           7kB         5kB \(71%\)$'
  assert_line --regexp '^Images         1           1           [0-9.]+[kMG]?B +0B \(0%\)$'

  run -0 ctool system df -v
  assert_line "Images space usage:"
  assert_line --regexp "^$CTOOL_TEST_REGISTRY/ctool-test/busybox +latest +$(ctool image inspect "$IMAGE" | jq -r '.[0].Id' | cut -c1-12) +.* 0B +[0-9.]+[kMG]?B +2$"
  assert_line "Containers space usage:"
  assert_line --regexp "^${busy_id:0:12}  .* running +busy$"
  assert_line --regexp "^${done_id:0:12}  .* 1 +3kB +.* exited +done$"
  assert_line "Local Volumes space usage:"
  assert_line --regexp '^spare +0 +5kB$'
  assert_line --regexp '^used +1 +2kB$'
  run -125 --separate-stderr ctool system df -v --format json
  [ "$stderr" = "ctool: cannot combine --format and --verbose" ]
  ctool stop -t 5 busy > /dev/null
}

@test "system df measures what only subordinate IDs can read" {
  ctool run --rm -v owned:/data "$IMAGE" sh -c \
    'mkdir /data/p && head -c 4096 /dev/zero > /data/p/f && chown -R 1234:1234 /data/p && chmod 700 /data/p'
  ! ls "$CTOOL_TEST_ROOT/volumes/owned/_data/p" > /dev/null 2>&1 || skip "the test user can read the directory anyway"
  run -0 --separate-stderr ctool system df --format json
  [ "$(jq '.[2].RawSize' <<< "$output")" = 4096 ]
  [ -z "$stderr" ]
}

# ---- system prune ----

@test "system prune asks first: no answer removes nothing (125), 'n' nothing (0)" {
  ctool create --name stopped "$IMAGE" true > /dev/null
  run -125 --separate-stderr ctool system prune < /dev/null
  [[ "$stderr" == "WARNING! This command removes:"*"all stopped containers"*"all dangling images"*"Are you sure you want to continue? [y/N] "*"ctool: no answer on stdin: pass --force (-f) to go ahead without the question" ]] ||
    fail "stderr: $stderr"
  [ -z "$output" ]
  run -0 --separate-stderr ctool system prune <<< n
  [ -z "$output" ]
  run -0 ctool inspect stopped
}

@test "system prune -f removes stopped containers and nameless images; running ones and what they use stay" {
  ctool run -d --name running -v inuse:/d "$IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' > /dev/null
  local stopped
  ctool run --name stopped -v orphan:/d "$IMAGE" sh -c 'head -c 10000 /dev/zero > /f'
  stopped=$(ctool inspect stopped | jq -r '.[0].Id')
  # A nameless image: its name moves to another one.
  ctool pull -q "$IMAGE_LAYERS" > /dev/null
  local busybox_id
  busybox_id=$(ctool image inspect "$IMAGE" | jq -r '.[0].Id')
  ctool rm -f running > /dev/null
  ctool tag "$IMAGE_LAYERS" "$IMAGE"
  [ "$(ctool image inspect "$busybox_id" | jq -r '.[0].RepoTags | length')" = 0 ]

  run -0 --separate-stderr ctool system prune -f
  assert_line "Deleted Containers"
  assert_line "$stopped"
  refute_line "Deleted Volumes"
  assert_line "Deleted Images"
  assert_line "$busybox_id"
  # At least the stopped container's 10kB.
  assert_line --regexp '^Total reclaimed space: [0-9.]+[kMG]B$'
  [[ "$output" != *"Total reclaimed space: "*[0-9]"kB"* ]] || [ "$(sed -n 's/^Total reclaimed space: \([0-9.]*\)kB$/\1/p' <<< "$output" | cut -d. -f1)" -ge 10 ]
  run -125 ctool inspect stopped
  run -125 ctool image inspect "$busybox_id"
  # Named images and volumes stay without -a and --volumes.
  run -0 ctool image inspect "$IMAGE_LAYERS"
  run -0 ctool volume ls -q
  assert_output "$(printf 'inuse\norphan')"
}

@test "system prune -a --volumes removes every unused image and volume; a running container keeps its own" {
  ctool run -d --name keep -v kept:/d "$IMAGE" sh -c 'trap "exit 0" TERM; while :; do sleep 0.1; done' > /dev/null
  ctool volume create loose > /dev/null
  ctool pull -q "$IMAGE_LAYERS" > /dev/null
  local layers_id
  layers_id=$(ctool image inspect "$IMAGE_LAYERS" | jq -r '.[0].Id')
  run -0 --separate-stderr ctool system prune -a -f --volumes
  assert_line "Deleted Volumes"
  assert_line loose
  refute_line kept
  assert_line "$layers_id"
  run -0 ctool image inspect "$IMAGE"
  run -0 ctool volume ls -q
  assert_output kept
  [ "$(ctool inspect keep | jq -r '.[0].State.Status')" = running ]
  # The layers only the removed image had are gone from the store.
  run -0 ctool system df --format json
  [ "$(jq '.[0].Total' <<< "$output")" = 1 ]
  ctool stop -t 5 keep > /dev/null
}

# ---- system reset ----

@test "system reset -f stops containers and removes the store and runtime directory, subordinate files included" {
  ctool run -d --name live -v data:/d "$IMAGE" sh -c \
    'mkdir /d/p && chown 1234 /d/p && chmod 700 /d/p; trap "exit 0" TERM; while :; do sleep 0.1; done' > /dev/null
  wait_until 10 test -d "$CTOOL_TEST_ROOT/volumes/data/_data/p"
  local pid
  pid=$(ctool inspect live | jq -r '.[0].State.Pid')
  [ -d "$CTOOL_TEST_ROOT/layers" ]
  run -0 --separate-stderr ctool system reset -f
  [ -z "$output" ]
  [ ! -e "$CTOOL_TEST_ROOT" ]
  [ ! -e "$CTOOL_TEST_RUNROOT" ]
  ! kill -0 "$pid" 2> /dev/null
  # ctool works on the empty store afterwards.
  run -0 ctool ps -a -q
  assert_output ""
}

@test "system reset asks first; no answer or 'n' keeps everything" {
  run -125 --separate-stderr ctool system reset < /dev/null
  [[ "$stderr" == *"WARNING! This will remove:"*"the graphRoot directory: \"$CTOOL_TEST_ROOT\""*"the runRoot directory: \"$CTOOL_TEST_RUNROOT\""* ]]
  [ -d "$CTOOL_TEST_ROOT/layers" ]
  run -0 --separate-stderr ctool system reset <<< n
  [ -d "$CTOOL_TEST_ROOT/layers" ]
  run -0 --separate-stderr ctool system reset <<< y
  [ ! -e "$CTOOL_TEST_ROOT" ]
}

@test "system reset refuses a --root that holds the home directory" {
  local top=$BATS_TEST_TMPDIR/top
  mkdir -p "$top/home/me"
  run -125 --separate-stderr env HOME="$top/home/me" "$CTOOL" --root "$top" --runroot "$CTOOL_TEST_RUNROOT" system reset -f
  [ "$stderr" = "ctool: refusing to reset: the graphRoot $top holds your home directory; give a dedicated directory with --root" ]
  [ -d "$top/home/me" ]
  run -125 --separate-stderr "$CTOOL" --root / --runroot "$CTOOL_TEST_RUNROOT" system reset -f
  [ "$stderr" = "ctool: refusing to reset: the graphRoot / holds your home directory; give a dedicated directory with --root" ]
}
