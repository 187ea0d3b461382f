/* libFuzzer target: manifests and indexes as a registry serves them, then
 * the questions a pull asks of the result (which platform, can it be
 * pulled).
 *
 * Input: an optional first line "Content-Type: TYPE" (the server's header),
 * then the body. Beyond "no crash, no leak": an accepted manifest is of a
 * kind ctool pulls, every digest in it is a well-formed sha256 digest (the
 * store builds paths from them), sizes are known or -1; a refused one
 * leaves nothing behind; a chosen platform is one the index offers; every
 * error is one printable line (no terminal escapes from a registry). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "manifest.h"
#include "store.h"
#include "util.h"

static const struct platform wanted[] = {
  { "linux", "amd64", "" },
  { "linux", "arm64", "" },
  { "linux", "arm", "" },
  { "linux", "arm", "v6" },
  { "linux", "arm64", "v8" },
  { "windows", "amd64", "" },
};

static void
check_descriptor(const struct descriptor *d, bool platform_allowed)
{
  CHECK(store_digest_valid(d->digest));
  CHECK(d->size >= -1);
  if (!platform_allowed)
    CHECK(!d->has_platform && d->os == NULL && d->arch == NULL && d->variant == NULL);
  if (d->variant)
    CHECK(*d->variant);
}

static void
check_index(const struct manifest *m)
{
  CHECK(m->layers == NULL && m->n_layers == 0 && m->config.digest == NULL);
  CHECK(m->manifests != NULL);
  for (size_t i = 0; i < m->n_manifests; i++)
    check_descriptor(&m->manifests[i], true);
  for (size_t i = 0; i < ARRAY_SIZE(wanted); i++)
    {
      const struct descriptor *d = NULL;
      ctool_error_t err = NULL;
      if (manifest_select_platform(m, &wanted[i], &d, &err) == 0)
        {
          CHECK(err == NULL);
          CHECK(d >= m->manifests && d < m->manifests + m->n_manifests);
          CHECK(d->has_platform && strcmp(d->os, wanted[i].os) == 0 && strcmp(d->arch, wanted[i].arch) == 0);
        }
      else
        {
          CHECK(err != NULL && str_has_prefix(err->msg, "no image for platform ") && printable_line(err->msg));
          ctool_error_free(&err);
        }
    }
}

static void
check_image(const struct manifest *m)
{
  CHECK(m->manifests == NULL && m->n_manifests == 0);
  check_descriptor(&m->config, false);
  CHECK(m->layers != NULL);
  for (size_t i = 0; i < m->n_layers; i++)
    check_descriptor(&m->layers[i], false);
  ctool_error_t err = NULL;
  if (manifest_check_pullable(m, &err) == 0)
    {
      CHECK(m->n_layers > 0);
      for (size_t i = 0; i < m->n_layers; i++)
        CHECK(layer_compression_of(m->layers[i].media_type) != LAYER_UNKNOWN);
    }
  else
    {
      CHECK(err != NULL && printable_line(err->msg));
      ctool_error_free(&err);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  static const char header[] = "Content-Type:";
  cleanup_free char *content_type = NULL;
  const char *body = (const char *) data;
  size_t len = size;
  if (size >= sizeof header - 1 && memcmp(data, header, sizeof header - 1) == 0)
    {
      const char *nl = memchr(data, '\n', size);
      size_t hlen = nl ? (size_t) (nl - body) : size;
      content_type = xstrndup(body + sizeof header - 1, hlen - (sizeof header - 1));
      body = nl ? nl + 1 : body + size;
      len = size - (size_t) (body - (const char *) data);
    }
  struct manifest m;
  ctool_error_t err = NULL;
  if (manifest_parse(body, len, content_type, &m, &err) == 0)
    {
      CHECK(err == NULL && m.media_type != NULL);
      if (m.kind == MANIFEST_INDEX)
        {
          CHECK(strcmp(m.media_type, MT_OCI_INDEX) == 0 || strcmp(m.media_type, MT_DOCKER_LIST) == 0);
          check_index(&m);
        }
      else
        {
          CHECK(m.kind == MANIFEST_IMAGE);
          CHECK(strcmp(m.media_type, MT_OCI_MANIFEST) == 0 || strcmp(m.media_type, MT_DOCKER_MANIFEST) == 0);
          check_image(&m);
        }
      manifest_clear(&m);
    }
  else
    {
      CHECK(err != NULL && printable_line(err->msg));
      /* Nothing half-parsed is left for the caller to free. */
      CHECK(m.media_type == NULL && m.layers == NULL && m.manifests == NULL && m.config.digest == NULL);
      CHECK(m.n_layers == 0 && m.n_manifests == 0);
      ctool_error_free(&err);
    }
  return 0;
}
