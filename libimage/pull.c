#include "pull.h"
#include "manifest.h"
#include "platform.h"
#include "progress.h"
#include "reference.h"
#include "regconf.h"
#include "registry.h"
#include "util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct pull_ctx {
  struct image_store *s;
  const struct pull_options *o;
  struct regconf conf;
  struct registry_client *client;
  struct platform want;
  struct progress *pr;
};

/* ------------------------------------------------------------ layer sink */

struct layer_download {
  struct image_store *s;
  const struct registry_blob_request *reqs;
  struct blob_writer **writers;
  size_t *slots;             /* progress bar of each request */
  struct progress *pr;
};

static int
sink_open(void *data, size_t i, ctool_error_t *err)
{
  struct layer_download *d = data;
  return store_blob_writer_open(d->s, &d->writers[i], err);
}

static int
sink_write(void *data, size_t i, const void *buf, size_t len, ctool_error_t *err)
{
  struct layer_download *d = data;
  return blob_writer_write(d->writers[i], buf, len, err);
}

static int
sink_commit(void *data, size_t i, ctool_error_t *err)
{
  struct layer_download *d = data;
  struct blob_writer *w = steal_pointer(&d->writers[i]);
  return blob_writer_commit(w, d->reqs[i].digest, err);
}

static void
sink_abort(void *data, size_t i)
{
  struct layer_download *d = data;
  blob_writer_abort(steal_pointer(&d->writers[i]));
}

static void
sink_progress(void *data, size_t i, uint64_t bytes, int64_t total, bool done)
{
  struct layer_download *d = data;
  progress_update(d->pr, d->slots[i], bytes, done);
}

/* ------------------------------------------------------------ steps */

/* The image manifest for REFERENCE: through the index when there is one. */
static int
fetch_manifest(struct pull_ctx *pc, struct registry_endpoint *ep, const char *repo, const char *reference,
               struct registry_document *doc, struct manifest *m, bool *from_index, ctool_error_t *err)
{
  *from_index = false;
  if (registry_get_manifest(ep, repo, reference, doc, err) < 0)
    return -1;
  if (manifest_parse(doc->data, doc->len, doc->content_type, m, err) < 0)
    return -1;
  if (m->kind == MANIFEST_INDEX)
    {
      const struct descriptor *d = NULL;
      if (manifest_select_platform(m, &pc->want, &d, err) < 0)
        return -1;
      cleanup_free char *digest = xstrdup(d->digest);
      manifest_clear(m);
      registry_document_clear(doc);
      *from_index = true;
      if (registry_get_manifest(ep, repo, digest, doc, err) < 0)
        return -1;
      if (manifest_parse(doc->data, doc->len, doc->content_type, m, err) < 0)
        return -1;
      if (m->kind != MANIFEST_IMAGE)
        return ctool_error_set(err, 0, "the manifest list entry %s is itself a manifest list", digest);
    }
  return manifest_check_pullable(m, err);
}

static int
fetch_config(struct pull_ctx *pc, struct registry_endpoint *ep, const char *repo, const struct manifest *m,
             struct image_config_info *info, ctool_error_t *err)
{
  const char *digest = m->config.digest;
  cleanup_free char *data = NULL;
  size_t len = 0;
  if (store_has_blob(pc->s, digest))
    {
      if (store_read_blob(pc->s, digest, &data, &len, err) < 0)
        return -1;
    }
  else
    {
      struct registry_document doc;
      if (registry_get_blob(ep, repo, digest, &doc, err) < 0)
        return -1;
      int r = store_write_blob(pc->s, digest, doc.data, doc.len, err);
      data = steal_pointer(&doc.data);
      len = doc.len;
      registry_document_clear(&doc);
      if (r < 0)
        return -1;
    }
  if (image_config_parse(data, len, info, err) < 0)
    return -1;
  if (info->n_diff_ids != m->n_layers)
    return ctool_error_set(err, 0, "invalid image: its config lists %zu layers (rootfs.diff_ids) but its manifest has %zu",
                           info->n_diff_ids, m->n_layers);
  return 0;
}

