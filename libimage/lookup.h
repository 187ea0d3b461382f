/* Name rules on top of the store: what image a user means (image.h's
 * image_store_lookup lives in lookup.c) and what a new name becomes. */
#ifndef CTOOL_LOOKUP_H
#define CTOOL_LOOKUP_H

#include "error.h"
#include "image.h"

/* image_store_lookup, also telling which of the image's names INPUT
 * meant (*MATCHED, malloc'd; NULL when it gave an ID or a digest). */
int image_store_lookup_name(struct image_store *s, const char *input, struct image_info **out, char **matched,
                            ctool_error_t *err);
/* The image ID (config digest hex) of the image with MANIFEST_DIGEST. */
int store_image_config_digest(struct image_store *s, const char *manifest_digest, char **id_hex, ctool_error_t *err);
/* A name for tag/load as Podman stores it: a short name goes under
 * localhost/ ("myimg" -> "localhost/myimg:latest"), a full one is
 * normalized ("reg:5000/a/b" -> "reg:5000/a/b:latest"). */
int store_resolve_name(struct image_store *s, const char *input, char **name, ctool_error_t *err);

#endif
