/* ctool run, create, start, restart */
#include "attach.h"
#include "commands.h"
#include "container.h"
#include "create.h"
#include "doctor.h"
#include "jsonutil.h"
#include "run-opts.h"
#include "start.h"
#include "stop.h"
#include "targets.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

/* A container that never ran leaves nothing behind. */
static void
discard(const struct cli_ctx *ctx, struct container *c)
{
  ctool_error_t e = NULL;
  if (container_lock(c, &e) == 0)
    container_remove(ctx, c, &e);
  if (e && e->errnum != ENOENT)
    log_warn("cannot remove container %s: %s", c->name, e->msg);
  ctool_error_free(&e);
}

static int
run_run(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  int64_t t0 = time_now_ns();
  struct run_opts o;
  if (run_opts_parse(args, true, ctx->config, &o, err) < 0)
    return -1;
  /* -it, as Podman: the container runs under its monitor and ctool
   * attaches, so that the detach keys can leave it running. */
  bool attach = o.interactive && o.tty && !o.detach;
  unsigned char keys[DETACH_KEYS_MAX];
  size_t n_keys;
  if (o.detach_keys && detach_keys_parse(o.detach_keys, keys, &n_keys, err) < 0)
    return -1;
  struct container *c = NULL;
  if (container_create_from_opts(ctx, &o, &c, err) < 0)
    return -1;
  log_debug("run: container %.12s created: %.2f ms", c->id, (double) (time_now_ns() - t0) / 1e6);
  struct start_opts so = { .detach = o.detach || attach, .interactive = o.interactive, .sig_proxy = o.sig_proxy,
                           .wait_attach = attach };
  int code = 0;
  if (container_start(ctx, c, &so, &code, err) < 0)
    {
      doctor_explain_failure(ctx, err);
      /* Started and then failed (e.g. while waiting): the container is
       * real and stays; never started: it goes. */
      struct ctr_state st;
      ctool_error_t e = NULL;
      if (container_state(c, &st, &e) == 0 && st.status == CTR_CREATED)
        discard(ctx, c);
      ctool_error_free(&e);
      container_free(c);
      return -1;
    }
  if (o.detach)
    printf("%s\n", c->id);
  if (attach)
    code = attach_started_container(c, o.detach_keys, true, o.sig_proxy, err);
  container_free(c);
  return o.detach ? 0 : code;
}

static int
run_create(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  struct run_opts o;
  if (run_opts_parse(args, false, ctx->config, &o, err) < 0)
    return -1;
  struct container *c = NULL;
  if (container_create_from_opts(ctx, &o, &c, err) < 0)
    return -1;
  printf("%s\n", c->id);
  container_free(c);
  return 0;
}

struct start_request {
  struct cli_ctx *ctx;
  bool attach, interactive;
  const char *detach_keys;  /* --detach-keys, NULL: the default */
  int code;  /* the container's exit code, when attached */
};

/* Start C, unless it runs already: as Podman, that is no error. */
static int
start_one(struct container *c, void *data, ctool_error_t *err)
{
  struct start_request *r = data;
  struct ctr_state st;
  if (container_state(c, &st, err) < 0)
    return -1;
  if (status_is_live(st.status))
    return 0;
  /* -ai with a terminal, as run -it: under the monitor, attached, so
   * that the detach keys can leave it running. */
  bool attach_tty = r->attach && r->interactive && json_get_bool(c->meta, META_TTY, false);
  struct start_opts so = {
    .detach = !r->attach || attach_tty,
    .interactive = r->interactive || (!r->attach && json_get_bool(c->meta, META_INTERACTIVE, false)),
    .sig_proxy = true,
    .wait_attach = attach_tty,
  };
  if (container_start(r->ctx, c, &so, &r->code, err) < 0)
    {
      doctor_explain_failure(r->ctx, err);
      return -1;
    }
  if (attach_tty && (r->code = attach_started_container(c, r->detach_keys, true, true, err)) < 0)
    return -1;
  return 0;
}

