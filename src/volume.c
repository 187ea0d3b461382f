/* Named volumes under ROOT/volumes (see volume.h). */
#include "volume.h"
#include "container.h"
#include "exit-record.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool
volume_name_valid(const char *name)
{
  if (name == NULL || !isalnum((unsigned char) name[0]))
    return false;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char) *p) && *p != '_' && *p != '.' && *p != '-')
      return false;
  return strlen(name) <= 255;
}

char *
volumes_dir(const char *root)
{
  return xasprintf("%s/volumes", root);
}

char *
volume_mountpoint(const char *root, const char *name)
{
  return xasprintf("%s/volumes/%s/" VOLUME_DATA_DIR, root, name);
}

void
volume_free(struct volume *v)
{
  if (v == NULL)
    return;
  free(v->name);
  free(v->dir);
  free(v->mountpoint);
  if (v->labels)
    json_object_put(v->labels);
  if (v->options)
    json_object_put(v->options);
  free(v);
}

void
volume_list_free(struct volume **list, size_t n)
{
  for (size_t i = 0; list && i < n; i++)
    volume_free(list[i]);
  free(list);
}

/* ROOT/volumes (0700) and its lock, held until the fd is closed. */
static int
volumes_lock(const char *root, ctool_error_t *err)
{
  cleanup_free char *dir = volumes_dir(root);
  if (mkdir_p(dir, 0700, err) < 0)
    return ctool_error_prefix(err, "create the volume directory");
  cleanup_free char *lock = xasprintf("%s/.lock", dir);
  return open_locked(lock, true, err);
}

static int
labels_parse(char *const *labels, json_object **out, ctool_error_t *err)
{
  json_object *o = json_object_new_object();
  for (size_t i = 0; labels && labels[i]; i++)
    {
      cleanup_free char *kv = xstrdup(labels[i]);
      char *eq = strchr(kv, '=');
      if (eq)
        *eq = '\0';
      if (kv[0] == '\0')
        {
          json_object_put(o);
          return ctool_error_set(err, 0, "invalid label '%s': use KEY=VALUE", labels[i]);
        }
      json_object_object_add(o, kv, json_object_new_string(eq ? eq + 1 : ""));
    }
  *out = o;
  return 0;
}

static json_object *
meta_new(const char *name, int64_t created, json_object *labels, bool anonymous)
{
  json_object *m = json_object_new_object();
  json_object_object_add(m, "Name", json_object_new_string(name));
  json_object_object_add(m, "CreatedAt", json_object_new_int64(created));
  json_object_object_add(m, "Labels", json_object_get(labels));
  json_object_object_add(m, "Options", json_object_new_object());
  json_object_object_add(m, "Anonymous", json_object_new_boolean(anonymous));
  return m;
}

/* Build the volume under .tmp/ and rename it into place; EEXIST when the
 * name is taken (the half-made copy is removed). */
static int
build_and_commit(const char *root, const char *name, json_object *labels, bool anonymous, ctool_error_t *err)
{
  cleanup_free char *dir = volumes_dir(root);
  cleanup_free char *tmp = xasprintf("%s/.tmp", dir);
  char rnd[17];
  random_hex(rnd, 16);
  rnd[16] = '\0';
  cleanup_free char *work = xasprintf("%s/%s-%s", tmp, name, rnd);
  cleanup_free char *data = xasprintf("%s/" VOLUME_DATA_DIR, work);
  cleanup_free char *final = xasprintf("%s/%s", dir, name);
  if (mkdir_p(tmp, 0700, err) < 0)
    return -1;
  if (mkdir(work, 0700) < 0)
    return ctool_error_set(err, errno, "create volume %s: mkdir %s", name, work);
  int ret = -1;
  cleanup_json json_object *meta = meta_new(name, time_now_ns(), labels, anonymous);
  cleanup_free char *meta_path = xasprintf("%s/" VOLUME_META_FILE, work);
  if (mkdir(data, 0755) < 0)
    ctool_error_set(err, errno, "create volume %s: mkdir %s", name, data);
  else if (json_write_file_at(AT_FDCWD, meta_path, meta, 0600, err) < 0)
    ctool_error_prefix(err, "create volume %s", name);
  else if (rename(work, final) < 0)
    {
      int e = errno == ENOTEMPTY ? EEXIST : errno;
      if (e == EEXIST)
        {
          ctool_error_set(err, 0, "volume with name %s already exists: volume already exists", name);
          (*err)->errnum = EEXIST;
        }
      else
        ctool_error_set(err, e, "create volume %s: rename into %s", name, dir);
    }
  else
    ret = 0;
  if (ret < 0)
    {
      ctool_error_t e = NULL;
      rm_rf_at(AT_FDCWD, work, &e);
      ctool_error_free(&e);
    }
  return ret;
}

