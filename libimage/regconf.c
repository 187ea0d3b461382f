/* registries.conf (version 2) as containers-registries.conf(5) and
 * containers-registries.conf.d(5) describe it. toml.c reads the syntax;
 * this file gives the keys their meaning, validates them, merges the
 * files in their order and answers the questions of a pull: which
 * [[registry]] applies, which names a short name may mean, where to pull
 * from. */
#include "regconf.h"
#include "reference.h"
#include "toml.h"
#include "fsutil.h"
#include "quote.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SYSTEM_REGISTRIES_CONF "/etc/containers/registries.conf"
#define SYSTEM_REGISTRIES_CONF_D "/etc/containers/registries.conf.d"
#define REGISTRIES_CONF_MAX (4u << 20)

enum section { SEC_TOP, SEC_ALIASES, SEC_REGISTRY, SEC_MIRROR, SEC_IGNORED };

/* One file being read: its own settings, merged into the result at the
 * end so that a bad file changes nothing. */
struct table_lines {
  unsigned registry;     /* the [[registry]] header */
  unsigned *mirrors;     /* each [[registry.mirror]] header */
};

struct file_state {
  const char *name;
  struct regconf conf;   /* search == NULL: the key was not set */
  struct table_lines *lines; /* parallel to conf.registries, for messages */
  enum section section;
};

static void
mirror_clear(struct regconf_mirror *m)
{
  free(m->location);
  free(m->pull_from_mirror);
  memset(m, 0, sizeof *m);
}

static void
registry_clear(struct regconf_registry *r)
{
  free(r->prefix);
  free(r->location);
  for (size_t i = 0; i < r->n_mirrors; i++)
    mirror_clear(&r->mirrors[i]);
  free(r->mirrors);
  memset(r, 0, sizeof *r);
}

void
regconf_clear(struct regconf *conf)
{
  strv_free(conf->search);
  for (size_t i = 0; i < conf->n_registries; i++)
    registry_clear(&conf->registries[i]);
  free(conf->registries);
  for (size_t i = 0; i < conf->n_aliases; i++)
    {
      free(conf->alias_names[i]);
      free(conf->alias_values[i]);
      free(conf->alias_origins[i]);
    }
  free(conf->alias_names);
  free(conf->alias_values);
  free(conf->alias_origins);
  free(conf->short_name_mode);
  memset(conf, 0, sizeof *conf);
}

/* ---- values ---- */

static int
want_type(const char *key, const struct toml_value *v, enum toml_type t, ctool_error_t *err)
{
  if (v->type != t)
    return ctool_error_set(err, 0, "'%s' must be %s %s, not %s %s", key, t == TOML_INT || t == TOML_ARRAY ? "an" : "a",
                           t == TOML_ARRAY ? "array of strings" : toml_type_name(t),
                           v->type == TOML_INT || v->type == TOML_ARRAY ? "an" : "a", toml_type_name(v->type));
  if (t == TOML_ARRAY && !v->all_strings)
    return ctool_error_set(err, 0, "'%s' must be an array of strings", key);
  return 0;
}

static int
set_string(char **dst, const char *key, const struct toml_value *v, ctool_error_t *err)
{
  if (want_type(key, v, TOML_STRING, err) < 0)
    return -1;
  free(*dst);
  *dst = xstrdup(v->str);
  return 0;
}

static int
set_bool(bool *dst, const char *key, const struct toml_value *v, ctool_error_t *err)
{
  if (want_type(key, v, TOML_BOOL, err) < 0)
    return -1;
  *dst = v->boolean;
  return 0;
}

/* "host/ns" as the man page wants locations: no scheme, no trailing '/'. */
static int
clean_location(char *loc, const char *what, ctool_error_t *err)
{
  if (strstr(loc, "://"))
    return ctool_error_set(err, 0, "invalid %s '%s': leave out the URL scheme (http:// or https://); use "
                                   "insecure = true for plain HTTP", what, loc);
  size_t n = strlen(loc);
  while (n > 0 && loc[n - 1] == '/')
    loc[--n] = '\0';
  return 0;
}

/* ---- the keys of each section ---- */

