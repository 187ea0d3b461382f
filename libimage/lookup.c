/* Finding a local image by what the user typed, as Podman does: a full
 * name, a short name matching the end of a local name's repository path
 * ("busybox" finds docker.io/library/busybox:latest and
 * 127.0.0.1:5000/ctool-test/busybox:latest, "ctool-test/busybox" only the
 * latter), a name without a tag (= :latest), an image ID or a unique ID
 * prefix ("sha256:" allowed), or name@digest. */
#include "lookup.h"
#include "reference.h"
#include "store.h"
#include "jsonutil.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The config digest hex (image ID) of every image, in list order. */
static char **
image_ids(struct image_store *s, struct store_image *imgs, size_t n)
{
  char **ids = xzalloc((n + 1) * sizeof *ids);
  for (size_t i = 0; i < n; i++)
    {
      ctool_error_t err = NULL;
      if (store_image_config_digest(s, imgs[i].manifest_digest, &ids[i], &err) < 0)
        {
          log_debug("%s", err->msg);
          ctool_error_free(&err);
          ids[i] = xstrdup("");
        }
    }
  return ids;
}

int
store_image_config_digest(struct image_store *s, const char *manifest_digest, char **id_hex, ctool_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (store_read_blob(s, manifest_digest, &text, &len, err) < 0)
    return -1;
  cleanup_json json_object *m = NULL;
  if (json_parse_text(text, len, "manifest", &m, err) < 0)
    return -1;
  const char *cfg = json_get_str(json_get_obj(m, "config"), "digest");
  if (!store_digest_valid(cfg))
    return ctool_error_set(err, 0, "manifest %s has no valid config digest", manifest_digest);
  *id_hex = xstrdup(cfg + 7);
  return 0;
}

/* "NAME:TAG" -> NAME and TAG ("reg:5000/a/b:1" -> "reg:5000/a/b", "1");
 * "NAME@DIGEST" -> NAME and NULL. Malloc'd name. */
static char *
split_name_tag(const char *full, const char **tag)
{
  const char *at = strchr(full, '@');
  size_t end = at ? (size_t) (at - full) : strlen(full);
  const char *slash = memrchr(full, '/', end);
  const char *colon = memrchr(full, ':', end);
  *tag = NULL;
  if (colon && (slash == NULL || colon > slash))
    {
      if (at == NULL)
        *tag = colon + 1;
      end = (size_t) (colon - full);
    }
  return xstrndup(full, end);
}

/* The repository path the user typed: "busybox", "ctool-test/busybox". */
static char *
typed_path(const char *input)
{
  const char *tag;
  return split_name_tag(input, &tag);
}

/* Whether NAME's repository ends with /PATH and its tag is TAG. */
static bool
short_name_matches(const char *name, const char *path, const char *tag)
{
  const char *ntag;
  cleanup_free char *repo = split_name_tag(name, &ntag);
  if (ntag == NULL || strcmp(ntag, tag) != 0)
    return false;
  size_t rl = strlen(repo), pl = strlen(path);
  if (rl == pl)
    return strcmp(repo, path) == 0;
  return rl > pl && repo[rl - pl - 1] == '/' && strcmp(repo + rl - pl, path) == 0;
}

static int
found_one(struct image_store *s, const char *input, const char *digest, struct image_info **out, ctool_error_t *err)
{
  if (store_image_info(s, digest, out, err) < 0)
    return ctool_error_prefix(err, "%s", input);
  return 0;
}

static int
lookup_by_id(struct image_store *s, const char *input, const char *prefix, struct store_image *imgs, size_t n,
             const char **digest, ctool_error_t *err)
{
  cleanup_strv char **ids = image_ids(s, imgs, n);
  size_t plen = strlen(prefix);
  const char *match_id = NULL;
  *digest = NULL;
  for (size_t i = 0; i < n; i++)
    {
      if (ids[i][0] == '\0' || strncmp(ids[i], prefix, plen) != 0)
        continue;
      if (match_id && strcmp(match_id, ids[i]) != 0)
        return ctool_error_set(err, 0, "%s: the ID prefix is ambiguous (%.12s, %.12s, ...): give more of the ID", input,
                               match_id, ids[i]);
      if (match_id == NULL)
        {
          match_id = ids[i];
          *digest = imgs[i].manifest_digest;
        }
    }
  return 0;
}

