/* ctool unshare [COMMAND...]: run a command as root in a user namespace
 * with the user's subordinate IDs mapped (and a mount namespace of its
 * own), as podman unshare does: to work on files that containers own.
 * The pause process's namespace when one runs (pause.h), so that the
 * containers' other namespaces can be entered from there (nsenter);
 * else a new one mapped the same way (no process is started for it). */
#include "commands.h"
#include "pause.h"
#include "userns.h"
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct cli_option unshare_options[] = {
  { NULL },
};

struct unshare_job {
  char *const *argv;
  const char *root;
  const char *runroot;
};

/* In the namespace: the environment podman unshare gives, then exec. */
static int
exec_in_userns(void *arg, ctool_error_t *err)
{
  struct unshare_job *job = arg;
  setenv("CONTAINERS_GRAPHROOT", job->root, 1);
  setenv("CONTAINERS_RUNROOT", job->runroot, 1);
  signal(SIGINT, SIG_DFL);
  signal(SIGQUIT, SIG_DFL);
  execvp(job->argv[0], job->argv);
  int e = errno;
  if (e == ENOENT || e == ENOTDIR)
    {
      if (strchr(job->argv[0], '/'))
        return ctool_error_set_exit(err, EXIT_NOT_FOUND, 0, "unshare: %s: no such file or directory", job->argv[0]);
      return ctool_error_set_exit(err, EXIT_NOT_FOUND, 0, "unshare: executable file '%s' not found in $PATH",
                                  job->argv[0]);
    }
  return ctool_error_set_exit(err, EXIT_CANNOT_INVOKE, e, "unshare: cannot run '%s'", job->argv[0]);
}

static int
run_unshare(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *shell = getenv("SHELL");
  char *default_argv[] = { (char *) (shell && *shell ? shell : "/bin/sh"), NULL };
  struct unshare_job job = {
    .argv = cli_nargs(args) > 0 ? cli_argv(args) : default_argv,
    .root = ctx->root,
    .runroot = ctx->runroot,
  };
  struct idmap map;
  if (idmap_for_user(&map, false, err) < 0)
    return -1;

  /* As system(3): the terminal's ^C and ^\ are for the command. */
  struct sigaction ignore = { .sa_handler = SIG_IGN }, old_int, old_quit;
  sigemptyset(&ignore.sa_mask);
  sigaction(SIGINT, &ignore, &old_int);
  sigaction(SIGQUIT, &ignore, &old_quit);
  int userns_fd = map.single ? -1 : pause_userns_open_running(ctx->runroot, &map);
  int ret = userns_run_in(userns_fd, &map, exec_in_userns, &job, err);
  if (userns_fd >= 0)
    close(userns_fd);
  sigaction(SIGINT, &old_int, NULL);
  sigaction(SIGQUIT, &old_quit, NULL);
  return ret;
}

const struct cli_command cmd_unshare = {
  .name = "unshare",
  .summary = "Run a command in a user namespace with the user's subordinate IDs mapped",
  .usage = "[COMMAND [ARG...]]",
  .handler = run_unshare,
  .options = unshare_options,
  .flags = CLI_STOP_AT_POSITIONAL,
  .min_args = 0,
  .max_args = -1,
  .args_complete = COMPLETE_NONE,
};
