/* ctool: the command table and dispatch. */
#include "cgroup.h"
#include "cli.h"
#include "commands.h"
#include "ctool-conf.h"
#include "context.h"
#include "image-helper.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct cli_option ctool_global_options[] = {
  { "log-level", 0, OPT_STRING, "LEVEL", "Log messages at and above LEVEL: error, warn, info, debug", "error|warn|info|debug" },
  { "root", 0, OPT_STRING, "DIR", "Persistent storage directory", COMPLETE_DIRS },
  { "runroot", 0, OPT_STRING, "DIR", "Runtime state directory", COMPLETE_DIRS },
  { "cgroup-manager", 0, OPT_STRING, "MANAGER", "Cgroup manager: systemd or cgroupfs", "systemd|cgroupfs" },
  { "help", 'h', OPT_BOOL, NULL, "Show help", NULL },
  { "version", 'v', OPT_BOOL, NULL, "Print the version", NULL },
  { NULL },
};

/* The one command table. Order is the order of `ctool --help`. */
const struct cli_command *const ctool_commands[] = {
  &cmd_run,
  &cmd_create,
  &cmd_start,
  &cmd_restart,
  &cmd_ps,
  &cmd_exec,
  &cmd_logs,
  &cmd_attach,
  &cmd_port,
  &cmd_stop,
  &cmd_kill,
  &cmd_pause,
  &cmd_unpause,
  &cmd_top,
  &cmd_stats,
  &cmd_update,
  &cmd_wait,
  &cmd_rm,
  &cmd_inspect,
  &cmd_container,
  &cmd_version,
  &cmd_image,
  &cmd_images,
  &cmd_rmi,
  &cmd_tag,
  &cmd_save,
  &cmd_load,
  &cmd_pull,
  &cmd_login,
  &cmd_logout,
  &cmd_info,
  &cmd_system,
  &cmd_volume,
  &cmd_generate,
  &cmd_unshare,
  &cmd_help,
  &cmd_complete,
  &cmd_commands,
  &cmd_sandbox,
  &cmd_sandbox_exec,
  NULL,
};

static const struct cli_command cmd_global = {
  .name = "ctool",
  .summary = "Rootless, daemonless containers",
  .usage = "[options] COMMAND [ARG...]",
  .options = ctool_global_options,
  .flags = CLI_STOP_AT_POSITIONAL,
  .min_args = 0,
  .max_args = -1,
};

static void
print_main_help(void)
{
  printf("ctool - rootless, daemonless containers\n\nUsage: ctool [options] COMMAND [ARG...]\n\nCommands:\n");
  for (size_t i = 0; ctool_commands[i]; i++)
    if (!(ctool_commands[i]->flags & CLI_HIDDEN))
      printf("  %-14s %s\n", ctool_commands[i]->name, ctool_commands[i]->summary);
  printf("\nOptions:\n");
  for (const struct cli_option *o = ctool_global_options; o->name; o++)
    {
      char left[64];
      snprintf(left, sizeof left, "%c%c%s--%s%s%s", o->short_name ? '-' : ' ', o->short_name ? o->short_name : ' ',
               o->short_name ? ", " : "  ", o->name, o->arg_name ? " " : "", o->arg_name ? o->arg_name : "");
      printf("  %-28s %s\n", left, o->help);
    }
  printf("\nRun 'ctool COMMAND --help' for more about a command.\n");
}

/* Walk from the verb through families ("image ls") to the command to run,
 * parse its options and call it. */
