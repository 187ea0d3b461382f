#!/usr/bin/env bash
# The local registries the tests pull from: the distribution registry of the
# `docker-registry` package, listening on 127.0.0.1 only.
#
#   registry.sh start    start every instance that is not running (idempotent)
#   registry.sh stop     stop them all
#   registry.sh status   one line per instance; exit 1 if one is down
#
# Instances (see tests/bats/helpers.bash for the variables tests use):
#   plain  127.0.0.1:5000  HTTP, anonymous
#   auth   127.0.0.1:5001  HTTP, Basic auth (htpasswd, bcrypt)
#   token  127.0.0.1:5002  HTTP, Bearer tokens from the token server on :5003
#   tls    127.0.0.1:5443  HTTPS with a certificate from the test CA
#
# State lives under $CTOOL_TEST_REGISTRY_DIR (default /var/tmp/ctool-test-registry):
# one directory per instance (config.yml, data/, pid, log), the CA and the
# credentials in shared/ (world-readable: the test user needs the CA).
# Works as any user that can write that directory; the test runner runs it
# as root.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/registry.conf"
. "$here/registry-config.sh"
state=$CTOOL_TEST_REGISTRY_DIR
shared=$state/shared
instances=(plain auth token tls)

die() { echo "registry.sh: $*" >&2; exit 1; }

port_of() {
  case $1 in
    plain) echo "$CTOOL_TEST_REGISTRY_PORT" ;;
    auth) echo "$CTOOL_TEST_REGISTRY_AUTH_PORT" ;;
    token) echo "$CTOOL_TEST_REGISTRY_TOKEN_PORT" ;;
    tls) echo "$CTOOL_TEST_REGISTRY_TLS_PORT" ;;
    tokensrv) echo "$CTOOL_TEST_TOKEN_SERVER_PORT" ;;
  esac
}

scheme_of() { [ "$1" = tls ] && echo https || echo http; }

# The HTTP status of GET /v2/ ("000" when nothing answers).
v2_status() {
  local name=$1
  curl -s -o /dev/null -w '%{http_code}' --max-time 2 \
    --cacert "$shared/ca.crt" "$(scheme_of "$name")://127.0.0.1:$(port_of "$name")/v2/" 2>/dev/null || true
}

