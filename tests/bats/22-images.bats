#!/usr/bin/env bats
# Local images: images/image ls, lookup by the names people type, tag, rmi,
# image inspect, image prune, save/load, and the store as an OCI layout
# that skopeo and umoci read. Images come in through `ctool load` of
# archives that skopeo makes from the test registry, so these tests do not
# depend on `ctool pull`.

load helpers

# Put REF (from the test registry) into the store under its full name.
get_image() {
  local ref=$1 tar
  tar=$BATS_TEST_TMPDIR/$(echo "$ref" | tr '/:' '__').tar
  [ -f "$tar" ] || skopeo copy -q --src-tls-verify=false "docker://$ref" "oci-archive:$tar:$ref"
  ctool load -q -i "$tar"
}

image_id() {
  ctool image inspect --format json "$1" | jq -r '.[0].Id'
}

@test "images lists a loaded image in Podman's table" {
  run -0 ctool images
  assert_output "REPOSITORY  TAG         IMAGE ID    CREATED     SIZE"
  get_image "$IMAGE"
  run -0 ctool images
  assert_line --index 0 --regexp '^REPOSITORY +TAG +IMAGE ID +CREATED +SIZE$'
  local id
  id=$(image_id "$IMAGE")
  assert_line --index 1 --regexp "^$CTOOL_TEST_REGISTRY/ctool-test/busybox +latest +${id:0:12} +.* ago +[0-9.]+ [kM]?B\$"
  [ "${#lines[@]}" -eq 2 ]
  # The same through the family and with a reference.
  run -0 ctool image ls ctool-test/busybox
  assert_line --index 1 --partial "${id:0:12}"
  run -0 ctool images nosuch
  [ "${#lines[@]}" -eq 1 ]
}

@test "images -q, --no-trunc, --digests and --format json" {
  get_image "$IMAGE"
  local id digest
  id=$(image_id "$IMAGE")
  digest=$(ctool image inspect "$IMAGE" | jq -r '.[0].Digest')
  run -0 ctool images -q
  assert_output "${id:0:12}"
  run -0 ctool images -q --no-trunc
  assert_output "sha256:$id"
  run -0 ctool images --digests
  assert_line --index 0 --regexp '^REPOSITORY +TAG +DIGEST +IMAGE ID'
  assert_line --index 1 --partial "$digest"
  run -0 ctool images --format json
  [ "$(jq -r '.[0].Id' <<< "$output")" = "$id" ]
  [ "$(jq -r '.[0].RepoTags[0]' <<< "$output")" = "$IMAGE" ]
  [ "$(jq -r '.[0].RepoDigests[0]' <<< "$output")" = "$CTOOL_TEST_REGISTRY/ctool-test/busybox@$digest" ]
  [ "$(jq -r '.[0].Created | type' <<< "$output")" = number ]
  [ "$(jq -r '.[0].Size > 1000000' <<< "$output")" = true ]
  run -125 ctool images --format '{{.ID}}x{{'
  run -125 ctool images --filter nonsense=1
  assert_output --partial "nonsense"
}

@test "images --filter dangling and reference" {
  get_image "$IMAGE"
  get_image "$IMAGE_OWNERS"
  run -0 ctool images --filter reference=owners -q
  assert_output "$(image_id "$IMAGE_OWNERS" | cut -c1-12)"
  run -0 ctool images --filter dangling=true -q
  assert_output ""
  # Move the owners image's only name away: it becomes <none>.
  ctool tag "$IMAGE" "$IMAGE_OWNERS"
  run -0 ctool images --filter dangling=true
  assert_line --index 1 --regexp '^<none> +<none> +'
}

@test "an image is found by full, short and tagless names, ID, ID prefix and digest" {
  get_image "$IMAGE"
  local id digest
  id=$(image_id "$IMAGE")
  digest=$(ctool image inspect "$IMAGE" | jq -r '.[0].Digest')
  for name in "$IMAGE" "$CTOOL_TEST_REGISTRY/ctool-test/busybox" busybox busybox:latest ctool-test/busybox \
      "$id" "${id:0:12}" "${id:0:5}" "sha256:$id" "$CTOOL_TEST_REGISTRY/ctool-test/busybox@$digest"; do
    run -0 ctool image inspect --format json "$name"
    [ "$(jq -r '.[0].Id' <<< "$output")" = "$id" ] || fail "'$name' found another image"
  done
  # A short name only matches whole path components.
  run -125 ctool image inspect sybox
  assert_output --partial "sybox: image not known"
  run -125 ctool image inspect busybox:other
  assert_output --partial "image not known"
}

