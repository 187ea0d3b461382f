/* ctool volume: create, ls, rm, inspect, prune, exists (volume.h does the
 * work). Exit codes as Podman: volume rm gives 1 for a volume that does
 * not exist and 2 for one in use; everything else that fails is 125. */
#include "commands.h"
#include "confirm.h"
#include "container.h"
#include "context.h"
#include "format.h"
#include "jsonutil.h"
#include "start.h"
#include "stop.h"
#include "util.h"
#include "volume.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { VOLUME_RM_NOT_FOUND = 1, VOLUME_RM_IN_USE = 2 };

static void
print_json(json_object *o)
{
  puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                           | JSON_C_TO_STRING_NOSLASHESCAPE));
}

static int
flush_stdout(ctool_error_t *err)
{
  if (fflush(stdout) != 0)
    return ctool_error_set(err, errno, "write to stdout");
  return 0;
}

/* Print every error but the last; keep the last for main, with the worst
 * exit code so far. */
static void
keep_error(ctool_error_t *err, ctool_error_t *e, int code, int *worst)
{
  if (*err)
    {
      fprintf(stderr, "ctool: %s\n", (*err)->msg);
      ctool_error_free(err);
    }
  *err = steal_pointer(e);
  (*err)->exit_code = code;
  if (*worst == 0 || code == EXIT_CTOOL_ERROR || (code == VOLUME_RM_IN_USE && *worst == VOLUME_RM_NOT_FOUND))
    *worst = code;
}

/* ---------- create ---------- */

static int
run_volume_create(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  if (ctx_ensure_dirs(ctx, err) < 0)
    return -1;
  struct volume_create_opts o = {
    .name = cli_nargs(args) ? cli_arg(args, 0) : NULL,
    .labels = cli_list(args, "label"),
    .ignore_existing = cli_flag(args, "ignore"),
  };
  struct volume *v = NULL;
  if (volume_create(ctx->root, &o, &v, err) < 0)
    return -1;
  printf("%s\n", v->name);
  volume_free(v);
  return flush_stdout(err);
}

static const struct cli_option volume_create_options[] = {
  { "label", 'l', OPT_LIST, "LABEL", "Set a label KEY=VALUE on the volume", COMPLETE_NONE },
  { "ignore", 0, OPT_BOOL, NULL, "Succeed when the volume exists already", NULL },
  { NULL },
};

static const struct cli_command cmd_volume_create = {
  .name = "create",
  .summary = "Create a named volume",
  .usage = "[options] [NAME]",
  .handler = run_volume_create,
  .options = volume_create_options,
  .max_args = 1,
  .args_complete = COMPLETE_NONE,
};

/* ---------- ls ---------- */

static const char *const volume_ls_headers[] = { "Name=VOLUME NAME", NULL };

static int
run_volume_ls(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *format = cli_str(args, "format");
  if (cli_flag(args, "quiet"))
    format = "{{.Name}}";
  else if (format == NULL || strcmp(format, "table") == 0)
    format = "table {{.Driver}}\t{{.Name}}";
  struct volume **list = NULL;
  size_t n = 0;
  if (volume_list(ctx->root, &list, &n, err) < 0)
    return -1;
  cleanup_json json_object *a = json_object_new_array();
  for (size_t i = 0; i < n; i++)
    json_object_array_add(a, volume_to_json(list[i]));
  volume_list_free(list, n);
  if (format_output_headers(format, a, true, volume_ls_headers, err) < 0)
    return -1;
  return flush_stdout(err);
}

static const struct cli_option volume_ls_options[] = {
  { "format", 0, OPT_STRING, "FORMAT", "Output format: json, or a Go template ('table {{.Name}}\t{{.Mountpoint}}')",
    "json|table" },
  { "quiet", 'q', OPT_BOOL, NULL, "Print only the volume names", NULL },
  { NULL },
};

/* "volume ls", and "volume list" with the same fields. */
#define VOLUME_LS_COMMAND \
  .summary = "List volumes", .usage = "[options]", .handler = run_volume_ls, .options = volume_ls_options, \
  .max_args = 0

static const struct cli_command cmd_volume_ls = { .name = "ls", VOLUME_LS_COMMAND };

static const struct cli_command cmd_volume_list = { .name = "list", VOLUME_LS_COMMAND, .alias_of = "volume ls" };

/* ---------- inspect ---------- */

