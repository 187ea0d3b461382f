/* ctool stop, kill, wait */
#include "commands.h"
#include "container.h"
#include "signals.h"
#include "start.h"
#include "stop.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

/* The containers named on the command line, or with ALL every container
 * (running ones only when RUNNING_ONLY). Reports lookups that fail and
 * goes on with the rest; *failed tells. */
static struct container **
targets(struct cli_ctx *ctx, struct cli_args *args, bool all, bool running_only, bool ignore_missing, size_t *n,
        int *failed, ctool_error_t *err)
{
  size_t nargs = cli_nargs(args);
  if (all && nargs > 0)
    {
      ctool_error_set(err, 0, "give container names or --all, not both");
      return NULL;
    }
  if (!all && nargs == 0)
    {
      ctool_error_set(err, 0, "give at least one container name or ID, or --all");
      return NULL;
    }
  struct container **list = NULL;
  *n = 0;
  if (all)
    {
      if (container_list(ctx, &list, n, err) < 0)
        return NULL;
      size_t kept = 0;
      for (size_t i = 0; i < *n; i++)
        {
          struct ctr_state st;
          ctool_error_t e = NULL;
          bool keep = container_state(list[i], &st, &e) == 0 && (!running_only || status_is_live(st.status));
          ctool_error_free(&e);
          if (keep)
            list[kept++] = list[i];
          else
            container_free(list[i]);
        }
      *n = kept;
      return list;
    }
  list = xzalloc((nargs + 1) * sizeof *list);
  for (size_t i = 0; i < nargs; i++)
    {
      ctool_error_t e = NULL;
      if (container_lookup(ctx, cli_arg(args, i), &list[*n], &e) == 0)
        {
          (*n)++;
          continue;
        }
      if (!(ignore_missing && e->errnum == ENOENT))
        {
          fprintf(stderr, "ctool: %s\n", e->msg);
          *failed = 1;
        }
      ctool_error_free(&e);
    }
  return list;
}

/* What to print for a container: what the user typed (Podman echoes
 * names and IDs as given), or the full ID for --all. */
static const char *
shown(struct cli_args *args, const struct container *c, bool all)
{
  for (size_t i = 0; !all && i < cli_nargs(args); i++)
    {
      const char *a = cli_arg(args, i);
      if (strcmp(a, c->name) == 0 || str_has_prefix(c->id, a))
        return a;
    }
  return c->id;
}

static int
finish(int failed, size_t done, ctool_error_t *last, ctool_error_t *err)
{
  if (failed && done == 0 && *last)
    {
      *err = *last;
      return -1;
    }
  if (*last)
    {
      fprintf(stderr, "ctool: %s\n", (*last)->msg);
      ctool_error_free(last);
    }
  return failed ? EXIT_CTOOL_ERROR : 0;
}

/* Apply OP to every target: print each one done (as Podman, the name or ID
 * the user gave), print every failure but the last, which is returned. */
static int
each_target(struct cli_args *args, struct container **list, size_t n, bool all, int failed,
            int (*op)(struct container *c, int arg, ctool_error_t *err), int arg, ctool_error_t *err)
{
  ctool_error_t last = NULL;
  size_t done = 0;
  for (size_t i = 0; i < n; i++)
    {
      ctool_error_t e = NULL;
      if (op(list[i], arg, &e) < 0)
        {
          if (last)
            fprintf(stderr, "ctool: %s\n", last->msg), ctool_error_free(&last);
          last = e;
          failed = 1;
          continue;
        }
      done++;
      puts(shown(args, list[i], all));
    }
  container_list_free(list, n);
  return finish(failed, done, &last, err);
}

static int
run_stop(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  int timeout = -1;
  const char *t = cli_str(args, "time");
  if (t)
    {
      unsigned long long v;
      if (!str_to_u64(t, &v) || v > 1000000)
        return ctool_error_set(err, 0, "invalid --time '%s': give a number of seconds", t);
      timeout = (int) v;
    }
  bool all = cli_flag(args, "all");
  int failed = 0;
  size_t n = 0;
  struct container **list = targets(ctx, args, all, true, cli_flag(args, "ignore"), &n, &failed, err);
  if (list == NULL)
    return -1;
  return each_target(args, list, n, all, failed, container_stop, timeout, err);
}

