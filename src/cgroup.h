/* cgroup v2 for rootless containers: each container gets its own cgroup in
 * a subtree the user owns, made by a manager (systemd: a transient scope
 * with Delegate=yes over the user's D-Bus; cgroupfs: a directory in a
 * subtree an admin or CI delegated). Limits, freezing, killing and stats
 * then work on that cgroup's files whichever manager made it. Where no
 * subtree is writable, containers run without a cgroup of their own, and a
 * limit the user asked for is reported once as not enforceable. */
#ifndef CTOOL_CGROUP_H
#define CTOOL_CGROUP_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "error.h"

/* -1 (or NULL) = not set. */
#define CGROUP_SWAP_UNLIMITED (-2)
struct cgroup_limits {
  int64_t memory;              /* memory.max, bytes */
  int64_t memory_reservation;  /* memory.low, bytes */
  int64_t memory_swap;         /* memory + swap, bytes; -1 unset, CGROUP_SWAP_UNLIMITED */
  int64_t cpu_quota;           /* cpu.max quota, µs per period */
  int64_t cpu_period;          /* cpu.max period, µs */
  int64_t cpu_shares;          /* converted to cpu.weight */
  char *cpuset_cpus;           /* cpuset.cpus */
  int64_t pids_limit;          /* pids.max; 0 = unlimited */
  bool pids_default;           /* pids_limit is a default (ctool.conf), not asked for: never warned about */
  int64_t blkio_weight;        /* converted to io.weight */
};

void cgroup_limits_init(struct cgroup_limits *l);
void cgroup_limits_clear(struct cgroup_limits *l);
/* Parse the Podman flags into L: --memory 512m, --cpus 1.5, ... */
int cgroup_parse_memory(const char *s, int64_t *out, ctool_error_t *err);
int cgroup_parse_cpus(const char *s, struct cgroup_limits *l, ctool_error_t *err);
/* The OCI linux.resources object for L (kept in config.json), and back. */
json_object *cgroup_limits_to_oci(const struct cgroup_limits *l);
void cgroup_limits_from_oci(json_object *resources, struct cgroup_limits *l);
/* Podman's conversions. */
uint64_t cgroup_shares_to_weight(uint64_t shares);
uint64_t cgroup_blkio_to_io_weight(uint64_t weight);

enum cgroup_manager_kind { CGROUP_MANAGER_AUTO, CGROUP_MANAGER_SYSTEMD, CGROUP_MANAGER_CGROUPFS, CGROUP_MANAGER_DISABLED };
int cgroup_manager_parse(const char *name, enum cgroup_manager_kind *out, ctool_error_t *err);
const char *cgroup_manager_name(enum cgroup_manager_kind k);
/* The manager AUTO resolves to on this host. */
enum cgroup_manager_kind cgroup_manager_default(void);

/* Facts for ctool info: where cgroup2 is mounted (NULL: nowhere), whether
 * it is the unified hierarchy at /sys/fs/cgroup, the subtree this user may
 * write (NULL: none) and the controllers available there. */
struct cgroup_host {
  char *mount;
  bool unified;     /* cgroup2 at /sys/fs/cgroup; false for hybrid */
  bool v1_controllers; /* controllers bound to v1 hierarchies */
  char *own;        /* this process's cgroup, absolute path */
  char *delegated;  /* the highest ancestor the user owns, absolute path */
  char *systemd_user; /* the user's systemd instance cgroup, when the controllers are its (no delegated) */
  char **controllers;
};
void cgroup_host_probe(struct cgroup_host *h);
void cgroup_host_clear(struct cgroup_host *h);

/* Before the container's process exists: with the cgroupfs manager (KIND,
 * or the default), make its cgroup and open it (*dirfd, *path), so that
 * the process can be cloned straight into it (clone3 CLONE_INTO_CGROUP).
 * Moving a process into a cgroup afterwards waits for an RCU grace period:
 * milliseconds per container start. Other managers, or no delegated
 * subtree: *dirfd -1, *path NULL, and cgroup_enter does it all. */
int cgroup_precreate(enum cgroup_manager_kind kind, const char *id, int *dirfd, char **path, ctool_error_t *err);

/* Create the cgroup for container ID, apply L, move PID into it. *path gets
 * the absolute cgroup directory, or NULL when the container runs without
 * one (no writable subtree, or the disabled manager). Requested limits that
 * cannot be enforced give one warning naming the missing controller and
 * the fix. */
int cgroup_enter(enum cgroup_manager_kind kind, const char *id, pid_t pid, const struct cgroup_limits *l,
                 char **path, ctool_error_t *err);
/* Move PID into PATH, a cgroup in a ctool-ID.scope, through the user's
 * systemd (AttachProcessesToUnit): for a process whose own cgroup is not
 * the user's, which may not write PATH/cgroup.procs itself. */
int cgroup_systemd_attach(const char *path, pid_t pid, ctool_error_t *err);
/* Change the limits of a running container (ctool update). */
int cgroup_update(const char *path, const struct cgroup_limits *l, ctool_error_t *err);
/* Freeze or thaw every process (pause/unpause); waits until done. */
int cgroup_freeze(const char *path, bool frozen, ctool_error_t *err);
bool cgroup_is_frozen(const char *path);
/* Kill every process in the cgroup and below (cgroup.kill, or a frozen
 * walk on kernels without it). */
int cgroup_kill_all(const char *path, ctool_error_t *err);
/* Every PID in the cgroup and below (NULL-ended in *pids, count in *n). */
int cgroup_pids(const char *path, pid_t **pids, size_t *n, ctool_error_t *err);
/* Remove the (empty) cgroup; the systemd scope goes away by itself. */
int cgroup_destroy(const char *path, ctool_error_t *err);

struct cgroup_stats {
  uint64_t cpu_usage_usec;
  uint64_t memory_current, memory_max; /* memory_max 0 = no limit */
  uint64_t pids_current;
  uint64_t io_read_bytes, io_write_bytes;
  uint64_t oom_kills;
  bool has_cpu, has_memory, has_pids, has_io;
};
int cgroup_read_stats(const char *path, struct cgroup_stats *s, ctool_error_t *err);
/* memory.events oom_kill > 0 (OOMKilled in inspect). */
bool cgroup_oom_killed(const char *path);

#endif