static void
warn_platform_mismatch(struct pull_ctx *pc, const struct image_config_info *info)
{
  if (info->os == NULL || info->arch == NULL || platform_matches(&pc->want, info->os, info->arch, info->variant))
    return;
  log_warn("image platform (%s/%s%s%s) does not match the expected platform (%s/%s%s%s)", info->os, info->arch,
           info->variant ? "/" : "", info->variant ? info->variant : "", pc->want.os, pc->want.arch,
           pc->want.variant[0] ? "/" : "", pc->want.variant);
}

/* Download the layers the store does not have yet. */
static int
fetch_layers(struct pull_ctx *pc, struct registry_endpoint *ep, const char *repo, const struct manifest *m,
             ctool_error_t *err)
{
  struct registry_blob_request *reqs = xzalloc((m->n_layers + 1) * sizeof *reqs);
  size_t *slots = xzalloc((m->n_layers + 1) * sizeof *slots);
  struct blob_writer **writers = xzalloc((m->n_layers + 1) * sizeof *writers);
  size_t n = 0;
  for (size_t i = 0; i < m->n_layers; i++)
    {
      const struct descriptor *l = &m->layers[i];
      bool twice = false;
      for (size_t j = 0; j < n && !twice; j++)
        twice = strcmp(reqs[j].digest, l->digest) == 0;
      if (twice)
        continue;
      if (store_has_blob(pc->s, l->digest))
        {
          progress_skipped(pc->pr, "blob", l->digest);
          continue;
        }
      reqs[n] = (struct registry_blob_request) { .digest = l->digest, .size = l->size };
      slots[n] = progress_add(pc->pr, "blob", l->digest, l->size);
      n++;
    }
  struct layer_download d = { .s = pc->s, .reqs = reqs, .writers = writers, .slots = slots, .pr = pc->pr };
  struct registry_blob_sink sink = {
    .open = sink_open, .write = sink_write, .commit = sink_commit, .abort = sink_abort,
    .progress = sink_progress, .data = &d,
  };
  int ret = n ? registry_fetch_blobs(ep, repo, reqs, n, &sink, err) : 0;
  progress_flush(pc->pr);
  free(reqs);
  free(slots);
  free(writers);
  return ret;
}

/* Pull from one place (a mirror or the registry itself) and record the
 * image as NAME. */
static int
pull_from(struct pull_ctx *pc, const struct regconf_source *src, const char *name, struct pull_result *out,
          ctool_error_t *err)
{
  struct image_ref ref;
  if (image_ref_parse(src->ref, &ref, NULL, err) < 0)
    return -1;
  const char *reference = ref.digest ? ref.digest : ref.tag;
  struct registry_endpoint *ep = NULL;
  struct registry_document doc = { 0 };
  struct manifest m = { 0 };
  struct image_config_info info = { 0 };
  bool from_index = false;
  int ret = -1;

  if (registry_endpoint_open(pc->client, ref.registry, src->insecure, &ep, err) < 0)
    goto out;
  if (fetch_manifest(pc, ep, ref.repository, reference, &doc, &m, &from_index, err) < 0)
    goto out;
  if (fetch_config(pc, ep, ref.repository, &m, &info, err) < 0)
    goto out;
  if (!from_index)
    warn_platform_mismatch(pc, &info);
  if (fetch_layers(pc, ep, ref.repository, &m, err) < 0)
    goto out;
  progress_say(pc->pr, "Copying config %.10s done", m.config.digest + 7);
  progress_say(pc->pr, "Writing manifest to image destination");
  if (!store_has_blob(pc->s, doc.digest) && store_write_blob(pc->s, doc.digest, doc.data, doc.len, err) < 0)
    goto out;
  if (store_commit_image(pc->s, name, doc.digest, pc->o->extract, pc->o->extract_data, err) < 0)
    goto out;
  out->name = xstrdup(name);
  out->manifest_digest = xstrdup(doc.digest);
  out->image_id = xstrdup(m.config.digest + 7);
  ret = 0;

out:
  image_config_info_clear(&info);
  manifest_clear(&m);
  registry_document_clear(&doc);
  registry_endpoint_free(ep);
  image_ref_clear(&ref);
  return ret;
}

