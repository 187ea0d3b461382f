#!/usr/bin/env bats
# ctool volume: named volumes under the store, as Podman's verbs show them,
# shared with `run -v NAME:/path`, and removed with the files containers
# wrote into them (subordinate owners included).

load helpers
load containers

setup_file() { containers_setup_file; }
setup() { containers_setup; }

# The volume directories in the store (not the lock or the tmp dir).
stored_volumes() {
  local d
  for d in "$CTOOL_TEST_ROOT"/volumes/*; do
    [ -d "$d" ] && basename "$d"
  done
  return 0
}

@test "volume create prints the name; inspect shows Podman's fields" {
  run -0 --separate-stderr ctool volume create --label app=web --label bare data
  assert_output data
  [ -z "$stderr" ]
  local before now
  run -0 ctool volume inspect data
  jq -e . <<< "$output" > /dev/null
  [ "$(jq -r '.[0].Name' <<< "$output")" = data ]
  [ "$(jq -r '.[0].Driver' <<< "$output")" = local ]
  [ "$(jq -r '.[0].Scope' <<< "$output")" = local ]
  [ "$(jq -r '.[0].Mountpoint' <<< "$output")" = "$CTOOL_TEST_ROOT/volumes/data/_data" ]
  [ "$(jq -c '.[0].Labels' <<< "$output")" = '{"app":"web","bare":""}' ]
  [ "$(jq -c '.[0].Options' <<< "$output")" = '{}' ]
  [ "$(jq -r '.[0] | has("Anonymous")' <<< "$output")" = false ]
  # CreatedAt is RFC 3339 with nanoseconds (trailing zeros dropped, as Go's RFC3339Nano), and now.
  now=$(date +%s)
  before=$(date -d "$(jq -r '.[0].CreatedAt' <<< "$output")" +%s)
  (( now - before < 60 )) || fail "CreatedAt $(jq -r '.[0].CreatedAt' <<< "$output") is not now"
  [[ "$(jq -r '.[0].CreatedAt' <<< "$output")" =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$ ]]
  # The layout: a private directory, the data dir as a container root's.
  [ "$(stat -c %a "$CTOOL_TEST_ROOT/volumes/data")" = 700 ]
  [ "$(stat -c %a "$CTOOL_TEST_ROOT/volumes/data/_data")" = 755 ]
  [ "$(stored_volumes)" = data ]
}

@test "volume create: a random name without one; an existing name is an error unless --ignore; bad names" {
  run -0 ctool volume create
  [[ "$output" =~ ^[0-9a-f]{64}$ ]] || fail "name: $output"
  run -0 ctool volume create same
  run -125 --separate-stderr ctool volume create --label x=1 same
  [ "$stderr" = "ctool: volume with name same already exists: volume already exists" ]
  # The first one is untouched (no label came from the second).
  [ "$(ctool volume inspect same | jq -c '.[0].Labels')" = '{}' ]
  run -0 ctool volume create --ignore same
  assert_output same
  for bad in -dash .dot 'a/b' 'sp ace' ''; do
    run -125 --separate-stderr ctool volume create -- "$bad"
    [[ "$stderr" == "ctool: invalid volume name \"$bad\": use [a-zA-Z0-9][a-zA-Z0-9_.-]*" ]] || fail "$bad: $stderr"
  done
  run -125 --separate-stderr ctool volume create --label =v nolabel
  [ "$stderr" = "ctool: invalid label '=v': use KEY=VALUE" ]
  # Nothing half-made is left.
  [ "$(stored_volumes | sort | tr '\n' ' ')" = "$(ctool volume ls -q | sort | tr '\n' ' ')" ]
  [ -z "$(ls -A "$CTOOL_TEST_ROOT/volumes/.tmp")" ]
}

@test "volume ls: Podman's table, -q and --format json, sorted by name" {
  run -0 ctool volume ls
  assert_output "DRIVER      VOLUME NAME"
  ctool volume create zeta > /dev/null
  ctool volume create alpha > /dev/null
  run -0 ctool volume ls
  assert_output "$(printf 'DRIVER      VOLUME NAME\nlocal       alpha\nlocal       zeta')"
  run -0 ctool volume ls -q
  assert_output "$(printf 'alpha\nzeta')"
  run -0 ctool volume ls --format json
  [ "$(jq -r '[.[].Name] | join(",")' <<< "$output")" = alpha,zeta ]
  [ "$(jq -r '.[1].Mountpoint' <<< "$output")" = "$CTOOL_TEST_ROOT/volumes/zeta/_data" ]
  run -0 ctool volume list -q
  assert_output "$(printf 'alpha\nzeta')"
  # Go templates, with and without a table.
  run -0 ctool volume ls --format '{{.Name}}={{.Driver}}'
  assert_output "$(printf 'alpha=local\nzeta=local')"
  run -0 ctool volume ls --format 'table {{.Name}}\t{{.Mountpoint}}'
  assert_line --index 0 --regexp '^VOLUME NAME +MOUNTPOINT$'
  assert_line --index 1 --regexp "^alpha +$CTOOL_TEST_ROOT/volumes/alpha/_data$"
  run -125 --separate-stderr ctool volume ls --format '{{.Size}}'
  [[ "$stderr" == "ctool: "*"can't evaluate field Size"* ]]
  [ -z "$output" ]
}

@test "volume inspect: several names, --all, and a missing one is an error after the others" {
  ctool volume create one > /dev/null
  ctool volume create two > /dev/null
  run -125 --separate-stderr ctool volume inspect one nosuch two
  [ "$(jq -r '[.[].Name] | join(",")' <<< "$output")" = one,two ]
  [ "$stderr" = 'ctool: no volume with name "nosuch" found: no such volume' ]
  run -0 ctool volume inspect --all
  [ "$(jq length <<< "$output")" = 2 ]
  run -0 ctool volume inspect --format '{{.Name}} {{.Mountpoint}}' two
  assert_output "two $CTOOL_TEST_ROOT/volumes/two/_data"
  run -125 ctool volume inspect
  run -0 ctool volume exists one
  run -1 ctool volume exists nosuch
}

@test "volume rm: removes; 1 for a missing volume, the others are still removed" {
  ctool volume create a > /dev/null
  ctool volume create b > /dev/null
  run -1 --separate-stderr ctool volume rm a nosuch b
  assert_output "$(printf 'a\nb')"
  [ "$stderr" = 'ctool: no volume with name "nosuch" found: no such volume' ]
  [ -z "$(stored_volumes)" ]
  ctool volume create c > /dev/null
  run -0 ctool volume rm --all
  assert_output c
  [ -z "$(stored_volumes)" ]
}

@test "run -v NAME:/path makes the volume on demand; it is shared, in use, and kept by container rm" {
  run -0 ctool run --name writer -v shared:/data "$IMAGE" sh -c 'echo hello > /data/greeting'
  run -0 ctool volume inspect shared
  [ "$(jq -r '.[0].Name' <<< "$output")" = shared ]
  [ "$(jq -r '.[0] | has("Anonymous")' <<< "$output")" = false ]
  [ "$(cat "$CTOOL_TEST_ROOT/volumes/shared/_data/greeting")" = hello ]
  run -0 ctool run --rm -v shared:/in:ro "$IMAGE" cat /in/greeting
  assert_output hello

  # In use by the (exited) container: exit 2, as Podman, and nothing goes.
  run -2 --separate-stderr ctool volume rm shared
  [[ "$stderr" == "ctool: volume shared is being used by the following container(s): "*": volume is being used"* ]]
  [ -d "$CTOOL_TEST_ROOT/volumes/shared/_data" ]
  ctool rm writer > /dev/null
  run -0 ctool volume ls -q
  assert_output shared
  run -0 ctool volume rm shared
  [ -z "$(stored_volumes)" ]
}

@test "volume rm -f removes the containers that use it, stopping a running one" {
  ctool run -d --init --name sleeper -v busy:/data "$IMAGE" sleep 600 > /dev/null
  run -0 --separate-stderr ctool volume rm -f busy
  assert_output busy
  run -125 ctool inspect sleeper
  [ -z "$(stored_volumes)" ]
  assert_nothing_left
}

@test "files of subordinate owners in a volume are removed with it" {
  ctool run --rm -v owned:/data "$IMAGE" sh -c \
    'mkdir /data/private && echo x > /data/private/f && chown -R 1234:1234 /data/private && chmod 700 /data/private'
  [ "$(stat -c %u "$CTOOL_TEST_ROOT/volumes/owned/_data/private")" != "$(id -u)" ]
  run -0 ctool volume rm owned
  [ ! -e "$CTOOL_TEST_ROOT/volumes/owned" ]
  [ -z "$(ls -A "$CTOOL_TEST_ROOT/volumes/.tmp")" ]
}

@test "volume prune removes the unused ones after asking; -f does not ask; no answer is an error" {
  ctool volume create unused1 > /dev/null
  ctool volume create unused2 > /dev/null
  ctool create --name keeper -v kept:/k "$IMAGE" true > /dev/null
  # No answer on stdin: nothing is removed, 125.
  run -125 --separate-stderr ctool volume prune < /dev/null
  [[ "$stderr" == *"WARNING! This will remove all volumes not used by at least one container."* ]]
  [[ "$stderr" == *"unused1"*"unused2"* ]]
  [[ "$stderr" == *"ctool: no answer on stdin: pass --force (-f) to go ahead without the question" ]]
  [ "$(stored_volumes | tr '\n' ' ')" = "kept unused1 unused2 " ]
  # "n": nothing happens.
  run -0 --separate-stderr ctool volume prune <<< n
  assert_output ""
  [[ "$stderr" == *"Are you sure you want to continue? [y/N]"* ]]
  [ "$(stored_volumes | wc -l)" = 3 ]
  run -0 --separate-stderr ctool volume prune <<< y
  assert_output "$(printf 'unused1\nunused2')"
  [ "$(stored_volumes)" = kept ]
  ctool volume create unused3 > /dev/null
  run -0 ctool volume prune -f
  assert_output unused3
  [ "$(stored_volumes)" = kept ]
  # Nothing to prune: no question.
  run -0 --separate-stderr ctool volume prune < /dev/null
  assert_output ""
  [ -z "$stderr" ]
}

@test "volume prune clears what an interrupted create or remove left" {
  ctool volume create v > /dev/null
  mkdir -p "$CTOOL_TEST_ROOT/volumes/.tmp/v-removing-0123456789abcdef/_data/sub"
  run -0 ctool volume prune -f
  assert_output v
  [ -z "$(ls -A "$CTOOL_TEST_ROOT/volumes/.tmp")" ]
}
