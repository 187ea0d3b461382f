/* The low-level runtime: turn an OCI runtime-spec config.json into a
 * running, isolated process (a tiny crun inside ctool).
 *
 * sandbox_start() clones the container process into new user, mount, pid,
 * uts, ipc, net and cgroup namespaces (as linux.namespaces asks), writes
 * its ID maps, lets the caller place it (before_start), and returns once
 * the user's command has been exec'd. The child mounts the overlay root,
 * /proc, /dev, /sys and the spec's mounts, masks paths, pivots, applies
 * rlimits, the user, capabilities, no_new_privs and seccomp (the compiled
 * filter is cached on disk), and execs. Parent and child talk over one
 * SOCK_SEQPACKET socketpair that carries "go", errors as sentences and the
 * pty master (terminal=true).
 *
 * sandbox_exec() starts one more process inside a running container. */
#ifndef CTOOL_SANDBOX_H
#define CTOOL_SANDBOX_H

#include <json-c/json.h>
#include <stdbool.h>
#include <sys/types.h>

#include "error.h"
#include "overlay.h"
#include "userns.h"

/* Called in the parent with the container's host PID once the child exists
 * in its namespaces with its ID maps written, and before it execs:
 * cgroup placement, slirp4netns. Runs while the child sets up its mounts.
 * Return -1 with err set to abort the start (the child is killed). */
typedef int (*sandbox_hook_fn)(void *data, pid_t pid, ctool_error_t *err);

struct sandbox_config {
  /* The parsed OCI config.json. Read: process (args, env, cwd, user,
   * terminal, capabilities, rlimits, noNewPrivileges, oomScoreAdj), root
   * (path, readonly), hostname, mounts, linux.namespaces (a "network" entry
   * with a path is joined), linux.maskedPaths/readonlyPaths, linux.seccomp,
   * linux.rootfsPropagation, annotations["io.ctool.init"] == "true" (a
   * minimal init as PID 1 that reaps zombies and forwards signals).
   * linux.uidMappings/gidMappings are ignored: the map is IDMAP. */
  json_object *spec;
  const struct idmap *idmap;

  /* The root filesystem. With LOWER_DIRS (bottom first, NULL-ended) the
   * child mounts the overlay (mode OVERLAY) of LOWER_DIRS, UPPER_DIR and
   * WORK_DIR on ROOTFS_DIR inside its own mount namespace. Without
   * LOWER_DIRS, ROOTFS_DIR (or, when NULL, spec root.path) is an existing
   * directory used as it is (bind-mounted onto itself). */
  enum overlay_mode overlay;
  char *const *lower_dirs;
  const char *upper_dir;
  const char *work_dir;
  const char *rootfs_dir;
  /* UPPER_DIR is thrown away with the container (--rm): mount it so that
   * nothing syncs it (overlay_mount_volatile). */
  bool volatile_upper;

  /* Where compiled seccomp filters are cached (created when missing),
   * e.g. RUNROOT/seccomp. NULL: compile every time. */
  const char *seccomp_cache_dir;

  /* The container's stdio. -1: inherit the caller's fd of that number.
   * With process.terminal the child creates a pty in the container's
   * devpts, makes it its controlling terminal and stdio, and the master
   * comes back in *console_fd; these fds are then ignored. */
  int stdin_fd, stdout_fd, stderr_fd;

  sandbox_hook_fn before_start;
  void *before_start_data;
  /* Called while newuidmap and newgidmap write the ID maps (it must not
   * depend on them) and before the child goes on, so that a cgroup
   * namespace the child then makes has this cgroup as its root: cgroup
   * placement only (it must be fast). May be NULL. */
  sandbox_hook_fn place;
  void *place_data;
  /* Called before the clone (with PLACE_DATA): the cgroup v2 directory to
   * clone the child straight into (*dirfd, closed by sandbox_start, and
   * *path, removed again when the start fails before PLACE), or -1 and
   * NULL for none. Moving a process into a cgroup (PLACE) waits for an RCU
   * grace period; cloning it there does not. Where the kernel cannot
   * (before 5.7), the child is cloned as usual and PLACE moves it. May be
   * NULL. */
  int (*precreate)(void *data, int *dirfd, char **path, ctool_error_t *err);

  /* --network host: stay in the caller's network namespace even when the
   * spec lists a "network" namespace. */
  bool host_network;

  /* JOIN_USERNS: clone the child into the existing user namespace
   * USERNS_FD (the pause process's, already mapped as IDMAP says) instead
   * of a new one: no newuidmap/newgidmap. The child's other namespaces
   * are owned by it. */
  bool join_userns;
  int userns_fd;
};

/* Start the container. On success *pid is its PID (a child of the
 * caller: reap it with waitpid) and *console_fd the pty master or -1.
 * Returns once the user's command was exec'd. On failure nothing is left
 * (the child is reaped) and err says what failed, with exit code 127 for
 * "executable file `foo` not found in $PATH", 126 for a command that
 * cannot be invoked, 125 otherwise. */
int sandbox_start(const struct sandbox_config *c, pid_t *pid, int *console_fd, ctool_error_t *err);

struct sandbox_exec_config {
  pid_t container_pid;        /* the container's PID 1, as the host sees it */
  json_object *spec;          /* the container's config.json: seccomp, rlimits */
  json_object *process;       /* the OCI process to run: args, env, cwd, user,
                                 terminal, capabilities, noNewPrivileges */
  const char *seccomp_cache_dir;
  int stdin_fd, stdout_fd, stderr_fd;  /* as in sandbox_config */
  const char *cgroup_path;             /* the container's cgroup, joined first; NULL: none */
  sandbox_hook_fn before_start;        /* may be NULL */
  void *before_start_data;
};

/* Run process inside the running container: join its user namespace first,
 * then mount, pid, uts, ipc, net, cgroup; same security settings. *pid is
 * a child of the caller (reap with waitpid). Errors and exit codes as for
 * sandbox_start. */
int sandbox_exec(const struct sandbox_exec_config *c, pid_t *pid, int *console_fd, ctool_error_t *err);

/* Defaults for building a spec as Podman does (spec.c uses them). */
/* Podman's default mounts: /proc, /dev, /dev/pts, /dev/shm, /dev/mqueue,
 * /sys, /sys/fs/cgroup, as an OCI "mounts" array (a new reference). */
json_object *sandbox_default_mounts(void);
/* Podman's default linux.maskedPaths and linux.readonlyPaths (NULL-ended). */
extern const char *const sandbox_default_masked_paths[];
extern const char *const sandbox_default_readonly_paths[];
/* Podman's default capability set, "CAP_CHOWN", ... (NULL-ended). */
extern const char *const sandbox_default_caps[];
/* Podman's default seccomp profile as an OCI linux.seccomp object for this
 * machine's architecture, its conditional rules resolved against BOUNDING
 * (the container's bounding capabilities, NULL-ended, as Podman does).
 * A new reference. */
json_object *sandbox_default_seccomp(char *const *bounding);
/* Turn a profile in Podman's seccomp.json format (archMap, includes and
 * excludes by arch and capability) into an OCI linux.seccomp object, as
 * Podman does for --security-opt seccomp=FILE. A profile already in OCI
 * form (architectures, no archMap) passes through. */
int sandbox_seccomp_from_profile(json_object *profile, char *const *bounding, json_object **out,
                                 ctool_error_t *err);

/* The annotation that asks for the minimal init as PID 1 (--init). */
#define SANDBOX_INIT_ANNOTATION "io.ctool.init"

#endif