static int
run_volume_inspect(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *format = cli_str(args, "format");
  bool all = cli_flag(args, "all");
  if (all == (cli_nargs(args) > 0))
    return ctool_error_set(err, 0, all ? "--all takes no volume names" : "give at least one volume name, or --all");
  cleanup_json json_object *a = json_object_new_array();
  int worst = 0;
  if (all)
    {
      struct volume **list = NULL;
      size_t n = 0;
      if (volume_list(ctx->root, &list, &n, err) < 0)
        return -1;
      for (size_t i = 0; i < n; i++)
        json_object_array_add(a, volume_to_json(list[i]));
      volume_list_free(list, n);
    }
  for (size_t i = 0; i < cli_nargs(args); i++)
    {
      struct volume *v = NULL;
      ctool_error_t e = NULL;
      if (volume_open(ctx->root, cli_arg(args, i), &v, &e) < 0)
        {
          keep_error(err, &e, EXIT_CTOOL_ERROR, &worst);
          continue;
        }
      json_object_array_add(a, volume_to_json(v));
      volume_free(v);
    }
  if (format == NULL || strcmp(format, "json") == 0)
    print_json(a);
  else
    {
      /* A template error is the error to report; the missing names were
       * printed already. */
      ctool_error_t e = NULL;
      if (format_output(format, a, true, &e) < 0)
        keep_error(err, &e, EXIT_CTOOL_ERROR, &worst);
    }
  if (flush_stdout(err) < 0)
    return -1;
  return *err ? -1 : 0;
}

static const struct cli_option volume_inspect_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Inspect every volume", NULL },
  { "format", 'f', OPT_STRING, "FORMAT", "Output format: json (the default), or a Go template ('{{.Mountpoint}}')",
    "json" },
  { NULL },
};

static const struct cli_command cmd_volume_inspect = {
  .name = "inspect",
  .summary = "Show details of volumes as JSON",
  .usage = "[options] NAME [NAME...]",
  .handler = run_volume_inspect,
  .options = volume_inspect_options,
  .max_args = -1,
  .args_complete = COMPLETE_VOLUMES,
};

/* ---------- rm ---------- */

/* Stop (when it runs) and remove the container ID, for rm --force. */
static int
remove_container(struct cli_ctx *ctx, const char *id, ctool_error_t *err)
{
  struct container *c = NULL;
  if (container_open(ctx, id, &c, err) < 0)
    {
      if ((*err)->errnum != ENOENT)
        return -1;
      ctool_error_free(err); /* removed meanwhile */
      return 0;
    }
  struct ctr_state st;
  int ret = container_lock(c, err);
  if (ret == 0)
    ret = container_state(c, &st, err);
  if (ret == 0 && status_is_live(st.status))
    ret = container_stop(c, -1, err);
  if (ret == 0)
    ret = container_remove(ctx, c, err);
  container_free(c);
  return ret;
}

static int
remove_volume(struct cli_ctx *ctx, const char *name, bool force, ctool_error_t *err)
{
  struct volume *v = NULL;
  if (volume_open(ctx->root, name, &v, err) < 0)
    return -1;
  volume_free(v);
  cleanup_strv char **users = NULL;
  if (volume_users(ctx, name, &users, err) < 0)
    return -1;
  if (users[0] && !force)
    {
      ctool_error_set(err, 0, "volume %s is being used by the following container(s): %s: volume is being used "
                              "(remove them first, or use --force)",
                      name, users[0]);
      (*err)->errnum = EBUSY;
      return -1;
    }
  for (size_t i = 0; users[i]; i++)
    if (remove_container(ctx, users[i], err) < 0)
      return ctool_error_prefix(err, "remove volume %s: remove container %.12s", name, users[i]);
  return volume_remove(ctx->root, name, err);
}

static int
run_volume_rm(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  bool all = cli_flag(args, "all"), force = cli_flag(args, "force");
  if (all == (cli_nargs(args) > 0))
    return ctool_error_set(err, 0, all ? "--all takes no volume names" : "give at least one volume name, or --all");
  cleanup_strv char **names = NULL;
  if (all)
    {
      struct volume **list = NULL;
      size_t n = 0;
      if (volume_list(ctx->root, &list, &n, err) < 0)
        return -1;
      names = xzalloc(sizeof *names);
      for (size_t i = 0; i < n; i++)
        strv_push(&names, list[i]->name);
      volume_list_free(list, n);
    }
  else
    names = strv_dup(cli_argv(args));
  int worst = 0;
  for (size_t i = 0; names[i]; i++)
    {
      ctool_error_t e = NULL;
      if (remove_volume(ctx, names[i], force, &e) < 0)
        {
          int code = e->errnum == ENOENT ? VOLUME_RM_NOT_FOUND
                     : e->errnum == EBUSY ? VOLUME_RM_IN_USE
                                          : EXIT_CTOOL_ERROR;
          keep_error(err, &e, code, &worst);
          continue;
        }
      printf("%s\n", names[i]);
    }
  if (flush_stdout(err) < 0)
    return -1;
  if (*err)
    (*err)->exit_code = worst;
  return *err ? -1 : 0;
}

