/* printf for templates: Go's fmt verbs over JSON values, including Go's
 * way of reporting mistakes in the output (%!d(string=x), %!s(MISSING)). */
#include "template-internal.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct spec {
  bool minus, plus, sharp, zero, space;
  int width;   /* -1: none */
  int prec;    /* -1: none */
};

static bool
has_type(const struct tval *v, enum json_type t)
{
  return !v->missing && v->j != NULL && json_object_get_type(v->j) == t;
}

static size_t
rune_count(const char *s, size_t len)
{
  size_t n = 0;
  for (size_t i = 0; i < len; i++)
    if (((unsigned char) s[i] & 0xC0) != 0x80)
      n++;
  return n;
}

/* Byte length of the first N runes of S. */
static size_t
rune_prefix(const char *s, size_t len, size_t n)
{
  size_t i = 0, count = 0;
  while (i < len)
    {
      if (((unsigned char) s[i] & 0xC0) != 0x80)
        {
          if (count == n)
            break;
          count++;
        }
      i++;
    }
  return i;
}

/* Append TEXT padded to the spec's width; ZEROS pads with zeros after a
 * leading sign (numbers). */
static void
pad(struct tbuf *b, const struct spec *s, const char *text, size_t len, bool zeros)
{
  size_t runes = rune_count(text, len);
  size_t width = s->width > 0 ? (size_t) s->width : 0;
  size_t fill = width > runes ? width - runes : 0;
  if (s->minus)
    {
      tbuf_add(b, text, len);
      for (size_t i = 0; i < fill; i++)
        tbuf_add(b, " ", 1);
      return;
    }
  if (zeros && s->zero)
    {
      size_t sign = len > 0 && (text[0] == '-' || text[0] == '+' || text[0] == ' ');
      tbuf_add(b, text, sign);
      for (size_t i = 0; i < fill; i++)
        tbuf_add(b, "0", 1);
      tbuf_add(b, text + sign, len - sign);
      return;
    }
  for (size_t i = 0; i < fill; i++)
    tbuf_add(b, " ", 1);
  tbuf_add(b, text, len);
}

/* "%!d(string=x)" */
static void
bad_verb(struct tbuf *b, char verb, const struct tval *v)
{
  tbuf_addf(b, "%%!%c(", verb);
  if (v->missing || v->j == NULL)
    tbuf_adds(b, "<nil>");
  else
    {
      tbuf_addf(b, "%s=", tval_type(v));
      tval_print(b, v);
    }
  tbuf_adds(b, ")");
}

/* ---- floats ---- */

/* Shortest decimal digits that read back as F: "%.*e" with the fewest
 * digits; returns the digit count, fills TMP. */
static int
shortest_e(double f, char *tmp, size_t len)
{
  int digits;
  for (digits = 1; digits < 17; digits++)
    {
      snprintf(tmp, len, "%.*e", digits - 1, f);
      if (strtod(tmp, NULL) == f)
        return digits;
    }
  snprintf(tmp, len, "%.*e", 16, f);
  return 17;
}

/* Go's %v (EPREC 21) and %g (EPREC 0: the digit count) without a
 * precision: shortest digits, exponent form when exp < -4 || exp >= eprec. */
void
template_format_float(struct tbuf *b, double f, int eprec)
{
  if (isnan(f))
    {
      tbuf_adds(b, "NaN");
      return;
    }
  if (isinf(f))
    {
      tbuf_adds(b, f > 0 ? "+Inf" : "-Inf");
      return;
    }
  char tmp[64];
  int digits = shortest_e(f, tmp, sizeof tmp);
  int exp = atoi(strchr(tmp, 'e') + 1);
  if (eprec == 0)
    eprec = digits > exp + 1 ? digits : exp + 1 > 21 ? 21 : exp + 1;
  if (exp < -4 || exp >= eprec)
    {
      tbuf_adds(b, tmp);
      return;
    }
  int decimals = digits - 1 - exp;
  snprintf(tmp, sizeof tmp, "%.*f", decimals > 0 ? decimals : 0, f);
  tbuf_adds(b, tmp);
}

