#include "spec.h"
#include "jsonutil.h"
#include "keep-id.h"
#include "sandbox.h"
#include "signals.h"
#include "fsutil.h"
#include "util.h"
#include "volume.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEFAULT_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define NOFILE_WANTED 1048576

extern char **environ;

/* ---- environment ---- */

static size_t
env_key_len(const char *kv)
{
  const char *eq = strchr(kv, '=');
  return eq ? (size_t) (eq - kv) : strlen(kv);
}

void
env_set(char ***env, const char *kv)
{
  size_t klen = env_key_len(kv);
  for (size_t i = 0; *env && (*env)[i]; i++)
    if (env_key_len((*env)[i]) == klen && strncmp((*env)[i], kv, klen) == 0)
      {
        free((*env)[i]);
        (*env)[i] = xstrdup(kv);
        return;
      }
  strv_push(env, kv);
}

const char *
env_get(char *const *env, const char *key)
{
  size_t klen = strlen(key);
  for (size_t i = 0; env && env[i]; i++)
    if (env_key_len(env[i]) == klen && strncmp(env[i], key, klen) == 0 && env[i][klen] == '=')
      return env[i] + klen + 1;
  return NULL;
}

void
env_apply_arg(char ***env, const char *arg)
{
  if (strchr(arg, '='))
    {
      env_set(env, arg);
      return;
    }
  size_t len = strlen(arg);
  if (len > 0 && arg[len - 1] == '*')
    {
      for (char **e = environ; e && *e; e++)
        if (strncmp(*e, arg, len - 1) == 0)
          env_set(env, *e);
      return;
    }
  const char *v = getenv(arg);
  if (v)
    {
      cleanup_free char *kv = xasprintf("%s=%s", arg, v);
      env_set(env, kv);
    }
}

int
env_apply_file(char ***env, const char *path, ctool_error_t *err)
{
  cleanup_free char *text = NULL;
  if (read_file_at(AT_FDCWD, path, &text, NULL, 4u << 20, err) < 0)
    return ctool_error_prefix(err, "--env-file");
  char *save = NULL;
  for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
    {
      size_t n = strlen(line);
      if (n > 0 && line[n - 1] == '\r')
        line[--n] = '\0';
      while (isspace((unsigned char) *line))
        line++;
      if (*line == '\0' || *line == '#')
        continue;
      if (*line == '=')
        return ctool_error_set(err, 0, "--env-file %s: invalid line '%s': a variable name is missing", path, line);
      env_apply_arg(env, line);
    }
  return 0;
}

static void
env_add_json(char ***env, json_object *arr)
{
  for (size_t i = 0; arr && i < json_object_array_length(arr); i++)
    {
      const char *kv = json_object_get_string(json_object_array_get_idx(arr, i));
      if (kv && strchr(kv, '='))
        env_set(env, kv);
    }
}

/* ---- process.args ---- */

/* --entrypoint: a JSON array of strings, or one string. */
static int
parse_entrypoint(const char *s, char ***out, ctool_error_t *err)
{
  if (s[0] != '[')
    {
      *out = xzalloc(sizeof **out);
      if (*s)
        strv_push(out, s);
      return 0;
    }
  cleanup_json json_object *o = NULL;
  if (json_parse_text(s, strlen(s), "--entrypoint", &o, err) < 0)
    return -1;
  if (!json_object_is_type(o, json_type_array))
    return ctool_error_set(err, 0, "invalid --entrypoint '%s': give a string or a JSON array of strings", s);
  *out = json_strv_get(o);
  return 0;
}

static int
build_args(const struct spec_input *in, json_object *cfg, struct spec_extra *extra, char ***out, ctool_error_t *err)
{
  const struct run_opts *o = in->opts;
  cleanup_strv char **entry = NULL;
  if (o->entrypoint)
    {
      if (parse_entrypoint(o->entrypoint, &entry, err) < 0)
        return -1;
    }
  else
    entry = json_strv_get(json_get_array(cfg, "Entrypoint"));
  cleanup_strv char **cmd = NULL;
  if (o->command && o->command[0])
    cmd = strv_dup(o->command);
  else if (o->entrypoint == NULL || entry[0] == NULL)
    cmd = json_strv_get(json_get_array(cfg, "Cmd"));
  else
    cmd = xzalloc(sizeof *cmd);
  char **args = strv_dup(entry);
  for (size_t i = 0; cmd[i]; i++)
    strv_push(&args, cmd[i]);
  if (args[0] == NULL)
    {
      strv_free(args);
      return ctool_error_set(err, 0, "no command or entrypoint provided, and no CMD or ENTRYPOINT from image: "
                                     "give a command after the image name");
    }
  extra->entrypoint = steal_pointer(&entry);
  extra->cmd = steal_pointer(&cmd);
  *out = args;
  return 0;
}

/* ---- volumes and mounts ---- */

void
volume_spec_clear(struct volume_spec *v)
{
  free(v->source);
  free(v->name);
  free(v->destination);
  memset(v, 0, sizeof *v);
}

static int
volume_options(const char *arg, const char *opts, struct volume_spec *out, ctool_error_t *err)
{
  cleanup_free char *copy = xstrdup(opts);
  char *save = NULL;
  for (char *o = strtok_r(copy, ",", &save); o; o = strtok_r(NULL, ",", &save))
    {
      if (strcmp(o, "ro") == 0)
        out->read_only = true;
      else if (strcmp(o, "rw") == 0)
        out->read_only = false;
      else if (strcmp(o, "z") == 0 || strcmp(o, "Z") == 0 || strcmp(o, "rbind") == 0 || strcmp(o, "bind") == 0
               || strcmp(o, "nocopy") == 0 || strcmp(o, "private") == 0 || strcmp(o, "rprivate") == 0)
        continue; /* accepted as Podman does; no effect here */
      else
        return ctool_error_set(err, 0, "invalid volume option '%s' in '%s': use ro or rw", o, arg);
    }
  return 0;
}

