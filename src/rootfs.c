/* The container's filesystem view; see rootfs.h. */
#include "rootfs.h"

#include "fsutil.h"
#include "jsonutil.h"
#include "sandbox.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- the plan ---- */

static const struct {
  const char *name;
  unsigned long set;     /* MS_* to set */
  unsigned long clear;   /* MS_* to clear */
} flag_options[] = {
  { "ro", MS_RDONLY, 0 },           { "rw", 0, MS_RDONLY },
  { "nosuid", MS_NOSUID, 0 },       { "suid", 0, MS_NOSUID },
  { "nodev", MS_NODEV, 0 },         { "dev", 0, MS_NODEV },
  { "noexec", MS_NOEXEC, 0 },       { "exec", 0, MS_NOEXEC },
  { "sync", MS_SYNCHRONOUS, 0 },    { "async", 0, MS_SYNCHRONOUS },
  { "dirsync", MS_DIRSYNC, 0 },     { "mand", MS_MANDLOCK, 0 },
  { "nomand", 0, MS_MANDLOCK },     { "noatime", MS_NOATIME, 0 },
  { "atime", 0, MS_NOATIME },       { "nodiratime", MS_NODIRATIME, 0 },
  { "diratime", 0, MS_NODIRATIME }, { "relatime", MS_RELATIME, 0 },
  { "norelatime", 0, MS_RELATIME }, { "strictatime", MS_STRICTATIME, 0 },
  { "nostrictatime", 0, MS_STRICTATIME },
#ifdef MS_NOSYMFOLLOW
  { "nosymfollow", MS_NOSYMFOLLOW, 0 },
#endif
};

static const struct {
  const char *name;
  unsigned long flags;
} propagation_options[] = {
  { "private", MS_PRIVATE },        { "rprivate", MS_PRIVATE | MS_REC },
  { "shared", MS_SHARED },          { "rshared", MS_SHARED | MS_REC },
  { "slave", MS_SLAVE },            { "rslave", MS_SLAVE | MS_REC },
  { "unbindable", MS_UNBINDABLE },  { "runbindable", MS_UNBINDABLE | MS_REC },
};

/* Options Podman passes that the runtime acts on elsewhere or not at all. */
static const char *const ignored_options[] = {
  "notmpcopyup", "copy", "nocopy", "z", "Z", "U", "private_chown", NULL,
};

static bool
propagation_parse(const char *name, unsigned long *out)
{
  for (size_t i = 0; i < ARRAY_SIZE(propagation_options); i++)
    if (strcmp(name, propagation_options[i].name) == 0)
      {
        *out = propagation_options[i].flags;
        return true;
      }
  return false;
}

int
rootfs_parse_options(json_object *options, struct rootfs_mount *m, ctool_error_t *err)
{
  size_t n = options && json_object_is_type(options, json_type_array) ? json_object_array_length(options) : 0;
  cleanup_free char *data = NULL;
  for (size_t i = 0; i < n; i++)
    {
      const char *o = json_object_get_string(json_object_array_get_idx(options, i));
      if (o == NULL || *o == '\0')
        continue;
      if (strcmp(o, "bind") == 0 || strcmp(o, "rbind") == 0)
        {
          m->bind = true;
          m->recursive = o[0] == 'r';
          continue;
        }
      if (strcmp(o, "tmpcopyup") == 0)
        {
          m->copy_up = true;
          continue;
        }
      if (strcmp(o, "idmap") == 0 || strcmp(o, "ridmap") == 0)
        return ctool_error_set(err, 0, "mount %s: option '%s' is not supported", m->destination, o);
      if (strv_contains((char *const *) ignored_options, o))
        continue;
      unsigned long prop;
      if (propagation_parse(o, &prop))
        {
          m->propagation = prop;
          continue;
        }
      size_t j;
      for (j = 0; j < ARRAY_SIZE(flag_options); j++)
        if (strcmp(o, flag_options[j].name) == 0)
          {
            m->flags = (m->flags | flag_options[j].set) & ~flag_options[j].clear;
            break;
          }
      if (j < ARRAY_SIZE(flag_options))
        continue;
      /* Anything else belongs to the filesystem: "mode=755", "newinstance". */
      char *joined = data ? xasprintf("%s,%s", data, o) : xstrdup(o);
      free(data);
      data = joined;
    }
  free(m->data);
  m->data = steal_pointer(&data);
  return 0;
}

