#include "container.h"
#include "container-net.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "namegen.h"
#include "userns.h"
#include "util.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define META_FILE "ctool.json"
#define SPEC_FILE "config.json"

char *
containers_dir(const struct cli_ctx *ctx)
{
  return xasprintf("%s/containers", ctx->root);
}

char *
containers_rundir(const struct cli_ctx *ctx)
{
  return xasprintf("%s/containers", ctx->runroot);
}

void
container_new_id(char id[CONTAINER_ID_LEN + 1])
{
  random_hex(id, CONTAINER_ID_LEN);
  id[CONTAINER_ID_LEN] = '\0';
}

bool
container_name_valid(const char *name)
{
  if (name == NULL || !isalnum((unsigned char) name[0]) || strlen(name) > 253)
    return false;
  for (const char *p = name; *p; p++)
    if (!isalnum((unsigned char) *p) && *p != '_' && *p != '.' && *p != '-')
      return false;
  return true;
}

static bool
is_hex_string(const char *s, size_t len)
{
  for (size_t i = 0; i < len; i++)
    if (!isxdigit((unsigned char) s[i]) || isupper((unsigned char) s[i]))
      return false;
  return s[len] == '\0';
}

/* ROOT/containers/names/NAME -> the ID, or NULL. */
static char *
name_target(const char *cdir, const char *name)
{
  cleanup_free char *link = xasprintf("%s/names/%s", cdir, name);
  char buf[CONTAINER_ID_LEN + 2];
  ssize_t n = readlink(link, buf, sizeof buf - 1);
  if (n != CONTAINER_ID_LEN)
    return NULL;
  buf[n] = '\0';
  return is_hex_string(buf, CONTAINER_ID_LEN) ? xstrdup(buf) : NULL;
}

static bool
container_exists(const char *cdir, const char *id)
{
  cleanup_free char *meta = xasprintf("%s/%s/" META_FILE, cdir, id);
  return access(meta, F_OK) == 0;
}

char *
container_random_name(const struct cli_ctx *ctx)
{
  cleanup_free char *cdir = containers_dir(ctx);
  for (int i = 0; i < 100; i++)
    {
      char *name = namegen_random();
      cleanup_free char *id = name_target(cdir, name);
      if (id == NULL || !container_exists(cdir, id))
        return name;
      free(name);
    }
  /* 100 misses: the space is crowded; a suffix makes it unique enough. */
  char suffix[9];
  random_hex(suffix, 8);
  cleanup_free char *base = namegen_random();
  return xasprintf("%s_%s", base, suffix);
}

static int
name_in_use_error(const char *name, const char *id, ctool_error_t *err)
{
  return ctool_error_set(err, 0,
                         "the container name \"%s\" is already in use by %s. Remove it or choose another name",
                         name, id);
}

/* Under names.lock: symlink NAME -> ID, replacing a link whose container
 * no longer exists (left by a kill -9). */
static int
name_claim(const char *cdir, const char *name, const char *id, ctool_error_t *err)
{
  cleanup_free char *link = xasprintf("%s/names/%s", cdir, name);
  for (int attempt = 0; attempt < 2; attempt++)
    {
      if (symlink(id, link) == 0)
        return 0;
      if (errno != EEXIST)
        return ctool_error_set(err, errno, "create name %s", link);
      cleanup_free char *owner = name_target(cdir, name);
      if (owner && container_exists(cdir, owner))
        return name_in_use_error(name, owner, err);
      unlink(link);
    }
  return ctool_error_set(err, EEXIST, "create name %s", link);
}

static int
names_lock(const char *cdir, ctool_error_t *err)
{
  cleanup_free char *path = xasprintf("%s/names.lock", cdir);
  return open_locked(path, true, err);
}

int
container_draft_begin(const struct cli_ctx *ctx, const char *name, struct container_draft *d,
                      ctool_error_t *err)
{
  memset(d, 0, sizeof *d);
  cleanup_free char *cdir = containers_dir(ctx);
  if (name && !container_name_valid(name))
    return ctool_error_set(err, 0, "invalid container name \"%s\": names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*",
                           name);
  cleanup_free char *tmp = xasprintf("%s/tmp", cdir);
  if (name)
    {
      cleanup_free char *owner = name_target(cdir, name);
      if (owner && container_exists(cdir, owner))
        return name_in_use_error(name, owner, err);
    }
  container_new_id(d->id);
  d->name = name ? xstrdup(name) : container_random_name(ctx);
  d->generated_name = name == NULL;
  d->tmp_dir = xasprintf("%s/%s", tmp, d->id);
  d->final_dir = xasprintf("%s/%s", cdir, d->id);
  return 0;
}

