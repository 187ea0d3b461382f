/* The TOML subset reader behind registries.conf (see toml.h). One pass
 * over the text with a cursor; every error says file, line, what was
 * expected and what was found. */
#include "toml.h"
#include "util.h"

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Joins the parts of a table or key name for duplicate checks; a byte
 * that cannot appear in a valid key (control characters are refused). */
#define NAME_SEP "\x1f"

struct reader {
  const char *p;
  const char *name;
  unsigned line;
  ctool_error_t *err;
  const struct toml_handler *handler;
  void *data;
  char *table;          /* the current table, parts joined by NAME_SEP; "" at the top */
  char **std_tables;    /* [x] defined explicitly */
  char **array_tables;  /* [[x]] */
  char **keys;          /* table NAME_SEP key, for the current array elements */
};

static char *const empty_strv[] = { NULL };

struct sbuf {
  char *s;
  size_t n, cap;
};

static void
sbuf_add(struct sbuf *b, const char *data, size_t len)
{
  if (b->n + len + 1 > b->cap)
    {
      b->cap = (b->n + len + 1) * 2;
      b->s = xrealloc(b->s, b->cap);
    }
  memcpy(b->s + b->n, data, len);
  b->n += len;
  b->s[b->n] = '\0';
}

static char *
sbuf_steal(struct sbuf *b)
{
  if (b->s == NULL)
    return xstrdup("");
  char *s = b->s;
  b->s = NULL;
  b->n = b->cap = 0;
  return s;
}

const char *
toml_type_name(enum toml_type t)
{
  switch (t)
    {
    case TOML_STRING: return "string";
    case TOML_BOOL: return "boolean";
    case TOML_INT: return "integer";
    case TOML_ARRAY: return "array";
    }
  return "value";
}

/* What the cursor looks at, for "found ..." in messages. */
static void
describe(const char *p, char *buf, size_t len)
{
  unsigned char c = (unsigned char) *p;
  if (c == '\0')
    snprintf(buf, len, "end of file");
  else if (c == '\n' || (c == '\r' && p[1] == '\n'))
    snprintf(buf, len, "end of line");
  else if (c > 0x20 && c < 0x7f)
    snprintf(buf, len, "'%c'", c);
  else if (c == ' ')
    snprintf(buf, len, "a space");
  else
    snprintf(buf, len, "byte 0x%02x", c);
}

static int __attribute__((format(printf, 2, 3)))
fail(struct reader *r, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  cleanup_free char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  return ctool_error_set(r->err, 0, "%s:%u: %s", r->name, r->line, msg);
}

static int
expected(struct reader *r, const char *what)
{
  char found[32];
  describe(r->p, found, sizeof found);
  return fail(r, "expected %s, found %s", what, found);
}

static bool
is_bare_key_char(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
}

static bool
is_control(unsigned char c)
{
  return (c < 0x20 && c != '\t') || c == 0x7f;
}

static void
skip_ws(struct reader *r)
{
  while (*r->p == ' ' || *r->p == '\t')
    r->p++;
}

static void
skip_comment(struct reader *r)
{
  if (*r->p == '#')
    while (*r->p && *r->p != '\n' && !(*r->p == '\r' && r->p[1] == '\n'))
      r->p++;
}

/* At a newline: step over it. Returns false when not at one. */
static bool
take_newline(struct reader *r)
{
  if (*r->p == '\n')
    r->p++;
  else if (r->p[0] == '\r' && r->p[1] == '\n')
    r->p += 2;
  else
    return false;
  r->line++;
  return true;
}

/* Whitespace, comments and newlines (inside arrays). */
static void
skip_blank(struct reader *r)
{
  for (;;)
    {
      skip_ws(r);
      skip_comment(r);
      if (!take_newline(r))
        return;
    }
}

/* After a value or a header: only blanks and a comment may follow. */
static int
end_of_line(struct reader *r)
{
  skip_ws(r);
  skip_comment(r);
  if (*r->p == '\0' || take_newline(r))
    return 0;
  return expected(r, "the end of the line");
}

static void
put_utf8(struct sbuf *b, uint32_t cp)
{
  char out[4];
  sbuf_add(b, out, utf8_encode(cp, out));
}

