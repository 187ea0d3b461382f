/* Layer extraction: an OCI layer tar (gzip, zstd or uncompressed) unpacked
 * into a directory that a hostile tar cannot leave, with OCI whiteouts
 * turned into the overlay format:
 *   .wh.NAME        -> NAME as a character device 0/0
 *   .wh..wh..opq    -> the directory gets user.overlay.opaque = "y" (native
 *                      overlay with userxattr and fuse-overlayfs both read it)
 * Paths are resolved relative to the layer's directory fd (openat2
 * RESOLVE_IN_ROOT); absolute names are taken as relative to it, names with a
 * ".." component are refused, hardlinks must point at files of the same
 * layer, device nodes and sockets are skipped (rootless cannot make them).
 * Owners, modes (setuid/setgid too), mtimes and xattrs are kept where the
 * kernel allows; xattrs that overlay would interpret are dropped. No
 * per-file fsync: the caller syncs once. */
#ifndef CTOOL_LAYER_H
#define CTOOL_LAYER_H

#include <stdbool.h>
#include <stdint.h>

#include "error.h"

struct layer_limits {
  uint64_t max_bytes;   /* uncompressed stream; default 32 GiB ($CTOOL_LAYER_MAX_BYTES) */
  uint64_t max_files;   /* entries; default 4 Mi ($CTOOL_LAYER_MAX_FILES) */
};

/* The defaults, overridden by the environment variables above. */
void layer_limits_default(struct layer_limits *out);

enum {
  /* Do not chown (a single-ID user namespace cannot): every file stays the
   * extracting user's. */
  LAYER_IGNORE_OWNERS = 1 << 0,
};

struct layer_stats {
  uint64_t size;       /* bytes of regular file contents */
  uint64_t files;      /* entries created */
  char diff_id[72];    /* sha256 of the uncompressed tar */
};

/* Unpack the layer blob at BLOB_PATH into the existing directory TARGET_DIR.
 * With EXPECTED_DIFF_ID (may be NULL), a stream that hashes to anything
 * else fails the extraction (after unpacking: the caller discards the
 * directory). */
int layer_extract(const char *blob_path, const char *target_dir, const char *expected_diff_id,
                  const struct layer_limits *limits, unsigned flags, struct layer_stats *stats,
                  ctool_error_t *err);
/* The same on open descriptors (the blob is read from its current offset). */
int layer_extract_fd(int blob_fd, int target_dirfd, const char *expected_diff_id,
                     const struct layer_limits *limits, unsigned flags, struct layer_stats *stats,
                     ctool_error_t *err);

/* Turn a tar entry name into a clean relative path: leading "/" and "./"
 * and "." components dropped, repeated slashes folded. NULL (and errno
 * EINVAL) when a ".." component appears. "" for the root itself. */
char *layer_clean_path(const char *name);

#endif