int
container_draft_mkdirs(struct container_draft *d, ctool_error_t *err)
{
  /* Only now, after every check: a refused container changes nothing. */
  cleanup_free char *cdir = xstrndup(d->final_dir, strrchr(d->final_dir, '/') - d->final_dir);
  cleanup_free char *names = xasprintf("%s/names", cdir);
  cleanup_free char *tmp = xasprintf("%s/tmp", cdir);
  if (mkdir_p(names, 0700, err) < 0 || mkdir_p(tmp, 0700, err) < 0)
    return ctool_error_prefix(err, "create the container store");
  if (mkdir(d->tmp_dir, 0700) < 0)
    return ctool_error_set(err, errno, "create %s", d->tmp_dir);
  d->made = true;
  static const char *const subdirs[] = { "upper", "work", "merged" };
  for (size_t i = 0; i < ARRAY_SIZE(subdirs); i++)
    {
      cleanup_free char *p = xasprintf("%s/%s", d->tmp_dir, subdirs[i]);
      /* upper/ gives the container's / its owner and mode. */
      if (mkdir(p, i == 0 ? 0755 : 0700) < 0 || (i == 0 && chmod(p, 0755) < 0))
        return ctool_error_set(err, errno, "create %s", p);
    }
  return 0;
}

int
container_draft_write(struct container_draft *d, const char *file, const char *text, ctool_error_t *err)
{
  cleanup_close int dfd = open(d->tmp_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return ctool_error_set(err, errno, "open %s", d->tmp_dir);
  return write_file_atomic_at(dfd, file, text, strlen(text), 0644, false, err);
}

int
container_draft_commit(const struct cli_ctx *ctx, struct container_draft *d, json_object *meta,
                       ctool_error_t *err)
{
  cleanup_free char *cdir = containers_dir(ctx);
  cleanup_free char *meta_path = xasprintf("%s/" META_FILE, d->tmp_dir);
  cleanup_close int lock = names_lock(cdir, err);
  if (lock < 0)
    return -1;
  /* A generated name was free when it was picked, without the lock: a
   * parallel create may have taken it since. Pick another then. */
  for (int attempt = 0;; attempt++)
    {
      ctool_error_t e = NULL;
      if (name_claim(cdir, d->name, d->id, &e) == 0)
        break;
      if (!d->generated_name || attempt >= 20)
        {
          *err = e;
          return -1;
        }
      ctool_error_free(&e);
      free(d->name);
      d->name = container_random_name(ctx);
    }
  cleanup_free char *link = xasprintf("%s/names/%s", cdir, d->name);
  json_object_object_add(meta, META_NAME, json_object_new_string(d->name));
  if (json_write_file_at(AT_FDCWD, meta_path, meta, 0600, err) < 0)
    {
      unlink(link);
      return -1;
    }
  if (rename(d->tmp_dir, d->final_dir) < 0)
    {
      int e = errno;
      unlink(link);
      return ctool_error_set(err, e, "move %s into place", d->tmp_dir);
    }
  d->committed = true;
  return 0;
}

void
container_draft_free(struct container_draft *d)
{
  if (d->made && !d->committed)
    {
      ctool_error_t e = NULL;
      if (remove_tree_as_owner(d->tmp_dir, false, &e) < 0)
        {
          log_warn("cannot remove %s: %s", d->tmp_dir, e->msg);
          ctool_error_free(&e);
        }
    }
  free(d->name);
  free(d->tmp_dir);
  free(d->final_dir);
  memset(d, 0, sizeof *d);
}

void
container_free(struct container *c)
{
  if (c == NULL)
    return;
  container_unlock(c);
  free(c->id);
  free(c->name);
  free(c->dir);
  free(c->rundir);
  if (c->meta)
    json_object_put(c->meta);
  free(c);
}

int
container_open(const struct cli_ctx *ctx, const char *id, struct container **out, ctool_error_t *err)
{
  cleanup_free char *cdir = containers_dir(ctx);
  cleanup_free char *rdir = containers_rundir(ctx);
  struct container *c = xzalloc(sizeof *c);
  c->lock_fd = -1;
  c->id = xstrdup(id);
  c->dir = xasprintf("%s/%s", cdir, id);
  c->rundir = xasprintf("%s/%s", rdir, id);
  cleanup_free char *meta_path = xasprintf("%s/" META_FILE, c->dir);
  if (json_read_file_at(AT_FDCWD, meta_path, &c->meta, err) < 0)
    {
      int e = (*err)->errnum;
      container_free(c);
      if (e == ENOENT)
        {
          ctool_error_free(err);
          ctool_error_set(err, 0, "no container with ID %s found in the store", id);
          (*err)->errnum = ENOENT;
        }
      return -1;
    }
  const char *name = json_get_str(c->meta, META_NAME);
  c->name = xstrdup(name ? name : "");
  *out = c;
  return 0;
}

static int
not_found(const char *ref, ctool_error_t *err)
{
  ctool_error_set(err, 0, "no container with name or ID \"%s\" found: no such container", ref);
  (*err)->errnum = ENOENT;
  return -1;
}

/* IDs under ROOT/containers (64 hex names), NULL-ended. */
static char **
list_ids(const char *cdir)
{
  char **ids = xzalloc(sizeof *ids);
  cleanup_dir DIR *d = opendir(cdir);
  if (d == NULL)
    return ids;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strlen(de->d_name) == CONTAINER_ID_LEN && is_hex_string(de->d_name, CONTAINER_ID_LEN))
      strv_push(&ids, de->d_name);
  return ids;
}

