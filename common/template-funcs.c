/* The functions a --format template may call: Go's builtins that make
 * sense over JSON, and Podman's additions (json, lower, upper, title,
 * join, split, truncate, pad). */
#include "template-internal.h"
#include "util.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static int
want_args(const char *name, size_t n, size_t want, ctool_error_t *err)
{
  if (n != want)
    return ctool_error_set(err, 0, "wrong number of args for %s: want %zu got %zu", name, want, n);
  return 0;
}

static bool
is_type(const struct tval *v, enum json_type t)
{
  return !v->missing && v->j != NULL && json_object_get_type(v->j) == t;
}

static bool
is_number(const struct tval *v)
{
  return is_type(v, json_type_int) || is_type(v, json_type_double);
}

static int
want_string(const char *name, const struct tval *v, ctool_error_t *err)
{
  if (!is_type(v, json_type_string))
    return ctool_error_set(err, 0, "wrong type for value in %s; expected string; got %s", name, tval_type(v));
  return 0;
}

static int
want_int(const char *name, const struct tval *v, int64_t *out, ctool_error_t *err)
{
  if (is_type(v, json_type_int))
    *out = json_object_get_int64(v->j);
  else if (is_type(v, json_type_double) && floor(json_object_get_double(v->j)) == json_object_get_double(v->j)
           && fabs(json_object_get_double(v->j)) < 9e18)
    *out = (int64_t) json_object_get_double(v->j);
  else
    return ctool_error_set(err, 0, "wrong type for value in %s; expected int; got %s", name, tval_type(v));
  return 0;
}

static const char *
str_of(const struct tval *v)
{
  return json_object_get_string(v->j);
}

static size_t
len_of(const struct tval *v)
{
  return (size_t) json_object_get_string_len(v->j);
}

static struct tval
new_string(const char *s, size_t len)
{
  return tval_take(json_object_new_string_len(s, (int) len));
}

/* ---- json ---- */

static int
fn_json(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  if (want_args("json", n, 1, err) < 0)
    return -1;
  const char *text = a[0].missing || a[0].j == NULL
                       ? "null"
                       : json_object_to_json_string_ext(a[0].j, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
  *out = new_string(text, strlen(text));
  return 0;
}

/* ---- strings ---- */

static int
map_string(const char *name, struct tval *a, size_t n, struct tval *out, int (*f)(int), ctool_error_t *err)
{
  if (want_args(name, n, 1, err) < 0 || want_string(name, &a[0], err) < 0)
    return -1;
  size_t len = len_of(&a[0]);
  char *s = xmalloc(len + 1);
  memcpy(s, str_of(&a[0]), len + 1);
  for (size_t i = 0; i < len; i++)
    if ((unsigned char) s[i] < 0x80)
      s[i] = (char) f((unsigned char) s[i]);
  *out = new_string(s, len);
  free(s);
  return 0;
}

static int
fn_lower(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  return map_string("lower", a, n, out, tolower, err);
}

static int
fn_upper(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  return map_string("upper", a, n, out, toupper, err);
}

/* Upper-case the first letter of each word (Go's strings.Title). */
static int
fn_title(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  if (want_args("title", n, 1, err) < 0 || want_string("title", &a[0], err) < 0)
    return -1;
  size_t len = len_of(&a[0]);
  char *s = xmalloc(len + 1);
  memcpy(s, str_of(&a[0]), len + 1);
  bool start = true;
  for (size_t i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char) s[i];
      if (start && c < 0x80)
        s[i] = (char) toupper(c);
      start = !(isalnum(c) || c == '_' || c == '\'' || c >= 0x80);
    }
  *out = new_string(s, len);
  free(s);
  return 0;
}

static int
fn_join(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  if (want_args("join", n, 2, err) < 0 || want_string("join", &a[1], err) < 0)
    return -1;
  if (!is_type(&a[0], json_type_array))
    return ctool_error_set(err, 0, "wrong type for value in join; expected array; got %s", tval_type(&a[0]));
  struct tbuf b = { 0 };
  tbuf_add(&b, "", 0);
  for (size_t i = 0; i < json_object_array_length(a[0].j); i++)
    {
      if (i)
        tbuf_add(&b, str_of(&a[1]), len_of(&a[1]));
      struct tval e = { .j = json_object_array_get_idx(a[0].j, i) };
      tval_print(&b, &e);
    }
  *out = new_string(b.s, b.len);
  free(b.s);
  return 0;
}

