#include "manifest.h"
#include "jsonutil.h"
#include "quote.h"
#include "sha256.h"
#include "store.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* How much of a string from the registry a message repeats. */
#define QUOTE_MAX 128

static const char schema1_hint[]
  = "the image is in the old Docker schema 1 format, which ctool does not support: "
    "re-push it with a current client (docker push, podman push or skopeo copy) to convert it to schema 2 or OCI";

/* ------------------------------------------------------------ digests */

/* Manifests and configs are small: common/sha256.c, so that the commands
 * that read images need no libcrypto. */
void
digest_sha256(const void *data, size_t len, char out[72])
{
  memcpy(out, "sha256:", 7);
  sha256_hex(data, len, out + 7);
}

int
digest_verify(const void *data, size_t len, const char *expected, const char *what, ctool_error_t *err)
{
  char got[72];
  digest_sha256(data, len, got);
  if (strcmp(got, expected) != 0)
    return ctool_error_set(err, 0, "digest mismatch for %s: expected %s, got %s", what, expected, got);
  return 0;
}

/* ------------------------------------------------------------ parsing */

/* "application/vnd.oci.image.manifest.v1+json; charset=utf-8" -> the type alone. */
static char *
bare_media_type(const char *content_type)
{
  if (content_type == NULL)
    return NULL;
  while (*content_type == ' ')
    content_type++;
  size_t n = strcspn(content_type, "; \t");
  if (n == 0)
    return NULL;
  char *t = xstrndup(content_type, n);
  for (char *p = t; *p; p++)
    *p = (char) tolower((unsigned char) *p);
  return t;
}

static bool
is_schema1(const char *mt)
{
  return mt && (strcmp(mt, MT_DOCKER_SCHEMA1) == 0 || strcmp(mt, MT_DOCKER_SCHEMA1_SIGNED) == 0);
}

static bool
is_index_type(const char *mt)
{
  return mt && (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0);
}

static bool
is_manifest_type(const char *mt)
{
  return mt && (strcmp(mt, MT_OCI_MANIFEST) == 0 || strcmp(mt, MT_DOCKER_MANIFEST) == 0);
}

static bool
is_known_type(const char *mt)
{
  return is_schema1(mt) || is_index_type(mt) || is_manifest_type(mt);
}

static void
descriptor_clear(struct descriptor *d)
{
  free(d->media_type);
  free(d->digest);
  free(d->os);
  free(d->arch);
  free(d->variant);
  memset(d, 0, sizeof *d);
}

static int
parse_descriptor(json_object *o, const char *what, bool want_platform, struct descriptor *d, ctool_error_t *err)
{
  memset(d, 0, sizeof *d);
  if (o == NULL || !json_object_is_type(o, json_type_object))
    return ctool_error_set(err, 0, "invalid manifest: %s is not an object", what);
  const char *digest = json_get_str(o, "digest");
  if (digest == NULL)
    return ctool_error_set(err, 0, "invalid manifest: %s has no digest", what);
  if (!store_digest_valid(digest))
    {
      cleanup_free char *quoted = quote_untrusted(digest, QUOTE_MAX);
      if (strchr(digest, ':') && !str_has_prefix(digest, "sha256:"))
        return ctool_error_set(err, 0, "unsupported digest '%s' in %s: ctool supports only sha256", quoted, what);
      return ctool_error_set(err, 0, "invalid manifest: %s has an invalid digest '%s'", what, quoted);
    }
  json_object *size = NULL;
  int64_t sz = -1;
  if (json_object_object_get_ex(o, "size", &size))
    {
      if (!json_object_is_type(size, json_type_int) || json_object_get_int64(size) < 0)
        return ctool_error_set(err, 0, "invalid manifest: %s has an invalid size", what);
      sz = json_object_get_int64(size);
    }
  d->digest = xstrdup(digest);
  d->size = sz;
  d->media_type = xstrdup(json_get_str(o, "mediaType"));
  json_object *plat = json_get_obj(o, "platform");
  if (want_platform && plat)
    {
      d->has_platform = true;
      d->os = xstrdup(json_get_str(plat, "os"));
      d->arch = xstrdup(json_get_str(plat, "architecture"));
      const char *v = json_get_str(plat, "variant");
      d->variant = v && *v ? xstrdup(v) : NULL;
    }
  return 0;
}