int
volume_parse(const char *arg, const char *store_root, struct volume_spec *out, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  cleanup_free char *copy = xstrdup(arg);
  char *parts[3] = { NULL, NULL, NULL };
  size_t n = 0;
  for (char *p = copy; p; n++)
    {
      char *colon = strchr(p, ':');
      if (n == 3 || *p == '\0' || colon == p)
        return ctool_error_set(err, 0, "invalid volume '%s': use SOURCE:DESTINATION[:OPTIONS]", arg);
      parts[n] = p;
      if (colon)
        *colon++ = '\0';
      p = colon;
    }
  const char *src = n >= 2 ? parts[0] : NULL;
  const char *dst = n >= 2 ? parts[1] : parts[0];
  if (dst[0] != '/')
    return ctool_error_set(err, 0, "invalid volume '%s': the container path \"%s\" must be absolute", arg, dst);
  if (n == 3 && volume_options(arg, parts[2], out, err) < 0)
    return -1;
  out->destination = xstrdup(dst);
  if (src == NULL)
    {
      char id[65];
      random_hex(id, 64);
      id[64] = '\0';
      out->name = xstrdup(id);
      out->anonymous = true;
    }
  else if (src[0] == '/')
    {
      struct stat st;
      if (stat(src, &st) < 0)
        {
          volume_spec_clear(out);
          return ctool_error_set(err, errno, "volume '%s': the host path %s cannot be used (create it first)",
                                 arg, src);
        }
      char *real = realpath(src, NULL);
      out->source = real ? real : xstrdup(src);
      return 0;
    }
  else if (volume_name_valid(src))
    out->name = xstrdup(src);
  else
    {
      volume_spec_clear(out);
      return ctool_error_set(err, 0, "invalid volume '%s': \"%s\" is neither an absolute host path nor a volume "
                                     "name ([a-zA-Z0-9][a-zA-Z0-9_.-]*)", arg, src);
    }
  out->source = xasprintf("%s/volumes/%s/_data", store_root, out->name);
  return 0;
}

static json_object *
mount_new(const char *dst, const char *type, const char *src, const char *const *opts)
{
  json_object *m = json_object_new_object();
  json_object_object_add(m, "destination", json_object_new_string(dst));
  json_object_object_add(m, "type", json_object_new_string(type));
  json_object_object_add(m, "source", json_object_new_string(src));
  json_object *o = json_object_new_array();
  for (size_t i = 0; opts && opts[i]; i++)
    json_object_array_add(o, json_object_new_string(opts[i]));
  json_object_object_add(m, "options", o);
  return m;
}

static bool
mounts_have(json_object *mounts, const char *dst)
{
  for (size_t i = 0; i < json_object_array_length(mounts); i++)
    {
      const char *d = json_get_str(json_object_array_get_idx(mounts, i), "destination");
      if (d && strcmp(d, dst) == 0)
        return true;
    }
  return false;
}

/* Drop entries of MOUNTS with destination DST (a user mount replaces a default). */
static json_object *
mounts_without(json_object *mounts, const char *dst)
{
  json_object *out = json_object_new_array();
  for (size_t i = 0; i < json_object_array_length(mounts); i++)
    {
      json_object *m = json_object_array_get_idx(mounts, i);
      const char *d = json_get_str(m, "destination");
      if (d == NULL || strcmp(d, dst) != 0)
        json_object_array_add(out, json_object_get(m));
    }
  json_object_put(mounts);
  return out;
}

static int
parse_tmpfs(const char *arg, json_object **out, ctool_error_t *err)
{
  cleanup_free char *copy = xstrdup(arg);
  char *opts = strchr(copy, ':');
  if (opts)
    *opts++ = '\0';
  if (copy[0] != '/')
    return ctool_error_set(err, 0, "invalid --tmpfs '%s': the container path must be absolute", arg);
  cleanup_strv char **o = NULL;
  strv_push(&o, "rw");
  strv_push(&o, "noexec");
  strv_push(&o, "nosuid");
  strv_push(&o, "nodev");
  char *save = NULL;
  for (char *p = opts ? strtok_r(opts, ",", &save) : NULL; p; p = strtok_r(NULL, ",", &save))
    {
      if (strcmp(p, "exec") == 0 || strcmp(p, "suid") == 0 || strcmp(p, "dev") == 0 || strcmp(p, "ro") == 0)
        {
          const char *neg = strcmp(p, "ro") == 0 ? "rw" : strcmp(p, "exec") == 0 ? "noexec"
                                                        : strcmp(p, "suid") == 0 ? "nosuid" : "nodev";
          for (size_t i = 0; o[i]; i++)
            if (strcmp(o[i], neg) == 0)
              {
                free(o[i]);
                o[i] = xstrdup(p);
              }
        }
      else if (str_has_prefix(p, "size=") || str_has_prefix(p, "mode=") || str_has_prefix(p, "nr_inodes=")
               || strcmp(p, "noexec") == 0 || strcmp(p, "nosuid") == 0 || strcmp(p, "nodev") == 0
               || strcmp(p, "rw") == 0 || str_has_prefix(p, "uid=") || str_has_prefix(p, "gid=")
               || strcmp(p, "notmpcopyup") == 0 || strcmp(p, "tmpcopyup") == 0)
        {
          if (strstr(p, "tmpcopyup") == NULL)
            strv_push(&o, p);
        }
      else
        return ctool_error_set(err, 0, "invalid --tmpfs option '%s' in '%s'", p, arg);
    }
  *out = mount_new(copy, "tmpfs", "tmpfs", (const char *const *) o);
  return 0;
}

