/* Podman-shaped views of images (see image-view.h). */
#include "image-view.h"
#include "extract.h"
#include "jsonutil.h"
#include "util.h"

#include <string.h>
#include <time.h>

void
image_name_split(const char *name, char **repo, char **tag)
{
  const char *at = strchr(name, '@');
  size_t end = at ? (size_t) (at - name) : strlen(name);
  const char *slash = memrchr(name, '/', end);
  const char *colon = memrchr(name, ':', end);
  if (colon && (slash == NULL || colon > slash))
    {
      *repo = xstrndup(name, (size_t) (colon - name));
      *tag = at ? xstrndup(colon + 1, (size_t) (at - colon - 1)) : xstrdup(colon + 1);
    }
  else
    {
      *repo = xstrndup(name, end);
      *tag = xstrdup("<none>");
    }
}

char **
image_repo_digests(const struct image_info *info)
{
  char **out = xzalloc(sizeof(char *));
  for (size_t i = 0; info->names && info->names[i]; i++)
    {
      cleanup_free char *repo = NULL, *tag = NULL;
      image_name_split(info->names[i], &repo, &tag);
      cleanup_free char *rd = xasprintf("%s@%s", repo, info->manifest_digest);
      if (!strv_contains(out, rd))
        strv_push(&out, rd);
    }
  return out;
}

static json_object *
copy_or_null(json_object *o)
{
  return o ? json_object_get(o) : NULL;
}

