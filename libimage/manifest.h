/* Image manifests as registries serve them: OCI image manifests and
 * indexes, Docker schema 2 manifests and manifest lists. Docker schema 1
 * is recognized only to be refused with a clear message. */
#ifndef CTOOL_MANIFEST_H
#define CTOOL_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "platform.h"

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"
#define MT_DOCKER_CONFIG "application/vnd.docker.container.image.v1+json"
#define MT_DOCKER_SCHEMA1 "application/vnd.docker.distribution.manifest.v1+json"
#define MT_DOCKER_SCHEMA1_SIGNED "application/vnd.docker.distribution.manifest.v1+prettyjws"

/* What we send as Accept: every kind we understand, and schema 1 last so
 * that a registry holding only that answers with it (and we can say so). */
#define MANIFEST_ACCEPT                                                                      \
  MT_OCI_INDEX ", " MT_OCI_MANIFEST ", " MT_DOCKER_LIST ", " MT_DOCKER_MANIFEST ", "        \
  MT_DOCKER_SCHEMA1_SIGNED ";q=0.5, " MT_DOCKER_SCHEMA1 ";q=0.5"

/* Largest manifest or config we read into memory. */
#define MANIFEST_MAX_SIZE (4u << 20)

enum manifest_kind {
  MANIFEST_IMAGE,   /* one image: a config and layers */
  MANIFEST_INDEX,   /* a list of images, one per platform */
};

/* How a layer blob is compressed (the store's extraction decides how to
 * read it; this only vouches that ctool can). */
enum layer_compression {
  LAYER_UNKNOWN,
  LAYER_TAR,
  LAYER_GZIP,
  LAYER_ZSTD,
};

struct descriptor {
  char *media_type;
  char *digest;          /* "sha256:<64 hex>" */
  int64_t size;          /* -1 when the manifest does not say */
  bool has_platform;     /* index entries */
  char *os, *arch, *variant;
};

struct manifest {
  enum manifest_kind kind;
  char *media_type;              /* the manifest's own type */
  struct descriptor config;      /* MANIFEST_IMAGE */
  struct descriptor *layers;     /* MANIFEST_IMAGE, bottom first */
  size_t n_layers;
  struct descriptor *manifests;  /* MANIFEST_INDEX */
  size_t n_manifests;
};

/* Parse DATA (exactly as served). CONTENT_TYPE is the server's
 * Content-Type (parameters ignored) or NULL; when it is missing or generic
 * the document's mediaType and shape decide. Schema 1 fails with a
 * message that says how to fix the image. */
int manifest_parse(const char *data, size_t len, const char *content_type, struct manifest *out,
                   ctool_error_t *err);
void manifest_clear(struct manifest *m);

/* The index entry to pull for WANT: os and arch must match; with no
 * variant asked for, arm64 prefers v8 and arm prefers v7, then v6, v5;
 * otherwise the variant must match (arm64 without a variant is v8, arm
 * without one is v7). Entries for os/arch "unknown" (attestations) are
 * never chosen. No match: an error listing the platforms offered. */
int manifest_select_platform(const struct manifest *index, const struct platform *want,
                             const struct descriptor **out, ctool_error_t *err);

/* Check that every layer is something ctool can pull and extract:
 * foreign/non-distributable and encrypted layers, or unknown media types,
 * are errors naming the layer. Also checks the config media type. */
int manifest_check_pullable(const struct manifest *m, ctool_error_t *err);
enum layer_compression layer_compression_of(const char *media_type);

/* The parts of an image config the pull checks. */
struct image_config_info {
  char **diff_ids;       /* NULL-ended, bottom first */
  size_t n_diff_ids;
  char *os, *arch, *variant;
};

/* Parse a config blob; rootfs.type must be "layers" and every diff_id a
 * valid sha256 digest. */
int image_config_parse(const char *data, size_t len, struct image_config_info *out, ctool_error_t *err);
void image_config_info_clear(struct image_config_info *c);

/* "sha256:<64 lowercase hex>" of DATA into OUT (at least 72 bytes). */
void digest_sha256(const void *data, size_t len, char out[72]);
/* Check DATA against EXPECTED ("sha256:..."); WHAT names it in the error. */
int digest_verify(const void *data, size_t len, const char *expected, const char *what, ctool_error_t *err);

#endif
