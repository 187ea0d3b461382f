/* ctool ps: list containers, as a table (Podman's columns), IDs, or JSON. */
#include "commands.h"
#include "libnet/network.h"
#include "container.h"
#include "format.h"
#include "jsonutil.h"
#include "start.h"
#include "util.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct cli_option ps_options[] = {
  { "all", 'a', OPT_BOOL, NULL, "Show all containers, not only running ones", NULL },
  { "quiet", 'q', OPT_BOOL, NULL, "Print only the container IDs", NULL },
  { "no-trunc", 0, OPT_BOOL, NULL, "Do not shorten IDs and commands", NULL },
  { "format", 0, OPT_STRING, "FORMAT", "Output format: json, or a Go template ('table {{.ID}} {{.Names}}')",
    "json|table" },
  { "filter", 'f', OPT_LIST, "FILTER", "Filter KEY=VALUE: status, name, id, label", COMPLETE_NONE },
  { NULL },
};

struct row {
  struct container *c;
  struct ctr_state st;
};

/* ---- filters ---- */

struct filters {
  char **status, **name, **id, **label;
};

static void
filters_free(struct filters *f)
{
  strv_free(f->status);
  strv_free(f->name);
  strv_free(f->id);
  strv_free(f->label);
}

static int
filters_parse(char *const *args, struct filters *f, ctool_error_t *err)
{
  memset(f, 0, sizeof *f);
  for (size_t i = 0; args && args[i]; i++)
    {
      const char *eq = strchr(args[i], '=');
      if (eq == NULL || eq[1] == '\0')
        return ctool_error_set(err, 0, "invalid filter '%s': use KEY=VALUE", args[i]);
      size_t klen = (size_t) (eq - args[i]);
      const char *v = eq + 1;
      if (klen == 6 && strncmp(args[i], "status", 6) == 0)
        {
          if (ctr_status_parse(v) < 0)
            return ctool_error_set(err, 0, "invalid filter '%s': status is created, running, stopping, paused or "
                                           "exited", args[i]);
          strv_push(&f->status, v);
        }
      else if (klen == 4 && strncmp(args[i], "name", 4) == 0)
        strv_push(&f->name, v);
      else if (klen == 2 && strncmp(args[i], "id", 2) == 0)
        strv_push(&f->id, v);
      else if (klen == 5 && strncmp(args[i], "label", 5) == 0)
        strv_push(&f->label, v);
      else
        return ctool_error_set(err, 0, "invalid filter '%s': filters are status, name, id and label", args[i]);
    }
  return 0;
}

static bool
name_matches(const char *pattern, const char *name)
{
  regex_t re;
  if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
    return strstr(name, pattern) != NULL;
  bool m = regexec(&re, name, 0, NULL, 0) == 0;
  regfree(&re);
  return m;
}

static bool
label_matches(const char *want, json_object *labels)
{
  cleanup_free char *key = xstrdup(want);
  char *eq = strchr(key, '=');
  if (eq)
    *eq++ = '\0';
  json_object *v;
  if (!labels || !json_object_object_get_ex(labels, key, &v))
    return false;
  return eq == NULL || strcmp(json_object_get_string(v), eq) == 0;
}

/* Values of one key OR'ed, keys AND'ed, as Podman does. */
static bool
row_matches(const struct row *r, const struct filters *f)
{
  bool ok;
  if (f->status)
    {
      ok = false;
      for (size_t i = 0; f->status[i]; i++)
        ok |= strcmp(f->status[i], ctr_status_name(r->st.status)) == 0;
      if (!ok)
        return false;
    }
  if (f->name)
    {
      ok = false;
      for (size_t i = 0; f->name[i]; i++)
        ok |= name_matches(f->name[i], r->c->name);
      if (!ok)
        return false;
    }
  if (f->id)
    {
      ok = false;
      for (size_t i = 0; f->id[i]; i++)
        ok |= str_has_prefix(r->c->id, f->id[i]);
      if (!ok)
        return false;
    }
  for (size_t i = 0; f->label && f->label[i]; i++)
    if (!label_matches(f->label[i], json_get_obj(r->c->meta, META_LABELS)))
      return false;
  return true;
}

/* ---- columns ---- */

static char *
command_text(json_object *meta, bool no_trunc)
{
  json_object *cmd = json_get_array(meta, META_COMMAND);
  size_t len = 0;
  for (size_t i = 0; cmd && i < json_object_array_length(cmd); i++)
    len += strlen(json_object_get_string(json_object_array_get_idx(cmd, i))) + 1;
  char *s = xzalloc(len + 1);
  for (size_t i = 0; cmd && i < json_object_array_length(cmd); i++)
    {
      if (i)
        strcat(s, " ");
      strcat(s, json_object_get_string(json_object_array_get_idx(cmd, i)));
    }
  if (!no_trunc && strlen(s) > 17)
    strcpy(s + 17, "...");
  return s;
}

