/* What the store holds and what could go (see store-usage.h). */
#include "store-usage.h"
#include "cmd-image.h"
#include "disk-usage.h"
#include "extract.h"
#include "jsonutil.h"
#include "start.h"
#include "util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

/* One extracted layer and who needs it. */
struct layer_use {
  const char *dir;
  uint64_t size;
  size_t images;      /* images that stack it */
  bool active;        /* some image with containers stacks it */
};

/* The unpacked size recorded next to the layer (ROOT/layers/CHAIN.json). */
static uint64_t
layer_size(const char *dir)
{
  cleanup_free char *record = xasprintf("%s.json", dir);
  cleanup_json json_object *o = NULL;
  ctool_error_t e = NULL;
  if (json_read_file_at(AT_FDCWD, record, &o, &e) < 0)
    {
      ctool_error_free(&e);
      return 0;
    }
  int64_t size = json_get_int(o, "size", 0);
  return size > 0 ? (uint64_t) size : 0;
}

static struct layer_use *
layer_find(struct layer_use *layers, size_t n, const char *dir)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(layers[i].dir, dir) == 0)
      return &layers[i];
  return NULL;
}

static size_t
containers_of_image(const struct store_usage *u, const char *image_id)
{
  size_t k = 0;
  for (size_t i = 0; i < u->n_containers; i++)
    {
      const char *id = json_get_str(u->containers[i].ctr->meta, META_IMAGE_ID);
      k += id && strcmp(id, image_id) == 0;
    }
  return k;
}

static int
collect_images(struct cli_ctx *ctx, struct store_usage *u, ctool_error_t *err)
{
  struct image_store *s = NULL;
  struct image_info **infos = NULL;
  size_t n = 0;
  if (ctool_store_open(ctx, &s, err) < 0 || image_list_all(s, &infos, &n, err) < 0)
    {
      image_store_close(s);
      return -1;
    }
  image_store_close(s);
  u->images = xzalloc((n + 1) * sizeof *u->images);
  u->n_images = n;
  struct layer_use *layers = NULL;
  size_t n_layers = 0;
  for (size_t i = 0; i < n; i++)
    {
      struct usage_image *ui = &u->images[i];
      ui->info = infos[i];
      ui->containers = containers_of_image(u, infos[i]->id);
      for (size_t j = 0; infos[i]->layer_dirs && infos[i]->layer_dirs[j]; j++)
        {
          const char *dir = infos[i]->layer_dirs[j];
          struct layer_use *l = layer_find(layers, n_layers, dir);
          if (l == NULL)
            {
              layers = xrealloc(layers, (n_layers + 1) * sizeof *layers);
              l = &layers[n_layers++];
              *l = (struct layer_use){ .dir = dir, .size = layer_size(dir) };
            }
          l->images++;
          l->active |= ui->containers > 0;
        }
    }
  free(infos);
  for (size_t i = 0; i < n; i++)
    {
      struct usage_image *ui = &u->images[i];
      for (size_t j = 0; ui->info->layer_dirs && ui->info->layer_dirs[j]; j++)
        {
          const struct layer_use *l = layer_find(layers, n_layers, ui->info->layer_dirs[j]);
          ui->size += l->size;
          if (l->images > 1)
            ui->shared += l->size;
        }
      ui->unique = ui->size - ui->shared;
      u->sum_images.active += ui->containers > 0;
    }
  u->sum_images.total = n;
  for (size_t i = 0; i < n_layers; i++)
    {
      u->sum_images.size += layers[i].size;
      if (!layers[i].active)
        u->sum_images.reclaimable += layers[i].size;
    }
  free(layers);
  return 0;
}

static int
collect_containers(struct cli_ctx *ctx, struct store_usage *u, ctool_error_t *err)
{
  struct container **list = NULL;
  size_t n = 0;
  if (container_list(ctx, &list, &n, err) < 0)
    return -1;
  u->containers = xzalloc((n + 1) * sizeof *u->containers);
  u->n_containers = n;
  for (size_t i = 0; i < n; i++)
    {
      struct usage_container *uc = &u->containers[i];
      uc->ctr = list[i];
      struct ctr_state st;
      ctool_error_t e = NULL;
      if (container_state(list[i], &st, &e) < 0)
        {
          log_warn("%s", e->msg);
          ctool_error_free(&e);
          st.status = CTR_EXITED;
        }
      uc->running = status_is_live(st.status);
      uc->status = ctr_status_name(st.status);
      json_object *vols = json_get_array(list[i]->meta, META_VOLUMES);
      uc->volumes = vols ? json_object_array_length(vols) : 0;
    }
  free(list);
  return 0;
}

