#include "image-user.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

/* A whiteout as the layer extraction may have stored it: a 0/0 character
 * device (kernel overlay), or a file with an overlay.whiteout xattr
 * (overlay with userxattr). */
static bool
is_whiteout_at(int dfd, const char *name)
{
  struct stat st;
  if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return false;
  if (S_ISCHR(st.st_mode) && st.st_rdev == makedev(0, 0))
    return true;
  cleanup_free char *path = xasprintf("/proc/self/fd/%d/%s", dfd, name);
  char v[4];
  return lgetxattr(path, "user.overlay.whiteout", v, sizeof v) >= 0
         || lgetxattr(path, "trusted.overlay.whiteout", v, sizeof v) >= 0;
}

static bool
is_opaque_dir(int dfd)
{
  char v[4];
  cleanup_free char *path = xasprintf("/proc/self/fd/%d", dfd);
  ssize_t n = getxattr(path, "user.overlay.opaque", v, sizeof v);
  if (n < 0)
    n = getxattr(path, "trusted.overlay.opaque", v, sizeof v);
  if (n == 1 && v[0] == 'y')
    return true;
  return faccessat(dfd, ".wh..wh..opq", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
}

enum layer_hit { LAYER_MISS, LAYER_FOUND, LAYER_HIDDEN };

/* Look for PATH in one layer: found, absent here (look lower), or hidden
 * (whited out or under an opaque directory: absent in every lower layer).
 * On LAYER_FOUND, *fd is open for reading. */
static enum layer_hit
layer_lookup(const char *layer, const char *path, int *fd)
{
  cleanup_close int dfd = open(layer, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return LAYER_MISS;
  cleanup_free char *copy = xstrdup(path);
  char *save = NULL;
  bool hidden_below = false;
  for (char *comp = strtok_r(copy, "/", &save); comp; comp = strtok_r(NULL, "/", &save))
    {
      bool last = save == NULL || *save == '\0';
      cleanup_free char *wh = xasprintf(".wh.%s", comp);
      if (faccessat(dfd, wh, F_OK, AT_SYMLINK_NOFOLLOW) == 0 || is_whiteout_at(dfd, comp))
        return LAYER_HIDDEN;
      if (last)
        {
          int f = safe_openat(dfd, comp, O_RDONLY | O_CLOEXEC, 0);
          if (f >= 0)
            {
              *fd = f;
              return LAYER_FOUND;
            }
          return hidden_below ? LAYER_HIDDEN : LAYER_MISS;
        }
      int next = openat(dfd, comp, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (next < 0)
        return hidden_below ? LAYER_HIDDEN : LAYER_MISS;
      close(dfd);
      dfd = next;
      if (is_opaque_dir(dfd))
        hidden_below = true;
    }
  return LAYER_MISS;
}

int
layers_read_file(char *const *layer_dirs, const char *path, char **out, ctool_error_t *err)
{
  size_t n = strv_len(layer_dirs);
  for (size_t i = n; i-- > 0;)
    {
      int fd = -1;
      enum layer_hit hit = layer_lookup(layer_dirs[i], path, &fd);
      if (hit == LAYER_HIDDEN)
        break;
      if (hit == LAYER_FOUND)
        {
          cleanup_close int f = fd;
          cleanup_free char *proc = xasprintf("/proc/self/fd/%d", f);
          if (read_file_at(AT_FDCWD, proc, out, NULL, 16u << 20, err) < 0)
            return ctool_error_prefix(err, "%s/%s", layer_dirs[i], path);
          return 0;
        }
    }
  errno = ENOENT;
  return -1;
}

/* Split one colon-separated line into at most MAX fields (in place). */
static size_t
split_fields(char *line, char **fields, size_t max)
{
  size_t n = 0;
  char *p = line;
  while (n < max)
    {
      fields[n++] = p;
      char *c = strchr(p, ':');
      if (c == NULL)
        break;
      *c = '\0';
      p = c + 1;
    }
  return n;
}

static bool
parse_id(const char *s, uint32_t *out)
{
  unsigned long long v;
  if (!str_to_u64(s, &v) || v > UINT32_MAX)
    return false;
  *out = (uint32_t) v;
  return true;
}

/* Call FN on each line of TEXT (a copy, split in place); stop when it
 * returns true. */
static bool
for_each_line(const char *text, bool (*fn)(char *line, void *data), void *data)
{
  cleanup_free char *copy = xstrdup(text);
  char *save = NULL;
  for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    {
      if (line[0] == '#' || line[0] == '\0')
        continue;
      if (fn(line, data))
        return true;
    }
  return false;
}

struct passwd_query {
  const char *name;
  uint32_t uid;
  uint32_t uid_out, gid_out;
  char *home;
};

static bool
passwd_line(char *line, void *data)
{
  struct passwd_query *q = data;
  char *f[7];
  if (split_fields(line, f, 7) < 7)
    return false;
  uint32_t uid, gid;
  if (!parse_id(f[2], &uid) || !parse_id(f[3], &gid))
    return false;
  if (q->name ? strcmp(f[0], q->name) != 0 : uid != q->uid)
    return false;
  q->uid_out = uid;
  q->gid_out = gid;
  q->home = xstrdup(f[5]);
  return true;
}

int
passwd_find(const char *text, const char *name, uint32_t uid, uint32_t *uid_out, uint32_t *gid_out,
            char **home_out)
{
  struct passwd_query q = { .name = name, .uid = uid };
  if (text == NULL || !for_each_line(text, passwd_line, &q))
    return -1;
  *uid_out = q.uid_out;
  *gid_out = q.gid_out;
  if (home_out)
    *home_out = q.home;
  else
    free(q.home);
  return 0;
}

struct group_query {
  const char *name;
  uint32_t gid;
};

static bool
group_line(char *line, void *data)
{
  struct group_query *q = data;
  char *f[4];
  if (split_fields(line, f, 4) < 3 || strcmp(f[0], q->name) != 0)
    return false;
  return parse_id(f[2], &q->gid);
}

int
group_find(const char *text, const char *name, uint32_t *gid_out)
{
  struct group_query q = { .name = name };
  if (text == NULL || !for_each_line(text, group_line, &q))
    return -1;
  *gid_out = q.gid;
  return 0;
}

struct member_query {
  const char *user;
  uint32_t primary;
  uint32_t *gids;
  size_t n;
};

static bool
member_line(char *line, void *data)
{
  struct member_query *q = data;
  char *f[4];
  uint32_t gid;
  if (split_fields(line, f, 4) < 4 || !parse_id(f[2], &gid) || gid == q->primary)
    return false;
  char *save = NULL;
  for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save))
    if (strcmp(m, q->user) == 0)
      {
        q->gids = xrealloc(q->gids, (q->n + 1) * sizeof *q->gids);
        q->gids[q->n++] = gid;
        break;
      }
  return false;
}

void
group_members(const char *text, const char *user, uint32_t primary, uint32_t **gids, size_t *n)
{
  struct member_query q = { .user = user, .primary = primary };
  if (text && user)
    for_each_line(text, member_line, &q);
  *gids = q.gids;
  *n = q.n;
}

static int
read_optional(char *const *layer_dirs, const char *path, char **out, ctool_error_t *err)
{
  *out = NULL;
  if (layers_read_file(layer_dirs, path, out, err) == 0)
    return 0;
  if (err && *err)
    return ctool_error_prefix(err, "read /%s of the image", path);
  return 0;
}

/* The user's name as passwd has it, for group membership. */
static char *
passwd_name_of(const char *text, uint32_t uid)
{
  cleanup_free char *copy = text ? xstrdup(text) : NULL;
  char *save = NULL;
  for (char *line = copy ? strtok_r(copy, "\n", &save) : NULL; line; line = strtok_r(NULL, "\n", &save))
    {
      char *f[7];
      uint32_t u;
      if (split_fields(line, f, 7) >= 4 && parse_id(f[2], &u) && u == uid)
        return xstrdup(f[0]);
    }
  return NULL;
}

static int
resolve(char *const *layer_dirs, const char *passwd_over, const char *group_over, const char *spec,
        struct image_user *out, ctool_error_t *err);

int
image_user_resolve(char *const *layer_dirs, const char *spec, struct image_user *out, ctool_error_t *err)
{
  return image_user_resolve_over(layer_dirs, NULL, NULL, spec, out, err);
}

int
image_user_resolve_over(char *const *layer_dirs, const char *passwd, const char *group, const char *spec,
                        struct image_user *out, ctool_error_t *err)
{
  if (resolve(layer_dirs, passwd, group, spec, out, err) == 0)
    return 0;
  image_user_clear(out);
  return -1;
}

/* TEXT when given, else the image's file at PATH. */
static int
text_or_image(char *const *layer_dirs, const char *text, const char *path, char **out, ctool_error_t *err)
{
  if (text == NULL)
    return read_optional(layer_dirs, path, out, err);
  *out = xstrdup(text);
  return 0;
}

static int
resolve(char *const *layer_dirs, const char *passwd_over, const char *group_over, const char *spec,
        struct image_user *out, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  cleanup_free char *passwd = NULL;
  cleanup_free char *group = NULL;
  if (text_or_image(layer_dirs, passwd_over, "etc/passwd", &passwd, err) < 0
      || text_or_image(layer_dirs, group_over, "etc/group", &group, err) < 0)
    return -1;

  cleanup_free char *user = xstrdup(spec && *spec ? spec : "0");
  char *grp = strchr(user, ':');
  if (grp)
    *grp++ = '\0';
  if (*user == '\0')
    return ctool_error_set(err, 0, "invalid user '%s': give USER[:GROUP]", spec);

  uint32_t uid = 0, gid = 0;
  bool numeric = parse_id(user, &uid);
  if (passwd_find(passwd, numeric ? NULL : user, uid, &out->uid, &out->gid, &out->home) < 0)
    {
      if (!numeric)
        return ctool_error_set(err, 0, "unable to find user %s: no matching entries in passwd file", user);
      out->uid = uid;
      out->gid = 0;
    }
  if (grp && *grp)
    {
      if (parse_id(grp, &gid))
        out->gid = gid;
      else if (group_find(group, grp, &out->gid) < 0)
        return ctool_error_set(err, 0, "unable to find group %s: no matching entries in group file", grp);
    }
  /* Supplementary groups only when no group was forced, as Podman does. */
  if (grp == NULL)
    {
      cleanup_free char *name = numeric ? passwd_name_of(passwd, out->uid) : xstrdup(user);
      group_members(group, name, out->gid, &out->groups, &out->n_groups);
    }
  return 0;
}

void
image_user_clear(struct image_user *u)
{
  free(u->groups);
  free(u->home);
  memset(u, 0, sizeof *u);
}