/* One fully qualified name: its mirrors first, then the registry. */
static int
pull_candidate(struct pull_ctx *pc, const char *name, struct pull_result *out, ctool_error_t *err)
{
  struct regconf_source *srcs = NULL;
  size_t n = 0;
  progress_say(pc->pr, "Trying to pull %s...", name);
  if (regconf_pull_sources(&pc->conf, name, &srcs, &n, err) < 0)
    return -1;
  int ret = -1;
  for (size_t i = 0; i < n; i++)
    {
      ctool_error_t e = NULL;
      ret = pull_from(pc, &srcs[i], name, out, &e);
      if (ret == 0)
        break;
      if (i + 1 < n)
        {
          log_info("pulling %s from mirror %s failed: %s", name, srcs[i].ref, e->msg);
          ctool_error_free(&e);
          continue;
        }
      *err = e;
    }
  regconf_sources_free(srcs, n);
  return ret;
}

/* The fully qualified names to try for what the user typed. */
static char **
candidates_for(struct pull_ctx *pc, const char *input, ctool_error_t *err)
{
  struct image_ref ref;
  bool was_short = false;
  if (image_ref_parse(input, &ref, &was_short, err) < 0)
    return NULL;
  char **names = NULL;
  if (was_short)
    {
      const char *origin = NULL;
      const char *alias = regconf_alias(&pc->conf, input, &origin);
      names = regconf_short_name_candidates(&pc->conf, input);
      if (alias && names && names[0])
        progress_say(pc->pr, "Resolved \"%.*s\" as an alias (%s)", (int) strcspn(input, ":@"), input,
                     origin ? origin : "registries.conf");
    }
  if (names == NULL || names[0] == NULL)
    {
      /* No search registries: docker.io, as Docker does (Podman would
       * refuse in enforcing mode; a one-line hint beats a dead end). */
      strv_free(names);
      names = NULL;
      char *full = image_ref_string(&ref);
      strv_push(&names, full);
      free(full);
      if (was_short)
        log_debug("no unqualified-search-registries configured: pulling %s", names[0]);
    }
  image_ref_clear(&ref);
  return names;
}

static int
pull_names(struct pull_ctx *pc, char **names, struct pull_result *out, ctool_error_t *err)
{
  size_t n = strv_len(names);
  if (n == 1)
    return pull_candidate(pc, names[0], out, err);
  char *why = xstrdup("");
  bool all_missing = true;
  for (size_t i = 0; i < n; i++)
    {
      ctool_error_t e = NULL;
      if (pull_candidate(pc, names[i], out, &e) == 0)
        {
          free(why);
          return 0;
        }
      all_missing = all_missing && e->errnum == ENOENT;
      char *next = xasprintf("%s%s%s", why, *why ? "; " : "", e->msg);
      free(why);
      why = next;
      ctool_error_free(&e);
    }
  ctool_error_set(err, 0, "'%s' did not resolve to an image in any search registry: %s", pc->o->reference, why);
  free(why);
  if (all_missing && *err)
    (*err)->errnum = ENOENT;
  return -1;
}

int
pull_image(struct image_store *s, const struct pull_options *o, struct pull_result *out, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  struct pull_ctx pc = { .s = s, .o = o };
  int ret = -1;
  char **names = NULL;

  if (o->platform)
    {
      if (platform_parse(o->platform, &pc.want, err) < 0)
        return -1;
    }
  else
    platform_host(&pc.want);
  if (regconf_load(&pc.conf, err) < 0)
    return -1;
  pc.pr = progress_new(o->progress);
  struct registry_client_opts copts = { .tls_verify = o->tls_verify, .authfile = o->authfile, .creds = o->creds };
  if (registry_client_new(&copts, &pc.client, err) < 0)
    goto out;
  names = candidates_for(&pc, o->reference, err);
  if (names == NULL)
    goto out;
  ret = pull_names(&pc, names, out, err);
  if (ret < 0)
    {
      /* Leave nothing behind: what this pull downloaded is garbage now
       * (kept when another process is writing; its collection gets it). */
      bool ran;
      ctool_error_t ignored = NULL;
      if (store_gc(s, &ran, &ignored) < 0)
        {
          log_debug("cleaning up after the failed pull: %s", ignored->msg);
          ctool_error_free(&ignored);
        }
    }

out:
  strv_free(names);
  registry_client_free(pc.client);
  progress_free(pc.pr);
  regconf_clear(&pc.conf);
  return ret;
}

void
pull_result_clear(struct pull_result *r)
{
  free(r->name);
  free(r->manifest_digest);
  free(r->image_id);
  memset(r, 0, sizeof *r);
}