static const struct cli_option volume_rm_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Remove every volume", NULL },
  { "force", 'f', OPT_BOOL, NULL, "Remove the containers that use the volume first (stopping running ones)",
    NULL },
  { NULL },
};

/* "volume rm", and "volume remove" with the same fields. */
#define VOLUME_RM_COMMAND \
  .summary = "Remove volumes", .usage = "[options] NAME [NAME...]", .handler = run_volume_rm, \
  .options = volume_rm_options, .max_args = -1, .args_complete = COMPLETE_VOLUMES

static const struct cli_command cmd_volume_rm = { .name = "rm", VOLUME_RM_COMMAND };

static const struct cli_command cmd_volume_remove = { .name = "remove", VOLUME_RM_COMMAND, .alias_of = "volume rm" };

/* ---------- prune ---------- */

static int
run_volume_prune(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  cleanup_strv char **unused = NULL;
  volume_clear_leftovers(ctx->root);
  if (volumes_unused(ctx, &unused, err) < 0)
    return -1;
  if (unused[0] && !cli_flag(args, "force"))
    {
      cleanup_free char *warning = xstrdup("WARNING! This will remove all volumes not used by at least one "
                                           "container. The following volumes will be removed:");
      for (size_t i = 0; unused[i]; i++)
        {
          char *t = xasprintf("%s\n%s", warning, unused[i]);
          free(warning);
          warning = t;
        }
      int yes = confirm_continue(warning, err);
      if (yes <= 0)
        return yes;
    }
  int worst = 0;
  for (size_t i = 0; unused[i]; i++)
    {
      ctool_error_t e = NULL;
      if (volume_remove(ctx->root, unused[i], &e) == 0)
        printf("%s\n", unused[i]);
      else if (e->errnum == ENOENT) /* removed meanwhile */
        ctool_error_free(&e);
      else
        keep_error(err, &e, EXIT_CTOOL_ERROR, &worst);
    }
  if (flush_stdout(err) < 0)
    return -1;
  return *err ? -1 : 0;
}
static const struct cli_option volume_prune_options[] = {
  { "force", 'f', OPT_BOOL, NULL, "Do not ask for confirmation", NULL },
  { NULL },
};

static const struct cli_command cmd_volume_prune = {
  .name = "prune",
  .summary = "Remove every volume no container uses",
  .usage = "[options]",
  .handler = run_volume_prune,
  .options = volume_prune_options,
  .max_args = 0,
};

/* ---------- exists ---------- */

static int
run_volume_exists(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  struct volume *v = NULL;
  if (volume_open(ctx->root, cli_arg(args, 0), &v, err) < 0)
    {
      if ((*err)->errnum != ENOENT)
        return -1;
      ctool_error_free(err);
      return 1;
    }
  volume_free(v);
  return 0;
}

static const struct cli_option no_options[] = {
  { NULL },
};

static const struct cli_command cmd_volume_exists = {
  .name = "exists",
  .summary = "Tell by the exit code whether a volume exists",
  .usage = "NAME",
  .handler = run_volume_exists,
  .options = no_options,
  .min_args = 1,
  .max_args = 1,
  .args_complete = COMPLETE_VOLUMES,
};

/* ---------- the family ---------- */

static const struct cli_command *const volume_subcommands[] = {
  &cmd_volume_create, &cmd_volume_exists, &cmd_volume_inspect, &cmd_volume_list, &cmd_volume_ls,
  &cmd_volume_prune,  &cmd_volume_remove, &cmd_volume_rm,      NULL,
};

const struct cli_command cmd_volume = {
  .name = "volume",
  .summary = "Manage named volumes",
  .usage = "COMMAND [ARG...]",
  .min_args = 0,
  .max_args = -1,
  .subcommands = volume_subcommands,
};