static void
status_text(char *buf, size_t len, const struct ctr_state *st, int64_t now)
{
  char ago[64];
  switch (st->status)
    {
    case CTR_CREATED:
      snprintf(buf, len, "Created");
      break;
    case CTR_RUNNING:
      format_ago(ago, sizeof ago, (now - st->started_at) / 1000000000);
      snprintf(buf, len, "Up %s", ago);
      break;
    case CTR_STOPPING:
      snprintf(buf, len, "Stopping");
      break;
    case CTR_PAUSED:
      snprintf(buf, len, "Paused");
      break;
    case CTR_EXITED:
      if (st->finished_at > 0)
        {
          format_ago(ago, sizeof ago, (now - st->finished_at) / 1000000000);
          snprintf(buf, len, "Exited (%d) %s", st->exit_code, ago);
        }
      else
        snprintf(buf, len, "Exited (%d)", st->exit_code);
      break;
    }
}

static char *
ports_text(json_object *meta)
{
  struct port_mapping *ports = NULL;
  size_t n = 0;
  ctool_error_t e = NULL;
  if (net_ports_from_json(json_get_array(meta, META_PORTS), &ports, &n, &e) < 0)
    ctool_error_free(&e);
  char *s = net_ports_format(ports, n);
  free(ports);
  return s;
}

enum { COL_ID, COL_IMAGE, COL_COMMAND, COL_CREATED, COL_STATUS, COL_PORTS, COL_NAMES, NCOLS };
static const char *const headers[NCOLS] = { "CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES" };

static void
print_table(struct row *rows, size_t n, bool no_trunc)
{
  int64_t now = time_now_ns();
  char ***cells = xzalloc(n * sizeof *cells);
  size_t width[NCOLS];
  for (int c = 0; c < NCOLS; c++)
    width[c] = strlen(headers[c]);
  for (size_t i = 0; i < n; i++)
    {
      json_object *meta = rows[i].c->meta;
      char created[64], status[96];
      format_ago(created, sizeof created, (now - json_get_int(meta, META_CREATED, now)) / 1000000000);
      status_text(status, sizeof status, &rows[i].st, now);
      cells[i] = xzalloc(NCOLS * sizeof **cells);
      cells[i][COL_ID] = no_trunc ? xstrdup(rows[i].c->id) : xstrndup(rows[i].c->id, 12);
      const char *img = json_get_str(meta, META_IMAGE_NAME);
      cells[i][COL_IMAGE] = xstrdup(img ? img : "");
      cells[i][COL_COMMAND] = command_text(meta, no_trunc);
      cells[i][COL_CREATED] = xstrdup(created);
      cells[i][COL_STATUS] = xstrdup(status);
      cells[i][COL_PORTS] = ports_text(meta);
      cells[i][COL_NAMES] = xstrdup(rows[i].c->name);
      for (int c = 0; c < NCOLS; c++)
        if (strlen(cells[i][c]) > width[c])
          width[c] = strlen(cells[i][c]);
    }
  for (int c = 0; c < NCOLS; c++)
    {
      if (c == NCOLS - 1)
        printf("%s\n", headers[c]);
      else
        printf("%-*s  ", (int) width[c], headers[c]);
    }
  for (size_t i = 0; i < n; i++)
    {
      for (int c = 0; c < NCOLS; c++)
        {
          if (c == NCOLS - 1)
            printf("%s\n", cells[i][c]);
          else
            printf("%-*s  ", (int) width[c], cells[i][c]);
          free(cells[i][c]);
        }
      free(cells[i]);
    }
  free(cells);
}

static json_object *
row_json(const struct row *r)
{
  json_object *meta = r->c->meta;
  json_object *o = json_object_new_object();
  const struct ctr_state *st = &r->st;
  char buf[96];
  json_object_object_add(o, "AutoRemove", json_object_new_boolean(json_get_bool(meta, META_RM, false)));
  json_object_object_add(o, "Command", json_object_get(json_get_array(meta, META_COMMAND)));
  int64_t created = json_get_int(meta, META_CREATED, 0);
  format_time_rfc3339(buf, sizeof buf, created);
  json_object_object_add(o, "CreatedAt", json_object_new_string(buf));
  json_object_object_add(o, "Created", json_object_new_int64(created / 1000000000));
  json_object_object_add(o, "Exited", json_object_new_boolean(st->status == CTR_EXITED));
  json_object_object_add(o, "ExitedAt", json_object_new_int64(st->finished_at / 1000000000));
  json_object_object_add(o, "ExitCode", json_object_new_int(st->status == CTR_EXITED ? st->exit_code : 0));
  json_object_object_add(o, "Id", json_object_new_string(r->c->id));
  const char *img = json_get_str(meta, META_IMAGE_NAME);
  json_object_object_add(o, "Image", json_object_new_string(img ? img : ""));
  const char *imgid = json_get_str(meta, META_IMAGE_ID);
  json_object_object_add(o, "ImageID", json_object_new_string(imgid ? imgid : ""));
  json_object_object_add(o, "Labels", json_object_get(json_get_obj(meta, META_LABELS)));
  json_object *names = json_object_new_array();
  json_object_array_add(names, json_object_new_string(r->c->name));
  json_object_object_add(o, "Names", names);
  json_object_object_add(o, "Networks", json_object_new_array());
  json_object_object_add(o, "Pid", json_object_new_int(status_is_live(st->status) ? st->pid : 0));
  json_object_object_add(o, "Ports", json_object_get(json_get_array(meta, META_PORTS)));
  json_object_object_add(o, "StartedAt", json_object_new_int64(st->started_at / 1000000000));
  json_object_object_add(o, "State", json_object_new_string(ctr_status_name(st->status)));
  status_text(buf, sizeof buf, st, time_now_ns());
  json_object_object_add(o, "Status", json_object_new_string(buf));
  return o;
}

