/* In ctool: a CLI_IMAGE_HELPER verb is run by exec'ing ctool-image with
 * the same command line (see image-helper.h). */
#include "image-helper.h"
#include "libexec.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int
exec_image_helper(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  (void) args;
  cleanup_free char *path = NULL;
  if (libexec_find(IMAGE_HELPER_NAME, &path, err) < 0)
    return -1;
  fflush(NULL);
  setenv(IMAGE_HELPER_ENV, "1", 1);
  execv(path, ctx->argv);
  int e = errno;
  unsetenv(IMAGE_HELPER_ENV);
  return ctool_error_set(err, e, "run %s", path);
}

cli_handler_fn
image_helper_handler(const struct cli_command *cmd)
{
  (void) cmd;
  return exec_image_helper;
}