static const char *const top_level_keys[] = {
  "unqualified-search-registries", "short-name-mode", "credential-helpers", NULL,
};

static const char *
section_name(enum section s)
{
  switch (s)
    {
    case SEC_TOP: return "the top level";
    case SEC_ALIASES: return "[aliases]";
    case SEC_REGISTRY: return "[[registry]]";
    case SEC_MIRROR: return "[[registry.mirror]]";
    case SEC_IGNORED: return "an ignored table";
    }
  return "";
}

static void
warn_unknown_key(struct file_state *st, const char *key, const struct toml_pos *pos)
{
  bool belongs_on_top = st->section != SEC_TOP && strv_contains((char *const *) top_level_keys, key);
  quote_log(LOG_LVL_WARN, "%s:%u: unknown key '%s' in %s, ignored%s", pos->name, pos->line, key,
            section_name(st->section), belongs_on_top ? " (top-level keys must come before the first [table])" : "");
}

static int
top_level_key(struct file_state *st, const char *key, const struct toml_value *v, const struct toml_pos *pos,
              ctool_error_t *err)
{
  struct regconf *c = &st->conf;
  if (strcmp(key, "unqualified-search-registries") == 0)
    {
      if (want_type(key, v, TOML_ARRAY, err) < 0)
        return -1;
      strv_free(c->search);
      c->search = xzalloc(sizeof *c->search);
      for (size_t i = 0; v->strings[i]; i++)
        {
          cleanup_free char *reg = xstrdup(v->strings[i]);
          if (clean_location(reg, "search registry", err) < 0)
            return -1;
          if (*reg == '\0')
            return ctool_error_set(err, 0, "empty entry in unqualified-search-registries");
          strv_push(&c->search, reg);
        }
      return 0;
    }
  if (strcmp(key, "short-name-mode") == 0)
    {
      if (want_type(key, v, TOML_STRING, err) < 0)
        return -1;
      const char *modes[] = { "enforcing", "permissive", "disabled", NULL };
      if (*v->str != '\0' && !strv_contains((char *const *) modes, v->str))
        return ctool_error_set(err, 0, "invalid short-name-mode '%s': use enforcing, permissive or disabled", v->str);
      free(c->short_name_mode);
      c->short_name_mode = *v->str ? xstrdup(v->str) : NULL;
      return 0;
    }
  if (strcmp(key, "credential-helpers") == 0)
    {
      if (want_type(key, v, TOML_ARRAY, err) < 0)
        return -1;
      log_debug("%s:%u: credential-helpers are not used by ctool; it reads the auth.json files", pos->name, pos->line);
      return 0;
    }
  warn_unknown_key(st, key, pos);
  return 0;
}

static struct regconf_registry *
current_registry(struct file_state *st)
{
  return &st->conf.registries[st->conf.n_registries - 1];
}

static int
registry_key(struct file_state *st, const char *key, const struct toml_value *v, const struct toml_pos *pos,
             ctool_error_t *err)
{
  struct regconf_registry *r = current_registry(st);
  if (strcmp(key, "prefix") == 0)
    return set_string(&r->prefix, key, v, err);
  if (strcmp(key, "location") == 0)
    return set_string(&r->location, key, v, err);
  if (strcmp(key, "insecure") == 0)
    return set_bool(&r->insecure, key, v, err);
  if (strcmp(key, "blocked") == 0)
    return set_bool(&r->blocked, key, v, err);
  if (strcmp(key, "mirror-by-digest-only") == 0)
    return set_bool(&r->mirror_by_digest_only, key, v, err);
  warn_unknown_key(st, key, pos);
  return 0;
}

static int
mirror_key(struct file_state *st, const char *key, const struct toml_value *v, const struct toml_pos *pos,
           ctool_error_t *err)
{
  struct regconf_registry *r = current_registry(st);
  struct regconf_mirror *m = &r->mirrors[r->n_mirrors - 1];
  if (strcmp(key, "location") == 0)
    return set_string(&m->location, key, v, err);
  if (strcmp(key, "insecure") == 0)
    return set_bool(&m->insecure, key, v, err);
  if (strcmp(key, "pull-from-mirror") == 0)
    {
      const char *modes[] = { "all", "digest-only", "tag-only", NULL };
      if (want_type(key, v, TOML_STRING, err) < 0)
        return -1;
      if (*v->str != '\0' && !strv_contains((char *const *) modes, v->str))
        return ctool_error_set(err, 0, "invalid pull-from-mirror '%s': use all, digest-only or tag-only", v->str);
      free(m->pull_from_mirror);
      m->pull_from_mirror = *v->str ? xstrdup(v->str) : NULL;
      return 0;
    }
  warn_unknown_key(st, key, pos);
  return 0;
}