@test "a short name that matches several images is an error listing them" {
  get_image "$IMAGE"
  get_image "$IMAGE_OWNERS"
  ctool tag "$IMAGE_OWNERS" other/busybox
  run -125 ctool image inspect busybox
  assert_output --partial "ambiguous"
  assert_output --partial "$IMAGE"
  assert_output --partial "localhost/other/busybox:latest"
  # The full name is not ambiguous.
  run -0 ctool image inspect localhost/other/busybox
}

@test "tag adds names (short ones under localhost/) and rejects bad ones" {
  get_image "$IMAGE"
  local id
  id=$(image_id "$IMAGE")
  run -0 ctool tag busybox mybox:1 registry.example:5000/team/box
  assert_output ""
  run -0 ctool image inspect --format json "$id"
  [ "$(jq -r '.[0].RepoTags | sort | join(",")' <<< "$output")" = \
    "$IMAGE,localhost/mybox:1,registry.example:5000/team/box:latest" ]
  run -0 ctool images --format json
  [ "$(jq -r '.[0].Names | length' <<< "$output")" = 3 ]
  run -125 ctool tag busybox 'Bad:Name:'
  assert_output --partial "Bad:Name:"
  run -125 ctool tag nosuch newname
  assert_output --partial "nosuch: image not known"
}

