/* --format: json, templates, tables. */
#include "format.h"
#include "tabwriter.h"
#include "template.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct rows {
  char *s;
  size_t len, cap;
};

static void
rows_add(struct rows *r, const char *s, size_t n)
{
  if (r->len + n + 1 > r->cap)
    {
      r->cap = (r->len + n + 1) * 2;
      r->s = xrealloc(r->s, r->cap);
    }
  memcpy(r->s + r->len, s, n);
  r->len += n;
  r->s[r->len] = '\0';
}

static const char *
header_from_list(const char *field, void *data)
{
  const char *const *headers = data;
  size_t flen = strlen(field);
  for (size_t i = 0; headers && headers[i]; i++)
    if (strncmp(headers[i], field, flen) == 0 && headers[i][flen] == '=')
      return headers[i] + flen + 1;
  return NULL;
}

/* Podman appends a newline to a format that does not end with one
 * (counting the two characters \n, which mean one). */
static bool
ends_with_newline(const char *format)
{
  size_t len = strlen(format);
  return (len > 0 && format[len - 1] == '\n') || (len > 1 && format[len - 2] == '\\' && format[len - 1] == 'n');
}

/* FORMAT as one line for a message: control characters as \n, \t, \xNN. */
static char *
one_line(const char *format)
{
  struct rows r = { 0 };
  rows_add(&r, "", 0);
  for (const char *p = format; *p; p++)
    {
      unsigned char c = (unsigned char) *p;
      char esc[8];
      if (c == '\n' || c == '\t')
        rows_add(&r, c == '\n' ? "\\n" : "\\t", 2);
      else if (c < 0x20 || c == 0x7f)
        rows_add(&r, esc, (size_t) snprintf(esc, sizeof esc, "\\x%02x", c));
      else
        rows_add(&r, p, 1);
    }
  return r.s;
}

/* One execution per item; in a table a row is one line. */
static int
render_items(const struct template *t, json_object *data, bool is_list, bool newline, struct rows *r,
             ctool_error_t *err)
{
  size_t n = is_list ? json_object_array_length(data) : 1;
  for (size_t i = 0; i < n; i++)
    {
      json_object *item = is_list ? json_object_array_get_idx(data, i) : data;
      cleanup_free char *text = NULL;
      if (template_execute(t, item, &text, err) < 0)
        return -1;
      size_t len = strlen(text);
      if (template_is_table(t))
        while (len > 0 && text[len - 1] == '\n')
          len--;
      rows_add(r, text, len);
      if (newline || template_is_table(t))
        rows_add(r, "\n", 1);
    }
  return 0;
}

int
format_render(const char *format, json_object *data, bool is_list, const char *const *headers, char **out,
              ctool_error_t *err)
{
  if (is_list && !json_object_is_type(data, json_type_array))
    return ctool_error_set(err, 0, "internal error: a list to format is not a JSON array");
  if (strcmp(format, "json") == 0)
    {
      const char *text = json_object_to_json_string_ext(
        data, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
      *out = xasprintf("%s\n", text);
      return 0;
    }
  /* Text without any {{action}} would print itself for every item: a
   * typo ("--format yaml") rather than a wish. */
  if (strstr(format, "{{") == NULL)
    {
      cleanup_free char *shown = one_line(format);
      return ctool_error_set(err, 0, "unknown --format '%s': use json or a Go template such as '{{json .}}'", shown);
    }
  struct template *t = NULL;
  if (template_parse(format, &t, err) < 0)
    return -1;
  struct rows r = { 0 };
  rows_add(&r, "", 0);
  if (template_is_table(t))
    {
      cleanup_free char *header = template_header_row(t, header_from_list, (void *) headers);
      rows_add(&r, header, strlen(header));
      rows_add(&r, "\n", 1);
    }
  int ret = render_items(t, data, is_list, !ends_with_newline(format), &r, err);
  bool table = template_is_table(t);
  template_free(t);
  if (ret < 0)
    {
      free(r.s);
      return -1;
    }
  if (table)
    {
      *out = tabwriter_align(r.s, TABWRITER_MINWIDTH, TABWRITER_PADDING);
      free(r.s);
    }
  else
    *out = r.s;
  return 0;
}

int
format_output_headers(const char *format, json_object *data, bool is_list, const char *const *headers,
                      ctool_error_t *err)
{
  cleanup_free char *text = NULL;
  if (format_render(format, data, is_list, headers, &text, err) < 0)
    return -1;
  fputs(text, stdout);
  if (fflush(stdout) != 0)
    return ctool_error_set(err, errno, "write the output");
  return 0;
}

int
format_output(const char *format, json_object *data, bool is_list, ctool_error_t *err)
{
  return format_output_headers(format, data, is_list, NULL, err);
}