/* Does NAME carry a tag or digest? (after its last '/') */
static bool
has_tag_or_digest(const char *name)
{
  const char *slash = strrchr(name, '/');
  return strchr(name, '@') || strchr(slash ? slash : name, ':');
}

static int
check_alias(const char *name, const char *value, ctool_error_t *err)
{
  struct image_ref ref;
  bool is_short;
  if (image_ref_parse(name, &ref, &is_short, err) < 0)
    return ctool_error_prefix(err, "alias");
  image_ref_clear(&ref);
  if (!is_short)
    return ctool_error_set(err, 0, "alias '%s' must be a short name, without a registry", name);
  if (has_tag_or_digest(name))
    return ctool_error_set(err, 0, "alias '%s' must not have a tag or digest", name);
  if (*value == '\0')
    return 0; /* erases the alias from earlier files */
  if (image_ref_parse(value, &ref, &is_short, err) < 0)
    return ctool_error_prefix(err, "alias '%s'", name);
  image_ref_clear(&ref);
  if (is_short)
    return ctool_error_set(err, 0, "alias '%s' = '%s' must name the registry, e.g. docker.io/library/%s", name,
                           value, name);
  if (has_tag_or_digest(value))
    return ctool_error_set(err, 0, "alias '%s' = '%s' must not have a tag or digest", name, value);
  return 0;
}

static ssize_t
alias_index(const struct regconf *c, const char *name)
{
  for (size_t i = 0; i < c->n_aliases; i++)
    if (strcmp(c->alias_names[i], name) == 0)
      return (ssize_t) i;
  return -1;
}

static void
alias_append(struct regconf *c, const char *name, const char *value, const char *origin)
{
  c->alias_names = xrealloc(c->alias_names, (c->n_aliases + 1) * sizeof *c->alias_names);
  c->alias_values = xrealloc(c->alias_values, (c->n_aliases + 1) * sizeof *c->alias_values);
  c->alias_origins = xrealloc(c->alias_origins, (c->n_aliases + 1) * sizeof *c->alias_origins);
  c->alias_names[c->n_aliases] = xstrdup(name);
  c->alias_values[c->n_aliases] = xstrdup(value);
  c->alias_origins[c->n_aliases] = xstrdup(origin);
  c->n_aliases++;
}

static int
alias_key(struct file_state *st, const char *key, const struct toml_value *v, ctool_error_t *err)
{
  if (v->type != TOML_STRING)
    return ctool_error_set(err, 0, "alias '%s' must be a string such as \"docker.io/library/%s\", not %s %s", key,
                           key, v->type == TOML_INT || v->type == TOML_ARRAY ? "an" : "a", toml_type_name(v->type));
  if (check_alias(key, v->str, err) < 0)
    return -1;
  /* Twice in one file is already refused by the TOML reader. */
  alias_append(&st->conf, key, v->str, st->name);
  return 0;
}

static int
on_keyval(void *data, const char *key, const struct toml_value *v, const struct toml_pos *pos, ctool_error_t *err)
{
  struct file_state *st = data;
  switch (st->section)
    {
    case SEC_TOP: return top_level_key(st, key, v, pos, err);
    case SEC_ALIASES: return alias_key(st, key, v, err);
    case SEC_REGISTRY: return registry_key(st, key, v, pos, err);
    case SEC_MIRROR: return mirror_key(st, key, v, pos, err);
    case SEC_IGNORED: return 0;
    }
  return 0;
}

/* ---- tables ---- */

static bool
valid_wildcard_prefix(const char *prefix)
{
  /* "*." then a host name: no port, path, tag or digest. */
  const char *host = prefix + 2;
  return *host && !strpbrk(host, "/:@*");
}

