#!/usr/bin/env bats
# ctool pull against the real local registries (tests/setup/registry.sh):
# names, platforms, formats, authentication, TLS, and registries that fail.

load helpers

# The image ID (config digest) and manifest digest the registry serves.
# Extra arguments go to skopeo before "inspect" (--override-arch ...).
registry_image_id() {
  local ref=$1; shift
  skopeo "$@" inspect --tls-verify=false --raw --config "docker://$ref" | sha256sum | cut -d' ' -f1
}
registry_manifest_digest() {
  local ref=$1; shift
  echo "sha256:$(skopeo "$@" inspect --tls-verify=false --raw "docker://$ref" | sha256sum | cut -d' ' -f1)"
}
registry_layers() {
  skopeo inspect --tls-verify=false --raw "docker://$1" | jq -r '.layers[].digest'
}

# The manifest digest the store records for NAME (empty when none).
store_digest_of() {
  [ -f "$CTOOL_TEST_ROOT/index.json" ] || return 0
  jq -r --arg n "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $n) | .digest' \
    "$CTOOL_TEST_ROOT/index.json"
}

# After a failed pull: no image recorded, no blob, no layer, no temp file.
assert_nothing_stored() {
  if [ -f "$CTOOL_TEST_ROOT/index.json" ]; then
    run -0 jq '.manifests | length' "$CTOOL_TEST_ROOT/index.json"
    assert_output 0
  fi
  local d
  for d in blobs layers tmp; do
    [ -d "$CTOOL_TEST_ROOT/$d" ] || continue
    run -0 find "$CTOOL_TEST_ROOT/$d" -mindepth 1 -not -type d -not -name '*.lock'
    assert_output ""
  done
}

# The error of a failed command: exactly one line, "ctool: ..." on stderr.
assert_one_line_error() {
  [ "$(grep -c . <<< "$stderr")" -ge 1 ]
  local last
  last=$(tail -n 1 <<< "$stderr")
  [[ "$last" == "ctool: "* ]] || fail "the last line of stderr is not an error: $last"
  [ "$(grep -c '^ctool: [^w]' <<< "$stderr")" -eq 1 ] || fail "more than one error line: $stderr"
  error_line=$last
}