static size_t
path_depth(const char *p)
{
  size_t n = 0;
  for (; *p; p++)
    if (*p == '/' && p[1] != '\0' && p[1] != '/')
      n++;
  return n;
}

static int
compare_mount_depth(const void *a, const void *b)
{
  json_object *x = *(json_object *const *) a, *y = *(json_object *const *) b;
  size_t dx = path_depth(json_get_str(x, "destination")), dy = path_depth(json_get_str(y, "destination"));
  return dx < dy ? -1 : dx > dy ? 1 : 0;
}

static int
user_mounts(const struct spec_input *in, json_object **out, struct spec_extra *extra, ctool_error_t *err)
{
  const struct run_opts *o = in->opts;
  size_t nv = strv_len(o->volumes), nt = strv_len(o->tmpfs);
  json_object **list = xzalloc((nv + nt + 1) * sizeof *list);
  size_t n = 0;
  int ret = -1;
  for (size_t i = 0; i < nv; i++)
    {
      struct volume_spec v;
      if (volume_parse(o->volumes[i], in->store_root, &v, err) < 0)
        goto out;
      const char *rw[] = { "rbind", "rprivate", NULL, NULL };
      if (v.read_only)
        rw[2] = "ro";
      list[n++] = mount_new(v.destination, "bind", v.source, rw);
      if (v.name)
        {
          json_object *vo = json_object_new_object();
          json_object_object_add(vo, "Name", json_object_new_string(v.name));
          json_object_object_add(vo, "Destination", json_object_new_string(v.destination));
          json_object_object_add(vo, "Anonymous", json_object_new_boolean(v.anonymous));
          json_object_array_add(extra->volumes, vo);
        }
      volume_spec_clear(&v);
    }
  for (size_t i = 0; i < nt; i++)
    if (parse_tmpfs(o->tmpfs[i], &list[n++], err) < 0)
      goto out;
  /* Parents before children: /data before /data/sub. */
  qsort(list, n, sizeof *list, compare_mount_depth);
  for (size_t i = 0; i < n; i++)
    {
      const char *dst = json_get_str(list[i], "destination");
      for (size_t j = 0; j < i; j++)
        if (strcmp(dst, json_get_str(list[j], "destination")) == 0)
          {
            ctool_error_set(err, 0, "%s is mounted twice: give each container path once", dst);
            goto out;
          }
    }
  *out = json_object_new_array();
  for (size_t i = 0; i < n; i++)
    json_object_array_add(*out, steal_pointer(&list[i]));
  ret = 0;
out:
  for (size_t i = 0; i < n; i++)
    if (list[i])
      json_object_put(list[i]);
  free(list);
  return ret;
}

static json_object *
build_mounts(const struct spec_input *in, const struct spec_extra *extra, json_object *user, bool host_network)
{
  json_object *mounts = sandbox_default_mounts();
  for (size_t i = 0; i < json_object_array_length(user); i++)
    mounts = mounts_without(mounts, json_get_str(json_object_array_get_idx(user, i), "destination"));
  if (host_network && mounts_have(mounts, "/sys"))
    {
      /* sysfs cannot be mounted without a network namespace of our own. */
      static const char *const sys_opts[] = { "rbind", "nosuid", "noexec", "nodev", "ro", NULL };
      mounts = mounts_without(mounts, "/sys");
      json_object_array_add(mounts, mount_new("/sys", "bind", "/sys", sys_opts));
    }
  static const char *const etc_files[][2] = {
    { "/etc/hostname", "hostname" },
    { "/etc/hosts", "hosts" },
    { "/etc/resolv.conf", "resolv.conf" },
    { "/run/.containerenv", ".containerenv" },
    { "/etc/passwd", "passwd" },
    { "/etc/group", "group" },
  };
  static const char *const bind_opts[] = { "rbind", "rprivate", NULL };
  for (size_t i = 0; i < ARRAY_SIZE(etc_files); i++)
    {
      if (mounts_have(user, etc_files[i][0]))
        continue; /* the user's own file wins */
      if (in->opts->no_hosts && strcmp(etc_files[i][0], "/etc/hosts") == 0)
        continue; /* --no-hosts: the image's */
      if ((strcmp(etc_files[i][1], "passwd") == 0 && extra->passwd == NULL)
          || (strcmp(etc_files[i][1], "group") == 0 && extra->group == NULL))
        continue; /* keep-id added nothing: the image's */
      cleanup_free char *src = xasprintf("%s/%s", in->ctr_dir, etc_files[i][1]);
      json_object_array_add(mounts, mount_new(etc_files[i][0], "bind", src, bind_opts));
    }
  if (in->opts->read_only)
    {
      /* A read-only root still gets writable scratch space, as Podman's
       * --read-only-tmpfs default. */
      static const char *const ro_tmp[] = { "/tmp", "/var/tmp", "/run" };
      static const char *const tmp_opts[] = { "rw", "rprivate", "nosuid", "nodev", "tmpcopyup", NULL };
      for (size_t i = 0; i < ARRAY_SIZE(ro_tmp); i++)
        if (!mounts_have(user, ro_tmp[i]))
          json_object_array_add(mounts, mount_new(ro_tmp[i], "tmpfs", "tmpfs", tmp_opts));
    }
  for (size_t i = 0; i < json_object_array_length(user); i++)
    json_object_array_add(mounts, json_object_get(json_object_array_get_idx(user, i)));
  return mounts;
}

