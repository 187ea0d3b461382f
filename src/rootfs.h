/* The container's filesystem view: the root (overlay or an existing
 * directory), the spec's mounts (/proc, /dev, /sys, volumes, tmpfs), the
 * default device nodes, sysctls, masked and read-only paths, a read-only
 * root, and pivot_root.
 *
 * Every mount target is resolved inside the root with safe_openat (an
 * image's symlinks cannot send a mount onto the host) and the mount is
 * made onto that fd through /proc/self/fd. */
#ifndef CTOOL_ROOTFS_H
#define CTOOL_ROOTFS_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"
#include "overlay.h"

struct rootfs_mount {
  char *destination;          /* absolute, inside the container */
  char *type;                 /* NULL for a bind mount */
  char *source;
  char *data;                 /* filesystem options: "mode=755,size=65536k" */
  unsigned long flags;        /* MS_RDONLY, MS_NOSUID, ... */
  unsigned long propagation;  /* MS_PRIVATE|MS_REC, ...; 0 = leave it */
  bool bind, recursive;
  bool copy_up;               /* tmpcopyup: a tmpfs starts with the image's files */
};

struct rootfs_sysctl {
  char *key;                  /* "net.ipv4.ping_group_range" */
  char *value;
};

struct rootfs_plan {
  char *rootfs;               /* the mount point of the root */
  enum overlay_mode overlay;
  char **lower;               /* NULL: ROOTFS is used as it is */
  char *upper, *work;
  bool volatile_upper;        /* UPPER is thrown away with the container: no syncs (overlay_mount_volatile) */
  bool readonly_root;
  unsigned long root_propagation;
  struct rootfs_mount *mounts;
  size_t n_mounts;
  char **masked;
  char **readonly;
  char **devices;             /* linux.devices paths, bind-mounted from the host */
  struct rootfs_sysctl *sysctls;
  size_t n_sysctls;
  bool console;               /* create /dev/console for the pty */
  bool host_pid;              /* no pid namespace of its own: /proc is the host's */
  bool single_map;            /* only the user is mapped: no gid=5 for devpts */
};

/* Parse an OCI mount's "options" into M (flags, propagation, bind, data). */
int rootfs_parse_options(json_object *options, struct rootfs_mount *m, ctool_error_t *err);
/* Read root, mounts, linux.maskedPaths/readonlyPaths/devices/sysctl and
 * linux.rootfsPropagation from SPEC. */
int rootfs_plan_build(json_object *spec, const char *rootfs, enum overlay_mode overlay, char *const *lower,
                      const char *upper, const char *work, struct rootfs_plan *out, ctool_error_t *err);
void rootfs_plan_free(struct rootfs_plan *p);

/* In the child, root in its new user and mount namespaces: mount the root
 * and everything under it, then pivot_root into it. */
int rootfs_setup(const struct rootfs_plan *p, ctool_error_t *err);

/* Open DEST inside ROOTFD (symlinks resolved inside it), creating missing
 * parents and DEST itself (a directory when DIR, else an empty file).
 * Returns an O_PATH fd or -1 with err set. */
int rootfs_open_target(int rootfd, const char *dest, bool dir, ctool_error_t *err);

#endif
