/* ctool info: what this host and user offer rootless containers, with the
 * problems found and the commands that fix them. YAML-like for people (as
 * podman info), JSON with --format json. */
#include "cgroup.h"
#include "commands.h"
#include "context.h"
#include "ctool-conf.h"
#include "jsonutil.h"
#include "probe.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

static const struct cli_option info_options[] = {
  { "format", 'f', OPT_STRING, "FORMAT", "Output format: json", "json" },
  { NULL },
};

/* ---- a small YAML writer for the JSON tree ---- */

static bool
yaml_needs_quotes(const char *s)
{
  static const char *const words[] = { "true", "false", "yes", "no", "null", "on", "off", "~" };
  if (*s == '\0' || isspace((unsigned char) s[0]) || isspace((unsigned char) s[strlen(s) - 1]))
    return true;
  if (strchr("-?:,[]{}#&*!|>'\"%@`", s[0]))
    return true;
  if (strstr(s, ": ") || strstr(s, " #") || strchr(s, '\n') || strchr(s, '\t'))
    return true;
  for (size_t i = 0; i < ARRAY_SIZE(words); i++)
    if (strcasecmp(s, words[i]) == 0)
      return true;
  char *end;
  strtod(s, &end);
  return *end == '\0';
}

static void
yaml_scalar(FILE *f, json_object *v)
{
  if (v == NULL)
    {
      fputs("null", f);
      return;
    }
  if (!json_object_is_type(v, json_type_string))
    {
      fputs(json_object_to_json_string(v), f);
      return;
    }
  const char *s = json_object_get_string(v);
  if (!yaml_needs_quotes(s))
    {
      fputs(s, f);
      return;
    }
  fputc('"', f);
  for (const char *c = s; *c; c++)
    {
      if (*c == '"' || *c == '\\')
        fprintf(f, "\\%c", *c);
      else if (*c == '\n')
        fputs("\\n", f);
      else if (*c == '\t')
        fputs("\\t", f);
      else
        fputc(*c, f);
    }
  fputc('"', f);
}

static bool
is_container(json_object *v)
{
  return v && (json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array));
}

static bool
is_empty_container(json_object *v)
{
  if (json_object_is_type(v, json_type_array))
    return json_object_array_length(v) == 0;
  return json_object_object_length(v) == 0;
}

static void yaml_object(FILE *f, json_object *o, int indent, bool first_inline);

static void
yaml_array(FILE *f, json_object *a, int indent)
{
  size_t n = json_object_array_length(a);
  for (size_t i = 0; i < n; i++)
    {
      json_object *e = json_object_array_get_idx(a, i);
      fprintf(f, "%*s- ", indent, "");
      if (e && json_object_is_type(e, json_type_object) && !is_empty_container(e))
        yaml_object(f, e, indent + 2, true);
      else
        {
          yaml_scalar(f, e);
          fputc('\n', f);
        }
    }
}

/* FIRST_INLINE: the first key follows a "- " already printed. */
static void
yaml_object(FILE *f, json_object *o, int indent, bool first_inline)
{
  bool first = true;
  json_object_object_foreach(o, key, v)
    {
      if (!(first && first_inline))
        fprintf(f, "%*s", indent, "");
      first = false;
      fprintf(f, "%s:", key);
      if (is_container(v) && is_empty_container(v))
        fputs(json_object_is_type(v, json_type_array) ? " []\n" : " {}\n", f);
      else if (v && json_object_is_type(v, json_type_object))
        {
          fputc('\n', f);
          yaml_object(f, v, indent + 2, false);
        }
      else if (v && json_object_is_type(v, json_type_array))
        {
          fputc('\n', f);
          yaml_array(f, v, indent + 2);
        }
      else
        {
          fputc(' ', f);
          yaml_scalar(f, v);
          fputc('\n', f);
        }
    }
}

/* ---- the command ---- */

static json_object *
version_json(void)
{
  json_object *v = json_object_new_object();
  json_object_object_add(v, "Version", json_object_new_string(PACKAGE_VERSION));
  json_object_object_add(v, "OsArch", json_object_new_string("linux/" CTOOL_GOARCH));
  return v;
}

/* Set KEY's value in VALUES (config_to_json's "Values") to what takes
 * effect, with ORIGIN. */
static void
set_effective(json_object *values, enum config_key key, const char *value, const char *origin)
{
  json_object *entry = json_get_obj(values, config_key_name(key));
  json_object_object_add(entry, "Value", json_object_new_string(value));
  json_object_object_add(entry, "Origin", json_object_new_string(origin));
}

/* ctool.conf's values with their origins, as they take effect: the
 * global options and the environment on top, the paths and the cgroup
 * manager ctool picks where nothing sets them. */
static json_object *
config_json(const struct cli_ctx *ctx)
{
  if (ctx->config == NULL)
    return json_object_new_object();
  json_object *c = config_to_json(ctx->config);
  json_object *values = json_get_obj(c, "Values");
  if (config_str(ctx->config, CONFIG_STORAGE_ROOT) == NULL)
    set_effective(values, CONFIG_STORAGE_ROOT, ctx->root, "default");
  if (config_str(ctx->config, CONFIG_STORAGE_RUNROOT) == NULL)
    set_effective(values, CONFIG_STORAGE_RUNROOT, ctx->runroot, "default");
  if (ctx->cgroup_manager)
    set_effective(values, CONFIG_CGROUP_MANAGER, ctx->cgroup_manager, "--cgroup-manager");
  else if (config_str(ctx->config, CONFIG_CGROUP_MANAGER) == NULL)
    set_effective(values, CONFIG_CGROUP_MANAGER, cgroup_manager_name(cgroup_manager_default()), "default");
  const char *overlay_env = getenv("CTOOL_OVERLAY_MODE");
  if (overlay_env && *overlay_env)
    set_effective(values, CONFIG_OVERLAY_MODE, overlay_env, "CTOOL_OVERLAY_MODE");
  return c;
}

static int
run_info(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  const char *format = cli_str(args, "format");
  if (format && strcmp(format, "json") != 0)
    return ctool_error_set(err, 0, "unsupported --format '%s': use json", format);

  struct probe p;
  probe_init(&p, ctx->root, ctx->runroot);
  if (ctx->config)
    probe_want_overlay(&p, config_str(ctx->config, CONFIG_OVERLAY_MODE), config_origin(ctx->config, CONFIG_OVERLAY_MODE));
  probe_run_all(&p);

  cleanup_json json_object *info = json_object_new_object();
  json_object_object_add(info, "host", json_object_get(p.host));
  json_object_object_add(info, "store", json_object_get(p.store));
  json_object_object_add(info, "problems", probe_problems_json(&p));
  json_object_object_add(info, "config", config_json(ctx));
  json_object_object_add(info, "version", version_json());
  probe_free(&p);

  if (format)
    puts(json_object_to_json_string_ext(info, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
                                                  | JSON_C_TO_STRING_NOSLASHESCAPE));
  else
    yaml_object(stdout, info, 0, false);
  if (fflush(stdout) != 0)
    return ctool_error_set(err, errno, "write to stdout");
  return 0;
}

#define INFO_COMMAND \
  .summary = "Show what this host offers rootless containers, and how to fix what is missing", \
  .usage = "[options]", .handler = run_info, .options = info_options, .max_args = 0

const struct cli_command cmd_info = { .name = "info", INFO_COMMAND };
/* `ctool system info`, as Podman has it. */
const struct cli_command cmd_system_info = { .name = "info", INFO_COMMAND, .alias_of = "info" };
