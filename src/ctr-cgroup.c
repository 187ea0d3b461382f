#include "ctr-cgroup.h"

#include "cgroup-record.h"
#include "jsonutil.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

int
ctr_cgroup_place(const struct container *c, json_object *spec, pid_t pid, ctool_error_t *err)
{
  enum cgroup_manager_kind kind = CGROUP_MANAGER_AUTO;
  const char *manager = json_get_str(c->meta, META_CGROUP_MANAGER);
  if (manager && *manager && cgroup_manager_parse(manager, &kind, err) < 0)
    return ctool_error_prefix(err, "container %s", c->name);
  struct cgroup_limits l;
  cgroup_limits_init(&l);
  cgroup_limits_from_oci(json_get_obj(json_get_obj(spec, "linux"), "resources"), &l);
  const char *pids_origin = json_get_str(c->meta, META_PIDS_LIMIT_ORIGIN);
  l.pids_default = pids_origin && !str_has_prefix(pids_origin, "--");
  cleanup_free char *path = NULL;
  int r = cgroup_enter(kind, c->id, pid, &l, &path, err);
  cgroup_limits_clear(&l);
  if (r < 0)
    return ctool_error_prefix(err, "cgroup of container %s", c->name);
  if (path)
    log_debug("container %s: cgroup %s", c->name, path);
  return cgroup_record_write(c->dir, path, err);
}

int
ctr_cgroup_precreate(const struct container *c, int *dirfd, char **path, ctool_error_t *err)
{
  enum cgroup_manager_kind kind = CGROUP_MANAGER_AUTO;
  const char *manager = json_get_str(c->meta, META_CGROUP_MANAGER);
  *dirfd = -1;
  *path = NULL;
  if (manager && *manager && cgroup_manager_parse(manager, &kind, err) < 0)
    return ctool_error_prefix(err, "container %s", c->name);
  if (cgroup_precreate(kind, c->id, dirfd, path, err) < 0)
    return ctool_error_prefix(err, "cgroup of container %s", c->name);
  return 0;
}

char *
ctr_cgroup_path(const struct container *c)
{
  return cgroup_record_read(c->dir);
}

void
ctr_cgroup_kill(const struct container *c)
{
  cleanup_free char *path = ctr_cgroup_path(c);
  if (path == NULL)
    return;
  ctool_error_t err = NULL;
  if (cgroup_kill_all(path, &err) < 0)
    log_debug("container %s: %s", c->name, err->msg);
  ctool_error_free(&err);
}

void
ctr_cgroup_release(const struct container *c, int64_t started)
{
  cleanup_free char *path = ctr_cgroup_path(c);
  if (path)
    {
      /* Sub-cgroups the container made first; the record then finds its own empty. */
      ctool_error_t err = NULL;
      if (cgroup_kill_all(path, &err) < 0)
        ctool_error_free(&err);
    }
  cgroup_record_finish(c->dir, started);
  if (path)
    {
      ctool_error_t err = NULL;
      if (cgroup_destroy(path, &err) < 0)
        log_debug("container %s: %s", c->name, err->msg);
      ctool_error_free(&err);
    }
}

static int
parse_int_flag(const char *flag, const char *s, int64_t min, int64_t *out, ctool_error_t *err)
{
  char *end = NULL;
  long long v = strtoll(s, &end, 10);
  if (*s == '\0' || *end != '\0' || v < min)
    return ctool_error_set(err, 0, "invalid --%s '%s': give a whole number >= %lld", flag, s, (long long) min);
  *out = v;
  return 0;
}

