# Common setup for every bats file:   load helpers
#
# Every test runs with its own empty store: `ctool ARGS` runs $CTOOL with
# --root and --runroot pointing at directories of this test, removed in
# teardown. A file that needs its own setup/teardown defines them and calls
# basic_setup / basic_teardown from them.
#
# What a test gets (all exported):
#   CTOOL                       the binary under test (from the environment)
#   CTOOL_TEST_ROOT, CTOOL_TEST_RUNROOT   this test's store and runtime dirs
#   CTOOL_TEST_REGISTRY         127.0.0.1:5000, plain HTTP, anonymous
#   CTOOL_TEST_REGISTRY_AUTH    127.0.0.1:5001, HTTP, Basic auth
#   CTOOL_TEST_REGISTRY_TOKEN   127.0.0.1:5002, HTTP, Bearer tokens (realm on :5003);
#                               anonymous pulls only for public/*
#   CTOOL_TEST_REGISTRY_TLS     127.0.0.1:5443, HTTPS, certificate from the test CA
#   CTOOL_TEST_REGISTRY_USER / CTOOL_TEST_REGISTRY_PASSWORD  for _AUTH and _TOKEN
#   CTOOL_TEST_CA               the test CA certificate (PEM)
#   CTOOL_CERTS_D               a certs.d tree (HOST:PORT/ca.crt) that trusts _TLS;
#                               ctool reads it instead of the usual places
#   CTOOL_REGISTRIES_CONF       this test's registries.conf: search registry
#                               127.0.0.1:5000, the HTTP registries insecure
#   REGISTRY_AUTH_FILE          this test's auth.json (absent at start)
#   XDG_CONFIG_HOME             an empty directory of this test
#   CTOOL_TEST_ARCHIVES         busybox-oci.tar (oci-archive) and busybox-docker.tar
#   IMAGE                       $CTOOL_TEST_REGISTRY/ctool-test/busybox:latest
#   IMAGE_DOCKER, IMAGE_LAYERS, IMAGE_OWNERS, IMAGE_MULTIARCH, IMAGE_ZSTD,
#   IMAGE_UNCOMPRESSED, IMAGE_EXPOSED, IMAGE_BIG  the other fixtures (tests/fixtures/build-images.sh)
#
# Helpers: skip_unless, skip_unless_verb, wait_until, remove_tree, free_port,
# start_private_registry / stop_private_registry / private_registry_blob (a
# registry of the test's own, to stop mid-pull or to corrupt), and
# start_registry_proxy / stop_registry_proxy (slow, corrupting, truncating or
# failing blob downloads in front of a registry).
#
# Checks after every test (the test fails when one finds something):
#   - no process of the test user that the test started is still running
#     (after `ctool rm --all --force` when that verb exists, and `ctool
#     system migrate`, which ends the pause process); processes of
#     other bats runs of the same user are told apart by their environment,
#     others' manual runs cannot be: CTOOL_TEST_CHECK_LEFTOVERS=0 turns the
#     check off on a shared development machine (never in CI);
#   - no AddressSanitizer/UBSan report was written by any ctool process.

bats_require_minimum_version 1.5.0

load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load
load /usr/lib/bats/bats-file/load

CTOOL_TEST_TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
. "$CTOOL_TEST_TOP/tests/setup/registry.conf"
. "$CTOOL_TEST_TOP/tests/setup/registry-config.sh"

export CTOOL_TEST_REGISTRY=127.0.0.1:$CTOOL_TEST_REGISTRY_PORT
export CTOOL_TEST_REGISTRY_AUTH=127.0.0.1:$CTOOL_TEST_REGISTRY_AUTH_PORT
export CTOOL_TEST_REGISTRY_TOKEN=127.0.0.1:$CTOOL_TEST_REGISTRY_TOKEN_PORT
export CTOOL_TEST_TOKEN_SERVER=127.0.0.1:$CTOOL_TEST_TOKEN_SERVER_PORT
export CTOOL_TEST_REGISTRY_TLS=127.0.0.1:$CTOOL_TEST_REGISTRY_TLS_PORT
export CTOOL_TEST_REGISTRY_USER CTOOL_TEST_REGISTRY_PASSWORD
export CTOOL_TEST_CA=$CTOOL_TEST_REGISTRY_DIR/shared/ca.crt
export CTOOL_CERTS_D=$CTOOL_TEST_REGISTRY_DIR/shared/certs.d
export CTOOL_TEST_ARCHIVES=$CTOOL_TEST_REGISTRY_DIR/shared/archives