static int
run_kill(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *s = cli_str(args, "signal");
  int sig = s ? signal_parse(s) : SIGKILL;
  if (sig <= 0)
    return ctool_error_set(err, 0, "invalid signal '%s': give a name such as TERM or a number", s);
  bool all = cli_flag(args, "all");
  int failed = 0;
  size_t n = 0;
  struct container **list = targets(ctx, args, all, true, false, &n, &failed, err);
  if (list == NULL)
    return -1;
  return each_target(args, list, n, all, failed, container_kill, sig, err);
}

static int
run_wait(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  int failed = 0;
  size_t n = 0;
  struct container **list = targets(ctx, args, false, false, cli_flag(args, "ignore"), &n, &failed, err);
  if (list == NULL)
    return -1;
  ctool_error_t last = NULL;
  size_t done = 0;
  for (size_t i = 0; i < n; i++)
    {
      int code = -1;
      ctool_error_t e = NULL;
      if (container_wait_exit(list[i], &code, &e) < 0)
        {
          if (last)
            fprintf(stderr, "ctool: %s\n", last->msg), ctool_error_free(&last);
          last = e;
          failed = 1;
          continue;
        }
      done++;
      printf("%d\n", code);
      fflush(stdout);
    }
  container_list_free(list, n);
  return finish(failed, done, &last, err);
}

static const struct cli_option stop_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Stop every running container", NULL },
  { "ignore", 'i', OPT_BOOL, NULL, "Ignore containers that do not exist", NULL },
  { "time", 't', OPT_STRING, "SECONDS", "Seconds to wait before killing (default: its stop timeout, 10)",
    COMPLETE_NONE },
  { NULL },
};

const struct cli_command cmd_stop = {
  .name = "stop",
  .summary = "Stop one or more running containers",
  .usage = "[options] CONTAINER [CONTAINER...]",
  .handler = run_stop,
  .options = stop_options,
  .min_args = 0,
  .max_args = -1,
  .args_complete = COMPLETE_RUNNING,
};

static const struct cli_option kill_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Signal every running container", NULL },
  { "signal", 's', OPT_STRING, "SIGNAL", "Signal to send (default KILL)", COMPLETE_SIGNALS },
  { NULL },
};

const struct cli_command cmd_kill = {
  .name = "kill",
  .summary = "Send a signal to one or more running containers",
  .usage = "[options] CONTAINER [CONTAINER...]",
  .handler = run_kill,
  .options = kill_options,
  .min_args = 0,
  .max_args = -1,
  .args_complete = COMPLETE_RUNNING,
};

static const struct cli_option wait_options[] = {
  { "ignore", 'i', OPT_BOOL, NULL, "Ignore containers that do not exist", NULL },
  { NULL },
};

const struct cli_command cmd_wait = {
  .name = "wait",
  .summary = "Wait for containers to exit and print their exit codes",
  .usage = "[options] CONTAINER [CONTAINER...]",
  .handler = run_wait,
  .options = wait_options,
  .min_args = 1,
  .max_args = -1,
  .args_complete = COMPLETE_CONTAINERS,
};

const struct cli_command cmd_container_stop = {
  .name = "stop", .summary = "Stop one or more running containers", .usage = "[options] CONTAINER [CONTAINER...]",
  .handler = run_stop, .options = stop_options, .max_args = -1, .args_complete = COMPLETE_RUNNING,
  .alias_of = "stop",
};
const struct cli_command cmd_container_kill = {
  .name = "kill", .summary = "Send a signal to one or more running containers",
  .usage = "[options] CONTAINER [CONTAINER...]", .handler = run_kill, .options = kill_options, .max_args = -1,
  .args_complete = COMPLETE_RUNNING, .alias_of = "kill",
};
const struct cli_command cmd_container_wait = {
  .name = "wait", .summary = "Wait for containers to exit and print their exit codes",
  .usage = "[options] CONTAINER [CONTAINER...]", .handler = run_wait, .options = wait_options, .min_args = 1,
  .max_args = -1, .args_complete = COMPLETE_CONTAINERS, .alias_of = "wait",
};