int
container_lookup(const struct cli_ctx *ctx, const char *ref, struct container **out, ctool_error_t *err)
{
  cleanup_free char *cdir = containers_dir(ctx);
  size_t len = strlen(ref);
  if (len == 0)
    return not_found(ref, err);
  if (len == CONTAINER_ID_LEN && is_hex_string(ref, len) && container_exists(cdir, ref))
    return container_open(ctx, ref, out, err);
  if (container_name_valid(ref))
    {
      cleanup_free char *id = name_target(cdir, ref);
      if (id && container_exists(cdir, id))
        return container_open(ctx, id, out, err);
    }
  if (!is_hex_string(ref, len))
    return not_found(ref, err);
  cleanup_strv char **ids = list_ids(cdir);
  const char *match = NULL;
  for (size_t i = 0; ids[i]; i++)
    if (strncmp(ids[i], ref, len) == 0 && container_exists(cdir, ids[i]))
      {
        if (match)
          return ctool_error_set(err, 0, "more than one result for container ID prefix \"%s\": give more of the ID",
                                 ref);
        match = ids[i];
      }
  if (match == NULL)
    return not_found(ref, err);
  return container_open(ctx, match, out, err);
}

static int
compare_created_desc(const void *a, const void *b)
{
  const struct container *x = *(struct container *const *) a;
  const struct container *y = *(struct container *const *) b;
  int64_t cx = json_get_int(x->meta, META_CREATED, 0), cy = json_get_int(y->meta, META_CREATED, 0);
  return cx < cy ? 1 : cx > cy ? -1 : strcmp(x->id, y->id);
}

int
container_list(const struct cli_ctx *ctx, struct container ***out, size_t *n, ctool_error_t *err)
{
  cleanup_free char *cdir = containers_dir(ctx);
  cleanup_strv char **ids = list_ids(cdir);
  size_t count = 0;
  struct container **list = xzalloc((strv_len(ids) + 1) * sizeof *list);
  for (size_t i = 0; ids[i]; i++)
    {
      ctool_error_t e = NULL;
      if (container_open(ctx, ids[i], &list[count], &e) == 0)
        count++;
      else if (e->errnum == ENOENT)
        ctool_error_free(&e); /* removed meanwhile, or still being made */
      else
        {
          container_list_free(list, count);
          *err = e;
          return -1;
        }
    }
  qsort(list, count, sizeof *list, compare_created_desc);
  *out = list;
  *n = count;
  return 0;
}

void
container_list_free(struct container **list, size_t n)
{
  for (size_t i = 0; i < n; i++)
    container_free(list[i]);
  free(list);
}

int
container_lock(struct container *c, ctool_error_t *err)
{
  if (c->lock_fd >= 0)
    return 0;
  cleanup_free char *path = xasprintf("%s/lock", c->dir);
  cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0)
    {
      if (errno == ENOENT)
        {
          ctool_error_set(err, 0, "container %s was removed meanwhile", c->name);
          (*err)->errnum = ENOENT;
          return -1;
        }
      return ctool_error_set(err, errno, "open %s", path);
    }
  if (lock_fd(fd, true, err) < 0)
    return ctool_error_prefix(err, "lock container %s", c->name);
  cleanup_free char *meta = xasprintf("%s/" META_FILE, c->dir);
  if (access(meta, F_OK) < 0)
    {
      ctool_error_set(err, 0, "container %s was removed meanwhile", c->name);
      (*err)->errnum = ENOENT;
      return -1;
    }
  c->lock_fd = steal_fd(&fd);
  return 0;
}

void
container_unlock(struct container *c)
{
  if (c->lock_fd >= 0)
    close(c->lock_fd);
  c->lock_fd = -1;
}

int
container_state(const struct container *c, struct ctr_state *st, ctool_error_t *err)
{
  if (state_load(c->dir, c->rundir, st, err) < 0)
    return ctool_error_prefix(err, "container %s", c->name);
  return 0;
}

