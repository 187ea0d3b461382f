#include "progress.h"
#include "http.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define REDRAW_MS 100

struct bar {
  char *label;       /* "Copying blob 0123456789ab" */
  int64_t total;     /* -1: unknown */
  uint64_t bytes;
  bool done;
};

struct progress {
  FILE *out;         /* NULL: quiet */
  bool tty;
  struct bar *bars;
  size_t n;
  size_t first_live; /* bars before this one are final text above */
  size_t drawn;      /* live lines currently on the screen */
  long long last_draw_ms;
};

struct progress *
progress_new(FILE *out)
{
  struct progress *p = xzalloc(sizeof *p);
  p->out = out;
  p->tty = out && isatty(fileno(out));
  return p;
}

void
progress_free(struct progress *p)
{
  if (p == NULL)
    return;
  for (size_t i = 0; i < p->n; i++)
    free(p->bars[i].label);
  free(p->bars);
  free(p);
}

static char *
label_of(const char *what, const char *digest)
{
  const char *hex = strchr(digest, ':');
  hex = hex ? hex + 1 : digest;
  return xasprintf("Copying %s %.12s", what, hex);
}

static int
terminal_columns(FILE *out)
{
  struct winsize ws;
  if (ioctl(fileno(out), TIOCGWINSZ, &ws) == 0 && ws.ws_col >= 40)
    return ws.ws_col;
  return 80;
}

static void
draw_bar(struct progress *p, const struct bar *b, int cols)
{
  fputs("\r\033[K", p->out);
  if (b->done)
    {
      fprintf(p->out, "%s done\n", b->label);
      return;
    }
  char have[32], total[32] = "?";
  format_size(have, sizeof have, b->bytes);
  if (b->total >= 0)
    format_size(total, sizeof total, (unsigned long long) b->total);
  int width = cols - (int) strlen(b->label) - (int) strlen(have) - (int) strlen(total) - 8;
  if (width > 50)
    width = 50;
  if (width < 10)
    {
      fprintf(p->out, "%s %s / %s\n", b->label, have, total);
      return;
    }
  int fill = b->total > 0 ? (int) ((double) b->bytes / (double) b->total * width) : 0;
  if (fill > width)
    fill = width;
  fprintf(p->out, "%s [", b->label);
  for (int i = 0; i < width; i++)
    fputc(i < fill ? '=' : (i == fill ? '>' : '-'), p->out);
  fprintf(p->out, "] %s / %s\n", have, total);
}

static void
redraw(struct progress *p)
{
  if (p->drawn > 0)
    fprintf(p->out, "\033[%zuA", p->drawn);
  int cols = terminal_columns(p->out);
  for (size_t i = p->first_live; i < p->n; i++)
    draw_bar(p, &p->bars[i], cols);
  p->drawn = p->n - p->first_live;
  fflush(p->out);
  p->last_draw_ms = http_now_ms();
}

void
progress_flush(struct progress *p)
{
  if (p->out && p->tty && p->n > p->first_live)
    redraw(p);
}

void
progress_say(struct progress *p, const char *fmt, ...)
{
  if (p->out == NULL)
    return;
  progress_flush(p);
  /* Bars drawn so far stay where they are; the text goes below them. */
  p->first_live = p->n;
  p->drawn = 0;
  va_list ap;
  va_start(ap, fmt);
  vfprintf(p->out, fmt, ap);
  va_end(ap);
  fputc('\n', p->out);
  fflush(p->out);
}

size_t
progress_add(struct progress *p, const char *what, const char *digest, int64_t total)
{
  p->bars = xrealloc(p->bars, (p->n + 1) * sizeof *p->bars);
  p->bars[p->n] = (struct bar) { .label = label_of(what, digest), .total = total };
  return p->n++;
}

void
progress_update(struct progress *p, size_t slot, uint64_t bytes, bool done)
{
  if (p->out == NULL || slot >= p->n)
    return;
  struct bar *b = &p->bars[slot];
  bool finished_now = done && !b->done;
  b->bytes = bytes;
  b->done = b->done || done;
  if (!p->tty)
    {
      if (finished_now)
        {
          fprintf(p->out, "%s done\n", b->label);
          fflush(p->out);
        }
      return;
    }
  if (finished_now || http_now_ms() - p->last_draw_ms >= REDRAW_MS)
    redraw(p);
}

void
progress_skipped(struct progress *p, const char *what, const char *digest)
{
  if (p->out == NULL)
    return;
  cleanup_free char *label = label_of(what, digest);
  progress_say(p, "%s skipped: already exists", label);
}
