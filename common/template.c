/* Template parsing: text and {{actions}} into the tree of
 * template-internal.h. The grammar is Go text/template's:
 *
 *   action   = "{{" ["- "] (pipeline | keyword ...) [" -"] "}}"
 *   pipeline = [ $v ["," $w] (":=" | "=") ] command { "|" command }
 *   command  = operand { operand }
 *   operand  = term { .Field }        (no space before a .Field)
 *   term     = literal | function | "." | .Field | $var | "(" pipeline ")"
 */
#include "template-internal.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* ---- Tokens of one action ---- */

enum tok_kind {
  TOK_IDENT, TOK_FIELD, TOK_DOT, TOK_VAR, TOK_STRING, TOK_CHAR, TOK_NUMBER,
  TOK_PIPE, TOK_LPAREN, TOK_RPAREN, TOK_DECLARE, TOK_ASSIGN, TOK_COMMA,
};

struct tok {
  enum tok_kind kind;
  size_t pos;
  bool space_before;
  char *text;     /* identifier, field name, variable ("$x"), number text, decoded string */
  size_t len;     /* decoded string length */
};

struct parser {
  const char *src;
  size_t len;
  size_t pos;           /* next byte of the source to read */
  bool trim_next_text;  /* the last action ended with " -}}" */
  int depth;
  char **vars;          /* variables in scope, innermost last ("$" first) */
  int range_depth;      /* inside how many range bodies (break/continue) */
  ctool_error_t *err;
  /* the action being parsed */
  struct tok *toks;
  size_t ntoks;
  size_t at;            /* next token */
  size_t action_pos;
};

void
template_position(const char *source, size_t pos, int *line, int *col)
{
  *line = 1;
  *col = 1;
  for (size_t i = 0; i < pos && source[i]; i++)
    {
      if (source[i] == '\n')
        {
          (*line)++;
          *col = 1;
        }
      else
        (*col)++;
    }
}

static int __attribute__((format(printf, 3, 4)))
parse_error(struct parser *p, size_t pos, const char *fmt, ...)
{
  int line, col;
  template_position(p->src, pos, &line, &col);
  va_list ap;
  va_start(ap, fmt);
  cleanup_free char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  return ctool_error_set(p->err, 0, "template: %d:%d: %s", line, col, msg);
}

static void
free_toks(struct parser *p)
{
  for (size_t i = 0; i < p->ntoks; i++)
    free(p->toks[i].text);
  free(p->toks);
  p->toks = NULL;
  p->ntoks = p->at = 0;
}

static struct tok *
push_tok(struct parser *p, enum tok_kind kind, size_t pos, bool space)
{
  p->toks = xrealloc(p->toks, (p->ntoks + 1) * sizeof *p->toks);
  struct tok *t = &p->toks[p->ntoks++];
  *t = (struct tok) { .kind = kind, .pos = pos, .space_before = space };
  return t;
}

static bool
is_ident_char(char c)
{
  return isalnum((unsigned char) c) || c == '_' || (unsigned char) c >= 0x80;
}