static int
finish_registry(struct regconf_registry *r, ctool_error_t *err)
{
  if (r->location && clean_location(r->location, "location", err) < 0)
    return -1;
  if (r->prefix && clean_location(r->prefix, "prefix", err) < 0)
    return -1;
  if (r->prefix && *r->prefix == '\0')
    {
      free(r->prefix);
      r->prefix = NULL;
    }
  if (r->prefix == NULL)
    {
      if (r->location == NULL || *r->location == '\0')
        return ctool_error_set(err, 0, "[[registry]] needs a location or a prefix");
      r->prefix = xstrdup(r->location);
    }
  if (str_has_prefix(r->prefix, "*."))
    {
      if (!valid_wildcard_prefix(r->prefix))
        return ctool_error_set(err, 0, "invalid prefix '%s': a wildcard prefix is '*.' and a host name, such as "
                                       "*.example.com (no port, path, tag or digest)", r->prefix);
    }
  else if (strchr(r->prefix, '*'))
    return ctool_error_set(err, 0, "invalid prefix '%s': '*' is only allowed at the start, as in *.example.com",
                           r->prefix);
  if (r->location && *r->location == '\0')
    {
      free(r->location);
      r->location = NULL;
    }
  if (r->location == NULL && !str_has_prefix(r->prefix, "*."))
    r->location = xstrdup(r->prefix);
  return 0;
}

static int
finish_mirror(const struct regconf_registry *r, struct regconf_mirror *m, ctool_error_t *err)
{
  if (m->location == NULL || *m->location == '\0')
    return ctool_error_set(err, 0, "[[registry.mirror]] needs a location");
  if (r->mirror_by_digest_only && m->pull_from_mirror)
    return ctool_error_set(err, 0, "pull-from-mirror cannot be used when its [[registry]] sets "
                                   "mirror-by-digest-only: use one or the other");
  return clean_location(m->location, "mirror location", err);
}

/* Validate every [[registry]] and mirror of the file, at its own line;
 * then the same prefix twice: the later entry wins, as across files. */
static int
finish_file(struct file_state *st, ctool_error_t *err)
{
  struct regconf *c = &st->conf;
  for (size_t i = 0; i < c->n_registries; i++)
    {
      struct regconf_registry *r = &c->registries[i];
      if (finish_registry(r, err) < 0)
        return ctool_error_prefix(err, "%s:%u", st->name, st->lines[i].registry);
      for (size_t j = 0; j < r->n_mirrors; j++)
        if (finish_mirror(r, &r->mirrors[j], err) < 0)
          return ctool_error_prefix(err, "%s:%u", st->name, st->lines[i].mirrors[j]);
    }
  for (size_t i = 0; i < c->n_registries; i++)
    for (size_t j = i + 1; j < c->n_registries; j++)
      if (strcmp(c->registries[i].prefix, c->registries[j].prefix) == 0)
        {
          quote_log(LOG_LVL_WARN,
                    "%s:%u: [[registry]] prefix '%s' is defined again; this entry replaces the one at line %u",
                    st->name, st->lines[j].registry, c->registries[j].prefix, st->lines[i].registry);
          registry_clear(&c->registries[i]);
          free(st->lines[i].mirrors);
          size_t rest = c->n_registries - i - 1;
          memmove(&c->registries[i], &c->registries[i + 1], rest * sizeof *c->registries);
          memmove(&st->lines[i], &st->lines[i + 1], rest * sizeof *st->lines);
          c->n_registries--;
          i--;
          break;
        }
  return 0;
}

static bool
is_v1_table(char *const *parts, size_t n)
{
  return strcmp(parts[0], "registries") == 0 && n <= 2;
}

