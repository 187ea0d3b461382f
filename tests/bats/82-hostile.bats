#!/usr/bin/env bats
# Bad input from the network and the command line, end to end: hostile
# layers served by a registry, malformed manifests and configs, oversized
# and endless JSON, registries that lie (wrong digests, endless bodies, bad
# redirects), bad references and flags. Each gets one clear line on stderr,
# exit 125, and changes nothing in the store outside its temp area (a
# checksum of the store before and after), nor anything outside the store.
#
# (Elsewhere: hostile layers through `load` in 23-layers; a corrupted blob,
# a truncated gzip layer, diff_ids that do not match, 5xx, a registry that
# stops mid-pull in 20-pull; bad flags of every verb in 00-basics.)
#
# The registry here is tests/bats/hostile.py: it serves an OCI layout of
# the test's own and answers any path as routes.json says.

load helpers

setup() {
  basic_setup
  export LAYOUT=$BATS_TEST_TMPDIR/layout OUTSIDE=$BATS_TEST_TMPDIR/outside
  mkdir -p "$LAYOUT" "$OUTSIDE"
  echo '{}' > "$LAYOUT/routes.json"
  # A store that is not empty: the busybox image, loaded, named $IMAGE.
  ctool load -q -i "$CTOOL_TEST_ARCHIVES/busybox-oci.tar" >/dev/null
  ctool tag docker.io/ctool-test/busybox:latest "$IMAGE"
  start_hostile_registry
}

teardown() {
  [ ! -f "$BATS_TEST_TMPDIR/hostile.pid" ] || kill "$(cat "$BATS_TEST_TMPDIR/hostile.pid")" 2>/dev/null || true
  basic_teardown
}

HOSTILE_PY=$BATS_TEST_DIRNAME/hostile.py

start_hostile_registry() {
  setsid python3 "$HOSTILE_PY" serve "$LAYOUT" < /dev/null > "$BATS_TEST_TMPDIR/hostile.port" 2> "$BATS_TEST_TMPDIR/hostile.log" &
  echo $! > "$BATS_TEST_TMPDIR/hostile.pid"
  wait_until 10 test -s "$BATS_TEST_TMPDIR/hostile.port" || fail "hostile.py did not start: $(cat "$BATS_TEST_TMPDIR/hostile.log")"
  export HOSTILE=127.0.0.1:$(cat "$BATS_TEST_TMPDIR/hostile.port")
  printf '\n[[registry]]\nlocation = "%s"\ninsecure = true\n' "$HOSTILE" >> "$CTOOL_REGISTRIES_CONF"
}

# image TAG [hostile.py image options] [CODE]: an image in the layout.
image() {
  local tag=$1; shift
  python3 "$HOSTILE_PY" image "$LAYOUT" "$tag" "$@" || fail "could not craft image $tag"
}

# route PATH JSON: how the registry answers PATH from now on.
route() {
  jq --arg p "$1" --argjson a "$2" '.[$p] = $a' "$LAYOUT/routes.json" > "$LAYOUT/routes.new" &&
    mv "$LAYOUT/routes.new" "$LAYOUT/routes.json"
}

# The digest of the blob at index N of the manifest of TAG: blob_of TAG JQ
blob_of() {
  local md
  md=$(jq -r --arg t "$1" '.manifests[] | select(.annotations["org.opencontainers.image.ref.name"] == $t) | .digest' "$LAYOUT/index.json")
  jq -r "$2" "$LAYOUT/blobs/sha256/${md#sha256:}"
}

# Every entry of the store but its temp area and lock files: path, type,
# mode, size, mtime and content hash, read in a user namespace that maps
# the subordinate IDs (layers hold files only they can read).
store_sum() {
  "$CTOOL" unshare sh -c 'cd "$1" && find . \( -path ./tmp -o -name "*.lock" \) -prune -o -printf "%p %y %m %s %l\n" -type f -exec sha256sum {} + | sort' \
    sh "$CTOOL_TEST_ROOT"
}