static int
mount_parse(json_object *j, struct rootfs_mount *m, ctool_error_t *err)
{
  const char *dest = json_get_str(j, "destination");
  if (dest == NULL || dest[0] != '/')
    return ctool_error_set(err, 0, "mount without an absolute destination in config.json");
  m->destination = xstrdup(dest);
  for (size_t n = strlen(m->destination); n > 1 && m->destination[n - 1] == '/'; n--)
    m->destination[n - 1] = '\0';
  if (strcmp(m->destination, "/") == 0)
    return ctool_error_set(err, 0, "a mount on / in config.json: the root is root.path");
  const char *type = json_get_str(j, "type");
  const char *source = json_get_str(j, "source");
  m->source = xstrdup(source ? source : type ? type : "none");
  if (rootfs_parse_options(json_get_array(j, "options"), m, err) < 0)
    return -1;
  if (type && strcmp(type, "bind") == 0)
    m->bind = true;
  if (m->bind)
    {
      if (m->source[0] != '/')
        return ctool_error_set(err, 0, "bind mount on %s: the source '%s' is not an absolute path", dest, m->source);
      return 0;
    }
  if (type == NULL || *type == '\0' || strcmp(type, "none") == 0)
    return ctool_error_set(err, 0, "mount on %s: no filesystem type", dest);
  m->type = xstrdup(type);
  return 0;
}

static char **
json_strv(json_object *arr)
{
  char **v = xzalloc(sizeof(char *));
  size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
      if (s && *s)
        strv_push(&v, s);
    }
  return v;
}

static char **
json_device_paths(json_object *devices)
{
  char **v = xzalloc(sizeof(char *));
  size_t n = devices && json_object_is_type(devices, json_type_array) ? json_object_array_length(devices) : 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *path = json_get_str(json_object_array_get_idx(devices, i), "path");
      if (path && path[0] == '/')
        strv_push(&v, path);
    }
  return v;
}

int
rootfs_plan_build(json_object *spec, const char *rootfs, enum overlay_mode overlay, char *const *lower,
                  const char *upper, const char *work, struct rootfs_plan *out, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  json_object *root = json_get_obj(spec, "root");
  json_object *linux_ = json_get_obj(spec, "linux");
  const char *path = rootfs ? rootfs : json_get_str(root, "path");
  if (path == NULL)
    return ctool_error_set(err, 0, "config.json: no root.path and no root filesystem given");
  out->rootfs = xstrdup(path);
  out->overlay = overlay;
  if (lower && lower[0])
    {
      out->lower = strv_dup(lower);
      out->upper = upper ? xstrdup(upper) : NULL;
      out->work = work ? xstrdup(work) : NULL;
    }
  out->readonly_root = json_get_bool(root, "readonly", false);
  out->root_propagation = MS_PRIVATE | MS_REC;
  const char *prop = json_get_str(linux_, "rootfsPropagation");
  if (prop && !propagation_parse(prop, &out->root_propagation))
    return ctool_error_set(err, 0, "config.json: unknown linux.rootfsPropagation '%s'", prop);

  json_object *mounts = json_get_array(spec, "mounts");
  size_t n = mounts ? json_object_array_length(mounts) : 0;
  out->mounts = xzalloc((n ? n : 1) * sizeof *out->mounts);
  for (size_t i = 0; i < n; i++)
    {
      out->n_mounts = i + 1;
      if (mount_parse(json_object_array_get_idx(mounts, i), &out->mounts[i], err) < 0)
        return -1;
    }
  out->masked = json_strv(json_get_array(linux_, "maskedPaths"));
  out->readonly = json_strv(json_get_array(linux_, "readonlyPaths"));
  out->devices = json_device_paths(json_get_array(linux_, "devices"));
  json_object *sysctl = json_get_obj(linux_, "sysctl");
  if (sysctl && json_object_is_type(sysctl, json_type_object))
    {
      out->sysctls = xzalloc((size_t) (json_object_object_length(sysctl) + 1) * sizeof *out->sysctls);
      json_object_object_foreach(sysctl, key, val)
        {
          if (strstr(key, "..") || strchr(key, '/') != NULL)
            return ctool_error_set(err, 0, "config.json: invalid sysctl name '%s'", key);
          out->sysctls[out->n_sysctls].key = xstrdup(key);
          out->sysctls[out->n_sysctls++].value = xstrdup(json_object_get_string(val));
        }
    }
  out->console = json_get_bool(json_get_obj(spec, "process"), "terminal", false);
  return 0;
}