static int
on_table(void *data, char *const *parts, size_t n, bool is_array, const struct toml_pos *pos, ctool_error_t *err)
{
  struct file_state *st = data;
  struct regconf *c = &st->conf;
  if (n == 1 && strcmp(parts[0], "aliases") == 0 && !is_array)
    st->section = SEC_ALIASES;
  else if (n == 1 && strcmp(parts[0], "registry") == 0)
    {
      if (!is_array)
        return ctool_error_set(err, 0, "write [[registry]] (an array of tables), not [registry]");
      c->registries = xrealloc(c->registries, (c->n_registries + 1) * sizeof *c->registries);
      st->lines = xrealloc(st->lines, (c->n_registries + 1) * sizeof *st->lines);
      st->lines[c->n_registries] = (struct table_lines){ pos->line, NULL };
      memset(&c->registries[c->n_registries++], 0, sizeof *c->registries);
      st->section = SEC_REGISTRY;
    }
  else if (n == 2 && strcmp(parts[0], "registry") == 0 && strcmp(parts[1], "mirror") == 0)
    {
      if (!is_array)
        return ctool_error_set(err, 0, "write [[registry.mirror]] (an array of tables), not [registry.mirror]");
      if (c->n_registries == 0)
        return ctool_error_set(err, 0, "[[registry.mirror]] must follow the [[registry]] it belongs to");
      struct regconf_registry *r = current_registry(st);
      struct table_lines *l = &st->lines[c->n_registries - 1];
      l->mirrors = xrealloc(l->mirrors, (r->n_mirrors + 1) * sizeof *l->mirrors);
      l->mirrors[r->n_mirrors] = pos->line;
      r->mirrors = xrealloc(r->mirrors, (r->n_mirrors + 1) * sizeof *r->mirrors);
      memset(&r->mirrors[r->n_mirrors++], 0, sizeof *r->mirrors);
      st->section = SEC_MIRROR;
    }
  else if (is_v1_table(parts, n))
    {
      quote_log(LOG_LVL_WARN,
                "%s:%u: [%s%s%s] is the deprecated version 1 format, which ctool does not read; use "
                "unqualified-search-registries and [[registry]] tables (see containers-registries.conf(5))",
                pos->name, pos->line, parts[0], n > 1 ? "." : "", n > 1 ? parts[1] : "");
      st->section = SEC_IGNORED;
    }
  else
    {
      quote_log(LOG_LVL_WARN, "%s:%u: unknown table [%s%s%s%s], ignored", pos->name, pos->line,
                is_array ? "[" : "", parts[0], n > 1 ? "..." : "", is_array ? "]" : "");
      st->section = SEC_IGNORED;
    }
  return 0;
}

/* ---- merging files ---- */

static void
merge_registry(struct regconf *into, struct regconf_registry *r)
{
  for (size_t i = 0; i < into->n_registries; i++)
    if (strcmp(into->registries[i].prefix, r->prefix) == 0)
      {
        registry_clear(&into->registries[i]);
        into->registries[i] = *r;
        memset(r, 0, sizeof *r);
        return;
      }
  into->registries = xrealloc(into->registries, (into->n_registries + 1) * sizeof *into->registries);
  into->registries[into->n_registries++] = *r;
  memset(r, 0, sizeof *r);
}

static void
alias_remove(struct regconf *c, size_t i)
{
  free(c->alias_names[i]);
  free(c->alias_values[i]);
  free(c->alias_origins[i]);
  size_t rest = c->n_aliases - i - 1;
  memmove(&c->alias_names[i], &c->alias_names[i + 1], rest * sizeof *c->alias_names);
  memmove(&c->alias_values[i], &c->alias_values[i + 1], rest * sizeof *c->alias_values);
  memmove(&c->alias_origins[i], &c->alias_origins[i + 1], rest * sizeof *c->alias_origins);
  c->n_aliases--;
}

/* Later files override what they set: the search list and the mode as a
 * whole, registries by prefix, aliases by name ("" erases one). */
static void
merge_file(struct regconf *into, struct regconf *file)
{
  if (file->search)
    {
      strv_free(into->search);
      into->search = steal_pointer(&file->search);
    }
  if (file->short_name_mode)
    {
      free(into->short_name_mode);
      into->short_name_mode = steal_pointer(&file->short_name_mode);
    }
  for (size_t i = 0; i < file->n_registries; i++)
    merge_registry(into, &file->registries[i]);
  for (size_t i = 0; i < file->n_aliases; i++)
    {
      ssize_t at = alias_index(into, file->alias_names[i]);
      if (at >= 0)
        alias_remove(into, (size_t) at);
      if (*file->alias_values[i])
        alias_append(into, file->alias_names[i], file->alias_values[i], file->alias_origins[i]);
    }
}

