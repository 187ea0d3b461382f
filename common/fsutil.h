/* File helpers: crash-safe writes, recursive mkdir/remove, locks, and the
 * one function through which ctool opens paths under an untrusted root. */
#ifndef CTOOL_FSUTIL_H
#define CTOOL_FSUTIL_H

#include <dirent.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "error.h"

/* Read a whole file (at most max_len bytes; 0 = 64 MiB) into a NUL-ended buffer. */
int read_file_at(int dirfd, const char *path, char **out, size_t *len, size_t max_len, ctool_error_t *err);
/* Write all of DATA to FD: EINTR retried, a non-blocking FD waited for;
 * -1 with errno on error. */
int write_all(int fd, const void *data, size_t len);
/* Write to PATH.tmp-XXXX in the same directory, optionally fsync, rename. */
int write_file_atomic_at(int dirfd, const char *path, const void *data, size_t len, mode_t mode,
                         bool do_fsync, ctool_error_t *err);
/* Read FD until EOF, a failed read, or LEN - 1 bytes, into BUF, which
 * then ends with a NUL; returns how many bytes came. *ERRNUM (when not
 * NULL) gets the errno of a failed read, else 0. */
size_t read_fd_text(int fd, char *buf, size_t len, int *errnum);
/* mkdir -p; existing directories are fine. */
int mkdir_p(const char *path, mode_t mode, ctool_error_t *err);
/* rm -rf NAME under dirfd, never following symlinks; ENOENT is success. */
int rm_rf_at(int dirfd, const char *name, ctool_error_t *err);
/* Read the directory DIRFD (which stays open, the caller's) from its
 * start: a DIR over a duplicate of it, or NULL with ERR set to WHAT and
 * the errno. */
DIR *opendir_dup(int dirfd, const char *what, ctool_error_t *err);
/* flock on an open fd (blocking). */
int lock_fd(int fd, bool exclusive, ctool_error_t *err);
/* Open (creating) and flock a lock file; returns the fd, held until closed. */
int open_locked(const char *path, bool exclusive, ctool_error_t *err);

/* Open PATH as if ROOTFD were "/": "..", absolute paths and symlinks can
 * never leave it. openat2(RESOLVE_IN_ROOT) when the kernel has it, else a
 * component-by-component walk with O_NOFOLLOW that resolves symlinks
 * itself. Sets errno and returns -1 on failure (no error struct: callers
 * decide how to phrase it). */
int safe_openat(int rootfd, const char *path, int flags, mode_t mode);
/* Force the fallback walk (tests). */
extern bool safe_openat_no_openat2;

#endif
