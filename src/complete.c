/* Completion: walk the words typed so far through the command table the
 * way dispatch and cli_parse would, then offer what may come next. */
#include "complete.h"
#include "util.h"

#include <string.h>

const char *const complete_signal_names[] = {
  "ABRT", "ALRM", "BUS", "CHLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "KILL", "PIPE",
  "PROF", "PWR", "QUIT", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP", "TTIN",
  "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ", NULL,
};

/* Where the walk stands after the completed words. */
struct walk {
  const struct cli_command *cmd;          /* NULL at the global level */
  const struct cli_option *options;       /* the current level's options */
  const struct cli_command *const *table; /* subcommands that may come next */
  bool options_done;
  bool dead;                              /* an unknown verb: offer nothing */
  const struct cli_option *pending;       /* waiting for this option's value */
  char **positionals;                     /* at the current level */
};

/* Collects candidates that start with the word being completed. */
struct out {
  const char *cur;
  char **lines;
};

static void
offer(struct out *o, const char *prefix, const char *word, const char *desc)
{
  cleanup_free char *full = xasprintf("%s%s", prefix, word);
  if (!str_has_prefix(full, o->cur))
    return;
  cleanup_free char *line = desc && *desc ? xasprintf("%s\t%s", full, desc) : xstrdup(full);
  if (!strv_contains(o->lines, line))
    strv_push(&o->lines, line);
}

static void
offer_mark(struct out *o, const char *mark)
{
  if (!strv_contains(o->lines, mark))
    strv_push(&o->lines, mark);
}

static const struct cli_option *
find_long(const struct cli_option *opts, const char *name, size_t len)
{
  for (size_t i = 0; opts && opts[i].name; i++)
    if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
      return &opts[i];
  return NULL;
}

static const struct cli_option *
find_short(const struct cli_option *opts, char c)
{
  for (size_t i = 0; opts && opts[i].name; i++)
    if (opts[i].short_name == c)
      return &opts[i];
  return NULL;
}

/* Global --root/--runroot values matter for listing images and containers. */
static void
note_global_value(struct walk *w, struct complete_sources *src, const struct cli_option *o, const char *value)
{
  if (w->cmd != NULL || src == NULL)
    return;
  if (strcmp(o->name, "root") == 0)
    src->root = value;
  else if (strcmp(o->name, "runroot") == 0)
    src->runroot = value;
}

/* "-it", "-e", "-eFOO": a value-taking short option ends the bundle;
 * when it is the last letter, its value is the next word. */
static void
walk_short(struct walk *w, const char *word)
{
  for (const char *p = word + 1; *p; p++)
    {
      const struct cli_option *o = find_short(w->options, *p);
      if (o == NULL || o->type == OPT_BOOL)
        continue;
      if (p[1] == '\0')
        w->pending = o;
      return;
    }
}

static void
walk_long(struct walk *w, struct complete_sources *src, const char *word)
{
  const char *name = word + 2;
  const char *eq = strchr(name, '=');
  const struct cli_option *o = find_long(w->options, name, eq ? (size_t) (eq - name) : strlen(name));
  if (o == NULL || o->type == OPT_BOOL)
    return;
  if (eq)
    note_global_value(w, src, o, eq + 1);
  else
    w->pending = o;
}

static void
descend(struct walk *w, const struct cli_command *c)
{
  w->cmd = c;
  w->options = c->options;
  w->table = c->subcommands;
  w->options_done = false;
  strv_free(w->positionals);
  w->positionals = NULL;
}

static void
walk_positional(struct walk *w, const char *word)
{
  if (w->table && strv_len(w->positionals) == 0)
    {
      const struct cli_command *c = cli_find(w->table, word);
      if (c)
        {
          descend(w, c);
          return;
        }
      if (w->cmd == NULL || (w->cmd->handler == NULL && !(w->cmd->flags & CLI_IMAGE_HELPER)))
        {
          w->dead = true;
          return;
        }
    }
  strv_push(&w->positionals, word);
  /* Options end at the verb (global level) and at the first positional of
   * run/exec. */
  if (w->cmd == NULL || (w->cmd->flags & CLI_STOP_AT_POSITIONAL))
    w->options_done = true;
}

