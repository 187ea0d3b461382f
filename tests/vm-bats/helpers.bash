# Common setup of the bats files that run INSIDE the test VM (systemd as
# PID 1, cgroup v2 with every controller, the test user lingering), as the
# unprivileged test user: tests/vm/share-run.sh starts them, tests/vm/stage.sh
# boots the VM.   load helpers
#
# Every file gets its own store, loaded once with the busybox fixture
# (there is no registry in the VM); containers are removed after each test.
#
# What a test gets (all exported):
#   CTOOL                  the binary under test
#   CTOOL_TEST_ROOT, CTOOL_TEST_RUNROOT   this file's store and runtime dirs
#   IMAGE                  the busybox fixture, as `ctool load` named it
#   USER_UNIT_CGROUP       /sys/fs/cgroup/.../user@UID.service, the user's
#                          systemd instance
#
# Helpers: ctool, ctool_in_delegated_scope, skip_unless_verb,
# skip_unless_option, skip_unless_manager_option, with_manager, wait_until,
# inspect_field, container_pid, container_cgroup.
#
# Checks after every test (the test fails when one finds something): no
# process of the user is left but the user's own systemd instance and bus,
# and no AddressSanitizer/UBSan report was written.

bats_require_minimum_version 1.5.0

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

USER_UNIT_CGROUP=/sys/fs/cgroup/user.slice/user-$(id -u).slice/user@$(id -u).service
export USER_UNIT_CGROUP

# ctool with this file's store:  run -0 ctool ps
ctool() {
  "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" "$@"
}

# Skip unless ctool has VERB (tests written ahead of a verb):  skip_unless_verb pause
skip_unless_verb() {
  "$CTOOL" "$@" --help >/dev/null 2>&1 || skip "ctool has no '$*' yet"
}

# Skip unless VERB has OPTION:  skip_unless_option run --memory
skip_unless_option() {
  local verb=$1 option=$2
  "$CTOOL" "$verb" --help 2>/dev/null | grep -q -E -- "(^|[ ,])$option([ =]|\$)" || skip "ctool $verb has no $option yet"
}

# Retry COMMAND until it succeeds or SECONDS pass:  wait_until 5 test -e FILE
wait_until() {
  local limit=$1 start=$SECONDS; shift
  until "$@"; do
    (( SECONDS - start < limit )) || return 1
    sleep 0.2
  done
}

# A field of `ctool inspect` (JSON, jq path):  inspect_field NAME .State.OOMKilled
inspect_field() {
  ctool inspect --type container "$1" | jq -r ".[0]$2"
}

# The host PID of a running container's first process.
container_pid() {
  local pid
  pid=$(inspect_field "$1" .State.Pid)
  [[ $pid =~ ^[1-9][0-9]*$ ]] || { echo "container $1 has no PID (State.Pid=$pid)" >&2; return 1; }
  echo "$pid"
}

# The directory of a running container's cgroup, as the VM sees it.
container_cgroup() {
  local pid cg
  pid=$(container_pid "$1") || return 1
  cg=$(sed -n 's/^0:://p' "/proc/$pid/cgroup")
  [ -n "$cg" ] || { echo "no cgroup v2 line in /proc/$pid/cgroup" >&2; return 1; }
  echo "/sys/fs/cgroup$cg"
}

# ctool (with this file's store) in a transient scope of the user's systemd
# instance with Delegate=yes: a cgroup subtree the user owns, as a user gets
# with `systemd-run --user --scope -p Delegate=yes`, for the cgroupfs manager.
ctool_in_delegated_scope() {
  systemd-run --user --scope --quiet -p Delegate=yes -- \
    "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" "$@"
}

# Skip unless ctool lets the user choose the cgroup manager (a global option
# as in Podman, or an option of run); sets MANAGER_OPTION_AT to "global" or
# "run". Use with_manager afterwards.
skip_unless_manager_option() {
  if "$CTOOL" --help 2>/dev/null | grep -q -E -- '(^|[ ,])--cgroup-manager([ =]|$)'; then
    MANAGER_OPTION_AT=global
  elif "$CTOOL" run --help 2>/dev/null | grep -q -E -- '(^|[ ,])--cgroup-manager([ =]|$)'; then
    MANAGER_OPTION_AT=run
  else
    skip "ctool has no --cgroup-manager option yet"
  fi
}

# The arguments of `ctool run` with cgroup manager M:  with_manager M ARGS...
# prints nothing; sets MANAGER_ARGS for: ctool "${MANAGER_ARGS[@]}"
with_manager() {
  local m=$1; shift
  if [ "$MANAGER_OPTION_AT" = global ]; then
    MANAGER_ARGS=(--cgroup-manager "$m" run "$@")
  else
    MANAGER_ARGS=(run --cgroup-manager "$m" "$@")
  fi
}

