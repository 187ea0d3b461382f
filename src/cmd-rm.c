/* ctool rm, container prune */
#include "commands.h"
#include "container.h"
#include "ctr-cgroup.h"
#include "jsonutil.h"
#include "start.h"
#include "stop.h"
#include "targets.h"
#include "util.h"
#include "volume.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Anonymous volumes go with their container on rm -v. */
static void
remove_anonymous_volumes(const struct cli_ctx *ctx, json_object *meta)
{
  json_object *vols = json_get_array(meta, META_VOLUMES);
  for (size_t i = 0; vols && i < json_object_array_length(vols); i++)
    {
      json_object *v = json_object_array_get_idx(vols, i);
      const char *name = json_get_str(v, "Name");
      if (!json_get_bool(v, "Anonymous", false) || name == NULL || strchr(name, '/'))
        continue;
      ctool_error_t e = NULL;
      if (volume_remove(ctx->root, name, &e) < 0 && e->errnum != ENOENT)
        {
          log_warn("cannot remove volume %s: %s", name, e->msg);
        }
      ctool_error_free(&e);
    }
}

/* Remove one container, stopping it first when FORCE. */
static int
remove_one(const struct cli_ctx *ctx, struct container *c, bool force, int timeout, bool volumes,
           ctool_error_t *err)
{
  if (container_lock(c, err) < 0)
    return -1;
  struct ctr_state st;
  if (container_state(c, &st, err) < 0)
    return -1;
  if (status_is_live(st.status))
    {
      if (!force)
        return ctool_error_set(err, 0, "cannot remove container %s as it is running - running or paused "
                                       "containers cannot be removed without force: container state improper",
                               c->id);
      if (container_stop(c, timeout, err) < 0)
        return -1;
    }
  /* Whatever is left in its cgroup goes with it, and then the cgroup. */
  ctr_cgroup_release(c, st.started_at);
  if (container_remove(ctx, c, err) < 0)
    return -1;
  if (volumes)
    remove_anonymous_volumes(ctx, c->meta);
  return 0;
}

struct rm_request {
  const struct cli_ctx *ctx;
  bool force, volumes, quiet_if_gone;
  int timeout;
};

static int
rm_one(struct container *c, void *data, ctool_error_t *err)
{
  const struct rm_request *r = data;
  if (remove_one(r->ctx, c, r->force, r->timeout, r->volumes, err) == 0)
    return 0;
  /* Removed meanwhile by someone else (an --rm monitor): fine. */
  if ((*err)->errnum == ENOENT && r->quiet_if_gone)
    {
      ctool_error_free(err);
      return TARGET_SKIPPED;
    }
  return -1;
}

static int
run_rm(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  bool all = cli_flag(args, "all"), ignore = cli_flag(args, "ignore");
  struct rm_request r = { .ctx = ctx, .force = cli_flag(args, "force"), .volumes = cli_flag(args, "volumes"),
                          .quiet_if_gone = ignore || all };
  if (targets_time_option(args, &r.timeout, err) < 0)
    return -1;
  int failed = 0;
  size_t n = 0;
  struct container **list = targets_find(ctx, args, all, false, ignore, &n, &failed, err);
  if (list == NULL)
    return -1;
  if (all)
    container_clear_leftovers(ctx);
  return targets_each(list, n, failed, TARGET_ECHO_ID, rm_one, &r, err);
}

static bool
confirm(const char *question)
{
  fprintf(stderr, "%s [y/N] ", question);
  fflush(stderr);
  char line[16];
  if (fgets(line, sizeof line, stdin) == NULL)
    return false;
  return line[0] == 'y' || line[0] == 'Y';
}

static int
run_prune(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  if (!cli_flag(args, "force")
      && !confirm("WARNING! This will remove all non running containers.\nAre you sure you want to continue?"))
    return 0;
  struct container **list = NULL;
  size_t n = 0;
  if (container_list(ctx, &list, &n, err) < 0)
    return -1;
  container_clear_leftovers(ctx);
  int ret = 0;
  for (size_t i = 0; i < n; i++)
    {
      ctool_error_t e = NULL;
      struct ctr_state st;
      if (container_lock(list[i], &e) < 0 || container_state(list[i], &st, &e) < 0)
        {
          if (e->errnum != ENOENT)
            fprintf(stderr, "ctool: %s\n", e->msg), ret = EXIT_CTOOL_ERROR;
          ctool_error_free(&e);
          continue;
        }
      if (status_is_live(st.status))
        {
          container_unlock(list[i]);
          continue;
        }
      if (container_remove(ctx, list[i], &e) < 0)
        {
          fprintf(stderr, "ctool: %s\n", e->msg);
          ctool_error_free(&e);
          ret = EXIT_CTOOL_ERROR;
          continue;
        }
      printf("%s\n", list[i]->id);
    }
  container_list_free(list, n);
  return ret;
}

static const struct cli_option rm_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Remove every container", NULL },
  { "force", 'f', OPT_BOOL, NULL, "Stop running containers first", NULL },
  { "ignore", 'i', OPT_BOOL, NULL, "Ignore containers that do not exist", NULL },
  { "time", 't', OPT_STRING, "SECONDS", "With --force: seconds to wait before killing (default: its stop timeout)",
    COMPLETE_NONE },
  { "volumes", 'v', OPT_BOOL, NULL, "Remove the container's anonymous volumes too", NULL },
  { NULL },
};

/* "rm", and "container rm" with the same fields. */
#define RM_COMMAND \
  .summary = "Remove one or more containers", .usage = "[options] CONTAINER [CONTAINER...]", .handler = run_rm, \
  .options = rm_options, .max_args = -1, .args_complete = COMPLETE_CONTAINERS

const struct cli_command cmd_rm = { .name = "rm", RM_COMMAND };

static const struct cli_option prune_options[] = {
  { "force", 'f', OPT_BOOL, NULL, "Do not ask for confirmation", NULL },
  { NULL },
};

const struct cli_command cmd_container_prune = {
  .name = "prune",
  .summary = "Remove every container that is not running",
  .usage = "[options]",
  .handler = run_prune,
  .options = prune_options,
  .max_args = 0,
};

const struct cli_command cmd_container_rm = { .name = "rm", RM_COMMAND, .alias_of = "rm" };
