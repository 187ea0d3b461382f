/* ctool system: check, df, migrate, prune, reset, info (the alias of
 * `ctool info`).
 *
 * check prints the host problems (probe.h) with their fixes and exits 1
 * when one of them is an error; df shows what the store holds and what
 * could go; migrate ends the pause process (pause.h); prune removes what
 * nothing uses; reset removes everything of the user's. */
#include "cmd-image.h"
#include "commands.h"
#include "confirm.h"
#include "container.h"
#include "context.h"
#include "ctool-conf.h"
#include "doctor.h"
#include "extract.h"
#include "format.h"
#include "fsutil.h"
#include "jsonutil.h"
#include "pause.h"
#include "start.h"
#include "stop.h"
#include "store-usage.h"
#include "util.h"
#include "volume.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* Exit code of `system check` when it finds an error. */
#define CHECK_FOUND_ERRORS 1

static int
flush_stdout(ctool_error_t *err)
{
  if (fflush(stdout) != 0)
    return ctool_error_set(err, errno, "write to stdout");
  return 0;
}

/* ---------- check ---------- */

static int
run_system_check(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *format = cli_str(args, "format");
  struct probe p;
  probe_init(&p, ctx->root, ctx->runroot);
  if (ctx->config)
    probe_want_overlay(&p, config_str(ctx->config, CONFIG_OVERLAY_MODE), config_origin(ctx->config, CONFIG_OVERLAY_MODE));
  probe_run_all(&p);
  size_t errors = 0;
  for (size_t i = 0; i < p.n_problems; i++)
    errors += p.problems[i].severity == PROBE_ERROR;
  int ret = 0;
  if (format)
    {
      cleanup_json json_object *a = probe_problems_json(&p);
      ret = format_output(format, a, true, err);
    }
  else
    doctor_print(stdout, &p);
  probe_free(&p);
  if (ret < 0 || flush_stdout(err) < 0)
    return -1;
  return errors ? CHECK_FOUND_ERRORS : 0;
}

static const struct cli_option check_options[] = {
  { "format", 'f', OPT_STRING, "FORMAT", "Output format: json (the problems as a list), or a Go template ('{{.fix}}')",
    "json" },
  { NULL },
};

static const struct cli_command cmd_system_check = {
  .name = "check",
  .summary = "Check that this host and user can run rootless containers, and say how to fix what is wrong",
  .usage = "[options]",
  .handler = run_system_check,
  .options = check_options,
  .max_args = 0,
};

/* ---------- df ---------- */

/* Sizes as Podman's df prints them (go-units HumanSize): "0B", "1.235MB". */
static void
human_size(char *buf, size_t len, uint64_t bytes)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB", "PB", "EB" };
  double v = (double) bytes;
  size_t u = 0;
  while (v >= 1000.0 && u + 1 < ARRAY_SIZE(units))
    {
      v /= 1000.0;
      u++;
    }
  snprintf(buf, len, "%.4g%s", v, units[u]);
}

static char *
reclaimable_text(const struct usage_summary *s)
{
  char size[32];
  human_size(size, sizeof size, s->reclaimable);
  long percent = s->size ? lround((double) s->reclaimable * 100.0 / (double) s->size) : 0;
  return xasprintf("%s (%ld%%)", size, percent);
}

/* A table as Podman prints them (Go's tabwriter: each column as wide as
 * its widest cell plus 2, at least 12; the last column unpadded). ROWS
 * holds NCOLS cells per row, the header first. */
struct table {
  char **cells;
  size_t ncols, nrows;
};

static void
table_init(struct table *t, size_t ncols)
{
  *t = (struct table){ .ncols = ncols };
}

static void
table_row(struct table *t, ...)
{
  va_list ap;
  va_start(ap, t);
  t->cells = xrealloc(t->cells, (t->nrows + 1) * t->ncols * sizeof *t->cells);
  for (size_t c = 0; c < t->ncols; c++)
    t->cells[t->nrows * t->ncols + c] = xstrdup(va_arg(ap, const char *));
  t->nrows++;
  va_end(ap);
}

static void
table_print(struct table *t)
{
  size_t *width = xzalloc(t->ncols * sizeof *width);
  for (size_t r = 0; r < t->nrows; r++)
    for (size_t c = 0; c < t->ncols; c++)
      {
        size_t w = strlen(t->cells[r * t->ncols + c]) + 2;
        if (w > width[c])
          width[c] = w < 12 ? 12 : w;
      }
  for (size_t r = 0; r < t->nrows; r++)
    {
      for (size_t c = 0; c < t->ncols; c++)
        {
          const char *cell = t->cells[r * t->ncols + c];
          if (c + 1 < t->ncols)
            printf("%-*s", (int) width[c], cell);
          else
            printf("%s\n", cell);
        }
    }
  for (size_t i = 0; i < t->nrows * t->ncols; i++)
    free(t->cells[i]);
  free(t->cells);
  free(width);
}

