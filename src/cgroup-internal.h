/* The cgroup managers: one table of operations each (cgroup-fs.c,
 * cgroup-systemd.c). A manager makes the container's cgroup and puts the
 * process in it; everything after works on the cgroup's files (cgroup.c). */
#ifndef CTOOL_CGROUP_INTERNAL_H
#define CTOOL_CGROUP_INTERNAL_H

#include "cgroup.h"

struct cgroup_manager {
  const char *name;
  /* Whether the manager can work here (systemd: the user's bus answers). */
  bool (*available)(void);
  /* Make the cgroup for ID holding PID; *path is the absolute directory,
   * or NULL when there is no writable subtree (not an error). */
  int (*create)(const char *id, pid_t pid, char **path, ctool_error_t *err);
};

extern const struct cgroup_manager cgroup_manager_fs;
extern const struct cgroup_manager cgroup_manager_systemd;

/* Shared helpers. */
int cgroup_write(const char *dir, const char *file, const char *value, ctool_error_t *err);
char *cgroup_read(const char *dir, const char *file);
/* The cgroup2 mount point, or NULL (cached for the process). */
const char *cgroup2_mount(void);
/* This process's (or PID's) cgroup v2 path relative to the mount. */
char *cgroup_of_pid(pid_t pid);

/* Split a cgroup that systemd removes once it is empty (a scope) into
 * SCOPE/container, which gets PID and is the container's cgroup (*path),
 * and SCOPE/supervisor, which gets the calling process (the monitor or the
 * foreground ctool), so that the scope and the container's memory.events
 * stay until the exit has been recorded. The controllers of SCOPE are
 * enabled for both. Where the caller cannot move (its cgroup is not the
 * user's), only the container part is made. */
int cgroup_split_supervised(const char *scope, pid_t pid, char **path, ctool_error_t *err);

#endif
