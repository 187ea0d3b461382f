/* ctool pause, unpause: freeze and thaw every process of a container
 * (cgroup.freeze), as Podman does. */
#include "commands.h"
#include "container.h"
#include "ctr-cgroup.h"
#include "start.h"
#include "util.h"

#include <stdio.h>

static int
set_paused(struct container *c, bool pause, ctool_error_t *err)
{
  if (container_lock(c, err) < 0)
    return -1;
  struct ctr_state st;
  int ret = -1;
  cleanup_free char *path = NULL;
  if (container_state(c, &st, err) < 0)
    goto out;
  if (pause && st.status != CTR_RUNNING)
    {
      ctool_error_set(err, 0, "%s is not running, can't pause: container state improper", c->name);
      goto out;
    }
  if (!pause && st.status != CTR_PAUSED)
    {
      ctool_error_set(err, 0, "%s is not paused, can't unpause: container state improper", c->name);
      goto out;
    }
  path = ctr_cgroup_path(c);
  if (path == NULL)
    {
      ctool_error_set(err, 0, "container %s has no cgroup of its own, so it cannot be %s (it runs without a "
                              "writable cgroup v2 subtree or with --cgroups=disabled)",
                      c->name, pause ? "paused" : "unpaused");
      goto out;
    }
  if (cgroup_freeze(path, pause, err) < 0)
    {
      ctool_error_prefix(err, "%s container %s", pause ? "pause" : "unpause", c->name);
      goto out;
    }
  st.status = pause ? CTR_PAUSED : CTR_RUNNING;
  ret = state_save(c->rundir, &st, err);
out:
  container_unlock(c);
  return ret;
}

static int
pause_each(struct cli_ctx *ctx, struct cli_args *args, bool pause, ctool_error_t *err)
{
  int failed = 0;
  ctool_error_t last = NULL;
  for (size_t i = 0; i < cli_nargs(args); i++)
    {
      struct container *c = NULL;
      ctool_error_t e = NULL;
      if (container_lookup(ctx, cli_arg(args, i), &c, &e) == 0 && set_paused(c, pause, &e) == 0)
        printf("%s\n", cli_arg(args, i));
      else
        {
          if (last)
            {
              fprintf(stderr, "ctool: %s\n", last->msg);
              ctool_error_free(&last);
            }
          last = e;
          failed++;
        }
      if (c)
        container_free(c);
    }
  fflush(stdout);
  if (last && (size_t) failed == cli_nargs(args))
    {
      *err = last;
      return -1;
    }
  if (last)
    {
      fprintf(stderr, "ctool: %s\n", last->msg);
      ctool_error_free(&last);
    }
  return failed ? EXIT_CTOOL_ERROR : 0;
}

static int
run_pause(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  return pause_each(ctx, args, true, err);
}

static int
run_unpause(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  return pause_each(ctx, args, false, err);
}

static const struct cli_option no_options[] = {
  { NULL },
};

/* "pause", and "container pause" with the same fields. */
#define PAUSE_COMMAND \
  .summary = "Pause all the processes in one or more containers", .usage = "CONTAINER [CONTAINER...]", \
  .handler = run_pause, .options = no_options, .min_args = 1, .max_args = -1, .args_complete = COMPLETE_RUNNING

const struct cli_command cmd_pause = { .name = "pause", PAUSE_COMMAND };

/* "unpause", and "container unpause" with the same fields. */
#define UNPAUSE_COMMAND \
  .summary = "Unpause the processes in one or more containers", .usage = "CONTAINER [CONTAINER...]", \
  .handler = run_unpause, .options = no_options, .min_args = 1, .max_args = -1, .args_complete = COMPLETE_CONTAINERS

const struct cli_command cmd_unpause = { .name = "unpause", UNPAUSE_COMMAND };

const struct cli_command cmd_container_pause = { .name = "pause", PAUSE_COMMAND, .alias_of = "pause" };
const struct cli_command cmd_container_unpause = { .name = "unpause", UNPAUSE_COMMAND, .alias_of = "unpause" };
