#include "targets.h"
#include "start.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool
is_live(struct container *c)
{
  struct ctr_state st;
  ctool_error_t e = NULL;
  bool live = container_state(c, &st, &e) == 0 && status_is_live(st.status);
  ctool_error_free(&e);
  return live;
}

struct container **
targets_find(struct cli_ctx *ctx, struct cli_args *args, bool all, bool running_only, bool ignore_missing, size_t *n,
             int *failed, ctool_error_t *err)
{
  size_t nargs = cli_nargs(args);
  if (all && nargs > 0)
    {
      ctool_error_set(err, 0, "give container names or --all, not both");
      return NULL;
    }
  if (!all && nargs == 0)
    {
      ctool_error_set(err, 0, "give at least one container name or ID, or --all");
      return NULL;
    }
  struct container **list = NULL;
  *n = 0;
  if (all)
    {
      if (container_list(ctx, &list, n, err) < 0)
        return NULL;
      size_t kept = 0;
      for (size_t i = 0; i < *n; i++)
        if (!running_only || is_live(list[i]))
          list[kept++] = list[i];
        else
          container_free(list[i]);
      *n = kept;
      return list;
    }
  list = xzalloc((nargs + 1) * sizeof *list);
  for (size_t i = 0; i < nargs; i++)
    {
      ctool_error_t e = NULL;
      if (container_lookup(ctx, cli_arg(args, i), &list[*n], &e) == 0)
        {
          list[*n]->typed = cli_arg(args, i);
          (*n)++;
          continue;
        }
      if (!(ignore_missing && e->errnum == ENOENT))
        {
          fprintf(stderr, "ctool: %s\n", e->msg);
          *failed = 1;
        }
      ctool_error_free(&e);
    }
  return list;
}

/* What to print for a container: what the user typed (Podman echoes
 * names and IDs as given), or the full ID for --all. */
static const char *
shown(const struct container *c)
{
  return c->typed ? c->typed : c->id;
}

int
targets_time_option(const struct cli_args *args, int *timeout, ctool_error_t *err)
{
  *timeout = -1;
  const char *t = cli_str(args, "time");
  if (t == NULL)
    return 0;
  unsigned long long v;
  if (!str_to_u64(t, &v) || v > 1000000)
    return ctool_error_set(err, 0, "invalid --time '%s': give a number of seconds", t);
  *timeout = (int) v;
  return 0;
}

/* The end of such a verb: with nothing DONE and something FAILED, *LAST
 * becomes the error; else it is printed. */
static int
targets_finish(int failed, size_t done, ctool_error_t *last, ctool_error_t *err)
{
  if (failed && done == 0 && *last)
    {
      *err = *last;
      return -1;
    }
  if (*last)
    {
      fprintf(stderr, "ctool: %s\n", (*last)->msg);
      ctool_error_free(last);
    }
  return failed ? EXIT_CTOOL_ERROR : 0;
}

int
targets_each(struct container **list, size_t n, int failed, enum target_echo echo,
             int (*op)(struct container *c, void *data, ctool_error_t *err), void *data, ctool_error_t *err)
{
  ctool_error_t last = NULL;
  size_t done = 0;
  for (size_t i = 0; i < n; i++)
    {
      ctool_error_t e = NULL;
      int r = op(list[i], data, &e);
      if (r == TARGET_SKIPPED)
        continue;
      if (r < 0)
        {
          if (last)
            fprintf(stderr, "ctool: %s\n", last->msg), ctool_error_free(&last);
          last = e;
          failed = 1;
          continue;
        }
      done++;
      if (echo != TARGET_ECHO_NONE)
        puts(echo == TARGET_ECHO_ID ? list[i]->id : shown(list[i]));
    }
  container_list_free(list, n);
  return targets_finish(failed, done, &last, err);
}
