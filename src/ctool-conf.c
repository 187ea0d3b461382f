/* ctool.conf: read with the TOML reader of registries.conf, checked key by
 * key, every value with its origin. */
#include "ctool-conf.h"
#include "fsutil.h"
#include "libimage/toml.h"
#include "libnet/network.h"
#include "util.h"

#include <ctype.h>
#include <fcntl.h>
#include <strings.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

enum config_type { TYPE_STRING, TYPE_INT, TYPE_LIST, TYPE_SIZE };

/* One known key: where it lives, its type, its default and its check. */
struct config_key_info {
  const char *table;
  const char *key;
  const char *full;
  enum config_type type;
  const char *default_str;   /* NULL: unset (ctool decides) */
  int64_t default_num;
  const char *const *choices;/* allowed strings, NULL-ended; NULL: any */
  bool path;                 /* an absolute path ("~/" allowed) */
  int64_t min;               /* integers: the smallest allowed */
  bool (*valid)(const char *value); /* strings: a check of its own, NULL: none */
  const char *valid_hint;    /* what VALID accepts, for the message */
};

/* What --network accepts, options included. */
static bool
netns_valid(const char *value)
{
  struct net_options net;
  ctool_error_t err = NULL;
  if (net_options_parse(value, &net, &err) < 0)
    {
      ctool_error_free(&err);
      return false;
    }
  net_options_clear(&net);
  return true;
}

static const char *const cgroup_choices[] = { "systemd", "cgroupfs", NULL };
static const char *const overlay_choices[] = { "auto", "native", "fuse", "copy", NULL };

static const struct config_key_info keys[CONFIG_N_KEYS] = {
  [CONFIG_NETNS] = { "containers", "netns", "containers.netns", TYPE_STRING, "private", 0, NULL, false, 0, netns_valid,
                     "private, slirp4netns[:OPTIONS], pasta[:ARGS], host, none or ns:PATH, as --network takes them" },
  [CONFIG_PIDS_LIMIT] = { "containers", "pids_limit", "containers.pids_limit", TYPE_INT, NULL, 2048, NULL, false, -1 },
  [CONFIG_DEFAULT_ULIMITS] = { "containers", "default_ulimits", "containers.default_ulimits", TYPE_LIST },
  [CONFIG_LOG_SIZE_MAX] = { "containers", "log_size_max", "containers.log_size_max", TYPE_SIZE, NULL, -1, NULL, false, -1 },
  [CONFIG_CGROUP_MANAGER] = { "engine", "cgroup_manager", "engine.cgroup_manager", TYPE_STRING, NULL, 0, cgroup_choices },
  [CONFIG_STORAGE_ROOT] = { "storage", "root", "storage.root", TYPE_STRING, NULL, 0, NULL, true },
  [CONFIG_STORAGE_RUNROOT] = { "storage", "runroot", "storage.runroot", TYPE_STRING, NULL, 0, NULL, true },
  [CONFIG_OVERLAY_MODE] = { "storage", "overlay_mode", "storage.overlay_mode", TYPE_STRING, "auto", 0, overlay_choices },
};

static const char *const known_tables[] = { "containers", "engine", "storage", NULL };

static const char *const ulimit_names[] = {
  "as", "core", "cpu", "data", "fsize", "locks", "memlock", "msgqueue", "nice", "nofile",
  "nproc", "rss", "rtprio", "rttime", "sigpending", "stack", NULL,
};

const char *
config_key_name(enum config_key key)
{
  return keys[key].full;
}

static void
set_origin(struct config_value *v, const char *origin)
{
  free(v->origin);
  v->origin = xstrdup(origin);
}

void
config_init(struct ctool_config *cfg)
{
  memset(cfg, 0, sizeof *cfg);
  cfg->files = xzalloc(sizeof *cfg->files);
  for (int k = 0; k < CONFIG_N_KEYS; k++)
    {
      struct config_value *v = &cfg->values[k];
      v->str = keys[k].default_str ? xstrdup(keys[k].default_str) : NULL;
      v->num = keys[k].default_num;
      v->list = xzalloc(sizeof *v->list);
      v->origin = xstrdup("default");
    }
}

void
config_free(struct ctool_config *cfg)
{
  for (int k = 0; k < CONFIG_N_KEYS; k++)
    {
      free(cfg->values[k].str);
      strv_free(cfg->values[k].list);
      free(cfg->values[k].origin);
    }
  strv_free(cfg->files);
  memset(cfg, 0, sizeof *cfg);
}

/* ---- Checking values ---- */

