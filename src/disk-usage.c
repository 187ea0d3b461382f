/* Sizes of directory trees (see disk-usage.h). */
#include "disk-usage.h"
#include "userns.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <search.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct walk {
  dev_t dev;        /* the tree's file system */
  uint64_t bytes;
  bool incomplete;  /* a directory could not be read */
  void *seen;       /* tsearch tree of (dev, ino) of multiply linked files */
};

struct file_key {
  dev_t dev;
  ino_t ino;
};

static int
key_cmp(const void *a, const void *b)
{
  const struct file_key *x = a, *y = b;
  if (x->dev != y->dev)
    return x->dev < y->dev ? -1 : 1;
  if (x->ino != y->ino)
    return x->ino < y->ino ? -1 : 1;
  return 0;
}

/* True the first time a file with several links is seen. */
static bool
first_sight(struct walk *w, const struct stat *st)
{
  if (st->st_nlink < 2)
    return true;
  struct file_key *k = xmalloc(sizeof *k);
  k->dev = st->st_dev;
  k->ino = st->st_ino;
  struct file_key **found = tsearch(k, &w->seen, key_cmp);
  if (found == NULL)
    abort();
  if (*found != k)
    {
      free(k);
      return false;
    }
  return true;
}

static void
walk_dir(struct walk *w, int dirfd)
{
  DIR *d = fdopendir(dirfd);
  if (d == NULL)
    {
      close(dirfd);
      w->incomplete = true;
      return;
    }
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      struct stat st;
      if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
        {
          if (errno != ENOENT)
            w->incomplete = true;
          continue;
        }
      if (S_ISREG(st.st_mode))
        {
          if (first_sight(w, &st))
            w->bytes += (uint64_t) st.st_size;
        }
      else if (S_ISDIR(st.st_mode) && st.st_dev == w->dev)
        {
          int fd = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          if (fd < 0)
            {
              if (errno != ENOENT)
                w->incomplete = true;
              continue;
            }
          walk_dir(w, fd);
        }
    }
  closedir(d);
}

/* Measure PATH; *incomplete when some part could not be read. */
static void
measure(const char *path, uint64_t *size, bool *incomplete)
{
  struct walk w = { 0 };
  *size = 0;
  *incomplete = false;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  struct stat st;
  if (fd < 0)
    {
      *incomplete = errno != ENOENT && errno != ENOTDIR;
      return;
    }
  if (fstat(fd, &st) < 0)
    {
      close(fd);
      *incomplete = true;
      return;
    }
  w.dev = st.st_dev;
  walk_dir(&w, fd);
  tdestroy(w.seen, free);
  *size = w.bytes;
  *incomplete = w.incomplete;
}

struct userns_job {
  char *const *paths;
  uint64_t *shared_sizes; /* MAP_SHARED: written by the child */
};

static int
measure_in_userns(void *arg, ctool_error_t *err)
{
  (void) err;
  struct userns_job *job = arg;
  for (size_t i = 0; job->paths[i]; i++)
    {
      bool incomplete;
      measure(job->paths[i], &job->shared_sizes[i], &incomplete);
    }
  return 0;
}

/* Measure AGAIN[0..k-1] as root of the user namespace into SIZES at
 * WHERE. */
static int
remeasure_in_userns(char **again, const size_t *where, size_t k, uint64_t *sizes, ctool_error_t *err)
{
  uint64_t *shared = mmap(NULL, k * sizeof *shared, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (shared == MAP_FAILED)
    return ctool_error_set(err, errno, "mmap");
  memset(shared, 0, k * sizeof *shared);
  struct userns_job job = { .paths = again, .shared_sizes = shared };
  struct idmap map;
  int ret = idmap_for_user(&map, false, err);
  if (ret == 0)
    {
      int status = userns_run(&map, measure_in_userns, &job, err);
      if (status > 0)
        ctool_error_set(err, 0, "the measuring process failed (status %d)", status);
      ret = status == 0 ? 0 : -1;
    }
  if (ret == 0)
    for (size_t j = 0; j < k; j++)
      sizes[where[j]] = shared[j];
  munmap(shared, k * sizeof *shared);
  return ret;
}

int
disk_usage_many(char *const *paths, uint64_t *sizes, ctool_error_t *err)
{
  (void) err;
  size_t n = strv_len(paths);
  char **again = xzalloc((n + 1) * sizeof *again);
  size_t *where = xzalloc((n + 1) * sizeof *where);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    {
      bool incomplete;
      measure(paths[i], &sizes[i], &incomplete);
      if (incomplete)
        {
          again[k] = paths[i];
          where[k++] = i;
        }
    }
  /* Without the user namespace, what the user can read is the answer. */
  ctool_error_t e = NULL;
  if (k > 0 && remeasure_in_userns(again, where, k, sizes, &e) < 0)
    {
      log_warn("sizes may be too small: some directories cannot be read (%s)", e->msg);
      ctool_error_free(&e);
    }
  free(again);
  free(where);
  return 0;
}

int
disk_usage(const char *path, uint64_t *size, ctool_error_t *err)
{
  char *paths[] = { (char *) path, NULL };
  return disk_usage_many(paths, size, err);
}
