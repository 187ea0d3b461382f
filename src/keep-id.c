#include "keep-id.h"
#include "image-user.h"
#include "util.h"

#include <errno.h>
#include <grp.h>
#include <stdbool.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* LINE appended to TEXT (NULL: empty), with the newline TEXT may lack. */
static char *
etc_text_append(const char *text, const char *line)
{
  if (text == NULL || *text == '\0')
    return xasprintf("%s\n", line);
  size_t n = strlen(text);
  return xasprintf("%s%s%s\n", text, text[n - 1] == '\n' ? "" : "\n", line);
}

static int
read_image_file(char *const *layer_dirs, const char *path, char **out, ctool_error_t *err)
{
  *out = NULL;
  if (layers_read_file(layer_dirs, path, out, err) == 0)
    return 0;
  if (err && *err)
    return ctool_error_prefix(err, "read /%s of the image", path);
  return 0; /* absent: the added entry is the whole file */
}

/* GECOS may hold commas (full name, room, ...) but never a colon. */
static char *
gecos_of(const struct passwd *pw)
{
  char *g = xstrdup(pw->pw_gecos ? pw->pw_gecos : "");
  for (char *p = g; *p; p++)
    if (*p == ':' || *p == '\n')
      *p = ' ';
  return g;
}

static void
add_passwd(const char *image_passwd, const struct passwd *pw, const char *home_default, struct keep_id_etc *out)
{
  uint32_t uid, gid;
  if (passwd_find(image_passwd, pw->pw_name, 0, &uid, &gid, &out->home) == 0)
    return; /* the image knows the name: its entry stays */
  cleanup_free char *gecos = gecos_of(pw);
  cleanup_free char *line = xasprintf("%s:*:%u:%u:%s:%s:/bin/sh", pw->pw_name, (unsigned) getuid(),
                                      (unsigned) getgid(), gecos, home_default);
  out->passwd = etc_text_append(image_passwd, line);
  out->home = xstrdup(home_default);
}

/* True when one of VOLUMES has DIR as its destination. */
static bool
volume_at(char *const *volumes, const char *dir)
{
  for (size_t i = 0; volumes && volumes[i]; i++)
    {
      const char *dst = strchr(volumes[i], ':');
      if (dst == NULL)
        continue;
      dst++;
      size_t n = strcspn(dst, ":");
      if (n == strlen(dir) && strncmp(dst, dir, n) == 0)
        return true;
    }
  return false;
}

int
keep_id_etc_build(char *const *layer_dirs, const char *workdir, char *const *volumes, struct keep_id_etc *out,
                  ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  struct passwd *pw = getpwuid(getuid());
  if (pw == NULL)
    {
      /* Without a name there is nothing to add. */
      out->home = xstrdup(workdir);
      return 0;
    }
  const char *home_default = pw->pw_dir && volume_at(volumes, pw->pw_dir) ? pw->pw_dir : workdir;
  cleanup_free char *image_passwd = NULL;
  cleanup_free char *image_group = NULL;
  if (read_image_file(layer_dirs, "etc/passwd", &image_passwd, err) < 0
      || read_image_file(layer_dirs, "etc/group", &image_group, err) < 0)
    return -1;
  cleanup_free char *user_name = xstrdup(pw->pw_name);
  add_passwd(image_passwd, pw, home_default, out);
  struct group *gr = getgrgid(getgid());
  uint32_t gid;
  if (gr && group_find(image_group, gr->gr_name, &gid) < 0)
    {
      cleanup_free char *line = xasprintf("%s:x:%u:%s", gr->gr_name, (unsigned) getgid(), user_name);
      out->group = etc_text_append(image_group, line);
    }
  return 0;
}

void
keep_id_etc_clear(struct keep_id_etc *k)
{
  free(k->passwd);
  free(k->group);
  free(k->home);
  memset(k, 0, sizeof *k);
}
