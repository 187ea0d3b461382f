/* A container's creating command line, recorded and replayed (see
 * create-command.h). */
#include "create-command.h"
#include "cli.h"
#include "commands.h"
#include "fsutil.h"
#include "util.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

json_object *
create_command_current(void)
{
  json_object *a = json_object_new_array();
  cleanup_free char *text = NULL;
  size_t len = 0;
  ctool_error_t e = NULL;
  if (read_file_at(AT_FDCWD, "/proc/self/cmdline", &text, &len, 1u << 20, &e) < 0)
    {
      ctool_error_free(&e);
      return a;
    }
  for (size_t i = 0; i < len; i += strlen(text + i) + 1)
    json_object_array_add(a, json_object_new_string(text + i));
  return a;
}

/* The options that the unit decides itself. */
static bool
replaced_option(const char *name)
{
  static const char *const names[] = { "detach", "rm", "name" };
  for (size_t i = 0; i < ARRAY_SIZE(names); i++)
    if (strcmp(names[i], name) == 0)
      return true;
  return false;
}

/* Every option given, canonically spelled. */
static void
push_options(const struct cli_command *cmd, const struct cli_args *args, char ***out)
{
  for (const struct cli_option *o = cmd->options; o->name; o++)
    {
      if (replaced_option(o->name) || !cli_given(args, o->name))
        continue;
      switch (o->type)
        {
        case OPT_BOOL:
          {
            cleanup_free char *s = cli_flag(args, o->name) ? xasprintf("--%s", o->name)
                                                            : xasprintf("--%s=false", o->name);
            strv_push(out, s);
          }
          break;
        case OPT_STRING:
          {
            cleanup_free char *s = xasprintf("--%s=%s", o->name, cli_str(args, o->name));
            strv_push(out, s);
          }
          break;
        case OPT_LIST:
          for (char *const *v = cli_list(args, o->name); v && *v; v++)
            {
              cleanup_free char *s = xasprintf("--%s=%s", o->name, *v);
              strv_push(out, s);
            }
          break;
        }
    }
}

/* The verb's position in ARGV (after the global options). */
static int
find_verb(int argc, char **argv, ctool_error_t *err)
{
  static const struct cli_command global = {
    .name = "ctool",
    .options = ctool_global_options,
    .flags = CLI_STOP_AT_POSITIONAL,
    .max_args = -1,
  };
  struct cli_args *g = NULL;
  if (cli_parse(&global, "", argc - 1, argv + 1, &g, err) < 0)
    return -1;
  size_t rest = cli_nargs(g);
  cli_args_free(g);
  return argc - (int) rest;
}

int
create_command_run_args(json_object *create_command, const char *name, char ***options, char ***positionals,
                         ctool_error_t *err)
{
  size_t n = create_command && json_object_is_type(create_command, json_type_array)
                 ? json_object_array_length(create_command)
                 : 0;
  if (n == 0)
    return ctool_error_set(err, 0, "the container has no recorded create command (it was made by an older "
                                   "ctool): create it again");
  cleanup_strv char **argv = xzalloc((n + 1) * sizeof *argv);
  for (size_t i = 0; i < n; i++)
    argv[i] = xstrdup(json_object_get_string(json_object_array_get_idx(create_command, i)));
  int verb = find_verb((int) n, argv, err);
  if (verb < 0)
    return ctool_error_prefix(err, "the recorded create command");
  if ((size_t) verb < n && strcmp(argv[verb], "container") == 0)
    verb++;
  const struct cli_command *cmd = (size_t) verb >= n               ? NULL
                                  : strcmp(argv[verb], "run") == 0    ? &cmd_run
                                  : strcmp(argv[verb], "create") == 0 ? &cmd_create
                                                                      : NULL;
  if (cmd == NULL)
    return ctool_error_set(err, 0, "the recorded create command is neither 'ctool run' nor 'ctool create'");
  struct cli_args *args = NULL;
  if (cli_parse(cmd, cmd->name, (int) n - verb - 1, argv + verb + 1, &args, err) < 0)
    return ctool_error_prefix(err, "the recorded create command");
  char **opts = NULL, **rest = xzalloc(sizeof *rest);
  cleanup_free char *name_opt = xasprintf("--name=%s", name);
  strv_push(&opts, "--rm");
  strv_push(&opts, name_opt);
  push_options(cmd, args, &opts);
  for (char *const *p = cli_argv(args); p && *p; p++)
    strv_push(&rest, *p);
  cli_args_free(args);
  *options = opts;
  *positionals = rest;
  return 0;
}
