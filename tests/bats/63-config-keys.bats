#!/usr/bin/env bats
# The keys of ctool.conf at work, each from the user's file under this
# test's own XDG_CONFIG_HOME: the default network, the pids limit, the
# default ulimits, the log size limit, a forced overlay mode, and `ctool
# info` telling where every value came from. Parsing and checking are in
# 93-config.bats and tests/unit/test-config.c.

load helpers
load containers

setup_file() { containers_setup_file; }
setup() { containers_setup; }

user_conf() {
  mkdir -p "$XDG_CONFIG_HOME/ctool"
  cat > "$XDG_CONFIG_HOME/ctool/ctool.conf"
}

conf_file() {
  echo "$XDG_CONFIG_HOME/ctool/ctool.conf"
}

# The container's config.json, through inspect.
spec_of() {
  cat "$(inspect_field "$1" .OCIConfigPath)"
}

@test "containers.netns is the network when --network is not given; --network wins" {
  user_conf <<'EOF'
[containers]
netns = "none"
EOF
  run -0 ctool run --rm "$IMAGE" ls /sys/class/net
  assert_output lo
  run -0 ctool create --name c1 "$IMAGE" true
  [ "$(inspect_field c1 .HostConfig.NetworkMode)" = none ]
  run -0 ctool run --rm --network slirp4netns "$IMAGE" ls /sys/class/net
  assert_line lo
  assert_line tap0
  # Publishing needs a network: the message names the key and its place.
  run -125 ctool run --rm -p 8080:80 "$IMAGE" true
  assert_output "ctool: cannot publish ports with the network mode none (containers.netns in $(conf_file):2): use --network slirp4netns or pasta"
  # Options as --network takes them.
  user_conf <<'EOF'
[containers]
netns = "slirp4netns:mtu=1400"
EOF
  run -0 ctool run --rm "$IMAGE" cat /sys/class/net/tap0/mtu
  assert_output 1400
}

@test "containers.pids_limit goes into the spec and inspect; --pids-limit wins; 0 and -1 mean no limit" {
  user_conf <<'EOF'
[containers]
pids_limit = 123
EOF
  run -0 ctool create --name p1 "$IMAGE" true
  [ "$(spec_of p1 | jq -r .linux.resources.pids.limit)" = 123 ]
  [ "$(inspect_field p1 .HostConfig.PidsLimit)" = 123 ]
  run -0 ctool create --name p2 --pids-limit 50 "$IMAGE" true
  [ "$(spec_of p2 | jq -r .linux.resources.pids.limit)" = 50 ]
  # A limit from the configuration that this host cannot enforce is not
  # warned about (the pids controller may not be delegated here).
  run -0 --separate-stderr ctool run --rm "$IMAGE" echo ran
  assert_output ran
  [ -z "$stderr" ] || fail "stderr: $stderr"
  for unlimited in 0 -1; do
    user_conf <<EOF
[containers]
pids_limit = $unlimited
EOF
    run -0 ctool create --name "u$unlimited" "$IMAGE" true
    [ "$(spec_of "u$unlimited" | jq -r .linux.resources.pids.limit)" = 0 ]
    [ "$(inspect_field "u$unlimited" .HostConfig.PidsLimit)" = 0 ]
  done
  # Without a cgroup there is nothing to limit, and nothing recorded.
  run -0 ctool create --name nocg --cgroups disabled "$IMAGE" true
  [ "$(spec_of nocg | jq -r .linux.resources.pids)" = null ]
}

@test "containers.pids_limit is pids.max of the container's cgroup where the pids controller is delegated" {
  user_conf <<'EOF'
[containers]
pids_limit = 77
EOF
  id=$(ctool run -d "$IMAGE" sleep 1000)
  cg=$(inspect_field "$id" .HostConfig.CgroupPath)
  if [ -z "$cg" ] || [ ! -e "$cg/pids.max" ]; then
    ctool rm -f -t 0 "$id" >/dev/null
    skip "no cgroup v2 pids controller delegated to $(id -un) here (cgroup: ${cg:-none})"
  fi
  [ "$(cat "$cg/pids.max")" = 77 ] || fail "pids.max: $(cat "$cg/pids.max")"
  run -0 ctool rm -f -t 0 "$id"
}