static int
dispatch(struct cli_ctx *ctx, int argc, char **argv, ctool_error_t *err)
{
  const struct cli_command *const *table = ctool_commands;
  const struct cli_command *cmd = NULL;
  cleanup_free char *path = NULL;
  int i = 0;

  for (;;)
    {
      const struct cli_command *found = cli_find(table, argv[i]);
      if (found == NULL)
        {
          if (path)
            return ctool_error_set(err, 0, "unknown command '%s %s' (see 'ctool %s --help')", path, argv[i], path);
          return ctool_error_set(err, 0, "unknown command '%s' (see 'ctool --help')", argv[i]);
        }
      char *p = path ? xasprintf("%s %s", path, argv[i]) : xstrdup(argv[i]);
      free(path);
      path = p;
      cmd = found;
      i++;
      if (cmd->subcommands == NULL || i >= argc || argv[i][0] == '-')
        break;
      table = cmd->subcommands;
    }

  for (int j = i; j < argc; j++)
    {
      if (strcmp(argv[j], "--") == 0)
        break;
      if (strcmp(argv[j], "--help") == 0 || strcmp(argv[j], "-h") == 0)
        {
          cli_print_help(cmd, path);
          return 0;
        }
      /* After the first positional of run/exec, -h belongs to the container. */
      if (argv[j][0] != '-' && (cmd->flags & CLI_STOP_AT_POSITIONAL))
        break;
    }
  cli_handler_fn handler = (cmd->flags & CLI_IMAGE_HELPER) ? image_helper_handler(cmd) : cmd->handler;
  if (handler == NULL)
    {
      if (i < argc)
        return ctool_error_set(err, 0, "unknown command '%s %s' (see 'ctool %s --help')", path, argv[i], path);
      cli_print_help(cmd, path);
      return ctool_error_set(err, 0, "'ctool %s' needs a subcommand", path);
    }

  struct cli_args *args = NULL;
  if (cli_parse(cmd, path, argc - i, argv + i, &args, err) < 0)
    return -1;
  int ret = handler(ctx, args, err);
  cli_args_free(args);
  return ret;
}

int
main(int argc, char **argv)
{
  ctool_error_t err = NULL;
  struct cli_ctx ctx = { .argv0 = argv[0], .argv = argv, .commands = ctool_commands };
  struct cli_args *global = NULL;

  if (cli_parse(&cmd_global, "", argc - 1, argv + 1, &global, &err) < 0)
    return ctool_error_report(&err);

  const char *lvl = cli_str(global, "log-level");
  if (lvl)
    {
      int l = ctool_log_level_parse(lvl);
      if (l < 0)
        {
          ctool_error_set(&err, 0, "invalid --log-level '%s': use error, warn, info or debug", lvl);
          cli_args_free(global);
          return ctool_error_report(&err);
        }
      ctool_log_level = (enum ctool_log_level) l;
    }
  if (cli_flag(global, "version"))
    {
      printf("ctool version %s\n", PACKAGE_VERSION);
      cli_args_free(global);
      return 0;
    }
  size_t nargs = cli_nargs(global);
  if (nargs == 0 || cli_flag(global, "help"))
    {
      bool asked = cli_flag(global, "help");
      cli_args_free(global);
      if (!asked)
        {
          fprintf(stderr, "ctool: missing command (see 'ctool --help')\n");
          return EXIT_CTOOL_ERROR;
        }
      print_main_help();
      return 0;
    }
  ctx.root = xstrdup(cli_str(global, "root"));
  ctx.runroot = xstrdup(cli_str(global, "runroot"));
  ctx.cgroup_manager = xstrdup(cli_str(global, "cgroup-manager"));

  struct ctool_config config;
  int ret = image_helper_config_load(&config, ctx.root, ctx.runroot, &err);
  ctx.config = ret == 0 ? &config : NULL;
  if (ret == 0)
    ret = ctx_resolve_paths(&ctx, &err);
  enum cgroup_manager_kind manager_kind;
  if (ret == 0 && ctx.cgroup_manager)
    ret = cgroup_manager_parse(ctx.cgroup_manager, &manager_kind, &err);
  if (ret == 0)
    {
      char **rest = strv_dup(cli_argv(global));
      ret = dispatch(&ctx, (int) nargs, rest, &err);
      strv_free(rest);
    }
  cli_args_free(global);
  if (ctx.config)
    config_free(&config);
  free(ctx.root);
  free(ctx.runroot);
  free(ctx.cgroup_manager);
  if (ret < 0)
    return ctool_error_report(&err);
  return ret;
}