static int
parse_descriptor_array(json_object *arr, const char *what, bool want_platform, struct descriptor **out,
                       size_t *n_out, ctool_error_t *err)
{
  if (arr == NULL || !json_object_is_type(arr, json_type_array))
    return ctool_error_set(err, 0, "invalid manifest: '%s' is missing or not an array", what);
  size_t n = json_object_array_length(arr);
  struct descriptor *ds = xzalloc((n ? n : 1) * sizeof *ds);
  for (size_t i = 0; i < n; i++)
    {
      char name[64];
      snprintf(name, sizeof name, "%s[%zu]", what, i);
      if (parse_descriptor(json_object_array_get_idx(arr, i), name, want_platform, &ds[i], err) < 0)
        {
          for (size_t j = 0; j < i; j++)
            descriptor_clear(&ds[j]);
          free(ds);
          return -1;
        }
    }
  *out = ds;
  *n_out = n;
  return 0;
}

/* The type to go by: the server's when it names one we know, else the
 * document's mediaType, else what its shape says (OCI allows omitting
 * mediaType). */
static char *
effective_type(const char *content_type, json_object *doc)
{
  char *ct = bare_media_type(content_type);
  if (is_known_type(ct))
    return ct;
  free(ct);
  const char *mt = json_get_str(doc, "mediaType");
  if (mt)
    return xstrdup(mt);
  if (json_get_int(doc, "schemaVersion", 0) == 1)
    return xstrdup(MT_DOCKER_SCHEMA1);
  if (json_get_array(doc, "manifests"))
    return xstrdup(MT_OCI_INDEX);
  if (json_get_array(doc, "layers"))
    return xstrdup(MT_OCI_MANIFEST);
  return NULL;
}

int
manifest_parse(const char *data, size_t len, const char *content_type, struct manifest *out, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  cleanup_free char *ct = bare_media_type(content_type);
  if (is_schema1(ct))
    return ctool_error_set(err, 0, "%s", schema1_hint);
  cleanup_json json_object *doc = NULL;
  if (json_parse_text(data, len, "manifest", &doc, err) < 0)
    return -1;
  if (!json_object_is_type(doc, json_type_object))
    return ctool_error_set(err, 0, "invalid manifest: not a JSON object");
  cleanup_free char *mt = effective_type(content_type, doc);
  if (is_schema1(mt))
    return ctool_error_set(err, 0, "%s", schema1_hint);
  if (!is_index_type(mt) && !is_manifest_type(mt))
    {
      cleanup_free char *quoted = quote_untrusted(mt ? mt : "(none)", QUOTE_MAX);
      return ctool_error_set(err, 0, "unsupported manifest type '%s': ctool pulls OCI and Docker schema 2 images",
                             quoted);
    }
  if (json_get_int(doc, "schemaVersion", 0) != 2)
    return ctool_error_set(err, 0, "invalid manifest: schemaVersion is not 2");

  out->media_type = xstrdup(mt);
  if (is_index_type(mt))
    {
      out->kind = MANIFEST_INDEX;
      if (parse_descriptor_array(json_get_array(doc, "manifests"), "manifests", true, &out->manifests,
                                 &out->n_manifests, err) < 0)
        goto fail;
      return 0;
    }
  out->kind = MANIFEST_IMAGE;
  if (parse_descriptor(json_get_obj(doc, "config"), "config", false, &out->config, err) < 0)
    goto fail;
  if (parse_descriptor_array(json_get_array(doc, "layers"), "layers", false, &out->layers, &out->n_layers, err) < 0)
    goto fail;
  return 0;

fail:
  manifest_clear(out);
  return -1;
}

