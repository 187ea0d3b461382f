/* Layer extraction (see layer.h). Two libarchive readers in a row: the
 * outer one only decompresses (raw format, any filter) and its bytes are
 * hashed into the diff ID and counted against the size limit; the inner one
 * parses the tar from those bytes (no filters: no nested bombs). Every
 * entry is created relative to a directory fd opened with safe_openat()
 * inside the layer. Callers set umask(0): modes are created as they are. */
#include "layer.h"
#include "fsutil.h"
#include "quote.h"
#include "util.h"

#include <archive.h>
#include <archive_entry.h>
#ifdef HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#define WHITEOUT_PREFIX ".wh."
#define OPAQUE_MARKER ".wh..wh..opq"
#define OPAQUE_XATTR "user.overlay.opaque"
#define READ_BLOCK (1u << 20)

void
layer_limits_default(struct layer_limits *out)
{
  out->max_bytes = 32ull << 30;
  out->max_files = 4u << 20;
  unsigned long long v;
  const char *e = getenv("CTOOL_LAYER_MAX_BYTES");
  if (e && str_to_u64(e, &v))
    out->max_bytes = v;
  e = getenv("CTOOL_LAYER_MAX_FILES");
  if (e && str_to_u64(e, &v))
    out->max_files = v;
}

char *
layer_clean_path(const char *name)
{
  size_t len = strlen(name);
  char *out = xmalloc(len + 1);
  size_t o = 0;
  const char *p = name;
  while (*p)
    {
      while (*p == '/')
        p++;
      const char *end = strchrnul(p, '/');
      size_t n = (size_t) (end - p);
      if (n == 2 && p[0] == '.' && p[1] == '.')
        {
          free(out);
          errno = EINVAL;
          return NULL;
        }
      if (n > 0 && !(n == 1 && p[0] == '.'))
        {
          if (o > 0)
            out[o++] = '/';
          memcpy(out + o, p, n);
          o += n;
        }
      p = end;
    }
  out[o] = '\0';
  return out;
}

struct dir_fixup {
  char *path;
  mode_t mode;
  struct timespec times[2];
};

struct extractor {
  int rootfd;
  unsigned flags;
  struct layer_limits limits;
  struct layer_stats *stats;
  uid_t my_uid;
  gid_t my_gid;
  /* The last parent directory opened, reused while entries stay in it. */
  char *cached_dir;
  int cached_fd;
  /* Directory modes and times are set at the end: creating children
   * changes a directory's mtime, and a mode without u+w would stop them. */
  struct dir_fixup *dirs;
  size_t n_dirs, cap_dirs;
  /* The decompressing reader and the hash of what it produced: ISA-L's
   * igzip for gzip when built with it (several times faster than zlib),
   * else libarchive's filters. */
  struct archive *outer;
#ifdef HAVE_ISAL
  struct inflate_state *igz;
  int blob_fd;
  unsigned char *in_buf, *out_buf;
  bool in_eof;
#endif
  EVP_MD_CTX *md;
  uint64_t raw_bytes;
  uint64_t apparent_bytes;
  char *limit_msg;    /* the size limit was hit */
  char *source_msg;   /* the compressed stream is bad */
};

/* ---------- the stream ---------- */

#ifdef HAVE_ISAL
/* The next block of inflated bytes: 1 with *SIZE set (0 at the end), or -1
 * with a message in X->source_msg. Concatenated gzip members are one
 * stream, as gzip -d reads them. */
static int
igzip_block(struct extractor *x, const void **buf, size_t *size)
{
  struct inflate_state *st = x->igz;
  *size = 0;
  for (;;)
    {
      if (st->avail_in == 0 && !x->in_eof)
        {
          ssize_t n = read(x->blob_fd, x->in_buf, READ_BLOCK);
          if (n < 0 && errno == EINTR)
            continue;
          if (n < 0)
            {
              x->source_msg = xasprintf("read the layer blob: %s", strerror(errno));
              return -1;
            }
          x->in_eof = n == 0;
          st->next_in = x->in_buf;
          st->avail_in = (uint32_t) n;
        }
      if (st->block_state == ISAL_BLOCK_FINISH)
        {
          /* A member ended: the stream too, or another member follows. */
          if (st->avail_in == 0 && x->in_eof)
            return 1;
          if (st->avail_in == 0)
            continue;
          uint32_t left = st->avail_in;
          uint8_t *next = st->next_in;
          isal_inflate_reset(st);
          st->crc_flag = ISAL_GZIP;
          st->next_in = next;
          st->avail_in = left;
        }
      st->next_out = x->out_buf;
      st->avail_out = READ_BLOCK;
      int r = isal_inflate(st);
      if (r != ISAL_DECOMP_OK)
        {
          x->source_msg = xasprintf("corrupt gzip stream in the layer (igzip error %d)", r);
          return -1;
        }
      *size = READ_BLOCK - st->avail_out;
      if (*size > 0)
        {
          *buf = x->out_buf;
          return 1;
        }
      if (st->block_state != ISAL_BLOCK_FINISH && st->avail_in == 0 && x->in_eof)
        {
          x->source_msg = xstrdup("the layer's gzip stream is truncated");
          return -1;
        }
    }
}
#endif

