#!/usr/bin/env bats
# Extracted layers as they land on disk: owners on the user's subordinate
# IDs, setuid/setgid bits, whiteouts as overlay wants them, gzip/zstd/plain
# layers, layers shared by chain ID, and hostile layers that must not write
# outside the store.

load helpers

get_image() {
  local ref=$1 tar
  tar=$BATS_TEST_TMPDIR/$(echo "$ref" | tr '/:' '__').tar
  [ -f "$tar" ] || skopeo copy -q --src-tls-verify=false "docker://$ref" "oci-archive:$tar:$ref"
  ctool load -q -i "$tar"
}

# The extracted directory of layer N (0 = bottom) of IMAGE.
layer_dir() {
  local image=$1 n=$2 chain=
  local id
  for id in $(ctool image inspect "$image" | jq -r '.[0].RootFS.Layers[]' | head -n $((n + 1))); do
    if [ -z "$chain" ]; then chain=$id; else chain=sha256:$(printf '%s %s' "$chain" "$id" | sha256sum | cut -d' ' -f1); fi
  done
  echo "$CTOOL_TEST_ROOT/layers/${chain#sha256:}"
}

subid_start() {
  awk -F: -v u="$(id -un)" -v n="$(id -u)" '$1 == u || $1 == n { print $2; exit }' "$1"
}

@test "file owners land on the user's subordinate IDs; setuid and setgid stay" {
  local start gstart
  start=$(subid_start /etc/subuid)
  gstart=$(subid_start /etc/subgid)
  [ -n "$start" ] || skip "the test user has no subordinate IDs"
  get_image "$IMAGE_OWNERS"
  local top
  top=$(layer_dir "$IMAGE_OWNERS" 1)
  # Container UID 0 is the user; UID N > 0 is start + N - 1.
  [ "$(stat -c %u:%g "$top/owned/by-1000")" = "$((start + 999)):$((gstart + 999))" ]
  [ "$(stat -c %u "$top/owned/dir-65534")" = "$((start + 65533))" ]
  [ "$(stat -c %a "$top/owned/setgid-1000")" = 2755 ]
  local base
  base=$(layer_dir "$IMAGE_OWNERS" 0)
  [ "$(stat -c %u "$base/bin/busybox")" = "$(id -u)" ]
  # An xattr of the image is kept.
  [ "$(python3 -c 'import os,sys; print(os.getxattr(sys.argv[1], "user.ctool").decode())' "$top/owned/xattr")" = fixture ]
}

@test "whiteouts become character devices 0/0, opaque directories get user.overlay.opaque" {
  get_image "$IMAGE_LAYERS"
  local n found_wh=0 found_opq=0 d
  n=$(ctool image inspect "$IMAGE_LAYERS" | jq '.[0].RootFS.Layers | length')
  for ((i = 0; i < n; i++)); do
    d=$(layer_dir "$IMAGE_LAYERS" "$i")
    [ -d "$d" ] || fail "layer $i is not at $d"
    # No OCI whiteout file survives extraction.
    [ -z "$(find "$d" -name '.wh.*' | head -n1)" ] || fail "a .wh. file in layer $i"
    while read -r f; do
      [ "$(stat -c '%F %t:%T' "$f")" = "character special file 0:0" ] && found_wh=1
    done < <(find "$d" -type c)
    while read -r f; do
      python3 -c 'import os,sys; sys.exit(0 if os.getxattr(sys.argv[1], "user.overlay.opaque") == b"y" else 1)' "$f" \
        2>/dev/null && found_opq=1
    done < <(find "$d" -type d)
  done
  [ "$found_wh" = 1 ] || fail "no whiteout device found"
  [ "$found_opq" = 1 ] || fail "no opaque directory found"
}

@test "zstd, multi-frame zstd and uncompressed layers extract" {
  get_image "$IMAGE_ZSTD"
  get_image "$IMAGE_UNCOMPRESSED"
  run -0 ctool image inspect "$IMAGE_ZSTD" "$IMAGE_UNCOMPRESSED"
  [ "$(jq length <<< "$output")" = 2 ]
  for image in "$IMAGE_ZSTD" "$IMAGE_UNCOMPRESSED"; do
    local n
    n=$(ctool image inspect "$image" | jq '.[0].RootFS.Layers | length')
    [ -d "$(layer_dir "$image" $((n - 1)))" ]
  done
}

@test "images share layers by chain ID; sizes come from the records" {
  get_image "$IMAGE"
  get_image "$IMAGE_LAYERS"
  [ "$(layer_dir "$IMAGE" 0)" = "$(layer_dir "$IMAGE_LAYERS" 0)" ]
  local total
  total=$(ctool image inspect "$IMAGE_LAYERS" | jq '.[0].RootFS.Layers | length')
  [ "$(ls "$CTOOL_TEST_ROOT/layers" | grep -vc json)" -eq "$total" ]
  # Size: the sum of the recorded unpacked sizes.
  local sum=0 rec
  for ((i = 0; i < total; i++)); do
    rec=$(layer_dir "$IMAGE_LAYERS" "$i").json
    sum=$((sum + $(jq .size "$rec")))
  done
  [ "$(ctool image inspect "$IMAGE_LAYERS" | jq '.[0].Size')" = "$sum" ]
  # The layer dirs and the image's GraphDriver agree.
  [ "$(ctool image inspect "$IMAGE_LAYERS" | jq -r '.[0].GraphDriver.Data.UpperDir')" = "$(layer_dir "$IMAGE_LAYERS" $((total - 1)))" ]
}

