/* ctool exec: run a command in a running container. */
#include "commands.h"
#include "container.h"
#include "ctr-cgroup.h"
#include "foreground.h"
#include "jsonutil.h"
#include "monitor.h"
#include "sandbox.h"
#include "spec.h"
#include "start.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static const struct cli_option exec_options[] = {
  { "detach", 'd', OPT_BOOL, NULL, "Run the command in the background", NULL },
  { "interactive", 'i', OPT_BOOL, NULL, "Keep stdin open", NULL },
  { "tty", 't', OPT_BOOL, NULL, "Allocate a pseudo-terminal", NULL },
  { "env", 'e', OPT_LIST, "VAR", "Set an environment variable KEY=VALUE", COMPLETE_NONE },
  { "env-file", 0, OPT_LIST, "FILE", "Read environment variables from FILE", COMPLETE_FILES },
  { "workdir", 'w', OPT_STRING, "DIR", "Working directory inside the container", COMPLETE_NONE },
  { "user", 'u', OPT_STRING, "USER", "Run as USER[:GROUP] (names or IDs)", COMPLETE_NONE },
  { NULL },
};

static char **
layer_dirs(json_object *meta)
{
  char **v = xzalloc(sizeof *v);
  json_object *a = json_get_array(meta, META_LAYERS);
  for (size_t i = 0; a && i < json_object_array_length(a); i++)
    strv_push(&v, json_object_get_string(json_object_array_get_idx(a, i)));
  return v;
}

/* -e and --env-file, in that order of precedence (files first). */
static int
exec_env(struct cli_args *args, char ***out, ctool_error_t *err)
{
  char **env = xzalloc(sizeof *env);
  char *const *files = cli_list(args, "env-file");
  for (size_t i = 0; files[i]; i++)
    if (env_apply_file(&env, files[i], err) < 0)
      {
        strv_free(env);
        return -1;
      }
  char *const *e = cli_list(args, "env");
  for (size_t i = 0; e[i]; i++)
    env_apply_arg(&env, e[i]);
  *out = env;
  return 0;
}

static int
exec_start(void *data, int in, int out, int errfd, pid_t *pid, int *console, ctool_error_t *err)
{
  struct sandbox_exec_config cfg = *(const struct sandbox_exec_config *) data;
  cfg.stdin_fd = in;
  cfg.stdout_fd = out;
  cfg.stderr_fd = errfd;
  return sandbox_exec(&cfg, pid, console, err);
}

static int
exec_in(struct cli_ctx *ctx, struct cli_args *args, struct container **cp, ctool_error_t *err)
{
  bool tty = cli_flag(args, "tty"), interactive = cli_flag(args, "interactive"), detach = cli_flag(args, "detach");
  struct container *c = *cp;
  cleanup_json json_object *spec = NULL;
  cleanup_json json_object *process = NULL;
  cleanup_strv char **layers = NULL;
  cleanup_strv char **env = NULL;
  cleanup_free char *seccomp_cache = NULL;
  cleanup_free char *cgroup_path = NULL;
  cleanup_close int devnull = -1;
  cleanup_close int console_fd = -1;
  struct ctr_state st;
  if (container_state(c, &st, err) < 0)
    return -1;
  if (st.status != CTR_RUNNING)
    return ctool_error_set(err, 0, "can only create exec sessions on running containers: container state improper");
  layers = layer_dirs(c->meta);
  if (container_spec(c, &spec, err) < 0 || exec_env(args, &env, err) < 0)
    return -1;
  process = spec_process_for_exec(spec, layers, cli_argv(args) + 1, env, cli_str(args, "workdir"),
                                  cli_str(args, "user"), tty, err);
  if (process == NULL)
    return -1;
  seccomp_cache = xasprintf("%s/seccomp", ctx->runroot);
  cgroup_path = ctr_cgroup_path(c);
  devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  struct sandbox_exec_config cfg = {
    .container_pid = st.pid,
    .cgroup_path = cgroup_path,
    .spec = spec,
    .process = process,
    .seccomp_cache_dir = seccomp_cache,
    .stdin_fd = interactive ? -1 : devnull,
    .stdout_fd = -1,
    .stderr_fd = -1,
  };
  if (detach)
    {
      struct monitor_params mp = { .start = exec_start, .start_data = &cfg, .tty = tty, .interactive = interactive };
      pid_t pid, mon;
      return monitor_spawn(&mp, &pid, &mon, err) < 0 ? -1 : 0;
    }
  close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
  pid_t pid = 0;
  int console = -1;
  sigset_t old_mask;
  foreground_block_signals(&old_mask);
  if (sandbox_exec(&cfg, &pid, &console, err) < 0)
    {
      foreground_restore_signals(&old_mask);
      return -1;
    }
  console_fd = console;
  struct foreground_opts fo = { .console_fd = tty ? console_fd : -1, .stdin_to_tty = tty && interactive,
                                .sig_proxy = true };
  /* Nothing of the container is needed while waiting: let go of it. */
  container_free(c);
  *cp = NULL;
  int status = 0;
  if (foreground_wait(pid, &fo, &old_mask, &status, err) < 0)
    return -1;
  return exit_code_from_wait_status(status);
}

static int
run_exec(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  struct container *c = NULL;
  if (container_lookup(ctx, cli_arg(args, 0), &c, err) < 0)
    return -1;
  int ret = exec_in(ctx, args, &c, err);
  container_free(c);
  return ret;
}

/* "exec", and "container exec" with the same fields. */
#define EXEC_COMMAND \
  .summary = "Run a command in a running container", .usage = "[options] CONTAINER COMMAND [ARG...]", \
  .handler = run_exec, .options = exec_options, .flags = CLI_STOP_AT_POSITIONAL, .min_args = 2, .max_args = -1, \
  .args_complete = COMPLETE_RUNNING

const struct cli_command cmd_exec = { .name = "exec", EXEC_COMMAND };

const struct cli_command cmd_container_exec = { .name = "exec", EXEC_COMMAND, .alias_of = "exec" };