/* The next block of the uncompressed stream from whichever decompressor. */
static int
source_block(struct extractor *x, const void **buf, size_t *size, const char **errmsg)
{
#ifdef HAVE_ISAL
  if (x->igz)
    {
      int r = igzip_block(x, buf, size);
      *errmsg = x->source_msg;
      return r < 0 ? -1 : (*size == 0 ? 0 : 1);
    }
#endif
  la_int64_t off;
  int r = archive_read_data_block(x->outer, buf, size, &off);
  if (r == ARCHIVE_EOF)
    return 0;
  if (r < ARCHIVE_WARN)
    {
      *errmsg = archive_error_string(x->outer) ?: "cannot decompress the layer";
      return -1;
    }
  return 1;
}

static la_ssize_t
inner_read(struct archive *a, void *data, const void **buf)
{
  struct extractor *x = data;
  size_t size = 0;
  const char *msg = NULL;
  int r = source_block(x, buf, &size, &msg);
  if (r == 0)
    return 0;
  if (r < 0)
    {
      archive_set_error(a, EIO, "%s", msg);
      return -1;
    }
  EVP_DigestUpdate(x->md, *buf, size);
  x->raw_bytes += size;
  if (x->raw_bytes > x->limits.max_bytes)
    {
      x->limit_msg = xasprintf("the layer unpacks to more than %llu bytes (raise CTOOL_LAYER_MAX_BYTES if it is genuine)",
                               (unsigned long long) x->limits.max_bytes);
      archive_set_error(a, EFBIG, "%s", x->limit_msg);
      return -1;
    }
  return (la_ssize_t) size;
}

/* Hash what follows the tar's end marker (padding is part of the diff ID). */
static int
drain_outer(struct extractor *x, ctool_error_t *err)
{
  const void *buf;
  size_t size;
  for (;;)
    {
      const char *msg = NULL;
      int r = source_block(x, &buf, &size, &msg);
      if (r == 0)
        return 0;
      if (r < 0)
        return ctool_error_set(err, 0, "decompress layer: %s", msg ?: "error");
      EVP_DigestUpdate(x->md, buf, size);
      x->raw_bytes += size;
      if (x->raw_bytes > x->limits.max_bytes)
        return ctool_error_set(err, EFBIG, "the layer unpacks to more than %llu bytes",
                               (unsigned long long) x->limits.max_bytes);
    }
}

/* ---------- paths ---------- */

static void
invalidate_cache(struct extractor *x)
{
  if (x->cached_fd >= 0)
    close(x->cached_fd);
  x->cached_fd = -1;
  free(x->cached_dir);
  x->cached_dir = NULL;
}

/* A removed or replaced PATH may be (a prefix of) the cached directory. */
static void
forget_path(struct extractor *x, const char *path)
{
  if (x->cached_dir == NULL)
    return;
  size_t n = strlen(path);
  if (strncmp(x->cached_dir, path, n) == 0 && (x->cached_dir[n] == '\0' || x->cached_dir[n] == '/'))
    invalidate_cache(x);
}

/* Tar files may omit parent directories: make them, one component at a
 * time, each resolved inside the layer. */
