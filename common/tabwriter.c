/* Elastic tabstops: a column's width is decided by the run of consecutive
 * lines that have a cell in that column. */
#include "tabwriter.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>

struct line {
  const char *start;
  size_t len;
  size_t ncells;     /* tab-terminated cells */
  size_t *cell_off;  /* offset of each cell (ncells + 1: the trailing text) */
  size_t *cell_len;
};

static size_t
utf8_width(const char *s, size_t len)
{
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char) s[i] & 0xC0) != 0x80)
      n++;
  return n;
}

static void
split_line(struct line *l)
{
  size_t tabs = 0;
  for (size_t i = 0; i < l->len; i++)
    tabs += l->start[i] == '\t';
  l->ncells = tabs;
  l->cell_off = xmalloc((tabs + 1) * sizeof *l->cell_off);
  l->cell_len = xmalloc((tabs + 1) * sizeof *l->cell_len);
  size_t cell = 0, off = 0;
  for (size_t i = 0; i <= l->len; i++)
    if (i == l->len || l->start[i] == '\t')
      {
        l->cell_off[cell] = off;
        l->cell_len[cell] = i - off;
        cell++;
        off = i + 1;
      }
}

char *
tabwriter_align(const char *text, size_t minwidth, size_t padding)
{
  /* Lines, without their newline. */
  size_t nlines = 0;
  struct line *lines = NULL;
  for (const char *p = text; *p;)
    {
      const char *nl = strchr(p, '\n');
      size_t len = nl ? (size_t) (nl - p) : strlen(p);
      lines = xrealloc(lines, (nlines + 1) * sizeof *lines);
      lines[nlines] = (struct line) { .start = p, .len = len };
      split_line(&lines[nlines]);
      nlines++;
      p += len + (nl != NULL);
    }
  bool final_newline = *text && text[strlen(text) - 1] == '\n';

  /* widths[i][c]: the width of column c on line i. */
  size_t **widths = xzalloc((nlines + 1) * sizeof *widths);
  for (size_t i = 0; i < nlines; i++)
    widths[i] = xzalloc((lines[i].ncells + 1) * sizeof **widths);
  for (size_t c = 0;; c++)
    {
      bool any = false;
      for (size_t i = 0; i < nlines;)
        {
          if (lines[i].ncells <= c)
            {
              i++;
              continue;
            }
          any = true;
          size_t end = i, width = minwidth;
          for (; end < nlines && lines[end].ncells > c; end++)
            {
              size_t w = utf8_width(lines[end].start + lines[end].cell_off[c], lines[end].cell_len[c]) + padding;
              if (w > width)
                width = w;
            }
          for (; i < end; i++)
            widths[i][c] = width;
        }
      if (!any)
        break;
    }

  char *out = NULL;
  size_t outlen = 0;
  FILE *f = open_memstream(&out, &outlen);
  for (size_t i = 0; i < nlines; i++)
    {
      struct line *l = &lines[i];
      for (size_t c = 0; c <= l->ncells; c++)
        {
          fwrite(l->start + l->cell_off[c], 1, l->cell_len[c], f);
          if (c < l->ncells)
            for (size_t w = utf8_width(l->start + l->cell_off[c], l->cell_len[c]); w < widths[i][c]; w++)
              fputc(' ', f);
        }
      if (i + 1 < nlines || final_newline)
        fputc('\n', f);
      free(l->cell_off);
      free(l->cell_len);
      free(widths[i]);
    }
  fclose(f);
  free(widths);
  free(lines);
  return out;
}
