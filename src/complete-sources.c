/* What `ctool __complete` offers for images and containers: read from the
 * store the same way the verbs do, without taking locks or creating
 * anything (a completion must never change state or block). */
#include "complete.h"
#include "libimage/store.h"
#include "util.h"

#include <string.h>
#include <unistd.h>

static const char *
root_of(const struct complete_sources *src)
{
  const struct cli_ctx *ctx = src->data;
  return src->root ? src->root : ctx->root;
}

/* "docker.io/library/busybox:latest" is also offered as "busybox:latest",
 * the way people type it. */
static void
push_image_name(char ***out, const char *name)
{
  strv_push(out, name);
  if (str_has_prefix(name, "docker.io/library/"))
    strv_push(out, name + strlen("docker.io/library/"));
  else if (str_has_prefix(name, "docker.io/"))
    strv_push(out, name + strlen("docker.io/"));
}

static void
list_images(const struct complete_sources *src, char ***out)
{
  const char *root = root_of(src);
  cleanup_free char *index = xasprintf("%s/index.json", root);
  if (access(index, R_OK) != 0)
    return;
  struct image_store *store = NULL;
  ctool_error_t err = NULL;
  struct store_image *imgs = NULL;
  size_t n = 0;
  if (image_store_open(root, &store, &err) < 0 || store_list_images(store, &imgs, &n, &err) < 0)
    {
      ctool_error_free(&err);
      image_store_close(store);
      return;
    }
  for (size_t i = 0; i < n; i++)
    for (size_t j = 0; imgs[i].names && imgs[i].names[j]; j++)
      push_image_name(out, imgs[i].names[j]);
  store_images_free(imgs, n);
  image_store_close(store);
}

void
complete_sources_init(struct complete_sources *src, struct cli_ctx *ctx)
{
  *src = (struct complete_sources) {
    .data = ctx,
    .images = list_images,
  };
}
