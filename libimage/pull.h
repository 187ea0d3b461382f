/* Pull an image from a registry into the store: resolve the name
 * (short names, aliases, mirrors, blocked registries), fetch and check the
 * manifest (platform from an index), the config and the layers (in
 * parallel, streamed and hashed), then let the store extract and record
 * the image. What `ctool pull` and `ctool run` (missing image) use. */
#ifndef CTOOL_PULL_H
#define CTOOL_PULL_H

#include <stdbool.h>
#include <stdio.h>

#include "auth.h"
#include "error.h"
#include "store.h"

struct pull_options {
  const char *reference;         /* as the user typed it */
  const char *platform;          /* "os/arch[/variant]", NULL for this machine */
  int tls_verify;                /* -1: registries.conf decides; 0 or 1 */
  const char *authfile;          /* --authfile or NULL */
  const struct auth_cred *creds; /* --creds or NULL */
  FILE *progress;                /* stderr, or NULL for quiet */
  store_extract_fn extract;      /* unpacks layers (src/extract.c) */
  void *extract_data;
};

struct pull_result {
  char *name;             /* the fully qualified name recorded */
  char *manifest_digest;  /* of the image manifest (not the index) */
  char *image_id;         /* 64 hex: the config digest */
};

/* Pull; on failure nothing of it stays in the store (downloaded blobs
 * are collected again unless another process is writing). Errors that
 * mean "no such image" carry errnum ENOENT. */
int pull_image(struct image_store *s, const struct pull_options *opts, struct pull_result *out, ctool_error_t *err);
void pull_result_clear(struct pull_result *r);

#endif