static int
lookup_in(struct image_store *s, const char *input, struct store_image *imgs, size_t n, struct image_info **out,
          char **matched, ctool_error_t *err)
{
  const char *digest = NULL;
  const char *matched_name = NULL;
  cleanup_free char *full_kept = NULL;

  if (str_has_prefix(input, "sha256:"))
    {
      if (!image_id_like(input + 7))
        return ctool_error_set(err, 0, "invalid image ID '%s'", input);
      if (lookup_by_id(s, input, input + 7, imgs, n, &digest, err) < 0)
        return -1;
      if (digest == NULL)
        for (size_t i = 0; i < n && !digest; i++)
          if (strcmp(imgs[i].manifest_digest, input) == 0)
            digest = imgs[i].manifest_digest;
      if (digest)
        {
          if (matched)
            *matched = NULL;
          return found_one(s, input, digest, out, err);
        }
      return ctool_error_set(err, ENOENT, "%s: image not known", input);
    }

  struct image_ref ref = { 0 };
  bool was_short = false;
  ctool_error_t parse_err = NULL;
  bool parsed = image_ref_parse(input, &ref, &was_short, &parse_err) == 0;
  if (parsed)
    {
      cleanup_free char *full = image_ref_string(&ref);
      cleanup_free char *repo = image_ref_name(&ref);
      /* 1. The exact full name; name@digest: that digest. */
      for (size_t i = 0; i < n && !digest; i++)
        if (strv_contains(imgs[i].names, full))
          {
            digest = imgs[i].manifest_digest;
            full_kept = xstrdup(full);
            matched_name = full_kept;
          }
      if (digest == NULL && ref.digest)
        for (size_t i = 0; i < n && !digest; i++)
          if (strcmp(imgs[i].manifest_digest, ref.digest) == 0)
            digest = imgs[i].manifest_digest;
      /* 2. localhost/NAME, where ctool tag and load put unqualified names. */
      if (digest == NULL && was_short && ref.tag)
        {
          cleanup_free char *path = typed_path(input);
          cleanup_free char *local = xasprintf("localhost/%s:%s", path, ref.tag);
          for (size_t i = 0; i < n && !digest; i++)
            if (strv_contains(imgs[i].names, local))
              {
                digest = imgs[i].manifest_digest;
                full_kept = xstrdup(local);
                matched_name = full_kept;
              }
        }
    }
  /* 3. An image ID or a unique prefix of one. */
  if (digest == NULL && image_id_like(input))
    {
      if (lookup_by_id(s, input, input, imgs, n, &digest, err) < 0)
        {
          image_ref_clear(&ref);
          ctool_error_free(&parse_err);
          return -1;
        }
    }
  /* 4. A short name against the end of every local repository path. */
  if (digest == NULL && parsed && was_short && ref.tag && ref.digest == NULL)
    {
      cleanup_free char *path = typed_path(input);
      cleanup_strv char **candidates = NULL;
      for (size_t i = 0; i < n; i++)
        for (size_t j = 0; imgs[i].names && imgs[i].names[j]; j++)
          if (short_name_matches(imgs[i].names[j], path, ref.tag))
            {
              if (digest && strcmp(digest, imgs[i].manifest_digest) != 0)
                strv_push(&candidates, imgs[i].names[j]);
              else if (digest == NULL)
                {
                  digest = imgs[i].manifest_digest;
                  matched_name = imgs[i].names[j];
                  strv_push(&candidates, imgs[i].names[j]);
                }
            }
      if (strv_len(candidates) > 1)
        {
          cleanup_free char *list = xstrdup(candidates[0]);
          for (size_t k = 1; candidates[k]; k++)
            {
              char *l = xasprintf("%s, %s", list, candidates[k]);
              free(list);
              list = l;
            }
          image_ref_clear(&ref);
          ctool_error_free(&parse_err);
          return ctool_error_set(err, 0, "%s is ambiguous: it matches %s; use the full name", input, list);
        }
    }
  image_ref_clear(&ref);
  if (digest)
    {
      ctool_error_free(&parse_err);
      if (matched)
        *matched = matched_name ? xstrdup(matched_name) : NULL;
      return found_one(s, input, digest, out, err);
    }
  if (!parsed && !image_id_like(input))
    {
      *err = steal_pointer(&parse_err);
      return -1;
    }
  ctool_error_free(&parse_err);
  return ctool_error_set(err, ENOENT, "%s: image not known", input);
}

int
image_store_lookup_name(struct image_store *s, const char *name_or_id, struct image_info **out, char **matched,
                        ctool_error_t *err)
{
  struct store_image *imgs = NULL;
  size_t n = 0;
  if (matched)
    *matched = NULL;
  if (store_list_images(s, &imgs, &n, err) < 0)
    return -1;
  int ret = lookup_in(s, name_or_id, imgs, n, out, matched, err);
  store_images_free(imgs, n);
  return ret;
}

int
image_store_lookup(struct image_store *s, const char *name_or_id, struct image_info **out, ctool_error_t *err)
{
  return image_store_lookup_name(s, name_or_id, out, NULL, err);
}

int
store_resolve_name(struct image_store *s, const char *input, char **name, ctool_error_t *err)
{
  struct image_ref ref = { 0 };
  bool was_short = false;
  if (image_ref_parse(input, &ref, &was_short, err) < 0)
    return -1;
  if (was_short)
    {
      /* As Podman's tag: an unqualified new name lives under localhost/. */
      cleanup_free char *path = typed_path(input);
      *name = ref.digest ? xasprintf("localhost/%s@%s", path, ref.digest)
                         : xasprintf("localhost/%s:%s", path, ref.tag ? ref.tag : "latest");
    }
  else
    *name = image_ref_string(&ref);
  image_ref_clear(&ref);
  return 0;
}