int
ctr_cgroup_limits_from_args(const struct cli_args *args, struct cgroup_limits *l, ctool_error_t *err)
{
  const char *s;
  if ((s = cli_str(args, "memory")) && cgroup_parse_memory(s, &l->memory, err) < 0)
    return ctool_error_prefix(err, "--memory");
  if ((s = cli_str(args, "memory-reservation")) && cgroup_parse_memory(s, &l->memory_reservation, err) < 0)
    return ctool_error_prefix(err, "--memory-reservation");
  if ((s = cli_str(args, "memory-swap")))
    {
      if (strcmp(s, "-1") == 0)
        l->memory_swap = CGROUP_SWAP_UNLIMITED;
      else if (cgroup_parse_memory(s, &l->memory_swap, err) < 0)
        return ctool_error_prefix(err, "--memory-swap");
      else if (l->memory < 0)
        return ctool_error_set(err, 0, "--memory-swap needs --memory: give both, e.g. -m 512m --memory-swap 1g");
      else if (l->memory_swap < l->memory)
        return ctool_error_set(err, 0, "--memory-swap must be at least --memory (it counts memory plus swap)");
    }
  if ((s = cli_str(args, "cpus")) && cgroup_parse_cpus(s, l, err) < 0)
    return ctool_error_prefix(err, "--cpus");
  if ((s = cli_str(args, "cpu-shares")) && parse_int_flag("cpu-shares", s, 2, &l->cpu_shares, err) < 0)
    return -1;
  if ((s = cli_str(args, "cpuset-cpus")))
    {
      if (*s == '\0' || strspn(s, "0123456789,-") != strlen(s))
        return ctool_error_set(err, 0, "invalid --cpuset-cpus '%s': give CPUs as 0-3 or 0,1", s);
      l->cpuset_cpus = (char *) s; /* points into ARGS: never cgroup_limits_clear() */
    }
  if ((s = cli_str(args, "pids-limit")))
    {
      int64_t v = 0;
      if (strcmp(s, "-1") == 0)
        v = 0;
      else if (parse_int_flag("pids-limit", s, 0, &v, err) < 0)
        return -1;
      l->pids_limit = v; /* 0 and -1: unlimited */
    }
  if ((s = cli_str(args, "blkio-weight")))
    {
      if (parse_int_flag("blkio-weight", s, 10, &l->blkio_weight, err) < 0)
        return -1;
      if (l->blkio_weight > 1000)
        return ctool_error_set(err, 0, "invalid --blkio-weight '%s': give 10 to 1000", s);
    }
  return 0;
}

static void
add_int(json_object *o, const char *key, int64_t v)
{
  json_object_object_add(o, key, json_object_new_int64(v));
}

void
ctr_cgroup_inspect(const struct container *c, json_object *spec, json_object *host)
{
  struct cgroup_limits l;
  cgroup_limits_from_oci(json_get_obj(json_get_obj(spec, "linux"), "resources"), &l);
  add_int(host, "Memory", l.memory > 0 ? l.memory : 0);
  add_int(host, "MemoryReservation", l.memory_reservation > 0 ? l.memory_reservation : 0);
  add_int(host, "MemorySwap", l.memory_swap == CGROUP_SWAP_UNLIMITED ? -1 : l.memory_swap > 0 ? l.memory_swap : 0);
  int64_t period = l.cpu_period > 0 ? l.cpu_period : 100000;
  add_int(host, "NanoCpus", l.cpu_quota > 0 ? l.cpu_quota * 1000000000LL / period : 0);
  add_int(host, "CpuQuota", l.cpu_quota > 0 ? l.cpu_quota : 0);
  add_int(host, "CpuPeriod", l.cpu_quota > 0 ? period : 0);
  add_int(host, "CpuShares", l.cpu_shares > 0 ? l.cpu_shares : 0);
  json_object_object_add(host, "CpusetCpus", json_object_new_string(l.cpuset_cpus ? l.cpuset_cpus : ""));
  add_int(host, "PidsLimit", l.pids_limit > 0 ? l.pids_limit : 0);
  add_int(host, "BlkioWeight", l.blkio_weight > 0 ? l.blkio_weight : 0);
  const char *manager = json_get_str(c->meta, META_CGROUP_MANAGER);
  bool disabled = manager && strcmp(manager, "disabled") == 0;
  json_object_object_add(host, "Cgroups", json_object_new_string(disabled ? "disabled" : "default"));
  json_object_object_add(host, "CgroupManager",
                         json_object_new_string(disabled || manager == NULL ? cgroup_manager_name(cgroup_manager_default())
                                                                            : manager));
  cleanup_free char *path = ctr_cgroup_path(c);
  json_object_object_add(host, "CgroupPath", json_object_new_string(path ? path : ""));
  cgroup_limits_clear(&l);
}

bool
ctr_cgroup_limits_given(const struct cgroup_limits *l)
{
  return l->memory >= 0 || l->memory_reservation >= 0 || l->memory_swap != -1 || l->cpu_quota >= 0
         || l->cpu_shares >= 0 || l->cpuset_cpus || l->pids_limit >= 0 || l->blkio_weight >= 0;
}