static const char *const summary_types[] = { "Images", "Containers", "Local Volumes" };

static const struct usage_summary *
summary_of(const struct store_usage *u, size_t i)
{
  return i == 0 ? &u->sum_images : i == 1 ? &u->sum_containers : &u->sum_volumes;
}

static void
df_summary_table(const struct store_usage *u)
{
  struct table t;
  table_init(&t, 5);
  table_row(&t, "TYPE", "TOTAL", "ACTIVE", "SIZE", "RECLAIMABLE");
  for (size_t i = 0; i < ARRAY_SIZE(summary_types); i++)
    {
      const struct usage_summary *s = summary_of(u, i);
      char total[32], active[32], size[32];
      snprintf(total, sizeof total, "%zu", s->total);
      snprintf(active, sizeof active, "%zu", s->active);
      human_size(size, sizeof size, s->size);
      cleanup_free char *rec = reclaimable_text(s);
      table_row(&t, summary_types[i], total, active, size, rec);
    }
  table_print(&t);
}

static json_object *
df_summary_json(const struct store_usage *u)
{
  json_object *a = json_object_new_array();
  for (size_t i = 0; i < ARRAY_SIZE(summary_types); i++)
    {
      const struct usage_summary *s = summary_of(u, i);
      char size[32];
      human_size(size, sizeof size, s->size);
      cleanup_free char *rec = reclaimable_text(s);
      json_object *o = json_object_new_object();
      json_object_object_add(o, "Type", json_object_new_string(summary_types[i]));
      json_object_object_add(o, "Total", json_object_new_int64((int64_t) s->total));
      json_object_object_add(o, "Active", json_object_new_int64((int64_t) s->active));
      json_object_object_add(o, "RawSize", json_object_new_int64((int64_t) s->size));
      json_object_object_add(o, "RawReclaimable", json_object_new_int64((int64_t) s->reclaimable));
      json_object_object_add(o, "TotalCount", json_object_new_int64((int64_t) s->total));
      json_object_object_add(o, "Size", json_object_new_string(size));
      json_object_object_add(o, "Reclaimable", json_object_new_string(rec));
      json_object_array_add(a, o);
    }
  return a;
}

/* "docker.io/library/busybox:latest" -> repository and tag. */
static void
split_name(const char *name, char **repo, char **tag)
{
  const char *at = strchr(name, '@');
  const char *slash = strrchr(name, '/');
  const char *colon = strrchr(name, ':');
  if (at)
    {
      *repo = xstrndup(name, (size_t) (at - name));
      *tag = xstrdup("<none>");
    }
  else if (colon && (!slash || colon > slash))
    {
      *repo = xstrndup(name, (size_t) (colon - name));
      *tag = xstrdup(colon + 1);
    }
  else
    {
      *repo = xstrdup(name);
      *tag = xstrdup("<none>");
    }
}

static void
ago_text(char *buf, size_t len, int64_t then_seconds)
{
  format_ago(buf, len, (long long) (time(NULL) - then_seconds));
}

static void
df_verbose_images(const struct store_usage *u)
{
  struct table t;
  table_init(&t, 8);
  table_row(&t, "REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE", "SHARED SIZE", "UNIQUE SIZE", "CONTAINERS");
  for (size_t i = 0; i < u->n_images; i++)
    {
      const struct usage_image *ui = &u->images[i];
      char id[13], created[64], size[32], shared[32], unique[32], ctrs[32];
      snprintf(id, sizeof id, "%.12s", ui->info->id);
      ago_text(created, sizeof created, ui->info->created);
      human_size(size, sizeof size, ui->size);
      human_size(shared, sizeof shared, ui->shared);
      human_size(unique, sizeof unique, ui->unique);
      snprintf(ctrs, sizeof ctrs, "%zu", ui->containers);
      size_t n_names = strv_len(ui->info->names);
      for (size_t j = 0; j < (n_names ? n_names : 1); j++)
        {
          cleanup_free char *repo = NULL, *tag = NULL;
          if (n_names)
            split_name(ui->info->names[j], &repo, &tag);
          table_row(&t, repo ? repo : "<none>", tag ? tag : "<none>", id, created, size, shared, unique, ctrs);
        }
    }
  table_print(&t);
}