int
config_parse_size(const char *text, int64_t *out)
{
  char *end = NULL;
  errno = 0;
  if (!isdigit((unsigned char) text[0]))
    return -1;
  unsigned long long n = strtoull(text, &end, 10);
  if (errno == ERANGE)
    return -1;
  unsigned long long mult = 1;
  if (*end)
    {
      char unit = (char) tolower((unsigned char) *end);
      const char *units = "kmgt";
      const char *u = strchr(units, unit);
      if (u == NULL || unit == '\0')
        return -1;
      for (long i = 0; i <= u - units; i++)
        mult *= 1000;
      end++;
      /* "k", "kb", "KB" (SI) and "KiB" (binary) as Podman's units parser */
      if (strcasecmp(end, "ib") == 0)
        {
          mult = 1;
          for (long i = 0; i <= u - units; i++)
            mult *= 1024;
        }
      else if (*end && strcasecmp(end, "b") != 0)
        return -1;
    }
  if (n > (unsigned long long) INT64_MAX / mult)
    return -1;
  *out = (int64_t) (n * mult);
  return 0;
}

static bool
ulimit_number_valid(const char *s, size_t len)
{
  if (len == 0)
    return false;
  if ((len == 9 && strncmp(s, "unlimited", 9) == 0) || (len == 2 && strncmp(s, "-1", 2) == 0))
    return true;
  for (size_t i = 0; i < len; i++)
    if (!isdigit((unsigned char) s[i]))
      return false;
  return len < 20;
}

bool
config_ulimit_valid(const char *text)
{
  const char *eq = strchr(text, '=');
  if (eq == NULL)
    return false;
  cleanup_free char *name = xstrndup(text, (size_t) (eq - text));
  if (!strv_contains((char *const *) ulimit_names, name))
    return false;
  const char *soft = eq + 1;
  const char *colon = strchr(soft, ':');
  if (colon == NULL)
    return ulimit_number_valid(soft, strlen(soft));
  return ulimit_number_valid(soft, (size_t) (colon - soft)) && ulimit_number_valid(colon + 1, strlen(colon + 1));
}

static char *
join_choices(const char *const *choices)
{
  char *out = xstrdup("");
  for (size_t i = 0; choices[i]; i++)
    {
      const char *sep = choices[i + 1] == NULL ? (i > 0 ? " or " : "") : (i > 0 ? ", " : "");
      char *next = xasprintf("%s%s%s", out, sep, choices[i]);
      free(out);
      out = next;
    }
  return out;
}

/* "~/x" and "$HOME/x" are the user's home; the result must be absolute. */
static char *
expand_path(const char *value)
{
  const char *home = getenv("HOME");
  if (home && str_has_prefix(value, "~/"))
    return xasprintf("%s/%s", home, value + 2);
  if (home && str_has_prefix(value, "$HOME/"))
    return xasprintf("%s/%s", home, value + 6);
  return xstrdup(value);
}

static int
check_string(const struct config_key_info *info, const char *value, char **out, ctool_error_t *err)
{
  if (info->choices && !strv_contains((char *const *) info->choices, value))
    {
      cleanup_free char *choices = join_choices(info->choices);
      return ctool_error_set(err, 0, "%s: '%s' is not valid: use %s", info->full, value, choices);
    }
  if (info->valid && !info->valid(value))
    return ctool_error_set(err, 0, "%s: '%s' is not valid: use %s", info->full, value, info->valid_hint);
  if (info->path)
    {
      cleanup_free char *path = expand_path(value);
      if (path[0] != '/')
        return ctool_error_set(err, 0, "%s: '%s' is not an absolute path", info->full, value);
      *out = steal_pointer(&path);
      return 0;
    }
  *out = xstrdup(value);
  return 0;
}