/* What a --format template sees for each container: Podman's ps fields
 * (.ID short, .Names and .Command as text, .RunningFor, ...). */
static json_object *
row_template_json(const struct row *r, bool no_trunc)
{
  json_object *o = row_json(r);
  json_object *meta = r->c->meta;
  int64_t now = time_now_ns();
  char buf[96];
  cleanup_free char *id = no_trunc ? xstrdup(r->c->id) : xstrndup(r->c->id, 12);
  json_object_object_add(o, "ID", json_object_new_string(id));
  json_object_object_add(o, "Names", json_object_new_string(r->c->name));
  cleanup_free char *cmd = command_text(meta, no_trunc);
  json_object_object_add(o, "Command", json_object_new_string(cmd));
  format_ago(buf, sizeof buf, (now - json_get_int(meta, META_CREATED, now)) / 1000000000);
  json_object_object_add(o, "RunningFor", json_object_new_string(buf));
  cleanup_free char *ports = ports_text(meta);
  json_object_object_add(o, "Ports", json_object_new_string(ports));
  return o;
}

static const char *const ps_headers[] = {
  "ID=CONTAINER ID", "Names=NAMES", "RunningFor=CREATED", "CreatedAt=CREATED AT", NULL,
};

static int
print_format(const char *format, struct row *rows, size_t n, bool no_trunc, ctool_error_t *err)
{
  cleanup_json json_object *arr = json_object_new_array();
  bool json = strcmp(format, "json") == 0;
  for (size_t i = 0; i < n; i++)
    json_object_array_add(arr, json ? row_json(&rows[i]) : row_template_json(&rows[i], no_trunc));
  if (json)
    {
      puts(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                                   | JSON_C_TO_STRING_NOSLASHESCAPE));
      return 0;
    }
  return format_output_headers(format, arr, true, ps_headers, err) < 0 ? -1 : 0;
}

static int
run_ps(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *format = cli_str(args, "format");
  if (format && strcmp(format, "table") == 0)
    format = NULL; /* the default table */
  struct filters f;
  if (filters_parse(cli_list(args, "filter"), &f, err) < 0)
    {
      filters_free(&f);
      return -1;
    }
  /* A status filter looks at every container, as Podman does. */
  bool all = cli_flag(args, "all") || f.status;
  struct container **list = NULL;
  size_t n = 0;
  if (container_list(ctx, &list, &n, err) < 0)
    {
      filters_free(&f);
      return -1;
    }
  struct row *rows = xzalloc((n + 1) * sizeof *rows);
  size_t kept = 0;
  int ret = 0;
  for (size_t i = 0; i < n; i++)
    {
      struct row r = { .c = list[i] };
      ctool_error_t e = NULL;
      if (container_state(list[i], &r.st, &e) < 0)
        {
          /* One unreadable container must not hide the others. */
          log_warn("%s", e->msg);
          ctool_error_free(&e);
          continue;
        }
      if ((!all && !status_is_live(r.st.status)) || !row_matches(&r, &f))
        continue;
      rows[kept++] = r;
    }
  bool no_trunc = cli_flag(args, "no-trunc");
  if (format)
    ret = print_format(format, rows, kept, no_trunc, err);
  else if (cli_flag(args, "quiet"))
    for (size_t i = 0; i < kept; i++)
      printf("%.*s\n", no_trunc ? 64 : 12, rows[i].c->id);
  else
    print_table(rows, kept, no_trunc);
  free(rows);
  container_list_free(list, n);
  filters_free(&f);
  return ret;
}

/* "ps", and "container ls", "container list", "container ps" with the same fields. */
#define PS_COMMAND \
  .summary = "List containers", .usage = "[options]", .handler = run_ps, .options = ps_options, .max_args = 0

const struct cli_command cmd_ps = { .name = "ps", PS_COMMAND };

/* `ctool container ls|list|ps` are the same verb. */
const struct cli_command cmd_container_ls = { .name = "ls", PS_COMMAND, .alias_of = "ps" };
const struct cli_command cmd_container_list = { .name = "list", PS_COMMAND, .alias_of = "ps" };
const struct cli_command cmd_container_ps = { .name = "ps", PS_COMMAND, .alias_of = "ps" };
