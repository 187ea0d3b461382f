/* The per-user content store (see store.h for the layout and the locks). */
#include "store.h"
#include "store-internal.h"
#include "fsutil.h"
#include "sha256.h"
#include "jsonutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_DOCKER_MANIFEST "application/vnd.docker.distribution.manifest.v2+json"

/* ---------- digests ---------- */

bool
store_digest_valid(const char *digest)
{
  if (digest == NULL || !str_has_prefix(digest, "sha256:") || strlen(digest) != 71)
    return false;
  for (const char *p = digest + 7; *p; p++)
    if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
      return false;
  return true;
}

void
store_chain_id(const char *parent_chain_id, const char *diff_id, char out[72])
{
  if (parent_chain_id == NULL)
    {
      snprintf(out, 72, "%s", diff_id);
      return;
    }
  cleanup_free char *text = xasprintf("%s %s", parent_chain_id, diff_id);
  memcpy(out, "sha256:", 7);
  sha256_hex(text, strlen(text), out + 7);
}

/* ---------- opening ---------- */

static int
open_subdir(int dirfd, const char *root, const char *name, ctool_error_t *err)
{
  if (mkdirat(dirfd, name, 0700) < 0 && errno != EEXIST)
    return ctool_error_set(err, errno, "create %s/%s", root, name);
  int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0)
    return ctool_error_set(err, errno, "open %s/%s", root, name);
  return fd;
}

static int
ensure_layout_files(struct image_store *s, ctool_error_t *err)
{
  if (faccessat(s->rootfd, "oci-layout", F_OK, 0) < 0)
    {
      static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
      if (write_file_atomic_at(s->rootfd, "oci-layout", layout, sizeof layout - 1, 0644, false, err) < 0)
        return -1;
    }
  if (faccessat(s->rootfd, "index.json", F_OK, 0) < 0)
    {
      static const char index[] = "{\"schemaVersion\":2,\"manifests\":[]}";
      /* Two processes may race here; both write the same empty index, and
       * a real one is only ever written under the store lock, so take it. */
      cleanup_close int lk = openat(s->rootfd, "store.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (lk < 0 || lock_fd(lk, true, err) < 0)
        return ctool_error_set(err, errno, "lock %s/store.lock", s->root);
      if (faccessat(s->rootfd, "index.json", F_OK, 0) < 0
          && write_file_atomic_at(s->rootfd, "index.json", index, sizeof index - 1, 0644, true, err) < 0)
        return -1;
    }
  return 0;
}

int
image_store_open(const char *root, struct image_store **out, ctool_error_t *err)
{
  if (mkdir_p(root, 0700, err) < 0)
    return ctool_error_prefix(err, "open image store");
  struct image_store *s = xzalloc(sizeof *s);
  s->root = xstrdup(root);
  s->blobsfd = s->layersfd = s->locksfd = s->tmpfd = -1;
  s->workfd = s->work_lockfd = s->gc_lockfd = -1;
  s->rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->rootfd < 0)
    {
      ctool_error_set(err, errno, "open image store %s", root);
      image_store_close(s);
      return -1;
    }
  cleanup_close int blobs = open_subdir(s->rootfd, root, "blobs", err);
  if (blobs < 0 || (s->blobsfd = open_subdir(blobs, root, "sha256", err)) < 0
      || (s->layersfd = open_subdir(s->rootfd, root, "layers", err)) < 0
      || (s->locksfd = open_subdir(s->rootfd, root, "locks", err)) < 0
      || (s->tmpfd = open_subdir(s->rootfd, root, "tmp", err)) < 0 || ensure_layout_files(s, err) < 0)
    {
      image_store_close(s);
      return ctool_error_prefix(err, "open image store");
    }
  *out = s;
  return 0;
}

static void
close_fd(int *fd)
{
  if (*fd >= 0)
    close(*fd);
  *fd = -1;
}

static int remove_trees(struct image_store *s, int dirfd, char *const *names, ctool_error_t *err);

void
image_store_close(struct image_store *s)
{
  if (s == NULL)
    return;
  if (s->work_name)
    {
      /* Our work dir: remove it (anything left is a failed job's), then
       * the lock file that marks it live. */
      ctool_error_t err = NULL;
      char *names[] = { s->work_name, NULL };
      if (remove_trees(s, s->tmpfd, names, &err) < 0)
        {
          log_warn("cannot clean %s/tmp/%s: %s", s->root, s->work_name, err->msg);
          ctool_error_free(&err);
        }
      else
        {
          cleanup_free char *lock = xasprintf("%s.lock", s->work_name);
          unlinkat(s->tmpfd, lock, 0);
        }
    }
  close_fd(&s->workfd);
  close_fd(&s->work_lockfd);
  close_fd(&s->gc_lockfd);
  close_fd(&s->blobsfd);
  close_fd(&s->layersfd);
  close_fd(&s->locksfd);
  close_fd(&s->tmpfd);
  close_fd(&s->rootfd);
  free(s->work_name);
  free(s->root);
  free(s);
}

const char *
store_root(struct image_store *s)
{
  return s->root;
}

void
store_set_remover(struct image_store *s, store_remove_fn fn, void *data)
{
  s->remover = fn;
  s->remover_data = data;
}

/* rm -rf of entries under DIRFD: through the remover when one is set
 * (subordinate-owned files), else as ourselves. */