int
volume_create(const char *root, const struct volume_create_opts *o, struct volume **out, ctool_error_t *err)
{
  char generated[65];
  const char *name = o->name;
  if (name == NULL)
    {
      random_hex(generated, 64);
      generated[64] = '\0';
      name = generated;
    }
  if (!volume_name_valid(name))
    return ctool_error_set(err, 0, "invalid volume name \"%s\": use [a-zA-Z0-9][a-zA-Z0-9_.-]*", name);
  cleanup_json json_object *labels = NULL;
  if (labels_parse(o->labels, &labels, err) < 0)
    return -1;
  cleanup_close int lock = volumes_lock(root, err);
  if (lock < 0)
    return -1;
  if (build_and_commit(root, name, labels, o->anonymous, err) < 0)
    {
      if (!(o->ignore_existing && (*err)->errnum == EEXIST))
        return -1;
      ctool_error_free(err);
    }
  return out ? volume_open(root, name, out, err) : 0;
}

int
volume_ensure(const char *root, const char *name, bool anonymous, ctool_error_t *err)
{
  cleanup_free char *dir = xasprintf("%s/volumes/%s", root, name);
  if (access(dir, F_OK) == 0)
    return 0;
  struct volume_create_opts o = { .name = name, .anonymous = anonymous, .ignore_existing = true };
  return volume_create(root, &o, NULL, err);
}

/* ---- reading ---- */

static int
not_found(const char *name, ctool_error_t *err)
{
  ctool_error_set(err, 0, "no volume with name \"%s\" found: no such volume", name);
  (*err)->errnum = ENOENT;
  return -1;
}

int
volume_open(const char *root, const char *name, struct volume **out, ctool_error_t *err)
{
  if (!volume_name_valid(name))
    return not_found(name, err);
  cleanup_free char *dir = xasprintf("%s/volumes/%s", root, name);
  struct stat st;
  if (stat(dir, &st) < 0)
    {
      if (errno == ENOENT)
        return not_found(name, err);
      return ctool_error_set(err, errno, "volume %s: stat %s", name, dir);
    }
  if (!S_ISDIR(st.st_mode))
    return not_found(name, err);
  cleanup_json json_object *meta = NULL;
  cleanup_free char *meta_path = xasprintf("%s/" VOLUME_META_FILE, dir);
  ctool_error_t e = NULL;
  if (json_read_file_at(AT_FDCWD, meta_path, &meta, &e) < 0)
    {
      /* Made by `run` before volumes had metadata: only the directory. */
      if (e->errnum != ENOENT)
        log_warn("volume %s: %s; using defaults", name, e->msg);
      ctool_error_free(&e);
      meta = meta_new(name, (int64_t) st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec, NULL,
                      strlen(name) == 64 && strspn(name, "0123456789abcdef") == 64);
    }
  struct volume *v = xzalloc(sizeof *v);
  v->name = xstrdup(name);
  v->dir = steal_pointer(&dir);
  v->mountpoint = volume_mountpoint(root, name);
  v->created = json_get_int(meta, "CreatedAt", 0);
  json_object *labels = json_get_obj(meta, "Labels");
  json_object *options = json_get_obj(meta, "Options");
  v->labels = labels ? json_object_get(labels) : json_object_new_object();
  v->options = options ? json_object_get(options) : json_object_new_object();
  v->anonymous = json_get_bool(meta, "Anonymous", false);
  *out = v;
  return 0;
}

static int
by_name(const void *a, const void *b)
{
  return strcmp((*(struct volume *const *) a)->name, (*(struct volume *const *) b)->name);
}

int
volume_list(const char *root, struct volume ***out, size_t *n_out, ctool_error_t *err)
{
  cleanup_free char *dir = volumes_dir(root);
  *out = xzalloc(sizeof **out);
  *n_out = 0;
  cleanup_dir DIR *d = opendir(dir);
  if (d == NULL)
    {
      if (errno == ENOENT)
        return 0;
      return ctool_error_set(err, errno, "list volumes in %s", dir);
    }
  struct volume **list = NULL;
  size_t n = 0;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    {
      if (!volume_name_valid(de->d_name))
        continue; /* ".", "..", ".lock", ".tmp" */
      struct volume *v = NULL;
      ctool_error_t e = NULL;
      if (volume_open(root, de->d_name, &v, &e) < 0)
        {
          if (e->errnum != ENOENT) /* removed meanwhile */
            log_warn("%s", e->msg);
          ctool_error_free(&e);
          continue;
        }
      list = xrealloc(list, (n + 2) * sizeof *list);
      list[n++] = v;
      list[n] = NULL;
    }
  if (n > 1)
    qsort(list, n, sizeof *list, by_name);
  free(*out);
  *out = list ? list : xzalloc(sizeof *list);
  *n_out = n;
  return 0;
}