static char *
command_text(json_object *meta)
{
  json_object *cmd = json_get_array(meta, META_COMMAND);
  char *text = xstrdup("");
  for (size_t i = 0; cmd && i < json_object_array_length(cmd); i++)
    {
      char *t = xasprintf("%s%s%s", text, i ? " " : "", json_object_get_string(json_object_array_get_idx(cmd, i)));
      free(text);
      text = t;
    }
  return text;
}

static void
df_verbose_containers(const struct store_usage *u)
{
  struct table t;
  table_init(&t, 8);
  table_row(&t, "CONTAINER ID", "IMAGE", "COMMAND", "LOCAL VOLUMES", "SIZE", "CREATED", "STATUS", "NAMES");
  for (size_t i = 0; i < u->n_containers; i++)
    {
      const struct usage_container *uc = &u->containers[i];
      const char *image = json_get_str(uc->ctr->meta, META_IMAGE_ID);
      char id[13], img[13], vols[32], size[32], created[64];
      snprintf(id, sizeof id, "%.12s", uc->ctr->id);
      snprintf(img, sizeof img, "%.12s", image ? image : "");
      snprintf(vols, sizeof vols, "%zu", uc->volumes);
      human_size(size, sizeof size, uc->rw_size);
      ago_text(created, sizeof created, json_get_int(uc->ctr->meta, META_CREATED, 0) / 1000000000);
      cleanup_free char *cmd = command_text(uc->ctr->meta);
      table_row(&t, id, img, cmd, vols, size, created, uc->status, uc->ctr->name);
    }
  table_print(&t);
}

static void
df_verbose_volumes(const struct store_usage *u)
{
  struct table t;
  table_init(&t, 3);
  table_row(&t, "VOLUME NAME", "LINKS", "SIZE");
  for (size_t i = 0; i < u->n_volumes; i++)
    {
      char links[32], size[32];
      snprintf(links, sizeof links, "%zu", u->volumes[i].links);
      human_size(size, sizeof size, u->volumes[i].size);
      table_row(&t, u->volumes[i].vol->name, links, size);
    }
  table_print(&t);
}

static int
run_system_df(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *format = cli_str(args, "format");
  bool verbose = cli_flag(args, "verbose");
  if (format && verbose)
    return ctool_error_set(err, 0, "cannot combine --format and --verbose");
  struct store_usage u;
  if (store_usage_collect(ctx, &u, err) < 0)
    return -1;
  int ret = 0;
  if (format)
    {
      cleanup_json json_object *a = df_summary_json(&u);
      ret = format_output(format, a, true, err);
    }
  else if (verbose)
    {
      printf("Images space usage:\n\n");
      df_verbose_images(&u);
      printf("\nContainers space usage:\n\n");
      df_verbose_containers(&u);
      printf("\nLocal Volumes space usage:\n\n");
      df_verbose_volumes(&u);
    }
  else
    df_summary_table(&u);
  store_usage_clear(&u);
  if (ret < 0)
    return -1;
  return flush_stdout(err);
}

static const struct cli_option df_options[] = {
  { "format", 0, OPT_STRING, "FORMAT", "Output format: json, or a Go template ('{{.Type}} {{.Size}}')", "json" },
  { "verbose", 'v', OPT_BOOL, NULL, "Show every image, container and volume", NULL },
  { NULL },
};

static const struct cli_command cmd_system_df = {
  .name = "df",
  .summary = "Show the disk space used by images, containers and volumes",
  .usage = "[options]",
  .handler = run_system_df,
  .options = df_options,
  .max_args = 0,
};

/* ---------- prune ---------- */

/* Print HEADING before the first line of a section. */
struct section {
  const char *heading;
  bool printed;
};

static void
section_line(struct section *s, const char *line)
{
  if (!s->printed)
    printf("%s\n", s->heading);
  s->printed = true;
  printf("%s\n", line);
}

/* Report a failure that does not stop the prune; the last one goes to
 * main. */
static void
prune_failure(ctool_error_t *err, ctool_error_t *e)
{
  if (*err)
    {
      fprintf(stderr, "ctool: %s\n", (*err)->msg);
      ctool_error_free(err);
    }
  *err = steal_pointer(e);
}

