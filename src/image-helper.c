/* Pulling from ctool's own commands (run, create) through ctool-image
 * (see image-helper.h). */
#include "image-helper.h"
#include "ctool-conf.h"
#include "libexec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

int
image_helper_pull(struct cli_ctx *ctx, const char *ref, ctool_error_t *err)
{
  cleanup_free char *path = NULL;
  if (libexec_find(IMAGE_HELPER_NAME, &path, err) < 0)
    return -1;
  char *argv[] = {
    (char *) "ctool", (char *) "--log-level", (char *) ctool_log_level_name(ctool_log_level),
    (char *) "--root", ctx->root, (char *) "--runroot", ctx->runroot, (char *) "pull", (char *) ref, NULL,
  };
  /* Progress and errors go to our stderr; the image ID `pull` prints
   * on stdout is not the run's output. */
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
  fflush(NULL);
  pid_t pid;
  setenv(IMAGE_HELPER_ENV, "1", 1);
  int e = posix_spawn(&pid, path, &fa, NULL, argv, environ);
  unsetenv(IMAGE_HELPER_ENV);
  posix_spawn_file_actions_destroy(&fa);
  if (e != 0)
    return ctool_error_set(err, e, "run %s", path);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    if (errno != EINTR)
      return ctool_error_set(err, errno, "wait for %s", path);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    return 0;
  if (WIFEXITED(status))
    return ctool_error_set_reported(err, WEXITSTATUS(status), "pull %s failed", ref);
  return ctool_error_set(err, 0, "pull %s: %s killed by signal %d", ref, IMAGE_HELPER_NAME, WTERMSIG(status));
}

int
image_helper_config_load(struct ctool_config *cfg, const char *root, const char *runroot, ctool_error_t *err)
{
  if (getenv(IMAGE_HELPER_ENV) == NULL)
    return config_load_with_flags(cfg, root, runroot, err);
  unsetenv(IMAGE_HELPER_ENV);
  enum ctool_log_level level = ctool_log_level;
  if (ctool_log_level > LOG_LVL_ERROR)
    ctool_log_level = LOG_LVL_ERROR;
  int ret = config_load_with_flags(cfg, root, runroot, err);
  ctool_log_level = level;
  return ret;
}
