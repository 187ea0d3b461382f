/* The image half of ctool as the runtime sees it: find a local image and
 * learn its config and the extracted layer directories to stack. */
#ifndef CTOOL_IMAGE_H
#define CTOOL_IMAGE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct image_store;

struct image_info {
  char *id;              /* hex sha256 of the config blob (64 chars) */
  char **names;          /* fully qualified names: "docker.io/library/busybox:latest" */
  char *manifest_digest; /* "sha256:..." */
  json_object *config;   /* the OCI image config (owned) */
  char **layer_dirs;     /* absolute paths of extracted layers, bottom first */
  int64_t created;       /* seconds since the epoch, from the config */
  uint64_t size;         /* bytes unpacked */
};

/* Open (creating when missing) the store under ROOT (--root). */
int image_store_open(const char *root, struct image_store **out, ctool_error_t *err);
void image_store_close(struct image_store *s);
/* Find an image by name (as the user typed it: short names match the
 * local names the way Podman does), by full ID or by a unique ID prefix.
 * Not found: returns -1 with err->errnum == ENOENT. */
int image_store_lookup(struct image_store *s, const char *name_or_id, struct image_info **out,
                       ctool_error_t *err);
void image_info_free(struct image_info *info);

#endif
