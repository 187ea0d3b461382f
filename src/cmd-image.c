/* ctool image ls|tag|inspect, and the `image` family with its aliases
 * (images, tag). rm/prune live in cmd-image-rm.c, save/load in
 * cmd-image-archive.c. */
#include "cmd-image.h"
#include "commands.h"
#include "container.h"
#include "extract.h"
#include "image-view.h"
#include "jsonutil.h"
#include "libimage/lookup.h"
#include "util.h"

#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---------- shared ---------- */

void
image_infos_free(struct image_info **infos, size_t n)
{
  for (size_t i = 0; i < n; i++)
    image_info_free(infos[i]);
  free(infos);
}

static int
by_created_desc(const void *a, const void *b)
{
  const struct image_info *x = *(struct image_info *const *) a, *y = *(struct image_info *const *) b;
  return x->created < y->created ? 1 : x->created > y->created ? -1 : 0;
}

int
image_list_all(struct image_store *s, struct image_info ***out, size_t *n_out, ctool_error_t *err)
{
  struct store_image *imgs = NULL;
  size_t n = 0;
  if (store_list_images(s, &imgs, &n, err) < 0)
    return -1;
  struct image_info **infos = xzalloc((n + 1) * sizeof *infos);
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    {
      ctool_error_t e = NULL;
      if (store_image_info(s, imgs[i].manifest_digest, &infos[k], &e) < 0)
        {
          log_warn("%s", e->msg);
          ctool_error_free(&e);
          continue;
        }
      k++;
    }
  store_images_free(imgs, n);
  qsort(infos, k, sizeof *infos, by_created_desc);
  *out = infos;
  *n_out = k;
  return 0;
}

static void
print_json(json_object *o)
{
  puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE));
}

/* ---------- ls ---------- */

struct image_row {
  const struct image_info *info;
  char *repo;
  char *tag;
};

struct ls_filters {
  int dangling;           /* -1 any, 0 only named, 1 only nameless */
  char **references;      /* fnmatch patterns against names */
};

static int
parse_filters(char *const *list, struct ls_filters *f, ctool_error_t *err)
{
  f->dangling = -1;
  for (size_t i = 0; list && list[i]; i++)
    {
      const char *eq = strchr(list[i], '=');
      if (eq == NULL)
        return ctool_error_set(err, 0, "invalid filter '%s': use KEY=VALUE (dangling=true, reference=PATTERN)", list[i]);
      size_t kl = (size_t) (eq - list[i]);
      if (kl == 8 && strncmp(list[i], "dangling", kl) == 0)
        {
          if (strcmp(eq + 1, "true") != 0 && strcmp(eq + 1, "false") != 0)
            return ctool_error_set(err, 0, "invalid filter '%s': dangling takes true or false", list[i]);
          f->dangling = strcmp(eq + 1, "true") == 0;
        }
      else if (kl == 9 && strncmp(list[i], "reference", kl) == 0)
        strv_push(&f->references, eq + 1);
      else
        return ctool_error_set(err, 0, "unsupported filter '%.*s': use dangling or reference", (int) kl, list[i]);
    }
  return 0;
}

/* A reference pattern matches a full name, or its end after a '/'
 * ("busybox" and "busybox:latest" match docker.io/library/busybox:latest). */
static bool
reference_matches(const char *pattern, const char *name)
{
  cleanup_free char *repo = NULL, *tag = NULL;
  image_name_split(name, &repo, &tag);
  const char *cands[] = { name, repo };
  for (size_t c = 0; c < 2; c++)
    for (const char *p = cands[c]; p; p = strchr(p, '/'))
      {
        if (*p == '/')
          p++;
        if (fnmatch(pattern, p, 0) == 0)
          return true;
        if (p == cands[c] && strchr(p, '/') == NULL)
          break;
      }
  return false;
}

static bool
passes_filters(const struct ls_filters *f, const struct image_info *info)
{
  bool dangling = strv_len(info->names) == 0;
  if (f->dangling >= 0 && dangling != (f->dangling == 1))
    return false;
  if (f->references)
    {
      for (size_t i = 0; f->references[i]; i++)
        for (size_t j = 0; info->names && info->names[j]; j++)
          if (reference_matches(f->references[i], info->names[j]))
            return true;
      return false;
    }
  return true;
}

/* Columns padded as Go's tabwriter (minimum width 12, padding 2) does for
 * Podman's tables. */
static void
print_table(char ***cells, size_t rows, size_t cols)
{
  size_t *width = xzalloc(cols * sizeof *width);
  for (size_t r = 0; r < rows; r++)
    for (size_t c = 0; c < cols; c++)
      {
        size_t w = strlen(cells[r][c]) + 2;
        if (w < 12)
          w = 12;
        if (w > width[c])
          width[c] = w;
      }
  for (size_t r = 0; r < rows; r++)
    {
      for (size_t c = 0; c < cols; c++)
        {
          if (c + 1 == cols)
            printf("%s\n", cells[r][c]);
          else
            printf("%-*s", (int) width[c], cells[r][c]);
        }
    }
  free(width);
}