export IMAGE=$CTOOL_TEST_REGISTRY/ctool-test/busybox:latest
export IMAGE_DOCKER=$CTOOL_TEST_REGISTRY/ctool-test/busybox-docker:latest
export IMAGE_LAYERS=$CTOOL_TEST_REGISTRY/ctool-test/layers:latest
export IMAGE_OWNERS=$CTOOL_TEST_REGISTRY/ctool-test/owners:latest
export IMAGE_MULTIARCH=$CTOOL_TEST_REGISTRY/ctool-test/multiarch:latest
export IMAGE_ZSTD=$CTOOL_TEST_REGISTRY/ctool-test/zstd:latest
export IMAGE_UNCOMPRESSED=$CTOOL_TEST_REGISTRY/ctool-test/uncompressed:latest
export IMAGE_EXPOSED=$CTOOL_TEST_REGISTRY/ctool-test/exposed:latest
export IMAGE_BIG=$CTOOL_TEST_REGISTRY/ctool-test/big:latest

# ctool with this test's store. Use with bats' run:  run -0 ctool images
ctool() {
  "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" "$@"
}

# Skip the test unless COMMAND succeeds:  skip_unless "needs /dev/fuse" test -w /dev/fuse
skip_unless() {
  local reason=$1; shift
  "$@" >/dev/null 2>&1 || skip "$reason"
}

# Skip the test unless this ctool has VERB (for tests written ahead of a verb).
skip_unless_verb() {
  "$CTOOL" "$@" --help >/dev/null 2>&1 || skip "ctool has no '$*' yet"
}

# Retry COMMAND until it succeeds or SECONDS pass: wait_until 5 test -e FILE
wait_until() {
  local limit=$1 start=$SECONDS; shift
  until "$@"; do
    (( SECONDS - start < limit )) || return 1
    sleep 0.1
  done
}

# Remove DIR even when it holds files owned by subordinate IDs (extracted
# layers, container upper dirs), from a user namespace mapping them.
remove_tree() {
  local dir=$1 start count
  [ -e "$dir" ] || return 0
  rm -rf "$dir" 2>/dev/null && return 0
  start=$(awk -F: -v u="$(id -un)" '$1 == u { print $2; exit }' /etc/subuid)
  count=$(awk -F: -v u="$(id -un)" '$1 == u { print $3; exit }' /etc/subuid)
  if [ -n "$start" ]; then
    local gstart gcount
    gstart=$(awk -F: -v u="$(id -un)" '$1 == u { print $2; exit }' /etc/subgid)
    gcount=$(awk -F: -v u="$(id -un)" '$1 == u { print $3; exit }' /etc/subgid)
    unshare --map-root-user --map-users="$start,1,$count" --map-groups="$gstart,1,$gcount" \
      rm -rf "$dir" 2>/dev/null
  fi
  [ ! -e "$dir" ] || { echo "# helpers: could not remove $dir" >&2; return 1; }
}

# A free TCP port on 127.0.0.1.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# A registry of this test, run as the test user, that the test may stop,
# restart and tamper with: start_private_registry [FIXTURE...] copies the
# named fixtures (e.g. ctool-test/busybox:latest) from $CTOOL_TEST_REGISTRY
# the first time. Sets CTOOL_TEST_PRIVATE_REGISTRY (host:port, plain HTTP,
# marked insecure in registries.conf) and CTOOL_TEST_PRIVATE_REGISTRY_DATA
# (its storage; see private_registry_blob). Calling it again after
# stop_private_registry restarts it on the same port with the same data.
# Teardown stops it.
start_private_registry() {
  local dir=$BATS_TEST_TMPDIR/private-registry fixture
  mkdir -p "$dir/data"
  if [ -z "${CTOOL_TEST_PRIVATE_REGISTRY:-}" ]; then
    export CTOOL_TEST_PRIVATE_REGISTRY=127.0.0.1:$(free_port)
    export CTOOL_TEST_PRIVATE_REGISTRY_DATA=$dir/data
    printf '\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$CTOOL_TEST_PRIVATE_REGISTRY" >> "$CTOOL_REGISTRIES_CONF"
  fi
  registry_config "$dir/data" "$CTOOL_TEST_PRIVATE_REGISTRY" private > "$dir/config.yml"
  # (REGISTRY_* variables override the registry's configuration: drop ours.)
  setsid env -u REGISTRY_AUTH_FILE /usr/bin/docker-registry serve "$dir/config.yml" < /dev/null >> "$dir/log" 2>&1 &
  echo $! > "$dir/pid"
  wait_until 10 curl -sf -o /dev/null "http://$CTOOL_TEST_PRIVATE_REGISTRY/v2/" ||
    fail "the private registry did not start: $(tail -n 5 "$dir/log")"
  for fixture in "$@"; do
    skopeo copy -q --src-tls-verify=false --dest-tls-verify=false \
      "docker://$CTOOL_TEST_REGISTRY/$fixture" "docker://$CTOOL_TEST_PRIVATE_REGISTRY/$fixture" ||
      fail "could not copy $fixture into the private registry"
  done
}

