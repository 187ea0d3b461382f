/* The doctor: host problems for people, and as the cause of a failure. */
#include "doctor.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void
print_one(FILE *f, const struct probe_problem *pr)
{
  fprintf(f, "%s: %s\n", pr->severity == PROBE_ERROR ? "error" : "warning", pr->cause);
  if (pr->file[0])
    fprintf(f, "  file: %s\n", pr->file);
  if (pr->fix[0])
    fprintf(f, "  fix:  %s\n", pr->fix);
}

size_t
doctor_print(FILE *f, const struct probe *p)
{
  size_t errors = 0, warnings = 0;
  for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < p->n_problems; i++)
      {
        const struct probe_problem *pr = &p->problems[i];
        if ((pass == 0) != (pr->severity == PROBE_ERROR))
          continue;
        if (errors + warnings > 0)
          fputc('\n', f);
        print_one(f, pr);
        if (pr->severity == PROBE_ERROR)
          errors++;
        else
          warnings++;
      }
  if (errors + warnings == 0)
    fprintf(f, "No problems found: rootless containers can run here.\n");
  else
    fprintf(f, "\n%zu error%s, %zu warning%s.\n", errors, errors == 1 ? "" : "s", warnings,
            warnings == 1 ? "" : "s");
  return errors;
}

/* ---- a failure's likely cause ---- */

/* Problems that can make a start fail, and when they count: always (for
 * errors), or only when the failure's message mentions one of the words. */
struct cause_rule {
  const char *id;
  const char *words; /* "|"-separated, case-insensitive; NULL: always */
};

static const struct cause_rule cause_rules[] = {
  { "userns", NULL },
  { "newuidmap", NULL },
  { "newgidmap", NULL },
  { "subuid", NULL },
  { "subgid", NULL },
  { "overlay", NULL },
  { "xdg-runtime-dir", "xdg_runtime_dir|bus|runtime dir|/tmp/ctool-run" },
  { "tun", "tun|slirp|pasta|network" },
  { "fuse", "fuse" },
  { "cgroup-delegation", "cgroup" },
  { "cgroup-controllers", "cgroup" },
};

static bool
mentions_any(const char *msg, const char *words)
{
  cleanup_free char *copy = xstrdup(words);
  char *save = NULL;
  for (char *w = strtok_r(copy, "|", &save); w; w = strtok_r(NULL, "|", &save))
    if (strcasestr(msg, w))
      return true;
  return false;
}

static bool
explains(const struct probe_problem *pr, const char *msg)
{
  for (size_t i = 0; i < ARRAY_SIZE(cause_rules); i++)
    {
      const struct cause_rule *r = &cause_rules[i];
      if (strcmp(r->id, pr->id) != 0)
        continue;
      if (r->words == NULL)
        return pr->severity == PROBE_ERROR;
      return mentions_any(msg, r->words);
    }
  return false;
}

void
doctor_explain_failure(const struct cli_ctx *ctx, ctool_error_t *err)
{
  if (err == NULL || *err == NULL || (*err)->exit_code != EXIT_CTOOL_ERROR)
    return;
  struct probe p;
  probe_init(&p, ctx->root, ctx->runroot);
  /* The checks a start depends on (not the network helpers' versions,
   * lingering or the store facts). */
  probe_userns(&p);
  probe_subids(&p);
  probe_idmap_helpers(&p);
  probe_overlay(&p);
  probe_cgroups(&p);
  probe_devices(&p);
  probe_runtime_dir(&p);

  const struct probe_problem *first = NULL;
  size_t more = 0;
  for (size_t i = 0; i < p.n_problems; i++)
    if (explains(&p.problems[i], (*err)->msg))
      {
        if (first == NULL)
          first = &p.problems[i];
        else
          more++;
      }
  if (first)
    {
      cleanup_free char *others = more ? xasprintf(" for %zu more", more) : xstrdup("");
      char *msg = first->fix[0] ? xasprintf("%s; the host has a problem: %s; fix: %s (see 'ctool system "
                                            "check'%s)",
                                            (*err)->msg, first->cause, first->fix, others)
                                : xasprintf("%s; the host has a problem: %s (see 'ctool system check'%s)",
                                            (*err)->msg, first->cause, others);
      free((*err)->msg);
      (*err)->msg = msg;
    }
  probe_free(&p);
}
