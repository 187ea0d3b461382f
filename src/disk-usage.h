/* How much a directory tree holds, for `system df` and `system prune`:
 * the bytes of its regular files (apparent sizes, a file with several
 * hard links counted once), on its own file system. Trees written by
 * containers hold directories of subordinate IDs that the user may not
 * read (mode 0700); those trees are measured again as root of the user
 * namespace, all of them in one child. */
#ifndef CTOOL_DISK_USAGE_H
#define CTOOL_DISK_USAGE_H

#include <stdint.h>

#include "error.h"

/* SIZES[i] for PATHS[i] (NULL-ended); a missing path is 0. */
int disk_usage_many(char *const *paths, uint64_t *sizes, ctool_error_t *err);
/* One tree. */
int disk_usage(const char *path, uint64_t *size, ctool_error_t *err);

#endif
