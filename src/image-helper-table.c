/* In ctool-image: the handlers of the CLI_IMAGE_HELPER verbs. */
#include "cmd-image.h"
#include "commands.h"
#include "image-helper.h"

#include <stddef.h>

static const struct {
  const struct cli_command *cmd;
  cli_handler_fn handler;
} handlers[] = {
  { &cmd_pull, cmd_pull_run },
  { &cmd_login, cmd_login_run },
  { &cmd_logout, cmd_logout_run },
  { &cmd_image_save, cmd_image_save_run },
  { &cmd_save, cmd_image_save_run },
  { &cmd_image_load, cmd_image_load_run },
  { &cmd_load, cmd_image_load_run },
  { &cmd_version, cmd_version_run },
};

cli_handler_fn
image_helper_handler(const struct cli_command *cmd)
{
  for (size_t i = 0; i < sizeof handlers / sizeof handlers[0]; i++)
    if (handlers[i].cmd == cmd)
      return handlers[i].handler;
  return NULL;
}