/* -q prints each image ID once (the same image can have two manifests). */
static bool
id_listed(const struct image_row *rows, size_t r)
{
  for (size_t i = 0; i < r; i++)
    if (strcmp(rows[i].info->id, rows[r].info->id) == 0)
      return true;
  return false;
}

static int
containers_of(struct container **ctrs, size_t n, const char *image_id)
{
  int count = 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *id = json_get_str(ctrs[i]->meta, META_IMAGE_ID);
      count += id && strcmp(id, image_id) == 0;
    }
  return count;
}

static int
run_image_ls(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *format = cli_str(args, "format");
  if (format && strcmp(format, "json") != 0)
    return ctool_error_set(err, 0, "unsupported --format '%s': use json", format);
  bool quiet = cli_flag(args, "quiet"), digests = cli_flag(args, "digests"), no_trunc = cli_flag(args, "no-trunc");
  struct ls_filters filters = { 0 };
  if (parse_filters(cli_list(args, "filter"), &filters, err) < 0)
    {
      strv_free(filters.references);
      return -1;
    }
  struct image_store *s = NULL;
  struct image_info **infos = NULL;
  size_t n = 0;
  if (ctool_store_open(ctx, &s, err) < 0 || image_list_all(s, &infos, &n, err) < 0)
    {
      strv_free(filters.references);
      image_store_close(s);
      return -1;
    }
  /* An optional argument restricts the list like a reference filter. */
  if (cli_nargs(args) == 1)
    strv_push(&filters.references, cli_arg(args, 0));

  struct image_row *rows = xzalloc((n * 4 + 1) * sizeof *rows);
  size_t n_rows = 0, cap = n * 4 + 1;
  json_object *json = format && strcmp(format, "json") == 0 ? json_object_new_array() : NULL;
  struct container **ctrs = NULL;
  size_t n_ctrs = 0;
  ctool_error_t ctr_err = NULL;
  if (json && container_list(ctx, &ctrs, &n_ctrs, &ctr_err) < 0)
    {
      log_warn("%s", ctr_err->msg);
      ctool_error_free(&ctr_err);
    }
  for (size_t i = 0; i < n; i++)
    {
      if (!passes_filters(&filters, infos[i]))
        continue;
      if (json)
        {
          json_object_array_add(json, image_list_json(infos[i], containers_of(ctrs, n_ctrs, infos[i]->id)));
          continue;
        }
      size_t names = strv_len(infos[i]->names);
      for (size_t j = 0; j < (names ? names : 1); j++)
        {
          if (n_rows == cap)
            rows = xrealloc(rows, (cap *= 2) * sizeof *rows);
          rows[n_rows].info = infos[i];
          if (names)
            image_name_split(infos[i]->names[j], &rows[n_rows].repo, &rows[n_rows].tag);
          else
            {
              rows[n_rows].repo = xstrdup("<none>");
              rows[n_rows].tag = xstrdup("<none>");
            }
          n_rows++;
          if (quiet)
            break; /* one ID per image */
        }
    }
  int ret = 0;
  if (json)
    {
      print_json(json);
      json_object_put(json);
    }
  else if (quiet)
    {
      for (size_t r = 0; r < n_rows; r++)
        if (!id_listed(rows, r))
          printf("%s%.*s\n", no_trunc ? "sha256:" : "", no_trunc ? 64 : 12, rows[r].info->id);
    }
  else
    {
      size_t cols = digests ? 6 : 5;
      char ***cells = xzalloc((n_rows + 1) * sizeof *cells);
      cells[0] = xzalloc(cols * sizeof(char *));
      const char *head[] = { "REPOSITORY", "TAG", "DIGEST", "IMAGE ID", "CREATED", "SIZE" };
      for (size_t c = 0, h = 0; c < cols; c++, h++)
        {
          if (!digests && h == 2)
            h++;
          cells[0][c] = xstrdup(head[h]);
        }
      for (size_t r = 0; r < n_rows; r++)
        {
          const struct image_info *info = rows[r].info;
          char **row = cells[r + 1] = xzalloc(cols * sizeof(char *));
          char size[32], ago[64];
          format_size(size, sizeof size, info->size);
          format_ago(ago, sizeof ago, (long long) time(NULL) - info->created);
          size_t c = 0;
          row[c++] = xstrdup(rows[r].repo);
          row[c++] = xstrdup(rows[r].tag);
          if (digests)
            row[c++] = xstrdup(info->manifest_digest);
          row[c++] = no_trunc ? xasprintf("sha256:%s", info->id) : xstrndup(info->id, 12);
          row[c++] = xstrdup(ago);
          row[c++] = xstrdup(size);
        }
      print_table(cells, n_rows + 1, cols);
      for (size_t r = 0; r <= n_rows; r++)
        {
          for (size_t c = 0; c < cols; c++)
            free(cells[r][c]);
          free(cells[r]);
        }
      free(cells);
    }
  for (size_t r = 0; r < n_rows; r++)
    {
      free(rows[r].repo);
      free(rows[r].tag);
    }
  free(rows);
  strv_free(filters.references);
  container_list_free(ctrs, n_ctrs);
  image_infos_free(infos, n);
  image_store_close(s);
  return ret;
}