/* ---- capabilities ---- */

static int
cap_number(const char *name)
{
  cleanup_free char *lower = NULL;
  if (strncasecmp(name, "CAP_", 4) == 0)
    lower = xstrdup(name);
  else
    lower = xasprintf("cap_%s", name);
  for (char *p = lower; *p; p++)
    *p = (char) tolower((unsigned char) *p);
  cap_value_t v;
  if (cap_from_name(lower, &v) < 0)
    return -1;
  return (int) v;
}

static char *
cap_upper_name(int n)
{
  char *name = cap_to_name((cap_value_t) n);
  if (name == NULL)
    return xasprintf("CAP_%d", n);
  char *up = xstrdup(name);
  cap_free(name);
  for (char *p = up; *p; p++)
    *p = (char) toupper((unsigned char) *p);
  return up;
}

static bool
list_has_all(char *const *l)
{
  for (size_t i = 0; l && l[i]; i++)
    if (strcasecmp(l[i], "ALL") == 0)
      return true;
  return false;
}

int
caps_compute(char *const *add, char *const *drop, bool privileged, char ***out, ctool_error_t *err)
{
  int max = (int) cap_max_bits();
  if (max <= 0 || max > 64)
    max = CAP_LAST_CAP + 1;
  bool set[64] = { false };
  if (privileged || list_has_all(add))
    for (int i = 0; i < max; i++)
      set[i] = true;
  else
    for (size_t i = 0; sandbox_default_caps[i]; i++)
      {
        int c = cap_number(sandbox_default_caps[i]);
        if (c >= 0 && c < max)
          set[c] = true;
      }
  for (size_t i = 0; add && add[i]; i++)
    {
      if (strcasecmp(add[i], "ALL") == 0)
        continue;
      int c = cap_number(add[i]);
      if (c < 0 || c >= max)
        return ctool_error_set(err, 0, "unknown capability \"%s\" in --cap-add", add[i]);
      set[c] = true;
    }
  if (list_has_all(drop))
    {
      memset(set, 0, sizeof set);
      for (size_t i = 0; add && add[i]; i++)
        if (strcasecmp(add[i], "ALL") != 0)
          set[cap_number(add[i])] = true;
    }
  else
    for (size_t i = 0; drop && drop[i]; i++)
      {
        int c = cap_number(drop[i]);
        if (c < 0 || c >= max)
          return ctool_error_set(err, 0, "unknown capability \"%s\" in --cap-drop", drop[i]);
        set[c] = false;
      }
  char **names = xzalloc(sizeof *names);
  for (int i = 0; i < max; i++)
    if (set[i])
      {
        cleanup_free char *n = cap_upper_name(i);
        strv_push(&names, n);
      }
  *out = names;
  return 0;
}

static json_object *
caps_json(char *const *caps, bool root_user)
{
  json_object *o = json_object_new_object();
  json_object_object_add(o, "bounding", json_strv_new(caps));
  /* A non-root user starts with empty effective and permitted sets, as
   * with Podman; the bounding set still limits what setuid could give. */
  json_object_object_add(o, "effective", json_strv_new(root_user ? caps : NULL));
  json_object_object_add(o, "permitted", json_strv_new(root_user ? caps : NULL));
  json_object_object_add(o, "inheritable", json_object_new_array());
  json_object_object_add(o, "ambient", json_object_new_array());
  return o;
}

/* ---- rlimits ---- */

static const struct {
  const char *name;
  const char *oci;
  int resource;
} ulimit_names[] = {
  { "core", "RLIMIT_CORE", RLIMIT_CORE },         { "cpu", "RLIMIT_CPU", RLIMIT_CPU },
  { "data", "RLIMIT_DATA", RLIMIT_DATA },         { "fsize", "RLIMIT_FSIZE", RLIMIT_FSIZE },
  { "locks", "RLIMIT_LOCKS", RLIMIT_LOCKS },      { "memlock", "RLIMIT_MEMLOCK", RLIMIT_MEMLOCK },
  { "msgqueue", "RLIMIT_MSGQUEUE", RLIMIT_MSGQUEUE }, { "nice", "RLIMIT_NICE", RLIMIT_NICE },
  { "nofile", "RLIMIT_NOFILE", RLIMIT_NOFILE },   { "nproc", "RLIMIT_NPROC", RLIMIT_NPROC },
  { "rss", "RLIMIT_RSS", RLIMIT_RSS },            { "rtprio", "RLIMIT_RTPRIO", RLIMIT_RTPRIO },
  { "rttime", "RLIMIT_RTTIME", RLIMIT_RTTIME },   { "sigpending", "RLIMIT_SIGPENDING", RLIMIT_SIGPENDING },
  { "stack", "RLIMIT_STACK", RLIMIT_STACK },      { "as", "RLIMIT_AS", RLIMIT_AS },
};

static bool
parse_limit(const char *s, unsigned long long *out)
{
  if (strcmp(s, "-1") == 0 || strcmp(s, "unlimited") == 0)
    {
      *out = RLIM_INFINITY;
      return true;
    }
  return str_to_u64(s, out);
}

