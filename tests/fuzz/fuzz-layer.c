/* libFuzzer target: layer extraction of a hostile tar (or gzip/zstd of
 * one) into a fresh directory, next to a sentinel directory it must never
 * reach. After every input, accepted or refused:
 *   - nothing appeared, changed or got a hard link outside the layer
 *     directory (the sentinel file keeps its inode, size, mode, contents
 *     and a link count of 1);
 *   - the only device nodes in the layer are overlay whiteouts (char 0/0);
 *   - a refusal is one printable line (no terminal escapes from names);
 *   - an accepted uncompressed layer's diff ID is the sha256 of the input,
 *     and the entry limit held.
 * The work directory is $TMPDIR (or /tmp)/ctool-fuzz-layer-XXXXXX, removed
 * at exit. FUZZ_VERBOSE=1 prints why each refused input was refused. */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-check.h"
#include "fsutil.h"
#include "layer.h"
#include "manifest.h"
#include "store.h"
#include "util.h"

static const char secret_text[] = "host file: the layer must not touch this\n";
static char base_dir[PATH_MAX];
static int base_fd = -1;
static int blob_fd = -1;
static struct stat secret_st;

static void
remove_base(void)
{
  ctool_error_t err = NULL;
  if (base_fd >= 0)
    {
      (void) rm_rf_at(AT_FDCWD, base_dir, &err);
      ctool_error_free(&err);
    }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  ctool_log_level = LOG_LVL_ERROR;
  umask(0);
  const char *tmp = getenv("TMPDIR");
  snprintf(base_dir, sizeof base_dir, "%s/ctool-fuzz-layer-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (mkdtemp(base_dir) == NULL)
    abort();
  base_fd = open(base_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  atexit(remove_base);
  if (base_fd < 0 || mkdirat(base_fd, "outside", 0755) < 0)
    abort();
  int fd = openat(base_fd, "outside/secret", O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0 || write(fd, secret_text, strlen(secret_text)) != (ssize_t) strlen(secret_text))
    abort();
  close(fd);
  if (fstatat(base_fd, "outside/secret", &secret_st, AT_SYMLINK_NOFOLLOW) < 0)
    abort();
  blob_fd = memfd_create("layer", MFD_CLOEXEC);
  if (blob_fd < 0)
    abort();
  return 0;
}

static int
compare_names(const void *a, const void *b)
{
  return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The names in directory PATH (relative to the base), sorted, joined by ','. */
static char *
list_dir(const char *path)
{
  int fd = openat(base_fd, path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  CHECK(fd >= 0);
  DIR *d = fdopendir(fd);
  CHECK(d != NULL);
  char **names = NULL;
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
      strv_push(&names, de->d_name);
  closedir(d);
  size_t n = strv_len(names);
  if (n)
    qsort(names, n, sizeof *names, compare_names);
  char *joined = xstrdup("");
  for (size_t i = 0; i < n; i++)
    {
      char *next = xasprintf("%s%s%s", joined, i ? "," : "", names[i]);
      free(joined);
      joined = next;
    }
  strv_free(names);
  return joined;
}

static void
check_outside_untouched(void)
{
  cleanup_free char *top = list_dir(".");
  CHECK(strcmp(top, "outside") == 0);
  cleanup_free char *outside = list_dir("outside");
  CHECK(strcmp(outside, "secret") == 0);
  struct stat st;
  CHECK(fstatat(base_fd, "outside/secret", &st, AT_SYMLINK_NOFOLLOW) == 0);
  CHECK(st.st_ino == secret_st.st_ino && st.st_nlink == 1 && st.st_mode == secret_st.st_mode);
  CHECK(st.st_size == secret_st.st_size && st.st_uid == secret_st.st_uid);
  CHECK(st.st_mtim.tv_sec == secret_st.st_mtim.tv_sec && st.st_mtim.tv_nsec == secret_st.st_mtim.tv_nsec);
  char buf[sizeof secret_text];
  int fd = openat(base_fd, "outside/secret", O_RDONLY | O_CLOEXEC);
  CHECK(fd >= 0);
  CHECK(read(fd, buf, sizeof buf) == (ssize_t) strlen(secret_text));
  close(fd);
  CHECK(memcmp(buf, secret_text, strlen(secret_text)) == 0);
}

/* Only whiteouts among the device nodes, everywhere under DIRFD. */
static void
check_tree(int dirfd, int depth)
{
  CHECK(depth < 4096);
  int fd = dup(dirfd);
  CHECK(fd >= 0);
  DIR *d = fdopendir(fd);
  CHECK(d != NULL);
  struct dirent *de;
  while ((de = readdir(d)) != NULL)
    {
      if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
        continue;
      struct stat st;
      CHECK(fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0);
      CHECK(!S_ISBLK(st.st_mode) && !S_ISSOCK(st.st_mode));
      if (S_ISCHR(st.st_mode))
        CHECK(st.st_rdev == 0);
      if (S_ISDIR(st.st_mode))
        {
          if ((st.st_mode & 0700) != 0700)
            CHECK(fchmodat(dirfd, de->d_name, st.st_mode | 0700, 0) == 0);
          int sub = openat(dirfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
          CHECK(sub >= 0);
          check_tree(sub, depth + 1);
          close(sub);
        }
    }
  closedir(d);
}

static bool
compressed(const uint8_t *data, size_t size)
{
  static const uint8_t gzip[] = { 0x1f, 0x8b }, zstd[] = { 0x28, 0xb5, 0x2f, 0xfd };
  return (size >= 2 && memcmp(data, gzip, 2) == 0) || (size >= 4 && memcmp(data, zstd, 4) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  CHECK(ftruncate(blob_fd, 0) == 0);
  CHECK(pwrite(blob_fd, data, size, 0) == (ssize_t) size);
  CHECK(lseek(blob_fd, 0, SEEK_SET) == 0);
  CHECK(mkdirat(base_fd, "layer", 0755) == 0);
  int root = openat(base_fd, "layer", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  CHECK(root >= 0);

  struct layer_limits limits = { .max_bytes = 1u << 20, .max_files = 256 };
  struct layer_stats stats;
  ctool_error_t err = NULL;
  int r = layer_extract_fd(blob_fd, root, NULL, &limits, LAYER_IGNORE_OWNERS, &stats, &err);
  if (r == 0)
    {
      CHECK(err == NULL);
      CHECK(store_digest_valid(stats.diff_id));
      CHECK(stats.files <= limits.max_files);
      if (!compressed(data, size))
        {
          char want[72];
          digest_sha256(data, size, want);
          CHECK(strcmp(stats.diff_id, want) == 0);
        }
    }
  else
    {
      CHECK(err != NULL && printable_line(err->msg));
      if (getenv("FUZZ_VERBOSE"))
        fprintf(stderr, "refused: %s\n", err->msg);
      ctool_error_free(&err);
    }
  check_tree(root, 0);
  close(root);
  CHECK(rm_rf_at(base_fd, "layer", &err) == 0);
  check_outside_untouched();
  return 0;
}