int
container_spec(const struct container *c, json_object **out, ctool_error_t *err)
{
  cleanup_free char *path = xasprintf("%s/" SPEC_FILE, c->dir);
  return json_read_file_at(AT_FDCWD, path, out, err);
}

int
container_save_meta(struct container *c, ctool_error_t *err)
{
  cleanup_free char *path = xasprintf("%s/" META_FILE, c->dir);
  return json_write_file_at(AT_FDCWD, path, c->meta, 0600, err);
}

static int
rm_tree_fn(void *arg, ctool_error_t *err)
{
  return rm_rf_at(AT_FDCWD, (const char *) arg, err);
}

int
remove_tree_as_owner(const char *path, bool keep_id, ctool_error_t *err)
{
  ctool_error_t first = NULL;
  if (rm_rf_at(AT_FDCWD, path, &first) == 0)
    return 0;
  /* Files owned by subordinate IDs: only root of the user namespace may
   * remove them. */
  if (first->errnum != EPERM && first->errnum != EACCES)
    {
      *err = first;
      return -1;
    }
  ctool_error_free(&first);
  struct idmap map;
  if (idmap_for_user(&map, keep_id, err) < 0)
    return ctool_error_prefix(err, "remove %s", path);
  int status = userns_run(&map, rm_tree_fn, (void *) path, err);
  if (status < 0)
    return ctool_error_prefix(err, "remove %s", path);
  if (status != 0)
    return ctool_error_set(err, 0, "remove %s: failed inside the user namespace", path);
  return 0;
}

static void
name_release(const char *cdir, const char *name, const char *id)
{
  ctool_error_t e = NULL;
  cleanup_close int lock = names_lock(cdir, &e);
  if (lock < 0)
    {
      ctool_error_free(&e);
      return;
    }
  cleanup_free char *owner = name_target(cdir, name);
  if (owner && strcmp(owner, id) == 0)
    {
      cleanup_free char *link = xasprintf("%s/names/%s", cdir, name);
      unlink(link);
    }
}

int
container_remove(const struct cli_ctx *ctx, struct container *c, ctool_error_t *err)
{
  cleanup_free char *cdir = containers_dir(ctx);
  cleanup_free char *tmp = xasprintf("%s/tmp", cdir);
  cleanup_free char *gone = xasprintf("%s/%s-removing", tmp, c->id);
  if (mkdir_p(tmp, 0700, err) < 0)
    return -1;
  /* The rename is the moment the container stops existing. */
  if (rename(c->dir, gone) < 0)
    return ctool_error_set(err, errno, "remove container %s", c->name);
  name_release(cdir, c->name, c->id);
  ctr_net_cleanup(c);
  ctool_error_t e = NULL;
  if (rm_rf_at(AT_FDCWD, c->rundir, &e) < 0)
    {
      log_warn("cannot remove %s: %s", c->rundir, e->msg);
      ctool_error_free(&e);
    }
  if (remove_tree_as_owner(gone, json_get_bool(c->meta, META_KEEP_ID, false), err) < 0)
    return ctool_error_prefix(err, "container %s is removed, but its files are left in %s", c->name, gone);
  return 0;
}

void
container_clear_leftovers(const struct cli_ctx *ctx)
{
  cleanup_free char *cdir = containers_dir(ctx);
  cleanup_free char *tmp = xasprintf("%s/tmp", cdir);
  cleanup_dir DIR *d = opendir(tmp);
  if (d == NULL)
    return;
  time_t now = time(NULL);
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    {
      if (de->d_name[0] == '.')
        continue;
      cleanup_free char *p = xasprintf("%s/%s", tmp, de->d_name);
      struct stat st;
      /* A draft younger than a minute may still be in the making. */
      bool removing = str_has_suffix(de->d_name, "-removing");
      if (lstat(p, &st) < 0 || (!removing && now - st.st_mtime < 60))
        continue;
      ctool_error_t e = NULL;
      if (remove_tree_as_owner(p, false, &e) < 0)
        {
          log_warn("cannot remove leftover %s: %s", p, e->msg);
          ctool_error_free(&e);
        }
    }
}

bool
container_image_in_use(const struct cli_ctx *ctx, const char *image_id)
{
  struct container **list = NULL;
  size_t n = 0;
  ctool_error_t e = NULL;
  if (container_list(ctx, &list, &n, &e) < 0)
    {
      ctool_error_free(&e);
      return false;
    }
  bool used = false;
  for (size_t i = 0; i < n && !used; i++)
    {
      const char *id = json_get_str(list[i]->meta, META_IMAGE_ID);
      used = id && strcmp(id, image_id) == 0;
    }
  container_list_free(list, n);
  return used;
}
