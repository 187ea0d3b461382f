/* Pulling from ctool's own commands (run, create) through ctool-image
 * (see image-helper.h). */
#include "image-helper.h"
#include "ctool-conf.h"
#include "libexec.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

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
  fflush(NULL);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0)
    return ctool_error_set(err, errno, "fork");
  if (pid == 0)
    {
      /* A pull that ctool waits for dies with ctool, as it did in-process. */
      prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (getppid() != parent)
        _exit(EXIT_CTOOL_ERROR);
      int null = open("/dev/null", O_RDWR | O_CLOEXEC);
      if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0)
        _exit(EXIT_CTOOL_ERROR);
      setenv(IMAGE_HELPER_ENV, "1", 1);
      execv(path, argv);
      fprintf(stderr, "ctool: run %s: %s\n", path, strerror(errno));
      _exit(EXIT_CTOOL_ERROR);
    }
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