json_object *
volume_to_json(const struct volume *v)
{
  char created[64];
  format_time_rfc3339(created, sizeof created, v->created);
  json_object *o = json_object_new_object();
  json_object_object_add(o, "Name", json_object_new_string(v->name));
  json_object_object_add(o, "Driver", json_object_new_string("local"));
  json_object_object_add(o, "Mountpoint", json_object_new_string(v->mountpoint));
  json_object_object_add(o, "CreatedAt", json_object_new_string(created));
  json_object_object_add(o, "Labels", json_object_get(v->labels));
  json_object_object_add(o, "Scope", json_object_new_string("local"));
  json_object_object_add(o, "Options", json_object_get(v->options));
  if (v->anonymous)
    json_object_object_add(o, "Anonymous", json_object_new_boolean(true));
  return o;
}

/* ---- removal ---- */

int
volume_remove(const char *root, const char *name, ctool_error_t *err)
{
  if (!volume_name_valid(name))
    return not_found(name, err);
  cleanup_close int lock = volumes_lock(root, err);
  if (lock < 0)
    return -1;
  cleanup_free char *dir = volumes_dir(root);
  cleanup_free char *path = xasprintf("%s/%s", dir, name);
  cleanup_free char *tmp = xasprintf("%s/.tmp", dir);
  char rnd[17];
  random_hex(rnd, 16);
  rnd[16] = '\0';
  cleanup_free char *gone = xasprintf("%s/%s-removing-%s", tmp, name, rnd);
  if (mkdir_p(tmp, 0700, err) < 0)
    return -1;
  /* The rename is the moment the volume stops existing. */
  if (rename(path, gone) < 0)
    {
      if (errno == ENOENT)
        return not_found(name, err);
      return ctool_error_set(err, errno, "remove volume %s", name);
    }
  if (remove_tree_as_owner(gone, false, err) < 0)
    return ctool_error_prefix(err, "remove volume %s", name);
  return 0;
}

void
volume_clear_leftovers(const char *root)
{
  cleanup_free char *dir = volumes_dir(root);
  cleanup_free char *tmp = xasprintf("%s/.tmp", dir);
  if (access(tmp, F_OK) < 0)
    return;
  ctool_error_t e = NULL;
  cleanup_close int lock = volumes_lock(root, &e);
  if (lock < 0 || remove_tree_as_owner(tmp, false, &e) < 0)
    {
      log_warn("cannot clear %s: %s", tmp, e->msg);
      ctool_error_free(&e);
    }
}

/* ---- who uses what ---- */

/* Call FN for each named volume of each container. */
static int
each_container_volume(const struct cli_ctx *ctx, void (*fn)(void *data, const char *id, const char *vol),
                      void *data, ctool_error_t *err)
{
  struct container **list = NULL;
  size_t n = 0;
  if (container_list(ctx, &list, &n, err) < 0)
    return -1;
  for (size_t i = 0; i < n; i++)
    {
      json_object *vols = json_get_array(list[i]->meta, META_VOLUMES);
      for (size_t j = 0; vols && j < json_object_array_length(vols); j++)
        {
          const char *name = json_get_str(json_object_array_get_idx(vols, j), "Name");
          if (name)
            fn(data, list[i]->id, name);
        }
    }
  container_list_free(list, n);
  return 0;
}

static void
collect_volume(void *data, const char *id, const char *vol)
{
  (void) id;
  char ***names = data;
  if (!strv_contains(*names, vol))
    strv_push(names, vol);
}

int
volumes_in_use(const struct cli_ctx *ctx, char ***out, ctool_error_t *err)
{
  char **names = xzalloc(sizeof *names);
  if (each_container_volume(ctx, collect_volume, &names, err) < 0)
    {
      strv_free(names);
      return -1;
    }
  *out = names;
  return 0;
}

int
volumes_unused(const struct cli_ctx *ctx, char ***out, ctool_error_t *err)
{
  struct volume **list = NULL;
  size_t n = 0;
  cleanup_strv char **used = NULL;
  if (volume_list(ctx->root, &list, &n, err) < 0)
    return -1;
  if (volumes_in_use(ctx, &used, err) < 0)
    {
      volume_list_free(list, n);
      return -1;
    }
  char **unused = xzalloc(sizeof *unused);
  for (size_t i = 0; i < n; i++)
    if (!strv_contains(used, list[i]->name))
      strv_push(&unused, list[i]->name);
  volume_list_free(list, n);
  *out = unused;
  return 0;
}

struct users_query {
  const char *name;
  char **ids;
};

static void
collect_user(void *data, const char *id, const char *vol)
{
  struct users_query *q = data;
  if (strcmp(vol, q->name) == 0 && !strv_contains(q->ids, id))
    strv_push(&q->ids, id);
}

int
volume_users(const struct cli_ctx *ctx, const char *name, char ***ids, ctool_error_t *err)
{
  struct users_query q = { .name = name, .ids = xzalloc(sizeof(char *)) };
  if (each_container_volume(ctx, collect_user, &q, err) < 0)
    {
      strv_free(q.ids);
      return -1;
    }
  *ids = q.ids;
  return 0;
}