static void
format_float(struct tbuf *b, const struct spec *s, char verb, double f)
{
  struct tbuf t = { 0 };
  tbuf_add(&t, "", 0);
  if ((verb == 'g' || verb == 'G') && s->prec < 0)
    {
      if (s->plus && f >= 0)
        tbuf_add(&t, "+", 1);
      template_format_float(&t, f, 0);
      if (verb == 'G')
        for (size_t i = 0; i < t.len; i++)
          if (t.s[i] == 'e')
            t.s[i] = 'E';
    }
  else
    {
      int prec = s->prec < 0 ? 6 : s->prec;
      if (!signbit(f) && (s->plus || s->space))
        tbuf_add(&t, s->plus ? "+" : " ", 1);
      cleanup_free char *out = NULL;
      switch (verb)
        {
        case 'e':
          out = xasprintf("%.*e", prec, f);
          break;
        case 'E':
          out = xasprintf("%.*E", prec, f);
          break;
        case 'g':
          out = xasprintf("%.*g", prec, f);
          break;
        case 'G':
          out = xasprintf("%.*G", prec, f);
          break;
        default:
          out = xasprintf("%.*f", prec, f);
        }
      tbuf_adds(&t, out);
    }
  pad(b, s, t.s, t.len, true);
  free(t.s);
}

/* ---- integers ---- */

static void
format_int(struct tbuf *b, const struct spec *s, char verb, int64_t v)
{
  char digits[80];
  unsigned long long u = v < 0 ? 0ULL - (unsigned long long) v : (unsigned long long) v;
  const char *prefix = "";
  switch (verb)
    {
    case 'd':
      snprintf(digits, sizeof digits, "%llu", u);
      break;
    case 'x':
    case 'X':
      snprintf(digits, sizeof digits, verb == 'x' ? "%llx" : "%llX", u);
      prefix = s->sharp ? (verb == 'x' ? "0x" : "0X") : "";
      break;
    case 'o':
    case 'O':
      snprintf(digits, sizeof digits, "%llo", u);
      prefix = verb == 'O' ? "0o" : s->sharp ? "0" : "";
      break;
    default: /* 'b' */
      {
        char tmp[80];
        size_t n = 0;
        do
          tmp[n++] = (char) ('0' + (u & 1));
        while ((u >>= 1) && n < sizeof tmp);
        for (size_t i = 0; i < n; i++)
          digits[i] = tmp[n - 1 - i];
        digits[n] = '\0';
        prefix = s->sharp ? "0b" : "";
      }
    }
  struct tbuf t = { 0 };
  tbuf_add(&t, "", 0);
  if (v < 0)
    tbuf_add(&t, "-", 1);
  else if (s->plus)
    tbuf_add(&t, "+", 1);
  else if (s->space)
    tbuf_add(&t, " ", 1);
  tbuf_adds(&t, prefix);
  for (int i = (int) strlen(digits); i < s->prec; i++)
    tbuf_add(&t, "0", 1);
  if (!(s->prec == 0 && v == 0))
    tbuf_adds(&t, digits);
  pad(b, s, t.s, t.len, s->prec < 0);
  free(t.s);
}

static void
put_rune(struct tbuf *b, int64_t cp)
{
  if (cp < 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000))
    cp = 0xFFFD;
  char s[4];
  tbuf_add(b, s, utf8_encode((uint32_t) cp, s));
}

/* ---- strings ---- */

