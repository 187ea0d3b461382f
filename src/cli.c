#include "cli.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cli_value {
  bool given;
  bool flag;
  char *str;
  char **list;
};

struct cli_args {
  const struct cli_command *cmd;
  char *path;
  struct cli_value *values;   /* one per option, same order */
  char **positional;          /* NULL-ended */
};

static size_t
count_options(const struct cli_option *opts)
{
  size_t n = 0;
  while (opts && opts[n].name)
    n++;
  return n;
}

int
cli_parse_bool(const char *s, bool *out)
{
  if (strcmp(s, "true") == 0 || strcmp(s, "1") == 0)
    *out = true;
  else if (strcmp(s, "false") == 0 || strcmp(s, "0") == 0)
    *out = false;
  else
    return -1;
  return 0;
}

static void
set_value(const struct cli_option *o, struct cli_value *v, const char *value)
{
  v->given = true;
  switch (o->type)
    {
    case OPT_BOOL:
      v->flag = value == NULL ? true : (strcmp(value, "true") == 0 || strcmp(value, "1") == 0);
      break;
    case OPT_STRING:
      free(v->str);
      v->str = xstrdup(value);
      break;
    case OPT_LIST:
      strv_push(&v->list, value);
      break;
    }
}

/* "unknown option --x (see 'ctool run --help')": PROBLEM is a whole phrase. */
static int
usage_error(ctool_error_t *err, const char *path, const char *problem, const char *what)
{
  return ctool_error_set(err, 0, "%s %s (see 'ctool %s%s--help')", problem, what, path, *path ? " " : "");
}

static const struct cli_option *
find_long(const struct cli_option *opts, const char *name, size_t len, size_t *idx)
{
  for (size_t i = 0; opts && opts[i].name; i++)
    if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
      {
        *idx = i;
        return &opts[i];
      }
  return NULL;
}

static const struct cli_option *
find_short(const struct cli_option *opts, char c, size_t *idx)
{
  for (size_t i = 0; opts && opts[i].name; i++)
    if (opts[i].short_name == c)
      {
        *idx = i;
        return &opts[i];
      }
  return NULL;
}

/* "--name", "--name=value", "--name value". Returns how many argv entries
 * it used, or -1. */
static int
parse_long(struct cli_args *a, int argc, char **argv, int i, ctool_error_t *err)
{
  const char *arg = argv[i] + 2;
  const char *eq = strchr(arg, '=');
  size_t len = eq ? (size_t) (eq - arg) : strlen(arg);
  size_t idx;
  const struct cli_option *o = find_long(a->cmd->options, arg, len, &idx);
  if (o == NULL)
    {
      cleanup_free char *name = xstrndup(argv[i], len + 2);
      return usage_error(err, a->path, "unknown option", name);
    }
  if (o->type == OPT_BOOL)
    {
      bool b = true;
      if (eq && cli_parse_bool(eq + 1, &b) < 0)
        return usage_error(err, a->path, "invalid boolean value (use true or false):", argv[i]);
      set_value(o, &a->values[idx], b ? "true" : "false");
      return 1;
    }
  if (eq)
    {
      set_value(o, &a->values[idx], eq + 1);
      return 1;
    }
  if (i + 1 >= argc)
    return usage_error(err, a->path, "a value is needed after", argv[i]);
  set_value(o, &a->values[idx], argv[i + 1]);
  return 2;
}

/* "-abc", "-e VAL", "-eVAL", "-ite VAL". */
static int
parse_short(struct cli_args *a, int argc, char **argv, int i, ctool_error_t *err)
{
  for (const char *p = argv[i] + 1; *p; p++)
    {
      size_t idx;
      const struct cli_option *o = find_short(a->cmd->options, *p, &idx);
      if (o == NULL)
        {
          char name[3] = { '-', *p, '\0' };
          return usage_error(err, a->path, "unknown option", name);
        }
      if (o->type == OPT_BOOL)
        {
          set_value(o, &a->values[idx], NULL);
          continue;
        }
      if (p[1] != '\0')
        {
          set_value(o, &a->values[idx], p[1] == '=' ? p + 2 : p + 1);
          return 1;
        }
      if (i + 1 >= argc)
        {
          char name[3] = { '-', *p, '\0' };
          return usage_error(err, a->path, "a value is needed after", name);
        }
      set_value(o, &a->values[idx], argv[i + 1]);
      return 2;
    }
  return 1;
}

int
cli_parse(const struct cli_command *cmd, const char *path, int argc, char **argv,
          struct cli_args **out, ctool_error_t *err)
{
  struct cli_args *a = xzalloc(sizeof *a);
  a->cmd = cmd;
  a->path = xstrdup(path);
  a->values = xzalloc((count_options(cmd->options) + 1) * sizeof *a->values);
  a->positional = xzalloc(sizeof *a->positional);
  bool options_done = false;