stop_private_registry() {
  local pidfile=$BATS_TEST_TMPDIR/private-registry/pid pid
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill "$pid" 2>/dev/null; then
    wait_until 5 eval "! kill -0 $pid 2>/dev/null" || kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

# The file that holds blob DIGEST (sha256:HEX) in the private registry
# (the registry serves it as it is: overwrite it to serve a corrupt blob).
private_registry_blob() {
  local hex=${1#sha256:}
  echo "$CTOOL_TEST_PRIVATE_REGISTRY_DATA/docker/registry/v2/blobs/sha256/${hex:0:2}/$hex/data"
}

# A fault-injecting proxy in front of a plain HTTP registry (default
# $CTOOL_TEST_REGISTRY): start_registry_proxy [--upstream H:P] [--rate B/S]
# [--corrupt] [--truncate BYTES] [--fail-status CODE [--fail-count N]]
# (see tests/setup/registry-proxy.py). Sets CTOOL_TEST_PROXY (host:port,
# marked insecure in registries.conf) and CTOOL_TEST_PROXY_LOG (one line per
# request: METHOD PATH STATUS). One proxy per test; teardown stops it.
start_registry_proxy() {
  local dir=$BATS_TEST_TMPDIR/proxy upstream=$CTOOL_TEST_REGISTRY args=()
  while [ $# -gt 0 ]; do
    if [ "$1" = --upstream ]; then upstream=$2; shift 2; else args+=("$1"); shift; fi
  done
  mkdir -p "$dir"
  export CTOOL_TEST_PROXY_LOG=$dir/requests
  : > "$CTOOL_TEST_PROXY_LOG"
  setsid python3 "$CTOOL_TEST_TOP/tests/setup/registry-proxy.py" --listen 0 --upstream "$upstream" \
    --count-file "$CTOOL_TEST_PROXY_LOG" "${args[@]}" < /dev/null > "$dir/port" 2> "$dir/log" &
  echo $! > "$dir/pid"
  wait_until 10 test -s "$dir/port" || fail "the registry proxy did not start: $(cat "$dir/log")"
  export CTOOL_TEST_PROXY=127.0.0.1:$(head -n1 "$dir/port")
  printf '\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$CTOOL_TEST_PROXY" >> "$CTOOL_REGISTRIES_CONF"
}

stop_registry_proxy() {
  local pidfile=$BATS_TEST_TMPDIR/proxy/pid
  [ -f "$pidfile" ] || return 0
  kill "$(cat "$pidfile")" 2>/dev/null || true
  rm -f "$pidfile"
}

# The user's processes, one "PID ARGS" per line, minus the shell SELF and
# its descendants (the listing itself, and whatever the test still waits for).
_user_processes() {
  ps -u "$(id -u)" -o pid=,ppid=,stat=,args= | awk -v self="$1" '
    $3 ~ /^Z/ { next }  # zombies run nothing; their parent reaps them
    { pid[NR] = $1; ppid[$1] = $2; line[NR] = $0 }
    END {
      for (i = 1; i <= NR; i++) {
        p = pid[i]; mine = 0
        for (n = 0; p != "" && p != 0 && n < 100; n++) { if (p == self) { mine = 1; break } p = ppid[p] }
        if (!mine && pid[i] != "") { sub(/^ *[0-9]+ +[0-9]+ +[^ ]+ +/, "", line[i]); print pid[i], line[i] }
      }
    }'
}

# True for a process that belongs to another test run of the same user on a
# shared machine: a bats process, or one whose environment names another
# test's runroot. (Processes of this test carry its CTOOL_TEST_RUNROOT, or
# nothing at all when a container's environment replaced it.)
_foreign_process() {
  local pid=$1 args=$2 marker
  case $args in *bats-exec-*|*bats-core/*|*bats-format-*|*/bin/bats\ *) return 0 ;; esac
  marker=$({ tr '\0' '\n' < "/proc/$pid/environ"; } 2>/dev/null | sed -n 's/^CTOOL_TEST_RUNROOT=//p')
  [ -n "$marker" ] && [ "$marker" != "$CTOOL_TEST_RUNROOT" ]
}

# The processes that this test started and left running, "PID ARGS" lines.
_leftover_processes() {
  local me=$1 pid args
  while read -r pid args; do
    [[ " $_CTOOL_TEST_PROCS_BEFORE " == *" $pid "* ]] && continue
    _foreign_process "$pid" "$args" && continue
    [ -e "/proc/$pid" ] || continue  # gone meanwhile
    echo "$pid $args"
  done < <(_user_processes "$me")
}

basic_setup() {
  if [ -z "${CTOOL:-}" ] || [ ! -x "$CTOOL" ]; then
    fail "CTOOL must name the ctool binary under test (got '${CTOOL:-}'): CTOOL_TEST_ENV=\"CTOOL=/path/to/ctool\" tests/setup/as-user bats FILE"
  fi
  [ "$(id -u)" != 0 ] || fail "the bats tests run as the unprivileged test user, never as root: use tests/setup/as-user"

  export CTOOL_TEST_ROOT=$BATS_TEST_TMPDIR/root
  # Short: sockets live under the runroot (sun_path holds 108 bytes).
  export CTOOL_TEST_RUNROOT=${XDG_RUNTIME_DIR:-/tmp}/ctt-$$-$BATS_SUITE_TEST_NUMBER
  export XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/config
  export REGISTRY_AUTH_FILE=$BATS_TEST_TMPDIR/auth.json
  export CTOOL_REGISTRIES_CONF=$BATS_TEST_TMPDIR/registries.conf
  mkdir -p "$XDG_CONFIG_HOME"
  cat > "$CTOOL_REGISTRIES_CONF" <<EOF
unqualified-search-registries = ["$CTOOL_TEST_REGISTRY"]

[[registry]]
location = "$CTOOL_TEST_REGISTRY"
insecure = true

[[registry]]
location = "$CTOOL_TEST_REGISTRY_AUTH"
insecure = true

[[registry]]
location = "$CTOOL_TEST_REGISTRY_TOKEN"
insecure = true
EOF

  # Sanitizer reports go to files, so that reports from background
  # processes (monitors) are seen too; teardown fails the test on any.
  export CTOOL_TEST_SANITIZER_DIR=$BATS_TEST_TMPDIR/sanitizer
  mkdir -p "$CTOOL_TEST_SANITIZER_DIR"
  export ASAN_OPTIONS="${CTOOL_TEST_ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}:log_path=$CTOOL_TEST_SANITIZER_DIR/asan"
  export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$CTOOL_TEST_SANITIZER_DIR/ubsan"

  _CTOOL_TEST_PROCS_BEFORE=$(_user_processes "$BASHPID" | awk '{ print $1 }' | tr '\n' ' ')
}

basic_teardown() {
  local problems=()

  if "$CTOOL" rm --help 2>/dev/null | grep -q -- '--all'; then
    ctool rm --all --force >/dev/null 2>&1 || true
  fi
  # The pause process that holds this runroot's user namespace (it would
  # outlive the test, as Podman's does a session).
  ctool system migrate >/dev/null 2>&1 || true

  stop_registry_proxy
  stop_private_registry

  # Processes the test left behind (give exiting ones a moment).
  local left="" i me=$BASHPID
  if [ "${CTOOL_TEST_CHECK_LEFTOVERS:-1}" = 1 ]; then
    for i in 1 2 3 4 5 6 7 8; do
      left=$(_leftover_processes "$me")
      [ -z "$left" ] && break
      sleep 0.25
    done
  fi
  # (Reported, not killed: on a shared development machine they may belong
  # to someone else's session of the same user.)
  if [ -n "$left" ]; then
    problems+=("processes left running after the test:"$'\n'"$left")
  fi

  local report
  for report in "$CTOOL_TEST_SANITIZER_DIR"/*; do
    [ -s "$report" ] || continue
    problems+=("sanitizer report $(basename "$report"):"$'\n'"$(head -c 4000 "$report")")
  done

  remove_tree "$CTOOL_TEST_ROOT" || problems+=("could not remove the test store $CTOOL_TEST_ROOT")
  remove_tree "$CTOOL_TEST_RUNROOT" || problems+=("could not remove the test runroot $CTOOL_TEST_RUNROOT")

  if [ ${#problems[@]} -gt 0 ]; then
    printf '# %s\n' "${problems[@]}" >&2
    return 1
  fi
}

setup() { basic_setup; }
teardown() { basic_teardown; }