/* Go's strconv.Quote, for %q. */
static void
go_quote(struct tbuf *b, const char *s, size_t len)
{
  tbuf_add(b, "\"", 1);
  for (size_t i = 0; i < len; i++)
    {
      unsigned char c = (unsigned char) s[i];
      switch (c)
        {
        case '\a': tbuf_adds(b, "\\a"); continue;
        case '\b': tbuf_adds(b, "\\b"); continue;
        case '\f': tbuf_adds(b, "\\f"); continue;
        case '\n': tbuf_adds(b, "\\n"); continue;
        case '\r': tbuf_adds(b, "\\r"); continue;
        case '\t': tbuf_adds(b, "\\t"); continue;
        case '\v': tbuf_adds(b, "\\v"); continue;
        case '\\': tbuf_adds(b, "\\\\"); continue;
        case '"': tbuf_adds(b, "\\\""); continue;
        default: break;
        }
      if (c < 0x20 || c == 0x7F)
        {
          tbuf_addf(b, "\\x%02x", c);
          continue;
        }
      if (c < 0x80)
        {
          tbuf_add(b, s + i, 1);
          continue;
        }
      /* Keep a valid UTF-8 sequence; escape stray bytes. */
      size_t n = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
      bool ok = n > 0 && i + n <= len;
      for (size_t k = 1; ok && k < n; k++)
        ok = ((unsigned char) s[i + k] & 0xC0) == 0x80;
      if (!ok)
        {
          tbuf_addf(b, "\\x%02x", c);
          continue;
        }
      tbuf_add(b, s + i, n);
      i += n - 1;
    }
  tbuf_add(b, "\"", 1);
}

static void
format_string(struct tbuf *b, const struct spec *s, char verb, const struct tval *v)
{
  const char *str = json_object_get_string(v->j);
  size_t len = (size_t) json_object_get_string_len(v->j);
  if (s->prec >= 0)
    len = rune_prefix(str, len, (size_t) s->prec);
  struct tbuf t = { 0 };
  tbuf_add(&t, "", 0);
  if (verb == 'q')
    go_quote(&t, str, len);
  else if (verb == 'x' || verb == 'X')
    for (size_t i = 0; i < len; i++)
      tbuf_addf(&t, verb == 'x' ? "%02x" : "%02X", (unsigned char) str[i]);
  else
    tbuf_add(&t, str, len);
  pad(b, s, t.s, t.len, false);
  free(t.s);
}

/* ---- one verb ---- */

static void
format_one(struct tbuf *b, const struct spec *s, char verb, const struct tval *v)
{
  bool nil = v->missing || v->j == NULL;
  if (verb == 'v')
    {
      struct tbuf t = { 0 };
      tbuf_add(&t, "", 0);
      if (nil)
        tbuf_adds(&t, "<nil>");
      else if (has_type(v, json_type_double))
        template_format_float(&t, json_object_get_double(v->j), 21);
      else
        tval_print(&t, v);
      pad(b, s, t.s, t.len, !nil && (has_type(v, json_type_int) || has_type(v, json_type_double)));
      free(t.s);
      return;
    }
  if (nil)
    {
      bad_verb(b, verb, v);
      return;
    }
  enum json_type type = json_object_get_type(v->j);
  switch (verb)
    {
    case 's':
    case 'q':
      if (type == json_type_string)
        format_string(b, s, verb, v);
      else if (verb == 'q' && type == json_type_int)
        {
          struct tbuf t = { 0 };
          tbuf_add(&t, "'", 1);
          put_rune(&t, json_object_get_int64(v->j));
          tbuf_add(&t, "'", 1);
          pad(b, s, t.s, t.len, false);
          free(t.s);
        }
      else if (verb == 's' && (type == json_type_array || type == json_type_object))
        {
          struct tbuf t = { 0 };
          tbuf_add(&t, "", 0);
          tval_print(&t, v);
          pad(b, s, t.s, t.len, false);
          free(t.s);
        }
      else
        bad_verb(b, verb, v);
      return;
    case 'd':
    case 'b':
    case 'o':
    case 'O':
    case 'x':
    case 'X':
      if (type == json_type_int)
        format_int(b, s, verb, json_object_get_int64(v->j));
      else if ((verb == 'x' || verb == 'X') && type == json_type_string)
        format_string(b, s, verb, v);
      else
        bad_verb(b, verb, v);
      return;
    case 'c':
    case 'U':
      if (type != json_type_int)
        {
          bad_verb(b, verb, v);
          return;
        }
      {
        struct tbuf t = { 0 };
        tbuf_add(&t, "", 0);
        if (verb == 'c')
          put_rune(&t, json_object_get_int64(v->j));
        else
          tbuf_addf(&t, "U+%04llX", (unsigned long long) json_object_get_int64(v->j));
        pad(b, s, t.s, t.len, false);
        free(t.s);
      }
      return;
    case 'e':
    case 'E':
    case 'f':
    case 'F':
    case 'g':
    case 'G':
      if (type == json_type_double || type == json_type_int)
        format_float(b, s, verb, json_object_get_double(v->j));
      else
        bad_verb(b, verb, v);
      return;
    case 't':
      if (type == json_type_boolean)
        {
          const char *t = json_object_get_boolean(v->j) ? "true" : "false";
          pad(b, s, t, strlen(t), false);
        }
      else
        bad_verb(b, verb, v);
      return;
    default:
      bad_verb(b, verb, v);
    }
}

