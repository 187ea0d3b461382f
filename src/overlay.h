/* The container root filesystem: native overlayfs inside the user namespace
 * (userxattr), fuse-overlayfs, or a copy. The mode is probed once and cached
 * under the runroot; ctool info reports it. */
#ifndef CTOOL_OVERLAY_H
#define CTOOL_OVERLAY_H

#include "error.h"

enum overlay_mode {
  OVERLAY_NATIVE,  /* kernel overlayfs with userxattr, mounted in the userns */
  OVERLAY_FUSE,    /* fuse-overlayfs */
  OVERLAY_COPY,    /* a copy of the layers (slow; announced) */
};

const char *overlay_mode_name(enum overlay_mode m);
/* Probe (or read the cached answer from RUNROOT/overlay-mode). */
int overlay_mode_detect(const char *runroot, enum overlay_mode *out, ctool_error_t *err);
/* Mount LOWER (bottom first, NULL-ended) with UPPER and WORK on TARGET.
 * Called inside the container's user and mount namespaces. */
int overlay_mount(enum overlay_mode mode, char *const *lower, const char *upper, const char *work,
                  const char *target, ctool_error_t *err);

#endif