static size_t
utf8_char_len(const char *s, size_t left)
{
  unsigned char c = (unsigned char) *s;
  size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
  return n > left ? left : n;
}

static int
fn_split(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  if (want_args("split", n, 2, err) < 0 || want_string("split", &a[0], err) < 0
      || want_string("split", &a[1], err) < 0)
    return -1;
  const char *s = str_of(&a[0]), *sep = str_of(&a[1]);
  size_t len = len_of(&a[0]), seplen = len_of(&a[1]);
  json_object *arr = json_object_new_array();
  if (seplen == 0)
    {
      /* Go splits into UTF-8 sequences. */
      for (size_t i = 0; i < len;)
        {
          size_t cl = utf8_char_len(s + i, len - i);
          json_object_array_add(arr, json_object_new_string_len(s + i, (int) cl));
          i += cl;
        }
    }
  else
    {
      size_t start = 0;
      for (size_t i = 0; i + seplen <= len;)
        {
          if (memcmp(s + i, sep, seplen) == 0)
            {
              json_object_array_add(arr, json_object_new_string_len(s + start, (int) (i - start)));
              i += seplen;
              start = i;
            }
          else
            i++;
        }
      json_object_array_add(arr, json_object_new_string_len(s + start, (int) (len - start)));
    }
  *out = tval_take(arr);
  return 0;
}

/* Podman's truncate: the first N bytes. */
static int
fn_truncate(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  int64_t len;
  if (want_args("truncate", n, 2, err) < 0 || want_string("truncate", &a[0], err) < 0
      || want_int("truncate", &a[1], &len, err) < 0)
    return -1;
  size_t have = len_of(&a[0]);
  size_t keep = len < 0 ? 0 : (size_t) len < have ? (size_t) len : have;
  *out = new_string(str_of(&a[0]), keep);
  return 0;
}

/* Podman's pad: PREFIX spaces, the text, SUFFIX spaces. */
static int
fn_pad(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  int64_t before, after;
  if (want_args("pad", n, 3, err) < 0 || want_string("pad", &a[0], err) < 0
      || want_int("pad", &a[1], &before, err) < 0 || want_int("pad", &a[2], &after, err) < 0)
    return -1;
  if (before < 0 || after < 0 || before > TEMPLATE_MAX_WIDTH || after > TEMPLATE_MAX_WIDTH)
    return ctool_error_set(err, 0, "pad widths must be between 0 and %d", TEMPLATE_MAX_WIDTH);
  struct tbuf b = { 0 };
  tbuf_add(&b, "", 0);
  for (int64_t i = 0; i < before; i++)
    tbuf_add(&b, " ", 1);
  tbuf_add(&b, str_of(&a[0]), len_of(&a[0]));
  for (int64_t i = 0; i < after; i++)
    tbuf_add(&b, " ", 1);
  *out = new_string(b.s, b.len);
  free(b.s);
  return 0;
}

/* ---- index, len ---- */