static int
remove_trees(struct image_store *s, int dirfd, char *const *names, ctool_error_t *err)
{
  if (names == NULL || names[0] == NULL)
    return 0;
  /* As ourselves first: cheap, and enough for what holds no files owned
   * by subordinate IDs. What is left goes to the remover. */
  cleanup_strv char **left = NULL;
  for (size_t i = 0; names[i]; i++)
    {
      ctool_error_t rm_err = NULL;
      if (rm_rf_at(dirfd, names[i], &rm_err) < 0)
        {
          if (s->remover == NULL)
            {
              ctool_error_set(err, rm_err->errnum, "%s", rm_err->msg);
              ctool_error_free(&rm_err);
              return -1;
            }
          strv_push(&left, names[i]);
          ctool_error_free(&rm_err);
        }
    }
  if (left == NULL)
    return 0;
  names = left;
  cleanup_free char *dir = xasprintf("/proc/self/fd/%d", dirfd);
  char real[4096];
  ssize_t n = readlink(dir, real, sizeof real - 1);
  if (n < 0)
    return ctool_error_set(err, errno, "readlink %s", dir);
  real[n] = '\0';
  cleanup_strv char **paths = NULL;
  for (size_t i = 0; names[i]; i++)
    {
      cleanup_free char *p = xasprintf("%s/%s", real, names[i]);
      strv_push(&paths, p);
    }
  return s->remover(s->remover_data, paths, err);
}

/* ---------- writers: gc lock, work dir, stale tmp cleanup ---------- */