int
regconf_parse_text(struct regconf *conf, const char *text, const char *name, ctool_error_t *err)
{
  struct file_state st = { .name = name, .section = SEC_TOP };
  static const struct toml_handler handler = { on_table, on_keyval };
  int ret = toml_parse(text, name, &handler, &st, err);
  if (ret == 0)
    ret = finish_file(&st, err);
  if (ret == 0)
    merge_file(conf, &st.conf);
  else
    quote_error_message(err); /* keys and values of the file: one printable line */
  for (size_t i = 0; i < st.conf.n_registries; i++)
    free(st.lines[i].mirrors);
  free(st.lines);
  regconf_clear(&st.conf);
  return ret;
}

/* ---- files and directories ---- */

static int
load_file(struct regconf *conf, const char *path, ctool_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len = 0;
  ctool_error_t read_err = NULL;
  if (read_file_at(AT_FDCWD, path, &text, &len, REGISTRIES_CONF_MAX, &read_err) < 0)
    {
      if (read_err->errnum == ENOENT)
        {
          ctool_error_free(&read_err);
          log_debug("%s does not exist", path);
          return 0;
        }
      *err = steal_pointer(&read_err);
      return -1;
    }
  if (memchr(text, '\0', len))
    return ctool_error_set(err, 0, "%s: the file contains a NUL byte; it is not a registries.conf text file", path);
  log_debug("reading %s", path);
  return regconf_parse_text(conf, text, path, err);
}