static const struct cli_option image_ls_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Show all images (ctool keeps no intermediate images: the same as without)", NULL },
  { "digests", 0, OPT_BOOL, NULL, "Show the manifest digests", NULL },
  { "filter", 'f', OPT_LIST, "FILTER", "Show only images matching FILTER: dangling=true|false, reference=PATTERN", NULL },
  { "format", 0, OPT_STRING, "FORMAT", "Output format: json", "json" },
  { "no-trunc", 0, OPT_BOOL, NULL, "Show full image IDs", NULL },
  { "quiet", 'q', OPT_BOOL, NULL, "Print only image IDs", NULL },
  { NULL },
};

/* "image ls", and "images" with the same fields. */
#define IMAGE_LS_COMMAND \
  .summary = "List images in local storage", .usage = "[options] [REFERENCE]", .handler = run_image_ls, \
  .options = image_ls_options, .max_args = 1, .args_complete = COMPLETE_IMAGES

static const struct cli_command cmd_image_ls = { .name = "ls", IMAGE_LS_COMMAND };

const struct cli_command cmd_images = { .name = "images", IMAGE_LS_COMMAND, .alias_of = "image ls" };

/* ---------- tag ---------- */

static int
run_image_tag(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  struct image_store *s = NULL;
  struct image_info *info = NULL;
  if (ctool_store_open(ctx, &s, err) < 0)
    return -1;
  int ret = image_store_lookup(s, cli_arg(args, 0), &info, err);
  for (size_t i = 1; ret == 0 && i < cli_nargs(args); i++)
    {
      cleanup_free char *name = NULL;
      if (store_resolve_name(s, cli_arg(args, i), &name, err) < 0)
        ret = -1;
      else if (strchr(name, '@'))
        ret = ctool_error_set(err, 0, "cannot tag with '%s': a new name takes a tag, not a digest", cli_arg(args, i));
      else
        ret = store_tag_image(s, info->manifest_digest, name, err);
    }
  image_info_free(info);
  image_store_close(s);
  return ret;
}

static const struct cli_option no_options[] = { { NULL } };

/* "image tag", and "tag" with the same fields. */
#define IMAGE_TAG_COMMAND \
  .summary = "Add names to a local image", .usage = "IMAGE TARGET-NAME [TARGET-NAME...]", .handler = run_image_tag, \
  .options = no_options, .min_args = 2, .max_args = -1, .args_complete = COMPLETE_IMAGES ",none"

static const struct cli_command cmd_image_tag = { .name = "tag", IMAGE_TAG_COMMAND };

const struct cli_command cmd_tag = { .name = "tag", IMAGE_TAG_COMMAND, .alias_of = "image tag" };

/* ---------- inspect ---------- */

static int
run_image_inspect(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *format = cli_str(args, "format");
  if (format && strcmp(format, "json") != 0)
    return ctool_error_set(err, 0, "unsupported --format '%s': use json", format);
  struct image_store *s = NULL;
  if (ctool_store_open(ctx, &s, err) < 0)
    return -1;
  json_object *all = json_object_new_array();
  int ret = 0;
  for (size_t i = 0; i < cli_nargs(args); i++)
    {
      struct image_info *info = NULL;
      ctool_error_t e = NULL;
      if (image_store_lookup(s, cli_arg(args, i), &info, &e) < 0)
        {
          /* Podman prints what it found and fails for the rest. */
          if (*err)
            fprintf(stderr, "ctool: %s\n", (*err)->msg);
          ctool_error_free(err);
          *err = steal_pointer(&e);
          ret = -1;
          continue;
        }
      json_object_array_add(all, image_inspect_json(s, info));
      image_info_free(info);
    }
  print_json(all);
  json_object_put(all);
  image_store_close(s);
  return ret;
}

static const struct cli_option image_inspect_options[] = {
  { "format", 'f', OPT_STRING, "FORMAT", "Output format: json", "json" },
  { NULL },
};

static const struct cli_command cmd_image_inspect = {
  .name = "inspect",
  .summary = "Show details of local images as JSON",
  .usage = "[options] IMAGE [IMAGE...]",
  .handler = run_image_inspect,
  .options = image_inspect_options,
  .min_args = 1,
  .max_args = -1,
  .args_complete = COMPLETE_IMAGES,
};

/* ---------- the family ---------- */

const struct cli_command cmd_image = {
  .name = "image",
  .summary = "Manage images",
  .usage = "COMMAND",
  .subcommands = (const struct cli_command *const[]) {
    &cmd_image_inspect, &cmd_image_load, &cmd_image_ls, &cmd_image_prune, &cmd_image_rm, &cmd_image_save,
    &cmd_image_tag, NULL,
  },
};