static void
prune_containers(struct cli_ctx *ctx, ctool_error_t *err)
{
  struct container **list = NULL;
  size_t n = 0;
  ctool_error_t e = NULL;
  if (container_list(ctx, &list, &n, &e) < 0)
    {
      prune_failure(err, &e);
      return;
    }
  container_clear_leftovers(ctx);
  struct section s = { "Deleted Containers", false };
  for (size_t i = 0; i < n; i++)
    {
      struct ctr_state st;
      if (container_lock(list[i], &e) < 0 || container_state(list[i], &st, &e) < 0)
        {
          if (e->errnum == ENOENT) /* removed meanwhile */
            ctool_error_free(&e);
          else
            prune_failure(err, &e);
          continue;
        }
      if (status_is_live(st.status))
        {
          container_unlock(list[i]);
          continue;
        }
      if (container_remove(ctx, list[i], &e) < 0)
        prune_failure(err, &e);
      else
        section_line(&s, list[i]->id);
    }
  container_list_free(list, n);
}

static void
prune_volumes(struct cli_ctx *ctx, ctool_error_t *err)
{
  cleanup_strv char **unused = NULL;
  ctool_error_t e = NULL;
  volume_clear_leftovers(ctx->root);
  if (volumes_unused(ctx, &unused, &e) < 0)
    {
      prune_failure(err, &e);
      return;
    }
  struct section s = { "Deleted Volumes", false };
  for (size_t i = 0; unused[i]; i++)
    {
      if (volume_remove(ctx->root, unused[i], &e) == 0)
        section_line(&s, unused[i]);
      else if (e->errnum == ENOENT)
        ctool_error_free(&e);
      else
        prune_failure(err, &e);
    }
}

static void
prune_images(struct cli_ctx *ctx, bool all, ctool_error_t *err)
{
  struct image_store *s = NULL;
  struct image_info **infos = NULL;
  size_t n = 0;
  ctool_error_t e = NULL;
  if (ctool_store_open(ctx, &s, &e) < 0 || image_list_all(s, &infos, &n, &e) < 0)
    {
      image_store_close(s);
      prune_failure(err, &e);
      return;
    }
  struct section sec = { "Deleted Images", false };
  for (size_t i = 0; i < n; i++)
    {
      struct image_info *info = infos[i];
      if ((!all && strv_len(info->names) > 0) || container_image_in_use(ctx, info->id))
        continue;
      if (store_delete_image(s, info->manifest_digest, &e) < 0)
        prune_failure(err, &e);
      else
        section_line(&sec, info->id);
    }
  bool ran;
  if (store_gc(s, &ran, &e) < 0)
    {
      log_warn("cleaning up unused layers: %s", e->msg);
      ctool_error_free(&e);
    }
  image_infos_free(infos, n);
  image_store_close(s);
}

static char *
prune_warning(bool all, bool volumes)
{
  return xasprintf("WARNING! This command removes:\n"
                   "\t- all stopped containers%s\n"
                   "\t- %s\n",
                   volumes ? "\n\t- all volumes not used by at least one container" : "",
                   all ? "all images without at least one container associated with them" : "all dangling images");
}

static uint64_t
store_bytes(struct cli_ctx *ctx)
{
  struct store_usage u;
  ctool_error_t e = NULL;
  if (store_usage_collect(ctx, &u, &e) < 0)
    {
      ctool_error_free(&e);
      return 0;
    }
  uint64_t total = store_usage_total(&u);
  store_usage_clear(&u);
  return total;
}

static int
run_system_prune(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  bool all = cli_flag(args, "all"), volumes = cli_flag(args, "volumes");
  if (!cli_flag(args, "force"))
    {
      cleanup_free char *warning = prune_warning(all, volumes);
      int yes = confirm_continue(warning, err);
      if (yes <= 0)
        return yes;
    }
  uint64_t before = store_bytes(ctx);
  prune_containers(ctx, err);
  if (volumes)
    prune_volumes(ctx, err);
  prune_images(ctx, all, err);
  uint64_t after = store_bytes(ctx);
  char freed[32];
  human_size(freed, sizeof freed, before > after ? before - after : 0);
  printf("Total reclaimed space: %s\n", freed);
  if (flush_stdout(err) < 0)
    return -1;
  return *err ? -1 : 0;
}

static const struct cli_option prune_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Remove every image no container uses, not only nameless ones", NULL },
  { "force", 'f', OPT_BOOL, NULL, "Do not ask for confirmation", NULL },
  { "volumes", 0, OPT_BOOL, NULL, "Remove the volumes no container uses too", NULL },
  { NULL },
};

static const struct cli_command cmd_system_prune = {
  .name = "prune",
  .summary = "Remove stopped containers, unused images and (with --volumes) unused volumes",
  .usage = "[options]",
  .handler = run_system_prune,
  .options = prune_options,
  .max_args = 0,
};