@test "containers.default_ulimits are the container's limits; --ulimit replaces one of the same type" {
  user_conf <<'EOF'
[containers]
default_ulimits = ["nofile=1024:2048", "core=0:0"]
EOF
  run -0 ctool run --rm "$IMAGE" sh -c 'ulimit -n; ulimit -Hn; ulimit -c'
  assert_output "1024
2048
0"
  run -0 ctool run --rm --ulimit nofile=512:1024 "$IMAGE" sh -c 'ulimit -n; ulimit -Hn; ulimit -c'
  assert_output "512
1024
0"
  run -0 ctool create --name u --ulimit nofile=512:1024 "$IMAGE" true
  [ "$(inspect_field u '.HostConfig.Ulimits | join(" ")')" = "core=0:0 nofile=512:1024" ]
  # A hard limit above the user's own cannot be given: an error with the place.
  hard=$(ulimit -Hn)
  [ "$hard" = unlimited ] && skip "the hard limit of open files is unlimited for $(id -un) here"
  user_conf <<EOF
[containers]
default_ulimits = ["nofile=1024:$((hard + 1))"]
EOF
  run -125 ctool run --rm "$IMAGE" true
  assert_output "ctool: $(conf_file):2: containers.default_ulimits: --ulimit 'nofile=1024:$((hard + 1))': the hard limit is above yours ($hard); without privileges it cannot be raised"
}

@test "containers.log_size_max bounds the log of a chatty detached container; the newest output stays" {
  user_conf <<'EOF'
[containers]
log_size_max = "20kB"
EOF
  id=$(ctool run -d "$IMAGE" sh -c 'i=0; while [ $i -lt 3000 ]; do echo "line $i of a chatty container"; i=$((i+1)); done; echo done')
  run -0 ctool wait "$id"
  log=$(inspect_field "$id" .HostConfig.LogConfig.Path)
  [ "$(inspect_field "$id" .HostConfig.LogConfig.Size)" = 20kB ]
  size=$(stat -c %s "$log")
  [ "$size" -le 20000 ] || fail "the log is $size bytes, over 20000"
  [ "$size" -gt 0 ]
  run -0 ctool logs "$id"
  [ "${lines[-1]}" = done ] || fail "last line: ${lines[-1]}"
  [ "${lines[-2]}" = "line 2999 of a chatty container" ] || fail "line before: ${lines[-2]}"
  refute_line "line 0 of a chatty container"
  # logs -f goes on from the start of the emptied file: whole lines to the last.
  id=$(ctool run -d "$IMAGE" sh -c 'i=0; while [ $i -lt 1000 ]; do echo "slow line $i"; i=$((i+1)); sleep 0.002; done')
  run -0 timeout 60 "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" logs -f "$id"
  [ "${lines[-1]}" = "slow line 999" ] || fail "last line: ${lines[-1]}"
  [ -z "$(grep -v '^slow line [0-9]*$' <<< "$output")" ] || fail "broken lines: $(grep -v '^slow line [0-9]*$' <<< "$output" | head -3)"
  # A foreground run that is kept logs through ctool itself, under the same limit.
  run -0 ctool run --name fg "$IMAGE" sh -c 'i=0; while [ $i -lt 3000 ]; do echo "line $i of a chatty container"; i=$((i+1)); done; echo fg-done'
  [ "${lines[-1]}" = fg-done ]
  [ "${#lines[@]}" -eq 3001 ] || fail "the terminal got ${#lines[@]} lines"
  size=$(stat -c %s "$(inspect_field fg .HostConfig.LogConfig.Path)")
  [ "$size" -le 20000 ] || fail "the foreground log is $size bytes, over 20000"
  run -0 ctool logs --tail 1 fg
  assert_output fg-done
  # Without the key, nothing is cut: the same output takes far more.
  rm "$(conf_file)"
  id=$(ctool run -d "$IMAGE" sh -c 'i=0; while [ $i -lt 3000 ]; do echo "line $i of a chatty container"; i=$((i+1)); done')
  run -0 ctool wait "$id"
  [ "$(stat -c %s "$(inspect_field "$id" .HostConfig.LogConfig.Path)")" -gt 100000 ]
  [ "$(inspect_field "$id" .HostConfig.LogConfig.Size)" = 0B ]
}

@test "storage.overlay_mode = copy is used instead of probing: the container's root is no overlay" {
  user_conf <<'EOF'
[storage]
overlay_mode = "copy"
EOF
  run -0 "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" info --format json
  [ "$(jq -r .host.overlay.mode <<< "$output")" = copy ]
  [ "$(jq -r .host.overlay.source <<< "$output")" = "storage.overlay_mode in $(conf_file):2" ]
  run -0 ctool run --rm "$IMAGE" sh -c 'echo hi > /new; cat /new; awk "\$2 == \"/\" {print \$3}" /proc/mounts'
  assert_line --index 0 hi
  refute_line overlay
  refute_line --partial fuse
  # The same store without the key: native overlay where it works.
  rm "$(conf_file)"
  run -0 ctool info --format json
  if [ "$(jq -r .host.overlay.mode <<< "$output")" = native ]; then
    run -0 ctool run --rm "$IMAGE" awk '$2 == "/" {print $3}' /proc/mounts
    assert_output overlay
  fi
}