static int
compare_names(const void *a, const void *b)
{
  return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The *.conf regular files (or links to them) of DIR, sorted. */
static int
list_dropins(const char *dir, char ***out, ctool_error_t *err)
{
  *out = NULL;
  cleanup_dir DIR *d = opendir(dir);
  if (d == NULL)
    {
      if (errno == ENOENT || errno == ENOTDIR)
        return 0;
      return ctool_error_set(err, errno, "open directory %s", dir);
    }
  cleanup_strv char **names = NULL;
  struct dirent *e;
  while ((e = readdir(d)) != NULL)
    {
      if (!str_has_suffix(e->d_name, ".conf"))
        continue;
      struct stat stbuf;
      if (fstatat(dirfd(d), e->d_name, &stbuf, 0) < 0 || !S_ISREG(stbuf.st_mode))
        continue;
      char *path = xasprintf("%s/%s", dir, e->d_name);
      strv_push(&names, path);
      free(path);
    }
  if (names)
    qsort(names, strv_len(names), sizeof *names, compare_names);
  *out = steal_pointer(&names);
  return 0;
}

int
regconf_load_files(struct regconf *out, const char *main_file, const char *const *dropin_dirs, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  if (main_file && load_file(out, main_file, err) < 0)
    goto fail;
  for (size_t i = 0; dropin_dirs && dropin_dirs[i]; i++)
    {
      cleanup_strv char **files = NULL;
      if (list_dropins(dropin_dirs[i], &files, err) < 0)
        goto fail;
      for (size_t j = 0; files && files[j]; j++)
        if (load_file(out, files[j], err) < 0)
          goto fail;
    }
  return 0;
fail:
  regconf_clear(out);
  return -1;
}

/* $XDG_CONFIG_HOME/containers or ~/.config/containers; NULL without a home. */
static char *
user_containers_dir(void)
{
  const char *xdg = getenv("XDG_CONFIG_HOME");
  if (xdg && *xdg == '/')
    return xasprintf("%s/containers", xdg);
  const char *home = getenv("HOME");
  if (home && *home)
    return xasprintf("%s/.config/containers", home);
  return NULL;
}

int
regconf_load(struct regconf *out, ctool_error_t *err)
{
  const char *only = getenv("CTOOL_REGISTRIES_CONF");
  if (only && *only)
    return regconf_load_files(out, only, NULL, err);

  cleanup_free char *user_dir = user_containers_dir();
  cleanup_free char *user_file = user_dir ? xasprintf("%s/registries.conf", user_dir) : NULL;
  cleanup_free char *user_dropins = user_dir ? xasprintf("%s/registries.conf.d", user_dir) : NULL;
  const char *env_file = getenv("CONTAINERS_REGISTRIES_CONF");
  struct stat st;

  /* As containers-registries.conf.d(5): a user registries.conf replaces the
   * system file and the system drop-ins; the user's drop-ins always apply. */
  if ((env_file == NULL || *env_file == '\0') && user_file && stat(user_file, &st) == 0)
    {
      const char *dirs[] = { user_dropins, NULL };
      return regconf_load_files(out, user_file, dirs, err);
    }
  const char *dirs[] = { SYSTEM_REGISTRIES_CONF_D, user_dropins, NULL };
  return regconf_load_files(out, env_file && *env_file ? env_file : SYSTEM_REGISTRIES_CONF, dirs, err);
}

/* ---- questions ---- */

/* How much of REF the PREFIX matches (a whole host, path component, or up
 * to a tag or digest), or -1. */
static ssize_t
prefix_match(const char *ref, const char *prefix)
{
  if (str_has_prefix(prefix, "*."))
    {
      const char *suffix = prefix + 1; /* ".example.com" */
      size_t host_len = strcspn(ref, ":/@");
      size_t suffix_len = strlen(suffix);
      if (host_len <= suffix_len || memcmp(ref + host_len - suffix_len, suffix, suffix_len) != 0)
        return -1;
      return (ssize_t) host_len;
    }
  size_t len = strlen(prefix);
  if (len == 0 || strncmp(ref, prefix, len) != 0)
    return -1;
  char next = ref[len];
  /* After a bare host, ':' starts a port, which is another registry. */
  if (next == '\0' || next == '/' || next == '@' || (next == ':' && strchr(prefix, '/')))
    return (ssize_t) len;
  return -1;
}

/* Is A a better match than B? Longer matches win; at equal length an
 * exact prefix beats a wildcard, and *.sub.example.com beats *.example.com. */
static bool
better_match(ssize_t a_len, const char *a_prefix, ssize_t b_len, const char *b_prefix)
{
  if (a_len != b_len)
    return a_len > b_len;
  if (b_prefix == NULL)
    return true;
  bool a_wild = str_has_prefix(a_prefix, "*."), b_wild = str_has_prefix(b_prefix, "*.");
  if (a_wild != b_wild)
    return b_wild;
  return a_wild && strlen(a_prefix) > strlen(b_prefix);
}

static const struct regconf_registry *
find_with_length(const struct regconf *conf, const char *ref, size_t *match_len)
{
  const struct regconf_registry *best = NULL;
  ssize_t best_len = -1;
  for (size_t i = 0; i < conf->n_registries; i++)
    {
      ssize_t len = prefix_match(ref, conf->registries[i].prefix);
      if (len >= 0 && better_match(len, conf->registries[i].prefix, best_len, best ? best->prefix : NULL))
        {
          best_len = len;
          best = &conf->registries[i];
        }
    }
  if (match_len)
    *match_len = best_len < 0 ? 0 : (size_t) best_len;
  return best;
}

const struct regconf_registry *
regconf_find(const struct regconf *conf, const char *ref_name)
{
  return find_with_length(conf, ref_name, NULL);
}

/* "name" and ":tag@digest" of a reference as typed. */
static size_t
name_length(const char *s)
{
  size_t at = strcspn(s, "@");
  const char *slash = memrchr(s, '/', at);
  const char *from = slash ? slash : s;
  const char *colon = memchr(from, ':', at - (size_t) (from - s));
  return colon ? (size_t) (colon - s) : at;
}

const char *
regconf_alias(const struct regconf *conf, const char *short_name, const char **origin)
{
  cleanup_free char *name = xstrndup(short_name, name_length(short_name));
  ssize_t i = alias_index(conf, name);
  if (i < 0)
    return NULL;
  if (origin)
    *origin = conf->alias_origins[i];
  return conf->alias_values[i];
}

/* Parse and print in normal form; NULL when TEXT is no valid reference. */
static char *
normalized(const char *text)
{
  struct image_ref ref;
  ctool_error_t err = NULL;
  if (image_ref_parse(text, &ref, NULL, &err) < 0)
    {
      log_debug("%s", err->msg);
      ctool_error_free(&err);
      return NULL;
    }
  char *s = image_ref_string(&ref);
  image_ref_clear(&ref);
  return s;
}

static void
push_normalized(char ***v, const char *text)
{
  cleanup_free char *s = normalized(text);
  if (s)
    strv_push(v, s);
}

char **
regconf_short_name_candidates(const struct regconf *conf, const char *short_name)
{
  char **out = xzalloc(sizeof *out);
  struct image_ref ref;
  bool is_short;
  ctool_error_t err = NULL;
  if (image_ref_parse(short_name, &ref, &is_short, &err) < 0)
    {
      ctool_error_free(&err);
      return out;
    }
  if (!is_short)
    {
      char *s = image_ref_string(&ref);
      strv_push(&out, s);
      free(s);
      image_ref_clear(&ref);
      return out;
    }
  image_ref_clear(&ref);
  size_t name_len = name_length(short_name);
  const char *suffix = short_name + name_len;
  const char *alias = regconf_alias(conf, short_name, NULL);
  if (alias)
    {
      cleanup_free char *full = xasprintf("%s%s", alias, suffix);
      push_normalized(&out, full);
      return out;
    }
  for (size_t i = 0; conf->search && conf->search[i]; i++)
    {
      cleanup_free char *full = xasprintf("%s/%s", conf->search[i], short_name);
      push_normalized(&out, full);
    }
  return out;
}

static void
add_source(struct regconf_source **v, size_t *n, char *ref, bool insecure, bool is_mirror)
{
  *v = xrealloc(*v, (*n + 1) * sizeof **v);
  (*v)[*n] = (struct regconf_source){ ref, insecure, is_mirror };
  (*n)++;
}

static bool
mirror_applies(const struct regconf_registry *r, const struct regconf_mirror *m, bool by_digest)
{
  if (r->mirror_by_digest_only && !by_digest)
    return false;
  if (m->pull_from_mirror && strcmp(m->pull_from_mirror, "digest-only") == 0)
    return by_digest;
  if (m->pull_from_mirror && strcmp(m->pull_from_mirror, "tag-only") == 0)
    return !by_digest;
  return true;
}

int
regconf_pull_sources(const struct regconf *conf, const char *ref, struct regconf_source **out, size_t *n_out,
                     ctool_error_t *err)
{
  *out = NULL;
  *n_out = 0;
  size_t matched = 0;
  const struct regconf_registry *r = find_with_length(conf, ref, &matched);
  if (r == NULL)
    {
      add_source(out, n_out, xstrdup(ref), false, false);
      return 0;
    }
  if (r->blocked)
    return ctool_error_set(err, 0, "pulling %s is blocked by registries.conf ([[registry]] prefix '%s' has "
                                   "blocked = true)", ref, r->prefix);
  const char *rest = ref + matched;
  bool by_digest = strchr(ref, '@') != NULL;
  for (size_t i = 0; i < r->n_mirrors; i++)
    {
      if (!mirror_applies(r, &r->mirrors[i], by_digest))
        continue;
      cleanup_free char *rewritten = xasprintf("%s%s", r->mirrors[i].location, rest);
      char *s = normalized(rewritten);
      if (s == NULL)
        {
          quote_log(LOG_LVL_WARN,
                    "registries.conf: mirror %s turns %s into '%s', which is no valid reference; skipped",
                    r->mirrors[i].location, ref, rewritten);
          continue;
        }
      add_source(out, n_out, s, r->mirrors[i].insecure, true);
    }
  cleanup_free char *primary = r->location ? xasprintf("%s%s", r->location, rest) : xstrdup(ref);
  char *s = normalized(primary);
  if (s == NULL)
    {
      regconf_sources_free(*out, *n_out);
      *out = NULL;
      *n_out = 0;
      return ctool_error_set(err, 0, "registries.conf: location '%s' turns %s into '%s', which is no valid reference",
                             r->location, ref, primary);
    }
  add_source(out, n_out, s, r->insecure, false);
  return 0;
}

void
regconf_sources_free(struct regconf_source *sources, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(sources[i].ref);
  free(sources);
}
