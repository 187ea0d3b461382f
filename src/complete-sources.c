/* What `ctool __complete` offers for images and containers: read from the
 * store the same way the verbs do, without taking locks or creating
 * anything (a completion must never change state or block). */
#include "complete.h"
#include "container.h"
#include "libimage/store.h"
#include "util.h"
#include "volume.h"

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

/* The command's context with --root/--runroot from the words typed. */
static struct cli_ctx
ctx_of(const struct complete_sources *src)
{
  struct cli_ctx ctx = *(const struct cli_ctx *) src->data;
  if (src->root)
    ctx.root = (char *) src->root;
  if (src->runroot)
    ctx.runroot = (char *) src->runroot;
  return ctx;
}

/* Names, and short IDs once the user has started typing (as Podman). */
static void
list_containers(const struct complete_sources *src, bool running_only, char ***out)
{
  struct cli_ctx ctx = ctx_of(src);
  struct container **list = NULL;
  size_t n = 0;
  ctool_error_t err = NULL;
  if (container_list(&ctx, &list, &n, &err) < 0)
    {
      ctool_error_free(&err);
      return;
    }
  for (size_t i = 0; i < n; i++)
    {
      if (running_only)
        {
          struct ctr_state st;
          if (container_state(list[i], &st, &err) < 0)
            {
              ctool_error_free(&err);
              continue;
            }
          if (st.status != CTR_RUNNING)
            continue;
        }
      strv_push(out, list[i]->name);
      if (src->cur && src->cur[0] != '\0')
        {
          cleanup_free char *id = xstrndup(list[i]->id, 12);
          strv_push(out, id);
        }
    }
  container_list_free(list, n);
}

static void
list_volumes(const struct complete_sources *src, char ***out)
{
  struct volume **list = NULL;
  size_t n = 0;
  ctool_error_t err = NULL;
  if (volume_list(root_of(src), &list, &n, &err) < 0)
    {
      ctool_error_free(&err);
      return;
    }
  for (size_t i = 0; i < n; i++)
    strv_push(out, list[i]->name);
  volume_list_free(list, n);
}

void
complete_sources_init(struct complete_sources *src, struct cli_ctx *ctx)
{
  *src = (struct complete_sources) {
    .data = ctx,
    .images = list_images,
    .containers = list_containers,
    .volumes = list_volumes,
  };
}
