/* The cgroupfs manager: a directory per container in the subtree the user
 * already owns (delegated by an admin, a CI system or systemd). */
#include "cgroup-internal.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static bool
fs_available(void)
{
  return cgroup2_mount() != NULL;
}

/* Turn on in PARENT's subtree_control every controller it has, so the
 * container's cgroup gets them. Fails harmlessly (EBUSY) when PARENT holds
 * processes itself and controllers are not on yet. */
static void
enable_controllers(const char *parent)
{
  cleanup_free char *have = cgroup_read(parent, "cgroup.controllers");
  cleanup_free char *on = cgroup_read(parent, "cgroup.subtree_control");
  if (have == NULL)
    return;
  char *save = NULL;
  for (char *c = strtok_r(have, " \n", &save); c; c = strtok_r(NULL, " \n", &save))
    {
      if (on && strstr(on, c))
        continue;
      cleanup_free char *cmd = xasprintf("+%s", c);
      ctool_error_t ignored = NULL;
      if (cgroup_write(parent, "cgroup.subtree_control", cmd, &ignored) < 0)
        log_debug("cannot enable the %s controller in %s: %s", c, parent, ignored->msg);
      ctool_error_free(&ignored);
    }
}

/* The container's cgroup directory for ID, made (with the controllers
 * enabled above it) when missing: *path, or NULL without a delegated
 * subtree. */
static int
fs_make(const char *id, char **path, ctool_error_t *err)
{
  *path = NULL;
  struct cgroup_host h;
  cgroup_host_probe(&h);
  if (h.delegated == NULL)
    {
      cgroup_host_clear(&h);
      return 0;
    }
  cleanup_free char *dir = xasprintf("%s/ctool-%s", h.delegated, id);
  enable_controllers(h.delegated);
  cgroup_host_clear(&h);
  if (mkdir(dir, 0755) < 0 && errno != EEXIST)
    return ctool_error_set(err, errno, "create cgroup %s", dir);
  *path = steal_pointer(&dir);
  return 0;
}

/* PID is in DIR already (cloned into it, cgroup_precreate). */
static bool
pid_in(pid_t pid, const char *dir)
{
  cleanup_free char *cg = cgroup_of_pid(pid);
  const char *mnt = cgroup2_mount();
  return cg && mnt && str_has_prefix(dir, mnt) && strcmp(dir + strlen(mnt), cg) == 0;
}

static int
fs_create(const char *id, pid_t pid, char **path, ctool_error_t *err)
{
  cleanup_free char *dir = NULL;
  *path = NULL;
  if (fs_make(id, &dir, err) < 0)
    return -1;
  if (dir == NULL)
    return 0;
  cleanup_free char *pid_text = xasprintf("%d", (int) pid);
  if (!pid_in(pid, dir) && cgroup_write(dir, "cgroup.procs", pid_text, err) < 0)
    {
      rmdir(dir);
      return ctool_error_prefix(err, "move the container into its cgroup");
    }
  *path = steal_pointer(&dir);
  return 0;
}

int
cgroup_precreate(enum cgroup_manager_kind kind, const char *id, int *dirfd, char **path, ctool_error_t *err)
{
  *dirfd = -1;
  *path = NULL;
  if (kind == CGROUP_MANAGER_AUTO)
    kind = cgroup_manager_default();
  if (kind != CGROUP_MANAGER_CGROUPFS)
    return 0;
  cleanup_free char *dir = NULL;
  if (fs_make(id, &dir, err) < 0)
    return -1;
  if (dir == NULL)
    return 0;
  /* Above the standard descriptors: 0 would read as "none" to some. */
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd >= 0 && fd < 3)
    {
      int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
      close(fd);
      fd = high;
    }
  if (fd < 0)
    {
      int e = errno;
      rmdir(dir);
      return ctool_error_set(err, e, "open cgroup %s", dir);
    }
  *dirfd = fd;
  *path = steal_pointer(&dir);
  return 0;
}

const struct cgroup_manager cgroup_manager_fs = {
  .name = "cgroupfs",
  .available = fs_available,
  .create = fs_create,
};