is_running() {
  local pidfile=$state/$1/pid
  [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null
}

# The CA, the TLS server certificate (127.0.0.1 and localhost), the token
# signing key and the htpasswd file: made once, kept across restarts so that
# pushed images and trust stay valid.
make_secrets() {
  install -d -m 0755 "$shared"
  if [ ! -f "$shared/ca.crt" ]; then
    openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 3650 \
      -subj "/CN=ctool test CA" -keyout "$shared/ca.key" -out "$shared/ca.crt" 2>/dev/null
  fi
  if [ ! -f "$shared/server.crt" ]; then
    openssl req -new -nodes -newkey rsa:2048 -subj "/CN=127.0.0.1" \
      -keyout "$shared/server.key" -out "$shared/server.csr" 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > "$shared/server.ext"
    openssl x509 -req -in "$shared/server.csr" -CA "$shared/ca.crt" -CAkey "$shared/ca.key" \
      -CAcreateserial -days 3650 -sha256 -extfile "$shared/server.ext" -out "$shared/server.crt" 2>/dev/null
    rm -f "$shared/server.csr" "$shared/server.ext"
  fi
  if [ ! -f "$shared/token.crt" ]; then
    openssl req -x509 -new -nodes -newkey rsa:2048 -sha256 -days 3650 \
      -subj "/CN=ctool test token issuer" -keyout "$shared/token.key" -out "$shared/token.crt" 2>/dev/null
  fi
  if [ ! -f "$shared/htpasswd" ]; then
    htpasswd -Bbn "$CTOOL_TEST_REGISTRY_USER" "$CTOOL_TEST_REGISTRY_PASSWORD" > "$shared/htpasswd"
  fi
  # The CA as a certs.d entry, the layout skopeo's --cert-dir and
  # containers-certs.d(5) readers expect.
  install -d -m 0755 "$shared/certs.d/127.0.0.1:$CTOOL_TEST_REGISTRY_TLS_PORT"
  install -m 0644 "$shared/ca.crt" "$shared/certs.d/127.0.0.1:$CTOOL_TEST_REGISTRY_TLS_PORT/ca.crt"
  chmod 0644 "$shared/ca.crt" "$shared/token.crt"
  chmod 0600 "$shared"/*.key
}

write_config() {
  local name=$1 dir=$state/$1 port
  port=$(port_of "$name")
  {
    registry_config "$dir/data" "127.0.0.1:$port" "ctool-test-$name"
    case $name in
      tls)
        cat <<EOF
  tls:
    certificate: $shared/server.crt
    key: $shared/server.key
EOF
        ;;
      auth)
        cat <<EOF
auth:
  htpasswd:
    realm: ctool-test
    path: $shared/htpasswd
EOF
        ;;
      token)
        cat <<EOF
auth:
  token:
    realm: http://127.0.0.1:$CTOOL_TEST_TOKEN_SERVER_PORT/token
    service: $CTOOL_TEST_TOKEN_SERVICE
    issuer: $CTOOL_TEST_TOKEN_ISSUER
    rootcertbundle: $shared/token.crt
EOF
        ;;
    esac
  } > "$dir/config.yml"
}

# Run a daemon in the background, detached from this shell, and record its pid.
spawn() {
  local dir=$1; shift
  : > "$dir/log"
  # 9>&-: the daemon must not inherit the lock, or it holds it for its
  # whole life and the next "registry.sh stop" waits forever.
  setsid "$@" < /dev/null >> "$dir/log" 2>&1 9>&- &
  echo $! > "$dir/pid"
}

wait_for() {
  local name=$1 i code
  for i in $(seq 1 100); do
    code=$(v2_status "$name")
    # An answer counts only while our process lives (not another server on the port).
    if [ "$code" != 000 ] && [ -n "$code" ] && is_running "$name"; then
      sleep 0.2
      is_running "$name" && return 0
      break
    fi
    is_running "$name" || break
    sleep 0.1
  done
  echo "registry.sh: $name did not answer on 127.0.0.1:$(port_of "$name"); its log:" >&2
  tail -n 20 "$state/$name/log" >&2 || true
  return 1
}

start_token_server() {
  local dir=$state/tokensrv
  install -d -m 0755 "$dir"
  is_running tokensrv && return 0
  spawn "$dir" /usr/bin/python3 "$here/token-server.py" \
    --port "$CTOOL_TEST_TOKEN_SERVER_PORT" --key "$shared/token.key" --cert "$shared/token.crt" \
    --htpasswd-user "$CTOOL_TEST_REGISTRY_USER" --htpasswd-password "$CTOOL_TEST_REGISTRY_PASSWORD" \
    --issuer "$CTOOL_TEST_TOKEN_ISSUER" --service "$CTOOL_TEST_TOKEN_SERVICE"
  local i
  for i in $(seq 1 50); do
    curl -s -o /dev/null --max-time 2 "http://127.0.0.1:$CTOOL_TEST_TOKEN_SERVER_PORT/health" && return 0
    sleep 0.1
  done
  echo "registry.sh: the token server did not start; its log:" >&2
  tail -n 20 "$dir/log" >&2
  return 1
}

start_one() {
  local name=$1 dir=$state/$1
  install -d -m 0755 "$dir" "$dir/data"
  if is_running "$name"; then
    wait_for "$name"
    return
  fi
  write_config "$name"
  # REGISTRY_* variables (REGISTRY_AUTH_FILE of a Podman user) would
  # override the configuration.
  spawn "$dir" env -u REGISTRY_AUTH_FILE /usr/bin/docker-registry serve "$dir/config.yml"
  wait_for "$name"
}

stop_pid() {
  local pidfile=$state/$1/pid pid i
  [ -f "$pidfile" ] || return 0
  pid=$(cat "$pidfile")
  if kill "$pid" 2>/dev/null; then
    for i in $(seq 1 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}

cmd_start() {
  command -v docker-registry >/dev/null || die "docker-registry is not installed: run tests/setup/install-packages.sh"
  install -d -m 0755 "$state"
  make_secrets
  start_token_server
  local name
  for name in "${instances[@]}"; do
    start_one "$name"
  done
}

cmd_stop() {
  local name
  for name in "${instances[@]}" tokensrv; do
    stop_pid "$name"
  done
}

cmd_status() {
  local name rc=0 code
  for name in "${instances[@]}" tokensrv; do
    if is_running "$name"; then
      if [ "$name" = tokensrv ]; then
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "http://127.0.0.1:$(port_of tokensrv)/health" || true)
      else
        code=$(v2_status "$name")
      fi
      echo "$name: running (pid $(cat "$state/$name/pid")) on 127.0.0.1:$(port_of "$name"), HTTP $code"
    else
      echo "$name: stopped"
      rc=1
    fi
  done
  return $rc
}

# One start or stop at a time (several checkouts may share the state dir).
lock() {
  install -d -m 0755 "$state"
  exec 9> "$state/.lock"
  flock 9
}

case ${1:-} in
  start) lock; cmd_start ;;
  stop) lock; cmd_stop ;;
  status) cmd_status ;;
  *) echo "usage: $0 start|stop|status" >&2; exit 2 ;;
esac