void
manifest_clear(struct manifest *m)
{
  free(m->media_type);
  descriptor_clear(&m->config);
  for (size_t i = 0; i < m->n_layers; i++)
    descriptor_clear(&m->layers[i]);
  free(m->layers);
  for (size_t i = 0; i < m->n_manifests; i++)
    descriptor_clear(&m->manifests[i]);
  free(m->manifests);
  memset(m, 0, sizeof *m);
}

/* ------------------------------------------------------------ platforms */

/* The variant an entry has once the defaults are filled in. */
static const char *
normalized_variant(const char *arch, const char *variant)
{
  if (variant && *variant)
    return variant;
  if (strcmp(arch, "arm64") == 0)
    return "v8";
  if (strcmp(arch, "arm") == 0)
    return "v7";
  return "";
}

static bool
entry_is_image(const struct descriptor *d)
{
  if (!d->has_platform || d->os == NULL || d->arch == NULL)
    return false;
  return strcmp(d->os, "unknown") != 0 && strcmp(d->arch, "unknown") != 0;
}

static const struct descriptor *
find_entry(const struct manifest *index, const struct platform *want, const char *variant)
{
  for (size_t i = 0; i < index->n_manifests; i++)
    {
      const struct descriptor *d = &index->manifests[i];
      if (!entry_is_image(d) || strcmp(d->os, want->os) != 0 || strcmp(d->arch, want->arch) != 0)
        continue;
      if (variant == NULL || strcmp(normalized_variant(d->arch, d->variant), variant) == 0)
        return d;
    }
  return NULL;
}

static char *
offered_platforms(const struct manifest *index)
{
  char *list = xstrdup("");
  for (size_t i = 0; i < index->n_manifests; i++)
    {
      const struct descriptor *d = &index->manifests[i];
      if (!entry_is_image(d))
        continue;
      cleanup_free char *os = quote_untrusted(d->os, QUOTE_MAX);
      cleanup_free char *arch = quote_untrusted(d->arch, QUOTE_MAX);
      cleanup_free char *variant = quote_untrusted(d->variant, QUOTE_MAX);
      char *next = xasprintf("%s%s%s/%s%s%s", list, *list ? ", " : "", os, arch, d->variant ? "/" : "", variant);
      free(list);
      list = next;
    }
  return list;
}

int
manifest_select_platform(const struct manifest *index, const struct platform *want, const struct descriptor **out,
                         ctool_error_t *err)
{
  const struct descriptor *found = NULL;
  if (want->variant[0])
    found = find_entry(index, want, normalized_variant(want->arch, want->variant));
  else if (strcmp(want->arch, "arm") == 0)
    {
      static const char *const arm_order[] = { "v7", "v6", "v5" };
      for (size_t i = 0; i < ARRAY_SIZE(arm_order) && found == NULL; i++)
        found = find_entry(index, want, arm_order[i]);
    }
  else if (strcmp(want->arch, "arm64") == 0)
    {
      found = find_entry(index, want, "v8");
      if (found == NULL)
        found = find_entry(index, want, NULL);
    }
  else
    {
      found = find_entry(index, want, "");
      if (found == NULL)
        found = find_entry(index, want, NULL);
    }
  if (found)
    {
      *out = found;
      return 0;
    }
  cleanup_free char *offered = offered_platforms(index);
  return ctool_error_set(err, 0, "no image for platform %s/%s%s%s in the manifest list: it offers %s (choose one with --platform)",
                         want->os, want->arch, want->variant[0] ? "/" : "", want->variant,
                         *offered ? offered : "no platforms at all");
}

/* ------------------------------------------------------------ layers */

enum layer_compression
layer_compression_of(const char *mt)
{
  static const struct
  {
    const char *type;
    enum layer_compression c;
  } known[] = {
    { "application/vnd.oci.image.layer.v1.tar", LAYER_TAR },
    { "application/vnd.oci.image.layer.v1.tar+gzip", LAYER_GZIP },
    { "application/vnd.oci.image.layer.v1.tar+zstd", LAYER_ZSTD },
    { "application/vnd.docker.image.rootfs.diff.tar", LAYER_TAR },
    { "application/vnd.docker.image.rootfs.diff.tar.gzip", LAYER_GZIP },
    { "application/vnd.docker.image.rootfs.diff.tar.zstd", LAYER_ZSTD },
  };
  if (mt == NULL)
    return LAYER_UNKNOWN;
  for (size_t i = 0; i < ARRAY_SIZE(known); i++)
    if (strcmp(mt, known[i].type) == 0)
      return known[i].c;
  return LAYER_UNKNOWN;
}