const char *
image_created_string(const struct image_info *info)
{
  static char buf[64];
  const char *c = json_get_str(info->config, "created");
  if (c)
    return c;
  time_t t = (time_t) info->created;
  struct tm tm;
  gmtime_r(&t, &tm);
  strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

static json_object *
graph_driver(const struct image_info *info)
{
  json_object *gd = json_object_new_object();
  json_object *data = json_object_new_object();
  size_t n = strv_len(info->layer_dirs);
  if (n > 0)
    {
      json_object_object_add(data, "UpperDir", json_object_new_string(info->layer_dirs[n - 1]));
      cleanup_free char *lower = NULL;
      for (size_t i = n - 1; i-- > 0;)
        {
          char *l = lower ? xasprintf("%s:%s", lower, info->layer_dirs[i]) : xstrdup(info->layer_dirs[i]);
          free(lower);
          lower = l;
        }
      if (lower)
        json_object_object_add(data, "LowerDir", json_object_new_string(lower));
    }
  json_object_object_add(gd, "Name", json_object_new_string("overlay"));
  json_object_object_add(gd, "Data", data);
  return gd;
}

json_object *
image_inspect_json(struct image_store *s, const struct image_info *info)
{
  json_object *cfg = info->config;
  json_object *inner = json_get_obj(cfg, "config");
  json_object *o = json_object_new_object();
  cleanup_strv char **digests = image_repo_digests(info);
  json_object_object_add(o, "Id", json_object_new_string(info->id));
  json_object_object_add(o, "Digest", json_object_new_string(info->manifest_digest));
  json_object_object_add(o, "RepoTags", json_strv_new(info->names));
  json_object_object_add(o, "RepoDigests", json_strv_new(digests));
  json_object_object_add(o, "Parent", json_object_new_string(""));
  json_object_object_add(o, "Comment", json_object_new_string(json_get_str(cfg, "comment") ?: ""));
  json_object_object_add(o, "Created", json_object_new_string(image_created_string(info)));
  json_object_object_add(o, "Config", inner ? json_object_get(inner) : json_object_new_object());
  json_object_object_add(o, "Version", json_object_new_string(json_get_str(cfg, "docker_version") ?: ""));
  json_object_object_add(o, "Author", json_object_new_string(json_get_str(cfg, "author") ?: ""));
  json_object_object_add(o, "Architecture", json_object_new_string(json_get_str(cfg, "architecture") ?: ""));
  json_object_object_add(o, "Os", json_object_new_string(json_get_str(cfg, "os") ?: ""));
  if (json_get_str(cfg, "variant"))
    json_object_object_add(o, "Variant", json_object_new_string(json_get_str(cfg, "variant")));
  json_object_object_add(o, "Size", json_object_new_int64((int64_t) info->size));
  json_object_object_add(o, "VirtualSize", json_object_new_int64((int64_t) info->size));
  json_object_object_add(o, "GraphDriver", graph_driver(info));
  json_object *rootfs = json_object_new_object();
  json_object_object_add(rootfs, "Type", json_object_new_string("layers"));
  json_object *diff_ids = json_get_array(json_get_obj(cfg, "rootfs"), "diff_ids");
  json_object_object_add(rootfs, "Layers", diff_ids ? json_object_get(diff_ids) : json_object_new_array());
  json_object_object_add(o, "RootFS", rootfs);
  json_object_object_add(o, "Labels", copy_or_null(json_get_obj(inner, "Labels")));
  json_object *annotations = NULL;
  char *text = NULL;
  size_t len;
  ctool_error_t err = NULL;
  const char *mt = "application/vnd.oci.image.manifest.v1+json";
  json_object *manifest = NULL;
  if (store_read_blob(s, info->manifest_digest, &text, &len, &err) == 0
      && json_parse_text(text, len, "manifest", &manifest, &err) == 0)
    {
      annotations = copy_or_null(json_get_obj(manifest, "annotations"));
      mt = json_get_str(manifest, "mediaType") ?: mt;
    }
  ctool_error_free(&err);
  free(text);
  json_object_object_add(o, "Annotations", annotations ?: json_object_new_object());
  json_object_object_add(o, "ManifestType", json_object_new_string(mt));
  if (manifest)
    json_object_put(manifest);
  json_object_object_add(o, "User", json_object_new_string(json_get_str(inner, "User") ?: ""));
  json_object *history = json_get_array(cfg, "history");
  json_object_object_add(o, "History", history ? json_object_get(history) : json_object_new_array());
  json_object_object_add(o, "NamesHistory", json_strv_new(info->names));
  return o;
}

int
image_inspect_by_name(struct cli_ctx *ctx, const char *name, json_object **out, ctool_error_t *err)
{
  struct image_store *s = NULL;
  struct image_info *info = NULL;
  if (ctool_store_open(ctx, &s, err) < 0)
    return -1;
  int ret = image_store_lookup(s, name, &info, err);
  if (ret == 0)
    {
      *out = image_inspect_json(s, info);
      image_info_free(info);
    }
  image_store_close(s);
  return ret;
}

json_object *
image_list_json(const struct image_info *info, int containers)
{
  json_object *o = json_object_new_object();
  cleanup_strv char **digests = image_repo_digests(info);
  json_object *inner = json_get_obj(info->config, "config");
  json_object_object_add(o, "Id", json_object_new_string(info->id));
  json_object_object_add(o, "ParentId", json_object_new_string(""));
  json_object_object_add(o, "RepoTags", strv_len(info->names) ? json_strv_new(info->names) : NULL);
  json_object_object_add(o, "RepoDigests", json_strv_new(digests));
  json_object_object_add(o, "Size", json_object_new_int64((int64_t) info->size));
  json_object_object_add(o, "SharedSize", json_object_new_int64(0));
  json_object_object_add(o, "VirtualSize", json_object_new_int64((int64_t) info->size));
  json_object_object_add(o, "Labels", copy_or_null(json_get_obj(inner, "Labels")));
  json_object_object_add(o, "Containers", json_object_new_int(containers));
  json_object_object_add(o, "Names", strv_len(info->names) ? json_strv_new(info->names) : NULL);
  json_object_object_add(o, "Digest", json_object_new_string(info->manifest_digest));
  json_object_object_add(o, "History", json_strv_new(info->names));
  json_object_object_add(o, "Created", json_object_new_int64(info->created));
  json_object_object_add(o, "CreatedAt", json_object_new_string(image_created_string(info)));
  return o;
}
