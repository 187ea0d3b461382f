/* The container root filesystem: choosing the overlay mode (probe once,
 * cache per kernel) and mounting the layers with it: kernel overlayfs with
 * userxattr, fuse-overlayfs, or a plain copy bind-mounted into place. */
#include "overlay.h"
#include "fsutil.h"
#include "subprocess.h"
#include "userns.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#define CACHE_NAME "overlay-mode"
#define COPY_MARKER ".ctool-copied"

bool overlay_no_fsconfig = false;

static const char *const mode_names[] = {
  [OVERLAY_NATIVE] = "native",
  [OVERLAY_FUSE] = "fuse",
  [OVERLAY_COPY] = "copy",
};

const char *
overlay_mode_name(enum overlay_mode m)
{
  if ((size_t) m < ARRAY_SIZE(mode_names))
    return mode_names[m];
  return "unknown";
}

int
overlay_mode_parse(const char *name, enum overlay_mode *out)
{
  for (size_t i = 0; i < ARRAY_SIZE(mode_names); i++)
    if (name && strcmp(name, mode_names[i]) == 0)
      {
        *out = (enum overlay_mode) i;
        return 0;
      }
  return -1;
}

/* ---- option strings ---- */

static void
append_escaped(char **buf, size_t *len, const char *path)
{
  size_t need = 2 * strlen(path) + 1;
  *buf = xrealloc(*buf, *len + need);
  for (const char *p = path; *p; p++)
    {
      if (*p == ',' || *p == ':' || *p == '\\')
        (*buf)[(*len)++] = '\\';
      (*buf)[(*len)++] = *p;
    }
  (*buf)[*len] = '\0';
}

static void
append_raw(char **buf, size_t *len, const char *s)
{
  size_t n = strlen(s);
  *buf = xrealloc(*buf, *len + n + 1);
  memcpy(*buf + *len, s, n + 1);
  *len += n;
}

/* lowerdir=TOP:...:BOTTOM,upperdir=U,workdir=W with PREFIX stripped from
 * every path (the chdir trick), or whole paths when PREFIX is NULL. */
static char *
native_options_rel(char *const *lower, const char *upper, const char *work, const char *prefix)
{
  size_t plen = prefix ? strlen(prefix) : 0;
  char *buf = NULL;
  size_t len = 0;
  append_raw(&buf, &len, "lowerdir=");
  size_t n = strv_len(lower);
  for (size_t i = n; i-- > 0;)
    {
      append_escaped(&buf, &len, lower[i] + plen);
      if (i > 0)
        append_raw(&buf, &len, ":");
    }
  if (upper)
    {
      append_raw(&buf, &len, ",upperdir=");
      append_escaped(&buf, &len, upper + plen);
      append_raw(&buf, &len, ",workdir=");
      append_escaped(&buf, &len, work + plen);
    }
  append_raw(&buf, &len, ",userxattr");
  return buf;
}

char *
overlay_native_options(char *const *lower, const char *upper, const char *work)
{
  return native_options_rel(lower, upper, work, NULL);
}

/* ---- native overlay ---- */

static size_t
mount_data_limit(void)
{
  long page = sysconf(_SC_PAGESIZE);
  return page > 0 ? (size_t) page - 1 : 4095;
}

#ifdef FSOPEN_CLOEXEC
/* The new mount API: one fsconfig per layer ("lowerdir+", Linux 6.8), so
 * the number of layers is not bounded by the page-sized option string. */