@test "pull by tag: progress on stderr, the image ID on stdout, the image in the store" {
  run -0 --separate-stderr ctool pull "$IMAGE"
  assert_output "$(registry_image_id "$IMAGE")"
  [[ "$stderr" == "Trying to pull $IMAGE..."* ]]
  grep -Eq '^Copying blob [0-9a-f]{12} done$' <<< "$stderr"
  grep -Eq '^Copying config [0-9a-f]{10} done$' <<< "$stderr"
  grep -qx 'Writing manifest to image destination' <<< "$stderr"
  [ "$(store_digest_of "$IMAGE")" = "$(registry_manifest_digest "$IMAGE")" ]
  # Every blob landed under its digest.
  local d
  for d in $(registry_layers "$IMAGE"); do
    [ "$(sha256sum < "$CTOOL_TEST_ROOT/blobs/sha256/${d#sha256:}" | cut -d' ' -f1)" = "${d#sha256:}" ]
  done
}

@test "pull -q prints the image ID only; a second pull downloads nothing again" {
  run -0 --separate-stderr ctool pull -q "$IMAGE"
  assert_output --regexp '^[0-9a-f]{64}$'
  [ -z "$stderr" ]
  run -0 --separate-stderr ctool pull "$IMAGE"
  grep -Eq '^Copying blob [0-9a-f]{12} skipped: already exists$' <<< "$stderr"
  ! grep -Eq '^Copying blob [0-9a-f]{12} done$' <<< "$stderr"
}

@test "pull by digest records the digest reference" {
  local digest ref
  digest=$(registry_manifest_digest "$IMAGE")
  ref=${IMAGE%:latest}@$digest
  run -0 --separate-stderr ctool pull "$ref"
  assert_output "$(registry_image_id "$IMAGE")"
  [ "$(store_digest_of "$ref")" = "$digest" ]
}

@test "pull by a digest the registry does not have" {
  local ref=${IMAGE%:latest}@sha256:$(printf '0%.0s' {1..64})
  run -125 --separate-stderr ctool pull "$ref"
  assert_one_line_error
  [[ "$error_line" == *"manifest sha256:000"*"not found in $CTOOL_TEST_REGISTRY/ctool-test/busybox" ]]
  assert_nothing_stored
}

@test "a short name resolves through unqualified-search-registries and says which name it chose" {
  run -0 --separate-stderr ctool pull ctool-test/busybox
  assert_output "$(registry_image_id "$IMAGE")"
  [[ "$stderr" == "Trying to pull $IMAGE..."* ]]
  [ -n "$(store_digest_of "$IMAGE")" ]
}

@test "a short name tries each search registry in order" {
  start_private_registry # empty: it has no ctool-test/busybox
  cat > "$CTOOL_REGISTRIES_CONF.new" <<EOF
unqualified-search-registries = ["$CTOOL_TEST_PRIVATE_REGISTRY", "$CTOOL_TEST_REGISTRY"]
EOF
  grep -v '^unqualified-search-registries' "$CTOOL_REGISTRIES_CONF" >> "$CTOOL_REGISTRIES_CONF.new"
  mv "$CTOOL_REGISTRIES_CONF.new" "$CTOOL_REGISTRIES_CONF"
  run -0 --separate-stderr ctool pull ctool-test/busybox:latest
  assert_line --index 0 --partial "$(registry_image_id "$IMAGE")"
  grep -qx "Trying to pull $CTOOL_TEST_PRIVATE_REGISTRY/ctool-test/busybox:latest..." <<< "$stderr"
  grep -qx "Trying to pull $IMAGE..." <<< "$stderr"
  [ -n "$(store_digest_of "$IMAGE")" ]
  # Neither has it: one error naming both.
  run -125 --separate-stderr ctool pull ctool-test/nothing-here
  assert_one_line_error
  [[ "$error_line" == *"$CTOOL_TEST_PRIVATE_REGISTRY/ctool-test/nothing-here not found"* ]]
  [[ "$error_line" == *"$CTOOL_TEST_REGISTRY/ctool-test/nothing-here not found"* ]]
}

@test "an alias from registries.conf is used and announced" {
  printf '\n[aliases]\n"bb" = "%s/ctool-test/busybox"\n' "$CTOOL_TEST_REGISTRY" >> "$CTOOL_REGISTRIES_CONF"
  run -0 --separate-stderr ctool pull bb
  grep -q "^Resolved \"bb\" as an alias ($CTOOL_REGISTRIES_CONF)" <<< "$stderr"
  grep -qx "Trying to pull $IMAGE..." <<< "$stderr"
}

@test "a blocked registry is refused" {
  printf '\n[[registry]]\nlocation = "blocked.example"\nblocked = true\n' >> "$CTOOL_REGISTRIES_CONF"
  run -125 --separate-stderr ctool pull blocked.example/app:1
  assert_one_line_error
  [[ "$error_line" == *"blocked"* ]]
  assert_nothing_stored
}

@test "mirrors are tried first, the registry after them; the name stays the registry's" {
  local down
  down=127.0.0.1:$(free_port)
  # The registry itself is down; its mirror has the image.
  printf '\n[[registry]]\nlocation = "%s"\ninsecure = true\n[[registry.mirror]]\nlocation = "%s"\ninsecure = true\n' \
    "$down" "$CTOOL_TEST_REGISTRY" >> "$CTOOL_REGISTRIES_CONF"
  run -0 --separate-stderr ctool pull "$down/ctool-test/busybox:latest"
  assert_output "$(registry_image_id "$IMAGE")"
  [ -n "$(store_digest_of "$down/ctool-test/busybox:latest")" ]
  # A mirror that is down is skipped.
  printf '\n[[registry]]\nprefix = "%s/ctool-test"\nlocation = "%s/ctool-test"\ninsecure = true\n[[registry.mirror]]\nlocation = "%s/ctool-test"\ninsecure = true\n' \
    "$CTOOL_TEST_REGISTRY" "$CTOOL_TEST_REGISTRY" "$down" >> "$CTOOL_REGISTRIES_CONF"
  run -0 --separate-stderr ctool pull "$IMAGE_ZSTD"
  assert_output "$(registry_image_id "$IMAGE_ZSTD")"
}

@test "a manifest list: this machine's image by default, --platform picks another" {
  local host_arch
  host_arch=$(ctool version --format json | jq -r .OsArch)
  run -0 --separate-stderr ctool pull "$IMAGE_MULTIARCH"
  assert_output "$(registry_image_id "$IMAGE_MULTIARCH" --override-arch "${host_arch#linux/}")"
  run -0 --separate-stderr ctool pull -q --platform linux/arm64 "$IMAGE_MULTIARCH"
  assert_output "$(registry_image_id "$IMAGE_MULTIARCH" --override-arch arm64 --override-variant v8)"
  run -0 skopeo inspect --tls-verify=false --raw "docker://$IMAGE_MULTIARCH"
  [ "$(store_digest_of "$IMAGE_MULTIARCH")" = "$(jq -r '.manifests[] | select(.platform.architecture == "arm64") | .digest' <<< "$output")" ]
  run -0 --separate-stderr ctool pull -q --platform linux/arm "$IMAGE_MULTIARCH"
  assert_output "$(registry_image_id "$IMAGE_MULTIARCH" --override-arch arm --override-variant v7)"
}

@test "a platform the manifest list lacks: the error lists what it offers" {
  run -125 --separate-stderr ctool pull --platform linux/s390x "$IMAGE_MULTIARCH"
  assert_one_line_error
  [[ "$error_line" == *"linux/s390x"*"linux/amd64, linux/arm64/v8, linux/arm/v7"* ]]
  assert_nothing_stored
  run -125 --separate-stderr ctool pull --platform linux "$IMAGE_MULTIARCH"
  assert_one_line_error
  [[ "$error_line" == *"invalid platform 'linux'"* ]]
}

@test "a Docker schema 2 image" {
  run -0 --separate-stderr ctool pull -q "$IMAGE_DOCKER"
  assert_output "$(registry_image_id "$IMAGE_DOCKER")"
  run -0 jq -r '.mediaType' "$CTOOL_TEST_ROOT/blobs/sha256/$(store_digest_of "$IMAGE_DOCKER" | cut -d: -f2)"
  assert_output application/vnd.docker.distribution.manifest.v2+json
}

@test "zstd and uncompressed layers" {
  run -0 --separate-stderr ctool pull -q "$IMAGE_ZSTD"
  assert_output "$(registry_image_id "$IMAGE_ZSTD")"
  run -0 --separate-stderr ctool pull -q "$IMAGE_UNCOMPRESSED"
  assert_output "$(registry_image_id "$IMAGE_UNCOMPRESSED")"
}

@test "an unknown repository" {
  run -125 --separate-stderr ctool pull "$CTOOL_TEST_REGISTRY/ctool-test/no-such-image"
  assert_one_line_error
  assert_equal "$error_line" "ctool: repository $CTOOL_TEST_REGISTRY/ctool-test/no-such-image not found"
  assert_nothing_stored
}

@test "an unknown tag" {
  run -125 --separate-stderr ctool pull "$CTOOL_TEST_REGISTRY/ctool-test/busybox:no-such-tag"
  assert_one_line_error
  assert_equal "$error_line" "ctool: tag no-such-tag not found in $CTOOL_TEST_REGISTRY/ctool-test/busybox"
  assert_nothing_stored
}

@test "an invalid reference is quoted in the error" {
  run -125 --separate-stderr ctool pull "Bad:Ref:"
  assert_one_line_error
  [[ "$error_line" == *"'Bad:Ref:'"* ]]
}

@test "Basic auth: no credentials, wrong ones, --creds, and the auth file" {
  local image=$CTOOL_TEST_REGISTRY_AUTH/ctool-test/busybox:latest
  run -125 --separate-stderr ctool pull "$image"
  assert_one_line_error
  assert_equal "$error_line" "ctool: authentication required for $CTOOL_TEST_REGISTRY_AUTH: run 'ctool login $CTOOL_TEST_REGISTRY_AUTH'"
  run -125 --separate-stderr ctool pull --creds "$CTOOL_TEST_REGISTRY_USER:wrong" "$image"
  assert_one_line_error
  assert_equal "$error_line" "ctool: invalid username or password for $CTOOL_TEST_REGISTRY_AUTH: run 'ctool login $CTOOL_TEST_REGISTRY_AUTH'"
  assert_nothing_stored
  run -0 --separate-stderr ctool pull -q --creds "$CTOOL_TEST_REGISTRY_USER:$CTOOL_TEST_REGISTRY_PASSWORD" "$image"
  assert_output "$(registry_image_id "$IMAGE")"
  # The same from an auth file named with --authfile.
  local authfile=$BATS_TEST_TMPDIR/other-auth.json
  printf '{"auths":{"%s":{"auth":"%s"}}}' "$CTOOL_TEST_REGISTRY_AUTH" \
    "$(printf '%s:%s' "$CTOOL_TEST_REGISTRY_USER" "$CTOOL_TEST_REGISTRY_PASSWORD" | base64 -w0)" > "$authfile"
  run -0 --separate-stderr ctool pull -q --authfile "$authfile" "$image"
  run -125 --separate-stderr ctool pull --authfile "$BATS_TEST_TMPDIR/missing.json" "$image"
  assert_one_line_error
  [[ "$error_line" == *"missing.json"*"--authfile"* ]]
}

@test "Bearer tokens: anonymous for public repositories, credentials for the rest" {
  run -0 --separate-stderr ctool pull -q "$CTOOL_TEST_REGISTRY_TOKEN/public/busybox:latest"
  assert_output "$(registry_image_id "$IMAGE")"
  local image=$CTOOL_TEST_REGISTRY_TOKEN/ctool-test/busybox:latest
  run -125 --separate-stderr ctool pull "$image"
  assert_one_line_error
  [[ "$error_line" == *"authentication required"*"ctool login $CTOOL_TEST_REGISTRY_TOKEN"* ]]
  run -125 --separate-stderr ctool pull --creds "$CTOOL_TEST_REGISTRY_USER:wrong" "$image"
  assert_one_line_error
  assert_equal "$error_line" "ctool: invalid username or password for $CTOOL_TEST_REGISTRY_TOKEN: run 'ctool login $CTOOL_TEST_REGISTRY_TOKEN'"
  run -0 --separate-stderr ctool pull -q --creds "$CTOOL_TEST_REGISTRY_USER:$CTOOL_TEST_REGISTRY_PASSWORD" "$image"
  assert_output "$(registry_image_id "$IMAGE")"
}

@test "TLS: trusted through certs.d, refused without the CA, allowed with --tls-verify=false" {
  local image=$CTOOL_TEST_REGISTRY_TLS/ctool-test/busybox:latest
  run -0 --separate-stderr ctool pull -q "$image"
  assert_output "$(registry_image_id "$IMAGE")"
  rm -rf "$CTOOL_TEST_ROOT"
  CTOOL_CERTS_D=$BATS_TEST_TMPDIR/no-certs run -125 --separate-stderr ctool pull "$image"
  assert_one_line_error
  [[ "$error_line" == "ctool: cannot connect to $CTOOL_TEST_REGISTRY_TLS: certificate signed by unknown authority"* ]]
  [[ "$error_line" == *"use --tls-verify=false or add the CA to $XDG_CONFIG_HOME/containers/certs.d/$CTOOL_TEST_REGISTRY_TLS/" ]]
  assert_nothing_stored
  CTOOL_CERTS_D=$BATS_TEST_TMPDIR/no-certs run -0 --separate-stderr ctool pull -q --tls-verify=false "$image"
  assert_output "$(registry_image_id "$IMAGE")"
}

@test "a plain-HTTP registry needs insecure = true or --tls-verify=false" {
  printf 'unqualified-search-registries = []\n' > "$CTOOL_REGISTRIES_CONF"
  run -125 --separate-stderr ctool pull "$IMAGE"
  assert_one_line_error
  [[ "$error_line" == *"TLS handshake with $CTOOL_TEST_REGISTRY failed"*"--tls-verify=false"* ]]
  run -0 --separate-stderr ctool pull -q --tls-verify=false "$IMAGE"
  # --tls-verify=true wins over insecure = true.
  printf '[[registry]]\nlocation = "%s"\ninsecure = true\n' "$CTOOL_TEST_REGISTRY" > "$CTOOL_REGISTRIES_CONF"
  run -125 --separate-stderr ctool pull --tls-verify=true "$IMAGE"
}

@test "a registry that is down: connection refused, at once" {
  local port
  port=$(free_port)
  printf '\n[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$port" >> "$CTOOL_REGISTRIES_CONF"
  local start=$SECONDS
  run -125 --separate-stderr ctool pull "127.0.0.1:$port/ctool-test/busybox"
  assert_one_line_error
  assert_equal "$error_line" "ctool: cannot connect to 127.0.0.1:$port: Connection refused"
  (( SECONDS - start < 5 ))
  assert_nothing_stored
}

# Start tests/setup/registry-proxy.py on a fixed PORT in front of the
# shared registry (as start_registry_proxy does on a random port), so that
# it can be stopped and started again at the same address.
start_proxy_on() {
  local port=$1 dir=$BATS_TEST_TMPDIR/proxy; shift
  mkdir -p "$dir"
  rm -f "$dir/port"
  export CTOOL_TEST_PROXY_LOG=$dir/requests
  setsid python3 "$CTOOL_TEST_TOP/tests/setup/registry-proxy.py" --listen "$port" --upstream "$CTOOL_TEST_REGISTRY" \
    --count-file "$CTOOL_TEST_PROXY_LOG" "$@" < /dev/null > "$dir/port" 2> "$dir/log" &
  echo $! > "$dir/pid"
  wait_until 10 test -s "$dir/port" || fail "the registry proxy did not start: $(cat "$dir/log")"
}

@test "registry stopped mid-pull: bounded retries, one clear error, nothing stored; the next pull succeeds" {
  local port layer
  port=$(free_port)
  layer=$(registry_layers "$IMAGE" | head -n1)
  printf '\n[[registry]]\nlocation = "127.0.0.1:%s"\ninsecure = true\n' "$port" >> "$CTOOL_REGISTRIES_CONF"
  start_proxy_on "$port" --rate 50000 --only "$layer"
  local start=$SECONDS
  ctool pull "127.0.0.1:$port/ctool-test/busybox:latest" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err" &
  local pid=$!
  wait_until 10 grep -q "/blobs/$layer 200" "$CTOOL_TEST_PROXY_LOG"
  sleep 0.5
  stop_registry_proxy
  local rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 125 ] || fail "exit $rc: $(cat "$BATS_TEST_TMPDIR/err")"
  (( SECONDS - start < 30 ))
  stderr=$(cat "$BATS_TEST_TMPDIR/err")
  grep -q "^ctool: warning: blob ${layer:0:19}: .*retrying in" <<< "$stderr"
  assert_one_line_error
  assert_equal "$error_line" "ctool: downloading blob $layer: cannot connect to 127.0.0.1:$port: Connection refused"
  [ ! -s "$BATS_TEST_TMPDIR/out" ]
  assert_nothing_stored
  # The registry is back.
  start_proxy_on "$port"
  run -0 --separate-stderr ctool pull -q "127.0.0.1:$port/ctool-test/busybox:latest"
  assert_output "$(registry_image_id "$IMAGE")"
}

@test "a transfer cut short resumes with a Range request" {
  local layer
  layer=$(registry_layers "$IMAGE" | head -n1)
  start_registry_proxy --truncate 300000 --only "$layer"
  run -0 --separate-stderr ctool pull -q "$CTOOL_TEST_PROXY/ctool-test/busybox:latest"
  assert_output "$(registry_image_id "$IMAGE")"
  grep -q "^GET /v2/ctool-test/busybox/blobs/$layer 200$" "$CTOOL_TEST_PROXY_LOG"
  grep -q "^GET /v2/ctool-test/busybox/blobs/$layer 206$" "$CTOOL_TEST_PROXY_LOG"
}

@test "503 and 429 are retried after their Retry-After" {
  start_registry_proxy --fail-status 503 --fail-count 2
  run -0 --separate-stderr ctool pull -q "$CTOOL_TEST_PROXY/ctool-test/busybox:latest"
  assert_output "$(registry_image_id "$IMAGE")"
  [ "$(grep -c ' 503$' "$CTOOL_TEST_PROXY_LOG")" -eq 2 ]
  [ "$(grep -c "^ctool: warning: .*answered HTTP 503; retrying in 1.0s" <<< "$stderr")" -eq 2 ]
}

@test "429 (rate limit) is retried" {
  start_registry_proxy --fail-status 429 --fail-count 1
  run -0 --separate-stderr ctool pull -q "$CTOOL_TEST_PROXY/ctool-test/busybox:latest"
  assert_output "$(registry_image_id "$IMAGE")"
  [ "$(grep -c ' 429$' "$CTOOL_TEST_PROXY_LOG")" -eq 1 ]
}

@test "a lasting 500 fails after 4 attempts, in bounded time" {
  start_registry_proxy --fail-status 500 --fail-count 100
  local start=$SECONDS
  run -125 --separate-stderr ctool pull "$CTOOL_TEST_PROXY/ctool-test/busybox:latest"
  assert_one_line_error
  [[ "$error_line" == *"answered HTTP 500"* ]]
  [ "$(grep -c ' 500$' "$CTOOL_TEST_PROXY_LOG")" -eq 4 ]
  (( SECONDS - start < 20 ))
  assert_nothing_stored
}

@test "a corrupted blob in the registry: digest mismatch, nothing stored" {
  start_private_registry ctool-test/busybox:latest
  local image=$CTOOL_TEST_PRIVATE_REGISTRY/ctool-test/busybox:latest layer file
  layer=$(registry_layers "$image" | head -n1)
  file=$(private_registry_blob "$layer")
  [ -f "$file" ]
  # Same size, one byte flipped in the middle.
  python3 -c 'import sys; p = sys.argv[1]; b = bytearray(open(p, "rb").read()); b[len(b) // 2] ^= 0xFF; open(p, "wb").write(b)' "$file"
  run -125 --separate-stderr ctool pull "$image"
  assert_one_line_error
  [[ "$error_line" == *"$layer"*"digest mismatch"* ]]
  [ -z "$output" ]
  assert_nothing_stored
}

# Push an image of one layer (the bytes of FILE, media type MT) whose config
# lists DIFF_IDS (sha256:... words), as REPO:latest to the private registry.
push_crafted_image() {
  local file=$1 mt=$2 diff_ids=$3 repo=$4 dir=$BATS_TEST_TMPDIR/craft arch
  arch=$(ctool version --format json | jq -r .OsArch)
  mkdir -p "$dir/blobs/sha256"
  echo '{"imageLayoutVersion":"1.0.0"}' > "$dir/oci-layout"
  put() { local h; h=$(sha256sum < "$1" | cut -d' ' -f1); cp "$1" "$dir/blobs/sha256/$h"; echo "$h"; }
  local lh ch mh
  lh=$(put "$file")
  printf '{"architecture":"%s","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":%s}}' \
    "${arch#linux/}" "$(printf '%s\n' $diff_ids | jq -R . | jq -sc .)" > "$dir/config.json"
  ch=$(put "$dir/config.json")
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"%s","digest":"sha256:%s","size":%d}]}' \
    "$ch" "$(stat -c %s "$dir/config.json")" "$mt" "$lh" "$(stat -c %s "$file")" > "$dir/manifest.json"
  mh=$(put "$dir/manifest.json")
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"latest"}}]}' \
    "$mh" "$(stat -c %s "$dir/manifest.json")" > "$dir/index.json"
  python3 "$CTOOL_TEST_TOP/tests/fixtures/oci-craft.py" push "$dir" latest \
    "http://$CTOOL_TEST_PRIVATE_REGISTRY/$repo:latest" || fail "could not push the crafted image"
}

