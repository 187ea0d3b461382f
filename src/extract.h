/* The store's hooks that need the user namespace: layers are unpacked as
 * root in a namespace mapped with the user's subordinate IDs (so file
 * owners land on them), and removed the same way (the user alone cannot
 * unlink files owned by subordinate IDs). */
#ifndef CTOOL_EXTRACT_H
#define CTOOL_EXTRACT_H

#include "cli.h"
#include "error.h"
#include "libimage/store.h"

/* store_extract_fn (extract.c): all JOBS in one user namespace child, in parallel
 * threads. DATA is unused (NULL). */
int extract_layers_userns(void *data, struct store_extract_job *jobs, size_t n_jobs, ctool_error_t *err);
/* store_remove_fn (store-userns.c): rm -rf of PATHS inside the user namespace. */
int store_remove_userns(void *data, char *const *paths, ctool_error_t *err);

/* The user namespace both run in (the user's subordinate IDs); with only
 * a single ID, *FLAGS gets LAYER_IGNORE_OWNERS (libimage/layer.h). */
struct idmap;
int store_userns_map(struct idmap *map, unsigned *flags, ctool_error_t *err);

/* Open the store under ctx->root with the remover above set: what every
 * verb uses. */
int ctool_store_open(struct cli_ctx *ctx, struct image_store **out, ctool_error_t *err);

#endif
