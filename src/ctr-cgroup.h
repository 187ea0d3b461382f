/* A container and its cgroup: placement when it starts (from the limits in
 * config.json linux.resources and the manager in ctool.json), and finding
 * the cgroup again for stop, rm, pause, stats, top and update. */
#ifndef CTOOL_CTR_CGROUP_H
#define CTOOL_CTR_CGROUP_H

#include <json-c/json.h>
#include <sys/types.h>

#include "cgroup.h"
#include "container.h"
#include "cli.h"
#include "error.h"

/* ctool.json: the --cgroup-manager chosen at create ("systemd",
 * "cgroupfs", "disabled" for --cgroups=disabled; absent: the default). */
#define META_CGROUP_MANAGER "CgroupManager"
/* Where linux.resources.pids.limit came from: "--pids-limit", or
 * ctool.conf's containers.pids_limit ("default", "FILE:LINE"); a limit
 * not asked for on the command line is never warned about. */
#define META_PIDS_LIMIT_ORIGIN "PidsLimitOrigin"

/* sandbox_config.precreate: the container's cgroup made before its process
 * (cgroup_precreate), to clone the process straight into it. */
int ctr_cgroup_precreate(const struct container *c, int *dirfd, char **path, ctool_error_t *err);
/* sandbox_config.place: put PID into the container's cgroup with the
 * limits of SPEC and record the cgroup's path. */
int ctr_cgroup_place(const struct container *c, json_object *spec, pid_t pid, ctool_error_t *err);
/* The container's cgroup directory, or NULL (none, or gone). */
char *ctr_cgroup_path(const struct container *c);
/* Kill every process in the container's cgroup (nothing without one). */
void ctr_cgroup_kill(const struct container *c);
/* After the container exited: OOM note, remove the cgroup. */
void ctr_cgroup_release(const struct container *c, int64_t started);

/* Podman's resource fields of inspect's HostConfig (Memory, NanoCpus,
 * PidsLimit, ...) from SPEC's linux.resources, added to HOST. */
void ctr_cgroup_inspect(const struct container *c, json_object *spec, json_object *host);

/* The limit options of run, create and update (for their option tables). */
#define CGROUP_LIMIT_OPTIONS                                                                                 \
  { "memory", 'm', OPT_STRING, "SIZE", "Memory limit, e.g. 512m or 1g", COMPLETE_NONE },                     \
  { "memory-reservation", 0, OPT_STRING, "SIZE", "Memory soft limit (memory.low)", COMPLETE_NONE },         \
  { "memory-swap", 0, OPT_STRING, "SIZE", "Memory plus swap limit; -1 for unlimited swap", COMPLETE_NONE },  \
  { "cpus", 0, OPT_STRING, "N", "Number of CPUs, e.g. 1.5 (cpu.max)", COMPLETE_NONE },                       \
  { "cpu-shares", 'c', OPT_STRING, "SHARES", "CPU shares (relative weight, converted to cpu.weight)",        \
    COMPLETE_NONE },                                                                                         \
  { "cpuset-cpus", 0, OPT_STRING, "CPUS", "CPUs to run on, e.g. 0-3 or 0,1", COMPLETE_NONE },               \
  { "pids-limit", 0, OPT_STRING, "N", "Maximum number of processes (default 2048; -1 for unlimited)",       \
    COMPLETE_NONE },                                                                                         \
  { "blkio-weight", 0, OPT_STRING, "WEIGHT", "Block IO weight 10 to 1000 (io.weight)", COMPLETE_NONE }

/* The limit flags of run, create and update into L (initialized by the
 * caller); -1 with err on a bad value. L->cpuset_cpus points into ARGS:
 * keep ARGS alive and do not cgroup_limits_clear(L). */
int ctr_cgroup_limits_from_args(const struct cli_args *args, struct cgroup_limits *l, ctool_error_t *err);

/* Whether any limit is set in L (pids_limit and the rest not -1). */
bool ctr_cgroup_limits_given(const struct cgroup_limits *l);

#endif