# pull_fails REF [ctool pull options]: the pull fails with 125 and one
# error line (in $error_line), the store is as before, the temp area empty,
# nothing outside changed.
pull_fails() {
  local before after
  before=$(store_sum)
  run --separate-stderr timeout 120 "$CTOOL" --root "$CTOOL_TEST_ROOT" --runroot "$CTOOL_TEST_RUNROOT" pull "$@"
  [ "$status" -eq 125 ] || fail "pull $*: exit $status, not 125: $stderr"
  [ -z "$output" ] || fail "pull $* printed on stdout: $output"
  error_line=$(tail -n 1 <<< "$stderr")
  [[ "$error_line" == "ctool: "* ]] || fail "the last line of stderr is not an error: $stderr"
  [ "$(grep '^ctool: ' <<< "$stderr" | grep -vc '^ctool: warning: ')" -eq 1 ] || fail "more than one error line: $stderr"
  [ "${#error_line}" -lt 400 ] || fail "a very long error line: ${error_line:0:400}..."
  after=$(store_sum)
  [ "$before" = "$after" ] || fail "pull $* changed the store: $(diff <(echo "$before") <(echo "$after"))"
  [ -z "$(ls -A "$CTOOL_TEST_ROOT/tmp" 2>/dev/null)" ] || fail "pull $* left files in the store's tmp/: $(ls -A "$CTOOL_TEST_ROOT/tmp")"
  [ -z "$(ls -A "$OUTSIDE")" ] || fail "pull $* wrote outside the store: $(ls -A "$OUTSIDE")"
  run -0 ctool images -q
  [ "${#lines[@]}" -eq 1 ] || fail "images lists more than busybox: $output"
}

# --- hostile layers -------------------------------------------------------

@test "hostile layers from a registry: '..' paths and hardlinks to host files are refused, nothing changes" {
  image dotdot 'add("../../outside/evil", b"x"); add("a/../../../outside/evil2", b"x")'
  pull_fails "$HOSTILE/h/img:dotdot"
  [[ "$error_line" == *"'..'"* ]] || fail "$error_line"

  local links
  links=$(stat -c %h /etc/passwd)
  image hardlink 'add("passwd", type=tarfile.LNKTYPE, linkname="/etc/passwd")'
  pull_fails "$HOSTILE/h/img:hardlink"
  [[ "$error_line" == *"hardlink"* ]] || fail "$error_line"
  image hardlink-via-symlink 'add("root", type=tarfile.SYMTYPE, linkname="/"); add("passwd", type=tarfile.LNKTYPE, linkname="root/etc/passwd")'
  pull_fails "$HOSTILE/h/img:hardlink-via-symlink"
  [ "$(stat -c %h /etc/passwd)" = "$links" ]
}

@test "hostile layers from a registry: writes through symlinks to outside stay inside the layer" {
  image symlinks "outside = '$OUTSIDE'"'
add("esc", type=tarfile.SYMTYPE, linkname=outside); add("esc/evil", b"x")
add("up", type=tarfile.SYMTYPE, linkname="../../../../../../../../.." + outside); add("up/evil2", b"x")
add("root", type=tarfile.SYMTYPE, linkname="/"); add("root" + outside + "/evil3", b"x")'
  run --separate-stderr ctool pull -q "$HOSTILE/h/img:symlinks"
  [ -z "$(ls -A "$OUTSIDE")" ] || fail "written outside: $(ls -A "$OUTSIDE")"
  # Refused, or the files landed inside the layer.
  [ "$status" -eq 0 ] || [ "$status" -eq 125 ] || fail "exit $status: $stderr"
  [ -z "$(ls -A "$CTOOL_TEST_ROOT/tmp")" ]
}

@test "a decompression bomb stops at CTOOL_LAYER_MAX_BYTES, quickly, and leaves nothing" {
  # 256 MiB of zeros in a 256 kB gzip stream; the limit is 16 MiB.
  image bomb --bomb $((256 << 20))
  [ "$(stat -c %s "$LAYOUT/blobs/sha256/$(blob_of bomb '.layers[0].digest' | cut -d: -f2)")" -lt 1000000 ]
  local start=$SECONDS
  CTOOL_LAYER_MAX_BYTES=$((16 << 20)) pull_fails "$HOSTILE/h/img:bomb"
  [[ "$error_line" == *"CTOOL_LAYER_MAX_BYTES"* ]] || fail "$error_line"
  (( SECONDS - start < 60 ))
}

@test "a layer with too many files stops at CTOOL_LAYER_MAX_FILES and leaves nothing" {
  image many 'for i in range(2000): add("f%d" % i, b"")'
  CTOOL_LAYER_MAX_FILES=500 pull_fails "$HOSTILE/h/img:many"
  [[ "$error_line" == *"CTOOL_LAYER_MAX_FILES"* ]] || fail "$error_line"
}

# --- malformed manifests and configs --------------------------------------

MT_MANIFEST=application/vnd.oci.image.manifest.v1+json
MT_CONFIG=application/vnd.oci.image.config.v1+json