static int
unicode_escape(struct reader *r, struct sbuf *b, int digits)
{
  uint32_t cp = 0;
  for (int i = 0; i < digits; i++)
    {
      char c = r->p[i];
      int v = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
              : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
      if (v < 0)
        return fail(r, "\\%c needs %d hex digits", digits == 4 ? 'u' : 'U', digits);
      cp = cp * 16 + (uint32_t) v;
    }
  if (cp == 0)
    return fail(r, "\\u0000 (a NUL character) is not allowed in a string");
  if ((cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
    return fail(r, "\\%c%.*s is not a Unicode scalar value", digits == 4 ? 'u' : 'U', digits, r->p);
  r->p += digits;
  put_utf8(b, cp);
  return 0;
}

static int
escape(struct reader *r, struct sbuf *b)
{
  char c = *r->p++;
  const char *plain = NULL;
  switch (c)
    {
    case 'b': plain = "\b"; break;
    case 't': plain = "\t"; break;
    case 'n': plain = "\n"; break;
    case 'f': plain = "\f"; break;
    case 'r': plain = "\r"; break;
    case '"': plain = "\""; break;
    case '\\': plain = "\\"; break;
    case 'u': return unicode_escape(r, b, 4);
    case 'U': return unicode_escape(r, b, 8);
    default:
      r->p--;
      char found[32];
      describe(r->p, found, sizeof found);
      return fail(r, "invalid escape \\ followed by %s (use \\\\ for a backslash)", found);
    }
  sbuf_add(b, plain, 1);
  return 0;
}

/* "..." or '...' starting at the cursor; *out is allocated. */
static int
parse_string(struct reader *r, char **out)
{
  char quote = *r->p++;
  if (r->p[0] == quote && r->p[1] == quote)
    return fail(r, "multi-line strings (%c%c%c) are not supported: put the value on one line", quote, quote, quote);
  struct sbuf b = { 0 };
  for (;;)
    {
      unsigned char c = (unsigned char) *r->p;
      if (c == (unsigned char) quote)
        {
          r->p++;
          *out = sbuf_steal(&b);
          return 0;
        }
      if (c == '\0' || c == '\n' || c == '\r')
        {
          free(b.s);
          return fail(r, "unterminated string: a %s string ends with %c on the same line",
                      quote == '"' ? "basic" : "literal", quote);
        }
      if (is_control(c))
        {
          free(b.s);
          return fail(r, "control character 0x%02x in a string (write it as an escape such as \\t in \"...\")", c);
        }
      if (c == '\\' && quote == '"')
        {
          r->p++;
          if (escape(r, &b) < 0)
            {
              free(b.s);
              return -1;
            }
          continue;
        }
      sbuf_add(&b, r->p, 1);
      r->p++;
    }
}

static bool
at_delimiter(const char *p)
{
  return *p == '\0' || strchr(" \t\r\n,]#", *p) != NULL;
}

static int
parse_integer(struct reader *r, long long *out)
{
  const char *start = r->p;
  bool neg = false;
  if (*r->p == '+' || *r->p == '-')
    neg = *r->p++ == '-';
  if (*r->p < '0' || *r->p > '9')
    return fail(r, "unsupported value: only strings, true/false, decimal integers and arrays are understood");
  unsigned long long v = 0;
  bool leading_zero = *r->p == '0';
  size_t digits = 0;
  while ((*r->p >= '0' && *r->p <= '9') || (*r->p == '_' && digits > 0 && r->p[1] >= '0' && r->p[1] <= '9'))
    {
      if (*r->p != '_')
        {
          unsigned d = (unsigned) (*r->p - '0');
          if (v > (ULLONG_MAX - d) / 10 || v * 10 + d > (unsigned long long) LLONG_MAX + (neg ? 1 : 0))
            return fail(r, "integer out of range");
          v = v * 10 + d;
          digits++;
        }
      r->p++;
    }
  if (!at_delimiter(r->p) || (leading_zero && digits > 1))
    {
      r->p = start;
      return fail(r, "unsupported value: only decimal integers are understood (no floats, dates, hex or leading zeros)");
    }
  *out = neg ? (long long) (0 - v) : (long long) v;
  return 0;
}

static bool
take_word(struct reader *r, const char *word)
{
  size_t n = strlen(word);
  if (strncmp(r->p, word, n) != 0 || !at_delimiter(r->p + n))
    return false;
  r->p += n;
  return true;
}

/* One scalar; *str is set (allocated) for strings. */
static int
parse_scalar(struct reader *r, struct toml_value *v, char **str)
{
  *str = NULL;
  memset(v, 0, sizeof *v);
  char c = *r->p;
  if (c == '"' || c == '\'')
    {
      if (parse_string(r, str) < 0)
        return -1;
      v->type = TOML_STRING;
      v->str = *str;
      return 0;
    }
  if (take_word(r, "true") || take_word(r, "false"))
    {
      v->type = TOML_BOOL;
      v->boolean = r->p[-1] == 'e' && r->p[-2] == 'u';
      return 0;
    }
  if (c == '{')
    return fail(r, "inline tables ({ ... }) are not supported: use a [table] or [[array]] section");
  if (c == '+' || c == '-' || (c >= '0' && c <= '9'))
    {
      v->type = TOML_INT;
      return parse_integer(r, &v->integer);
    }
  if (c == '\0' || c == '\n' || c == '\r' || c == '#')
    return expected(r, "a value");
  return expected(r, "a value (a \"string\", true, false, an integer or an [array])");
}

struct array_items {
  char **strings;
  size_t n, cap;
  bool all_strings;
};

static void
array_items_free(struct array_items *a)
{
  for (size_t i = 0; i < a->n; i++)
    free(a->strings[i]);
  free(a->strings);
}

static int
parse_array(struct reader *r, struct array_items *a)
{
  r->p++; /* '[' */
  a->all_strings = true;
  for (;;)
    {
      skip_blank(r);
      if (*r->p == ']')
        break;
      if (*r->p == '[')
        return fail(r, "nested arrays are not supported");
      struct toml_value item;
      char *str;
      if (parse_scalar(r, &item, &str) < 0)
        return -1;
      if (item.type != TOML_STRING)
        a->all_strings = false;
      if (a->n + 2 > a->cap)
        {
          a->cap = a->cap ? a->cap * 2 : 8;
          a->strings = xrealloc(a->strings, a->cap * sizeof *a->strings);
        }
      if (str)
        a->strings[a->n++] = str;
      else
        a->strings[a->n++] = xstrdup("");
      a->strings[a->n] = NULL;
      skip_blank(r);
      if (*r->p == ',')
        {
          r->p++;
          continue;
        }
      if (*r->p != ']')
        return expected(r, "',' or ']' in the array");
    }
  r->p++;
  return 0;
}

/* A bare or quoted key; *out is allocated. */
static int
parse_key(struct reader *r, char **out)
{
  if (*r->p == '"' || *r->p == '\'')
    return parse_string(r, out);
  const char *start = r->p;
  while (is_bare_key_char(*r->p))
    r->p++;
  if (r->p == start)
    return expected(r, "a key (letters, digits, '_' and '-', or a \"quoted key\")");
  *out = xstrndup(start, (size_t) (r->p - start));
  return 0;
}

static bool
has_control_or_sep(const char *s)
{
  for (; *s; s++)
    if (is_control((unsigned char) *s) || *s == '\t')
      return true;
  return false;
}

static int
define_key(struct reader *r, const char *key, unsigned line)
{
  if (has_control_or_sep(key))
    return fail(r, "control character in a key");
  cleanup_free char *full = xasprintf("%s" NAME_SEP "%s", r->table, key);
  if (strv_contains(r->keys, full))
    {
      r->line = line;
      return fail(r, "key '%s' is set twice in this table", key);
    }
  strv_push(&r->keys, full);
  return 0;
}

static int
parse_keyval(struct reader *r)
{
  unsigned line = r->line;
  cleanup_free char *key = NULL;
  if (parse_key(r, &key) < 0)
    return -1;
  skip_ws(r);
  if (*r->p == '.')
    return fail(r, "dotted keys (a.b = ...) are not supported: use a [table] section");
  if (*r->p != '=')
    return expected(r, "'=' after the key");
  r->p++;
  skip_ws(r);
  if (define_key(r, key, line) < 0)
    return -1;

  struct toml_value v;
  cleanup_free char *str = NULL;
  struct array_items items = { 0 };
  int ret;
  if (*r->p == '[')
    {
      ret = parse_array(r, &items);
      memset(&v, 0, sizeof v);
      v.type = TOML_ARRAY;
      v.strings = items.all_strings ? (items.strings ? items.strings : empty_strv) : NULL;
      v.n_items = items.n;
      v.all_strings = items.all_strings;
    }
  else
    ret = parse_scalar(r, &v, &str);
  if (ret == 0)
    ret = end_of_line(r);
  if (ret == 0)
    {
      struct toml_pos pos = { r->name, line };
      ret = r->handler->keyval(r->data, key, &v, &pos, r->err);
      if (ret < 0)
        ctool_error_prefix(r->err, "%s:%u", r->name, line);
    }
  array_items_free(&items);
  return ret;
}

/* Forget the keys and sub-tables of the previous element of [[NAME]]. */
static void
forget_under(char ***v, const char *name)
{
  cleanup_free char *prefix = xasprintf("%s" NAME_SEP, name);
  size_t j = 0;
  for (size_t i = 0; *v && (*v)[i]; i++)
    {
      if (str_has_prefix((*v)[i], prefix))
        free((*v)[i]);
      else
        (*v)[j++] = (*v)[i];
    }
  if (*v)
    (*v)[j] = NULL;
}

/* A joined table name as the file writes it: "registries.search". */
static char *
dotted(const char *joined)
{
  char *out = xstrdup(joined);
  for (char *p = out; (p = strchr(p, NAME_SEP[0])) != NULL; p++)
    *p = '.';
  return out;
}

static int
define_table(struct reader *r, char *const *parts, size_t n, bool is_array)
{
  cleanup_free char *joined = xstrdup(parts[0]);
  for (size_t i = 0; i < n; i++)
    {
      if (has_control_or_sep(parts[i]))
        return fail(r, "control character in a table name");
      if (i > 0)
        {
          char *longer = xasprintf("%s" NAME_SEP "%s", joined, parts[i]);
          free(joined);
          joined = longer;
        }
      /* A key of the same name in the parent table ("" at the top). */
      cleanup_free char *as_key = i == 0 ? xasprintf(NAME_SEP "%s", joined) : xstrdup(joined);
      if (strv_contains(r->keys, as_key))
        return fail(r, "'%s' is already a key, it cannot also be a table", parts[i]);
    }
  cleanup_free char *shown = dotted(joined);
  if (is_array)
    {
      if (strv_contains(r->std_tables, joined))
        return fail(r, "[%s] is a table, it cannot also be an array of tables", shown);
      if (!strv_contains(r->array_tables, joined))
        strv_push(&r->array_tables, joined);
      forget_under(&r->keys, joined);
      forget_under(&r->std_tables, joined);
      forget_under(&r->array_tables, joined);
    }
  else
    {
      if (strv_contains(r->array_tables, joined))
        return fail(r, "[[%s]] is an array of tables, it cannot also be a [table]", shown);
      if (strv_contains(r->std_tables, joined))
        return fail(r, "table [%s] is defined twice", shown);
      strv_push(&r->std_tables, joined);
    }
  free(r->table);
  r->table = steal_pointer(&joined);
  return 0;
}

static int
parse_header(struct reader *r)
{
  unsigned line = r->line;
  r->p++;
  bool is_array = *r->p == '[';
  if (is_array)
    r->p++;
  cleanup_strv char **parts = NULL;
  for (;;)
    {
      skip_ws(r);
      char *part;
      if (parse_key(r, &part) < 0)
        return -1;
      strv_push(&parts, part);
      free(part);
      skip_ws(r);
      if (*r->p != '.')
        break;
      r->p++;
    }
  if (*r->p != ']' || (is_array && r->p[1] != ']'))
    return expected(r, is_array ? "']]' to close the [[table]] header" : "']' to close the [table] header");
  r->p += is_array ? 2 : 1;
  if (end_of_line(r) < 0)
    return -1;
  size_t n = strv_len(parts);
  unsigned after = r->line;
  r->line = line;
  if (define_table(r, parts, n, is_array) < 0)
    return -1;
  r->line = after;
  struct toml_pos pos = { r->name, line };
  if (r->handler->table(r->data, parts, n, is_array, &pos, r->err) < 0)
    return ctool_error_prefix(r->err, "%s:%u", r->name, line);
  return 0;
}

/* TOML files are UTF-8; refuse anything else early (line of the fault). */
static int
check_utf8(struct reader *r, const char *s)
{
  unsigned line = 1;
  const unsigned char *p = (const unsigned char *) s;
  while (*p)
    {
      size_t n = 0;
      uint32_t cp = 0, min = 0;
      if (*p < 0x80)
        {
          line += *p == '\n';
          p++;
          continue;
        }
      if ((*p & 0xe0) == 0xc0)
        n = 1, cp = *p & 0x1f, min = 0x80;
      else if ((*p & 0xf0) == 0xe0)
        n = 2, cp = *p & 0x0f, min = 0x800;
      else if ((*p & 0xf8) == 0xf0)
        n = 3, cp = *p & 0x07, min = 0x10000;
      else
        goto bad;
      for (size_t i = 1; i <= n; i++)
        {
          if ((p[i] & 0xc0) != 0x80)
            goto bad;
          cp = (cp << 6) | (p[i] & 0x3f);
        }
      if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        goto bad;
      p += n + 1;
    }
  return 0;
bad:
  r->line = line;
  return fail(r, "the file is not valid UTF-8");
}

int
toml_parse(const char *text, const char *name, const struct toml_handler *handler, void *data, ctool_error_t *err)
{
  struct reader r = {
    .p = text, .name = name, .line = 1, .err = err, .handler = handler, .data = data, .table = xstrdup(""),
  };
  int ret = check_utf8(&r, text);
  /* A byte order mark is fine at the very start. */
  if (str_has_prefix(r.p, "\xef\xbb\xbf"))
    r.p += 3;
  while (ret == 0)
    {
      skip_ws(&r);
      skip_comment(&r);
      if (*r.p == '\0')
        break;
      if (take_newline(&r))
        continue;
      if (*r.p == '[')
        ret = parse_header(&r);
      else
        ret = parse_keyval(&r);
    }
  free(r.table);
  strv_free(r.std_tables);
  strv_free(r.array_tables);
  strv_free(r.keys);
  return ret;
}