@test "a truncated gzip layer (its digest matches): the extraction error, nothing stored" {
  start_private_registry
  mkdir -p "$BATS_TEST_TMPDIR/tree/data"
  head -c 300000 /dev/urandom > "$BATS_TEST_TMPDIR/tree/data/random"
  tar -C "$BATS_TEST_TMPDIR/tree" -cf "$BATS_TEST_TMPDIR/layer.tar" data
  gzip -c "$BATS_TEST_TMPDIR/layer.tar" | head -c 150000 > "$BATS_TEST_TMPDIR/layer.tar.gz"
  push_crafted_image "$BATS_TEST_TMPDIR/layer.tar.gz" application/vnd.oci.image.layer.v1.tar+gzip \
    "sha256:$(sha256sum < "$BATS_TEST_TMPDIR/layer.tar" | cut -d' ' -f1)" ctool-test/truncated
  run -125 --separate-stderr ctool pull "$CTOOL_TEST_PRIVATE_REGISTRY/ctool-test/truncated:latest"
  assert_one_line_error
  [[ "$error_line" == *"layer"* ]]
  [ -z "$output" ]
  assert_nothing_stored
}

@test "a config whose diff_ids do not match the layers is refused before any download" {
  start_private_registry
  mkdir -p "$BATS_TEST_TMPDIR/tree/data"
  echo hello > "$BATS_TEST_TMPDIR/tree/data/file"
  tar -C "$BATS_TEST_TMPDIR/tree" -cf "$BATS_TEST_TMPDIR/layer.tar" data
  local id
  id=sha256:$(sha256sum < "$BATS_TEST_TMPDIR/layer.tar" | cut -d' ' -f1)
  push_crafted_image "$BATS_TEST_TMPDIR/layer.tar" application/vnd.oci.image.layer.v1.tar "$id $id" ctool-test/mismatch
  run -125 --separate-stderr ctool pull "$CTOOL_TEST_PRIVATE_REGISTRY/ctool-test/mismatch:latest"
  assert_one_line_error
  assert_equal "$error_line" "ctool: invalid image: its config lists 2 layers (rootfs.diff_ids) but its manifest has 1"
  ! grep -q '^Copying blob' <<< "$stderr"
  assert_nothing_stored
}

