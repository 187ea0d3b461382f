/* ctool stop, kill, wait */
#include "commands.h"
#include "container.h"
#include "signals.h"
#include "start.h"
#include "stop.h"
#include "targets.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static int
stop_one(struct container *c, void *timeout, ctool_error_t *err)
{
  return container_stop(c, *(int *) timeout, err);
}

static int
kill_one(struct container *c, void *sig, ctool_error_t *err)
{
  return container_kill(c, *(int *) sig, err);
}

/* Each exit code as soon as it is known. */
static int
wait_one(struct container *c, void *unused, ctool_error_t *err)
{
  (void) unused;
  int code = -1;
  if (container_wait_exit(c, &code, err) < 0)
    return -1;
  printf("%d\n", code);
  fflush(stdout);
  return 0;
}

static int
run_stop(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  int timeout;
  if (targets_time_option(args, &timeout, err) < 0)
    return -1;
  bool all = cli_flag(args, "all");
  int failed = 0;
  size_t n = 0;
  struct container **list = targets_find(ctx, args, all, true, cli_flag(args, "ignore"), &n, &failed, err);
  if (list == NULL)
    return -1;
  return targets_each(list, n, failed, TARGET_ECHO_AS_GIVEN, stop_one, &timeout, err);
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
  struct container **list = targets_find(ctx, args, all, true, false, &n, &failed, err);
  if (list == NULL)
    return -1;
  return targets_each(list, n, failed, TARGET_ECHO_AS_GIVEN, kill_one, &sig, err);
}

static int
run_wait(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  int failed = 0;
  size_t n = 0;
  struct container **list = targets_find(ctx, args, false, false, cli_flag(args, "ignore"), &n, &failed, err);
  if (list == NULL)
    return -1;
  return targets_each(list, n, failed, TARGET_ECHO_NONE, wait_one, NULL, err);
}

static const struct cli_option stop_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Stop every running container", NULL },
  { "ignore", 'i', OPT_BOOL, NULL, "Ignore containers that do not exist", NULL },
  { "time", 't', OPT_STRING, "SECONDS", "Seconds to wait before killing (default: its stop timeout, 10)",
    COMPLETE_NONE },
  { NULL },
};

/* "stop", and "container stop" with the same fields. */
#define STOP_COMMAND \
  .summary = "Stop one or more running containers", .usage = "[options] CONTAINER [CONTAINER...]", \
  .handler = run_stop, .options = stop_options, .max_args = -1, .args_complete = COMPLETE_RUNNING

const struct cli_command cmd_stop = { .name = "stop", STOP_COMMAND };

static const struct cli_option kill_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Signal every running container", NULL },
  { "signal", 's', OPT_STRING, "SIGNAL", "Signal to send (default KILL)", COMPLETE_SIGNALS },
  { NULL },
};

/* "kill", and "container kill" with the same fields. */
#define KILL_COMMAND \
  .summary = "Send a signal to one or more running containers", .usage = "[options] CONTAINER [CONTAINER...]", \
  .handler = run_kill, .options = kill_options, .max_args = -1, .args_complete = COMPLETE_RUNNING

const struct cli_command cmd_kill = { .name = "kill", KILL_COMMAND };

static const struct cli_option wait_options[] = {
  { "ignore", 'i', OPT_BOOL, NULL, "Ignore containers that do not exist", NULL },
  { NULL },
};

/* "wait", and "container wait" with the same fields. */
#define WAIT_COMMAND \
  .summary = "Wait for containers to exit and print their exit codes", .usage = "[options] CONTAINER [CONTAINER...]", \
  .handler = run_wait, .options = wait_options, .min_args = 1, .max_args = -1, .args_complete = COMPLETE_CONTAINERS

const struct cli_command cmd_wait = { .name = "wait", WAIT_COMMAND };

const struct cli_command cmd_container_stop = { .name = "stop", STOP_COMMAND, .alias_of = "stop" };
const struct cli_command cmd_container_kill = { .name = "kill", KILL_COMMAND, .alias_of = "kill" };
const struct cli_command cmd_container_wait = { .name = "wait", WAIT_COMMAND, .alias_of = "wait" };
