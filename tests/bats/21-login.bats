#!/usr/bin/env bats
# ctool login and logout against the Basic-auth, token and TLS registries.

load helpers

# The base64 "auth" value auth.json holds for USER:PASSWORD.
auth_value() {
  printf '%s:%s' "$1" "$2" | base64 -w0
}

stored_auth() {
  jq -r --arg r "$2" '.auths[$r].auth // empty' "$1"
}

@test "login with Basic auth stores the credentials in a 0600 file; pulls use them" {
  run -0 --separate-stderr ctool login -u "$CTOOL_TEST_REGISTRY_USER" -p "$CTOOL_TEST_REGISTRY_PASSWORD" "$CTOOL_TEST_REGISTRY_AUTH"
  assert_output "Login Succeeded!"
  [ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
  [ "$(stored_auth "$REGISTRY_AUTH_FILE" "$CTOOL_TEST_REGISTRY_AUTH")" = \
    "$(auth_value "$CTOOL_TEST_REGISTRY_USER" "$CTOOL_TEST_REGISTRY_PASSWORD")" ]
  run -0 --separate-stderr ctool pull -q "$CTOOL_TEST_REGISTRY_AUTH/ctool-test/busybox:latest"
  assert_output --regexp '^[0-9a-f]{64}$'
}

@test "login with a wrong password fails and stores nothing" {
  run -125 --separate-stderr ctool login -u "$CTOOL_TEST_REGISTRY_USER" -p wrong "$CTOOL_TEST_REGISTRY_AUTH"
  assert_equal "$stderr" "ctool: logging in to $CTOOL_TEST_REGISTRY_AUTH: invalid username or password"
  [ -z "$output" ]
  [ ! -e "$REGISTRY_AUTH_FILE" ]
  # Token registry: the token service refuses the credentials.
  run -125 --separate-stderr ctool login -u "$CTOOL_TEST_REGISTRY_USER" -p wrong "$CTOOL_TEST_REGISTRY_TOKEN"
  assert_equal "$stderr" "ctool: logging in to $CTOOL_TEST_REGISTRY_TOKEN: invalid username or password"
  [ ! -e "$REGISTRY_AUTH_FILE" ]
}

@test "login --password-stdin to the token registry, then pull a private image" {
  run -0 --separate-stderr ctool login -u "$CTOOL_TEST_REGISTRY_USER" --password-stdin "$CTOOL_TEST_REGISTRY_TOKEN" \
    <<< "$CTOOL_TEST_REGISTRY_PASSWORD"
  assert_output "Login Succeeded!"
  [ "$(stored_auth "$REGISTRY_AUTH_FILE" "$CTOOL_TEST_REGISTRY_TOKEN")" = \
    "$(auth_value "$CTOOL_TEST_REGISTRY_USER" "$CTOOL_TEST_REGISTRY_PASSWORD")" ]
  run -0 --separate-stderr ctool pull -q "$CTOOL_TEST_REGISTRY_TOKEN/ctool-test/busybox:latest"
  assert_output --regexp '^[0-9a-f]{64}$'
  # Stored credentials that still work are kept without asking.
  run -0 --separate-stderr ctool login "$CTOOL_TEST_REGISTRY_TOKEN" < /dev/null
  assert_output "Existing credentials are valid. Already logged in to $CTOOL_TEST_REGISTRY_TOKEN"
}

@test "login over TLS needs the CA" {
  run -0 --separate-stderr ctool login -u "$CTOOL_TEST_REGISTRY_USER" -p "$CTOOL_TEST_REGISTRY_PASSWORD" "$CTOOL_TEST_REGISTRY_TLS"
  assert_output "Login Succeeded!"
  rm -f "$REGISTRY_AUTH_FILE"
  CTOOL_CERTS_D=$BATS_TEST_TMPDIR/none run -125 --separate-stderr \
    ctool login -u "$CTOOL_TEST_REGISTRY_USER" -p "$CTOOL_TEST_REGISTRY_PASSWORD" "$CTOOL_TEST_REGISTRY_TLS"
  [[ "$stderr" == *"certificate signed by unknown authority"* ]]
  [ ! -e "$REGISTRY_AUTH_FILE" ]
}

@test "login without a terminal and without a password says how to give one" {
  run -125 --separate-stderr ctool login -u "$CTOOL_TEST_REGISTRY_USER" "$CTOOL_TEST_REGISTRY_AUTH" < /dev/null
  assert_equal "$stderr" "ctool: cannot ask for the password: stdin is not a terminal (use -p PASSWORD or --password-stdin)"
  run -125 --separate-stderr ctool login "$CTOOL_TEST_REGISTRY_AUTH" < /dev/null
  assert_equal "$stderr" "ctool: cannot ask for the username: stdin is not a terminal (use -u USERNAME)"
  run -125 --separate-stderr ctool login -p x --password-stdin -u u "$CTOOL_TEST_REGISTRY_AUTH" < /dev/null
  assert_equal "$stderr" "ctool: --password and --password-stdin cannot be used together"
  [ ! -e "$REGISTRY_AUTH_FILE" ]
}

@test "login --authfile writes that file; --get-login reads it" {
  local file=$BATS_TEST_TMPDIR/dir/my-auth.json
  mkdir -p "${file%/*}"
  run -0 --separate-stderr ctool login --authfile "$file" -u "$CTOOL_TEST_REGISTRY_USER" \
    -p "$CTOOL_TEST_REGISTRY_PASSWORD" "http://$CTOOL_TEST_REGISTRY_AUTH/"
  assert_output "Login Succeeded!"
  [ "$(stat -c %a "$file")" = 600 ]
  [ -n "$(stored_auth "$file" "$CTOOL_TEST_REGISTRY_AUTH")" ]
  [ ! -e "$REGISTRY_AUTH_FILE" ]
  run -0 --separate-stderr ctool login --authfile "$file" --get-login "$CTOOL_TEST_REGISTRY_AUTH"
  assert_output "$CTOOL_TEST_REGISTRY_USER"
  run -125 --separate-stderr ctool login --get-login "$CTOOL_TEST_REGISTRY_AUTH"
  assert_equal "$stderr" "ctool: not logged into $CTOOL_TEST_REGISTRY_AUTH"
}

@test "logout removes one registry's credentials; logging out twice is an error" {
  ctool login -u "$CTOOL_TEST_REGISTRY_USER" -p "$CTOOL_TEST_REGISTRY_PASSWORD" "$CTOOL_TEST_REGISTRY_AUTH"
  ctool login -u "$CTOOL_TEST_REGISTRY_USER" -p "$CTOOL_TEST_REGISTRY_PASSWORD" "$CTOOL_TEST_REGISTRY_TOKEN"
  run -0 --separate-stderr ctool logout "$CTOOL_TEST_REGISTRY_AUTH"
  assert_output "Removed login credentials for $CTOOL_TEST_REGISTRY_AUTH"
  [ -z "$(stored_auth "$REGISTRY_AUTH_FILE" "$CTOOL_TEST_REGISTRY_AUTH")" ]
  [ -n "$(stored_auth "$REGISTRY_AUTH_FILE" "$CTOOL_TEST_REGISTRY_TOKEN")" ]
  [ "$(stat -c %a "$REGISTRY_AUTH_FILE")" = 600 ]
  run -125 --separate-stderr ctool logout "$CTOOL_TEST_REGISTRY_AUTH"
  assert_equal "$stderr" "ctool: not logged into $CTOOL_TEST_REGISTRY_AUTH"
  # And pulls from there need credentials again.
  run -125 --separate-stderr ctool pull "$CTOOL_TEST_REGISTRY_AUTH/ctool-test/busybox:latest"
  [[ "$stderr" == *"authentication required for $CTOOL_TEST_REGISTRY_AUTH"* ]]
}

@test "logout --all removes every registry's credentials" {
  ctool login -u "$CTOOL_TEST_REGISTRY_USER" -p "$CTOOL_TEST_REGISTRY_PASSWORD" "$CTOOL_TEST_REGISTRY_AUTH"
  ctool login -u "$CTOOL_TEST_REGISTRY_USER" -p "$CTOOL_TEST_REGISTRY_PASSWORD" "$CTOOL_TEST_REGISTRY_TOKEN"
  run -0 --separate-stderr ctool logout --all
  assert_output "Removed login credentials for all registries"
  run -0 jq '.auths | length' "$REGISTRY_AUTH_FILE"
  assert_output 0
}

@test "login to a registry that is down" {
  local port
  port=$(free_port)
  run -125 --separate-stderr ctool login -u u -p p --tls-verify=false "127.0.0.1:$port"
  assert_equal "$stderr" "ctool: logging in to 127.0.0.1:$port: cannot connect to 127.0.0.1:$port: Connection refused"
  [ ! -e "$REGISTRY_AUTH_FILE" ]
}

@test "login on a terminal asks for the username and, without echo, the password" {
  skip_unless "needs script(1) from util-linux" command -v script
  local cmd="'$CTOOL' --root '$CTOOL_TEST_ROOT' --runroot '$CTOOL_TEST_RUNROOT' login $CTOOL_TEST_REGISTRY_AUTH"
  run -0 bash -c "(sleep 1; echo '$CTOOL_TEST_REGISTRY_USER'; sleep 1; echo '$CTOOL_TEST_REGISTRY_PASSWORD'; sleep 1) |
    script -qefc \"$cmd\" /dev/null"
  assert_line --partial "Username: $CTOOL_TEST_REGISTRY_USER"
  assert_line --regexp '^Password: *.?$'
  refute_output --partial "$CTOOL_TEST_REGISTRY_PASSWORD"
  assert_output --partial "Login Succeeded!"
  [ "$(stored_auth "$REGISTRY_AUTH_FILE" "$CTOOL_TEST_REGISTRY_AUTH")" = \
    "$(auth_value "$CTOOL_TEST_REGISTRY_USER" "$CTOOL_TEST_REGISTRY_PASSWORD")" ]
}