static int
collect_volumes(struct cli_ctx *ctx, struct store_usage *u, ctool_error_t *err)
{
  struct volume **list = NULL;
  size_t n = 0;
  if (volume_list(ctx->root, &list, &n, err) < 0)
    return -1;
  u->volumes = xzalloc((n + 1) * sizeof *u->volumes);
  u->n_volumes = n;
  for (size_t i = 0; i < n; i++)
    {
      struct usage_volume *uv = &u->volumes[i];
      uv->vol = list[i];
      for (size_t c = 0; c < u->n_containers; c++)
        {
          json_object *vols = json_get_array(u->containers[c].ctr->meta, META_VOLUMES);
          for (size_t j = 0; vols && j < json_object_array_length(vols); j++)
            {
              const char *name = json_get_str(json_object_array_get_idx(vols, j), "Name");
              if (name && strcmp(name, uv->vol->name) == 0)
                {
                  uv->links++;
                  break;
                }
            }
        }
    }
  free(list);
  return 0;
}

/* The writable layers and the volumes, measured in one go. */
static void
measure_trees(struct store_usage *u)
{
  size_t n = u->n_containers + u->n_volumes;
  char **paths = xzalloc((n + 1) * sizeof *paths);
  uint64_t *sizes = xzalloc((n + 1) * sizeof *sizes);
  for (size_t i = 0; i < u->n_containers; i++)
    paths[i] = xasprintf("%s/upper", u->containers[i].ctr->dir);
  for (size_t i = 0; i < u->n_volumes; i++)
    paths[u->n_containers + i] = xstrdup(u->volumes[i].vol->mountpoint);
  ctool_error_t e = NULL;
  disk_usage_many(paths, sizes, &e);
  ctool_error_free(&e);
  for (size_t i = 0; i < u->n_containers; i++)
    {
      struct usage_container *uc = &u->containers[i];
      uc->rw_size = sizes[i];
      u->sum_containers.size += uc->rw_size;
      if (uc->running)
        u->sum_containers.active++;
      else
        u->sum_containers.reclaimable += uc->rw_size;
    }
  u->sum_containers.total = u->n_containers;
  for (size_t i = 0; i < u->n_volumes; i++)
    {
      struct usage_volume *uv = &u->volumes[i];
      uv->size = sizes[u->n_containers + i];
      u->sum_volumes.size += uv->size;
      if (uv->links > 0)
        u->sum_volumes.active++;
      else
        u->sum_volumes.reclaimable += uv->size;
    }
  u->sum_volumes.total = u->n_volumes;
  strv_free(paths);
  free(sizes);
}

int
store_usage_collect(struct cli_ctx *ctx, struct store_usage *u, ctool_error_t *err)
{
  memset(u, 0, sizeof *u);
  if (collect_containers(ctx, u, err) < 0 || collect_images(ctx, u, err) < 0 || collect_volumes(ctx, u, err) < 0)
    {
      store_usage_clear(u);
      return -1;
    }
  measure_trees(u);
  return 0;
}

void
store_usage_clear(struct store_usage *u)
{
  for (size_t i = 0; i < u->n_images; i++)
    image_info_free(u->images[i].info);
  free(u->images);
  for (size_t i = 0; i < u->n_containers; i++)
    container_free(u->containers[i].ctr);
  free(u->containers);
  for (size_t i = 0; i < u->n_volumes; i++)
    volume_free(u->volumes[i].vol);
  free(u->volumes);
  memset(u, 0, sizeof *u);
}

uint64_t
store_usage_total(const struct store_usage *u)
{
  return u->sum_images.size + u->sum_containers.size + u->sum_volumes.size;
}