static bool
is_space(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Append the UTF-8 encoding of code point CP. */
static void
put_utf8(struct tbuf *b, unsigned long cp)
{
  char s[4];
  tbuf_add(b, s, utf8_encode((uint32_t) cp, s));
}

static int
hex_value(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* One escape after a backslash at p->src[p->pos] (the backslash already
 * read); QUOTE is the enclosing quote. */
static int
lex_escape(struct parser *p, char quote, struct tbuf *b)
{
  size_t start = p->pos - 1;
  if (p->pos >= p->len)
    return parse_error(p, start, "unterminated quoted string");
  char c = p->src[p->pos++];
  switch (c)
    {
    case 'a': tbuf_add(b, "\a", 1); return 0;
    case 'b': tbuf_add(b, "\b", 1); return 0;
    case 'f': tbuf_add(b, "\f", 1); return 0;
    case 'n': tbuf_add(b, "\n", 1); return 0;
    case 'r': tbuf_add(b, "\r", 1); return 0;
    case 't': tbuf_add(b, "\t", 1); return 0;
    case 'v': tbuf_add(b, "\v", 1); return 0;
    case '\\': tbuf_add(b, "\\", 1); return 0;
    default: break;
    }
  if (c == quote)
    {
      tbuf_add(b, &c, 1);
      return 0;
    }
  int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : (c >= '0' && c <= '7') ? 3 : 0;
  if (digits == 0 && c > 0x20 && c < 0x7f)
    return parse_error(p, start, "unknown escape sequence \\%c", c);
  if (digits == 0)
    return parse_error(p, start, "unknown escape sequence (a backslash before byte 0x%02x)", (unsigned char) c);
  int base = (c >= '0' && c <= '7') ? 8 : 16;
  unsigned long v = 0;
  if (base == 8)
    p->pos--;
  for (int i = 0; i < digits; i++)
    {
      int d = p->pos < p->len ? hex_value(p->src[p->pos]) : -1;
      if (d < 0 || d >= base)
        return parse_error(p, start, "invalid escape sequence in quoted string");
      v = v * (unsigned long) base + (unsigned long) d;
      p->pos++;
    }
  if (c == 'x' || base == 8)
    {
      if (v > 255)
        return parse_error(p, start, "octal escape value > 255");
      char byte = (char) v;
      tbuf_add(b, &byte, 1);
    }
  else
    {
      if (v > 0x10FFFF || (v >= 0xD800 && v < 0xE000))
        return parse_error(p, start, "escape sequence is an invalid Unicode code point");
      put_utf8(b, v);
    }
  return 0;
}

/* "...", `...` and 'c'. */
static int
lex_quoted(struct parser *p, bool space)
{
  size_t start = p->pos;
  char quote = p->src[p->pos++];
  struct tbuf b = { 0 };
  tbuf_add(&b, "", 0);
  for (;;)
    {
      if (p->pos >= p->len || (quote != '`' && p->src[p->pos] == '\n'))
        {
          free(b.s);
          return parse_error(p, start, quote == '\'' ? "unterminated character constant"
                                       : quote == '`' ? "unterminated raw quoted string"
                                                      : "unterminated quoted string");
        }
      char c = p->src[p->pos++];
      if (c == quote)
        break;
      if (c == '\\' && quote != '`')
        {
          if (lex_escape(p, quote, &b) < 0)
            {
              free(b.s);
              return -1;
            }
          continue;
        }
      tbuf_add(&b, &c, 1);
    }
  if (quote == '\'')
    {
      /* A character constant is its code point, an int. */
      const unsigned char *u = (const unsigned char *) b.s;
      unsigned long cp = 0;
      size_t n = b.len;
      if (n == 1 && u[0] < 0x80)
        cp = u[0];
      else if (n == 2 && (u[0] & 0xE0) == 0xC0)
        cp = ((u[0] & 0x1Fu) << 6) | (u[1] & 0x3Fu);
      else if (n == 3 && (u[0] & 0xF0) == 0xE0)
        cp = ((u[0] & 0x0Fu) << 12) | ((u[1] & 0x3Fu) << 6) | (u[2] & 0x3Fu);
      else if (n == 4 && (u[0] & 0xF8) == 0xF0)
        cp = ((u[0] & 0x07u) << 18) | ((u[1] & 0x3Fu) << 12) | ((u[2] & 0x3Fu) << 6) | (u[3] & 0x3Fu);
      else
        {
          free(b.s);
          return parse_error(p, start, "malformed character constant");
        }
      free(b.s);
      struct tok *t = push_tok(p, TOK_CHAR, start, space);
      t->text = xasprintf("%lu", cp);
      return 0;
    }
  struct tok *t = push_tok(p, TOK_STRING, start, space);
  t->text = b.s;
  t->len = b.len;
  return 0;
}

static void
lex_number(struct parser *p, bool space)
{
  size_t start = p->pos;
  if (p->src[p->pos] == '+' || p->src[p->pos] == '-')
    p->pos++;
  while (p->pos < p->len)
    {
      char c = p->src[p->pos];
      char prev = p->src[p->pos - 1];
      bool exp_sign = (c == '+' || c == '-') && (prev == 'e' || prev == 'E' || prev == 'p' || prev == 'P')
                      && !(p->src[start] == '0' && p->pos > start + 1 && (p->src[start + 1] == 'x' || p->src[start + 1] == 'X') && (prev == 'e' || prev == 'E'));
      if (isalnum((unsigned char) c) || c == '.' || c == '_' || exp_sign)
        p->pos++;
      else
        break;
    }
  struct tok *t = push_tok(p, TOK_NUMBER, start, space);
  t->text = xstrndup(p->src + start, p->pos - start);
}

/* Tokens up to "}}" (or " -}}"), which is consumed. */
static int
lex_action(struct parser *p)
{
  bool space = true;
  for (;;)
    {
      if (p->pos >= p->len)
        return parse_error(p, p->action_pos, "unclosed action");
      char c = p->src[p->pos];
      if (is_space(c))
        {
          p->pos++;
          space = true;
          continue;
        }
      if (c == '}' && p->pos + 1 < p->len && p->src[p->pos + 1] == '}')
        {
          p->pos += 2;
          return 0;
        }
      if (c == '-' && space && p->pos + 2 < p->len && p->src[p->pos + 1] == '}' && p->src[p->pos + 2] == '}')
        {
          p->pos += 3;
          p->trim_next_text = true;
          return 0;
        }
      size_t start = p->pos;
      if (c == '"' || c == '`' || c == '\'')
        {
          if (lex_quoted(p, space) < 0)
            return -1;
        }
      else if (c == '.' && p->pos + 1 < p->len && isdigit((unsigned char) p->src[p->pos + 1]))
        lex_number(p, space);
      else if (c == '.')
        {
          p->pos++;
          size_t n = 0;
          while (p->pos + n < p->len && is_ident_char(p->src[p->pos + n]))
            n++;
          if (n == 0)
            push_tok(p, TOK_DOT, start, space);
          else
            {
              struct tok *t = push_tok(p, TOK_FIELD, start, space);
              t->text = xstrndup(p->src + p->pos, n);
              p->pos += n;
            }
        }
      else if (c == '$')
        {
          p->pos++;
          while (p->pos < p->len && is_ident_char(p->src[p->pos]))
            p->pos++;
          struct tok *t = push_tok(p, TOK_VAR, start, space);
          t->text = xstrndup(p->src + start, p->pos - start);
        }
      else if (isdigit((unsigned char) c) || ((c == '-' || c == '+') && p->pos + 1 < p->len
                                               && (isdigit((unsigned char) p->src[p->pos + 1]) || p->src[p->pos + 1] == '.')))
        lex_number(p, space);
      else if (is_ident_char(c))
        {
          while (p->pos < p->len && is_ident_char(p->src[p->pos]))
            p->pos++;
          struct tok *t = push_tok(p, TOK_IDENT, start, space);
          t->text = xstrndup(p->src + start, p->pos - start);
        }
      else if (c == ':' && p->pos + 1 < p->len && p->src[p->pos + 1] == '=')
        {
          push_tok(p, TOK_DECLARE, start, space);
          p->pos += 2;
        }
      else if (c == '|' || c == '(' || c == ')' || c == '=' || c == ',')
        {
          push_tok(p, c == '|' ? TOK_PIPE : c == '(' ? TOK_LPAREN : c == ')' ? TOK_RPAREN : c == '=' ? TOK_ASSIGN : TOK_COMMA,
                   start, space);
          p->pos++;
        }
      else if (c > 0x20 && c < 0x7f)
        return parse_error(p, start, "unexpected \"%c\" in command", c);
      else
        return parse_error(p, start, "unexpected byte 0x%02x in command", (unsigned char) c);
      space = false;
    }
}

/* ---- Tree building ---- */

static void free_pipe(struct tpipe *pp);
static void free_list(struct tlist *l);

static void
free_arg(struct targ *a)
{
  if (a == NULL)
    return;
  free(a->name);
  strv_free(a->fields);
  free_pipe(a->pipe);
  free(a);
}

static void
free_pipe(struct tpipe *pp)
{
  if (pp == NULL)
    return;
  for (size_t i = 0; i < pp->nvars; i++)
    free(pp->vars[i]);
  for (size_t i = 0; i < pp->n; i++)
    {
      for (size_t j = 0; j < pp->cmds[i]->n; j++)
        free_arg(pp->cmds[i]->args[j]);
      free(pp->cmds[i]->args);
      free(pp->cmds[i]);
    }
  free(pp->cmds);
  free(pp);
}

static void
free_node(struct tnode *n)
{
  if (n == NULL)
    return;
  free(n->text);
  free_pipe(n->pipe);
  free_list(n->list);
  free_list(n->else_list);
  free(n);
}

static void
free_list(struct tlist *l)
{
  if (l == NULL)
    return;
  for (size_t i = 0; i < l->n; i++)
    free_node(l->nodes[i]);
  free(l->nodes);
  free(l);
}

static void
list_add(struct tlist *l, struct tnode *n)
{
  l->nodes = xrealloc(l->nodes, (l->n + 1) * sizeof *l->nodes);
  l->nodes[l->n++] = n;
}

static struct tok *
peek(struct parser *p)
{
  return p->at < p->ntoks ? &p->toks[p->at] : NULL;
}

static size_t
here(struct parser *p)
{
  struct tok *t = peek(p);
  return t ? t->pos : p->pos;
}

static bool
var_defined(struct parser *p, const char *name)
{
  for (size_t i = strv_len(p->vars); i > 0; i--)
    if (strcmp(p->vars[i - 1], name) == 0)
      return true;
  return false;
}

static void
vars_truncate(struct parser *p, size_t n)
{
  while (strv_len(p->vars) > n)
    {
      size_t last = strv_len(p->vars) - 1;
      free(p->vars[last]);
      p->vars[last] = NULL;
    }
}

static struct tpipe *parse_pipeline(struct parser *p, const char *context, bool in_parens);

/* .A.B after a term, without spaces in between. */
static void
parse_chain(struct parser *p, struct targ *a)
{
  struct tok *t;
  while ((t = peek(p)) && t->kind == TOK_FIELD && !t->space_before)
    {
      strv_push(&a->fields, t->text);
      p->at++;
    }
}

static int
parse_number(struct parser *p, struct tok *t, struct targ *a)
{
  cleanup_free char *text = xstrdup(t->text);
  /* Go allows _ between digits. */
  char *o = text;
  for (const char *s = t->text; *s; s++)
    if (*s != '_')
      *o++ = *s;
  *o = '\0';
  bool hex = strstr(text, "0x") || strstr(text, "0X");
  bool is_float = !hex ? strpbrk(text, ".eE") != NULL : strpbrk(text, ".pP") != NULL;
  char *end = NULL;
  errno = 0;
  if (!is_float)
    {
      const char *digits = text + (text[0] == '-' || text[0] == '+');
      int base = 10;
      if (digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X'))
        base = 16;
      else if (digits[0] == '0' && (digits[1] == 'b' || digits[1] == 'B'))
        base = 2;
      else if (digits[0] == '0' && (digits[1] == 'o' || digits[1] == 'O'))
        base = 8;
      else if (digits[0] == '0' && digits[1] != '\0')
        base = 8;
      const char *num = digits + ((base == 16 || base == 2 || (base == 8 && isalpha((unsigned char) digits[1]))) ? 2 : 0);
      if (*num == '\0')
        return parse_error(p, t->pos, "bad number syntax: \"%s\"", t->text);
      unsigned long long u = strtoull(num, &end, base);
      if (*end != '\0' || errno == ERANGE || u > (unsigned long long) INT64_MAX + (text[0] == '-'))
        return parse_error(p, t->pos, "bad number syntax: \"%s\"", t->text);
      a->kind = ARG_INT;
      a->i = text[0] == '-' ? (int64_t) (0 - u) : (int64_t) u;
      return 0;
    }
  double f = strtod(text, &end);
  if (*end != '\0' || end == text)
    return parse_error(p, t->pos, "bad number syntax: \"%s\"", t->text);
  a->kind = ARG_FLOAT;
  a->f = f;
  return 0;
}

/* One operand; NULL (with the error set) on failure. */
static struct targ *
parse_operand(struct parser *p)
{
  struct tok *t = peek(p);
  struct targ *a = xzalloc(sizeof *a);
  a->pos = t->pos;
  p->at++;
  switch (t->kind)
    {
    case TOK_DOT:
      a->kind = ARG_DOT;
      if (peek(p) && peek(p)->kind == TOK_FIELD && !peek(p)->space_before)
        {
          parse_error(p, peek(p)->pos, "unexpected . after term \".\"");
          goto fail;
        }
      return a;
    case TOK_FIELD:
      a->kind = ARG_FIELD;
      strv_push(&a->fields, t->text);
      parse_chain(p, a);
      return a;
    case TOK_VAR:
      if (!var_defined(p, t->text))
        {
          parse_error(p, t->pos, "undefined variable \"%s\"", t->text);
          goto fail;
        }
      a->kind = ARG_VAR;
      a->name = xstrdup(t->text);
      parse_chain(p, a);
      return a;
    case TOK_STRING:
      a->kind = ARG_STRING;
      a->name = xmalloc(t->len + 1);
      memcpy(a->name, t->text, t->len + 1);
      a->len = t->len;
      return a;
    case TOK_CHAR:
      a->kind = ARG_INT;
      a->i = strtoll(t->text, NULL, 10);
      return a;
    case TOK_NUMBER:
      if (parse_number(p, t, a) < 0)
        goto fail;
      return a;
    case TOK_IDENT:
      if (strcmp(t->text, "true") == 0 || strcmp(t->text, "false") == 0)
        {
          a->kind = ARG_BOOL;
          a->i = t->text[0] == 't';
          return a;
        }
      if (strcmp(t->text, "nil") == 0)
        {
          a->kind = ARG_NIL;
          return a;
        }
      if (template_find_func(t->text) == NULL && !template_is_lazy_func(t->text))
        {
          parse_error(p, t->pos, "function \"%s\" not defined", t->text);
          goto fail;
        }
      a->kind = ARG_FUNC;
      a->name = xstrdup(t->text);
      return a;
    case TOK_LPAREN:
      if (++p->depth > TEMPLATE_MAX_DEPTH)
        {
          parse_error(p, t->pos, "expression nested too deeply");
          goto fail;
        }
      a->kind = ARG_PIPE;
      a->pipe = parse_pipeline(p, "parenthesized pipeline", true);
      p->depth--;
      if (a->pipe == NULL)
        goto fail;
      if (peek(p) == NULL || peek(p)->kind != TOK_RPAREN)
        {
          parse_error(p, a->pos, "unclosed left paren");
          goto fail;
        }
      p->at++;
      parse_chain(p, a);
      return a;
    case TOK_RPAREN:
      parse_error(p, t->pos, "unexpected right paren");
      goto fail;
    default:
      parse_error(p, t->pos, "unexpected \"%s\" in operand",
                  t->kind == TOK_PIPE ? "|" : t->kind == TOK_DECLARE ? ":=" : t->kind == TOK_ASSIGN ? "=" : ",");
      goto fail;
    }
fail:
  free_arg(a);
  return NULL;
}

static char *
arg_text(const struct targ *a)
{
  if (a->kind == ARG_FUNC || a->kind == ARG_VAR)
    return xstrdup(a->name);
  if (a->kind == ARG_FIELD)
    {
      struct tbuf b = { 0 };
      for (size_t i = 0; a->fields[i]; i++)
        tbuf_addf(&b, ".%s", a->fields[i]);
      return b.s;
    }
  if (a->kind == ARG_DOT)
    return xstrdup(".");
  return xstrdup("a constant");
}

static struct tcmd *
parse_command(struct parser *p)
{
  struct tcmd *c = xzalloc(sizeof *c);
  c->pos = here(p);
  struct tok *t;
  while ((t = peek(p)) && t->kind != TOK_PIPE && t->kind != TOK_RPAREN)
    {
      if (c->n > 0 && !t->space_before && t->kind != TOK_LPAREN)
        {
          parse_error(p, t->pos, "missing space between operands");
          goto fail;
        }
      struct targ *a = parse_operand(p);
      if (a == NULL)
        goto fail;
      c->args = xrealloc(c->args, (c->n + 1) * sizeof *c->args);
      c->args[c->n++] = a;
    }
  if (c->n == 0)
    {
      parse_error(p, c->pos, "missing command");
      goto fail;
    }
  if (c->n > 1 && c->args[0]->kind != ARG_FUNC)
    {
      cleanup_free char *what = arg_text(c->args[0]);
      parse_error(p, c->args[0]->pos, "can't give argument to non-function %s", what);
      goto fail;
    }
  return c;
fail:
  for (size_t i = 0; i < c->n; i++)
    free_arg(c->args[i]);
  free(c->args);
  free(c);
  return NULL;
}

/* Variable declarations in front of a pipeline: "$x :=", "$i, $e :=",
 * "$x =". */
static int
parse_declarations(struct parser *p, struct tpipe *pp, const char *context)
{
  struct tok *t0 = peek(p);
  if (t0 == NULL || t0->kind != TOK_VAR || p->at + 1 >= p->ntoks)
    return 0;
  struct tok *t1 = &p->toks[p->at + 1];
  if (t1->kind == TOK_COMMA)
    {
      if (strcmp(context, "range") != 0)
        return parse_error(p, t1->pos, "too many declarations in %s", context);
      if (p->at + 3 >= p->ntoks || p->toks[p->at + 2].kind != TOK_VAR
          || (p->toks[p->at + 3].kind != TOK_DECLARE && p->toks[p->at + 3].kind != TOK_ASSIGN))
        return parse_error(p, t1->pos, "missing variable after ',' in range");
      pp->vars[0] = xstrdup(t0->text);
      pp->vars[1] = xstrdup(p->toks[p->at + 2].text);
      pp->nvars = 2;
      pp->assign = p->toks[p->at + 3].kind == TOK_ASSIGN;
      p->at += 4;
    }
  else if (t1->kind == TOK_DECLARE || t1->kind == TOK_ASSIGN)
    {
      pp->vars[0] = xstrdup(t0->text);
      pp->nvars = 1;
      pp->assign = t1->kind == TOK_ASSIGN;
      p->at += 2;
    }
  else
    return 0;
  for (size_t i = 0; i < pp->nvars; i++)
    {
      if (strcmp(pp->vars[i], "$") == 0)
        return parse_error(p, t0->pos, "cannot assign to $");
      if (pp->assign && !var_defined(p, pp->vars[i]))
        return parse_error(p, t0->pos, "undefined variable \"%s\"", pp->vars[i]);
    }
  return 0;
}

static struct tpipe *
parse_pipeline(struct parser *p, const char *context, bool in_parens)
{
  struct tpipe *pp = xzalloc(sizeof *pp);
  pp->pos = here(p);
  if (!in_parens && parse_declarations(p, pp, context) < 0)
    goto fail;
  for (;;)
    {
      struct tcmd *c = parse_command(p);
      if (c == NULL)
        goto fail;
      pp->cmds = xrealloc(pp->cmds, (pp->n + 1) * sizeof *pp->cmds);
      pp->cmds[pp->n++] = c;
      struct tok *t = peek(p);
      if (t == NULL || (in_parens && t->kind == TOK_RPAREN))
        break;
      if (t->kind == TOK_RPAREN)
        {
          parse_error(p, t->pos, "unexpected right paren");
          goto fail;
        }
      p->at++; /* the '|' */
      if (peek(p) == NULL || peek(p)->kind == TOK_PIPE || peek(p)->kind == TOK_RPAREN)
        {
          parse_error(p, t->pos, "missing command after '|' in %s", context);
          goto fail;
        }
    }
  /* Declared variables are visible from here on (range declares its own
   * per iteration; the scope is the same). */
  if (!pp->assign)
    for (size_t i = 0; i < pp->nvars; i++)
      strv_push(&p->vars, pp->vars[i]);
  return pp;
fail:
  free_pipe(pp);
  return NULL;
}

/* ---- Lists and control structures ---- */

enum terminator { TERM_EOF, TERM_END, TERM_ELSE };

static int parse_list(struct parser *p, struct tlist **out, enum terminator *term);

/* Text from p->pos up to the next "{{"; handles the trim markers. */
static struct tnode *
take_text(struct parser *p, const char *open)
{
  size_t start = p->pos;
  size_t end = open ? (size_t) (open - p->src) : p->len;
  p->pos = end;
  size_t s = start, e = end;
  if (p->trim_next_text)
    while (s < e && is_space(p->src[s]))
      s++;
  p->trim_next_text = false;
  bool trim_left = open && open[2] == '-' && is_space(open[3]);
  if (trim_left)
    while (e > s && is_space(p->src[e - 1]))
      e--;
  if (e <= s)
    return NULL;
  /* \t and \n typed as two characters (a shell's single quotes keep them) */
  struct tbuf b = { 0 };
  for (size_t i = s; i < e; i++)
    {
      if (p->src[i] == '\\' && i + 1 < e && (p->src[i + 1] == 't' || p->src[i + 1] == 'n'))
        {
          tbuf_add(&b, p->src[i + 1] == 't' ? "\t" : "\n", 1);
          i++;
        }
      else
        tbuf_add(&b, p->src + i, 1);
    }
  struct tnode *n = xzalloc(sizeof *n);
  n->kind = NODE_TEXT;
  n->pos = s;
  n->text = b.s;
  n->len = b.len;
  return n;
}

/* A comment action, {{/\* ... *\/}}: returns 1 when the action was a comment (consumed). */
static int
take_comment(struct parser *p)
{
  if (strncmp(p->src + p->pos, "/*", 2) != 0)
    return 0;
  const char *close = strstr(p->src + p->pos + 2, "*/");
  if (close == NULL)
    return parse_error(p, p->action_pos, "unclosed comment");
  size_t after = (size_t) (close - p->src) + 2;
  if (strncmp(p->src + after, "}}", 2) == 0)
    p->pos = after + 2;
  else if (strncmp(p->src + after, " -}}", 4) == 0)
    {
      p->pos = after + 4;
      p->trim_next_text = true;
    }
  else
    return parse_error(p, p->action_pos, "comment ends before closing delimiter");
  return 1;
}

static bool
tok_is(struct tok *t, const char *ident)
{
  return t && t->kind == TOK_IDENT && strcmp(t->text, ident) == 0;
}

static int
expect_end_of_action(struct parser *p, const char *what)
{
  struct tok *t = peek(p);
  if (t == NULL)
    return 0;
  if (t->kind == TOK_IDENT || t->kind == TOK_FIELD || t->kind == TOK_VAR || t->kind == TOK_NUMBER)
    return parse_error(p, t->pos, "unexpected \"%s%s\" in %s", t->kind == TOK_FIELD ? "." : "", t->text, what);
  return parse_error(p, t->pos, "unexpected %s in %s", t->kind == TOK_STRING || t->kind == TOK_CHAR ? "quoted string" : "operand", what);
}

/* The body of if/range/with after its pipeline, through {{end}}. A
 * following {{else if ...}} / {{else with ...}} becomes a nested node in
 * the else list, sharing the one {{end}}. */
static int parse_control_rest(struct parser *p, struct tnode *n, const char *keyword);

static struct tnode *
parse_control(struct parser *p, enum tnode_kind kind, const char *keyword, size_t pos)
{
  struct tnode *n = xzalloc(sizeof *n);
  n->kind = kind;
  n->pos = pos;
  size_t scope = strv_len(p->vars);
  int r;
  if (peek(p) == NULL)
    {
      parse_error(p, pos, "missing value for %s", keyword);
      goto fail;
    }
  n->pipe = parse_pipeline(p, keyword, false);
  if (n->pipe == NULL)
    goto fail;
  if (p->depth + 1 > TEMPLATE_MAX_DEPTH)
    {
      parse_error(p, pos, "blocks nested too deeply");
      goto fail;
    }
  p->depth++;
  free_toks(p);
  if (kind == NODE_RANGE)
    p->range_depth++;
  r = parse_control_rest(p, n, keyword);
  if (kind == NODE_RANGE)
    p->range_depth--;
  p->depth--;
  vars_truncate(p, scope);
  if (r < 0)
    goto fail;
  return n;
fail:
  vars_truncate(p, scope);
  free_node(n);
  return NULL;
}

static int
parse_control_rest(struct parser *p, struct tnode *n, const char *keyword)
{
  enum terminator term;
  if (parse_list(p, &n->list, &term) < 0)
    return -1;
  if (term == TERM_EOF)
    return parse_error(p, n->pos, "unexpected EOF: {{%s}} without {{end}}", keyword);
  if (term == TERM_END)
    return 0;
  /* {{else}} or {{else if ...}} / {{else with ...}}: the tokens after
   * "else" are still in p->toks. */
  struct tok *t = peek(p);
  if (t && (tok_is(t, "if") || tok_is(t, "with")) && strcmp(keyword, "range") != 0)
    {
      size_t pos = t->pos;
      bool is_if = tok_is(t, "if");
      p->at++;
      struct tnode *nested = parse_control(p, is_if ? NODE_IF : NODE_WITH, is_if ? "if" : "with", pos);
      if (nested == NULL)
        return -1;
      n->else_list = xzalloc(sizeof *n->else_list);
      list_add(n->else_list, nested);
      return 0;
    }
  if (expect_end_of_action(p, "else") < 0)
    return -1;
  free_toks(p);
  if (parse_list(p, &n->else_list, &term) < 0)
    return -1;
  if (term == TERM_ELSE)
    return parse_error(p, here(p), "expected end; found {{else}}");
  if (term == TERM_EOF)
    return parse_error(p, n->pos, "unexpected EOF: {{%s}} without {{end}}", keyword);
  return 0;
}

/* One action whose tokens are in p->toks: a node to add, nothing (NULL,
 * 0: a declaration-free keyword was handled), or a terminator. */
static int
parse_action(struct parser *p, struct tnode **out, enum terminator *term)
{
  *out = NULL;
  struct tok *t = peek(p);
  if (t == NULL)
    return parse_error(p, p->action_pos, "missing value for command");
  if (tok_is(t, "end") || tok_is(t, "else"))
    {
      bool is_end = tok_is(t, "end");
      p->at++;
      if (is_end && expect_end_of_action(p, "end") < 0)
        return -1;
      *term = is_end ? TERM_END : TERM_ELSE;
      return 1;
    }
  if (tok_is(t, "if") || tok_is(t, "range") || tok_is(t, "with"))
    {
      const char *kw = t->text;
      enum tnode_kind kind = kw[0] == 'i' ? NODE_IF : kw[0] == 'r' ? NODE_RANGE : NODE_WITH;
      cleanup_free char *keyword = xstrdup(kw);
      p->at++;
      *out = parse_control(p, kind, keyword, t->pos);
      return *out ? 0 : -1;
    }
  if (tok_is(t, "break") || tok_is(t, "continue"))
    {
      bool brk = tok_is(t, "break");
      size_t pos = t->pos;
      if (p->range_depth == 0)
        return parse_error(p, pos, "{{%s}} outside {{range}}", brk ? "break" : "continue");
      p->at++;
      if (expect_end_of_action(p, brk ? "break" : "continue") < 0)
        return -1;
      *out = xzalloc(sizeof **out);
      (*out)->kind = brk ? NODE_BREAK : NODE_CONTINUE;
      (*out)->pos = pos;
      return 0;
    }
  if (tok_is(t, "define") || tok_is(t, "template") || tok_is(t, "block"))
    return parse_error(p, t->pos, "{{%s}} is not supported in --format templates", t->text);
  struct tpipe *pp = parse_pipeline(p, "command", false);
  if (pp == NULL)
    return -1;
  *out = xzalloc(sizeof **out);
  (*out)->kind = NODE_ACTION;
  (*out)->pos = pp->pos;
  (*out)->pipe = pp;
  return 0;
}

static int
parse_list(struct parser *p, struct tlist **out, enum terminator *term)
{
  struct tlist *l = xzalloc(sizeof *l);
  *term = TERM_EOF;
  for (;;)
    {
      const char *open = strstr(p->src + p->pos, "{{");
      struct tnode *text = take_text(p, open);
      if (text)
        list_add(l, text);
      if (open == NULL)
        break;
      p->action_pos = p->pos;
      p->pos += 2;
      if (p->src[p->pos] == '-' && is_space(p->src[p->pos + 1]))
        p->pos += 2;
      int c = take_comment(p);
      if (c < 0)
        goto fail;
      if (c > 0)
        continue;
      free_toks(p);
      if (lex_action(p) < 0)
        goto fail;
      struct tnode *n = NULL;
      int r = parse_action(p, &n, term);
      if (r < 0)
        goto fail;
      if (r > 0)
        {
          /* end / else: the caller looks at what follows "else". */
          if (*term == TERM_END)
            free_toks(p);
          break;
        }
      free_toks(p);
      if (n)
        list_add(l, n);
    }
  *out = l;
  return 0;
fail:
  free_toks(p);
  free_list(l);
  return -1;
}

int
template_parse(const char *text, struct template **out, ctool_error_t *err)
{
  struct template *t = xzalloc(sizeof *t);
  const char *body = text;
  /* "table {{.ID}}" (Podman): the rest is the template of each row. */
  if (strncmp(text, "table", 5) == 0 && (text[5] == '\0' || is_space(text[5])))
    {
      t->table = true;
      body = text + 5;
      while (*body == ' ')
        body++;
    }
  t->source = xstrdup(body);
  t->source_offset = (size_t) (body - text);
  struct parser p = { .src = t->source, .len = strlen(t->source), .err = err };
  strv_push(&p.vars, "$");
  enum terminator term;
  int r = parse_list(&p, &t->root, &term);
  if (r == 0 && term != TERM_EOF)
    r = parse_error(&p, p.action_pos, "unexpected {{%s}}", term == TERM_END ? "end" : "else");
  free_toks(&p);
  strv_free(p.vars);
  if (r < 0)
    {
      template_free(t);
      return -1;
    }
  *out = t;
  return 0;
}

void
template_free(struct template *t)
{
  if (t == NULL)
    return;
  free_list(t->root);
  free(t->source);
  free(t);
}

bool
template_is_table(const struct template *t)
{
  return t->table;
}