/* A width or precision: digits, or '*' taking an int argument. */
static int
read_number(const char *f, size_t flen, size_t *i, struct tval *args, size_t n, size_t *argi, bool *bad)
{
  if (*i < flen && f[*i] == '*')
    {
      (*i)++;
      if (*argi < n && has_type(&args[*argi], json_type_int))
        {
          int64_t v = json_object_get_int64(args[(*argi)++].j);
          if (v > TEMPLATE_MAX_WIDTH || v < -TEMPLATE_MAX_WIDTH)
            *bad = true;
          return (int) v;
        }
      (*argi)++;
      *bad = true;
      return -1;
    }
  int v = -1;
  while (*i < flen && f[*i] >= '0' && f[*i] <= '9')
    {
      v = (v < 0 ? 0 : v) * 10 + (f[*i] - '0');
      if (v > TEMPLATE_MAX_WIDTH)
        {
          v = TEMPLATE_MAX_WIDTH;
          *bad = true;
        }
      (*i)++;
    }
  return v;
}

void
template_sprintf(struct tbuf *b, const char *f, size_t flen, struct tval *args, size_t n)
{
  size_t argi = 0;
  for (size_t i = 0; i < flen;)
    {
      if (f[i] != '%')
        {
          size_t start = i;
          while (i < flen && f[i] != '%')
            i++;
          tbuf_add(b, f + start, i - start);
          continue;
        }
      i++;
      struct spec s = { .width = -1, .prec = -1 };
      for (; i < flen; i++)
        {
          if (f[i] == '-')
            s.minus = true;
          else if (f[i] == '+')
            s.plus = true;
          else if (f[i] == '#')
            s.sharp = true;
          else if (f[i] == '0')
            s.zero = true;
          else if (f[i] == ' ')
            s.space = true;
          else
            break;
        }
      bool bad_width = false, bad_prec = false;
      s.width = read_number(f, flen, &i, args, n, &argi, &bad_width);
      if (s.width < 0 && s.width != -1)
        {
          s.minus = true;
          s.width = -s.width;
        }
      if (i < flen && f[i] == '.')
        {
          i++;
          s.prec = read_number(f, flen, &i, args, n, &argi, &bad_prec);
          if (s.prec < 0)
            s.prec = 0;
        }
      if (bad_width)
        {
          tbuf_adds(b, "%!(BADWIDTH)");
          s.width = -1;
        }
      if (bad_prec)
        {
          tbuf_adds(b, "%!(BADPREC)");
          s.prec = -1;
        }
      if (i >= flen)
        {
          tbuf_adds(b, "%!(NOVERB)");
          break;
        }
      char verb = f[i++];
      if (verb == '%')
        {
          tbuf_add(b, "%", 1);
          continue;
        }
      if (argi >= n)
        {
          tbuf_addf(b, "%%!%c(MISSING)", verb);
          continue;
        }
      format_one(b, &s, verb, &args[argi++]);
    }
  if (argi < n)
    {
      tbuf_adds(b, "%!(EXTRA ");
      for (size_t k = argi; k < n; k++)
        {
          if (k > argi)
            tbuf_adds(b, ", ");
          if (args[k].missing || args[k].j == NULL)
            tbuf_adds(b, "<nil>");
          else
            {
              tbuf_addf(b, "%s=", tval_type(&args[k]));
              tval_print(b, &args[k]);
            }
        }
      tbuf_adds(b, ")");
    }
}