# manifest_fails BODY: the registry serves BODY as the manifest of h/img:bad.
manifest_fails() {
  route /v2/h/img/manifests/bad "$(jq -n --arg b "$1" '{body: $b}')"
  pull_fails "$HOSTILE/h/img:bad"
}

@test "malformed manifests: one clear line each, nothing stored" {
  local cfg='{"mediaType":"'$MT_CONFIG'","digest":"sha256:'$(printf '%064d' 0)'","size":2}'
  manifest_fails 'not json {'
  [[ "$error_line" == *"manifest"* ]] || fail "$error_line"
  manifest_fails ''
  manifest_fails '[]'
  manifest_fails '{"schemaVersion":1,"name":"h/img","tag":"bad","fsLayers":[],"history":[]}'
  [[ "$error_line" == *"schemaVersion"* || "$error_line" == *"schema 1"* ]] || fail "$error_line"
  manifest_fails '{"schemaVersion":2,"mediaType":"'$MT_MANIFEST'"}'
  [[ "$error_line" == *"config"* ]] || fail "$error_line"
  manifest_fails '{"schemaVersion":2,"mediaType":"'$MT_MANIFEST'","config":'"$cfg"',"layers":"x"}'
  [[ "$error_line" == *"layers"* ]] || fail "$error_line"
  manifest_fails '{"schemaVersion":2,"mediaType":"'$MT_MANIFEST'","config":{"mediaType":"'$MT_CONFIG'","digest":"sha256:../../../../etc/passwd","size":10},"layers":[]}'
  [[ "$error_line" == *"digest"* ]] || fail "$error_line"
  manifest_fails '{"schemaVersion":2,"mediaType":"'$MT_MANIFEST'","config":'"$cfg"',"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"md5:abc","size":1}]}'
  [[ "$error_line" == *"digest"* ]] || fail "$error_line"
  manifest_fails '{"schemaVersion":2,"mediaType":"'$MT_MANIFEST'","config":'"$cfg"',"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:'$(printf '%064d' 1)'","size":-1}]}'
  [[ "$error_line" == *"size"* ]] || fail "$error_line"
  manifest_fails '{"schemaVersion":2,"mediaType":"application/x-evil","config":'"$cfg"',"layers":[]}'
  # Deeply nested JSON: a parse error, not a crash.
  python3 -c 'print("[" * 200000 + "]" * 200000)' > "$LAYOUT/deep.json"
  route /v2/h/img/manifests/bad '{"file": "deep.json"}'
  pull_fails "$HOSTILE/h/img:bad"
}

@test "malformed configs: one clear line each, nothing stored" {
  local ok
  image ok 'add("hello", b"hi\n")'
  ok=$(blob_of ok '.layers[0].digest')
  local diff
  diff=$(jq -r '.rootfs.diff_ids[0]' "$LAYOUT/blobs/sha256/$(blob_of ok '.config.digest' | cut -d: -f2)")
  for config in 'not json' '[]' '{"architecture":"amd64","os":"linux"}' \
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":"x"}}' \
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:nothex"]}}' \
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}' \
      '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["'"$diff"'","'"$diff"'"]}}'; do
    printf '%s' "$config" > "$BATS_TEST_TMPDIR/bad-config.json"
    image bad --config "$BATS_TEST_TMPDIR/bad-config.json" 'add("hello", b"hi\n")' >/dev/null
    pull_fails "$HOSTILE/h/img:bad"
    [[ "$error_line" == *"config"* || "$error_line" == *"diff_ids"* ]] || fail "config $config: $error_line"
  done
  # The layer was never downloaded for any of them.
  ! grep -q "GET /v2/h/img/blobs/$ok" "$LAYOUT/requests"
}

@test "oversized JSON: a manifest over 4 MiB, an endless manifest, an endless config" {
  # Valid JSON, padded past the limit in an annotation.
  python3 -c 'import json; print(json.dumps({"schemaVersion": 2, "mediaType": "'$MT_MANIFEST'",
    "annotations": {"pad": "x" * (5 << 20)}, "config": {}, "layers": []}))' > "$LAYOUT/big.json"
  route /v2/h/img/manifests/bad '{"file": "big.json"}'
  pull_fails "$HOSTILE/h/img:bad"
  [[ "$error_line" == *"more than"* ]] || fail "$error_line"

  local start=$SECONDS
  route /v2/h/img/manifests/bad '{"body": "{\"schemaVersion\": 2, \"pad\": \"", "endless": "xxxxxxxxxxxxxxxx"}'
  pull_fails "$HOSTILE/h/img:bad"
  [[ "$error_line" == *"more than"* ]] || fail "$error_line"
  (( SECONDS - start < 30 ))

  image endless-config 'add("hello", b"hi\n")' >/dev/null
  local config
  config=$(blob_of endless-config '.config.digest')
  route "/v2/h/img/blobs/$config" '{"body": "{\"a\": \"", "endless": "aaaaaaaaaaaaaaaa", "type": "application/octet-stream"}'
  start=$SECONDS
  pull_fails "$HOSTILE/h/img:endless-config"
  (( SECONDS - start < 30 ))
}