@test "image inspect prints Podman's fields" {
  get_image "$IMAGE"
  run -0 ctool image inspect "$IMAGE"
  local j=$output
  [ "$(jq -r 'length' <<< "$j")" = 1 ]
  for key in Id Digest RepoTags RepoDigests Created Config Architecture Os Size RootFS History GraphDriver ManifestType; do
    [ "$(jq -r ".[0] | has(\"$key\")" <<< "$j")" = true ] || fail "no $key"
  done
  [ "$(jq -r '.[0].Os' <<< "$j")" = linux ]
  [ "$(jq -r '.[0].RootFS.Type' <<< "$j")" = layers ]
  [ "$(jq -r '.[0].RootFS.Layers | length' <<< "$j")" -ge 1 ]
  [ "$(jq -r '.[0].Config.Cmd[0]' <<< "$j")" = sh ]
  [ "$(jq -r '.[0].Size' <<< "$j")" -gt 1000000 ]
  # The ID is the config's digest, as skopeo sees it.
  [ "sha256:$(jq -r '.[0].Id' <<< "$j")" = \
    "$(skopeo inspect --raw "oci:$CTOOL_TEST_ROOT:$IMAGE" | jq -r .config.digest)" ]
  # Found images are printed, missing ones fail the command.
  run -125 --separate-stderr ctool image inspect "$IMAGE" nosuch
  [ "$(jq -r 'length' <<< "$output")" = 1 ]
  [[ "$stderr" == *"nosuch: image not known"* ]]
}

@test "rmi untags one of several names, then deletes the image and its layers" {
  get_image "$IMAGE"
  local id
  id=$(image_id "$IMAGE")
  ctool tag "$IMAGE" extra:1
  run -0 ctool rmi extra:1
  assert_output "Untagged: localhost/extra:1"
  run -0 ctool rmi busybox
  assert_output "Untagged: $IMAGE
Deleted: $id"
  run -0 ctool images -q
  assert_output ""
  # Nothing of it is left: no layers, no blobs, no work files.
  [ -z "$(ls "$CTOOL_TEST_ROOT/layers")" ]
  [ -z "$(ls "$CTOOL_TEST_ROOT/blobs/sha256")" ]
  [ -z "$(ls "$CTOOL_TEST_ROOT/tmp")" ]
}

@test "rmi keeps layers other images share; image rm is the same verb" {
  get_image "$IMAGE"
  get_image "$IMAGE_LAYERS"
  local before
  before=$(ls "$CTOOL_TEST_ROOT/layers" | grep -vc json)
  run -0 ctool image rm "$IMAGE_LAYERS"
  assert_line --index 1 --partial "Deleted: "
  # busybox's layer is the base of the layers image: it stays.
  [ "$(ls "$CTOOL_TEST_ROOT/layers" | grep -vc json)" -eq 1 ]
  [ "$before" -gt 1 ]
  run -0 ctool image inspect "$IMAGE"
}

@test "rmi exit codes: 1 for a missing image, 125 for an ID with several names, -f removes them" {
  get_image "$IMAGE"
  local id
  id=$(image_id "$IMAGE")
  run -1 ctool rmi nosuch
  assert_output --partial "nosuch: image not known"
  run -0 ctool rmi -i nosuch
  ctool tag "$IMAGE" second
  run -125 ctool rmi "${id:0:12}"
  assert_output --partial "more than one name"
  run -0 ctool rmi -f "${id:0:12}"
  assert_line "Deleted: $id"
  # Several images: the others are still removed, the exit code tells.
  get_image "$IMAGE"
  run -1 ctool rmi nosuch "$IMAGE"
  assert_output --partial "Deleted: $id"
  run -0 ctool images -q
  assert_output ""
}

@test "rmi refuses an image a container uses (exit 2)" {
  skip_unless_verb create
  get_image "$IMAGE"
  run -0 ctool create --name user "$IMAGE" true
  run -2 ctool rmi "$IMAGE"
  assert_output --partial "in use by container"
  run -0 ctool image inspect "$IMAGE"
  run -0 ctool images --format json
  [ "$(jq '.[0].Containers' <<< "$output")" = 1 ]
  # prune -a keeps it too.
  run -0 ctool image prune -a -f
  assert_output ""
  # -f removes the container first, as with Podman.
  run -0 ctool rmi -f "$IMAGE"
  assert_line --partial "Deleted: "
  run -125 ctool container inspect user
  run -0 ctool images -q
  assert_output ""
}

@test "rmi --all removes every image" {
  get_image "$IMAGE"
  get_image "$IMAGE_OWNERS"
  run -0 ctool rmi --all
  [ "$(grep -c '^Deleted: ' <<< "$output")" = 2 ]
  run -0 ctool images -q
  assert_output ""
  run -125 ctool rmi --all busybox
}

@test "image prune removes nameless images, -a every unused one" {
  get_image "$IMAGE"
  get_image "$IMAGE_OWNERS"
  local owners_id
  owners_id=$(image_id "$IMAGE_OWNERS")
  ctool tag "$IMAGE" "$IMAGE_OWNERS"
  run -0 ctool image prune -f
  assert_output "$owners_id"
  run -0 ctool images -q
  [ "${#lines[@]}" -eq 1 ]
  # Without -f it asks; "n" keeps everything.
  run -0 bash -c "echo n | $CTOOL --root $CTOOL_TEST_ROOT image prune -a"
  run -0 ctool images -q
  [ "${#lines[@]}" -eq 1 ]
  run -0 ctool image prune -a -f
  run -0 ctool images -q
  assert_output ""
}

@test "save and load round trip as docker-archive and oci-archive" {
  get_image "$IMAGE"
  local id
  id=$(image_id "$IMAGE")
  run -0 ctool save -o "$BATS_TEST_TMPDIR/d.tar" busybox
  run -0 ctool save --format oci-archive -o "$BATS_TEST_TMPDIR/o.tar" busybox
  # Other tools read them.
  [ "$(skopeo inspect --raw "docker-archive:$BATS_TEST_TMPDIR/d.tar" | jq -r .config.digest)" = "sha256:$id" ]
  run -0 skopeo inspect "oci-archive:$BATS_TEST_TMPDIR/o.tar:$IMAGE"
  for archive in d.tar o.tar; do
    ctool rmi -a >/dev/null
    run -0 ctool load -i "$BATS_TEST_TMPDIR/$archive"
    assert_output "Loaded image: $IMAGE"
    [ "$(image_id "$IMAGE")" = "$id" ]
  done
  # Standard output and input work too.
  ctool save busybox > "$BATS_TEST_TMPDIR/s.tar"
  ctool rmi -a >/dev/null
  run -0 bash -c "$CTOOL --root $CTOOL_TEST_ROOT load < $BATS_TEST_TMPDIR/s.tar"
  assert_output "Loaded image: $IMAGE"
  # No temporary files next to the outputs.
  [ "$(ls "$BATS_TEST_TMPDIR" | grep -c tmp-)" = 0 ]
}

@test "load reads the archives skopeo writes" {
  [ -d "$CTOOL_TEST_ARCHIVES" ] || skip "no fixture archives in $CTOOL_TEST_ARCHIVES"
  run -0 ctool load -i "$CTOOL_TEST_ARCHIVES/busybox-docker.tar"
  assert_output "Loaded image: docker.io/ctool-test/busybox:latest"
  local id
  id=$(image_id docker.io/ctool-test/busybox)
  run -0 ctool load -i "$CTOOL_TEST_ARCHIVES/busybox-oci.tar"
  assert_output "Loaded image: docker.io/ctool-test/busybox:latest"
  # The same image in another archive format: still one image.
  [ "$(image_id docker.io/ctool-test/busybox)" = "$id" ]
  run -0 ctool images -q
  assert_output "${id:0:12}"
  run -0 ctool images --format json
  [ "$(jq length <<< "$output")" = 1 ]
}

@test "load rejects bad input, names nothing and leaves nothing behind" {
  run -125 ctool load -i /nonexistent.tar
  assert_output --partial "/nonexistent.tar"
  echo "not a tar" > "$BATS_TEST_TMPDIR/junk.tar"
  run -125 ctool load -i "$BATS_TEST_TMPDIR/junk.tar"
  assert_output --partial "junk.tar"
  # An OCI archive with one blob altered.
  skopeo copy -q --src-tls-verify=false "docker://$IMAGE" "oci:$BATS_TEST_TMPDIR/layout:$IMAGE"
  local layer
  layer=$(jq -r '.layers[0].digest' "$BATS_TEST_TMPDIR/layout/blobs/sha256/$(jq -r '.manifests[0].digest' \
    "$BATS_TEST_TMPDIR/layout/index.json" | cut -d: -f2)" | cut -d: -f2)
  chmod u+w "$BATS_TEST_TMPDIR/layout/blobs/sha256/$layer"
  printf 'x' | dd of="$BATS_TEST_TMPDIR/layout/blobs/sha256/$layer" bs=1 seek=100 conv=notrunc 2>/dev/null
  tar -C "$BATS_TEST_TMPDIR/layout" -cf "$BATS_TEST_TMPDIR/corrupt.tar" .
  run -125 ctool load -i "$BATS_TEST_TMPDIR/corrupt.tar"
  assert_output --partial "corrupt"
  run -0 ctool images -q
  assert_output ""
  [ -z "$(ls "$CTOOL_TEST_ROOT/layers")" ]
  [ -z "$(ls "$CTOOL_TEST_ROOT/tmp")" ]
}

@test "skopeo and umoci read the store as an OCI layout" {
  get_image "$IMAGE"
  get_image "$IMAGE_LAYERS"
  [ "$(jq -r .imageLayoutVersion "$CTOOL_TEST_ROOT/oci-layout")" = 1.0.0 ]
  run -0 skopeo inspect "oci:$CTOOL_TEST_ROOT:$IMAGE"
  [ "$(jq -r .Os <<< "$output")" = linux ]
  run -0 umoci ls --layout "$CTOOL_TEST_ROOT"
  assert_line "$IMAGE"
  assert_line "$IMAGE_LAYERS"
  # skopeo can copy an image out of the store, all blobs intact.
  run -0 skopeo copy -q "oci:$CTOOL_TEST_ROOT:$IMAGE_LAYERS" "oci:$BATS_TEST_TMPDIR/out:x"
}

@test "parallel loads of the same image end with one image and whole layers" {
  skopeo copy -q --src-tls-verify=false "docker://$IMAGE_LAYERS" "oci-archive:$BATS_TEST_TMPDIR/l.tar:$IMAGE_LAYERS"
  local pids=() i
  for i in 1 2 3 4; do
    ctool load -q -i "$BATS_TEST_TMPDIR/l.tar" & pids+=($!)
  done
  for i in "${pids[@]}"; do wait "$i"; done
  run -0 ctool images -q
  [ "${#lines[@]}" -eq 1 ]
  [ "$(ls "$CTOOL_TEST_ROOT/layers" | grep -vc json)" -eq "$(ctool image inspect "$IMAGE_LAYERS" | jq '.[0].RootFS.Layers | length')" ]
  [ -z "$(ls "$CTOOL_TEST_ROOT/tmp")" ]
  # Layer records and directories agree.
  for d in "$CTOOL_TEST_ROOT"/layers/*.json; do [ -d "${d%.json}" ]; done
}

@test "a load killed at any point leaves a store the next load completes" {
  skopeo copy -q --src-tls-verify=false "docker://$IMAGE_BIG" "oci-archive:$BATS_TEST_TMPDIR/big.tar:$IMAGE_BIG"
  local delay
  for delay in 0.05 0.3 0.8; do
    ctool load -q -i "$BATS_TEST_TMPDIR/big.tar" & local pid=$!
    sleep "$delay"
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    # The store is readable and names nothing half-made.
    run -0 ctool images --format json
    local n
    n=$(jq length <<< "$output")
    if [ "$n" = 1 ]; then run -0 ctool image inspect "$IMAGE_BIG"; fi
    for d in "$CTOOL_TEST_ROOT"/layers/*; do
      [ -e "$d" ] || continue
      case $d in *.json) ;; *) [ -f "$d.json" ] || fail "layer $d has no record" ;; esac
    done
  done
  run -0 ctool load -i "$BATS_TEST_TMPDIR/big.tar"
  assert_output "Loaded image: $IMAGE_BIG"
  run -0 ctool image inspect "$IMAGE_BIG"
  # What the killed loads left in tmp/ is gone (cleaned by the last load).
  [ -z "$(ls "$CTOOL_TEST_ROOT/tmp")" ]
}