@test "storage.overlay_mode = fuse where fuse-overlayfs cannot work is an error saying why and what to do" {
  user_conf <<'EOF'
[storage]

overlay_mode = "fuse"
EOF
  # fuse-overlayfs takes no store path with ':' in it.
  store="$BATS_TEST_TMPDIR/st:ore"
  c() { "$CTOOL" --root "$store" --runroot "$CTOOL_TEST_RUNROOT" "$@"; }
  run -0 c load -q -i "$BUSYBOX_ARCHIVE"
  run -125 c run --rm "$IMAGE" true
  assert_output --partial "ctool: storage.overlay_mode = \"fuse\" ($(conf_file):3) cannot be used: fuse-overlayfs cannot use the store $store: its path holds ',' or ':'; use a --root (or storage.root) without ',' and ':', or set overlay_mode = \"auto\" there to use what works on this host"
  run -0 c ps -a -q
  assert_output ""
  run -0 c info --format json
  [ "$(jq -r '.problems[] | select(.id == "overlay") | .file' <<< "$output")" = "$(conf_file)" ]
  [ "$(jq -r '.problems[] | select(.id == "overlay") | .fix' <<< "$output")" = "sed -i 's/^ *overlay_mode *=.*/overlay_mode = \"auto\"/' $(conf_file)" ]
  run -1 c system check
  assert_output --partial 'storage.overlay_mode = "fuse"'
  # The fix that info gives works.
  sed -i 's/^ *overlay_mode *=.*/overlay_mode = "auto"/' "$(conf_file)"
  run -0 c run --rm "$IMAGE" echo works
  assert_output works
}

@test "storage.overlay_mode = fuse mounts with fuse-overlayfs where it works" {
  skip_unless "needs fuse-overlayfs" command -v fuse-overlayfs
  skip_unless "needs a usable /dev/fuse" test -w /dev/fuse
  user_conf <<'EOF'
[storage]
overlay_mode = "fuse"
EOF
  run -0 ctool run --rm "$IMAGE" awk '$2 == "/" {print $3}' /proc/mounts
  assert_output fuse.fuse-overlayfs
}

@test "info shows every effective value and where it came from, for people and in JSON" {
  user_conf <<'EOF'
# a comment first
[containers]
pids_limit = 512
log_size_max = "1MB"

[engine]
cgroup_manager = "cgroupfs"
EOF
  run -0 "$CTOOL" --runroot "$CTOOL_TEST_RUNROOT" --root "$CTOOL_TEST_ROOT" info --format json
  v() { jq -c --arg k "$1" '.config.Values[$k] | [.Value, .Origin]' <<< "$output"; }
  [ "$(v containers.pids_limit)" = "[512,\"$(conf_file):3\"]" ]
  [ "$(v containers.log_size_max)" = "[1000000,\"$(conf_file):4\"]" ]
  [ "$(v engine.cgroup_manager)" = "[\"cgroupfs\",\"$(conf_file):7\"]" ]
  [ "$(v containers.netns)" = '["private","default"]' ]
  [ "$(v containers.default_ulimits)" = '[[],"default"]' ]
  [ "$(v storage.root)" = "[\"$CTOOL_TEST_ROOT\",\"--root\"]" ]
  [ "$(v storage.runroot)" = "[\"$CTOOL_TEST_RUNROOT\",\"--runroot\"]" ]
  [ "$(v storage.overlay_mode)" = '["auto","default"]' ]
  [ "$(jq -c .config.Files <<< "$output")" = "[\"$(conf_file)\"]" ]
  # Global options and the environment on top of the file.
  CTOOL_OVERLAY_MODE=copy run -0 ctool --cgroup-manager systemd info --format json
  [ "$(v engine.cgroup_manager)" = '["systemd","--cgroup-manager"]' ]
  [ "$(v storage.overlay_mode)" = '["copy","CTOOL_OVERLAY_MODE"]' ]
  # The unset paths show what ctool uses.
  HOME=$BATS_TEST_TMPDIR/home run -0 env -u XDG_DATA_HOME "$CTOOL" --runroot "$CTOOL_TEST_RUNROOT" info --format json
  [ "$(v storage.root)" = "[\"$BATS_TEST_TMPDIR/home/.local/share/ctool/storage\",\"default\"]" ]
  # For people: the same, as the rest of info.
  run -0 ctool info
  assert_line "config:"
  assert_line "  Files:"
  assert_line "    - $(conf_file)"
  assert_line "    containers.pids_limit:"
  assert_line "      Value: 512"
  assert_line "      Origin: $(conf_file):3"
  assert_line '      Origin: "--root"'
  run -0 bash -c "\"\$CTOOL\" --root '$CTOOL_TEST_ROOT' --runroot '$CTOOL_TEST_RUNROOT' info | grep -A2 '^    engine.cgroup_manager:'"
  assert_output "    engine.cgroup_manager:
      Value: cgroupfs
      Origin: $(conf_file):7"
}
