/* The container root filesystem: native overlayfs inside the user namespace
 * (userxattr), fuse-overlayfs, or a copy. The mode is probed once and cached
 * under the runroot; ctool info reports it. */
#ifndef CTOOL_OVERLAY_H
#define CTOOL_OVERLAY_H

#include <stdbool.h>

#include "error.h"

enum overlay_mode {
  OVERLAY_NATIVE,  /* kernel overlayfs with userxattr, mounted in the userns */
  OVERLAY_FUSE,    /* fuse-overlayfs */
  OVERLAY_COPY,    /* a copy of the layers (slow; announced) */
};

/* "native", "fuse", "copy": the words CTOOL_OVERLAY_MODE takes. */
const char *overlay_mode_name(enum overlay_mode m);
/* The reverse; -1 for anything else. */
int overlay_mode_parse(const char *name, enum overlay_mode *out);

/* The mode to use, how it was decided and why better modes were not. */
struct overlay_choice {
  enum overlay_mode mode;
  char source[320];      /* "CTOOL_OVERLAY_MODE", "cached in RUNROOT/overlay-mode", "probed" */
  char native_error[256]; /* why native overlay did not work; "" when it did / was not tried */
  char fuse_error[256];   /* why fuse-overlayfs cannot be used; "" */
};
/* CTOOL_OVERLAY_MODE when set; else the answer cached in RUNROOT/overlay-mode
 * for this kernel release and probe directory; else probe: mount a native
 * overlay (userxattr) in a user namespace with its upper and work dirs in a
 * temporary directory under PROBE_PARENT (the filesystem the containers'
 * upper dirs live on: the store), else fuse-overlayfs with a usable
 * /dev/fuse, else copy. The answer is cached. */
int overlay_mode_choose(const char *runroot, const char *probe_parent, struct overlay_choice *out,
                        ctool_error_t *err);
/* The mode ctool.conf asks for: WANTED ("native", "fuse", "copy"; "auto"
 * or NULL: overlay_mode_choose), set at ORIGIN ("FILE:LINE"). A forced
 * mode this host cannot use is an error saying why and how to fix it
 * (native: the probe, cached as above, failed; fuse: fuse-overlayfs or
 * /dev/fuse missing, or a store path it cannot take). CTOOL_OVERLAY_MODE
 * still wins. */
int overlay_mode_resolve(const char *runroot, const char *probe_parent, const char *wanted, const char *origin,
                         struct overlay_choice *out, ctool_error_t *err);
/* Probe (or read the cached answer from RUNROOT/overlay-mode):
 * overlay_mode_choose(RUNROOT, RUNROOT, ...). Prefer overlay_mode_choose
 * with the store as PROBE_PARENT when the upper dirs live there. */
int overlay_mode_detect(const char *runroot, enum overlay_mode *out, ctool_error_t *err);
/* Mount LOWER (bottom first, NULL-ended) with UPPER and WORK on TARGET.
 * Called inside the container's user and mount namespaces. */
int overlay_mount(enum overlay_mode mode, char *const *lower, const char *upper, const char *work,
                  const char *target, ctool_error_t *err);
/* overlay_mount, for an upper dir that is thrown away with the container
 * (--rm): a native overlay is mounted "volatile" (Linux 5.10), so that no
 * sync reaches the upper filesystem, not even the one of the unmount when
 * the container ends, which flushes the whole disk. Falls back to
 * overlay_mount (other modes, an older kernel, many layers). */
int overlay_mount_volatile(enum overlay_mode mode, char *const *lower, const char *upper, const char *work,
                           const char *target, ctool_error_t *err);

/* The option string of a native overlay mount, lower dirs topmost first,
 * every path escaped (',' ':' '\\') as the kernel's parser expects. Malloc'd. */
char *overlay_native_options(char *const *lower, const char *upper, const char *work);
/* Skip the new mount API for option strings over a page, so that the
 * relative-path fallback runs (tests). */
extern bool overlay_no_fsconfig;

#endif