/* Store a TOML value into CFG after checking it. */
static int
apply_value(struct ctool_config *cfg, enum config_key k, const struct toml_value *tv, const char *origin,
            ctool_error_t *err)
{
  const struct config_key_info *info = &keys[k];
  struct config_value *v = &cfg->values[k];
  switch (info->type)
    {
    case TYPE_STRING:
      {
        if (tv->type != TOML_STRING)
          return ctool_error_set(err, 0, "%s: expected a string, got %s", info->full, toml_type_name(tv->type));
        char *s = NULL;
        if (check_string(info, tv->str, &s, err) < 0)
          return -1;
        free(v->str);
        v->str = s;
        break;
      }
    case TYPE_INT:
    case TYPE_SIZE:
      {
        int64_t n;
        if (tv->type == TOML_INT)
          n = tv->integer;
        else if (info->type == TYPE_SIZE && tv->type == TOML_STRING)
          {
            if (config_parse_size(tv->str, &n) < 0)
              return ctool_error_set(err, 0, "%s: '%s' is not a size (use bytes or a number with k, m, g: '10MB')",
                                     info->full, tv->str);
          }
        else
          return ctool_error_set(err, 0, "%s: expected %s, got %s", info->full,
                                 info->type == TYPE_SIZE ? "a size ('10MB') or a number of bytes" : "an integer",
                                 toml_type_name(tv->type));
        if (n < info->min)
          return ctool_error_set(err, 0, "%s: %lld is too small (the least is %lld)", info->full, (long long) n,
                                 (long long) info->min);
        /* As conmon: a log must hold at least one read of the output. */
        if (k == CONFIG_LOG_SIZE_MAX && n >= 0 && n < CONFIG_LOG_SIZE_MIN)
          return ctool_error_set(err, 0, "%s: %lld bytes is too small: give at least %d (8KiB), or -1 for no limit",
                                 info->full, (long long) n, CONFIG_LOG_SIZE_MIN);
        v->num = n;
        break;
      }
    case TYPE_LIST:
      if (tv->type != TOML_ARRAY || !tv->all_strings)
        return ctool_error_set(err, 0, "%s: expected an array of strings, got %s", info->full,
                               tv->type == TOML_ARRAY ? "an array of other things" : toml_type_name(tv->type));
      for (size_t i = 0; tv->strings[i]; i++)
        if (k == CONFIG_DEFAULT_ULIMITS && !config_ulimit_valid(tv->strings[i]))
          return ctool_error_set(err, 0, "%s: '%s' is not a limit: use NAME=SOFT[:HARD] such as 'nofile=1024:2048'",
                                 info->full, tv->strings[i]);
      strv_free(v->list);
      v->list = strv_dup(tv->strings);
      break;
    }
  set_origin(v, origin);
  return 0;
}

/* ---- Reading files ---- */

struct reading {
  struct ctool_config *cfg;
  char *table;          /* the current [table], "" at the top */
  bool table_known;
};

static int
on_table(void *data, char *const *parts, size_t n, bool is_array, const struct toml_pos *pos, ctool_error_t *err)
{
  struct reading *r = data;
  free(r->table);
  r->table = xstrdup(parts[0]);
  for (size_t i = 1; i < n; i++)
    {
      char *t = xasprintf("%s.%s", r->table, parts[i]);
      free(r->table);
      r->table = t;
    }
  r->table_known = n == 1 && !is_array && strv_contains((char *const *) known_tables, parts[0]);
  if (!r->table_known)
    log_warn("%s:%u: unknown table [%s] in ctool.conf (ignored; known: [containers], [engine], [storage])",
             pos->name, pos->line, r->table);
  return 0;
}

static int
on_keyval(void *data, const char *key, const struct toml_value *value, const struct toml_pos *pos,
          ctool_error_t *err)
{
  struct reading *r = data;
  if (*r->table && !r->table_known)
    return 0; /* warned about the table already */
  for (int k = 0; k < CONFIG_N_KEYS; k++)
    if (strcmp(keys[k].table, r->table) == 0 && strcmp(keys[k].key, key) == 0)
      {
        cleanup_free char *origin = xasprintf("%s:%u", pos->name, pos->line);
        return apply_value(r->cfg, (enum config_key) k, value, origin, err);
      }
  if (*r->table == '\0')
    log_warn("%s:%u: key '%s' outside a table (ignored; put it under [containers], [engine] or [storage])",
             pos->name, pos->line, key);
  else
    log_warn("%s:%u: unknown key '%s.%s' in ctool.conf (ignored)", pos->name, pos->line, r->table, key);
  return 0;
}

int
config_parse_text(struct ctool_config *cfg, const char *text, const char *name, ctool_error_t *err)
{
  static const struct toml_handler handler = { .table = on_table, .keyval = on_keyval };
  struct reading r = { .cfg = cfg, .table = xstrdup(""), .table_known = true };
  int ret = toml_parse(text, name, &handler, &r, err);
  free(r.table);
  return ret;
}

static int
load_file(struct ctool_config *cfg, const char *path, bool must_exist, ctool_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  if (read_file_at(AT_FDCWD, path, &text, &len, 1 << 20, err) < 0)
    {
      if ((*err)->errnum == ENOENT && !must_exist)
        {
          ctool_error_free(err);
          return 0;
        }
      return ctool_error_prefix(err, "read the configuration");
    }
  if (strlen(text) != len)
    return ctool_error_set(err, 0, "%s: the file holds a NUL byte; it is not a ctool.conf", path);
  if (config_parse_text(cfg, text, path, err) < 0)
    return -1;
  strv_push(&cfg->files, path);
  return 0;
}