# --- registries that lie ---------------------------------------------------

@test "a manifest that does not match the digest asked for is refused" {
  local real other
  real=$(image real 'add("hello", b"real\n")')
  other=$(image other 'add("hello", b"other\n")')
  # Asked for "real" by digest, the registry sends "other" (with real's digest in the header).
  route "/v2/h/img/manifests/$real" "$(jq -n --rawfile b "$LAYOUT/blobs/sha256/${other#sha256:}" --arg d "$real" \
    '{body: $b, digest: $d}')"
  pull_fails "$HOSTILE/h/img@$real"
  [[ "$error_line" == *"digest"* ]] || fail "$error_line"
}

@test "a lying Docker-Content-Digest header does not name the image: the manifest's own digest does" {
  local md
  md=$(image liar 'add("hello", b"hi\n")')
  route /v2/h/img/manifests/liar "$(jq -n --rawfile b "$LAYOUT/blobs/sha256/${md#sha256:}" \
    '{body: $b, digest: ("sha256:" + ("0" * 64))}')"
  run ctool pull -q "$HOSTILE/h/img:liar"
  if [ "$status" -eq 0 ]; then
    run -0 ctool image inspect "$HOSTILE/h/img:liar"
    [ "$(jq -r '.[0].Digest' <<< "$output")" = "$md" ]
  else
    # Refusing the pull is as good; then it is a clean failure.
    [ "$status" -eq 125 ]
    [ -z "$(ls -A "$CTOOL_TEST_ROOT/tmp")" ]
  fi
}

@test "blob bodies longer than their descriptor, or endless, are cut off and nothing is kept" {
  image long 'add("hello", b"hi\n")' >/dev/null
  local layer start
  layer=$(blob_of long '.layers[0].digest')
  cp "$LAYOUT/blobs/sha256/${layer#sha256:}" "$LAYOUT/layer-plus"
  head -c 100000 /dev/zero >> "$LAYOUT/layer-plus"
  route "/v2/h/img/blobs/$layer" '{"file": "layer-plus", "type": "application/octet-stream"}'
  pull_fails "$HOSTILE/h/img:long"
  [[ "$error_line" == *"${layer:7:12}"* ]] || fail "the error does not name the blob: $error_line"

  start=$SECONDS
  route "/v2/h/img/blobs/$layer" '{"body": "", "endless": "0123456789abcdef", "type": "application/octet-stream"}'
  pull_fails "$HOSTILE/h/img:long"
  (( SECONDS - start < 30 ))

  # A Content-Length beyond the descriptor's size, and the bytes to go with it.
  route "/v2/h/img/blobs/$layer" '{"file": "layer-plus", "length": 200000, "type": "application/octet-stream"}'
  pull_fails "$HOSTILE/h/img:long"
}

@test "bad redirects: loops, file:// and other schemes, unknown hosts" {
  image redirected 'add("hello", b"hi\n")' >/dev/null
  local layer path start
  layer=$(blob_of redirected '.layers[0].digest')
  path=/v2/h/img/blobs/$layer
  route "$path" "$(jq -n --arg l "http://$HOSTILE$path" '{redirect: $l}')"
  start=$SECONDS
  pull_fails "$HOSTILE/h/img:redirected"
  [[ "$error_line" == *"redirect"* ]] || fail "$error_line"
  (( SECONDS - start < 30 ))
  for target in file:///etc/passwd "ftp://127.0.0.1:1/x" "gopher://127.0.0.1:1/x" "http://no-such-host.invalid/x" "http://[::1"; do
    route "$path" "$(jq -n --arg l "$target" '{redirect: $l}')"
    pull_fails "$HOSTILE/h/img:redirected"
  done
  # A redirect to a sibling path on the same registry is followed.
  cp "$LAYOUT/blobs/sha256/${layer#sha256:}" "$LAYOUT/moved"
  route "$path" '{"redirect": "/storage/moved"}'
  route /storage/moved '{"file": "moved", "type": "application/octet-stream"}'
  run -0 ctool pull -q "$HOSTILE/h/img:redirected"
}

