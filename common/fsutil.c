#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

bool safe_openat_no_openat2 = false;

int
read_file_at(int dirfd, const char *path, char **out, size_t *len, size_t max_len, ctool_error_t *err)
{
  cleanup_close int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ctool_error_set(err, errno, "open %s", path);
  if (max_len == 0)
    max_len = 64u << 20;
  size_t cap = 4096, n = 0;
  cleanup_free char *buf = xmalloc(cap + 1);
  for (;;)
    {
      if (n == cap)
        {
          if (cap >= max_len)
            return ctool_error_set(err, 0, "read %s: larger than %zu bytes", path, max_len);
          cap *= 2;
          buf = xrealloc(buf, cap + 1);
        }
      ssize_t r = read(fd, buf + n, cap - n);
      if (r < 0 && errno == EINTR)
        continue;
      if (r < 0)
        return ctool_error_set(err, errno, "read %s", path);
      if (r == 0)
        break;
      n += (size_t) r;
    }
  if (n > max_len)
    return ctool_error_set(err, 0, "read %s: larger than %zu bytes", path, max_len);
  buf[n] = '\0';
  if (len)
    *len = n;
  *out = steal_pointer(&buf);
  return 0;
}

int
write_all(int fd, const void *data, size_t len)
{
  const char *p = data;
  while (len > 0)
    {
      ssize_t w = write(fd, p, len);
      if (w < 0 && errno == EINTR)
        continue;
      if (w < 0 && errno == EAGAIN)
        {
          struct pollfd pf = { .fd = fd, .events = POLLOUT };
          poll(&pf, 1, -1);
          continue;
        }
      if (w <= 0)
        {
          if (w == 0)
            errno = EIO;
          return -1;
        }
      p += w;
      len -= (size_t) w;
    }
  return 0;
}

int
write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                     bool do_fsync, ctool_error_t *err)
{
  char suffix[9];
  random_hex(suffix, 8);
  cleanup_free char *tmp = xasprintf("%s.tmp-%s", path, suffix);
  cleanup_close int fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0)
    return ctool_error_set(err, errno, "create %s", tmp);
  if (fchmod(fd, mode) < 0 || write_all(fd, data, len) < 0 || (do_fsync && fdatasync(fd) < 0))
    {
      int e = errno;
      unlinkat(dirfd, tmp, 0);
      return ctool_error_set(err, e, "write %s", path);
    }
  if (renameat(dirfd, tmp, dirfd, path) < 0)
    {
      int e = errno;
      unlinkat(dirfd, tmp, 0);
      return ctool_error_set(err, e, "rename %s", path);
    }
  return 0;
}

int
mkdir_p(const char *path, mode_t mode, ctool_error_t *err)
{
  cleanup_free char *p = xstrdup(path);
  for (char *s = p + 1; *s; s++)
    {
      if (*s != '/')
        continue;
      *s = '\0';
      if (mkdir(p, mode) < 0 && errno != EEXIST)
        return ctool_error_set(err, errno, "mkdir %s", p);
      *s = '/';
    }
  if (mkdir(p, mode) < 0 && errno != EEXIST)
    return ctool_error_set(err, errno, "mkdir %s", p);
  return 0;
}

size_t
read_fd_text(int fd, char *buf, size_t len, int *errnum)
{
  size_t got = 0;
  if (errnum)
    *errnum = 0;
  while (got + 1 < len)
    {
      ssize_t n = read(fd, buf + got, len - 1 - got);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errnum)
        *errnum = errno;
      if (n <= 0)
        break;
      got += (size_t) n;
    }
  buf[got] = '\0';
  return got;
}

DIR *
opendir_dup(int dirfd, const char *what, ctool_error_t *err)
{
  int fd = dup(dirfd);
  DIR *d = fd < 0 ? NULL : fdopendir(fd);
  if (d == NULL)
    {
      ctool_error_set(err, errno, "%s", what);
      if (fd >= 0)
        close(fd);
      return NULL;
    }
  rewinddir(d);
  return d;
}

static int
rm_rf_children(int dfd, ctool_error_t *err)
{
  cleanup_dir DIR *d = opendir_dup(dfd, "opendir", err);
  if (d == NULL)
    return -1;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      if (rm_rf_at(dfd, de->d_name, err) < 0)
        return -1;
    }
  return 0;
}