static json_object *
rlimit_json(const char *type, unsigned long long soft, unsigned long long hard)
{
  json_object *o = json_object_new_object();
  json_object_object_add(o, "type", json_object_new_string(type));
  json_object_object_add(o, "hard", json_object_new_uint64(hard));
  json_object_object_add(o, "soft", json_object_new_uint64(soft));
  return o;
}

int
ulimit_parse(const char *arg, json_object **out, ctool_error_t *err)
{
  cleanup_free char *copy = xstrdup(arg);
  char *eq = strchr(copy, '=');
  if (eq == NULL)
    return ctool_error_set(err, 0, "invalid --ulimit '%s': use TYPE=SOFT[:HARD], e.g. nofile=1024:2048", arg);
  *eq = '\0';
  char *hard_s = strchr(eq + 1, ':');
  if (hard_s)
    *hard_s++ = '\0';
  for (size_t i = 0; i < ARRAY_SIZE(ulimit_names); i++)
    {
      if (strcmp(copy, ulimit_names[i].name) != 0)
        continue;
      unsigned long long soft, hard;
      if (!parse_limit(eq + 1, &soft) || (hard_s && !parse_limit(hard_s, &hard)))
        return ctool_error_set(err, 0, "invalid --ulimit '%s': limits are numbers or -1 for unlimited", arg);
      if (!hard_s)
        hard = soft;
      if (soft > hard)
        return ctool_error_set(err, 0, "invalid --ulimit '%s': the soft limit is above the hard limit", arg);
      struct rlimit cur;
      if (getrlimit(ulimit_names[i].resource, &cur) == 0 && cur.rlim_max != RLIM_INFINITY && hard > cur.rlim_max)
        return ctool_error_set(err, 0, "--ulimit '%s': the hard limit is above yours (%llu); without privileges "
                                       "it cannot be raised", arg, (unsigned long long) cur.rlim_max);
      *out = rlimit_json(ulimit_names[i].oci, soft, hard);
      return 0;
    }
  return ctool_error_set(err, 0, "invalid --ulimit '%s': unknown type \"%s\"", arg, copy);
}

static int
build_rlimits(const struct run_opts *o, json_object **out, ctool_error_t *err)
{
  json_object *list = json_object_new_array();
  struct rlimit cur;
  if (getrlimit(RLIMIT_NOFILE, &cur) == 0)
    {
      unsigned long long want = NOFILE_WANTED;
      if (cur.rlim_max != RLIM_INFINITY && cur.rlim_max < want)
        want = cur.rlim_max;
      json_object_array_add(list, rlimit_json("RLIMIT_NOFILE", want, want));
    }
  /* ctool.conf's default_ulimits, then --ulimit: each replaces its type. */
  cleanup_strv char **given = strv_dup(o->default_ulimits);
  for (size_t i = 0; o->ulimits && o->ulimits[i]; i++)
    strv_push(&given, o->ulimits[i]);
  for (size_t i = 0; given[i]; i++)
    {
      json_object *r;
      if (ulimit_parse(given[i], &r, err) < 0)
        {
          json_object_put(list);
          return -1;
        }
      /* Replace the default of the same type. */
      json_object *kept = json_object_new_array();
      for (size_t j = 0; j < json_object_array_length(list); j++)
        {
          json_object *e = json_object_array_get_idx(list, j);
          if (strcmp(json_get_str(e, "type"), json_get_str(r, "type")) != 0)
            json_object_array_add(kept, json_object_get(e));
        }
      json_object_put(list);
      list = kept;
      json_object_array_add(list, r);
    }
  *out = list;
  return 0;
}

/* ---- security options ---- */

struct security_choice {
  const char *seccomp_file;   /* NULL: default */
  bool seccomp_unconfined;
  bool unmask_all;
  char **unmask;
  char **mask;
};

static int
parse_security_opts(const struct run_opts *o, struct security_choice *s, ctool_error_t *err)
{
  memset(s, 0, sizeof *s);
  for (size_t i = 0; o->security_opts && o->security_opts[i]; i++)
    {
      const char *opt = o->security_opts[i];
      if (str_has_prefix(opt, "seccomp="))
        {
          const char *v = opt + 8;
          if (strcmp(v, "unconfined") == 0)
            s->seccomp_unconfined = true;
          else
            s->seccomp_file = v;
        }
      else if (strcmp(opt, "no-new-privileges") == 0 || strcmp(opt, "no-new-privileges=true") == 0
               || strcmp(opt, "label=disable") == 0 || str_has_prefix(opt, "apparmor=")
               || str_has_prefix(opt, "label="))
        continue; /* no_new_privs is always on; no SELinux or AppArmor labels here */
      else if (str_has_prefix(opt, "unmask=") || str_has_prefix(opt, "mask="))
        {
          bool unmask = opt[0] == 'u';
          cleanup_free char *copy = xstrdup(strchr(opt, '=') + 1);
          char *save = NULL;
          for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save))
            {
              if (unmask && strcmp(p, "ALL") == 0)
                s->unmask_all = true;
              else if (p[0] != '/')
                return ctool_error_set(err, 0, "invalid --security-opt '%s': paths must be absolute", opt);
              else
                strv_push(unmask ? &s->unmask : &s->mask, p);
            }
        }
      else
        return ctool_error_set(err, 0, "invalid --security-opt '%s': use seccomp=unconfined|FILE, "
                                       "no-new-privileges, mask=PATHS or unmask=PATHS|ALL", opt);
    }
  return 0;
}