static bool
is_foreign_layer(const char *mt)
{
  return strstr(mt, ".foreign.") != NULL || strstr(mt, ".nondistributable.") != NULL;
}

int
manifest_check_pullable(const struct manifest *m, ctool_error_t *err)
{
  const char *cmt = m->config.media_type;
  if (cmt && strcmp(cmt, MT_OCI_CONFIG) != 0 && strcmp(cmt, MT_DOCKER_CONFIG) != 0)
    {
      cleanup_free char *quoted = quote_untrusted(cmt, QUOTE_MAX);
      return ctool_error_set(err, 0, "not a container image: its config has media type '%s' (an OCI artifact?)",
                             quoted);
    }
  if (m->n_layers == 0)
    return ctool_error_set(err, 0, "invalid manifest: the image has no layers");
  for (size_t i = 0; i < m->n_layers; i++)
    {
      const struct descriptor *l = &m->layers[i];
      if (layer_compression_of(l->media_type) != LAYER_UNKNOWN)
        continue;
      const char *mt = l->media_type ? l->media_type : "(none)";
      cleanup_free char *quoted = quote_untrusted(mt, QUOTE_MAX);
      if (is_foreign_layer(mt))
        return ctool_error_set(err, 0, "layer %s is a foreign (non-distributable) layer (%s), which ctool cannot pull: "
                               "such layers belong to Windows images", l->digest, quoted);
      if (str_has_suffix(mt, "+encrypted"))
        return ctool_error_set(err, 0, "layer %s is encrypted (%s), which ctool does not support", l->digest, quoted);
      return ctool_error_set(err, 0, "layer %s has an unsupported media type '%s'", l->digest, quoted);
    }
  return 0;
}

/* ------------------------------------------------------------ config */

int
image_config_parse(const char *data, size_t len, struct image_config_info *out, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  cleanup_json json_object *doc = NULL;
  if (json_parse_text(data, len, "image config", &doc, err) < 0)
    return -1;
  json_object *rootfs = json_get_obj(doc, "rootfs");
  const char *type = json_get_str(rootfs, "type");
  if (rootfs == NULL || type == NULL || strcmp(type, "layers") != 0)
    return ctool_error_set(err, 0, "invalid image config: rootfs.type is not \"layers\"");
  json_object *ids = json_get_array(rootfs, "diff_ids");
  if (ids == NULL)
    return ctool_error_set(err, 0, "invalid image config: rootfs.diff_ids is missing");
  size_t n = json_object_array_length(ids);
  out->diff_ids = xzalloc((n + 1) * sizeof *out->diff_ids);
  for (size_t i = 0; i < n; i++)
    {
      const char *id = json_object_get_string(json_object_array_get_idx(ids, i));
      if (!json_object_is_type(json_object_array_get_idx(ids, i), json_type_string) || !store_digest_valid(id))
        {
          image_config_info_clear(out);
          return ctool_error_set(err, 0, "invalid image config: rootfs.diff_ids[%zu] is not a sha256 digest", i);
        }
      out->diff_ids[i] = xstrdup(id);
    }
  out->n_diff_ids = n;
  out->os = xstrdup(json_get_str(doc, "os"));
  out->arch = xstrdup(json_get_str(doc, "architecture"));
  out->variant = xstrdup(json_get_str(doc, "variant"));
  return 0;
}

void
image_config_info_clear(struct image_config_info *c)
{
  strv_free(c->diff_ids);
  free(c->os);
  free(c->arch);
  free(c->variant);
  memset(c, 0, sizeof *c);
}