int
rm_rf_at(int dirfd, const char *name, ctool_error_t *err)
{
  if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
    return 0;
  if (errno != EISDIR && errno != EPERM)
    return ctool_error_set(err, errno, "remove %s", name);
  cleanup_close int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0)
    {
      if (errno == ENOENT)
        return 0;
      /* A directory we cannot read: make it ours to read, then retry. */
      if (errno == EACCES && fchmodat(dirfd, name, 0700, 0) == 0)
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        return ctool_error_set(err, errno, "open %s", name);
    }
  struct stat st;
  if (fstat(fd, &st) == 0 && (st.st_mode & 0700) != 0700)
    fchmod(fd, st.st_mode | 0700);
  if (rm_rf_children(fd, err) < 0)
    return ctool_error_prefix(err, "remove %s", name);
  if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT)
    return ctool_error_set(err, errno, "remove %s", name);
  return 0;
}

int
lock_fd(int fd, bool exclusive, ctool_error_t *err)
{
  while (flock(fd, exclusive ? LOCK_EX : LOCK_SH) < 0)
    if (errno != EINTR)
      return ctool_error_set(err, errno, "lock");
  return 0;
}

int
open_locked(const char *path, bool exclusive, ctool_error_t *err)
{
  cleanup_close int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return ctool_error_set(err, errno, "open lock %s", path);
  if (lock_fd(fd, exclusive, err) < 0)
    return ctool_error_prefix(err, "%s", path);
  return steal_fd(&fd);
}

/* The fallback walk: keep a stack of directory fds so ".." pops (and
 * never above the root), follow symlinks by splicing their target into the
 * remaining path, at most 40 times. */
static int
safe_openat_walk(int rootfd, const char *path, int flags, mode_t mode)
{
  enum { MAX_DEPTH = 256 };
  int stack[MAX_DEPTH];
  int depth = 0;
  int links = 0;
  int result = -1;
  char *rest = xstrdup(path);
  char *cur = rest;

  stack[0] = dup(rootfd);
  if (stack[0] < 0)
    {
      free(rest);
      return -1;
    }
  for (;;)
    {
      while (*cur == '/')
        cur++;
      if (*cur == '\0')
        {
          /* Path ends on a directory: reopen it with the caller's flags. */
          result = openat(stack[depth], ".", (flags & ~(O_CREAT | O_EXCL)) | O_CLOEXEC, mode);
          break;
        }
      char *slash = strchr(cur, '/');
      bool last = slash == NULL;
      if (slash)
        *slash = '\0';
      char *next = last ? cur + strlen(cur) : slash + 1;
      /* Skip trailing slashes: "a/b/" is still last. */
      if (!last)
        {
          char *t = next;
          while (*t == '/')
            t++;
          if (*t == '\0')
            last = true;
        }
      if (strcmp(cur, ".") == 0)
        {
          cur = next;
          if (last)
            cur = (char *) "";
          continue;
        }
      if (strcmp(cur, "..") == 0)
        {
          if (depth > 0)
            close(stack[depth--]);
          cur = last ? (char *) "" : next;
          continue;
        }
      char target[PATH_MAX];
      ssize_t tl = readlinkat(stack[depth], cur, target, sizeof target - 1);
      if (tl >= 0 && !(last && (flags & O_NOFOLLOW)))
        {
          if (++links > 40)
            {
              errno = ELOOP;
              break;
            }
          target[tl] = '\0';
          char *joined = xasprintf("%s/%s", target, last ? "" : next);
          free(rest);
          rest = cur = joined;
          if (target[0] == '/')
            while (depth > 0)
              close(stack[depth--]);
          continue;
        }
      if (last)
        {
          result = openat(stack[depth], cur, flags | O_NOFOLLOW | O_CLOEXEC, mode);
          break;
        }
      if (depth + 1 >= MAX_DEPTH)
        {
          errno = ENAMETOOLONG;
          break;
        }
      int fd = openat(stack[depth], cur, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd < 0)
        break;
      stack[++depth] = fd;
      cur = next;
    }
  int saved = errno;
  while (depth >= 0)
    close(stack[depth--]);
  free(rest);
  errno = saved;
  return result;
}

int
safe_openat(int rootfd, const char *path, int flags, mode_t mode)
{
  static bool kernel_lacks_openat2;
  if (!safe_openat_no_openat2 && !kernel_lacks_openat2)
    {
      struct open_how how = {
        .flags = (unsigned long long) (flags | O_CLOEXEC),
        .mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0,
        .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
      };
      long fd = syscall(SYS_openat2, rootfd, path, &how, sizeof how);
      if (fd >= 0)
        return (int) fd;
      if (errno != ENOSYS && errno != EPERM)
        return -1;
      kernel_lacks_openat2 = errno == ENOSYS;
    }
  return safe_openat_walk(rootfd, path, flags, mode);
}