int
config_load_files(struct ctool_config *cfg, char *const *paths, bool must_exist, ctool_error_t *err)
{
  config_init(cfg);
  for (size_t i = 0; paths[i]; i++)
    if (load_file(cfg, paths[i], must_exist, err) < 0)
      {
        config_free(cfg);
        return -1;
      }
  return 0;
}

static char *
user_config_file(void)
{
  const char *xdg = getenv("XDG_CONFIG_HOME");
  if (xdg && xdg[0] == '/')
    return xasprintf("%s/ctool/ctool.conf", xdg);
  const char *home = getenv("HOME");
  return home && *home ? xasprintf("%s/.config/ctool/ctool.conf", home) : NULL;
}

int
config_load(struct ctool_config *cfg, ctool_error_t *err)
{
  const char *forced = getenv("CTOOL_CONFIG");
  if (forced && *forced)
    {
      char *paths[] = { (char *) forced, NULL };
      if (config_load_files(cfg, paths, true, err) < 0)
        return ctool_error_prefix(err, "CTOOL_CONFIG");
      return 0;
    }
  cleanup_free char *user = user_config_file();
  char *paths[] = { (char *) CONFIG_SYSTEM_FILE, user, NULL };
  return config_load_files(cfg, paths, false, err);
}

int
config_load_with_flags(struct ctool_config *cfg, const char *root, const char *runroot, ctool_error_t *err)
{
  if (config_load(cfg, err) < 0)
    return -1;
  /* Recorded as given; ctx_resolve_paths() checks them. */
  const char *flags[][3] = { { root, "--root" }, { runroot, "--runroot" } };
  enum config_key which[] = { CONFIG_STORAGE_ROOT, CONFIG_STORAGE_RUNROOT };
  for (size_t i = 0; i < 2; i++)
    if (flags[i][0])
      {
        struct config_value *v = &cfg->values[which[i]];
        free(v->str);
        v->str = xstrdup(flags[i][0]);
        set_origin(v, flags[i][1]);
      }
  return 0;
}

int
config_set(struct ctool_config *cfg, enum config_key key, const char *value, const char *origin, ctool_error_t *err)
{
  struct toml_value tv = { .type = TOML_STRING, .str = value };
  char *items[] = { (char *) value, NULL };
  if (keys[key].type == TYPE_INT)
    {
      char *end = NULL;
      errno = 0;
      long long n = strtoll(value, &end, 10);
      if (*value == '\0' || *end || errno == ERANGE)
        return ctool_error_set(err, 0, "%s: '%s' is not an integer", origin, value);
      tv = (struct toml_value) { .type = TOML_INT, .integer = n };
    }
  else if (keys[key].type == TYPE_LIST)
    tv = (struct toml_value) { .type = TOML_ARRAY, .strings = items, .n_items = 1, .all_strings = true };
  if (apply_value(cfg, key, &tv, origin, err) < 0)
    return ctool_error_prefix(err, "%s", origin);
  return 0;
}

const char *
config_str(const struct ctool_config *cfg, enum config_key key)
{
  return cfg->values[key].str;
}

int64_t
config_int(const struct ctool_config *cfg, enum config_key key)
{
  return cfg->values[key].num;
}

char *const *
config_list(const struct ctool_config *cfg, enum config_key key)
{
  return cfg->values[key].list;
}

const char *
config_origin(const struct ctool_config *cfg, enum config_key key)
{
  return cfg->values[key].origin;
}

json_object *
config_to_json(const struct ctool_config *cfg)
{
  json_object *o = json_object_new_object();
  json_object *files = json_object_new_array();
  for (size_t i = 0; cfg->files && cfg->files[i]; i++)
    json_object_array_add(files, json_object_new_string(cfg->files[i]));
  json_object_object_add(o, "Files", files);
  json_object *values = json_object_new_object();
  for (int k = 0; k < CONFIG_N_KEYS; k++)
    {
      const struct config_value *v = &cfg->values[k];
      json_object *entry = json_object_new_object();
      json_object *value = NULL;
      switch (keys[k].type)
        {
        case TYPE_STRING:
          value = v->str ? json_object_new_string(v->str) : NULL;
          break;
        case TYPE_INT:
        case TYPE_SIZE:
          value = json_object_new_int64(v->num);
          break;
        case TYPE_LIST:
          value = json_object_new_array();
          for (size_t i = 0; v->list[i]; i++)
            json_object_array_add(value, json_object_new_string(v->list[i]));
          break;
        }
      json_object_object_add(entry, "Value", value);
      json_object_object_add(entry, "Origin", json_object_new_string(v->origin));
      json_object_object_add(values, keys[k].full, entry);
    }
  json_object_object_add(o, "Values", values);
  return o;
}
