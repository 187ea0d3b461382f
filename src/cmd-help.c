/* ctool help [COMMAND...] */
#include "commands.h"

#include <stdio.h>
#include <string.h>

static int
run_help(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  if (cli_nargs(args) == 0)
    {
      printf("Usage: ctool [options] COMMAND [ARG...]\n\nRun 'ctool --help' for the list of commands.\n");
      return 0;
    }
  const struct cli_command *const *table = ctx->commands;
  const struct cli_command *cmd = NULL;
  char path[256] = "";
  for (size_t i = 0; i < cli_nargs(args); i++)
    {
      cmd = cli_find(table, cli_arg(args, i));
      if (cmd == NULL)
        return ctool_error_set(err, 0, "unknown command '%s' (see 'ctool --help')", cli_arg(args, i));
      snprintf(path + strlen(path), sizeof path - strlen(path), "%s%s", i ? " " : "", cmd->name);
      table = cmd->subcommands;
    }
  cli_print_help(cmd, path);
  return 0;
}

const struct cli_command cmd_help = {
  .name = "help",
  .summary = "Show help for a command",
  .usage = "[COMMAND...]",
  .handler = run_help,
  .max_args = -1,
  .args_complete = "commands",
};