static int
run_start(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  struct start_request r = { .ctx = ctx, .attach = cli_flag(args, "attach"),
                             .interactive = cli_flag(args, "interactive"),
                             .detach_keys = cli_given(args, "detach-keys") ? cli_str(args, "detach-keys") : NULL };
  unsigned char keys[DETACH_KEYS_MAX];
  size_t n_keys;
  if (r.detach_keys && detach_keys_parse(r.detach_keys, keys, &n_keys, err) < 0)
    return -1;
  size_t n = cli_nargs(args);
  if (r.attach && n > 1)
    return ctool_error_set(err, 0, "you cannot start and attach multiple containers at once");
  if (r.attach)
    {
      struct container *c = NULL;
      if (container_lookup(ctx, cli_arg(args, 0), &c, err) < 0)
        return -1;
      int ret = start_one(c, &r, err);
      container_free(c);
      return ret < 0 ? -1 : r.code;
    }
  int failed = 0;
  struct container **list = targets_find(ctx, args, false, false, false, &n, &failed, err);
  if (list == NULL)
    return -1;
  return targets_each(list, n, failed, TARGET_ECHO_AS_GIVEN, start_one, &r, err);
}

struct restart_request {
  struct cli_ctx *ctx;
  int timeout;
};

static int
restart_one(struct container *c, void *data, ctool_error_t *err)
{
  struct restart_request *r = data;
  struct start_opts so = { .detach = true, .sig_proxy = true,
                           .interactive = json_get_bool(c->meta, META_INTERACTIVE, false) };
  int code;
  if (container_stop(c, r->timeout, err) < 0)
    return -1;
  if (container_start(r->ctx, c, &so, &code, err) < 0)
    {
      doctor_explain_failure(r->ctx, err);
      return -1;
    }
  return 0;
}

static int
run_restart(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  struct restart_request r = { .ctx = ctx };
  if (targets_time_option(args, &r.timeout, err) < 0)
    return -1;
  int failed = 0;
  size_t n = 0;
  struct container **list = targets_find(ctx, args, false, false, false, &n, &failed, err);
  if (list == NULL)
    return -1;
  return targets_each(list, n, failed, TARGET_ECHO_ID, restart_one, &r, err);
}

/* "run", and "container run" with the same fields. */
#define RUN_COMMAND \
  .summary = "Run a command in a new container", .usage = "[options] IMAGE [COMMAND [ARG...]]", .handler = run_run, \
  .options = run_only_options, .flags = CLI_STOP_AT_POSITIONAL, .min_args = 1, .max_args = -1, \
  .args_complete = COMPLETE_IMAGES

const struct cli_command cmd_run = { .name = "run", RUN_COMMAND };

/* "create", and "container create" with the same fields. */
#define CREATE_COMMAND \
  .summary = "Create a container without starting it", .usage = "[options] IMAGE [COMMAND [ARG...]]", \
  .handler = run_create, .options = run_create_options, .flags = CLI_STOP_AT_POSITIONAL, .min_args = 1, \
  .max_args = -1, .args_complete = COMPLETE_IMAGES

const struct cli_command cmd_create = { .name = "create", CREATE_COMMAND };

static const struct cli_option start_options[] = {
  { "attach", 'a', OPT_BOOL, NULL, "Attach to the container's output and wait for it", NULL },
  { "detach-keys", 0, OPT_STRING, "KEYS",
    "With -ai and a terminal: keys that detach and leave it running (default ctrl-p,ctrl-q; \"\": none)",
    COMPLETE_NONE },
  { "interactive", 'i', OPT_BOOL, NULL, "Pass stdin to the container (with --attach)", NULL },
  { NULL },
};

/* "start", and "container start" with the same fields. */
#define START_COMMAND \
  .summary = "Start one or more containers", .usage = "[options] CONTAINER [CONTAINER...]", .handler = run_start, \
  .options = start_options, .min_args = 1, .max_args = -1, .args_complete = COMPLETE_CONTAINERS

const struct cli_command cmd_start = { .name = "start", START_COMMAND };

static const struct cli_option restart_options[] = {
  { "time", 't', OPT_STRING, "SECONDS", "Seconds to wait for the stop before killing (default: its stop timeout)",
    COMPLETE_NONE },
  { NULL },
};

/* "restart", and "container restart" with the same fields. */
#define RESTART_COMMAND \
  .summary = "Restart one or more containers", .usage = "[options] CONTAINER [CONTAINER...]", .handler = run_restart, \
  .options = restart_options, .min_args = 1, .max_args = -1, .args_complete = COMPLETE_CONTAINERS

const struct cli_command cmd_restart = { .name = "restart", RESTART_COMMAND };

const struct cli_command cmd_container_run = { .name = "run", RUN_COMMAND, .alias_of = "run" };
const struct cli_command cmd_container_create = { .name = "create", CREATE_COMMAND, .alias_of = "create" };
const struct cli_command cmd_container_start = { .name = "start", START_COMMAND, .alias_of = "start" };
const struct cli_command cmd_container_restart = { .name = "restart", RESTART_COMMAND, .alias_of = "restart" };