static json_object *
path_list(const char *const *defaults, const struct security_choice *s, bool privileged, bool add_masks)
{
  json_object *a = json_object_new_array();
  if (privileged || s->unmask_all)
    defaults = NULL;
  for (size_t i = 0; defaults && defaults[i]; i++)
    {
      bool unmasked = false;
      for (size_t j = 0; s->unmask && s->unmask[j]; j++)
        if (fnmatch(s->unmask[j], defaults[i], FNM_PATHNAME) == 0)
          unmasked = true;
      if (!unmasked)
        json_object_array_add(a, json_object_new_string(defaults[i]));
    }
  for (size_t i = 0; add_masks && s->mask && s->mask[i]; i++)
    json_object_array_add(a, json_object_new_string(s->mask[i]));
  return a;
}

static int
build_seccomp(const struct security_choice *s, bool privileged, char *const *caps, json_object **out,
              ctool_error_t *err)
{
  *out = NULL;
  if (privileged || s->seccomp_unconfined)
    return 0;
  if (s->seccomp_file == NULL)
    {
      *out = sandbox_default_seccomp(caps);
      return 0;
    }
  cleanup_json json_object *profile = NULL;
  if (json_read_file_at(AT_FDCWD, s->seccomp_file, &profile, err) < 0)
    return ctool_error_prefix(err, "--security-opt seccomp=%s", s->seccomp_file);
  if (sandbox_seccomp_from_profile(profile, caps, out, err) < 0)
    return ctool_error_prefix(err, "--security-opt seccomp=%s", s->seccomp_file);
  return 0;
}

/* ---- the whole spec ---- */

static json_object *
user_json(const struct image_user *u)
{
  json_object *o = json_object_new_object();
  json_object_object_add(o, "uid", json_object_new_int64(u->uid));
  json_object_object_add(o, "gid", json_object_new_int64(u->gid));
  json_object_object_add(o, "umask", json_object_new_int(022));
  if (u->n_groups)
    {
      json_object *g = json_object_new_array();
      for (size_t i = 0; i < u->n_groups; i++)
        json_object_array_add(g, json_object_new_int64(u->groups[i]));
      json_object_object_add(o, "additionalGids", g);
    }
  return o;
}

/* The text of DEST (an absolute path such as /etc/passwd) as MOUNTS (an
 * OCI mounts array) put it in the container: from the bind mount at DEST
 * itself or at the nearest directory above it (-v /srv/etc:/etc), as
 * *OUT; NULL when no bind mount covers it (the image's file shows), ""
 * when the mounted directory has no such file. */
static int
mounted_etc_text(json_object *mounts, const char *dest, char **out, ctool_error_t *err)
{
  *out = NULL;
  const char *src = NULL, *rest = NULL;
  size_t best = 0;
  for (size_t i = 0; mounts && i < json_object_array_length(mounts); i++)
    {
      json_object *m = json_object_array_get_idx(mounts, i);
      const char *dst = json_get_str(m, "destination");
      size_t n = dst ? strlen(dst) : 0;
      while (n > 1 && dst[n - 1] == '/')
        n--;
      if (n == 0 || strncmp(dest, dst, n) != 0 || (dest[n] != '\0' && dest[n] != '/') || n < best)
        continue;
      best = n; /* at the same depth, the last one is what the container sees */
      bool bind = strcmp(json_get_str(m, "type") ?: "", "bind") == 0;
      src = bind ? json_get_str(m, "source") : NULL;
      rest = dest + n;
    }
  if (src == NULL)
    return best > 0 ? (*out = xstrdup(""), 0) : 0; /* a tmpfs hides the image's file */
  cleanup_free char *path = xasprintf("%s%s", src, rest);
  size_t len;
  ctool_error_t e = NULL;
  if (read_file_at(AT_FDCWD, path, out, &len, (16u << 20), &e) == 0)
    return 0;
  if (*rest && e->errnum == ENOENT)
    {
      ctool_error_free(&e);
      *out = xstrdup("");
      return 0;
    }
  *err = e;
  return ctool_error_prefix(err, "read the container's %s", dest);
}

/* Resolve -u SPEC against the /etc/passwd and /etc/group that MOUNTS put
 * in the container, else the image's. */
static int
resolve_user_over_mounts(char *const *layer_dirs, json_object *mounts, const char *spec, struct image_user *u,
                         ctool_error_t *err)
{
  cleanup_free char *passwd = NULL;
  cleanup_free char *group = NULL;
  if (mounted_etc_text(mounts, "/etc/passwd", &passwd, err) < 0
      || mounted_etc_text(mounts, "/etc/group", &group, err) < 0)
    return -1;
  return image_user_resolve_over(layer_dirs, passwd, group, spec, u, err);
}

/* The user the container runs as, as Podman resolves it: against the
 * passwd and group files the container will see (USER_MOUNTS: the -v and
 * --tmpfs mounts; keep-id's copies). */
static int
resolve_user(const struct spec_input *in, json_object *cfg, const char *cwd, json_object *user_mounts,
             struct spec_extra *extra, struct image_user *u, ctool_error_t *err)
{
  const char *spec = in->opts->user ? in->opts->user : json_get_str(cfg, "User");
  if (!in->opts->keep_id)
    return resolve_user_over_mounts(in->layer_dirs, user_mounts, spec, u, err);
  struct keep_id_etc k;
  if (keep_id_etc_build(in->layer_dirs, cwd, in->opts->volumes, &k, err) < 0)
    return -1;
  if (spec && *spec)
    {
      /* As Podman: -u resolves against the files the container sees,
       * where the user's own name is added. */
      int r = image_user_resolve_over(in->layer_dirs, k.passwd, k.group, spec, u, err);
      if (r == 0)
        {
          extra->passwd = steal_pointer(&k.passwd);
          extra->group = steal_pointer(&k.group);
        }
      keep_id_etc_clear(&k);
      return r;
    }
  memset(u, 0, sizeof *u);
  u->uid = getuid();
  u->gid = getgid();
  u->home = steal_pointer(&k.home);
  extra->passwd = steal_pointer(&k.passwd);
  extra->group = steal_pointer(&k.group);
  return 0;
}