int
store_begin_writing(struct image_store *s, ctool_error_t *err)
{
  if (s->gc_lockfd >= 0)
    return 0;
  cleanup_close int fd = openat(s->rootfd, "gc.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return ctool_error_set(err, errno, "open %s/gc.lock", s->root);
  if (lock_fd(fd, false, err) < 0)
    return ctool_error_prefix(err, "%s/gc.lock", s->root);
  s->gc_lockfd = steal_fd(&fd);
  return 0;
}

static void
end_writing(struct image_store *s)
{
  if (s->holds == 0)
    close_fd(&s->gc_lockfd);
}

int
store_hold_writes(struct image_store *s, ctool_error_t *err)
{
  if (store_begin_writing(s, err) < 0)
    return -1;
  s->holds++;
  return 0;
}

void
store_release_writes(struct image_store *s)
{
  if (s->holds > 0 && --s->holds == 0)
    end_writing(s);
}

/* A lock file that is already flocked when it appears: made with O_TMPFILE,
 * locked, then linked under its name. Falls back to create+lock. */
static int
create_locked_file(int dirfd, const char *name, ctool_error_t *err)
{
  cleanup_close int fd = openat(dirfd, ".", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0)
    {
      if (flock(fd, LOCK_EX) < 0)
        return ctool_error_set(err, errno, "lock %s", name);
      cleanup_free char *proc = xasprintf("/proc/self/fd/%d", fd);
      if (linkat(AT_FDCWD, proc, dirfd, name, AT_SYMLINK_FOLLOW) < 0)
        return ctool_error_set(err, errno, "create %s", name);
      return steal_fd(&fd);
    }
  fd = openat(dirfd, name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return ctool_error_set(err, errno, "create %s", name);
  if (flock(fd, LOCK_EX) < 0)
    return ctool_error_set(err, errno, "lock %s", name);
  return steal_fd(&fd);
}

static bool
is_stale_work_dir(int tmpfd, const char *name)
{
  cleanup_free char *lock = xasprintf("%s.lock", name);
  cleanup_close int fd = openat(tmpfd, lock, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0)
    return errno == ENOENT; /* the lock is made first, removed last */
  return flock(fd, LOCK_EX | LOCK_NB) == 0;
}

/* Remove what dead processes left under tmp/: a work dir is live while its
 * NAME.lock is flocked. Lock files go after their dirs. */
static int
clean_stale_tmp(struct image_store *s, ctool_error_t *err)
{
  cleanup_free char *what = xasprintf("read %s/tmp", s->root);
  cleanup_dir DIR *d = opendir_dup(s->tmpfd, what, err);
  if (d == NULL)
    return -1;
  cleanup_strv char **stale = NULL;
  cleanup_strv char **stale_locks = NULL;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    {
      const char *n = de->d_name;
      if (n[0] == '.' || str_has_suffix(n, ".lock"))
        continue;
      if (s->work_name && strcmp(n, s->work_name) == 0)
        continue;
      if (is_stale_work_dir(s->tmpfd, n))
        {
          strv_push(&stale, n);
          cleanup_free char *lock = xasprintf("%s.lock", n);
          strv_push(&stale_locks, lock);
        }
    }
  /* Lock files whose dir is already gone. */
  rewinddir(d);
  while ((de = readdir(d)) != NULL)
    {
      if (!str_has_suffix(de->d_name, ".lock"))
        continue;
      cleanup_free char *dir = xstrndup(de->d_name, strlen(de->d_name) - 5);
      if (faccessat(s->tmpfd, dir, F_OK, AT_SYMLINK_NOFOLLOW) == 0)
        continue;
      cleanup_close int fd = openat(s->tmpfd, de->d_name, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
      if (fd >= 0 && flock(fd, LOCK_EX | LOCK_NB) == 0)
        unlinkat(s->tmpfd, de->d_name, 0);
    }
  if (stale)
    {
      log_debug("removing %zu stale work dirs under %s/tmp", strv_len(stale), s->root);
      if (remove_trees(s, s->tmpfd, stale, err) < 0)
        return ctool_error_prefix(err, "clean %s/tmp", s->root);
      for (size_t i = 0; stale_locks[i]; i++)
        unlinkat(s->tmpfd, stale_locks[i], 0);
    }
  return 0;
}

int
store_ensure_work_dir(struct image_store *s, ctool_error_t *err)
{
  if (s->work_name)
    return 0;
  char rnd[9];
  random_hex(rnd, 8);
  cleanup_free char *name = xasprintf("%ld-%s", (long) getpid(), rnd);
  cleanup_free char *lock = xasprintf("%s.lock", name);
  cleanup_close int lockfd = create_locked_file(s->tmpfd, lock, err);
  if (lockfd < 0)
    return ctool_error_prefix(err, "%s/tmp", s->root);
  if (mkdirat(s->tmpfd, name, 0700) < 0)
    {
      int e = errno;
      unlinkat(s->tmpfd, lock, 0);
      return ctool_error_set(err, e, "create %s/tmp/%s", s->root, name);
    }
  s->workfd = openat(s->tmpfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (s->workfd < 0)
    return ctool_error_set(err, errno, "open %s/tmp/%s", s->root, name);
  s->work_lockfd = steal_fd(&lockfd);
  s->work_name = steal_pointer(&name);
  /* A good moment to sweep what crashed processes left. */
  ctool_error_t clean_err = NULL;
  if (clean_stale_tmp(s, &clean_err) < 0)
    {
      log_warn("%s", clean_err->msg);
      ctool_error_free(&clean_err);
    }
  return 0;
}

/* ---------- blobs ---------- */

bool
store_has_blob(struct image_store *s, const char *digest)
{
  if (!store_digest_valid(digest))
    return false;
  ctool_error_t err = NULL;
  if (store_begin_writing(s, &err) < 0)
    ctool_error_free(&err);
  return faccessat(s->blobsfd, digest_hex(digest), F_OK, 0) == 0;
}

char *
store_blob_path(struct image_store *s, const char *digest)
{
  /* Never a path built from what is not a digest ("sha256:../.."). */
  if (!store_digest_valid(digest))
    return xasprintf("%s/blobs/sha256/invalid-digest", s->root);
  return xasprintf("%s/blobs/sha256/%s", s->root, digest_hex(digest));
}

int
store_read_blob(struct image_store *s, const char *digest, char **data, size_t *len, ctool_error_t *err)
{
  if (!store_digest_valid(digest))
    return ctool_error_set(err, 0, "invalid digest '%s'", digest);
  if (read_file_at(s->blobsfd, digest_hex(digest), data, len, 0, err) < 0)
    {
      int e = (*err)->errnum;
      ctool_error_free(err);
      ctool_error_set(err, e, "read blob %s from %s", digest, s->root);
      (*err)->errnum = e;
      return -1;
    }
  return 0;
}

/* ---------- manifests and configs ---------- */

struct parsed_image {
  json_object *manifest;
  json_object *config;
  char *config_digest;
  char *media_type;        /* the manifest's */
  size_t n_layers;
  const char **layer_digests;
  const char **layer_types;
  const char **diff_ids;
  char (*chain_ids)[72];
};

static void
parsed_image_clear(struct parsed_image *p)
{
  if (p->manifest)
    json_object_put(p->manifest);
  if (p->config)
    json_object_put(p->config);
  free(p->config_digest);
  free(p->media_type);
  free(p->layer_digests);
  free(p->layer_types);
  free(p->diff_ids);
  free(p->chain_ids);
  memset(p, 0, sizeof *p);
}

static int
read_json_blob(struct image_store *s, const char *digest, const char *what, json_object **out, ctool_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (store_read_blob(s, digest, &text, &len, err) < 0)
    return -1;
  return json_parse_text(text, len, what, out, err);
}

/* Read the manifest and its config, and work out the layer chain. */
static int
parse_image(struct image_store *s, const char *manifest_digest, struct parsed_image *p, ctool_error_t *err)
{
  const char *mt, *cfg;
  json_object *layers, *diff_ids;
  memset(p, 0, sizeof *p);
  if (read_json_blob(s, manifest_digest, "manifest", &p->manifest, err) < 0)
    goto fail;
  mt = json_get_str(p->manifest, "mediaType");
  if (mt && strcmp(mt, MT_OCI_MANIFEST) != 0 && strcmp(mt, MT_DOCKER_MANIFEST) != 0)
    {
      ctool_error_set(err, 0, "manifest %s has media type %s, not an image manifest", manifest_digest, mt);
      goto fail;
    }
  p->media_type = xstrdup(mt ? mt : MT_OCI_MANIFEST);
  cfg = json_get_str(json_get_obj(p->manifest, "config"), "digest");
  layers = json_get_array(p->manifest, "layers");
  if (!store_digest_valid(cfg) || layers == NULL)
    {
      ctool_error_set(err, 0, "manifest %s has no valid config digest or layer list", manifest_digest);
      goto fail;
    }
  p->config_digest = xstrdup(cfg);
  if (read_json_blob(s, cfg, "image config", &p->config, err) < 0)
    goto fail;
  diff_ids = json_get_array(json_get_obj(p->config, "rootfs"), "diff_ids");
  p->n_layers = json_object_array_length(layers);
  if (diff_ids == NULL || json_object_array_length(diff_ids) != p->n_layers)
    {
      ctool_error_set(err, 0, "image config %s: rootfs.diff_ids does not match the manifest's %zu layers", cfg,
                      p->n_layers);
      goto fail;
    }
  p->layer_digests = xzalloc((p->n_layers + 1) * sizeof *p->layer_digests);
  p->layer_types = xzalloc((p->n_layers + 1) * sizeof *p->layer_types);
  p->diff_ids = xzalloc((p->n_layers + 1) * sizeof *p->diff_ids);
  p->chain_ids = xzalloc((p->n_layers + 1) * sizeof *p->chain_ids);
  for (size_t i = 0; i < p->n_layers; i++)
    {
      json_object *l = json_object_array_get_idx(layers, i);
      json_object *d = json_object_array_get_idx(diff_ids, i);
      p->layer_digests[i] = json_get_str(l, "digest");
      p->layer_types[i] = json_get_str(l, "mediaType");
      p->diff_ids[i] = json_object_is_type(d, json_type_string) ? json_object_get_string(d) : NULL;
      if (!store_digest_valid(p->layer_digests[i]) || !store_digest_valid(p->diff_ids[i]))
        {
          ctool_error_set(err, 0, "manifest %s: layer %zu has an invalid digest or diff ID", manifest_digest, i);
          goto fail;
        }
      if (p->layer_types[i] == NULL)
        p->layer_types[i] = "application/vnd.oci.image.layer.v1.tar+gzip";
      store_chain_id(i == 0 ? NULL : p->chain_ids[i - 1], p->diff_ids[i], p->chain_ids[i]);
    }
  return 0;
fail:
  parsed_image_clear(p);
  return -1;
}

/* ---------- index.json ---------- */

static int
read_index(struct image_store *s, json_object **out, ctool_error_t *err)
{
  json_object *idx;
  if (json_read_file_at(s->rootfd, "index.json", &idx, err) < 0)
    return ctool_error_prefix(err, "image store %s", s->root);
  if (json_get_array(idx, "manifests") == NULL)
    {
      json_object_put(idx);
      return ctool_error_set(err, 0, "image store %s: index.json has no manifests list", s->root);
    }
  *out = idx;
  return 0;
}

static int
write_index(struct image_store *s, json_object *idx, ctool_error_t *err)
{
  size_t len;
  const char *text
    = json_object_to_json_string_length(idx, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  if (write_file_atomic_at(s->rootfd, "index.json", text, len, 0644, true, err) < 0)
    return ctool_error_prefix(err, "update %s/index.json", s->root);
  return 0;
}


/* index.json as a list of images: one per manifest digest, with its names
 * (one index entry per name, or one nameless entry). */
static void
image_add_name(struct store_image *img, const char *name)
{
  if (!strv_contains(img->names, name))
    strv_push(&img->names, name);
}

static bool
image_remove_name(struct store_image *img, const char *name)
{
  size_t n = strv_len(img->names);
  for (size_t i = 0; i < n; i++)
    if (strcmp(img->names[i], name) == 0)
      {
        free(img->names[i]);
        memmove(&img->names[i], &img->names[i + 1], (n - i) * sizeof(char *));
        return true;
      }
  return false;
}

static struct store_image *
images_find(struct store_image *imgs, size_t n, const char *digest)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(imgs[i].manifest_digest, digest) == 0)
      return &imgs[i];
  return NULL;
}

static struct store_image *
images_append(struct store_image **imgs, size_t *n, const char *digest, const char *media_type, int64_t size)
{
  *imgs = xrealloc(*imgs, (*n + 1) * sizeof **imgs);
  struct store_image *img = &(*imgs)[(*n)++];
  memset(img, 0, sizeof *img);
  img->manifest_digest = xstrdup(digest);
  img->manifest_media_type = xstrdup(media_type);
  img->manifest_size = size;
  return img;
}

void
store_images_free(struct store_image *imgs, size_t n)
{
  for (size_t i = 0; i < n; i++)
    {
      free(imgs[i].manifest_digest);
      free(imgs[i].manifest_media_type);
      strv_free(imgs[i].names);
    }
  free(imgs);
}

int
store_list_images(struct image_store *s, struct store_image **out, size_t *n_out, ctool_error_t *err)
{
  cleanup_json json_object *idx = NULL;
  if (read_index(s, &idx, err) < 0)
    return -1;
  json_object *manifests = json_get_array(idx, "manifests");
  struct store_image *imgs = NULL;
  size_t n = 0;
  size_t len = json_object_array_length(manifests);
  for (size_t i = 0; i < len; i++)
    {
      json_object *e = json_object_array_get_idx(manifests, i);
      const char *digest = json_get_str(e, "digest");
      if (!store_digest_valid(digest))
        {
          log_warn("%s/index.json: entry %zu has an invalid digest; ignored", s->root, i);
          continue;
        }
      struct store_image *img = images_find(imgs, n, digest);
      if (img == NULL)
        img = images_append(&imgs, &n, digest, json_get_str(e, "mediaType") ?: MT_OCI_MANIFEST,
                            json_get_int(e, "size", 0));
      const char *name = json_get_str(json_get_obj(e, "annotations"), STORE_REF_NAME_ANNOTATION);
      if (name)
        image_add_name(img, name);
    }
  *out = imgs;
  *n_out = n;
  return 0;
}

static int
save_images(struct image_store *s, struct store_image *imgs, size_t n, ctool_error_t *err)
{
  cleanup_json json_object *idx = json_object_new_object();
  json_object *manifests = json_object_new_array();
  json_object_object_add(idx, "schemaVersion", json_object_new_int(2));
  json_object_object_add(idx, "manifests", manifests);
  for (size_t i = 0; i < n; i++)
    {
      struct store_image *img = &imgs[i];
      size_t names = strv_len(img->names);
      for (size_t j = 0; j < (names ? names : 1); j++)
        {
          json_object *e = json_object_new_object();
          json_object_object_add(e, "mediaType", json_object_new_string(img->manifest_media_type));
          json_object_object_add(e, "digest", json_object_new_string(img->manifest_digest));
          json_object_object_add(e, "size", json_object_new_int64(img->manifest_size));
          if (names)
            {
              json_object *a = json_object_new_object();
              json_object_object_add(a, STORE_REF_NAME_ANNOTATION, json_object_new_string(img->names[j]));
              json_object_object_add(e, "annotations", a);
            }
          json_object_array_add(manifests, e);
        }
    }
  return write_index(s, idx, err);
}

static int
lock_store(struct image_store *s, ctool_error_t *err)
{
  cleanup_close int fd = openat(s->rootfd, "store.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return ctool_error_set(err, errno, "open %s/store.lock", s->root);
  if (lock_fd(fd, true, err) < 0)
    return ctool_error_prefix(err, "%s/store.lock", s->root);
  return steal_fd(&fd);
}

static char *
config_digest_of(struct image_store *s, const char *manifest_digest)
{
  cleanup_json json_object *m = NULL;
  ctool_error_t err = NULL;
  if (read_json_blob(s, manifest_digest, "manifest", &m, &err) < 0)
    {
      ctool_error_free(&err);
      return NULL;
    }
  const char *c = json_get_str(json_get_obj(m, "config"), "digest");
  return c ? xstrdup(c) : NULL;
}

/* The same image (same config, so same ID and layers) can arrive under
 * another manifest (a Docker archive, another compression): a nameless
 * earlier copy is dropped, so that an image shows once, as in Podman. */
static void
drop_nameless_twins(struct image_store *s, struct store_image *imgs, size_t *n, const char *digest)
{
  cleanup_free char *cfg = config_digest_of(s, digest);
  if (cfg == NULL)
    return;
  for (size_t i = 0; i < *n;)
    {
      cleanup_free char *other = NULL;
      if (strv_len(imgs[i].names) == 0 && strcmp(imgs[i].manifest_digest, digest) != 0
          && (other = config_digest_of(s, imgs[i].manifest_digest)) && strcmp(other, cfg) == 0)
        {
          free(imgs[i].manifest_digest);
          free(imgs[i].manifest_media_type);
          strv_free(imgs[i].names);
          memmove(&imgs[i], &imgs[i + 1], (*n - i - 1) * sizeof *imgs);
          (*n)--;
          continue;
        }
      i++;
    }
}

enum index_op { INDEX_ADD, INDEX_TAG, INDEX_UNTAG, INDEX_DELETE };

/* One read-modify-write of index.json under the store lock. */
static int
update_index(struct image_store *s, enum index_op op, const char *digest, const char *media_type, int64_t size,
             const char *name, ctool_error_t *err)
{
  cleanup_close int lock = lock_store(s, err);
  if (lock < 0)
    return -1;
  struct store_image *imgs = NULL;
  size_t n = 0;
  if (store_list_images(s, &imgs, &n, err) < 0)
    return -1;
  int ret = 0;
  bool found = false;
  if (name && op != INDEX_DELETE)
    for (size_t i = 0; i < n; i++)
      found |= image_remove_name(&imgs[i], name);
  struct store_image *img = digest ? images_find(imgs, n, digest) : NULL;
  switch (op)
    {
    case INDEX_ADD:
      drop_nameless_twins(s, imgs, &n, digest);
      img = images_find(imgs, n, digest);
      if (img == NULL)
        img = images_append(&imgs, &n, digest, media_type, size);
      if (name)
        image_add_name(img, name);
      break;
    case INDEX_TAG:
      if (img == NULL)
        ret = ctool_error_set(err, ENOENT, "image %s is not in the store", digest);
      else
        image_add_name(img, name);
      break;
    case INDEX_UNTAG:
      if (!found)
        ret = ctool_error_set(err, ENOENT, "no image is named %s", name);
      break;
    case INDEX_DELETE:
      if (img == NULL)
        ret = ctool_error_set(err, ENOENT, "image %s is not in the store", digest);
      else
        {
          size_t at = (size_t) (img - imgs);
          free(img->manifest_digest);
          free(img->manifest_media_type);
          strv_free(img->names);
          memmove(img, img + 1, (n - at - 1) * sizeof *img);
          n--;
        }
      break;
    }
  if (ret == 0)
    ret = save_images(s, imgs, n, err);
  store_images_free(imgs, n);
  return ret;
}

int
store_tag_image(struct image_store *s, const char *manifest_digest, const char *name, ctool_error_t *err)
{
  return update_index(s, INDEX_TAG, manifest_digest, NULL, 0, name, err);
}

int
store_untag(struct image_store *s, const char *name, ctool_error_t *err)
{
  return update_index(s, INDEX_UNTAG, NULL, NULL, 0, name, err);
}

int
store_delete_image(struct image_store *s, const char *manifest_digest, ctool_error_t *err)
{
  return update_index(s, INDEX_DELETE, manifest_digest, NULL, 0, NULL, err);
}

/* ---------- layers ---------- */

struct layer_record {
  uint64_t size;
  uint64_t files;
};

static bool
layer_present(struct image_store *s, const char *chain_id)
{
  struct stat st;
  return fstatat(s->layersfd, digest_hex(chain_id), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
}

static int
read_layer_record(struct image_store *s, const char *chain_id, struct layer_record *rec, ctool_error_t *err)
{
  cleanup_free char *name = xasprintf("%s.json", digest_hex(chain_id));
  cleanup_json json_object *o = NULL;
  if (json_read_file_at(s->layersfd, name, &o, err) < 0)
    return ctool_error_prefix(err, "layer record %s/layers", s->root);
  rec->size = (uint64_t) json_get_int(o, "size", 0);
  rec->files = (uint64_t) json_get_int(o, "files", 0);
  return 0;
}

static int
write_layer_record(struct image_store *s, const char *chain_id, const char *diff_id,
                   const struct store_extract_job *job, ctool_error_t *err)
{
  cleanup_free char *name = xasprintf("%s.json", digest_hex(chain_id));
  cleanup_json json_object *o = json_object_new_object();
  json_object_object_add(o, "chain_id", json_object_new_string(chain_id));
  json_object_object_add(o, "diff_id", json_object_new_string(diff_id));
  json_object_object_add(o, "size", json_object_new_int64((int64_t) job->size));
  json_object_object_add(o, "files", json_object_new_int64((int64_t) job->files));
  return json_write_file_at(s->layersfd, name, o, 0644, err);
}

/* Take locks/CHAINHEX.lock (blocking: another pull may be extracting it). */
static int
lock_layer(struct image_store *s, const char *chain_id, ctool_error_t *err)
{
  cleanup_free char *name = xasprintf("%s.lock", digest_hex(chain_id));
  cleanup_close int fd = openat(s->locksfd, name, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return ctool_error_set(err, errno, "open %s/locks/%s", s->root, name);
  if (flock(fd, LOCK_EX | LOCK_NB) < 0)
    {
      log_info("waiting for another process extracting layer %.19s", chain_id);
      if (lock_fd(fd, true, err) < 0)
        return ctool_error_prefix(err, "%s/locks/%s", s->root, name);
    }
  return steal_fd(&fd);
}

struct pending_layer {
  size_t index;      /* in the image's layer list */
  char *work_name;   /* under the work dir */
};

/* Extract the layers of P that are missing; the caller holds their locks. */
static int
extract_missing(struct image_store *s, struct parsed_image *p, store_extract_fn extract, void *extract_data,
                ctool_error_t *err)
{
  struct store_extract_job *jobs = xzalloc((p->n_layers + 1) * sizeof *jobs);
  struct pending_layer *pend = xzalloc((p->n_layers + 1) * sizeof *pend);
  cleanup_strv char **paths = NULL;
  cleanup_strv char **blobs = NULL;
  size_t n = 0;
  int ret = 0;

  for (size_t i = 0; i < p->n_layers && ret == 0; i++)
    {
      if (layer_present(s, p->chain_ids[i]))
        continue;
      if (faccessat(s->blobsfd, digest_hex(p->layer_digests[i]), F_OK, 0) < 0)
        {
          ret = ctool_error_set(err, 0, "layer blob %s is missing from the store: pull the image again",
                                p->layer_digests[i]);
          break;
        }
      cleanup_free char *wname = xasprintf("layer-%.16s", digest_hex(p->chain_ids[i]));
      ctool_error_t rm_err = NULL; /* leftovers of our own earlier attempt */
      rm_rf_at(s->workfd, wname, &rm_err);
      ctool_error_free(&rm_err);
      if (mkdirat(s->workfd, wname, 0755) < 0)
        {
          ret = ctool_error_set(err, errno, "create %s/tmp/%s/%s", s->root, s->work_name, wname);
          break;
        }
      cleanup_free char *path = xasprintf("%s/tmp/%s/%s", s->root, s->work_name, wname);
      cleanup_free char *blob = store_blob_path(s, p->layer_digests[i]);
      strv_push(&paths, path);
      strv_push(&blobs, blob);
      pend[n].index = i;
      pend[n].work_name = steal_pointer(&wname);
      n++;
    }
  if (ret == 0 && n > 0)
    {
      for (size_t j = 0; j < n; j++)
        {
          jobs[j].blob_path = blobs[j];
          jobs[j].media_type = p->layer_types[pend[j].index];
          jobs[j].diff_id = p->diff_ids[pend[j].index];
          jobs[j].target_dir = paths[j];
        }
      log_debug("extracting %zu layers", n);
      ret = extract(extract_data, jobs, n, err);
      /* One flush for all layers, before their names say they are whole. */
      if (ret == 0 && syncfs(s->workfd) < 0)
        ret = ctool_error_set(err, errno, "sync %s", s->root);
      for (size_t j = 0; j < n && ret == 0; j++)
        {
          const char *chain = p->chain_ids[pend[j].index];
          if (write_layer_record(s, chain, p->diff_ids[pend[j].index], &jobs[j], err) < 0)
            ret = -1;
          else if (renameat(s->workfd, pend[j].work_name, s->layersfd, digest_hex(chain)) < 0)
            {
              /* Someone else (without our lock: a lock file that was
               * replaced) put it there first: theirs is as good. */
              if (errno != EEXIST && errno != ENOTEMPTY)
                ret = ctool_error_set(err, errno, "move layer into %s/layers", s->root);
            }
          else
            {
              free(pend[j].work_name);
              pend[j].work_name = NULL;
            }
        }
    }
  /* Whatever is still in the work dir failed or lost a race. */
  cleanup_strv char **leftovers = NULL;
  for (size_t j = 0; j < n; j++)
    if (pend[j].work_name)
      strv_push(&leftovers, pend[j].work_name);
  if (leftovers)
    {
      ctool_error_t rm_err = NULL;
      if (remove_trees(s, s->workfd, leftovers, &rm_err) < 0)
        {
          log_warn("%s", rm_err->msg);
          ctool_error_free(&rm_err);
        }
    }
  for (size_t j = 0; j < n; j++)
    free(pend[j].work_name);
  free(pend);
  free(jobs);
  return ret;
}

int
store_commit_image(struct image_store *s, const char *name, const char *manifest_digest,
                   store_extract_fn extract, void *extract_data, ctool_error_t *err)
{
  struct parsed_image p;
  if (!store_digest_valid(manifest_digest))
    return ctool_error_set(err, 0, "invalid manifest digest '%s'", manifest_digest ? manifest_digest : "");
  if (store_begin_writing(s, err) < 0 || store_ensure_work_dir(s, err) < 0)
    return -1;
  if (parse_image(s, manifest_digest, &p, err) < 0)
    return -1;

  int ret = 0;
  int *locks = xmalloc((p.n_layers + 1) * sizeof *locks);
  size_t n_locks = 0;
  for (size_t i = 0; i < p.n_layers; i++)
    {
      /* The same layer twice in one image: lock it once. */
      bool dup = false;
      for (size_t j = 0; j < i; j++)
        dup |= strcmp(p.chain_ids[j], p.chain_ids[i]) == 0;
      if (dup)
        continue;
      int fd = lock_layer(s, p.chain_ids[i], err);
      if (fd < 0)
        {
          ret = -1;
          break;
        }
      locks[n_locks++] = fd;
    }
  if (ret == 0)
    ret = extract_missing(s, &p, extract, extract_data, err);
  if (ret == 0)
    {
      struct stat st;
      if (fstatat(s->blobsfd, digest_hex(manifest_digest), &st, 0) < 0)
        ret = ctool_error_set(err, errno, "manifest blob %s", manifest_digest);
      else
        ret = update_index(s, INDEX_ADD, manifest_digest, p.media_type, st.st_size, name, err);
    }
  for (size_t i = 0; i < n_locks; i++)
    close(locks[i]);
  free(locks);
  parsed_image_clear(&p);
  /* Everything we wrote is referenced now (or failed): GC may run. */
  end_writing(s);
  if (ret < 0)
    return ctool_error_prefix(err, "store image %s", name ? name : manifest_digest);
  return 0;
}

/* ---------- image info ---------- */

/* RFC 3339 ("2023-05-19T20:19:24.123456789Z", "+02:00") to epoch seconds. */
static int64_t
parse_rfc3339(const char *s)
{
  if (s == NULL)
    return 0;
  struct tm tm = { 0 };
  const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == NULL)
    return 0;
  int64_t t = (int64_t) timegm(&tm);
  if (*rest == '.')
    for (rest++; *rest >= '0' && *rest <= '9'; rest++)
      ;
  int sign = 0, hh = 0, mm = 0;
  if (*rest == '+')
    sign = 1;
  else if (*rest == '-')
    sign = -1;
  if (sign && sscanf(rest + 1, "%2d:%2d", &hh, &mm) == 2)
    t -= sign * (hh * 3600 + mm * 60);
  return t;
}

void
image_info_free(struct image_info *info)
{
  if (info == NULL)
    return;
  free(info->id);
  strv_free(info->names);
  free(info->manifest_digest);
  if (info->config)
    json_object_put(info->config);
  strv_free(info->layer_dirs);
  free(info);
}

int
store_image_info(struct image_store *s, const char *manifest_digest, struct image_info **out, ctool_error_t *err)
{
  struct parsed_image p;
  if (parse_image(s, manifest_digest, &p, err) < 0)
    return -1;
  struct image_info *info = xzalloc(sizeof *info);
  info->id = xstrdup(digest_hex(p.config_digest));
  info->manifest_digest = xstrdup(manifest_digest);
  info->created = parse_rfc3339(json_get_str(p.config, "created"));
  info->config = steal_pointer(&p.config);
  for (size_t i = 0; i < p.n_layers; i++)
    {
      struct layer_record rec = { 0 };
      const char *hex = digest_hex(p.chain_ids[i]);
      if (!layer_present(s, p.chain_ids[i]) || read_layer_record(s, p.chain_ids[i], &rec, err) < 0)
        {
          ctool_error_free(err);
          ctool_error_set(err, 0, "image %.12s is incomplete: layer %.19s is missing from %s/layers (pull the image again)",
                          info->id, p.chain_ids[i], s->root);
          image_info_free(info);
          parsed_image_clear(&p);
          return -1;
        }
      cleanup_free char *dir = xasprintf("%s/layers/%s", s->root, hex);
      strv_push(&info->layer_dirs, dir);
      info->size += rec.size;
    }
  if (info->layer_dirs == NULL)
    info->layer_dirs = xzalloc(sizeof(char *));
  parsed_image_clear(&p);

  struct store_image *imgs = NULL;
  size_t n = 0;
  if (store_list_images(s, &imgs, &n, err) < 0)
    {
      image_info_free(info);
      return -1;
    }
  struct store_image *img = images_find(imgs, n, manifest_digest);
  info->names = img && img->names ? strv_dup(img->names) : xzalloc(sizeof(char *));
  store_images_free(imgs, n);
  *out = info;
  return 0;
}

/* ---------- garbage collection ---------- */

static void
mark_image(struct image_store *s, const char *manifest_digest, char ***blobs, char ***layers)
{
  strv_push(blobs, digest_hex(manifest_digest));
  struct parsed_image p;
  ctool_error_t err = NULL;
  if (parse_image(s, manifest_digest, &p, &err) < 0)
    {
      log_warn("%s; its layers may be collected", err->msg);
      ctool_error_free(&err);
      return;
    }
  strv_push(blobs, digest_hex(p.config_digest));
  for (size_t i = 0; i < p.n_layers; i++)
    {
      strv_push(blobs, digest_hex(p.layer_digests[i]));
      strv_push(layers, digest_hex(p.chain_ids[i]));
    }
  parsed_image_clear(&p);
}

static int
list_dir(int dirfd, char ***out, ctool_error_t *err)
{
  cleanup_dir DIR *d = opendir_dup(dirfd, "opendir", err);
  if (d == NULL)
    return -1;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      strv_push(out, de->d_name);
  return 0;
}

static bool
hex_name(const char *name, size_t len)
{
  if (strlen(name) < len)
    return false;
  for (size_t i = 0; i < len; i++)
    if (!((name[i] >= '0' && name[i] <= '9') || (name[i] >= 'a' && name[i] <= 'f')))
      return false;
  return true;
}

static int
collect(struct image_store *s, ctool_error_t *err)
{
  struct store_image *imgs = NULL;
  size_t n = 0;
  if (store_list_images(s, &imgs, &n, err) < 0)
    return -1;
  cleanup_strv char **keep_blobs = NULL;
  cleanup_strv char **keep_layers = NULL;
  for (size_t i = 0; i < n; i++)
    mark_image(s, imgs[i].manifest_digest, &keep_blobs, &keep_layers);
  store_images_free(imgs, n);

  cleanup_strv char **entries = NULL;
  if (list_dir(s->blobsfd, &entries, err) < 0)
    return ctool_error_prefix(err, "%s/blobs/sha256", s->root);
  size_t freed = 0;
  for (size_t i = 0; entries && entries[i]; i++)
    if (!strv_contains(keep_blobs, entries[i]) && unlinkat(s->blobsfd, entries[i], 0) == 0)
      freed++;
  strv_free(entries);
  entries = NULL;

  /* Layers: move out of layers/ first (one atomic rename, so a crash never
   * leaves a half-removed layer under its name), then remove. */
  if (list_dir(s->layersfd, &entries, err) < 0)
    return ctool_error_prefix(err, "%s/layers", s->root);
  cleanup_strv char **doomed = NULL;
  for (size_t i = 0; entries && entries[i]; i++)
    {
      const char *e = entries[i];
      if (!hex_name(e, 64))
        continue;
      cleanup_free char *hex = xstrndup(e, 64);
      if (strv_contains(keep_layers, hex))
        continue;
      if (e[64] == '\0')
        {
          cleanup_free char *to = xasprintf("gc-%s", hex);
          if (renameat(s->layersfd, e, s->workfd, to) == 0)
            strv_push(&doomed, to);
          else
            log_warn("cannot remove layer %s/layers/%s: %s", s->root, e, strerror(errno));
        }
      cleanup_free char *lock = xasprintf("%s.lock", hex);
      unlinkat(s->locksfd, lock, 0);
    }
  /* Records after their dirs are gone. */
  for (size_t i = 0; entries && entries[i]; i++)
    {
      const char *e = entries[i];
      if (hex_name(e, 64) && strcmp(e + 64, ".json") == 0)
        {
          cleanup_free char *hex = xstrndup(e, 64);
          if (!strv_contains(keep_layers, hex) && faccessat(s->layersfd, hex, F_OK, AT_SYMLINK_NOFOLLOW) < 0)
            unlinkat(s->layersfd, e, 0);
        }
    }
  log_debug("gc: %zu blobs, %zu layers removed", freed, strv_len(doomed));
  if (doomed && remove_trees(s, s->workfd, doomed, err) < 0)
    return ctool_error_prefix(err, "remove unused layers");
  return 0;
}

int
store_gc(struct image_store *s, bool *ran, ctool_error_t *err)
{
  *ran = false;
  if (s->holds > 0)
    return 0;
  end_writing(s);
  cleanup_close int fd = openat(s->rootfd, "gc.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return ctool_error_set(err, errno, "open %s/gc.lock", s->root);
  if (flock(fd, LOCK_EX | LOCK_NB) < 0)
    {
      if (errno != EWOULDBLOCK)
        return ctool_error_set(err, errno, "lock %s/gc.lock", s->root);
      log_debug("another process is writing to %s: garbage collection deferred", s->root);
      return 0;
    }
  if (store_ensure_work_dir(s, err) < 0)
    return -1;
  if (collect(s, err) < 0)
    return -1;
  *ran = true;
  return 0;
}