void
rootfs_plan_free(struct rootfs_plan *p)
{
  free(p->rootfs);
  strv_free(p->lower);
  free(p->upper);
  free(p->work);
  for (size_t i = 0; i < p->n_mounts; i++)
    {
      free(p->mounts[i].destination);
      free(p->mounts[i].type);
      free(p->mounts[i].source);
      free(p->mounts[i].data);
    }
  free(p->mounts);
  strv_free(p->masked);
  strv_free(p->readonly);
  strv_free(p->devices);
  for (size_t i = 0; i < p->n_sysctls; i++)
    {
      free(p->sysctls[i].key);
      free(p->sysctls[i].value);
    }
  free(p->sysctls);
  memset(p, 0, sizeof *p);
}

/* ---- in the child ---- */

/* "/proc/self/fd/N": how a mount call reaches exactly the inode behind an fd. */
struct fd_path {
  char s[32];
};

static struct fd_path
fd_path(int fd)
{
  struct fd_path p;
  snprintf(p.s, sizeof p.s, "/proc/self/fd/%d", fd);
  return p;
}

/* The parent directory of DEST inside ROOTFD, created as needed. */
static int
open_parent_dir(int rootfd, const char *dest, ctool_error_t *err)
{
  cleanup_free char *parent = xstrdup(dest);
  char *slash = strrchr(parent, '/');
  if (slash == NULL || slash == parent)
    {
      int fd = safe_openat(rootfd, "/", O_PATH | O_DIRECTORY, 0);
      return fd >= 0 ? fd : ctool_error_set(err, errno, "open / in the container");
    }
  *slash = '\0';
  return rootfs_open_target(rootfd, parent, true, err);
}