static int
build_env(const struct spec_input *in, json_object *cfg, const char *hostname, const struct image_user *u,
          char ***out, ctool_error_t *err)
{
  const struct run_opts *o = in->opts;
  cleanup_strv char **env = xzalloc(sizeof *env);
  env_set(&env, DEFAULT_PATH);
  if (o->tty)
    env_set(&env, "TERM=xterm");
  env_set(&env, "container=ctool");
  env_add_json(&env, json_get_array(cfg, "Env"));
  for (size_t i = 0; o->env_files && o->env_files[i]; i++)
    if (env_apply_file(&env, o->env_files[i], err) < 0)
      return -1;
  for (size_t i = 0; o->env && o->env[i]; i++)
    env_apply_arg(&env, o->env[i]);
  if (env_get(env, "HOSTNAME") == NULL)
    {
      cleanup_free char *kv = xasprintf("HOSTNAME=%s", hostname);
      env_set(&env, kv);
    }
  if (env_get(env, "HOME") == NULL)
    {
      cleanup_free char *kv = xasprintf("HOME=%s", u->home && *u->home ? u->home : "/");
      env_set(&env, kv);
    }
  *out = steal_pointer(&env);
  return 0;
}

static char *
choose_hostname(const struct spec_input *in, bool host_network)
{
  if (in->opts->hostname)
    return xstrdup(in->opts->hostname);
  if (host_network)
    {
      char buf[256];
      if (gethostname(buf, sizeof buf) == 0)
        return xstrdup(buf);
    }
  return xstrndup(in->id, 12);
}

static json_object *
namespaces_json(bool host_network, const char *net_ns_path)
{
  static const char *const types[] = { "pid", "network", "ipc", "uts", "mount", "user", "cgroup" };
  json_object *a = json_object_new_array();
  for (size_t i = 0; i < ARRAY_SIZE(types); i++)
    {
      if (host_network && strcmp(types[i], "network") == 0)
        continue;
      json_object *ns = json_object_new_object();
      json_object_object_add(ns, "type", json_object_new_string(types[i]));
      if (net_ns_path && strcmp(types[i], "network") == 0)
        json_object_object_add(ns, "path", json_object_new_string(net_ns_path)); /* --network ns:PATH */
      json_object_array_add(a, ns);
    }
  return a;
}

static int
stop_signal_of(const struct spec_input *in, json_object *cfg)
{
  if (in->opts->stop_signal > 0)
    return in->opts->stop_signal;
  const char *s = json_get_str(cfg, "StopSignal");
  int sig = s ? signal_parse(s) : -1;
  return sig > 0 ? sig : SIGTERM;
}

void
spec_extra_clear(struct spec_extra *x)
{
  free(x->hostname);
  strv_free(x->entrypoint);
  strv_free(x->cmd);
  free(x->passwd);
  free(x->group);
  if (x->volumes)
    json_object_put(x->volumes);
  memset(x, 0, sizeof *x);
}

