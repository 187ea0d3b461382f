/* OCI and Docker image archives (see imgarchive.h). */
#include "imgarchive.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "layer.h"
#include "manifest.h"
#include "platform.h"
#include "reference.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define MT_OCI_INDEX "application/vnd.oci.image.index.v1+json"
#define MT_DOCKER_LIST "application/vnd.docker.distribution.manifest.list.v2+json"
#define MT_OCI_MANIFEST "application/vnd.oci.image.manifest.v1+json"
#define MT_OCI_CONFIG "application/vnd.oci.image.config.v1+json"
#define MT_OCI_LAYER "application/vnd.oci.image.layer.v1.tar"
#define MAX_META_FILE (16u << 20)

int
image_archive_format_parse(const char *name)
{
  if (strcmp(name, "oci-archive") == 0)
    return IMAGE_ARCHIVE_OCI;
  if (strcmp(name, "docker-archive") == 0)
    return IMAGE_ARCHIVE_DOCKER;
  return -1;
}

/* ---------- writing ---------- */

/* Entries belong to whoever saves (tools that unpack archives as that
 * user can then chown them to themselves) and carry the time of saving. */
static struct archive_entry *
new_entry(const char *name, mode_t type, mode_t perm)
{
  struct archive_entry *e = archive_entry_new();
  archive_entry_set_pathname(e, name);
  archive_entry_set_filetype(e, type);
  archive_entry_set_perm(e, perm);
  archive_entry_set_uid(e, getuid());
  archive_entry_set_gid(e, getgid());
  archive_entry_set_mtime(e, time(NULL), 0);
  return e;
}

static int
tar_add_dir(struct archive *a, const char *name, ctool_error_t *err)
{
  struct archive_entry *e = new_entry(name, AE_IFDIR, 0755);
  int r = archive_write_header(a, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK)
    return ctool_error_set(err, archive_errno(a), "write %s to the archive: %s", name, archive_error_string(a));
  return 0;
}

static int
tar_add_bytes(struct archive *a, const char *name, const void *data, size_t len, ctool_error_t *err)
{
  struct archive_entry *e = new_entry(name, AE_IFREG, 0644);
  archive_entry_set_size(e, (la_int64_t) len);
  int r = archive_write_header(a, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK || (len && archive_write_data(a, data, len) != (la_ssize_t) len))
    return ctool_error_set(err, archive_errno(a), "write %s to the archive: %s", name, archive_error_string(a));
  return 0;
}

static int
tar_add_fd(struct archive *a, const char *name, int fd, ctool_error_t *err)
{
  struct stat st;
  if (fstat(fd, &st) < 0)
    return ctool_error_set(err, errno, "stat %s", name);
  struct archive_entry *e = new_entry(name, AE_IFREG, 0644);
  archive_entry_set_size(e, st.st_size);
  int r = archive_write_header(a, e);
  archive_entry_free(e);
  if (r != ARCHIVE_OK)
    return ctool_error_set(err, archive_errno(a), "write %s to the archive: %s", name, archive_error_string(a));
  cleanup_free char *buf = xmalloc(1u << 20);
  off_t off = 0;
  for (;;)
    {
      ssize_t n = pread(fd, buf, 1u << 20, off);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0)
        return ctool_error_set(err, errno, "read %s", name);
      if (n == 0)
        break;
      if (archive_write_data(a, buf, (size_t) n) != n)
        return ctool_error_set(err, archive_errno(a), "write %s to the archive: %s", name, archive_error_string(a));
      off += n;
    }
  return 0;
}

static int
tar_add_blob(struct archive *a, struct image_store *s, const char *name, const char *digest, ctool_error_t *err)
{
  cleanup_free char *path = store_blob_path(s, digest);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ctool_error_set(err, errno, "open blob %s", digest);
  return tar_add_fd(a, name, fd, err);
}

