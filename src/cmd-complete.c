/* Hidden verbs for the shells and the tests:
 *   ctool __complete -- WORD...   completion candidates (see complete.h)
 *   ctool __commands              the command table, machine-readable */
#include "commands.h"
#include "complete.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

static int
run_complete(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  struct complete_sources src;
  complete_sources_init(&src, ctx);
  cleanup_strv char **lines = complete_words(ctool_global_options, ctx->commands, cli_argv(args),
                                             cli_nargs(args), &src);
  for (size_t i = 0; lines[i]; i++)
    puts(lines[i]);
  return 0;
}

const struct cli_command cmd_complete = {
  .name = "__complete",
  .summary = "Print shell completion candidates for the last word",
  .usage = "-- [WORD...]",
  .handler = run_complete,
  .flags = CLI_HIDDEN,
  .max_args = -1,
};

/* ---- __commands --------------------------------------------------------
 * One line per command and per option, tab-separated, "-" for none:
 *   command PATH VISIBILITY ALIAS_OF SUMMARY
 *   option  PATH --LONG -S TYPE ARG_NAME COMPLETE
 * PATH is the full command path ("ctool", "ctool image ls"); VISIBILITY is
 * "hidden" or "visible" (a hidden family hides its subcommands). */

static const char *
or_dash(const char *s)
{
  return s && *s ? s : "-";
}

static const char *
type_name(enum cli_opt_type t)
{
  switch (t)
    {
    case OPT_BOOL:
      return "bool";
    case OPT_STRING:
      return "string";
    case OPT_LIST:
      return "list";
    }
  return "?";
}

static void
dump_options(const char *path, const struct cli_option *opts)
{
  for (size_t i = 0; opts && opts[i].name; i++)
    {
      char s[3] = { '-', opts[i].short_name, '\0' };
      printf("option\t%s\t--%s\t%s\t%s\t%s\t%s\n", path, opts[i].name, opts[i].short_name ? s : "-",
             type_name(opts[i].type), or_dash(opts[i].arg_name), or_dash(opts[i].complete));
    }
}

static void
dump_command(const char *parent, const struct cli_command *c, bool parent_hidden)
{
  cleanup_free char *path = xasprintf("%s %s", parent, c->name);
  bool hidden = parent_hidden || (c->flags & CLI_HIDDEN);
  printf("command\t%s\t%s\t%s\t%s\n", path, hidden ? "hidden" : "visible", or_dash(c->alias_of),
         or_dash(c->summary));
  dump_options(path, c->options);
  for (size_t i = 0; c->subcommands && c->subcommands[i]; i++)
    dump_command(path, c->subcommands[i], hidden);
}

static int
run_commands(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  printf("command\tctool\tvisible\t-\tRootless, daemonless containers\n");
  dump_options("ctool", ctool_global_options);
  for (size_t i = 0; ctx->commands[i]; i++)
    dump_command("ctool", ctx->commands[i], false);
  return 0;
}

const struct cli_command cmd_commands = {
  .name = "__commands",
  .summary = "Print the command table for tests and tools",
  .usage = "",
  .handler = run_commands,
  .flags = CLI_HIDDEN,
  .max_args = 0,
};