# Load the fixture into this file's store, once.
vm_setup_file() {
  [ -x "${CTOOL:-}" ] || { echo "CTOOL must name the ctool binary under test" >&2; return 1; }
  [ "$(id -u)" != 0 ] || { echo "the VM tests run as the unprivileged test user, never as root" >&2; return 1; }
  export CTOOL_TEST_ROOT=$BATS_FILE_TMPDIR/root
  export CTOOL_TEST_RUNROOT=$XDG_RUNTIME_DIR/ctv-$$
  local out
  out=$(ctool load -i "$CTOOL_VM_ARCHIVE" 2>&1) || { echo "ctool load -i $CTOOL_VM_ARCHIVE failed: $out" >&2; return 1; }
  IMAGE=$(sed -n 's/^Loaded image: //p' <<< "$out" | head -n 1)
  [ -n "$IMAGE" ] || { echo "ctool load named no image: $out" >&2; return 1; }
  export IMAGE
}

vm_teardown_file() {
  ctool rm --all --force --time 0 >/dev/null 2>&1 || true
  ctool system migrate >/dev/null 2>&1 || true
  _remove_tree "$CTOOL_TEST_ROOT"
  _remove_tree "$CTOOL_TEST_RUNROOT"
}

# Remove DIR even when it holds files owned by subordinate IDs.
_remove_tree() {
  local dir=$1
  [ -e "$dir" ] || return 0
  rm -rf "$dir" 2>/dev/null && return 0
  local u start count gstart gcount
  u=$(id -un)
  start=$(awk -F: -v u="$u" '$1 == u { print $2; exit }' /etc/subuid)
  count=$(awk -F: -v u="$u" '$1 == u { print $3; exit }' /etc/subuid)
  gstart=$(awk -F: -v u="$u" '$1 == u { print $2; exit }' /etc/subgid)
  gcount=$(awk -F: -v u="$u" '$1 == u { print $3; exit }' /etc/subgid)
  unshare --map-root-user --map-users="$start,1,$count" --map-groups="$gstart,1,$gcount" rm -rf "$dir" 2>/dev/null || true
}

# The user's processes ("PID CGROUP ARGS") that the test left: neither there
# before it (this bats run, the user's systemd instance), nor descendants of
# SELF (the listing itself), nor the user's systemd instance and bus, which
# start on demand. No forks per process: this runs after every test, and
# every fork costs under emulation.
_stray_processes() {
  local self=$1 pid ppid stat args p cg n
  local -A parent=() before=()
  for pid in $_VM_PROCS_BEFORE; do before[$pid]=1; done
  local listing
  listing=$(ps -u "$(id -u)" -o pid=,ppid=,stat=,args=)
  while read -r pid ppid stat args; do parent[$pid]=$ppid; done <<< "$listing"
  while read -r pid ppid stat args; do
    [[ $stat == Z* ]] && continue
    [ -n "${before[$pid]:-}" ] && continue
    p=$pid
    for ((n = 0; n < 100 && p > 1; n++)); do
      [ "$p" = "$self" ] && break
      p=${parent[$p]:-0}
    done
    [ "$p" = "$self" ] && continue
    cg=""
    read -r cg < "/proc/$pid/cgroup" 2>/dev/null || continue  # gone meanwhile
    cg=${cg#0::}
    case $cg in */user@*.service/init.scope|*/dbus.service) continue ;; esac
    echo "$pid $cg $args"
  done <<< "$listing"
}

vm_setup() {
  export CTOOL_TEST_SANITIZER_DIR=$BATS_TEST_TMPDIR/sanitizer
  mkdir -p "$CTOOL_TEST_SANITIZER_DIR"
  export ASAN_OPTIONS="${CTOOL_TEST_ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}:log_path=$CTOOL_TEST_SANITIZER_DIR/asan"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$CTOOL_TEST_SANITIZER_DIR/ubsan"
  _VM_PROCS_BEFORE=$(ps -u "$(id -u)" -o pid= | tr '\n' ' ')
}

vm_teardown() {
  local problems=() left="" report i me=$BASHPID
  ctool rm --all --force --time 0 >/dev/null 2>&1 || problems+=("ctool rm --all --force failed")
  # The pause process that holds the user namespace (pause.h).
  ctool system migrate >/dev/null 2>&1 || problems+=("ctool system migrate failed")
  for ((i = 0; i < 10; i++)); do
    left=$(_stray_processes "$me")
    [ -z "$left" ] && break
    sleep 0.5
  done
  [ -z "$left" ] || problems+=("processes left running after the test:"$'\n'"$left")
  for report in "$CTOOL_TEST_SANITIZER_DIR"/*; do
    [ -s "$report" ] || continue
    problems+=("sanitizer report $(basename "$report"):"$'\n'"$(head -c 4000 "$report")")
  done
  if [ ${#problems[@]} -gt 0 ]; then
    printf '# %s\n' "${problems[@]}" >&2
    return 1
  fi
}

setup_file() { vm_setup_file; }
teardown_file() { vm_teardown_file; }
setup() { vm_setup; }
teardown() { vm_teardown; }
