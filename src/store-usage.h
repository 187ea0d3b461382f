/* What the user's store holds and what of it could go: images (their
 * extracted layers), containers (their writable layers) and volumes, for
 * `system df` and the "Total reclaimed space" of `system prune`.
 *
 * Sizes are bytes of regular file contents (disk-usage.h). A layer shared
 * by several images counts once in the totals; an image's SharedSize is
 * what it shares with other images, its UniqueSize the rest. What is
 * reclaimable is what the prunes would free: layers of images that no
 * container uses, writable layers of containers that do not run, volumes
 * that no container mounts. */
#ifndef CTOOL_STORE_USAGE_H
#define CTOOL_STORE_USAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli.h"
#include "container.h"
#include "error.h"
#include "libimage/image.h"
#include "volume.h"

struct usage_image {
  struct image_info *info;
  uint64_t size, shared, unique;
  size_t containers;       /* containers made from it */
};

struct usage_container {
  struct container *ctr;
  uint64_t rw_size;        /* its upper directory */
  bool running;
  const char *status;      /* "running", "exited", ... */
  size_t volumes;          /* named volumes it mounts */
};

struct usage_volume {
  struct volume *vol;
  uint64_t size;
  size_t links;            /* containers that mount it */
};

struct usage_summary {
  size_t total, active;
  uint64_t size, reclaimable;
};

struct store_usage {
  struct usage_image *images;
  size_t n_images;
  struct usage_container *containers;
  size_t n_containers;
  struct usage_volume *volumes;
  size_t n_volumes;
  struct usage_summary sum_images, sum_containers, sum_volumes;
};

int store_usage_collect(struct cli_ctx *ctx, struct store_usage *u, ctool_error_t *err);
void store_usage_clear(struct store_usage *u);
/* Everything the store holds, in bytes. */
uint64_t store_usage_total(const struct store_usage *u);

#endif
