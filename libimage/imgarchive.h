/* Image archives, so offline machines can move images: an OCI archive (a
 * tar of an OCI image layout) and a Docker archive (`docker save`'s
 * manifest.json, configs and uncompressed layer tars). Loading detects
 * which one it got (gzip/zstd-compressed archives too). */
#ifndef CTOOL_IMGARCHIVE_H
#define CTOOL_IMGARCHIVE_H

#include <stddef.h>

#include "error.h"
#include "store.h"

enum image_archive_format {
  IMAGE_ARCHIVE_OCI,
  IMAGE_ARCHIVE_DOCKER,
};

/* "oci-archive" / "docker-archive"; -1 for anything else. */
int image_archive_format_parse(const char *name);

/* Write IMAGES (with all their names) as one archive to OUT_FD. */
int image_archive_save(struct image_store *s, enum image_archive_format fmt, struct image_info *const *images,
                       size_t n, int out_fd, ctool_error_t *err);

/* Read an archive from IN_FD into the store, extracting layers with
 * EXTRACT. *LOADED gets what to report per image: its full names, or
 * "sha256:ID" for an image without one. */
int image_archive_load(struct image_store *s, int in_fd, store_extract_fn extract, void *extract_data,
                       char ***loaded, ctool_error_t *err);

#endif
