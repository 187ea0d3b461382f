/* What store.c and store-blob.c share: the open store's descriptors and
 * the two steps before any write. Not for other files. */
#ifndef CTOOL_STORE_INTERNAL_H
#define CTOOL_STORE_INTERNAL_H

#include "store.h"

struct image_store {
  char *root;
  int rootfd;
  int blobsfd;     /* blobs/sha256 */
  int layersfd;    /* layers */
  int locksfd;     /* locks */
  int tmpfd;       /* tmp */
  /* Our private work dir under tmp/, made on the first write. */
  char *work_name;
  int workfd;
  int work_lockfd;
  /* gc.lock held shared while we have data not yet in index.json. */
  int gc_lockfd;
  unsigned holds;  /* store_hold_writes nesting */
  store_remove_fn remover;
  void *remover_data;
};

/* The hex part of "sha256:HEX" (a valid digest). */
static inline const char *
digest_hex(const char *digest)
{
  return digest + 7;
}

/* Take gc.lock shared, so that gc spares what is not in index.json yet. */
int store_begin_writing(struct image_store *s, ctool_error_t *err);
/* Make this process's work directory under tmp/ (once). */
int store_ensure_work_dir(struct image_store *s, ctool_error_t *err);

#endif