static int
make_parents(struct extractor *x, const char *dir)
{
  cleanup_free char *prefix = xstrdup(dir);
  for (char *s = prefix;; s++)
    {
      if (*s != '/' && *s != '\0')
        continue;
      char saved = *s;
      *s = '\0';
      int fd = safe_openat(x->rootfd, prefix, O_PATH | O_DIRECTORY, 0);
      if (fd < 0 && errno == ENOENT)
        {
          char *slash = strrchr(prefix, '/');
          cleanup_free char *parent = slash ? xstrndup(prefix, (size_t) (slash - prefix)) : xstrdup(".");
          const char *base = slash ? slash + 1 : prefix;
          cleanup_close int pfd = safe_openat(x->rootfd, parent, O_PATH | O_DIRECTORY, 0);
          if (pfd < 0 || (mkdirat(pfd, base, 0755) < 0 && errno != EEXIST))
            return -1;
        }
      else if (fd < 0)
        return -1;
      if (fd >= 0)
        close(fd);
      *s = saved;
      if (saved == '\0')
        return 0;
    }
}

static int
parent_fd(struct extractor *x, const char *dir)
{
  if (x->cached_dir && strcmp(x->cached_dir, dir) == 0)
    return x->cached_fd;
  invalidate_cache(x);
  const char *p = dir[0] ? dir : ".";
  int fd = safe_openat(x->rootfd, p, O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0 && errno == ENOENT && make_parents(x, dir) == 0)
    fd = safe_openat(x->rootfd, p, O_RDONLY | O_DIRECTORY, 0);
  if (fd < 0)
    return -1;
  x->cached_fd = fd;
  x->cached_dir = xstrdup(dir);
  return fd;
}

/* Remove whatever is at NAME (a file, a link, a whole directory). */
static int
remove_existing(struct extractor *x, int pfd, const char *path, const char *name, ctool_error_t *err)
{
  forget_path(x, path);
  if (rm_rf_at(pfd, name, err) < 0)
    return ctool_error_prefix(err, "replace %s", path);
  return 0;
}

/* ---------- metadata ---------- */

static bool
chown_needed(struct extractor *x, struct archive_entry *e)
{
  if (x->flags & LAYER_IGNORE_OWNERS)
    return false;
  return (uid_t) archive_entry_uid(e) != x->my_uid || (gid_t) archive_entry_gid(e) != x->my_gid;
}

static int
chown_error(const char *path, struct archive_entry *e, int errnum, ctool_error_t *err)
{
  if (errnum == EINVAL)
    return ctool_error_set(err, 0,
                           "%s is owned by %lld:%lld, which the user namespace does not map: the user needs more "
                           "subordinate IDs in /etc/subuid and /etc/subgid",
                           path, (long long) archive_entry_uid(e), (long long) archive_entry_gid(e));
  return ctool_error_set(err, errnum, "chown %s", path);
}

static void
entry_times(struct archive_entry *e, struct timespec ts[2])
{
  ts[1].tv_sec = archive_entry_mtime(e);
  ts[1].tv_nsec = archive_entry_mtime_nsec(e);
  if (archive_entry_atime_is_set(e))
    {
      ts[0].tv_sec = archive_entry_atime(e);
      ts[0].tv_nsec = archive_entry_atime_nsec(e);
    }
  else
    ts[0] = ts[1];
}

static bool
xattr_allowed(const char *name)
{
  /* Overlay (native and fuse) reads these: an image must not set them. */
  return !str_has_prefix(name, "trusted.") && !str_has_prefix(name, "user.overlay.")
         && !str_has_prefix(name, "user.fuseoverlayfs.") && !str_has_prefix(name, "security.selinux");
}

static void
apply_xattrs(int fd, const char *path, struct archive_entry *e)
{
  if (archive_entry_xattr_reset(e) == 0)
    return;
  const char *name;
  const void *value;
  size_t size;
  while (archive_entry_xattr_next(e, &name, &value, &size) == ARCHIVE_OK)
    {
      if (!xattr_allowed(name))
        {
          quote_log(LOG_LVL_DEBUG, "%s: xattr %s dropped", path, name);
          continue;
        }
      if (fsetxattr(fd, name, value, size, 0) < 0)
        quote_log(LOG_LVL_DEBUG, "%s: cannot set xattr %s: %s", path, name, strerror(errno));
    }
}

/* ---------- entries ---------- */

static const char *
entry_name(struct archive_entry *e)
{
  return archive_entry_pathname_utf8(e) ?: archive_entry_pathname(e);
}