static int
fn_index(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  if (n < 1)
    return ctool_error_set(err, 0, "wrong number of args for index: want at least 1 got 0");
  struct tval cur = tval_ref(a[0].j);
  cur.missing = a[0].missing;
  for (size_t i = 1; i < n; i++)
    {
      if (cur.missing || cur.j == NULL)
        {
          tval_clear(&cur);
          return ctool_error_set(err, 0, "index of untyped nil");
        }
      json_object *next = NULL;
      if (is_type(&cur, json_type_object))
        {
          if (!is_type(&a[i], json_type_string))
            {
              tval_clear(&cur);
              return ctool_error_set(err, 0, "cannot index map with %s", tval_type(&a[i]));
            }
          if (!json_object_object_get_ex(cur.j, str_of(&a[i]), &next))
            {
              /* A missing map key gives the zero value. */
              tval_clear(&cur);
              cur.missing = true;
              continue;
            }
        }
      else if (is_type(&cur, json_type_array) || is_type(&cur, json_type_string))
        {
          int64_t idx;
          if (want_int("index", &a[i], &idx, err) < 0)
            {
              tval_clear(&cur);
              return -1;
            }
          bool is_str = is_type(&cur, json_type_string);
          size_t len = is_str ? len_of(&cur) : json_object_array_length(cur.j);
          if (idx < 0 || (size_t) idx >= len)
            {
              tval_clear(&cur);
              return ctool_error_set(err, 0, "index out of range: %lld", (long long) idx);
            }
          if (is_str)
            {
              /* A byte, as a number (Go indexes bytes of a string). */
              struct tval byte = tval_take(json_object_new_int((unsigned char) str_of(&cur)[idx]));
              tval_clear(&cur);
              cur = byte;
              continue;
            }
          next = json_object_array_get_idx(cur.j, (size_t) idx);
        }
      else
        {
          const char *type = tval_type(&cur);
          cleanup_free char *t = xstrdup(type);
          tval_clear(&cur);
          return ctool_error_set(err, 0, "can't index item of type %s", t);
        }
      json_object_get(next);
      tval_clear(&cur);
      cur = tval_take(next);
    }
  *out = cur;
  return 0;
}

static int
fn_len(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  if (want_args("len", n, 1, err) < 0)
    return -1;
  size_t len;
  if (is_type(&a[0], json_type_string))
    len = len_of(&a[0]);
  else if (is_type(&a[0], json_type_array))
    len = json_object_array_length(a[0].j);
  else if (is_type(&a[0], json_type_object))
    len = (size_t) json_object_object_length(a[0].j);
  else
    return ctool_error_set(err, 0, "len of type %s", tval_type(&a[0]));
  *out = tval_take(json_object_new_int64((int64_t) len));
  return 0;
}

/* ---- print, printf, println ---- */

static int
fn_printf(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  if (n < 1)
    return ctool_error_set(err, 0, "wrong number of args for printf: want at least 1 got 0");
  if (want_string("printf", &a[0], err) < 0)
    return -1;
  struct tbuf b = { 0 };
  tbuf_add(&b, "", 0);
  template_sprintf(&b, str_of(&a[0]), len_of(&a[0]), a + 1, n - 1);
  *out = new_string(b.s, b.len);
  free(b.s);
  return 0;
}

/* Go's Sprint: a space between operands when neither is a string. */
static int
fn_print(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  struct tbuf b = { 0 };
  tbuf_add(&b, "", 0);
  for (size_t i = 0; i < n; i++)
    {
      if (i > 0 && !is_type(&a[i], json_type_string) && !is_type(&a[i - 1], json_type_string))
        tbuf_add(&b, " ", 1);
      if (a[i].missing || a[i].j == NULL)
        tbuf_adds(&b, "<nil>");
      else
        tval_print(&b, &a[i]);
    }
  *out = new_string(b.s, b.len);
  free(b.s);
  return 0;
}

static int
fn_println(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  struct tbuf b = { 0 };
  tbuf_add(&b, "", 0);
  for (size_t i = 0; i < n; i++)
    {
      if (i > 0)
        tbuf_add(&b, " ", 1);
      if (a[i].missing || a[i].j == NULL)
        tbuf_adds(&b, "<nil>");
      else
        tval_print(&b, &a[i]);
    }
  tbuf_add(&b, "\n", 1);
  *out = new_string(b.s, b.len);
  free(b.s);
  return 0;
}

/* ---- comparisons and logic ---- */

enum cmp { CMP_LT = -1, CMP_EQ = 0, CMP_GT = 1, CMP_NE = 2 /* unordered but different */ };