static void
walk_word(struct walk *w, struct complete_sources *src, const char *word)
{
  if (w->pending)
    {
      note_global_value(w, src, w->pending, word);
      w->pending = NULL;
    }
  else if (!w->options_done && strcmp(word, "--") == 0)
    w->options_done = true;
  else if (!w->options_done && word[0] == '-' && word[1] == '-')
    walk_long(w, src, word);
  else if (!w->options_done && word[0] == '-' && word[1] != '\0')
    walk_short(w, word);
  else
    walk_positional(w, word);
}

/* ---- What to offer ---------------------------------------------------- */

static void
offer_names(struct out *o, const char *prefix, char **names)
{
  for (size_t i = 0; names && names[i]; i++)
    offer(o, prefix, names[i], NULL);
}

static void
offer_signals(struct out *o, const char *prefix)
{
  bool with_sig = str_has_prefix(o->cur + strlen(prefix), "SIG");
  for (size_t i = 0; complete_signal_names[i]; i++)
    {
      cleanup_free char *name = with_sig ? xasprintf("SIG%s", complete_signal_names[i]) : xstrdup(complete_signal_names[i]);
      offer(o, prefix, name, NULL);
    }
}

/* A fixed list "a|b|c". */
static void
offer_fixed(struct out *o, const char *prefix, const char *list)
{
  const char *p = list;
  while (*p)
    {
      size_t len = strcspn(p, "|");
      cleanup_free char *word = xstrndup(p, len);
      if (*word)
        offer(o, prefix, word, NULL);
      p += len;
      if (*p == '|')
        p++;
    }
}

/* Non-hidden commands of TABLE, with their summaries. */
static void
offer_commands(struct out *o, const struct cli_command *const *table)
{
  for (size_t i = 0; table && table[i]; i++)
    if (!(table[i]->flags & CLI_HIDDEN))
      offer(o, "", table[i]->name, table[i]->summary);
}

/* `help image <TAB>`: the commands under the ones already named. */
static void
offer_help_topics(struct out *o, const struct cli_command *const *top, char **named)
{
  const struct cli_command *const *table = top;
  for (size_t i = 0; named && named[i]; i++)
    {
      const struct cli_command *c = cli_find(table, named[i]);
      if (c == NULL)
        return;
      table = c->subcommands;
    }
  offer_commands(o, table);
}

static void
offer_dynamic(struct out *o, const char *prefix, const char *kind, struct complete_sources *src)
{
  cleanup_strv char **names = NULL;
  if (src == NULL)
    return;
  src->cur = o->cur + strlen(prefix);
  if (strcmp(kind, COMPLETE_IMAGES) == 0 && src->images)
    src->images(src, &names);
  else if (strcmp(kind, COMPLETE_CONTAINERS) == 0 && src->containers)
    src->containers(src, false, &names);
  else if (strcmp(kind, COMPLETE_RUNNING) == 0 && src->containers)
    src->containers(src, true, &names);
  else if (strcmp(kind, COMPLETE_VOLUMES) == 0 && src->volumes)
    src->volumes(src, &names);
  offer_names(o, prefix, names);
}

/* KIND is one of the COMPLETE_* words or a fixed list. */
static void
offer_kind(struct out *o, const char *prefix, const char *kind, struct complete_sources *src)
{
  if (kind == NULL || *kind == '\0' || strcmp(kind, COMPLETE_NONE) == 0)
    return;
  if (strcmp(kind, COMPLETE_FILES) == 0)
    offer_mark(o, COMPLETE_MARK_FILES);
  else if (strcmp(kind, COMPLETE_DIRS) == 0)
    offer_mark(o, COMPLETE_MARK_DIRS);
  else if (strcmp(kind, COMPLETE_SIGNALS) == 0)
    offer_signals(o, prefix);
  else if (strcmp(kind, COMPLETE_IMAGES) == 0 || strcmp(kind, COMPLETE_CONTAINERS) == 0
           || strcmp(kind, COMPLETE_RUNNING) == 0 || strcmp(kind, COMPLETE_VOLUMES) == 0)
    offer_dynamic(o, prefix, kind, src);
  else
    offer_fixed(o, prefix, kind);
}

