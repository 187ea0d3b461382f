/* ctool logs: print a detached container's output from its k8s-file log. */
#include "commands.h"
#include "container.h"
#include "logfile.h"
#include "start.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

struct log_out {
  bool timestamps;
  const char *prefix;   /* "ID " when several containers are shown */
  bool at_line_start[2];
  FILE *last;           /* the stream of the previous record */
};

static void
emit(struct log_out *o, char *line)
{
  struct log_record r;
  if (!log_parse_line(line, &r))
    return;
  bool err = strcmp(r.stream, "stderr") == 0;
  FILE *f = err ? stderr : stdout;
  /* Both streams to one place (2>&1) keep the container's order. */
  if (o->last && o->last != f)
    fflush(o->last);
  o->last = f;
  if (o->at_line_start[err])
    {
      if (o->prefix)
        fputs(o->prefix, f);
      if (o->timestamps)
        fprintf(f, "%s ", r.time);
    }
  fputs(r.text, f);
  if (!r.partial)
    fputc('\n', f);
  o->at_line_start[err] = !r.partial;
}

/* Offset where the last N whole lines (F records) of FD begin. */
static off_t
tail_offset(FILE *f, long n)
{
  off_t *starts = xzalloc(((size_t) n + 1) * sizeof *starts);
  size_t count = 0, head = 0;
  char *line = NULL;
  size_t cap = 0;
  off_t pos = 0, line_start = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, f)) > 0)
    {
      struct log_record r;
      char *copy = xstrndup(line, (size_t) len);
      if (len > 0 && copy[len - 1] == '\n')
        copy[len - 1] = '\0';
      bool full = log_parse_line(copy, &r) && !r.partial;
      free(copy);
      pos += len;
      if (full)
        {
          /* Ring of the last n line starts. */
          starts[head] = line_start;
          head = (head + 1) % (size_t) n;
          if (count < (size_t) n)
            count++;
          line_start = pos;
        }
    }
  free(line);
  off_t off = count < (size_t) n ? 0 : starts[head];
  free(starts);
  return off;
}

/* Print from the current position to EOF; returns the new offset. A
 * trailing record without its newline yet is left for the next read. */
static off_t
print_from(FILE *f, off_t off, struct log_out *o)
{
  if (fseeko(f, off, SEEK_SET) < 0)
    return off;
  char *line = NULL;
  size_t cap = 0;
  ssize_t len;
  while ((len = getline(&line, &cap, f)) > 0)
    {
      if (line[len - 1] != '\n')
        break;
      line[len - 1] = '\0';
      emit(o, line);
      off += len;
    }
  free(line);
  clearerr(f);
  fflush(stdout);
  fflush(stderr);
  return off;
}

static bool
still_running(struct container *c)
{
  struct ctr_state st;
  ctool_error_t e = NULL;
  if (container_state(c, &st, &e) < 0)
    {
      ctool_error_free(&e);
      return false;
    }
  return status_is_live(st.status) || st.status == CTR_CREATED;
}

static int
follow(struct container *c, const char *path, FILE **fp, off_t off, struct log_out *o)
{
  int in = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  int wd = in >= 0 ? inotify_add_watch(in, c->dir, IN_MODIFY | IN_CREATE) : -1;
  for (;;)
    {
      if (*fp == NULL)
        *fp = fopen(path, "re");
      /* Emptied by the log size limit (containers.log_size_max): from the start. */
      struct stat st;
      if (*fp && fstat(fileno(*fp), &st) == 0 && st.st_size < off)
        off = 0;
      if (*fp)
        off = print_from(*fp, off, o);
      if (!still_running(c))
        {
          if (*fp)
            print_from(*fp, off, o);
          break;
        }
      struct pollfd p = { .fd = in, .events = POLLIN };
      poll(&p, wd >= 0 ? 1 : 0, 250);
      char buf[4096];
      while (in >= 0 && read(in, buf, sizeof buf) > 0)
        ;
    }
  if (in >= 0)
    close(in);
  return 0;
}

static int
show_logs(struct container *c, struct cli_args *args, struct log_out *o, long tail, ctool_error_t *err)
{
  cleanup_free char *path = xasprintf("%s/" LOG_FILE, c->dir);
  FILE *f = fopen(path, "re");
  if (f == NULL && errno != ENOENT)
    return ctool_error_set(err, errno, "open %s", path);
  off_t off = 0;
  if (f && tail >= 0)
    off = tail == 0 ? (fseeko(f, 0, SEEK_END), ftello(f)) : tail_offset(f, tail);
  if (f)
    off = print_from(f, off, o);
  if (cli_flag(args, "follow"))
    follow(c, path, &f, off, o);
  if (f)
    fclose(f);
  return 0;
}

static int
run_logs(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err)
{
  long tail = -1;
  const char *t = cli_str(args, "tail");
  if (t)
    {
      unsigned long long v;
      if (strcmp(t, "-1") == 0 || strcmp(t, "all") == 0)
        tail = -1;
      else if (!str_to_u64(t, &v) || v > 100000000)
        return ctool_error_set(err, 0, "invalid --tail '%s': give a number of lines", t);
      else
        tail = (long) v;
    }
  size_t n = cli_nargs(args);
  if (n > 1 && cli_flag(args, "follow"))
    return ctool_error_set(err, 0, "--follow works with one container at a time");
  for (size_t i = 0; i < n; i++)
    {
      struct container *c = NULL;
      if (container_lookup(ctx, cli_arg(args, i), &c, err) < 0)
        return -1;
      char prefix[16];
      snprintf(prefix, sizeof prefix, "%.12s ", c->id);
      struct log_out o = { .timestamps = cli_flag(args, "timestamps"), .prefix = n > 1 ? prefix : NULL,
                           .at_line_start = { true, true } };
      int r = show_logs(c, args, &o, tail, err);
      container_free(c);
      if (r < 0)
        return -1;
    }
  return 0;
}

static const struct cli_option logs_options[] = {
  { "follow", 'f', OPT_BOOL, NULL, "Keep printing new output until the container exits", NULL },
  { "tail", 0, OPT_STRING, "LINES", "Print only the last LINES lines", COMPLETE_NONE },
  { "timestamps", 't', OPT_BOOL, NULL, "Show the time of each line", NULL },
  { NULL },
};

#define LOGS_COMMAND \
  .summary = "Print the output of a container", .usage = "[options] CONTAINER [CONTAINER...]", .handler = run_logs, \
  .options = logs_options, .min_args = 1, .max_args = -1, .args_complete = COMPLETE_CONTAINERS

const struct cli_command cmd_logs = { .name = "logs", LOGS_COMMAND };
const struct cli_command cmd_container_logs = { .name = "logs", LOGS_COMMAND, .alias_of = "logs" };