/* ---------- reset ---------- */

/* Refuse to remove a directory that holds the user's home or is "/":
 * --root or --runroot given by mistake. */
static int
check_removable(const char *what, const char *dir, ctool_error_t *err)
{
  cleanup_free char *real = realpath(dir, NULL);
  const char *home = getenv("HOME");
  cleanup_free char *real_home = home ? realpath(home, NULL) : NULL;
  if (real == NULL)
    return 0; /* nothing there */
  size_t n = strlen(real);
  if (strcmp(real, "/") == 0
      || (real_home && strncmp(real_home, real, n) == 0 && (real_home[n] == '/' || real_home[n] == '\0')))
    return ctool_error_set(err, 0, "refusing to reset: the %s %s holds your home directory; give a dedicated "
                                   "directory with --%s",
                           what, real, strcmp(what, "graphRoot") == 0 ? "root" : "runroot");
  return 0;
}

static void
stop_running_containers(struct cli_ctx *ctx, ctool_error_t *err)
{
  struct container **list = NULL;
  size_t n = 0;
  ctool_error_t e = NULL;
  if (container_list(ctx, &list, &n, &e) < 0)
    {
      prune_failure(err, &e);
      return;
    }
  for (size_t i = 0; i < n; i++)
    if (container_stop(list[i], -1, &e) < 0)
      {
        if (e->errnum == ENOENT)
          ctool_error_free(&e);
        else
          prune_failure(err, &e);
      }
  container_list_free(list, n);
}

static int
run_system_reset(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  if (check_removable("graphRoot", ctx->root, err) < 0 || check_removable("runRoot", ctx->runroot, err) < 0)
    return -1;
  if (!cli_flag(args, "force"))
    {
      cleanup_free char *warning = xasprintf("WARNING! This will remove:\n"
                                             "\t- all containers (running ones are stopped first)\n"
                                             "\t- all images\n"
                                             "\t- all volumes\n"
                                             "\t- the graphRoot directory: \"%s\"\n"
                                             "\t- the runRoot directory: \"%s\"",
                                             ctx->root, ctx->runroot);
      int yes = confirm_continue(warning, err);
      if (yes <= 0)
        return yes;
    }
  stop_running_containers(ctx, err);
  if (*err)
    return ctool_error_prefix(err, "reset: a container could not be stopped, nothing was removed");
  if (remove_tree_as_owner(ctx->root, false, err) < 0)
    return ctool_error_prefix(err, "reset");
  if (pause_stop(ctx->runroot, NULL, err) < 0)
    return ctool_error_prefix(err, "reset");
  if (remove_tree_as_owner(ctx->runroot, false, err) < 0)
    return ctool_error_prefix(err, "reset");
  return 0;
}

static const struct cli_option reset_options[] = {
  { "force", 'f', OPT_BOOL, NULL, "Do not ask for confirmation", NULL },
  { NULL },
};

static const struct cli_command cmd_system_reset = {
  .name = "reset",
  .summary = "Remove every container, image and volume of the user, and ctool's runtime state",
  .usage = "[options]",
  .handler = run_system_reset,
  .options = reset_options,
  .max_args = 0,
};

/* ---------- migrate ---------- */

/* As Podman's: the pause process goes (containers that run keep their
 * user namespace), so the next start maps a new one from /etc/subuid and
 * /etc/subgid. ctool notices changed ranges by itself; this is for a
 * clean slate, and for scripts written for Podman. */
static int
run_system_migrate(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  (void) args;
  bool stopped = false;
  if (pause_stop(ctx->runroot, &stopped, err) < 0)
    return ctool_error_prefix(err, "migrate");
  log_debug("system migrate: %s", stopped ? "the pause process was ended" : "no pause process ran");
  return 0;
}

static const struct cli_command cmd_system_migrate = {
  .name = "migrate",
  .summary = "End the pause process that holds the user namespace, so that the next start maps a new one",
  .usage = "",
  .handler = run_system_migrate,
  .max_args = 0,
};

/* ---------- the family ---------- */

extern const struct cli_command cmd_system_info;

static const struct cli_command *const system_subcommands[] = {
  &cmd_system_check, &cmd_system_df, &cmd_system_info, &cmd_system_migrate, &cmd_system_prune, &cmd_system_reset,
  NULL,
};

const struct cli_command cmd_system = {
  .name = "system",
  .summary = "Check the host, show disk usage, prune or reset the user's storage",
  .usage = "COMMAND [ARG...]",
  .min_args = 0,
  .max_args = -1,
  .subcommands = system_subcommands,
};