int
spec_build(const struct spec_input *in, json_object **spec_out, struct spec_extra *extra, ctool_error_t *err)
{
  const struct run_opts *o = in->opts;
  json_object *cfg = json_get_obj(in->image_config, "config");
  bool host_network = strcmp(o->network, "host") == 0;
  memset(extra, 0, sizeof *extra);
  extra->volumes = json_object_new_array();
  extra->stop_signal = stop_signal_of(in, cfg);

  cleanup_strv char **args = NULL;
  cleanup_strv char **env = NULL;
  cleanup_strv char **caps = NULL;
  struct image_user user = { 0 };
  struct security_choice sec = { 0 };
  json_object *user_mnts = NULL, *rlimits = NULL, *seccomp = NULL;
  json_object *spec = NULL;
  cleanup_free char *rootfs = NULL;
  int ret = -1;

  const char *cwd = o->workdir ? o->workdir : json_get_str(cfg, "WorkingDir");
  if (cwd == NULL || *cwd == '\0')
    cwd = "/";
  if (cwd[0] != '/')
    {
      ctool_error_set(err, 0, "invalid working directory \"%s\": it must be an absolute path", cwd);
      goto out;
    }
  if (o->hostname && (strlen(o->hostname) > 64 || *o->hostname == '\0'))
    {
      ctool_error_set(err, 0, "invalid --hostname \"%s\": give 1 to 64 characters", o->hostname);
      goto out;
    }
  extra->hostname = choose_hostname(in, host_network);
  if (build_args(in, cfg, extra, &args, err) < 0 || user_mounts(in, &user_mnts, extra, err) < 0
      || resolve_user(in, cfg, cwd, user_mnts, extra, &user, err) < 0
      || build_env(in, cfg, extra->hostname, &user, &env, err) < 0
      || caps_compute(o->cap_add, o->cap_drop, o->privileged, &caps, err) < 0
      || build_rlimits(o, &rlimits, err) < 0 || parse_security_opts(o, &sec, err) < 0
      || build_seccomp(&sec, o->privileged, caps, &seccomp, err) < 0)
    goto out;

  /* In a block of its own, so that no goto above skips these initializations. */
  {
    spec = json_object_new_object();
    json_object_object_add(spec, "ociVersion", json_object_new_string("1.0.2"));

    json_object *proc = json_object_new_object();
    json_object_object_add(proc, "terminal", json_object_new_boolean(o->tty));
    json_object_object_add(proc, "user", user_json(&user));
    json_object_object_add(proc, "args", json_strv_new(args));
    json_object_object_add(proc, "env", json_strv_new(env));
    json_object_object_add(proc, "cwd", json_object_new_string(cwd));
    json_object_object_add(proc, "capabilities", caps_json(caps, user.uid == 0));
    json_object_object_add(proc, "rlimits", steal_pointer(&rlimits));
    json_object_object_add(proc, "noNewPrivileges", json_object_new_boolean(true));
    json_object_object_add(spec, "process", proc);

    json_object *root = json_object_new_object();
    rootfs = xasprintf("%s/merged", in->ctr_dir);
    json_object_object_add(root, "path", json_object_new_string(rootfs));
    json_object_object_add(root, "readonly", json_object_new_boolean(o->read_only));
    json_object_object_add(spec, "root", root);
    json_object_object_add(spec, "hostname", json_object_new_string(extra->hostname));
    json_object_object_add(spec, "mounts", build_mounts(in, extra, user_mnts, host_network));

    json_object *ann = json_object_new_object();
    json_object_object_add(ann, "io.container.manager", json_object_new_string("ctool"));
    json_object_object_add(ann, "io.ctool.name", json_object_new_string(in->name));
    if (o->init)
      json_object_object_add(ann, SANDBOX_INIT_ANNOTATION, json_object_new_string("true"));
    json_object_object_add(spec, "annotations", ann);

    json_object *lnx = json_object_new_object();
    json_object_object_add(lnx, "namespaces", namespaces_json(host_network, str_has_prefix(o->network, "ns:") ? o->network + 3 : NULL));
    json_object_object_add(lnx, "maskedPaths", path_list(sandbox_default_masked_paths, &sec, o->privileged, true));
    json_object_object_add(lnx, "readonlyPaths",
                           path_list(sandbox_default_readonly_paths, &sec, o->privileged, false));
    if (seccomp)
      json_object_object_add(lnx, "seccomp", steal_pointer(&seccomp));
    json_object_object_add(spec, "linux", lnx);
  }

  *spec_out = steal_pointer(&spec);
  ret = 0;
out:
  if (ret < 0)
    spec_extra_clear(extra);
  image_user_clear(&user);
  strv_free(sec.unmask);
  strv_free(sec.mask);
  if (user_mnts)
    json_object_put(user_mnts);
  if (rlimits)
    json_object_put(rlimits);
  if (seccomp)
    json_object_put(seccomp);
  return ret;
}

/* Resolve exec's -u USER as Podman does: against the /etc/passwd and
 * /etc/group the container sees, which may be mounted over the image's. */
static int
resolve_exec_user(json_object *spec, char *const *layer_dirs, const char *user, struct image_user *u,
                  ctool_error_t *err)
{
  return resolve_user_over_mounts(layer_dirs, json_get_array(spec, "mounts"), user, u, err);
}

json_object *
spec_process_for_exec(json_object *spec, char *const *layer_dirs, char *const *args, char *const *env,
                      const char *workdir, const char *user, bool tty, ctool_error_t *err)
{
  json_object *base = json_get_obj(spec, "process");
  json_object *proc = NULL;
  if (base == NULL || json_object_deep_copy(base, &proc, NULL) < 0)
    {
      ctool_error_set(err, 0, "the container's config.json has no process");
      return NULL;
    }
  json_object_object_del(proc, "consoleSize");
  json_object_object_add(proc, "terminal", json_object_new_boolean(tty));
  json_object_object_add(proc, "args", json_strv_new(args));
  if (workdir)
    {
      if (workdir[0] != '/')
        {
          json_object_put(proc);
          ctool_error_set(err, 0, "invalid --workdir \"%s\": it must be an absolute path", workdir);
          return NULL;
        }
      json_object_object_add(proc, "cwd", json_object_new_string(workdir));
    }
  cleanup_strv char **e = json_strv_get(json_get_array(proc, "env"));
  if (tty && env_get(e, "TERM") == NULL)
    env_set(&e, "TERM=xterm");
  for (size_t i = 0; env && env[i]; i++)
    env_apply_arg(&e, env[i]);
  if (user)
    {
      struct image_user u;
      if (resolve_exec_user(spec, layer_dirs, user, &u, err) < 0)
        {
          json_object_put(proc);
          return NULL;
        }
      json_object_object_add(proc, "user", user_json(&u));
      if (u.home && *u.home)
        {
          cleanup_free char *kv = xasprintf("HOME=%s", u.home);
          env_set(&e, kv);
        }
      json_object *caps = json_get_obj(proc, "capabilities");
      if (caps && u.uid != 0)
        {
          json_object_object_add(caps, "effective", json_object_new_array());
          json_object_object_add(caps, "permitted", json_object_new_array());
        }
      else if (caps && u.uid == 0)
        {
          json_object *b = json_get_array(caps, "bounding");
          json_object *copy1 = NULL, *copy2 = NULL;
          json_object_deep_copy(b, &copy1, NULL);
          json_object_deep_copy(b, &copy2, NULL);
          json_object_object_add(caps, "effective", copy1);
          json_object_object_add(caps, "permitted", copy2);
        }
      image_user_clear(&u);
    }
  json_object_object_add(proc, "env", json_strv_new(e));
  return proc;
}