static int
mount_native_fsconfig(char *const *lower, const char *upper, const char *work, const char *target)
{
  cleanup_close int fs = fsopen("overlay", FSOPEN_CLOEXEC);
  if (fs < 0)
    return -1;
  for (size_t i = strv_len(lower); i-- > 0;)
    if (fsconfig(fs, FSCONFIG_SET_STRING, "lowerdir+", lower[i], 0) < 0)
      return -1;
  if (upper && (fsconfig(fs, FSCONFIG_SET_STRING, "upperdir", upper, 0) < 0
                || fsconfig(fs, FSCONFIG_SET_STRING, "workdir", work, 0) < 0))
    return -1;
  if (fsconfig(fs, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) < 0 || fsconfig(fs, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
    return -1;
  cleanup_close int mnt = fsmount(fs, FSMOUNT_CLOEXEC, 0);
  if (mnt < 0)
    return -1;
  return move_mount(mnt, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH);
}
#endif

/* The directory every path lives under ("/a/b/" for /a/b/x and /a/b/y),
 * with its trailing slash; NULL when that is only "/". */
static char *
common_dir_prefix(char *const *lower, const char *upper, const char *work)
{
  cleanup_free char *prefix = xstrdup(lower[0]);
  char *slash = strrchr(prefix, '/');
  if (slash == NULL)
    return NULL;
  slash[1] = '\0';
  const char *others[] = { upper, work };
  size_t n = strv_len(lower);
  for (size_t i = 0; i < n + 2; i++)
    {
      const char *p = i < n ? lower[i] : others[i - n];
      if (p == NULL)
        continue;
      while (!str_has_prefix(p, prefix))
        {
          prefix[strlen(prefix) - 1] = '\0';
          slash = strrchr(prefix, '/');
          if (slash == NULL)
            return NULL;
          slash[1] = '\0';
        }
    }
  if (strcmp(prefix, "/") == 0)
    return NULL;
  return steal_pointer(&prefix);
}

/* Relative paths from the directory they share, mounted from there. */
static int
mount_native_chdir(char *const *lower, const char *upper, const char *work, const char *target, size_t *optlen)
{
  cleanup_free char *prefix = common_dir_prefix(lower, upper, work);
  if (prefix == NULL)
    {
      errno = E2BIG;
      return -1;
    }
  cleanup_free char *opts = native_options_rel(lower, upper, work, prefix);
  *optlen = strlen(opts);
  if (*optlen > mount_data_limit())
    {
      errno = E2BIG;
      return -1;
    }
  cleanup_close int cwd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  cleanup_free char *abs_target = target[0] == '/' ? xstrdup(target) : realpath(target, NULL);
  if (cwd < 0 || abs_target == NULL || chdir(prefix) < 0)
    return -1;
  int r = mount("overlay", abs_target, "overlay", 0, opts);
  int e = errno;
  if (fchdir(cwd) < 0)
    log_debug("cannot return to the previous working directory: %s", strerror(errno));
  errno = e;
  return r;
}

static int
mount_native(char *const *lower, const char *upper, const char *work, const char *target, ctool_error_t *err)
{
  cleanup_free char *opts = overlay_native_options(lower, upper, work);
  size_t len = strlen(opts), limit = mount_data_limit();
  if (len <= limit)
    {
      if (mount("overlay", target, "overlay", 0, opts) < 0)
        return ctool_error_set(err, errno, "mount overlay on %s (%s)", target, opts);
      return 0;
    }

  size_t n = strv_len(lower);
  int fsconfig_errno = ENOSYS;
#ifdef FSOPEN_CLOEXEC
  log_debug("overlay options for %zu layers are %zu bytes, over the kernel's %zu: passing each layer with "
            "fsconfig(lowerdir+)",
            n, len, limit);
  if (!overlay_no_fsconfig)
    {
      if (mount_native_fsconfig(lower, upper, work, target) == 0)
        return 0;
      fsconfig_errno = errno;
    }
#endif
  size_t rel_len = 0;
  log_debug("fsconfig(lowerdir+) failed (%s): mounting with paths relative to their common directory",
            strerror(fsconfig_errno));
  if (mount_native_chdir(lower, upper, work, target, &rel_len) == 0)
    return 0;
  if (errno == E2BIG)
    return ctool_error_set(err, 0,
                           "mount overlay on %s: %zu layers need %zu bytes of mount options (%zu with relative "
                           "paths), over the kernel's limit of %zu, and this kernel lacks overlay's lowerdir+ "
                           "(Linux 6.8): %s",
                           target, n, len, rel_len, limit, strerror(fsconfig_errno));
  return ctool_error_set(err, errno, "mount overlay on %s (%zu layers, relative to their common directory)",
                         target, n);
}

/* ---- fuse-overlayfs ---- */

static int
mount_fuse(char *const *lower, const char *upper, const char *work, const char *target, ctool_error_t *err)
{
  cleanup_free char *prog = find_program("fuse-overlayfs");
  if (prog == NULL)
    return ctool_error_set(err, 0, "fuse-overlayfs not found: install it (sudo apt-get install fuse-overlayfs) or "
                                   "set CTOOL_OVERLAY_MODE=copy");
  size_t n = strv_len(lower);
  for (size_t i = 0; i < n + 2; i++)
    {
      const char *p = i < n ? lower[i] : i == n ? upper : work;
      if (p && strpbrk(p, ",:"))
        return ctool_error_set(err, 0, "fuse-overlayfs cannot use the path '%s': it contains ',' or ':'", p);
    }
  /* Same string as for the kernel; nothing needs escaping here. */
  cleanup_free char *opts = overlay_native_options(lower, upper, work);
  /* fuse-overlayfs has no userxattr option: it keeps its own xattrs. */
  char *ux = strstr(opts, ",userxattr");
  if (ux)
    *ux = '\0';
  char *argv[] = { prog, "-o", opts, (char *) target, NULL };
  cleanup_free char *errtext = NULL;
  int status;
  /* It forks into the background once the mount is in place. */
  if (spawn_run(argv, NULL, &errtext, &status, err) < 0)
    return -1;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    {
      char how[96];
      describe_wait_status(status, how, sizeof how);
      for (char *c = errtext; *c; c++)
        if (*c == '\n')
          *c = ' ';
      return ctool_error_set(err, 0, "fuse-overlayfs on %s %s%s%s", target, how, *errtext ? ": " : "", errtext);
    }
  return 0;
}

/* ---- copy ---- */

static bool
is_whiteout(const struct stat *st)
{
  return S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0);
}

static bool
xattr_says_opaque(int dirfd)
{
  static const char *const names[] = { "user.overlay.opaque", "trusted.overlay.opaque" };
  for (size_t i = 0; i < ARRAY_SIZE(names); i++)
    {
      char v[4];
      ssize_t n = fgetxattr(dirfd, names[i], v, sizeof v);
      if (n == 1 && v[0] == 'y')
        return true;
    }
  return false;
}

static bool
is_overlay_xattr(const char *name)
{
  return str_has_prefix(name, "user.overlay.") || str_has_prefix(name, "trusted.overlay.");
}

/* Copy the extended attributes a layer may carry (file capabilities,
 * user.*), never overlay's own bookkeeping. Failures are logged only. */
static void
copy_xattrs(int src, int dst, const char *name)
{
  char list[4096];
  ssize_t n = flistxattr(src, list, sizeof list);
  for (ssize_t off = 0; n > 0 && off < n; off += (ssize_t) strlen(list + off) + 1)
    {
      const char *key = list + off;
      if (is_overlay_xattr(key))
        continue;
      char value[4096];
      ssize_t vlen = fgetxattr(src, key, value, sizeof value);
      if (vlen < 0 || fsetxattr(dst, key, value, (size_t) vlen, 0) < 0)
        log_debug("copy: xattr %s of %s not copied: %s", key, name, strerror(errno));
    }
}

static int
copy_data(int src, int dst)
{
  for (;;)
    {
      ssize_t n = copy_file_range(src, NULL, dst, NULL, 1 << 30, 0);
      if (n == 0)
        return 0;
      if (n > 0)
        continue;
      if (errno == EINTR)
        continue;
      if (errno != EXDEV && errno != EINVAL && errno != ENOSYS && errno != EOPNOTSUPP)
        return -1;
      break;
    }
  char buf[65536];
  for (;;)
    {
      ssize_t r = read(src, buf, sizeof buf);
      if (r < 0 && errno == EINTR)
        continue;
      if (r <= 0)
        return (int) r;
      for (ssize_t off = 0; off < r;)
        {
          ssize_t w = write(dst, buf + off, (size_t) (r - off));
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            return -1;
          off += w;
        }
    }
}

static void
copy_times(int dirfd, const char *name, const struct stat *st, int flags)
{
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  utimensat(dirfd, name, ts, flags);
}

/* What a copied file or directory keeps of its source ST: owner,
 * extended attributes, mode (after chown, which clears set-ID bits) and
 * times. */
static int
copy_attributes(int src, int dst, const char *name, const struct stat *st, ctool_error_t *err)
{
  if (fchown(dst, st->st_uid, st->st_gid) < 0)
    log_debug("copy: chown %s: %s", name, strerror(errno));
  copy_xattrs(src, dst, name);
  if (fchmod(dst, st->st_mode & 07777) < 0)
    return ctool_error_set(err, errno, "copy: chmod %s", name);
  struct timespec ts[2] = { st->st_atim, st->st_mtim };
  futimens(dst, ts);
  return 0;
}

static int
copy_regular(int sdir, int ddir, const char *name, const struct stat *st, ctool_error_t *err)
{
  cleanup_close int src = openat(sdir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (src < 0)
    return ctool_error_set(err, errno, "copy: open %s", name);
  cleanup_close int dst = openat(ddir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (dst < 0)
    return ctool_error_set(err, errno, "copy: create %s", name);
  if (copy_data(src, dst) < 0)
    return ctool_error_set(err, errno, "copy: %s", name);
  return copy_attributes(src, dst, name, st, err);
}

static int copy_tree(int sdir, int ddir, ctool_error_t *err);

static int
copy_directory(int sdir, int ddir, const char *name, const struct stat *st, ctool_error_t *err)
{
  cleanup_close int src = openat(sdir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (src < 0)
    return ctool_error_set(err, errno, "copy: open %s", name);
  bool opaque = xattr_says_opaque(src) || faccessat(src, ".wh..wh..opq", F_OK, AT_SYMLINK_NOFOLLOW) == 0;
  struct stat dst_st;
  bool exists = fstatat(ddir, name, &dst_st, AT_SYMLINK_NOFOLLOW) == 0;
  if (exists && (opaque || !S_ISDIR(dst_st.st_mode)))
    {
      if (rm_rf_at(ddir, name, err) < 0)
        return -1;
      exists = false;
    }
  if (!exists && mkdirat(ddir, name, 0700) < 0)
    return ctool_error_set(err, errno, "copy: mkdir %s", name);
  cleanup_close int dst = openat(ddir, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (dst < 0)
    return ctool_error_set(err, errno, "copy: open %s", name);
  if (copy_tree(src, dst, err) < 0)
    return ctool_error_prefix(err, "%s", name);
  return copy_attributes(src, dst, name, st, err);
}

static int
copy_symlink(int sdir, int ddir, const char *name, const struct stat *st, ctool_error_t *err)
{
  char target[PATH_MAX];
  ssize_t n = readlinkat(sdir, name, target, sizeof target - 1);
  if (n < 0)
    return ctool_error_set(err, errno, "copy: readlink %s", name);
  target[n] = '\0';
  if (symlinkat(target, ddir, name) < 0)
    return ctool_error_set(err, errno, "copy: symlink %s", name);
  if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    log_debug("copy: chown %s: %s", name, strerror(errno));
  copy_times(ddir, name, st, AT_SYMLINK_NOFOLLOW);
  return 0;
}

static int
copy_special(int ddir, const char *name, const struct stat *st)
{
  if (mknodat(ddir, name, st->st_mode, st->st_rdev) < 0)
    {
      log_debug("copy: cannot create the special file %s: %s (skipped)", name, strerror(errno));
      return 0;
    }
  if (fchownat(ddir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
    log_debug("copy: chown %s: %s", name, strerror(errno));
  copy_times(ddir, name, st, 0);
  return 0;
}

/* One entry of a layer onto the merged tree: whiteouts delete, the rest
 * replaces what lower layers had (directories merge). */
static int
copy_entry(int sdir, int ddir, const char *name, ctool_error_t *err)
{
  struct stat st;
  if (strcmp(name, ".wh..wh..opq") == 0)
    return 0; /* handled by copy_directory */
  if (str_has_prefix(name, ".wh."))
    return rm_rf_at(ddir, name + 4, err);
  if (fstatat(sdir, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return ctool_error_set(err, errno, "copy: stat %s", name);
  if (is_whiteout(&st))
    return rm_rf_at(ddir, name, err);
  if (S_ISDIR(st.st_mode))
    return copy_directory(sdir, ddir, name, &st, err);
  if (rm_rf_at(ddir, name, err) < 0)
    return -1;
  if (S_ISREG(st.st_mode))
    return copy_regular(sdir, ddir, name, &st, err);
  if (S_ISLNK(st.st_mode))
    return copy_symlink(sdir, ddir, name, &st, err);
  if (S_ISSOCK(st.st_mode))
    return 0;
  return copy_special(ddir, name, &st);
}

static int
copy_tree(int sdir, int ddir, ctool_error_t *err)
{
  cleanup_dir DIR *d = opendir_dup(sdir, "copy: opendir", err);
  if (d == NULL)
    return -1;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      if (copy_entry(sdir, ddir, de->d_name, err) < 0)
        return -1;
    }
  return 0;
}

static int
mount_copy(char *const *lower, const char *upper, const char *work, const char *target, ctool_error_t *err)
{
  if (upper == NULL || work == NULL)
    return ctool_error_set(err, 0, "copy mode needs an upper and a work directory");
  cleanup_close int wfd = open(work, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (wfd < 0)
    return ctool_error_set(err, errno, "open %s", work);
  /* The copy is made once per container; later starts reuse it. */
  if (faccessat(wfd, COPY_MARKER, F_OK, 0) < 0)
    {
      cleanup_close int ufd = open(upper, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      if (ufd < 0)
        return ctool_error_set(err, errno, "open %s", upper);
      for (size_t i = 0; lower[i]; i++)
        {
          cleanup_close int lfd = open(lower[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
          if (lfd < 0)
            return ctool_error_set(err, errno, "open the layer %s", lower[i]);
          if (copy_tree(lfd, ufd, err) < 0)
            return ctool_error_prefix(err, "copy the layer %s into %s", lower[i], upper);
        }
      if (write_file_atomic_at(wfd, COPY_MARKER, "", 0, 0600, false, err) < 0)
        return -1;
    }
  if (mount(upper, target, NULL, MS_BIND | MS_REC, NULL) < 0)
    return ctool_error_set(err, errno, "bind-mount %s on %s", upper, target);
  return 0;
}

int
overlay_mount(enum overlay_mode mode, char *const *lower, const char *upper, const char *work,
              const char *target, ctool_error_t *err)
{
  if (lower == NULL || lower[0] == NULL)
    return ctool_error_set(err, 0, "mount %s: no layers", target);
  if ((upper == NULL) != (work == NULL))
    return ctool_error_set(err, 0, "mount %s: an upper directory needs a work directory", target);
  switch (mode)
    {
    case OVERLAY_NATIVE:
      return mount_native(lower, upper, work, target, err);
    case OVERLAY_FUSE:
      return mount_fuse(lower, upper, work, target, err);
    case OVERLAY_COPY:
      return mount_copy(lower, upper, work, target, err);
    }
  return ctool_error_set(err, 0, "unknown overlay mode %d", (int) mode);
}

int
overlay_mount_volatile(enum overlay_mode mode, char *const *lower, const char *upper, const char *work,
                       const char *target, ctool_error_t *err)
{
  if (mode != OVERLAY_NATIVE || lower == NULL || lower[0] == NULL || upper == NULL || work == NULL)
    return overlay_mount(mode, lower, upper, work, target, err);
  /* A volatile mount leaves WORK/work/incompat/volatile/dirty behind,
   * and the kernel mounts nothing over a work dir that has it: after a
   * crash the upper dir is, as the contract says, scratch. */
  static const char *const marker[] = { "work/incompat/volatile/dirty", "work/incompat/volatile", "work/incompat" };
  for (size_t i = 0; i < ARRAY_SIZE(marker); i++)
    {
      cleanup_free char *path = xasprintf("%s/%s", work, marker[i]);
      if ((i == 0 ? unlink(path) : rmdir(path)) < 0 && errno != ENOENT)
        log_debug("overlay: cannot remove %s: %s", path, strerror(errno));
    }
  cleanup_free char *plain = overlay_native_options(lower, upper, work);
  cleanup_free char *opts = xasprintf("%s,volatile", plain);
  if (strlen(opts) <= mount_data_limit())
    {
      if (mount("overlay", target, "overlay", 0, opts) == 0)
        return 0;
      log_debug("overlay: mount with volatile failed (%s): mounting without it", strerror(errno));
    }
  return overlay_mount(mode, lower, upper, work, target, err);
}

/* ---- choosing the mode ---- */

struct probe_dirs {
  const char *base;   /* the temporary directory, removed afterwards */
  char *lower, *upper, *work, *merged;
};

/* In the user namespace: mount, write, delete a lower file (a whiteout),
 * unmount, and clean up the files overlay made (work/work is mode 0). */
static int
probe_native_in_userns(void *arg, ctool_error_t *err)
{
  struct probe_dirs *d = arg;
  char *lower[] = { d->lower, NULL };
  int ret = mount_native(lower, d->upper, d->work, d->merged, err);
  if (ret == 0)
    {
      cleanup_free char *created = xasprintf("%s/new", d->merged);
      cleanup_free char *removed = xasprintf("%s/old", d->merged);
      int fd = open(created, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd < 0)
        ret = ctool_error_set(err, errno, "write into a native overlay");
      else
        close(fd);
      if (ret == 0 && unlink(removed) < 0)
        ret = ctool_error_set(err, errno, "delete a lower file in a native overlay (a whiteout)");
      if (umount2(d->merged, MNT_DETACH) < 0 && ret == 0)
        ret = ctool_error_set(err, errno, "unmount the probe overlay");
    }
  ctool_error_t ignored = NULL;
  rm_rf_at(AT_FDCWD, d->base, &ignored);
  ctool_error_free(&ignored);
  return ret;
}

static int
probe_native(const char *parent, char *why, size_t why_len, ctool_error_t *err)
{
  if (mkdir_p(parent, 0700, err) < 0)
    return -1;
  cleanup_free char *base = xasprintf("%s/.overlay-probe-XXXXXX", parent);
  if (mkdtemp(base) == NULL)
    return ctool_error_set(err, errno, "create a directory to probe overlay in %s", parent);
  struct probe_dirs d = {
    .base = base,
    .lower = xasprintf("%s/lower", base),
    .upper = xasprintf("%s/upper", base),
    .work = xasprintf("%s/work", base),
    .merged = xasprintf("%s/merged", base),
  };
  cleanup_free char *old = xasprintf("%s/old", d.lower);
  int ret = 0;
  if (mkdir(d.lower, 0700) < 0 || mkdir(d.upper, 0700) < 0 || mkdir(d.work, 0700) < 0 || mkdir(d.merged, 0700) < 0
      || close(open(old, O_WRONLY | O_CREAT | O_CLOEXEC, 0600)) < 0)
    ret = ctool_error_set(err, errno, "prepare the overlay probe in %s", base);

  if (ret == 0)
    {
      /* A single-ID map: no helper processes, and enough for the test. */
      struct subid_ranges none = { 0 };
      struct idmap map;
      ctool_error_t probe_err = NULL;
      idmap_build(&none, &none, getuid(), getgid(), false, &map);
      int r = userns_run(&map, probe_native_in_userns, &d, &probe_err);
      if (r != 0)
        snprintf(why, why_len, "%s", probe_err ? probe_err->msg : "the probe failed");
      ctool_error_free(&probe_err);
    }
  ctool_error_t ignored = NULL;
  rm_rf_at(AT_FDCWD, base, &ignored);
  ctool_error_free(&ignored);
  free(d.lower);
  free(d.upper);
  free(d.work);
  free(d.merged);
  return ret;
}

/* fuse-overlayfs installed and /dev/fuse open for reading and writing. */
static bool
fuse_usable(char *why, size_t why_len)
{
  cleanup_free char *prog = find_program("fuse-overlayfs");
  if (prog == NULL)
    {
      snprintf(why, why_len, "fuse-overlayfs is not installed");
      return false;
    }
  int fd = open("/dev/fuse", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    {
      snprintf(why, why_len, "cannot open /dev/fuse: %s", strerror(errno));
      return false;
    }
  close(fd);
  return true;
}

static char *
cache_text(const struct overlay_choice *c, const char *kernel, const char *probe_parent)
{
  return xasprintf("mode=%s\nkernel=%s\nprobe-dir=%s\nnative-error=%s\nfuse-error=%s\n", overlay_mode_name(c->mode),
                   kernel, probe_parent, c->native_error, c->fuse_error);
}

static const char *
cache_value(char *text, const char *key)
{
  size_t klen = strlen(key);
  for (char *line = text; line && *line;)
    {
      char *next = strchr(line, '\n');
      if (next)
        *next++ = '\0';
      if (strncmp(line, key, klen) == 0 && line[klen] == '=')
        return line + klen + 1;
      line = next;
    }
  return NULL;
}

/* The cached answer when it was made on this kernel for this directory
 * and what it relies on is still there. */
static bool
read_cache(const char *runroot, const char *kernel, const char *probe_parent, struct overlay_choice *out)
{
  cleanup_free char *path = xasprintf("%s/%s", runroot, CACHE_NAME);
  cleanup_free char *text = NULL;
  if (read_file_at(AT_FDCWD, path, &text, NULL, 4096, NULL) < 0)
    return false;
  /* Each lookup cuts lines; parse from fresh copies. */
  const char *keys[] = { "mode", "kernel", "probe-dir", "native-error", "fuse-error" };
  char *values[ARRAY_SIZE(keys)];
  for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
    {
      cleanup_free char *copy = xstrdup(text);
      const char *v = cache_value(copy, keys[i]);
      values[i] = v ? xstrdup(v) : NULL;
    }
  bool ok = values[0] && values[1] && values[2] && strcmp(values[1], kernel) == 0
            && strcmp(values[2], probe_parent) == 0 && overlay_mode_parse(values[0], &out->mode) == 0;
  if (ok)
    {
      snprintf(out->native_error, sizeof out->native_error, "%s", values[3] ? values[3] : "");
      snprintf(out->fuse_error, sizeof out->fuse_error, "%s", values[4] ? values[4] : "");
      snprintf(out->source, sizeof out->source, "cached in %s", path);
      /* Not stale: fuse still there for fuse; fuse still missing for copy. */
      char why[256];
      if (out->mode == OVERLAY_FUSE && !fuse_usable(why, sizeof why))
        ok = false;
      if (out->mode == OVERLAY_COPY && fuse_usable(why, sizeof why))
        ok = false;
    }
  for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
    free(values[i]);
  return ok;
}

/* The cached answer, else a probe (cached then). */
static int
choose_probed(const char *runroot, const char *probe_parent, struct overlay_choice *out, ctool_error_t *err)
{
  struct utsname u;
  uname(&u);
  if (read_cache(runroot, u.release, probe_parent, out))
    return 0;

  memset(out, 0, sizeof *out);
  snprintf(out->source, sizeof out->source, "probed");
  if (probe_native(probe_parent, out->native_error, sizeof out->native_error, err) < 0)
    return -1;
  if (out->native_error[0] == '\0')
    out->mode = OVERLAY_NATIVE;
  else if (fuse_usable(out->fuse_error, sizeof out->fuse_error))
    out->mode = OVERLAY_FUSE;
  else
    {
      out->mode = OVERLAY_COPY;
      log_warn("neither native overlay (%s) nor fuse-overlayfs (%s) can be used: containers get a copy of "
               "their image, which is slow",
               out->native_error, out->fuse_error);
    }
  log_debug("overlay mode: %s (native: %s; fuse: %s)", overlay_mode_name(out->mode),
            out->native_error[0] ? out->native_error : "works", out->fuse_error[0] ? out->fuse_error : "-");

  cleanup_free char *text = cache_text(out, u.release, probe_parent);
  cleanup_free char *path = xasprintf("%s/%s", runroot, CACHE_NAME);
  ctool_error_t cache_err = NULL;
  if (mkdir_p(runroot, 0700, &cache_err) < 0
      || write_file_atomic_at(AT_FDCWD, path, text, strlen(text), 0600, false, &cache_err) < 0)
    {
      log_debug("cannot cache the overlay mode: %s", cache_err->msg);
      ctool_error_free(&cache_err);
    }
  return 0;
}

int
overlay_mode_choose(const char *runroot, const char *probe_parent, struct overlay_choice *out, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  const char *forced = getenv("CTOOL_OVERLAY_MODE");
  if (forced && *forced)
    {
      if (overlay_mode_parse(forced, &out->mode) < 0)
        return ctool_error_set(err, 0, "CTOOL_OVERLAY_MODE='%s' is not one of native, fuse, copy", forced);
      snprintf(out->source, sizeof out->source, "CTOOL_OVERLAY_MODE");
      return 0;
    }
  return choose_probed(runroot, probe_parent, out, err);
}

/* Why fuse-overlayfs cannot serve a store at STORE, and the fix; false
 * when it can. */
static bool
fuse_unusable_for(const char *store, char *why, size_t why_len, char *fix, size_t fix_len)
{
  if (!fuse_usable(why, why_len))
    {
      cleanup_free char *prog = find_program("fuse-overlayfs");
      snprintf(fix, fix_len, "%s", prog ? "sudo chmod 0666 /dev/fuse" : "sudo apt-get install fuse-overlayfs");
      return true;
    }
  if (strpbrk(store, ",:"))
    {
      snprintf(why, why_len, "fuse-overlayfs cannot use the store %s: its path holds ',' or ':'", store);
      snprintf(fix, fix_len, "use a --root (or storage.root) without ',' and ':'");
      return true;
    }
  return false;
}

int
overlay_mode_resolve(const char *runroot, const char *probe_parent, const char *wanted, const char *origin,
                     struct overlay_choice *out, ctool_error_t *err)
{
  const char *env = getenv("CTOOL_OVERLAY_MODE");
  if ((env && *env) || wanted == NULL || strcmp(wanted, "auto") == 0)
    return overlay_mode_choose(runroot, probe_parent, out, err);
  memset(out, 0, sizeof *out);
  if (overlay_mode_parse(wanted, &out->mode) < 0)
    return ctool_error_set(err, 0, "%s: storage.overlay_mode: '%s' is not one of auto, native, fuse, copy", origin,
                           wanted);
  char why[256] = "", fix[256] = "";
  if (out->mode == OVERLAY_NATIVE)
    {
      struct overlay_choice probed;
      if (choose_probed(runroot, probe_parent, &probed, err) < 0)
        return -1;
      snprintf(why, sizeof why, "%s", probed.native_error);
      snprintf(out->fuse_error, sizeof out->fuse_error, "%s", probed.fuse_error);
    }
  else if (out->mode == OVERLAY_FUSE && fuse_unusable_for(probe_parent, why, sizeof why, fix, sizeof fix))
    snprintf(out->fuse_error, sizeof out->fuse_error, "%s", why);
  if (why[0])
    return ctool_error_set(err, 0, "storage.overlay_mode = \"%s\" (%s) cannot be used: %s%s; %s%sset "
                                   "overlay_mode = \"auto\" there to use what works on this host",
                           wanted, origin, out->mode == OVERLAY_NATIVE ? "native overlay does not work here: " : "",
                           why, fix, fix[0] ? ", or " : "");
  snprintf(out->source, sizeof out->source, "storage.overlay_mode in %s", origin);
  return 0;
}

int
overlay_mode_detect(const char *runroot, enum overlay_mode *out, ctool_error_t *err)
{
  struct overlay_choice c;
  if (overlay_mode_choose(runroot, runroot, &c, err) < 0)
    return -1;
  *out = c.mode;
  return 0;
}