  for (int i = 0; i < argc;)
    {
      const char *arg = argv[i];
      if (!options_done && strcmp(arg, "--") == 0)
        {
          options_done = true;
          i++;
          continue;
        }
      if (!options_done && arg[0] == '-' && arg[1] != '\0')
        {
          int used = arg[1] == '-' ? parse_long(a, argc, argv, i, err) : parse_short(a, argc, argv, i, err);
          if (used < 0)
            {
              cli_args_free(a);
              return -1;
            }
          i += used;
          continue;
        }
      strv_push(&a->positional, arg);
      if (cmd->flags & CLI_STOP_AT_POSITIONAL)
        options_done = true;
      i++;
    }

  int n = (int) strv_len(a->positional);
  if (n < cmd->min_args || (cmd->max_args >= 0 && n > cmd->max_args))
    {
      const char *what = n < cmd->min_args ? "too few arguments" : "too many arguments";
      ctool_error_set(err, 0, "%s: %s, usage: ctool %s %s", path, what, path, cmd->usage);
      cli_args_free(a);
      return -1;
    }
  *out = a;
  return 0;
}

void
cli_args_free(struct cli_args *a)
{
  if (a == NULL)
    return;
  size_t n = count_options(a->cmd->options);
  for (size_t i = 0; i < n; i++)
    {
      free(a->values[i].str);
      strv_free(a->values[i].list);
    }
  free(a->values);
  strv_free(a->positional);
  free(a->path);
  free(a);
}

static struct cli_value *
lookup(const struct cli_args *a, const char *name, enum cli_opt_type type)
{
  size_t idx;
  const struct cli_option *o = find_long(a->cmd->options, name, strlen(name), &idx);
  if (o == NULL || o->type != type)
    {
      fprintf(stderr, "ctool: internal error: '%s' asks for undeclared option --%s\n", a->path, name);
      abort();
    }
  return &a->values[idx];
}

bool
cli_flag(const struct cli_args *a, const char *name)
{
  struct cli_value *v = lookup(a, name, OPT_BOOL);
  return v->given && v->flag;
}

bool
cli_given(const struct cli_args *a, const char *name)
{
  size_t idx;
  if (find_long(a->cmd->options, name, strlen(name), &idx) == NULL)
    {
      fprintf(stderr, "ctool: internal error: '%s' asks for undeclared option --%s\n", a->path, name);
      abort();
    }
  return a->values[idx].given;
}

const char *
cli_str(const struct cli_args *a, const char *name)
{
  return lookup(a, name, OPT_STRING)->str;
}

char *const *
cli_list(const struct cli_args *a, const char *name)
{
  static char *const empty[] = { NULL };
  char **l = lookup(a, name, OPT_LIST)->list;
  return l ? l : empty;
}

size_t
cli_nargs(const struct cli_args *a)
{
  return strv_len(a->positional);
}

const char *
cli_arg(const struct cli_args *a, size_t i)
{
  return i < strv_len(a->positional) ? a->positional[i] : NULL;
}

char *const *
cli_argv(const struct cli_args *a)
{
  return a->positional;
}

const char *
cli_path(const struct cli_args *a)
{
  return a->path;
}

const struct cli_command *
cli_find(const struct cli_command *const *table, const char *name)
{
  for (size_t i = 0; table && table[i]; i++)
    if (strcmp(table[i]->name, name) == 0)
      return table[i];
  return NULL;
}

void
cli_print_help(const struct cli_command *cmd, const char *path)
{
  printf("%s\n\nUsage: ctool %s %s\n", cmd->summary, path, cmd->usage);
  if (cmd->alias_of)
    printf("Alias of: ctool %s\n", cmd->alias_of);
  if (cmd->subcommands)
    {
      printf("\nCommands:\n");
      for (size_t i = 0; cmd->subcommands[i]; i++)
        if (!(cmd->subcommands[i]->flags & CLI_HIDDEN))
          printf("  %-14s %s\n", cmd->subcommands[i]->name, cmd->subcommands[i]->summary);
    }
  if (cmd->options && cmd->options[0].name)
    {
      printf("\nOptions:\n");
      for (const struct cli_option *o = cmd->options; o->name; o++)
        {
          char left[64];
          int n = snprintf(left, sizeof left, "%c%c%s--%s%s%s", o->short_name ? '-' : ' ',
                           o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
                           o->arg_name ? " " : "", o->arg_name ? o->arg_name : "");
          if (n >= 28)
            printf("  %s\n  %-28s %s\n", left, "", o->help);
          else
            printf("  %-28s %s\n", left, o->help);
        }
    }
  if (cmd->subcommands)
    printf("\nRun 'ctool %s COMMAND --help' for more about a command.\n", path);
}