# An OCI archive whose only layer is the tar that the python code in
# $1 writes to the file object `t` (tarfile, uncompressed).
hostile_archive() {
  python3 - "$BATS_TEST_TMPDIR/hostile.tar" "$BATS_TEST_TMPDIR/outside" "$1" <<'EOF'
import hashlib, io, json, sys, tarfile
out, outside, code = sys.argv[1], sys.argv[2], sys.argv[3]
buf = io.BytesIO()
t = tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT)
def add(name, data=b"", **kw):
    ti = tarfile.TarInfo(name)
    for k, v in kw.items(): setattr(ti, k, v)
    ti.size = len(data) if ti.type == tarfile.REGTYPE else 0
    t.addfile(ti, io.BytesIO(data) if ti.type == tarfile.REGTYPE else None)
exec(code)
t.close()
layer = buf.getvalue()
def blob(data): return "sha256:" + hashlib.sha256(data).hexdigest(), data
ld, _ = blob(layer)
config = json.dumps({"architecture": "amd64", "os": "linux", "rootfs": {"type": "layers", "diff_ids": [ld]}}).encode()
cd, _ = blob(config)
manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": cd, "size": len(config)},
  "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": len(layer)}]}).encode()
md, _ = blob(manifest)
index = json.dumps({"schemaVersion": 2, "manifests": [{"mediaType": "application/vnd.oci.image.manifest.v1+json",
  "digest": md, "size": len(manifest), "annotations": {"org.opencontainers.image.ref.name": "localhost/hostile:1"}}]}).encode()
with tarfile.open(out, "w") as o:
    for name, data in [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index),
                       ("blobs/sha256/" + md[7:], manifest), ("blobs/sha256/" + cd[7:], config),
                       ("blobs/sha256/" + ld[7:], layer)]:
        ti = tarfile.TarInfo(name); ti.size = len(data); o.addfile(ti, io.BytesIO(data))
EOF
}

# Load the hostile archive; it must fail or stay inside; nothing outside
# changes, and a failure leaves no image, layer or work file.
check_hostile() {
  mkdir -p "$BATS_TEST_TMPDIR/outside"
  run ctool load -i "$BATS_TEST_TMPDIR/hostile.tar"
  load_status=$status load_output=$output
  [ -z "$(ls -A "$BATS_TEST_TMPDIR/outside")" ] || fail "something was written outside: $(ls -A "$BATS_TEST_TMPDIR/outside")"
  if [ "$load_status" -ne 0 ]; then
    [ "$load_status" -eq 125 ]
    [ "$(ctool images -q)" = "" ]
    [ -z "$(ls "$CTOOL_TEST_ROOT/layers")" ]
    [ -z "$(ls "$CTOOL_TEST_ROOT/tmp")" ]
  fi
}

@test "hostile layer: '..' paths are refused" {
  hostile_archive 'add("../../outside/evil", b"x"); add("a/../../outside/evil2", b"x")'
  check_hostile
  [ "$load_status" -eq 125 ]
  [[ "$load_output" == *"its path contains '..'"* ]]
}

@test "hostile layer: writes through a symlink to outside stay inside the layer" {
  hostile_archive 'add("esc", type=tarfile.SYMTYPE, linkname=outside); add("esc/evil", b"x")
add("root", type=tarfile.SYMTYPE, linkname="/"); add("root" + outside + "/evil2", b"x")'
  check_hostile
}

@test "hostile layer: absolute paths stay inside the layer" {
  hostile_archive 'add(outside + "/evil", b"x")'
  check_hostile
  [ "$load_status" -eq 0 ]
}

@test "hostile layer: a hardlink to a host file is refused" {
  local links
  links=$(stat -c %h /etc/passwd)
  hostile_archive 'add("passwd", type=tarfile.LNKTYPE, linkname="/etc/passwd")'
  check_hostile
  [ "$load_status" -eq 125 ]
  [[ "$load_output" == *"refusing hardlink passwd"* ]]
  hostile_archive 'add("root", type=tarfile.SYMTYPE, linkname="/"); add("passwd", type=tarfile.LNKTYPE, linkname="root/etc/passwd")'
  check_hostile
  [ "$load_status" -eq 125 ]
  [ "$(stat -c %h /etc/passwd)" = "$links" ]
}

@test "hostile layer: device nodes are skipped, a file-count bomb is stopped" {
  hostile_archive 'add("dev/sda", type=tarfile.BLKTYPE, devmajor=8, devminor=0); add("ok", b"fine")'
  check_hostile
  [ "$load_status" -eq 0 ]
  [ ! -e "$(layer_dir localhost/hostile:1 0)/dev/sda" ]
  [ -f "$(layer_dir localhost/hostile:1 0)/ok" ]
  ctool rmi -a >/dev/null
  hostile_archive 'for i in range(300): add("f%d" % i, b"")'
  CTOOL_LAYER_MAX_FILES=100 run ctool load -i "$BATS_TEST_TMPDIR/hostile.tar"
  [ "$status" -eq 125 ]
  assert_output --partial "CTOOL_LAYER_MAX_FILES"
  run -0 ctool images -q
  assert_output ""
  [ -z "$(ls "$CTOOL_TEST_ROOT/layers")" ]
}

@test "a container sees the layers stacked: whiteouts hide, opaque directories hide, upper files win" {
  skip_unless_verb run
  get_image "$IMAGE_LAYERS"
  run -0 ctool run --rm --network none "$IMAGE_LAYERS" sh -c \
    'ls /data | sort | tr "\n" " "; echo; ls /opq; ls /data/dir-to-remove; cat /data/keep.txt; test -e /etc/motd || echo "no motd"'
  assert_line --index 0 "added.txt dir-to-remove hardlink-source hardlink-target keep.txt link-to-keep "
  assert_line --index 1 "new"
  assert_line --index 2 "reborn"
  assert_line --index 3 "keep v3"
  assert_line --index 4 "no motd"
}
