#!/usr/bin/env bats
# ctool.conf: the user's file under XDG_CONFIG_HOME (a fresh, empty
# directory per test, from helpers), CTOOL_CONFIG, strict checking with the
# file and line in every message. The parser is unit-tested in
# tests/unit/test-config.c.

load helpers

user_conf() {
  mkdir -p "$XDG_CONFIG_HOME/ctool"
  cat > "$XDG_CONFIG_HOME/ctool/ctool.conf"
}

graph_root() {
  "$CTOOL" "$@" info --format json | jq -r .store.graphRoot
}

@test "storage.root in the user's ctool.conf is the store when --root is not given" {
  user_conf <<EOF
# my store elsewhere
[storage]
root = "$BATS_TEST_TMPDIR/conf-store"
runroot = "$CTOOL_TEST_RUNROOT"
EOF
  run -0 graph_root
  assert_output "$BATS_TEST_TMPDIR/conf-store"
  # --root still wins.
  run -0 graph_root --root "$CTOOL_TEST_ROOT"
  assert_output "$CTOOL_TEST_ROOT"
}

@test "a bad value stops every command with 125 and one line naming file, line and key" {
  user_conf <<'EOF'
[containers]

pids_limit = "lots"
EOF
  run -125 --separate-stderr ctool version
  [ -z "$output" ]
  assert_equal "$stderr" "ctool: $XDG_CONFIG_HOME/ctool/ctool.conf:3: containers.pids_limit: expected an integer, got string"
  user_conf <<'EOF'
[engine]
cgroup_manager = "openrc"
EOF
  run -125 --separate-stderr ctool ps
  assert_equal "$stderr" "ctool: $XDG_CONFIG_HOME/ctool/ctool.conf:2: engine.cgroup_manager: 'openrc' is not valid: use systemd or cgroupfs"
}

@test "a TOML syntax error names the file and line" {
  user_conf <<'EOF'
[containers]
netns = slirp4netns
EOF
  run -125 --separate-stderr ctool version
  [[ "$stderr" == "ctool: $XDG_CONFIG_HOME/ctool/ctool.conf:2: "* ]] || fail "got: $stderr"
  [ "$(wc -l <<< "$stderr")" -eq 1 ]
}

@test "unknown keys and tables are warnings with file and line; the command runs" {
  user_conf <<'EOF'
[containers]
pids_limit = 100
pid_limit = 100

[network]
default_network = "pasta"
EOF
  run -0 --separate-stderr ctool version --format '{{.Version}}'
  assert_output --regexp '^[0-9]'
  assert_equal "$stderr" "ctool: warning: $XDG_CONFIG_HOME/ctool/ctool.conf:3: unknown key 'containers.pid_limit' in ctool.conf (ignored)
ctool: warning: $XDG_CONFIG_HOME/ctool/ctool.conf:5: unknown table [network] in ctool.conf (ignored; known: [containers], [engine], [storage])"
  # --log-level error silences warnings, not errors.
  run -0 --separate-stderr ctool --log-level error version --format '{{.Version}}'
  [ -z "$stderr" ]
}

@test "CTOOL_CONFIG names the one file read, and it must exist" {
  user_conf <<'EOF'
[containers]
pids_limit = "broken on purpose"
EOF
  cat > "$BATS_TEST_TMPDIR/only.conf" <<EOF
[storage]
root = "$BATS_TEST_TMPDIR/only-store"
EOF
  CTOOL_CONFIG="$BATS_TEST_TMPDIR/only.conf" run -0 graph_root
  assert_output "$BATS_TEST_TMPDIR/only-store"
  CTOOL_CONFIG="$BATS_TEST_TMPDIR/missing.conf" run -125 --separate-stderr "$CTOOL" version
  [[ "$stderr" == "ctool: CTOOL_CONFIG: "*"$BATS_TEST_TMPDIR/missing.conf"*"No such file"* ]] || fail "got: $stderr"
}

@test "no configuration file at all is fine" {
  [ ! -e "$XDG_CONFIG_HOME/ctool" ]
  run -0 --separate-stderr ctool version
  [ -z "$stderr" ]
}