static int
write_contents(struct extractor *x, struct archive *in, int fd, const char *path, struct archive_entry *e,
               ctool_error_t *err)
{
  const void *buf;
  size_t size;
  la_int64_t off;
  int64_t declared = archive_entry_size(e);
  x->apparent_bytes += declared > 0 ? (uint64_t) declared : 0;
  if (x->apparent_bytes > x->limits.max_bytes)
    return ctool_error_set(err, EFBIG, "%s: the layer's files add up to more than %llu bytes (raise CTOOL_LAYER_MAX_BYTES if it is genuine)", path,
                           (unsigned long long) x->limits.max_bytes);
  int64_t end = 0;
  for (;;)
    {
      int r = archive_read_data_block(in, &buf, &size, &off);
      if (r == ARCHIVE_EOF)
        break;
      if (r < ARCHIVE_WARN)
        return ctool_error_set(err, 0, "%s: %s", path, archive_error_string(in) ?: "read error");
      const char *p = buf;
      while (size > 0)
        {
          ssize_t w = pwrite(fd, p, size, off);
          if (w < 0 && errno == EINTR)
            continue;
          if (w < 0)
            return ctool_error_set(err, errno, "write %s", path);
          p += w;
          off += w;
          size -= (size_t) w;
        }
      end = off;
    }
  /* A sparse tail. */
  if (declared > end && ftruncate(fd, declared) < 0)
    return ctool_error_set(err, errno, "truncate %s", path);
  x->stats->size += declared > 0 ? (uint64_t) declared : 0;
  return 0;
}

static int
extract_file(struct extractor *x, struct archive *in, int pfd, const char *path, const char *base,
             struct archive_entry *e, ctool_error_t *err)
{
  mode_t mode = archive_entry_perm(e) & 07777;
  bool do_chown = chown_needed(x, e);
  /* chown and writes clear setuid/setgid: create without, chmod after. */
  mode_t create_mode = mode & ~(mode_t) 06000;
  cleanup_close int fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, create_mode);
  if (fd < 0 && errno == EEXIST)
    {
      if (remove_existing(x, pfd, path, base, err) < 0)
        return -1;
      fd = openat(pfd, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, create_mode);
    }
  if (fd < 0)
    return ctool_error_set(err, errno, "create %s", path);
  if (write_contents(x, in, fd, path, e, err) < 0)
    return -1;
  if (do_chown && fchown(fd, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e)) < 0)
    return chown_error(path, e, errno, err);
  if (create_mode != mode && fchmod(fd, mode) < 0)
    return ctool_error_set(err, errno, "chmod %s", path);
  apply_xattrs(fd, path, e);
  struct timespec ts[2];
  entry_times(e, ts);
  if (futimens(fd, ts) < 0)
    return ctool_error_set(err, errno, "set times of %s", path);
  return 0;
}