static int
read_json_blob(struct image_store *s, const char *digest, json_object **out, ctool_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (store_read_blob(s, digest, &text, &len, err) < 0)
    return -1;
  return json_parse_text(text, len, digest, out, err);
}

/* The blobs of one image: manifest, config, layers. */
static int
image_blobs(struct image_store *s, const struct image_info *info, json_object **manifest, char ***blobs,
            ctool_error_t *err)
{
  if (read_json_blob(s, info->manifest_digest, manifest, err) < 0)
    return -1;
  strv_push(blobs, info->manifest_digest);
  strv_push(blobs, json_get_str(json_get_obj(*manifest, "config"), "digest"));
  json_object *layers = json_get_array(*manifest, "layers");
  for (size_t i = 0; i < json_object_array_length(layers); i++)
    strv_push(blobs, json_get_str(json_object_array_get_idx(layers, i), "digest"));
  return 0;
}

static int
save_oci(struct archive *a, struct image_store *s, struct image_info *const *images, size_t n, ctool_error_t *err)
{
  cleanup_json json_object *index = json_object_new_object();
  json_object *manifests = json_object_new_array();
  json_object_object_add(index, "schemaVersion", json_object_new_int(2));
  json_object_object_add(index, "manifests", manifests);
  cleanup_strv char **written = NULL;
  static const char layout[] = "{\"imageLayoutVersion\":\"1.0.0\"}";
  if (tar_add_bytes(a, "oci-layout", layout, sizeof layout - 1, err) < 0 || tar_add_dir(a, "blobs", err) < 0
      || tar_add_dir(a, "blobs/sha256", err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_json json_object *m = NULL;
      cleanup_strv char **blobs = NULL;
      if (image_blobs(s, images[i], &m, &blobs, err) < 0)
        return -1;
      for (size_t b = 0; blobs[b]; b++)
        {
          if (strv_contains(written, blobs[b]))
            continue;
          cleanup_free char *name = xasprintf("blobs/sha256/%s", blobs[b] + 7);
          if (tar_add_blob(a, s, name, blobs[b], err) < 0)
            return -1;
          strv_push(&written, blobs[b]);
        }
      cleanup_free char *mpath = store_blob_path(s, images[i]->manifest_digest);
      struct stat st;
      if (stat(mpath, &st) < 0)
        return ctool_error_set(err, errno, "stat %s", mpath);
      size_t names = strv_len(images[i]->names);
      for (size_t k = 0; k < (names ? names : 1); k++)
        {
          json_object *d = json_object_new_object();
          json_object_object_add(d, "mediaType", json_object_new_string(json_get_str(m, "mediaType") ?: MT_OCI_MANIFEST));
          json_object_object_add(d, "digest", json_object_new_string(images[i]->manifest_digest));
          json_object_object_add(d, "size", json_object_new_int64(st.st_size));
          if (names)
            {
              json_object *ann = json_object_new_object();
              json_object_object_add(ann, STORE_REF_NAME_ANNOTATION, json_object_new_string(images[i]->names[k]));
              json_object_object_add(d, "annotations", ann);
            }
          json_object_array_add(manifests, d);
        }
    }
  size_t len;
  const char *text = json_object_to_json_string_length(index, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  return tar_add_bytes(a, "index.json", text, len, err);
}

/* A Docker archive holds layers uncompressed: inflate into an unnamed
 * temporary file first (its size goes into the tar header). */
static int
inflate_to_tmpfile(const char *blob_path, ctool_error_t *err)
{
  const char *tmpdir = getenv("TMPDIR") ?: "/var/tmp";
  cleanup_close int out = open(tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (out < 0)
    return ctool_error_set(err, errno, "create a temporary file in %s (set TMPDIR)", tmpdir);
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_raw(a);
  struct archive_entry *e;
  int ret = 0;
  if (archive_read_open_filename(a, blob_path, 1u << 20) != ARCHIVE_OK || archive_read_next_header(a, &e) != ARCHIVE_OK)
    ret = ctool_error_set(err, 0, "read %s: %s", blob_path, archive_error_string(a));
  const void *buf;
  size_t size;
  la_int64_t off;
  while (ret == 0)
    {
      int r = archive_read_data_block(a, &buf, &size, &off);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        ret = ctool_error_set(err, 0, "decompress %s: %s", blob_path, archive_error_string(a));
      else if (pwrite(out, buf, size, off) != (ssize_t) size)
        ret = ctool_error_set(err, errno, "write a temporary file in %s", tmpdir);
    }
  archive_read_free(a);
  if (ret < 0)
    return -1;
  return steal_fd(&out);
}

static int
save_docker(struct archive *a, struct image_store *s, struct image_info *const *images, size_t n, ctool_error_t *err)
{
  cleanup_json json_object *top = json_object_new_array();
  cleanup_strv char **written = NULL;
  for (size_t i = 0; i < n; i++)
    {
      cleanup_json json_object *m = NULL;
      if (read_json_blob(s, images[i]->manifest_digest, &m, err) < 0)
        return -1;
      const char *cfg = json_get_str(json_get_obj(m, "config"), "digest");
      json_object *diff_ids = json_get_array(json_get_obj(images[i]->config, "rootfs"), "diff_ids");
      json_object *layers = json_get_array(m, "layers");
      if (cfg == NULL || diff_ids == NULL || layers == NULL)
        return ctool_error_set(err, 0, "image %.12s has an invalid manifest or config", images[i]->id);
      cleanup_free char *cfg_name = xasprintf("%s.json", cfg + 7);
      if (!strv_contains(written, cfg_name))
        {
          if (tar_add_blob(a, s, cfg_name, cfg, err) < 0)
            return -1;
          strv_push(&written, cfg_name);
        }
      json_object *entry = json_object_new_object();
      json_object *tags = json_object_new_array();
      json_object *lnames = json_object_new_array();
      json_object_array_add(top, entry);
      json_object_object_add(entry, "Config", json_object_new_string(cfg_name));
      json_object_object_add(entry, "RepoTags", tags);
      json_object_object_add(entry, "Layers", lnames);
      for (size_t k = 0; images[i]->names && images[i]->names[k]; k++)
        if (strchr(images[i]->names[k], '@') == NULL)
          json_object_array_add(tags, json_object_new_string(images[i]->names[k]));
      for (size_t l = 0; l < json_object_array_length(layers); l++)
        {
          const char *diff_id = json_object_get_string(json_object_array_get_idx(diff_ids, l));
          const char *digest = json_get_str(json_object_array_get_idx(layers, l), "digest");
          if (diff_id == NULL || strlen(diff_id) != 71 || digest == NULL)
            return ctool_error_set(err, 0, "image %.12s: layer %zu has no diff ID", images[i]->id, l);
          cleanup_free char *lname = xasprintf("%s.tar", diff_id + 7);
          json_object_array_add(lnames, json_object_new_string(lname));
          if (strv_contains(written, lname))
            continue;
          cleanup_free char *blob = store_blob_path(s, digest);
          cleanup_close int fd = inflate_to_tmpfile(blob, err);
          if (fd < 0 || tar_add_fd(a, lname, fd, err) < 0)
            return -1;
          strv_push(&written, lname);
        }
    }
  size_t len;
  const char *text = json_object_to_json_string_length(top, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  return tar_add_bytes(a, "manifest.json", text, len, err);
}

int
image_archive_save(struct image_store *s, enum image_archive_format fmt, struct image_info *const *images, size_t n,
                   int out_fd, ctool_error_t *err)
{
  struct archive *a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_set_bytes_in_last_block(a, 1);
  if (archive_write_open_fd(a, out_fd) != ARCHIVE_OK)
    {
      ctool_error_set(err, archive_errno(a), "write the archive: %s", archive_error_string(a));
      archive_write_free(a);
      return -1;
    }
  int ret = fmt == IMAGE_ARCHIVE_OCI ? save_oci(a, s, images, n, err) : save_docker(a, s, images, n, err);
  if (archive_write_close(a) != ARCHIVE_OK && ret == 0)
    ret = ctool_error_set(err, archive_errno(a), "write the archive: %s", archive_error_string(a));
  archive_write_free(a);
  return ret;
}

/* ---------- reading ---------- */

/* What the archive held: every regular file became a blob; the few small
 * files that describe the archive are also kept as text. */
struct loaded_archive {
  char **paths;       /* NULL-ended, parallel to digests */
  char **digests;
  char **link_paths;  /* symlinks (Docker archives share layers so) */
  char **link_targets;
  char *oci_layout;
  char *index_json;
  char *manifest_json;
};

static void
loaded_archive_clear(struct loaded_archive *la)
{
  strv_free(la->paths);
  strv_free(la->digests);
  strv_free(la->link_paths);
  strv_free(la->link_targets);
  free(la->oci_layout);
  free(la->index_json);
  free(la->manifest_json);
}

static const char *
digest_of_path(const struct loaded_archive *la, const char *path)
{
  cleanup_free char *clean = layer_clean_path(path);
  if (clean == NULL)
    return NULL;
  for (int hops = 0; hops < 8; hops++)
    {
      for (size_t i = 0; la->paths && la->paths[i]; i++)
        if (strcmp(la->paths[i], clean) == 0)
          return la->digests[i];
      size_t k;
      for (k = 0; la->link_paths && la->link_paths[k]; k++)
        if (strcmp(la->link_paths[k], clean) == 0)
          break;
      if (la->link_paths == NULL || la->link_paths[k] == NULL)
        return NULL;
      /* A relative target is relative to the link's directory. */
      const char *t = la->link_targets[k];
      char *slash = strrchr(clean, '/');
      char *next = t[0] != '/' && slash ? xasprintf("%.*s/%s", (int) (slash - clean), clean, t) : xstrdup(t);
      char *c = layer_clean_path(next);
      free(next);
      if (c == NULL)
        return NULL;
      free(clean);
      clean = c;
    }
  return NULL;
}

static int
read_small(struct archive *a, const char *path, char **out, ctool_error_t *err)
{
  size_t cap = 4096, len = 0;
  char *buf = xmalloc(cap);
  for (;;)
    {
      if (len + 4096 + 1 > cap)
        buf = xrealloc(buf, cap *= 2);
      la_ssize_t n = archive_read_data(a, buf + len, cap - len - 1);
      if (n < 0)
        {
          free(buf);
          return ctool_error_set(err, 0, "read %s from the archive: %s", path, archive_error_string(a));
        }
      if (n == 0)
        break;
      len += (size_t) n;
      if (len > MAX_META_FILE)
        {
          free(buf);
          return ctool_error_set(err, 0, "%s in the archive is too large", path);
        }
    }
  buf[len] = '\0';
  free(*out);
  *out = buf;
  return 0;
}

static int
read_into_blob(struct image_store *s, struct archive *a, const char *path, char digest[72], ctool_error_t *err)
{
  struct blob_writer *w;
  if (store_blob_writer_open(s, &w, err) < 0)
    return -1;
  const void *buf;
  size_t size;
  la_int64_t off;
  for (;;)
    {
      int r = archive_read_data_block(a, &buf, &size, &off);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        {
          blob_writer_abort(w);
          return ctool_error_set(err, 0, "read %s from the archive: %s", path, archive_error_string(a));
        }
      if (blob_writer_write(w, buf, size, err) < 0)
        {
          blob_writer_abort(w);
          return -1;
        }
    }
  return blob_writer_commit_any(w, digest, err);
}

static int
read_archive(struct image_store *s, int fd, struct loaded_archive *la, ctool_error_t *err)
{
  struct archive *a = archive_read_new();
  archive_read_support_filter_all(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_gnutar(a);
  int ret = 0;
  if (archive_read_open_fd(a, fd, 1u << 20) != ARCHIVE_OK)
    ret = ctool_error_set(err, 0, "read the archive: %s", archive_error_string(a));
  struct archive_entry *e;
  size_t entries = 0;
  while (ret == 0)
    {
      int r = archive_read_next_header(a, &e);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        {
          ret = ctool_error_set(err, 0, "read the archive: %s", archive_error_string(a));
          break;
        }
      entries++;
      cleanup_free char *path = layer_clean_path(archive_entry_pathname(e) ?: "");
      if (path == NULL || path[0] == '\0')
        continue;
      if (archive_entry_filetype(e) == AE_IFLNK)
        {
          strv_push(&la->link_paths, path);
          strv_push(&la->link_targets, archive_entry_symlink(e) ?: "");
          continue;
        }
      if (archive_entry_filetype(e) != AE_IFREG)
        continue;
      if (strcmp(path, "oci-layout") == 0)
        ret = read_small(a, path, &la->oci_layout, err);
      else if (strcmp(path, "index.json") == 0)
        ret = read_small(a, path, &la->index_json, err);
      else if (strcmp(path, "manifest.json") == 0)
        ret = read_small(a, path, &la->manifest_json, err);
      else if (strcmp(path, "repositories") == 0)
        continue;
      else
        {
          char digest[72];
          if (read_into_blob(s, a, path, digest, err) < 0)
            ret = -1;
          else if (str_has_prefix(path, "blobs/sha256/") && strcmp(path + 13, digest + 7) != 0)
            ret = ctool_error_set(err, 0, "the archive is corrupt: %s holds data with digest %s", path, digest);
          else
            {
              strv_push(&la->paths, path);
              strv_push(&la->digests, digest);
            }
        }
    }
  archive_read_free(a);
  if (ret == 0 && entries == 0)
    ret = ctool_error_set(err, 0, "the archive is empty");
  return ret;
}

/* Names as Podman records them on load: full references ("busybox:1" ->
 * docker.io/library/busybox:1). A bare tag ("latest", as skopeo writes
 * into oci: layouts) names no repository: NULL. */
static char *
normalize_name(const char *name)
{
  if (name == NULL || (strchr(name, '/') == NULL && strchr(name, ':') == NULL && strchr(name, '@') == NULL))
    return NULL;
  struct image_ref ref = { 0 };
  bool was_short;
  ctool_error_t err = NULL;
  if (image_ref_parse(name, &ref, &was_short, &err) < 0)
    {
      log_warn("ignoring the name '%s' in the archive: %s", name, err->msg);
      ctool_error_free(&err);
      return NULL;
    }
  char *s = image_ref_string(&ref);
  image_ref_clear(&ref);
  return s;
}

static int
commit_with_names(struct image_store *s, const char *manifest_digest, char *const *names, store_extract_fn extract,
                  void *extract_data, char ***loaded, ctool_error_t *err)
{
  if (store_commit_image(s, names ? names[0] : NULL, manifest_digest, extract, extract_data, err) < 0)
    return -1;
  for (size_t i = 1; names && names[i]; i++)
    if (store_tag_image(s, manifest_digest, names[i], err) < 0)
      return -1;
  if (names)
    for (size_t i = 0; names[i]; i++)
      strv_push(loaded, names[i]);
  else
    {
      struct image_info *info;
      if (store_image_info(s, manifest_digest, &info, err) < 0)
        return -1;
      cleanup_free char *id = xasprintf("sha256:%s", info->id);
      strv_push(loaded, id);
      image_info_free(info);
    }
  return 0;
}

/* An index inside an OCI layout: the manifest for this machine. */
static int
pick_platform(struct image_store *s, const char *index_digest, char **manifest_digest, ctool_error_t *err)
{
  cleanup_json json_object *idx = NULL;
  if (read_json_blob(s, index_digest, &idx, err) < 0)
    return -1;
  struct platform host;
  platform_host(&host);
  json_object *ms = json_get_array(idx, "manifests");
  for (size_t i = 0; ms && i < json_object_array_length(ms); i++)
    {
      json_object *d = json_object_array_get_idx(ms, i);
      json_object *p = json_get_obj(d, "platform");
      if (p && platform_matches(&host, json_get_str(p, "os") ?: "", json_get_str(p, "architecture") ?: "",
                                json_get_str(p, "variant")))
        {
          *manifest_digest = xstrdup(json_get_str(d, "digest") ?: "");
          return 0;
        }
    }
  return ctool_error_set(err, 0, "the archive has no image for %s/%s", host.os, host.arch);
}

static int
load_oci(struct image_store *s, struct loaded_archive *la, store_extract_fn extract, void *extract_data, char ***loaded,
         ctool_error_t *err)
{
  cleanup_json json_object *index = NULL;
  if (json_parse_text(la->index_json, strlen(la->index_json), "index.json", &index, err) < 0)
    return -1;
  json_object *ms = json_get_array(index, "manifests");
  if (ms == NULL || json_object_array_length(ms) == 0)
    return ctool_error_set(err, 0, "the archive's index.json lists no images");
  /* Group the names by manifest: one commit per image. */
  cleanup_strv char **done = NULL;
  for (size_t i = 0; i < json_object_array_length(ms); i++)
    {
      json_object *d = json_object_array_get_idx(ms, i);
      const char *digest = json_get_str(d, "digest");
      if (!store_digest_valid(digest))
        return ctool_error_set(err, 0, "index.json: entry %zu has an invalid digest", i);
      if (strv_contains(done, digest))
        continue;
      strv_push(&done, digest);
      cleanup_strv char **names = NULL;
      for (size_t k = i; k < json_object_array_length(ms); k++)
        {
          json_object *dk = json_object_array_get_idx(ms, k);
          if (strcmp(json_get_str(dk, "digest") ?: "", digest) != 0)
            continue;
          cleanup_free char *n = normalize_name(json_get_str(json_get_obj(dk, "annotations"), STORE_REF_NAME_ANNOTATION));
          if (n && !strv_contains(names, n))
            strv_push(&names, n);
        }
      cleanup_free char *manifest = xstrdup(digest);
      const char *mt = json_get_str(d, "mediaType") ?: "";
      if (strcmp(mt, MT_OCI_INDEX) == 0 || strcmp(mt, MT_DOCKER_LIST) == 0)
        {
          free(manifest);
          manifest = NULL;
          if (pick_platform(s, digest, &manifest, err) < 0)
            return -1;
        }
      if (commit_with_names(s, manifest, names, extract, extract_data, loaded, err) < 0)
        return -1;
    }
  return 0;
}

static const char *
layer_media_type(struct image_store *s, const char *digest)
{
  cleanup_free char *path = store_blob_path(s, digest);
  unsigned char magic[4] = { 0 };
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd >= 0 && read(fd, magic, sizeof magic) == (ssize_t) sizeof magic)
    {
      if (magic[0] == 0x1f && magic[1] == 0x8b)
        return MT_OCI_LAYER "+gzip";
      if (magic[0] == 0x28 && magic[1] == 0xb5 && magic[2] == 0x2f && magic[3] == 0xfd)
        return MT_OCI_LAYER "+zstd";
    }
  return MT_OCI_LAYER;
}

static int64_t
blob_size(struct image_store *s, const char *digest)
{
  cleanup_free char *path = store_blob_path(s, digest);
  struct stat st;
  return stat(path, &st) == 0 ? (int64_t) st.st_size : 0;
}

static json_object *
descriptor(const char *media_type, const char *digest, int64_t size)
{
  json_object *d = json_object_new_object();
  json_object_object_add(d, "mediaType", json_object_new_string(media_type));
  json_object_object_add(d, "digest", json_object_new_string(digest));
  json_object_object_add(d, "size", json_object_new_int64(size));
  return d;
}

/* A Docker archive has no manifests: write an OCI one per image. */
static int
load_docker(struct image_store *s, struct loaded_archive *la, store_extract_fn extract, void *extract_data,
            char ***loaded, ctool_error_t *err)
{
  cleanup_json json_object *top = NULL;
  if (json_parse_text(la->manifest_json, strlen(la->manifest_json), "manifest.json", &top, err) < 0)
    return -1;
  if (!json_object_is_type(top, json_type_array) || json_object_array_length(top) == 0)
    return ctool_error_set(err, 0, "the archive's manifest.json lists no images");
  for (size_t i = 0; i < json_object_array_length(top); i++)
    {
      json_object *img = json_object_array_get_idx(top, i);
      const char *cfg_path = json_get_str(img, "Config");
      json_object *layers = json_get_array(img, "Layers");
      const char *cfg = cfg_path ? digest_of_path(la, cfg_path) : NULL;
      if (cfg == NULL || layers == NULL)
        return ctool_error_set(err, 0, "manifest.json: image %zu names a config or layers the archive lacks", i);
      cleanup_json json_object *m = json_object_new_object();
      json_object_object_add(m, "schemaVersion", json_object_new_int(2));
      json_object_object_add(m, "mediaType", json_object_new_string(MT_OCI_MANIFEST));
      json_object_object_add(m, "config", descriptor(MT_OCI_CONFIG, cfg, blob_size(s, cfg)));
      json_object *ml = json_object_new_array();
      json_object_object_add(m, "layers", ml);
      for (size_t l = 0; l < json_object_array_length(layers); l++)
        {
          const char *lp = json_object_get_string(json_object_array_get_idx(layers, l));
          const char *ld = lp ? digest_of_path(la, lp) : NULL;
          if (ld == NULL)
            return ctool_error_set(err, 0, "manifest.json: layer '%s' is not in the archive", lp ? lp : "");
          json_object_array_add(ml, descriptor(layer_media_type(s, ld), ld, blob_size(s, ld)));
        }
      size_t len;
      const char *text = json_object_to_json_string_length(m, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
      char digest[72];
      digest_sha256(text, len, digest);
      if (store_write_blob(s, digest, text, len, err) < 0)
        return -1;
      cleanup_strv char **names = NULL;
      json_object *tags = json_get_array(img, "RepoTags");
      for (size_t t = 0; tags && t < json_object_array_length(tags); t++)
        {
          cleanup_free char *n = normalize_name(json_object_get_string(json_object_array_get_idx(tags, t)));
          if (n && !strv_contains(names, n))
            strv_push(&names, n);
        }
      if (commit_with_names(s, digest, names, extract, extract_data, loaded, err) < 0)
        return -1;
    }
  return 0;
}

int
image_archive_load(struct image_store *s, int in_fd, store_extract_fn extract, void *extract_data, char ***loaded,
                   ctool_error_t *err)
{
  struct loaded_archive la = { 0 };
  if (store_hold_writes(s, err) < 0)
    return -1;
  int ret = read_archive(s, in_fd, &la, err);
  if (ret == 0)
    {
      if (la.index_json && la.oci_layout)
        ret = load_oci(s, &la, extract, extract_data, loaded, err);
      else if (la.manifest_json)
        ret = load_docker(s, &la, extract, extract_data, loaded, err);
      else
        ret = ctool_error_set(err, 0, "not an image archive: it has neither oci-layout and index.json nor manifest.json");
    }
  loaded_archive_clear(&la);
  store_release_writes(s);
  return ret;
}