@test "a blob the manifest lists but the registry lacks" {
  image missing 'add("hello", b"hi\n")' >/dev/null
  local layer
  layer=$(blob_of missing '.layers[0].digest')
  rm "$LAYOUT/blobs/sha256/${layer#sha256:}"
  pull_fails "$HOSTILE/h/img:missing"
  [[ "$error_line" == *"${layer:7:12}"* ]] || fail "the error does not name the blob: $error_line"
}

# --- bad references and flags ----------------------------------------------

@test "bad references: one line quoting the input, exit 125, nothing changes" {
  local before ref verb
  before=$(store_sum)
  local refs=(
    "" "UPPER/case" "a:b:c" "name@sha256:abc" "name@sha256:$(printf 'g%.0s' {1..64})"
    "name:tag@sha256:short" "with space" "../../etc/passwd" "name:" ":tag" "@sha256:$(printf '%064d' 0)"
    "$(printf 'n%.0s' {1..300})" "host:port:extra/x" "registry:99999999999/x" "x//y" "x/-y" $'ctrl\001char'
  )
  for ref in "${refs[@]}"; do
    for verb in pull "run --rm" create "image inspect" "tag $IMAGE"; do
      # shellcheck disable=SC2086
      run --separate-stderr ctool $verb "$ref"
      [ "$status" -eq 125 ] || fail "$verb '$ref': exit $status, not 125 (stderr: $stderr)"
      [ "$(wc -l <<< "$stderr")" -eq 1 ] || fail "$verb '$ref': not one line: $stderr"
      [[ "$stderr" == "ctool: "* ]] || fail "$verb '$ref': $stderr"
    done
    run --separate-stderr ctool pull "$ref"
    [ -z "$ref" ] || [[ "$stderr" == *"${ref:0:60}"* ]] || [[ "$ref" == *$'\001'* ]] || fail "pull '$ref': the error does not quote it: $stderr"
  done
  [ "$(store_sum)" = "$before" ] || fail "the store changed"
  [ -z "$(ls -A "$CTOOL_TEST_ROOT/tmp")" ]
  run -0 ctool images -q
  [ "${#lines[@]}" -eq 1 ]
}

@test "bad flag values: one line naming the value, exit 125, nothing changes" {
  local before
  before=$(store_sum)
  bad() {
    run --separate-stderr ctool "$@"
    [ "$status" -eq 125 ] || fail "ctool $*: exit $status, not 125 (stderr: $stderr)"
    [ "$(wc -l <<< "$stderr")" -eq 1 ] && [[ "$stderr" == "ctool: "* ]] || fail "ctool $*: $stderr"
  }
  # Options are checked before anything is pulled: $IMAGE_DOCKER is not in the store.
  bad run --rm --ulimit nofile=x "$IMAGE_DOCKER" true
  bad create -v /tmp:relative "$IMAGE_DOCKER" true
  bad run --rm --stop-signal NOSIG "$IMAGE_DOCKER" true
  bad run --rm --ulimit nofile=10:5 "$IMAGE" true
  bad run --rm --ulimit bogus=1 "$IMAGE" true
  bad run --rm -e '=value' "$IMAGE" true
  bad run --rm -v :/x "$IMAGE" true
  bad run --rm -v /tmp:relative "$IMAGE" true
  bad run --rm -v /tmp:/x:bogus "$IMAGE" true
  bad run --rm --tmpfs relative "$IMAGE" true
  bad run --rm --stop-timeout -5 "$IMAGE" true
  bad run --rm --stop-timeout abc "$IMAGE" true
  bad run --rm --security-opt bogus "$IMAGE" true
  bad run --rm --userns bogus "$IMAGE" true
  bad run --rm --hostname "$(printf 'h%.0s' {1..100})" "$IMAGE" true
  bad ps --filter bogus
  bad ps --filter status=bogus
  bad stop -t abc nosuch
  bad logs --tail abc nosuch
  bad pull --platform '' "$IMAGE"
  bad --root '' images
  bad images --filter bogus=1
  [ "$(store_sum)" = "$before" ] || fail "the store changed"
  no_containers() { [ -z "$(ls -A "$CTOOL_TEST_ROOT/containers" 2>/dev/null | grep -E '^[0-9a-f]{64}$')" ]; }
  no_containers || fail "a container was left: $(ls "$CTOOL_TEST_ROOT/containers")"
}
