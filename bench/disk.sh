#!/usr/bin/env bash
# Disk used by the store after pulling two images that share layers, ctool
# next to podman (overlay driver), each into an empty store. Real usage
# (du -sk: allocated blocks, not apparent sizes), counted from a user
# namespace that maps the subordinate IDs (layers hold files only those
# can read).
#
#   tests/setup/as-user bench/disk.sh /tmp/build-rel/ctool
#
# Environment: IMAGES (default "ctool-test/busybox:latest
# ctool-test/big:latest": big is busybox's layer plus three more),
# BENCH_RESULTS (see bench/all.sh).
set -euo pipefail
bench_name=disk.sh
bench_usage="bench/disk.sh PATH/TO/ctool"
. "$(dirname "$0")/lib.sh"

IMAGES=${IMAGES:-ctool-test/busybox:latest ctool-test/big:latest}
shared=""
for image in $IMAGES; do
  need_image "$REGISTRY/$image"
  layers=$(skopeo inspect --tls-verify=false --raw "docker://$REGISTRY/$image" | jq -r '.layers[].digest')
  if [ -z "$shared" ]; then shared=$layers; else shared=$(comm -12 <(sort <<< "$shared") <(sort <<< "$layers")); fi
done
[ -n "$shared" ] || echo "(note: $IMAGES share no layer)"
echo "== pulling $IMAGES ($(echo "$shared" | grep -c . || true) shared layers) into empty stores"
for image in $IMAGES; do pull_both "$REGISTRY/$image"; done

# The images' compressed size, each layer counted once.
compressed_kb=$(for image in $IMAGES; do
    skopeo inspect --tls-verify=false --raw "docker://$REGISTRY/$image" | jq -r '.layers[] | "\(.digest) \(.size)"'
  done | sort -u | awk '{ s += $2 } END { print int(s / 1024) }')
usage_kb() { "$CTOOL" unshare du -sk "$1" | cut -f1; }
c=$(usage_kb "$bench_work/ctool")
p=$(usage_kb "$bench_work/podman/root")
result disk.images "${IMAGES// /,}"
result disk.compressed.kb "$compressed_kb"
result disk.ctool.kb "$c"
result disk.podman.kb "$p"
echo "store after pulling both: ctool $c kB, podman $p kB (compressed layers: $compressed_kb kB)"