@test "a client certificate without its key in certs.d is an error naming both" {
  local certs=$BATS_TEST_TMPDIR/certs.d
  cp -r "$CTOOL_CERTS_D" "$certs"
  cp "$CTOOL_TEST_CA" "$certs/$CTOOL_TEST_REGISTRY_TLS/client.cert"
  CTOOL_CERTS_D=$certs run -125 --separate-stderr ctool pull "$CTOOL_TEST_REGISTRY_TLS/ctool-test/busybox:latest"
  assert_one_line_error
  assert_equal "$error_line" "ctool: client certificate $certs/$CTOOL_TEST_REGISTRY_TLS/client.cert has no key $certs/$CTOOL_TEST_REGISTRY_TLS/client.key next to it"
}

teardown() {
  if [ -f "$BATS_TEST_TMPDIR/redirect.pid" ]; then
    kill "$(cat "$BATS_TEST_TMPDIR/redirect.pid")" 2>/dev/null || true
  fi
  basic_teardown
}

@test "blobs behind a redirect to another host: followed, without our credentials" {
  # A registry front on 127.0.0.1 that wants Basic auth (u:p) and sends blob
  # requests to "storage" on localhost, which records whether credentials
  # came along. Both pass the shared registry's content through.
  cat > "$BATS_TEST_TMPDIR/redirect.py" <<'PY'
import http.client, http.server, sys, threading
upstream, log = sys.argv[1], sys.argv[2]
def fetch(path, accept=None):
    c = http.client.HTTPConnection(upstream, timeout=30)
    c.request("GET", path, headers={"Accept": accept} if accept else {})
    r = c.getresponse()
    return r.status, r.getheader("Content-Type", "application/octet-stream"), r.read()
class Storage(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        with open(log, "a") as f:
            f.write("storage %s auth=%s\n" % (self.path, "present" if self.headers.get("Authorization") else "absent"))
        status, ctype, body = fetch(self.path)
        self.send_response(status); self.send_header("Content-Length", str(len(body))); self.end_headers()
        self.wfile.write(body)
class Front(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.headers.get("Authorization") != "Basic dTpw":
            self.send_response(401); self.send_header("WWW-Authenticate", 'Basic realm="front"')
            self.send_header("Content-Length", "0"); self.end_headers(); return
        if "/blobs/" in self.path:
            self.send_response(307)
            self.send_header("Location", "http://localhost:%d%s" % (storage.server_address[1], self.path))
            self.send_header("Content-Length", "0"); self.end_headers(); return
        status, ctype, body = fetch(self.path, ", ".join(self.headers.get_all("Accept") or []))
        self.send_response(status); self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
storage = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Storage)
front = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Front)
threading.Thread(target=storage.serve_forever, daemon=True).start()
print(front.server_address[1], flush=True)
front.serve_forever()
PY
  setsid python3 "$BATS_TEST_TMPDIR/redirect.py" "$CTOOL_TEST_REGISTRY" "$BATS_TEST_TMPDIR/storage.log" \
    < /dev/null > "$BATS_TEST_TMPDIR/redirect.port" 2> "$BATS_TEST_TMPDIR/redirect.err" &
  echo $! > "$BATS_TEST_TMPDIR/redirect.pid"
  wait_until 10 test -s "$BATS_TEST_TMPDIR/redirect.port" || fail "$(cat "$BATS_TEST_TMPDIR/redirect.err")"
  local front=127.0.0.1:$(cat "$BATS_TEST_TMPDIR/redirect.port")
  printf '\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$front" >> "$CTOOL_REGISTRIES_CONF"
  run -0 --separate-stderr ctool pull -q --creds u:p "$front/ctool-test/busybox:latest"
  assert_output "$(registry_image_id "$IMAGE")"
  # The config and the layer came from storage, never with the credentials.
  [ "$(grep -c 'auth=absent' "$BATS_TEST_TMPDIR/storage.log")" -eq 2 ]
  ! grep -q 'auth=present' "$BATS_TEST_TMPDIR/storage.log"
}

@test "pull needs exactly one image" {
  run -125 --separate-stderr ctool pull
  assert_one_line_error
  run -125 --separate-stderr ctool pull "$IMAGE" "$IMAGE_ZSTD"
  assert_one_line_error
}