static int
compare(const struct tval *x, const struct tval *y, bool ordered, enum cmp *out, ctool_error_t *err)
{
  bool xnil = x->missing || x->j == NULL, ynil = y->missing || y->j == NULL;
  if (is_number(x) && is_number(y))
    {
      if (is_type(x, json_type_int) && is_type(y, json_type_int))
        {
          int64_t a = json_object_get_int64(x->j), b = json_object_get_int64(y->j);
          *out = a < b ? CMP_LT : a > b ? CMP_GT : CMP_EQ;
        }
      else
        {
          double a = json_object_get_double(x->j), b = json_object_get_double(y->j);
          *out = a < b ? CMP_LT : a > b ? CMP_GT : CMP_EQ;
        }
      return 0;
    }
  if (is_type(x, json_type_string) && is_type(y, json_type_string))
    {
      int c = strcmp(str_of(x), str_of(y));
      *out = c < 0 ? CMP_LT : c > 0 ? CMP_GT : CMP_EQ;
      return 0;
    }
  if (!ordered && is_type(x, json_type_boolean) && is_type(y, json_type_boolean))
    {
      *out = json_object_get_boolean(x->j) == json_object_get_boolean(y->j) ? CMP_EQ : CMP_NE;
      return 0;
    }
  if (!ordered && (xnil || ynil))
    {
      *out = xnil && ynil ? CMP_EQ : CMP_NE;
      return 0;
    }
  if (ordered || (!xnil && !ynil && json_object_get_type(x->j) == json_object_get_type(y->j)))
    return ctool_error_set(err, 0, "invalid type for comparison: %s and %s", tval_type(x), tval_type(y));
  return ctool_error_set(err, 0, "incompatible types for comparison: %s and %s", tval_type(x), tval_type(y));
}

static int
fn_eq(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  if (n < 2)
    return ctool_error_set(err, 0, "wrong number of args for eq: want at least 2 got %zu", n);
  bool eq = false;
  for (size_t i = 1; i < n && !eq; i++)
    {
      enum cmp c;
      if (compare(&a[0], &a[i], false, &c, err) < 0)
        return -1;
      eq = c == CMP_EQ;
    }
  *out = tval_take(json_object_new_boolean(eq));
  return 0;
}

static int
fn_ne(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  enum cmp c;
  if (want_args("ne", n, 2, err) < 0 || compare(&a[0], &a[1], false, &c, err) < 0)
    return -1;
  *out = tval_take(json_object_new_boolean(c != CMP_EQ));
  return 0;
}

static int
ordered(const char *name, struct tval *a, size_t n, struct tval *out, bool (*test)(enum cmp), ctool_error_t *err)
{
  enum cmp c;
  if (want_args(name, n, 2, err) < 0 || compare(&a[0], &a[1], true, &c, err) < 0)
    return -1;
  *out = tval_take(json_object_new_boolean(test(c)));
  return 0;
}

static bool is_lt(enum cmp c) { return c == CMP_LT; }
static bool is_le(enum cmp c) { return c == CMP_LT || c == CMP_EQ; }
static bool is_gt(enum cmp c) { return c == CMP_GT; }
static bool is_ge(enum cmp c) { return c == CMP_GT || c == CMP_EQ; }

static int
fn_lt(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  return ordered("lt", a, n, out, is_lt, err);
}

static int
fn_le(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  return ordered("le", a, n, out, is_le, err);
}

static int
fn_gt(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  return ordered("gt", a, n, out, is_gt, err);
}

static int
fn_ge(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  return ordered("ge", a, n, out, is_ge, err);
}

static int
fn_not(struct tval *a, size_t n, struct tval *out, ctool_error_t *err)
{
  if (want_args("not", n, 1, err) < 0)
    return -1;
  *out = tval_take(json_object_new_boolean(!tval_truth(&a[0])));
  return 0;
}

static const struct {
  const char *name;
  tfunc_fn fn;
} funcs[] = {
  { "json", fn_json },     { "lower", fn_lower }, { "upper", fn_upper }, { "title", fn_title },
  { "join", fn_join },     { "split", fn_split }, { "truncate", fn_truncate }, { "pad", fn_pad },
  { "index", fn_index },   { "len", fn_len },     { "printf", fn_printf }, { "print", fn_print },
  { "println", fn_println }, { "eq", fn_eq },     { "ne", fn_ne },       { "lt", fn_lt },
  { "le", fn_le },         { "gt", fn_gt },       { "ge", fn_ge },       { "not", fn_not },
};

tfunc_fn
template_find_func(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(funcs); i++)
    if (strcmp(funcs[i].name, name) == 0)
      return funcs[i].fn;
  return NULL;
}

bool
template_is_lazy_func(const char *name)
{
  return strcmp(name, "and") == 0 || strcmp(name, "or") == 0;
}