int
rootfs_open_target(int rootfd, const char *dest, bool dir, ctool_error_t *err)
{
  int fd = safe_openat(rootfd, dest, O_PATH, 0);
  if (fd >= 0)
    return fd;
  if (errno != ENOENT)
    return ctool_error_set(err, errno, "open %s in the container", dest);

  cleanup_close int parentfd = open_parent_dir(rootfd, dest, err);
  if (parentfd < 0)
    return -1;
  const char *base = strrchr(dest, '/');
  base = base ? base + 1 : dest;
  if (*base == '\0' || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
    return ctool_error_set(err, EINVAL, "open %s in the container", dest);
  /* A dangling symlink of the image in the way: replace it (the parent is
   * a real directory inside the root, so this cannot touch the host). */
  struct stat st;
  if (fstatat(parentfd, base, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
    unlinkat(parentfd, base, 0);
  if (dir)
    {
      if (mkdirat(parentfd, base, 0755) < 0 && errno != EEXIST)
        return ctool_error_set(err, errno, "create directory %s in the container", dest);
    }
  else
    {
      int f = openat(parentfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
      if (f < 0 && errno != EEXIST)
        return ctool_error_set(err, errno, "create file %s in the container", dest);
      if (f >= 0)
        close(f);
    }
  fd = openat(parentfd, base, O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    return ctool_error_set(err, errno, "open %s in the container", dest);
  return fd;
}

/* The per-mount flags the kernel keeps locked in a user namespace: a
 * remount must repeat them. */
static unsigned long
locked_flags(int fd)
{
  struct statvfs sv;
  unsigned long f = 0;
  if (fstatvfs(fd, &sv) < 0)
    return 0;
  if (sv.f_flag & ST_NOSUID)
    f |= MS_NOSUID;
  if (sv.f_flag & ST_NODEV)
    f |= MS_NODEV;
  if (sv.f_flag & ST_NOEXEC)
    f |= MS_NOEXEC;
  if (sv.f_flag & ST_NOATIME)
    f |= MS_NOATIME;
  if (sv.f_flag & ST_NODIRATIME)
    f |= MS_NODIRATIME;
  if (sv.f_flag & ST_RELATIME)
    f |= MS_RELATIME;
  if (sv.f_flag & ST_RDONLY)
    f |= MS_RDONLY;
  return f;
}

/* Make the mount whose root FD is read-only (and FLAGS), recursively when
 * asked: mount_setattr, else a classic remount of the top mount. */
static int
remount_fd(int fd, unsigned long flags, bool recursive, const char *what, ctool_error_t *err)
{
  struct mount_attr attr = { 0 };
  if (flags & MS_RDONLY)
    attr.attr_set |= MOUNT_ATTR_RDONLY;
  if (flags & MS_NOSUID)
    attr.attr_set |= MOUNT_ATTR_NOSUID;
  if (flags & MS_NODEV)
    attr.attr_set |= MOUNT_ATTR_NODEV;
  if (flags & MS_NOEXEC)
    attr.attr_set |= MOUNT_ATTR_NOEXEC;
  unsigned at = AT_EMPTY_PATH | (recursive ? AT_RECURSIVE : 0);
  if (syscall(SYS_mount_setattr, fd, "", at, &attr, sizeof attr) == 0)
    return 0;
  if (errno != ENOSYS)
    return ctool_error_set(err, errno, "make %s read-only", what);
  unsigned long f = MS_BIND | MS_REMOUNT | locked_flags(fd) | (flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC));
  if (mount(NULL, fd_path(fd).s, NULL, f, NULL) < 0)
    return ctool_error_set(err, errno, "remount %s", what);
  return 0;
}

/* Bind SOURCE (a host path) over DEST inside the root. */
static int
bind_onto(int rootfd, const char *source, const char *dest, unsigned long flags, bool recursive, ctool_error_t *err)
{
  struct stat st;
  if (stat(source, &st) < 0)
    return ctool_error_set(err, errno, "bind mount %s on %s", source, dest);
  cleanup_close int target = rootfs_open_target(rootfd, dest, S_ISDIR(st.st_mode), err);
  if (target < 0)
    return ctool_error_prefix(err, "bind mount %s", source);
  if (mount(source, fd_path(target).s, NULL, MS_BIND | (recursive ? MS_REC : 0), NULL) < 0)
    return ctool_error_set(err, errno, "bind mount %s on %s", source, dest);
  unsigned long extra = flags & (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC);
  if (extra == 0)
    return 0;
  /* Reopen: the fd above still names the directory under the new mount. */
  cleanup_close int mounted = safe_openat(rootfd, dest, O_PATH, 0);
  if (mounted < 0)
    return ctool_error_set(err, errno, "open %s after mounting it", dest);
  return remount_fd(mounted, extra, recursive, dest, err);
}

/* "gid=5" cannot work when GID 5 is not mapped (single-ID map). */
static char *
data_without_gid(const char *data)
{
  char *out = xstrdup("");
  cleanup_free char *copy = xstrdup(data ? data : "");
  char *save = NULL;
  for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
    {
      if (str_has_prefix(tok, "gid="))
        continue;
      char *j = *out ? xasprintf("%s,%s", out, tok) : xstrdup(tok);
      free(out);
      out = j;
    }
  return out;
}

static int copy_tree(int src, int dst, int depth, ctool_error_t *err);

static int
copy_file(int src, int dst, const char *name, const struct stat *st, ctool_error_t *err)
{
  cleanup_close int in = openat(src, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  cleanup_close int out = openat(dst, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, st->st_mode & 07777);
  if (in < 0 || out < 0)
    return ctool_error_set(err, errno, "copy %s into the tmpfs", name);
  for (;;)
    {
      ssize_t n = copy_file_range(in, NULL, out, NULL, 1 << 20, 0);
      if (n == 0)
        break;
      if (n < 0)
        {
          char buf[65536];
          n = read(in, buf, sizeof buf);
          if (n == 0)
            break;
          if (n < 0 || write(out, buf, (size_t) n) != n)
            return ctool_error_set(err, errno, "copy %s into the tmpfs", name);
        }
    }
  if (fchown(out, st->st_uid, st->st_gid) < 0 || fchmod(out, st->st_mode & 07777) < 0)
    log_debug("copy %s: keep owner and mode: %s", name, strerror(errno));
  return 0;
}

/* One entry of SRC into DST: directories, files, symlinks and fifos, with
 * their owners and modes (what Podman's tmpcopyup keeps). */
static int
copy_entry(int src, int dst, const char *name, int depth, ctool_error_t *err)
{
  struct stat st;
  if (fstatat(src, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return ctool_error_set(err, errno, "copy %s into the tmpfs", name);
  if (S_ISREG(st.st_mode))
    return copy_file(src, dst, name, &st, err);
  if (S_ISLNK(st.st_mode))
    {
      char target[PATH_MAX];
      ssize_t n = readlinkat(src, name, target, sizeof target - 1);
      if (n < 0)
        return ctool_error_set(err, errno, "copy %s into the tmpfs", name);
      target[n] = '\0';
      if (symlinkat(target, dst, name) < 0)
        return ctool_error_set(err, errno, "copy %s into the tmpfs", name);
    }
  else if (S_ISFIFO(st.st_mode))
    {
      if (mkfifoat(dst, name, st.st_mode & 07777) < 0)
        return ctool_error_set(err, errno, "copy %s into the tmpfs", name);
    }
  else if (S_ISDIR(st.st_mode))
    {
      if (mkdirat(dst, name, st.st_mode & 07777) < 0)
        return ctool_error_set(err, errno, "copy %s into the tmpfs", name);
      cleanup_close int s = openat(src, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      cleanup_close int d = openat(dst, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (s < 0 || d < 0)
        return ctool_error_set(err, errno, "copy %s into the tmpfs", name);
      if (copy_tree(s, d, depth + 1, err) < 0)
        return -1;
    }
  else
    return 0; /* device nodes and sockets stay behind */
  if (fchownat(dst, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    log_debug("copy %s: keep the owner: %s", name, strerror(errno));
  return 0;
}

static int
copy_tree(int src, int dst, int depth, ctool_error_t *err)
{
  if (depth > 64)
    return ctool_error_set(err, ELOOP, "copy into the tmpfs");
  cleanup_dir DIR *d = opendir_dup(src, "copy into the tmpfs", err);
  if (d == NULL)
    return -1;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    {
      if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
        continue;
      if (copy_entry(src, dst, e->d_name, depth, err) < 0)
        return -1;
    }
  return 0;
}

/* tmpcopyup: after a tmpfs covers DEST, fill it with what was under it
 * (UNDER: the directory, opened before the mount) and give its root the
 * directory's mode and owner. */
static int
copy_up(int rootfd, int under, const char *dest, ctool_error_t *err)
{
  cleanup_close int top = safe_openat(rootfd, dest, O_RDONLY | O_DIRECTORY, 0);
  struct stat st;
  if (top < 0 || fstat(under, &st) < 0)
    return ctool_error_set(err, errno, "tmpcopyup %s", dest);
  if (fchmod(top, st.st_mode & 07777) < 0 || fchown(top, st.st_uid, st.st_gid) < 0)
    log_debug("tmpcopyup %s: keep owner and mode: %s", dest, strerror(errno));
  if (copy_tree(under, top, 0, err) < 0)
    return ctool_error_prefix(err, "tmpcopyup %s", dest);
  return 0;
}

static int
mount_filesystem(int rootfd, const struct rootfs_mount *m, bool p_host_pid, bool p_single_map, ctool_error_t *err)
{
  cleanup_close int target = rootfs_open_target(rootfd, m->destination, true, err);
  if (target < 0)
    return -1;
  cleanup_close int under = -1;
  if (m->copy_up && strcmp(m->type, "tmpfs") == 0)
    {
      under = openat(target, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (under < 0)
        return ctool_error_set(err, errno, "tmpcopyup %s", m->destination);
    }
  const char *type = m->type;
  bool cgroup = strcmp(type, "cgroup") == 0 || strcmp(type, "cgroup2") == 0;
  if (cgroup)
    type = "cgroup2";
  unsigned long flags = m->flags & ~(unsigned long) MS_REC;
  bool devpts = strcmp(type, "devpts") == 0;
  cleanup_free char *no_gid = devpts ? data_without_gid(m->data) : NULL;
  int r = mount(m->source, fd_path(target).s, type, flags, devpts && p_single_map ? no_gid : m->data);
  if (r < 0 && errno == EINVAL && devpts && !p_single_map)
    r = mount(m->source, fd_path(target).s, type, flags, no_gid);
  if (r == 0)
    return under >= 0 ? copy_up(rootfd, under, m->destination, err) : 0;
  int e = errno;
  /* Filesystems a user namespace may not mount when it does not own the
   * matching namespace (--network host, a host cgroup namespace): show the
   * host's, read-only where the spec says so. */
  const char *host = NULL;
  if (strcmp(type, "sysfs") == 0)
    host = "/sys";
  else if (cgroup)
    host = "/sys/fs/cgroup";
  else if (strcmp(type, "mqueue") == 0)
    host = "/dev/mqueue";
  if (host && (e == EPERM || e == EBUSY || e == EACCES))
    {
      log_debug("mount %s on %s: %s; binding the host's instead", type, m->destination, strerror(e));
      return bind_onto(rootfd, host, m->destination, m->flags, true, err);
    }
  if (strcmp(type, "proc") == 0 && e == EPERM && p_host_pid)
    {
      log_debug("mount proc: %s; --pid host: binding the host's /proc", strerror(e));
      return bind_onto(rootfd, "/proc", m->destination, m->flags, true, err);
    }
  if (strcmp(type, "proc") == 0 && e == EPERM)
    return ctool_error_set(err, e, "mount proc on /proc: the host's /proc has parts hidden by other mounts, "
                                   "which a user namespace may not uncover");
  return ctool_error_set(err, e, "mount %s on %s", type, m->destination);
}

static int
apply_mount(int rootfd, const struct rootfs_mount *m, const struct rootfs_plan *p, ctool_error_t *err)
{
  int r = m->bind ? bind_onto(rootfd, m->source, m->destination, m->flags, m->recursive, err)
                  : mount_filesystem(rootfd, m, p->host_pid, p->single_map, err);
  if (r < 0)
    return -1;
  if (m->propagation)
    {
      cleanup_close int fd = safe_openat(rootfd, m->destination, O_PATH, 0);
      if (fd < 0 || mount(NULL, fd_path(fd).s, NULL, m->propagation, NULL) < 0)
        return ctool_error_set(err, errno, "set the propagation of %s", m->destination);
    }
  return 0;
}

static const char *const default_devices[] = { "null", "zero", "full", "random", "urandom", "tty", NULL };

static const struct {
  const char *name, *target;
} dev_symlinks[] = {
  { "fd", "/proc/self/fd" },   { "stdin", "/proc/self/fd/0" }, { "stdout", "/proc/self/fd/1" },
  { "stderr", "/proc/self/fd/2" }, { "ptmx", "pts/ptmx" },     { "core", "/proc/kcore" },
};

/* /dev is a fresh tmpfs: device nodes cannot be made in a user namespace
 * (and would not work on its nodev tmpfs), so the host's are bound in. */
static int
populate_dev(int rootfd, const struct rootfs_plan *p, ctool_error_t *err)
{
  cleanup_close int devfd = safe_openat(rootfd, "/dev", O_PATH | O_DIRECTORY, 0);
  if (devfd < 0)
    return ctool_error_set(err, errno, "open /dev in the container");
  for (size_t i = 0; i < ARRAY_SIZE(dev_symlinks); i++)
    if (symlinkat(dev_symlinks[i].target, devfd, dev_symlinks[i].name) < 0 && errno != EEXIST)
      return ctool_error_set(err, errno, "create /dev/%s", dev_symlinks[i].name);
  for (size_t i = 0; default_devices[i]; i++)
    {
      char host[64];
      snprintf(host, sizeof host, "/dev/%s", default_devices[i]);
      if (bind_onto(rootfd, host, host, 0, false, err) < 0)
        return -1;
    }
  for (size_t i = 0; p->devices && p->devices[i]; i++)
    if (bind_onto(rootfd, p->devices[i], p->devices[i], 0, false, err) < 0)
      return ctool_error_prefix(err, "device");
  if (p->console)
    {
      cleanup_close int fd = rootfs_open_target(rootfd, "/dev/console", false, err);
      if (fd < 0)
        return -1;
    }
  return 0;
}

static int
write_sysctls(int rootfd, const struct rootfs_plan *p, ctool_error_t *err)
{
  for (size_t i = 0; i < p->n_sysctls; i++)
    {
      cleanup_free char *path = xasprintf("/proc/sys/%s", p->sysctls[i].key);
      for (char *c = path + strlen("/proc/sys/"); *c; c++)
        if (*c == '.')
          *c = '/';
      cleanup_close int fd = safe_openat(rootfd, path, O_WRONLY | O_TRUNC, 0);
      const char *v = p->sysctls[i].value;
      if (fd < 0 || write(fd, v, strlen(v)) < 0)
        return ctool_error_set(err, errno, "set sysctl %s to '%s'", p->sysctls[i].key, v);
    }
  return 0;
}

/* Hide PATH: /dev/null over a file, an empty read-only tmpfs over a dir. */
static int
mask_path(int rootfd, const char *path, ctool_error_t *err)
{
  cleanup_close int fd = safe_openat(rootfd, path, O_PATH, 0);
  if (fd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return 0;
      return ctool_error_set(err, errno, "mask %s", path);
    }
  struct stat st;
  if (fstat(fd, &st) < 0)
    return ctool_error_set(err, errno, "mask %s", path);
  int r = S_ISDIR(st.st_mode) ? mount("tmpfs", fd_path(fd).s, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0k")
                              : mount("/dev/null", fd_path(fd).s, NULL, MS_BIND, NULL);
  if (r < 0)
    return ctool_error_set(err, errno, "mask %s", path);
  return 0;
}

static int
readonly_path(int rootfd, const char *path, ctool_error_t *err)
{
  cleanup_close int fd = safe_openat(rootfd, path, O_PATH, 0);
  if (fd < 0)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return 0;
      return ctool_error_set(err, errno, "make %s read-only", path);
    }
  struct fd_path fp = fd_path(fd);
  if (mount(fp.s, fp.s, NULL, MS_BIND | MS_REC, NULL) < 0)
    return ctool_error_set(err, errno, "make %s read-only", path);
  cleanup_close int mounted = safe_openat(rootfd, path, O_PATH, 0);
  if (mounted < 0)
    return ctool_error_set(err, errno, "make %s read-only", path);
  return remount_fd(mounted, MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, true, path, err);
}

static int
mount_root(const struct rootfs_plan *p, ctool_error_t *err)
{
  if (p->lower && p->volatile_upper)
    return overlay_mount_volatile(p->overlay, p->lower, p->upper, p->work, p->rootfs, err);
  if (p->lower)
    return overlay_mount(p->overlay, p->lower, p->upper, p->work, p->rootfs, err);
  if (mount(p->rootfs, p->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
    return ctool_error_set(err, errno, "bind mount the root filesystem %s", p->rootfs);
  return 0;
}

static int
pivot(int rootfd, ctool_error_t *err)
{
  if (fchdir(rootfd) < 0)
    return ctool_error_set(err, errno, "enter the root filesystem");
  if (syscall(SYS_pivot_root, ".", ".") < 0)
    return ctool_error_set(err, errno, "pivot_root");
  /* The old root now sits on top of the new one: detach it. */
  if (umount2(".", MNT_DETACH) < 0)
    return ctool_error_set(err, errno, "detach the old root");
  if (chdir("/") < 0)
    return ctool_error_set(err, errno, "chdir /");
  return 0;
}

int
rootfs_setup(const struct rootfs_plan *p, ctool_error_t *err)
{
  if (mount(NULL, "/", NULL, p->root_propagation, NULL) < 0)
    return ctool_error_set(err, errno, "make the mounts private");
  if (mount_root(p, err) < 0)
    return -1;
  cleanup_close int rootfd = open(p->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0)
    return ctool_error_set(err, errno, "open the root filesystem %s", p->rootfs);
  bool have_dev = false;
  for (size_t i = 0; i < p->n_mounts; i++)
    {
      if (apply_mount(rootfd, &p->mounts[i], p, err) < 0)
        return -1;
      if (strcmp(p->mounts[i].destination, "/dev") == 0)
        have_dev = true;
    }
  if (have_dev && populate_dev(rootfd, p, err) < 0)
    return -1;
  if (write_sysctls(rootfd, p, err) < 0)
    return -1;
  for (size_t i = 0; p->masked[i]; i++)
    if (mask_path(rootfd, p->masked[i], err) < 0)
      return -1;
  for (size_t i = 0; p->readonly[i]; i++)
    if (readonly_path(rootfd, p->readonly[i], err) < 0)
      return -1;
  if (p->readonly_root && remount_fd(rootfd, MS_RDONLY, false, "the root filesystem", err) < 0)
    return -1;
  return pivot(rootfd, err);
}