static int
extract_dir(struct extractor *x, int pfd, const char *path, const char *base, struct archive_entry *e,
            ctool_error_t *err)
{
  mode_t mode = archive_entry_perm(e) & 07777;
  if (mkdirat(pfd, base, (mode | 0700) & 01777) < 0)
    {
      if (errno != EEXIST)
        return ctool_error_set(err, errno, "mkdir %s", path);
      struct stat st;
      if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) < 0)
        return ctool_error_set(err, errno, "stat %s", path);
      if (!S_ISDIR(st.st_mode))
        {
          if (remove_existing(x, pfd, path, base, err) < 0)
            return -1;
          if (mkdirat(pfd, base, (mode | 0700) & 01777) < 0)
            return ctool_error_set(err, errno, "mkdir %s", path);
        }
    }
  if (chown_needed(x, e)
      && fchownat(pfd, base, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
    return chown_error(path, e, errno, err);
  if (archive_entry_xattr_count(e) > 0)
    {
      cleanup_close int fd = openat(pfd, base, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (fd >= 0)
        apply_xattrs(fd, path, e);
    }
  if (x->n_dirs == x->cap_dirs)
    {
      x->cap_dirs = x->cap_dirs ? 2 * x->cap_dirs : 256;
      x->dirs = xrealloc(x->dirs, x->cap_dirs * sizeof *x->dirs);
    }
  struct dir_fixup *d = &x->dirs[x->n_dirs++];
  d->path = xstrdup(path);
  d->mode = mode;
  entry_times(e, d->times);
  return 0;
}

static int
extract_symlink(struct extractor *x, int pfd, const char *path, const char *base, struct archive_entry *e,
                ctool_error_t *err)
{
  const char *target = archive_entry_symlink_utf8(e) ?: archive_entry_symlink(e);
  if (target == NULL)
    return ctool_error_set(err, 0, "%s: symlink without a target", path);
  forget_path(x, path);
  if (symlinkat(target, pfd, base) < 0)
    {
      if (errno != EEXIST || remove_existing(x, pfd, path, base, err) < 0 || symlinkat(target, pfd, base) < 0)
        return ctool_error_set(err, errno, "symlink %s", path);
    }
  if (chown_needed(x, e)
      && fchownat(pfd, base, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
    return chown_error(path, e, errno, err);
  struct timespec ts[2];
  entry_times(e, ts);
  if (utimensat(pfd, base, ts, AT_SYMLINK_NOFOLLOW) < 0)
    quote_log(LOG_LVL_DEBUG, "set times of %s: %s", path, strerror(errno));
  return 0;
}

static int
extract_hardlink(struct extractor *x, int pfd, const char *path, const char *base, const char *link,
                 ctool_error_t *err)
{
  cleanup_free char *target = layer_clean_path(link);
  if (target == NULL || target[0] == '\0')
    return ctool_error_set(err, 0, "refusing hardlink %s -> %s: the target leaves the layer", path, link);
  char *slash = strrchr(target, '/');
  cleanup_free char *tdir = slash ? xstrndup(target, (size_t) (slash - target)) : xstrdup(".");
  const char *tbase = slash ? slash + 1 : target;
  cleanup_close int tfd = safe_openat(x->rootfd, tdir, O_PATH | O_DIRECTORY, 0);
  struct stat st;
  /* Only to something this layer already made (not a directory). */
  if (tfd < 0 || fstatat(tfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0)
    return ctool_error_set(err, 0, "refusing hardlink %s -> %s: the target is not in this layer", path, link);
  if (S_ISDIR(st.st_mode))
    return ctool_error_set(err, 0, "refusing hardlink %s -> %s: the target is a directory", path, link);
  if (linkat(tfd, tbase, pfd, base, 0) < 0)
    {
      if (errno != EEXIST || remove_existing(x, pfd, path, base, err) < 0 || linkat(tfd, tbase, pfd, base, 0) < 0)
        return ctool_error_set(err, errno, "hardlink %s -> %s", path, link);
    }
  return 0;
}

static int
extract_whiteout(struct extractor *x, int pfd, const char *dir, const char *base, ctool_error_t *err)
{
  if (strcmp(base, OPAQUE_MARKER) == 0)
    {
      if (fsetxattr(pfd, OPAQUE_XATTR, "y", 1, 0) < 0)
        return ctool_error_set(err, errno, "mark %s/ opaque (xattr %s)", dir[0] ? dir : ".", OPAQUE_XATTR);
      return 0;
    }
  const char *name = base + strlen(WHITEOUT_PREFIX);
  if (name[0] == '\0' || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
    return ctool_error_set(err, 0, "invalid whiteout %s/%s", dir, base);
  cleanup_free char *path = dir[0] ? xasprintf("%s/%s", dir, name) : xstrdup(name);
  if (remove_existing(x, pfd, path, name, err) < 0)
    return -1;
  /* Overlay's whiteout: a character device 0/0 (unprivileged in a user
   * namespace since Linux 5.8). */
  if (mknodat(pfd, name, S_IFCHR | 0, makedev(0, 0)) < 0)
    return ctool_error_set(err, errno, "create whiteout %s", path);
  return 0;
}

static int
extract_entry(struct extractor *x, struct archive *in, struct archive_entry *e, ctool_error_t *err)
{
  const char *raw = entry_name(e);
  if (raw == NULL)
    return ctool_error_set(err, 0, "a layer entry has no name");
  cleanup_free char *path = layer_clean_path(raw);
  if (path == NULL)
    return ctool_error_set(err, 0, "refusing layer entry '%s': its path contains '..'", raw);
  if (path[0] == '\0')
    return 0; /* the layer root itself: the store owns its metadata */
  if (raw[0] == '/')
    quote_log(LOG_LVL_DEBUG, "layer entry '%s' taken as relative to the layer", raw);
  char *slash = strrchr(path, '/');
  cleanup_free char *dir = slash ? xstrndup(path, (size_t) (slash - path)) : xstrdup("");
  const char *base = slash ? slash + 1 : path;

  int pfd = parent_fd(x, dir);
  if (pfd < 0)
    return ctool_error_set(err, errno, "open the directory of %s", path);

  if (str_has_prefix(base, WHITEOUT_PREFIX))
    return extract_whiteout(x, pfd, dir, base, err);

  const char *link = archive_entry_hardlink_utf8(e) ?: archive_entry_hardlink(e);
  if (link)
    return extract_hardlink(x, pfd, path, base, link, err);

  switch (archive_entry_filetype(e))
    {
    case AE_IFREG:
      return extract_file(x, in, pfd, path, base, e, err);
    case AE_IFDIR:
      return extract_dir(x, pfd, path, base, e, err);
    case AE_IFLNK:
      return extract_symlink(x, pfd, path, base, e, err);
    case AE_IFIFO:
      forget_path(x, path);
      if (mkfifoat(pfd, base, archive_entry_perm(e) & 0777) < 0
          && (errno != EEXIST || remove_existing(x, pfd, path, base, err) < 0
              || mkfifoat(pfd, base, archive_entry_perm(e) & 0777) < 0))
        return ctool_error_set(err, errno, "mkfifo %s", path);
      if (chown_needed(x, e)
          && fchownat(pfd, base, (uid_t) archive_entry_uid(e), (gid_t) archive_entry_gid(e), AT_SYMLINK_NOFOLLOW) < 0)
        return chown_error(path, e, errno, err);
      return 0;
    default:
      quote_log(LOG_LVL_DEBUG, "skipping %s: device nodes and sockets cannot be created rootless", path);
      x->stats->files--;
      return 0;
    }
}

/* Directory modes and times, last. */
static int
finish_dirs(struct extractor *x, ctool_error_t *err)
{
  invalidate_cache(x);
  for (size_t i = x->n_dirs; i-- > 0;)
    {
      struct dir_fixup *d = &x->dirs[i];
      cleanup_close int fd = safe_openat(x->rootfd, d->path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW, 0);
      if (fd < 0)
        {
          /* Replaced by a later entry (a file, a symlink, a whiteout). */
          if (errno == ENOTDIR || errno == ELOOP || errno == ENOENT)
            continue;
          return ctool_error_set(err, errno, "open %s", d->path);
        }
      struct stat st;
      if (fstat(fd, &st) < 0)
        return ctool_error_set(err, errno, "stat %s", d->path);
      if ((st.st_mode & 07777) != d->mode && fchmod(fd, d->mode) < 0)
        return ctool_error_set(err, errno, "chmod %s", d->path);
      if (futimens(fd, d->times) < 0)
        return ctool_error_set(err, errno, "set times of %s", d->path);
    }
  return 0;
}

static void
extractor_clear(struct extractor *x)
{
  invalidate_cache(x);
  for (size_t i = 0; i < x->n_dirs; i++)
    free(x->dirs[i].path);
  free(x->dirs);
  if (x->outer)
    archive_read_free(x->outer);
#ifdef HAVE_ISAL
  free(x->igz);
  free(x->in_buf);
  free(x->out_buf);
#endif
  EVP_MD_CTX_free(x->md);
  free(x->limit_msg);
  free(x->source_msg);
}

static int
run_entries(struct extractor *x, struct archive *in, ctool_error_t *err)
{
  struct archive_entry *e;
  for (;;)
    {
      int r = archive_read_next_header(in, &e);
      if (r == ARCHIVE_EOF)
        return 0;
      if (r < ARCHIVE_WARN)
        {
          if (x->limit_msg)
            return ctool_error_set(err, 0, "%s", x->limit_msg);
          if (x->source_msg)
            return ctool_error_set(err, 0, "read layer: %s", x->source_msg);
          return ctool_error_set(err, 0, "read layer: %s", archive_error_string(in) ?: "invalid tar stream");
        }
      if (r == ARCHIVE_WARN)
        quote_log(LOG_LVL_DEBUG, "layer: %s", archive_error_string(in));
      if (++x->stats->files > x->limits.max_files)
        return ctool_error_set(err, 0, "the layer has more than %llu entries (raise CTOOL_LAYER_MAX_FILES if it is genuine)",
                               (unsigned long long) x->limits.max_files);
      if (extract_entry(x, in, e, err) < 0)
        return -1;
    }
}

int
layer_extract_fd(int blob_fd, int target_dirfd, const char *expected_diff_id, const struct layer_limits *limits,
                 unsigned flags, struct layer_stats *stats, ctool_error_t *err)
{
  struct extractor x = {
    .rootfd = target_dirfd,
    .flags = flags,
    .stats = stats,
    .my_uid = geteuid(),
    .my_gid = getegid(),
    .cached_fd = -1,
  };
  memset(stats, 0, sizeof *stats);
  if (limits)
    x.limits = *limits;
  else
    layer_limits_default(&x.limits);
  x.md = EVP_MD_CTX_new();
  if (x.md == NULL || EVP_DigestInit_ex(x.md, EVP_sha256(), NULL) != 1)
    {
      extractor_clear(&x);
      return ctool_error_set(err, 0, "cannot initialise sha256");
    }
  int ret = -1;
  struct archive *in = NULL;
  struct archive_entry *raw_entry;
#ifdef HAVE_ISAL
  unsigned char magic[2];
  off_t start = lseek(blob_fd, 0, SEEK_CUR);
  if (start >= 0 && pread(blob_fd, magic, 2, start) == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
    {
      x.igz = xzalloc(sizeof *x.igz);
      isal_inflate_init(x.igz);
      x.igz->crc_flag = ISAL_GZIP;
      x.blob_fd = blob_fd;
      x.in_buf = xmalloc(READ_BLOCK);
      x.out_buf = xmalloc(READ_BLOCK);
      goto open_inner;
    }
#endif
  x.outer = archive_read_new();
  archive_read_support_filter_gzip(x.outer);
  archive_read_support_filter_zstd(x.outer);
  archive_read_support_filter_none(x.outer);
  archive_read_support_format_raw(x.outer);
  if (archive_read_open_fd(x.outer, blob_fd, READ_BLOCK) != ARCHIVE_OK
      || archive_read_next_header(x.outer, &raw_entry) != ARCHIVE_OK)
    {
      /* An empty blob is an empty layer only if it is a valid empty tar. */
      ctool_error_set(err, 0, "open layer: %s", archive_error_string(x.outer) ?: "unreadable or empty stream");
      goto out;
    }
#ifdef HAVE_ISAL
open_inner:
#endif
  in = archive_read_new();
  archive_read_support_format_tar(in);
  archive_read_support_format_gnutar(in);
  if (archive_read_open(in, &x, NULL, inner_read, NULL) != ARCHIVE_OK)
    {
      ctool_error_set(err, 0, "read layer: %s", x.limit_msg ?: archive_error_string(in) ?: "not a tar stream");
      goto out;
    }
  if (run_entries(&x, in, err) < 0 || finish_dirs(&x, err) < 0 || drain_outer(&x, err) < 0)
    goto out;
  /* In a block of its own, so that no goto above skips these initializations. */
  {
    unsigned char raw[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    static const char hex[] = "0123456789abcdef";
    EVP_DigestFinal_ex(x.md, raw, &n);
    strcpy(stats->diff_id, "sha256:");
    for (unsigned i = 0; i < n; i++)
      {
        stats->diff_id[7 + 2 * i] = hex[raw[i] >> 4];
        stats->diff_id[8 + 2 * i] = hex[raw[i] & 0xf];
      }
    stats->diff_id[7 + 2 * n] = '\0';
  }
  if (expected_diff_id && strcmp(expected_diff_id, stats->diff_id) != 0)
    {
      ctool_error_set(err, 0, "layer content does not match the image config: diff ID %s expected, %s found",
                      expected_diff_id, stats->diff_id);
      goto out;
    }
  ret = 0;
out:
  /* Messages repeat entry names and link targets from the tar: one
   * printable line (no terminal escapes from a hostile layer). */
  if (ret < 0)
    quote_error_message(err);
  if (in)
    archive_read_free(in);
  extractor_clear(&x);
  return ret;
}

int
layer_extract(const char *blob_path, const char *target_dir, const char *expected_diff_id,
              const struct layer_limits *limits, unsigned flags, struct layer_stats *stats, ctool_error_t *err)
{
  cleanup_close int bfd = open(blob_path, O_RDONLY | O_CLOEXEC);
  if (bfd < 0)
    return ctool_error_set(err, errno, "open layer blob %s", blob_path);
  cleanup_close int dfd = open(target_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return ctool_error_set(err, errno, "open %s", target_dir);
  if (layer_extract_fd(bfd, dfd, expected_diff_id, limits, flags, stats, err) < 0)
    return ctool_error_prefix(err, "extract %s", blob_path);
  return 0;
}
