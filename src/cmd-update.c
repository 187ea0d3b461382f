/* ctool update: change the resource limits of a container: its cgroup
 * now (when it runs) and config.json for its next start. */
#include "commands.h"
#include "container.h"
#include "ctr-cgroup.h"
#include "jsonutil.h"
#include "start.h"
#include "util.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>

/* NEW's values that were given, over OLD's. */
static void
limits_merge(struct cgroup_limits *old, const struct cgroup_limits *new)
{
  if (new->memory >= 0)
    old->memory = new->memory;
  if (new->memory_reservation >= 0)
    old->memory_reservation = new->memory_reservation;
  if (new->memory_swap != -1)
    old->memory_swap = new->memory_swap;
  if (new->cpu_quota >= 0)
    old->cpu_quota = new->cpu_quota, old->cpu_period = new->cpu_period;
  if (new->cpu_shares >= 0)
    old->cpu_shares = new->cpu_shares;
  if (new->cpuset_cpus)
    {
      free(old->cpuset_cpus);
      old->cpuset_cpus = xstrdup(new->cpuset_cpus);
    }
  if (new->pids_limit >= 0)
    old->pids_limit = new->pids_limit;
  if (new->blkio_weight >= 0)
    old->blkio_weight = new->blkio_weight;
}

static int
update_one(struct container *c, const struct cgroup_limits *given, ctool_error_t *err)
{
  struct ctr_state st;
  cleanup_json json_object *spec = NULL;
  if (container_state(c, &st, err) < 0 || container_spec(c, &spec, err) < 0)
    return -1;
  json_object *linux_obj = json_get_obj(spec, "linux");
  if (linux_obj == NULL)
    return ctool_error_set(err, 0, "container %s: config.json has no linux section", c->name);
  if (status_is_live(st.status))
    {
      cleanup_free char *path = ctr_cgroup_path(c);
      if (path == NULL)
        return ctool_error_set(err, 0, "container %s runs without a cgroup of its own (no writable cgroup v2 "
                                       "subtree, or --cgroups=disabled): its limits cannot be changed",
                               c->name);
      if (cgroup_update(path, given, err) < 0)
        return ctool_error_prefix(err, "update container %s", c->name);
    }
  struct cgroup_limits all;
  cgroup_limits_from_oci(json_get_obj(linux_obj, "resources"), &all);
  limits_merge(&all, given);
  json_object_object_add(linux_obj, "resources", cgroup_limits_to_oci(&all));
  cgroup_limits_clear(&all);
  cleanup_free char *file = xasprintf("%s/config.json", c->dir);
  return json_write_file_at(AT_FDCWD, file, spec, 0600, err);
}

static int
run_update(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  struct cgroup_limits given;
  cgroup_limits_init(&given);
  if (ctr_cgroup_limits_from_args(args, &given, err) < 0)
    return -1;
  if (!ctr_cgroup_limits_given(&given))
    return ctool_error_set(err, 0, "nothing to update: give a limit such as --memory 512m, --cpus 1 or "
                                   "--pids-limit 100");
  struct container *c = NULL;
  if (container_lookup(ctx, cli_arg(args, 0), &c, err) < 0)
    return -1;
  int ret = container_lock(c, err);
  if (ret == 0)
    ret = update_one(c, &given, err);
  container_unlock(c);
  if (ret == 0)
    printf("%s\n", c->id);
  container_free(c);
  return ret;
}

static const struct cli_option update_options[] = {
  CGROUP_LIMIT_OPTIONS,
  { NULL },
};

/* "update", and "container update" with the same fields. */
#define UPDATE_COMMAND \
  .summary = "Update the resource limits of a container", .usage = "[options] CONTAINER", .handler = run_update, \
  .options = update_options, .min_args = 1, .max_args = 1, .args_complete = COMPLETE_CONTAINERS

const struct cli_command cmd_update = { .name = "update", UPDATE_COMMAND };

const struct cli_command cmd_container_update = { .name = "update", UPDATE_COMMAND, .alias_of = "update" };
