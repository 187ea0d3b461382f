/* The store opened with its remover: rm -rf inside the user namespace
 * (see extract.h). Kept apart from extract.c so that the commands that
 * only read or remove images do not link layer extraction (libarchive). */
#include "extract.h"
#include "fsutil.h"
#include "libimage/layer.h"
#include "userns.h"
#include "util.h"

#include <fcntl.h>

int
store_userns_map(struct idmap *map, unsigned *flags, ctool_error_t *err)
{
  if (idmap_for_user(map, false, err) < 0)
    return -1;
  *flags = 0;
  if (map->single)
    {
      /* Only the user is mapped: every file becomes the user's. */
      log_debug("single-ID user namespace: layer file owners are not kept");
      *flags |= LAYER_IGNORE_OWNERS;
    }
  return 0;
}

static int
remove_child(void *arg, ctool_error_t *err)
{
  char *const *paths = arg;
  for (size_t i = 0; paths[i]; i++)
    if (rm_rf_at(AT_FDCWD, paths[i], err) < 0)
      return -1;
  return 0;
}

int
store_remove_userns(void *data, char *const *paths, ctool_error_t *err)
{
  struct idmap map;
  unsigned flags;
  if (paths == NULL || paths[0] == NULL)
    return 0;
  if (store_userns_map(&map, &flags, err) < 0)
    return ctool_error_prefix(err, "remove layers");
  int r = userns_run(&map, remove_child, (void *) paths, err);
  if (r < 0)
    return -1;
  if (r != 0)
    return ctool_error_set(err, 0, "removal failed (exit status %d)", r);
  return 0;
}

int
ctool_store_open(struct cli_ctx *ctx, struct image_store **out, ctool_error_t *err)
{
  if (image_store_open(ctx->root, out, err) < 0)
    return -1;
  store_set_remover(*out, store_remove_userns, NULL);
  return 0;
}