static void
offer_options(struct out *o, const struct cli_option *opts, bool global)
{
  for (size_t i = 0; opts && opts[i].name; i++)
    offer(o, "--", opts[i].name, opts[i].help);
  if (!global)
    offer(o, "", "--help", "Show help");
}

/* "-it" when every letter is an option of this command: offer the word
 * itself so that the shell accepts it and moves on. */
static void
offer_short_bundle(struct out *o, const struct cli_option *opts, const char *cur)
{
  for (const char *p = cur + 1; *p; p++)
    {
      const struct cli_option *opt = find_short(opts, *p);
      if (opt == NULL)
        return;
      if (opt->type != OPT_BOOL)
        break;
    }
  offer(o, "", cur, NULL);
}

/* The kind of completion for the next positional: args_complete holds one
 * kind per position, comma-separated; the last one repeats, except that
 * commands which stop at their first positional (run, exec) complete files
 * after the list (the command inside the container). */
static char *
positional_kind(const struct cli_command *cmd, size_t index)
{
  if (cmd->max_args >= 0 && index >= (size_t) cmd->max_args)
    return NULL;
  const char *list = cmd->args_complete ? cmd->args_complete : COMPLETE_NONE;
  const char *p = list;
  for (size_t i = 0; i < index; i++)
    {
      const char *comma = strchr(p, ',');
      if (comma == NULL)
        return xstrdup(cmd->flags & CLI_STOP_AT_POSITIONAL ? COMPLETE_FILES : p);
      p = comma + 1;
    }
  return xstrndup(p, strcspn(p, ","));
}

static void
offer_positional(struct out *o, struct walk *w, const struct cli_command *const *top,
                 struct complete_sources *src)
{
  if (w->table && strv_len(w->positionals) == 0)
    {
      offer_commands(o, w->table);
      return;
    }
  if (w->cmd == NULL)
    return;
  cleanup_free char *kind = positional_kind(w->cmd, strv_len(w->positionals));
  if (kind && strcmp(kind, "commands") == 0)
    offer_help_topics(o, top, w->positionals);
  else
    offer_kind(o, "", kind, src);
}

static void
offer_for_current(struct out *o, struct walk *w, const struct cli_command *const *top,
                  struct complete_sources *src)
{
  const char *cur = o->cur;
  if (w->pending)
    {
      offer_kind(o, "", w->pending->complete, src);
      return;
    }
  if (!w->options_done && str_has_prefix(cur, "--") && strchr(cur, '='))
    {
      const char *eq = strchr(cur, '=');
      const struct cli_option *opt = find_long(w->options, cur + 2, (size_t) (eq - cur - 2));
      if (opt && opt->type != OPT_BOOL)
        {
          cleanup_free char *prefix = xstrndup(cur, (size_t) (eq - cur) + 1);
          offer_kind(o, prefix, opt->complete, src);
        }
      return;
    }
  if (!w->options_done && cur[0] == '-')
    {
      if (cur[1] == '-' || cur[1] == '\0')
        offer_options(o, w->options, w->cmd == NULL);
      else
        offer_short_bundle(o, w->options, cur);
      return;
    }
  offer_positional(o, w, top, src);
}

char **
complete_words(const struct cli_option *global_options, const struct cli_command *const *table,
               char *const *words, size_t n, struct complete_sources *src)
{
  struct walk w = { .options = global_options, .table = table };
  struct out o = { .cur = n > 0 ? words[n - 1] : "" };

  for (size_t i = 0; i + 1 < n && !w.dead; i++)
    walk_word(&w, src, words[i]);
  if (!w.dead)
    offer_for_current(&o, &w, table, src);
  strv_free(w.positionals);
  if (o.lines == NULL)
    o.lines = xzalloc(sizeof(char *));
  return o.lines;
}
