#!/usr/bin/env bats
# ctool-image: pull, login, logout, save, load and version run in a helper
# executable so that every other command starts without libcurl and
# libarchive. A user sees the same commands, output and errors.

load helpers

# Where ctool looks: next to itself (a build tree), else PKGLIBEXECDIR
# (an install: PREFIX/libexec/ctool next to PREFIX/bin).
ctool_image() {
  local dir
  dir=$(dirname "$CTOOL")
  if [ -x "$dir/ctool-image" ]; then
    echo "$dir/ctool-image"
  else
    echo "$dir/../libexec/ctool/ctool-image"
  fi
}

@test "ctool itself links neither libcurl nor libarchive; ctool-image does" {
  run -0 ldd "$CTOOL"
  refute_output --partial libcurl
  refute_output --partial libarchive
  [ -x "$(ctool_image)" ] || skip "ctool-image is neither next to $CTOOL nor in ../libexec/ctool"
  run -0 ldd "$(ctool_image)"
  assert_output --partial libcurl
  assert_output --partial libarchive
}

@test "pull through ctool-image prints the image ID, and images lists it" {
  run -0 --separate-stderr ctool pull -q "$IMAGE"
  assert_output --regexp '^[0-9a-f]{64}$'
  local id=$output
  run -0 ctool images -q --no-trunc
  assert_output --partial "$id"
}

@test "run pulls a missing image: progress on stderr, only the container's output on stdout" {
  run -0 --separate-stderr ctool run --rm "$IMAGE" echo from-the-container
  assert_output "from-the-container"
  run -0 ctool images -q
  [ -n "$output" ]
}

@test "a pull that fails under run is reported once, with the registry's reason" {
  run -125 --separate-stderr ctool run --rm "$CTOOL_TEST_REGISTRY/ctool-test/no-such-image" true
  [ -z "$output" ]
  # "Trying to pull ..." as Podman, then the one error line.
  assert_equal "$(grep -c '^ctool:' <<< "$stderr")" 1
  assert_equal "${stderr##*$'\n'}" "ctool: repository $CTOOL_TEST_REGISTRY/ctool-test/no-such-image not found"
}

@test "version reports the libraries of ctool-image, also as a template" {
  run -0 ctool version
  assert_line --regexp '^libcurl: +[0-9]+\.[0-9]+'
  assert_line --regexp '^libarchive: +libarchive [0-9]+\.[0-9]+'
  run -0 ctool version --format '{{.Libcurl}}'
  assert_output --regexp '^[0-9]+\.[0-9]+\.[0-9]+$'
}

@test "without ctool-image, image verbs fail with one line and the rest still works" {
  local dir=$BATS_TEST_TMPDIR/alone
  mkdir -p "$dir"
  cp "$CTOOL" "$dir/ctool"
  [ ! -e "$dir/ctool-image" ]
  run "$dir/ctool" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" pull "$IMAGE"
  # An installed ctool-image (in PKGLIBEXECDIR) is a legitimate fallback.
  [ "$status" -ne 0 ] || skip "a ctool-image is installed on this host"
  assert_equal "$status" 125
  assert_output --regexp "^ctool: cannot find the helper ctool-image next to ctool or in .*: reinstall ctool"
  run -0 "$dir/ctool" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" images
}

@test "a warning about ctool.conf is printed once, also when run pulls through ctool-image" {
  mkdir -p "$XDG_CONFIG_HOME/ctool"
  printf '[containers]\npid_limit = 100\n' > "$XDG_CONFIG_HOME/ctool/ctool.conf"
  local warning="ctool: warning: $XDG_CONFIG_HOME/ctool/ctool.conf:2: unknown key 'containers.pid_limit' in ctool.conf (ignored)"
  run -0 --separate-stderr ctool pull -q "$IMAGE"
  assert_equal "$stderr" "$warning"
  run -0 --separate-stderr ctool run --rm --pull=always --network none "$IMAGE" true
  assert_equal "$(grep -c '^ctool: warning' <<< "$stderr")" 1
  assert_equal "$(grep '^ctool: ' <<< "$stderr")" "$warning"
}

@test "kill -9 of a run that is pulling also ends its ctool-image pull" {
  ctool run --rm --network none "$IMAGE_BIG" true 2>/dev/null &
  local run_pid=$!
  local pattern="--root $CTOOL_TEST_ROOT --runroot $CTOOL_TEST_RUNROOT pull"
  wait_until 20 eval 'pgrep -u "$(id -u)" -f -- "$pattern" >/dev/null' || fail "no pull started"
  kill -9 "$run_pid"
  wait "$run_pid" || true
  wait_until 5 eval '! pgrep -u "$(id -u)" -f -- "$pattern" >/dev/null' || fail "the pull outlived ctool run"
}
