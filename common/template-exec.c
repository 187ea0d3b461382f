/* Template execution: walk the tree over the JSON data, printing values as
 * Go's fmt %v does. */
#include "template-internal.h"
#include "util.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- Buffers and values ---- */

void
tbuf_add(struct tbuf *b, const char *s, size_t n)
{
  if (b->len + n + 1 > b->cap)
    {
      b->cap = (b->len + n + 1) * 2;
      b->s = xrealloc(b->s, b->cap);
    }
  memcpy(b->s + b->len, s, n);
  b->len += n;
  b->s[b->len] = '\0';
}

void
tbuf_adds(struct tbuf *b, const char *s)
{
  tbuf_add(b, s, strlen(s));
}

void
tbuf_addf(struct tbuf *b, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  cleanup_free char *s = xvasprintf(fmt, ap);
  va_end(ap);
  tbuf_adds(b, s);
}

void
tval_clear(struct tval *v)
{
  json_object_put(v->j);
  v->j = NULL;
  v->missing = false;
}

struct tval
tval_take(json_object *j)
{
  return (struct tval) { .j = j };
}

struct tval
tval_ref(json_object *j)
{
  return (struct tval) { .j = json_object_get(j) };
}

bool
tval_truth(const struct tval *v)
{
  if (v->missing || v->j == NULL)
    return false;
  switch (json_object_get_type(v->j))
    {
    case json_type_boolean:
      return json_object_get_boolean(v->j);
    case json_type_int:
      return json_object_get_int64(v->j) != 0;
    case json_type_double:
      return json_object_get_double(v->j) != 0;
    case json_type_string:
      return json_object_get_string_len(v->j) > 0;
    case json_type_array:
      return json_object_array_length(v->j) > 0;
    case json_type_object:
      return json_object_object_length(v->j) > 0;
    default:
      return false;
    }
}

const char *
tval_type(const struct tval *v)
{
  if (v->missing)
    return "no value";
  switch (json_object_get_type(v->j))
    {
    case json_type_boolean:
      return "bool";
    case json_type_int:
      return "int";
    case json_type_double:
      return "float64";
    case json_type_string:
      return "string";
    case json_type_array:
      return "array";
    case json_type_object:
      return json_looks_like_struct(v->j) ? "struct" : "map";
    default:
      return "nil";
    }
}

/* Exported Go field names start with an upper-case letter. */
bool
json_looks_like_struct(json_object *o)
{
  if (json_object_object_length(o) == 0)
    return false;
  json_object_object_foreach(o, key, val)
  {
    (void) val;
    if (!isupper((unsigned char) key[0]))
      return false;
    for (const char *s = key; *s; s++)
      if (!isalnum((unsigned char) *s) && *s != '_')
        return false;
  }
  return true;
}

static int
compare_keys(const void *a, const void *b)
{
  return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static void print_json(struct tbuf *b, json_object *j);

static void
print_object(struct tbuf *b, json_object *o)
{
  if (json_looks_like_struct(o))
    {
      /* A struct prints its values in field order: {1 true x}. */
      tbuf_adds(b, "{");
      bool first = true;
      json_object_object_foreach(o, key, val)
      {
        (void) key;
        if (!first)
          tbuf_adds(b, " ");
        first = false;
        print_json(b, val);
      }
      tbuf_adds(b, "}");
      return;
    }
  /* A map prints its keys sorted: map[a:1 b:2]. */
  size_t n = (size_t) json_object_object_length(o), i = 0;
  const char **keys = xmalloc((n + 1) * sizeof *keys);
  json_object_object_foreach(o, key, val)
  {
    (void) val;
    keys[i++] = key;
  }
  qsort(keys, n, sizeof *keys, compare_keys);
  tbuf_adds(b, "map[");
  for (i = 0; i < n; i++)
    {
      if (i)
        tbuf_adds(b, " ");
      tbuf_adds(b, keys[i]);
      tbuf_adds(b, ":");
      print_json(b, json_object_object_get(o, keys[i]));
    }
  tbuf_adds(b, "]");
  free(keys);
}

static void
print_json(struct tbuf *b, json_object *j)
{
  switch (json_object_get_type(j))
    {
    case json_type_null:
      tbuf_adds(b, "<nil>");
      break;
    case json_type_boolean:
      tbuf_adds(b, json_object_get_boolean(j) ? "true" : "false");
      break;
    case json_type_int:
      tbuf_addf(b, "%lld", (long long) json_object_get_int64(j));
      break;
    case json_type_double:
      template_format_float(b, json_object_get_double(j), 21);
      break;
    case json_type_string:
      tbuf_add(b, json_object_get_string(j), (size_t) json_object_get_string_len(j));
      break;
    case json_type_array:
      tbuf_adds(b, "[");
      for (size_t i = 0; i < json_object_array_length(j); i++)
        {
          if (i)
            tbuf_adds(b, " ");
          print_json(b, json_object_array_get_idx(j, i));
        }
      tbuf_adds(b, "]");
      break;
    case json_type_object:
      print_object(b, j);
      break;
    }
}

void
tval_print(struct tbuf *b, const struct tval *v)
{
  /* Go prints a nil or missing value of an action as "<no value>". */
  if (v->missing || v->j == NULL)
    tbuf_adds(b, "<no value>");
  else
    print_json(b, v->j);
}

/* ---- Execution ---- */

struct var {
  char *name;
  struct tval v;
};

struct exec {
  const struct template *t;
  struct tbuf out;
  struct tval root;
  struct var *vars;
  size_t nvars;
  int depth;
  unsigned long steps;
  ctool_error_t *err;
};

enum { FLOW_NEXT = 0, FLOW_BREAK = 1, FLOW_CONTINUE = 2 };

static int __attribute__((format(printf, 4, 5)))
exec_error(struct exec *ex, size_t pos, const char *at, const char *fmt, ...)
{
  int line, col;
  template_position(ex->t->source, pos, &line, &col);
  va_list ap;
  va_start(ap, fmt);
  cleanup_free char *msg = xvasprintf(fmt, ap);
  va_end(ap);
  if (at)
    return ctool_error_set(ex->err, 0, "template: %d:%d: executing at <%s>: %s", line, col, at, msg);
  return ctool_error_set(ex->err, 0, "template: %d:%d: %s", line, col, msg);
}

static void
push_var(struct exec *ex, const char *name, struct tval v)
{
  ex->vars = xrealloc(ex->vars, (ex->nvars + 1) * sizeof *ex->vars);
  ex->vars[ex->nvars++] = (struct var) { .name = xstrdup(name), .v = v };
}

static void
pop_vars(struct exec *ex, size_t mark)
{
  while (ex->nvars > mark)
    {
      ex->nvars--;
      free(ex->vars[ex->nvars].name);
      tval_clear(&ex->vars[ex->nvars].v);
    }
}

static struct var *
find_var(struct exec *ex, const char *name)
{
  for (size_t i = ex->nvars; i > 0; i--)
    if (strcmp(ex->vars[i - 1].name, name) == 0)
      return &ex->vars[i - 1];
  return NULL;
}

/* "<.State.Foo>" for messages: PREFIX and the fields up to and including
 * index UPTO. */
static char *
chain_text(const char *prefix, char **fields, size_t upto)
{
  struct tbuf b = { 0 };
  tbuf_adds(&b, prefix);
  for (size_t i = 0; i <= upto && fields[i]; i++)
    tbuf_addf(&b, ".%s", fields[i]);
  return b.s;
}

/* The keys of an object, for "it has: ..." hints. */
static char *
field_list(json_object *o)
{
  struct tbuf b = { 0 };
  size_t n = 0;
  tbuf_adds(&b, "");
  json_object_object_foreach(o, key, val)
  {
    (void) val;
    if (n == 12)
      {
        tbuf_adds(&b, ", ...");
        break;
      }
    tbuf_addf(&b, "%s%s", n ? ", " : "", key);
    n++;
  }
  return b.s;
}

/* Follow FIELDS from V (consumed); PREFIX names the start for messages
 * ("" for dot, "$x"). */
static int
walk_fields(struct exec *ex, struct tval *v, char **fields, const char *prefix, size_t pos)
{
  for (size_t i = 0; fields && fields[i]; i++)
    {
      const char *f = fields[i];
      if (v->missing || v->j == NULL)
        {
          /* Through a nil or missing value: nothing to print. */
          tval_clear(v);
          v->missing = true;
          continue;
        }
      if (json_object_get_type(v->j) != json_type_object)
        {
          cleanup_free char *at = chain_text(prefix, fields, i);
          int r = exec_error(ex, pos, at, "can't evaluate field %s in type %s", f, tval_type(v));
          tval_clear(v);
          return r;
        }
      json_object *next = NULL;
      if (json_object_object_get_ex(v->j, f, &next))
        {
          json_object_get(next);
          tval_clear(v);
          *v = tval_take(next);
          continue;
        }
      if (json_looks_like_struct(v->j))
        {
          cleanup_free char *at = chain_text(prefix, fields, i);
          cleanup_free char *type = i > 0 ? xstrdup(fields[i - 1]) : xstrdup(*prefix ? prefix : "struct");
          cleanup_free char *has = field_list(v->j);
          int r = exec_error(ex, pos, at, "can't evaluate field %s in type %s (it has: %s)", f, type, has);
          tval_clear(v);
          return r;
        }
      tval_clear(v);
      v->missing = true;
    }
  return 0;
}

static int eval_pipe(struct exec *ex, const struct tpipe *pp, const struct tval *dot, struct tval *out);
static int call_func(struct exec *ex, const struct tcmd *c, const struct tval *dot, struct tval *final,
                     size_t first_arg, struct tval *out);

static int
eval_arg(struct exec *ex, const struct targ *a, const struct tval *dot, struct tval *out)
{
  *out = (struct tval) { 0 };
  switch (a->kind)
    {
    case ARG_DOT:
      *out = tval_ref(dot->j);
      out->missing = dot->missing;
      return 0;
    case ARG_FIELD:
      *out = tval_ref(dot->j);
      out->missing = dot->missing;
      return walk_fields(ex, out, a->fields, "", a->pos);
    case ARG_VAR:
      {
        struct var *var = strcmp(a->name, "$") == 0 ? NULL : find_var(ex, a->name);
        const struct tval *src = var ? &var->v : &ex->root;
        if (var == NULL && strcmp(a->name, "$") != 0)
          return exec_error(ex, a->pos, a->name, "undefined variable %s", a->name);
        *out = tval_ref(src->j);
        out->missing = src->missing;
        return walk_fields(ex, out, a->fields, a->name, a->pos);
      }
    case ARG_PIPE:
      if (eval_pipe(ex, a->pipe, dot, out) < 0)
        return -1;
      return walk_fields(ex, out, a->fields, "(...)", a->pos);
    case ARG_STRING:
      *out = tval_take(json_object_new_string_len(a->name, (int) a->len));
      return 0;
    case ARG_INT:
      *out = tval_take(json_object_new_int64(a->i));
      return 0;
    case ARG_FLOAT:
      *out = tval_take(json_object_new_double(a->f));
      return 0;
    case ARG_BOOL:
      *out = tval_take(json_object_new_boolean((json_bool) a->i));
      return 0;
    case ARG_NIL:
      return 0;
    case ARG_FUNC:
      {
        /* A function named as an argument is called without arguments. */
        struct tcmd c = { .args = (struct targ **) &a, .n = 1, .pos = a->pos };
        return call_func(ex, &c, dot, NULL, 1, out);
      }
    }
  return 0;
}

/* and / or: evaluate arguments one at a time, as Go does. */
static int
call_lazy(struct exec *ex, const struct tcmd *c, const struct tval *dot, struct tval *final, struct tval *out)
{
  bool is_and = strcmp(c->args[0]->name, "and") == 0;
  size_t n = c->n - 1 + (final != NULL);
  if (n < 1)
    return exec_error(ex, c->pos, c->args[0]->name, "wrong number of args for %s: want at least 1 got 0",
                      c->args[0]->name);
  *out = (struct tval) { 0 };
  for (size_t i = 0; i < n; i++)
    {
      tval_clear(out);
      if (i < c->n - 1)
        {
          if (eval_arg(ex, c->args[i + 1], dot, out) < 0)
            return -1;
        }
      else
        {
          *out = *final;
          *final = (struct tval) { 0 };
        }
      if (tval_truth(out) != is_and)
        break;
    }
  return 0;
}

static int
call_func(struct exec *ex, const struct tcmd *c, const struct tval *dot, struct tval *final, size_t first_arg,
          struct tval *out)
{
  const char *name = c->args[0]->name;
  if (template_is_lazy_func(name))
    return call_lazy(ex, c, dot, final, out);
  size_t n = (c->n - first_arg) + (final != NULL);
  struct tval *args = xzalloc((n + 1) * sizeof *args);
  int r = 0;
  size_t got = 0;
  for (size_t i = first_arg; i < c->n && r == 0; i++)
    r = eval_arg(ex, c->args[i], dot, &args[got++]);
  if (r == 0 && final)
    {
      args[got++] = *final;
      *final = (struct tval) { 0 };
    }
  if (r == 0)
    {
      ctool_error_t ferr = NULL;
      *out = (struct tval) { 0 };
      if (template_find_func(name)(args, n, out, &ferr) < 0)
        {
          r = exec_error(ex, c->pos, name, "error calling %s: %s", name, ferr->msg);
          ctool_error_free(&ferr);
        }
    }
  for (size_t i = 0; i < got; i++)
    tval_clear(&args[i]);
  free(args);
  return r;
}

static int
eval_cmd(struct exec *ex, const struct tcmd *c, const struct tval *dot, struct tval *final, struct tval *out)
{
  const struct targ *first = c->args[0];
  if (first->kind == ARG_FUNC)
    return call_func(ex, c, dot, final, 1, out);
  if (final)
    {
      /* "{{.X | .Y}}": Go's message. */
      const char *what = first->kind == ARG_FIELD ? first->fields[0] : first->kind == ARG_VAR ? first->name : "operand";
      return exec_error(ex, first->pos, NULL, "can't give argument to non-function %s%s",
                        first->kind == ARG_FIELD ? "." : "", what);
    }
  return eval_arg(ex, first, dot, out);
}

static int
eval_pipe(struct exec *ex, const struct tpipe *pp, const struct tval *dot, struct tval *out)
{
  struct tval value = { 0 };
  bool have = false;
  for (size_t i = 0; i < pp->n; i++)
    {
      struct tval next = { 0 };
      int r = eval_cmd(ex, pp->cmds[i], dot, have ? &value : NULL, &next);
      tval_clear(&value);
      if (r < 0)
        {
          tval_clear(&next);
          return -1;
        }
      value = next;
      have = true;
    }
  *out = value;
  return 0;
}

/* A pipeline with declarations ("$x := ...", "$x = ...") outside range. */
static int
declare(struct exec *ex, const struct tpipe *pp, struct tval *value)
{
  const char *name = pp->vars[0];
  if (pp->assign)
    {
      struct var *v = find_var(ex, name);
      if (v == NULL)
        return exec_error(ex, pp->pos, name, "undefined variable %s", name);
      tval_clear(&v->v);
      v->v = *value;
    }
  else
    push_var(ex, name, *value);
  *value = (struct tval) { 0 };
  return 0;
}

static int exec_list(struct exec *ex, const struct tlist *l, const struct tval *dot);

static int
check_output(struct exec *ex, size_t pos)
{
  if (ex->out.len > TEMPLATE_MAX_OUTPUT)
    return exec_error(ex, pos, NULL, "output exceeds %u MB", TEMPLATE_MAX_OUTPUT >> 20);
  return 0;
}

/* One iteration of range: set the variables, run the body. */
static int
range_step(struct exec *ex, const struct tnode *n, struct tval key, struct tval elem)
{
  size_t mark = ex->nvars;
  const struct tpipe *pp = n->pipe;
  if (++ex->steps > TEMPLATE_MAX_STEPS)
    {
      tval_clear(&key);
      return exec_error(ex, n->pos, NULL, "template takes too many steps (more than %u)", TEMPLATE_MAX_STEPS);
    }
  if (pp->nvars == 2)
    {
      push_var(ex, pp->vars[0], key);
      push_var(ex, pp->vars[1], tval_ref(elem.j));
    }
  else
    {
      tval_clear(&key);
      if (pp->nvars == 1)
        push_var(ex, pp->vars[0], tval_ref(elem.j));
    }
  int r = exec_list(ex, n->list, &elem);
  pop_vars(ex, mark);
  return r;
}

static int
exec_range(struct exec *ex, const struct tnode *n, const struct tval *dot)
{
  struct tval v = { 0 };
  if (eval_pipe(ex, n->pipe, dot, &v) < 0)
    return -1;
  int r = 0;
  size_t count = 0;
  enum json_type type = v.missing ? json_type_null : json_object_get_type(v.j);
  if (type == json_type_array)
    {
      count = json_object_array_length(v.j);
      for (size_t i = 0; i < count && r >= 0; i++)
        {
          struct tval elem = tval_ref(json_object_array_get_idx(v.j, i));
          r = range_step(ex, n, tval_take(json_object_new_int64((int64_t) i)), elem);
          tval_clear(&elem);
          if (r == FLOW_BREAK)
            break;
        }
    }
  else if (type == json_type_object)
    {
      /* Go ranges over a map in key order. */
      count = (size_t) json_object_object_length(v.j);
      const char **keys = xmalloc((count + 1) * sizeof *keys);
      size_t k = 0;
      json_object_object_foreach(v.j, key, val)
      {
        (void) val;
        keys[k++] = key;
      }
      qsort(keys, count, sizeof *keys, compare_keys);
      for (size_t i = 0; i < count && r >= 0; i++)
        {
          struct tval elem = tval_ref(json_object_object_get(v.j, keys[i]));
          r = range_step(ex, n, tval_take(json_object_new_string(keys[i])), elem);
          tval_clear(&elem);
          if (r == FLOW_BREAK)
            break;
        }
      free(keys);
    }
  else if (type == json_type_int)
    {
      int64_t limit = json_object_get_int64(v.j);
      count = limit > 0 ? (size_t) limit : 0;
      for (int64_t i = 0; i < limit && r >= 0; i++)
        {
          struct tval elem = tval_take(json_object_new_int64(i));
          r = range_step(ex, n, tval_take(json_object_new_int64(i)), elem);
          tval_clear(&elem);
          if (r == FLOW_BREAK)
            break;
        }
    }
  else if (type != json_type_null)
    r = exec_error(ex, n->pos, NULL, "range can't iterate over %s", tval_type(&v));
  tval_clear(&v);
  if (r < 0)
    return -1;
  if (count == 0 && n->else_list)
    return exec_list(ex, n->else_list, dot);
  return FLOW_NEXT;
}

static int
exec_node(struct exec *ex, const struct tnode *n, const struct tval *dot)
{
  if (++ex->steps > TEMPLATE_MAX_STEPS)
    return exec_error(ex, n->pos, NULL, "template takes too many steps (more than %u)", TEMPLATE_MAX_STEPS);
  switch (n->kind)
    {
    case NODE_TEXT:
      tbuf_add(&ex->out, n->text, n->len);
      return check_output(ex, n->pos);
    case NODE_ACTION:
      {
        struct tval v = { 0 };
        if (eval_pipe(ex, n->pipe, dot, &v) < 0)
          return -1;
        if (n->pipe->nvars > 0)
          return declare(ex, n->pipe, &v);
        tval_print(&ex->out, &v);
        tval_clear(&v);
        return check_output(ex, n->pos);
      }
    case NODE_IF:
    case NODE_WITH:
      {
        struct tval v = { 0 };
        size_t mark = ex->nvars;
        if (eval_pipe(ex, n->pipe, dot, &v) < 0)
          return -1;
        bool truth = tval_truth(&v);
        if (n->pipe->nvars > 0 && declare(ex, n->pipe, &v) < 0)
          return -1;
        if (n->pipe->nvars > 0)
          v = tval_ref(ex->vars[ex->nvars - 1].v.j);
        int r;
        if (truth)
          r = exec_list(ex, n->list, n->kind == NODE_WITH ? &v : dot);
        else
          r = n->else_list ? exec_list(ex, n->else_list, dot) : FLOW_NEXT;
        tval_clear(&v);
        pop_vars(ex, mark);
        return r;
      }
    case NODE_RANGE:
      return exec_range(ex, n, dot);
    case NODE_BREAK:
      return FLOW_BREAK;
    case NODE_CONTINUE:
      return FLOW_CONTINUE;
    }
  return FLOW_NEXT;
}

static int
exec_list(struct exec *ex, const struct tlist *l, const struct tval *dot)
{
  if (++ex->depth > TEMPLATE_MAX_DEPTH * 2)
    {
      ex->depth--;
      return exec_error(ex, 0, NULL, "template nested too deeply");
    }
  size_t mark = ex->nvars;
  int r = FLOW_NEXT;
  for (size_t i = 0; i < l->n && r == FLOW_NEXT; i++)
    r = exec_node(ex, l->nodes[i], dot);
  pop_vars(ex, mark);
  ex->depth--;
  return r;
}

int
template_execute(const struct template *t, json_object *data, char **out, ctool_error_t *err)
{
  struct exec ex = { .t = t, .root = tval_ref(data), .err = err };
  tbuf_add(&ex.out, "", 0);
  int r = exec_list(&ex, t->root, &ex.root);
  pop_vars(&ex, 0);
  free(ex.vars);
  tval_clear(&ex.root);
  if (r < 0)
    {
      free(ex.out.s);
      return -1;
    }
  *out = ex.out.s;
  return 0;
}

/* ---- Table headers ---- */

char *
template_default_header(const char *field)
{
  const char *last = strrchr(field, '.');
  last = last ? last + 1 : field;
  struct tbuf b = { 0 };
  tbuf_add(&b, "", 0);
  for (size_t i = 0; last[i]; i++)
    {
      char c = last[i];
      /* A word starts at an upper-case letter after a lower-case one
       * (CreatedAt), or before a lower-case one in a run (IDName). */
      bool boundary = i > 0 && isupper((unsigned char) c)
                      && (islower((unsigned char) last[i - 1])
                          || (isupper((unsigned char) last[i - 1]) && islower((unsigned char) last[i + 1])));
      if (boundary)
        tbuf_adds(&b, " ");
      char u = (char) toupper((unsigned char) c);
      tbuf_add(&b, &u, 1);
    }
  return b.s;
}

/* The first field path an argument names, "" for dot, NULL for none. */
static char *
first_field_of_pipe(const struct tpipe *pp);

static char *
first_field_of_arg(const struct targ *a)
{
  switch (a->kind)
    {
    case ARG_FIELD:
    case ARG_VAR:
      if (a->fields == NULL || a->fields[0] == NULL)
        return NULL;
      {
        struct tbuf b = { 0 };
        for (size_t i = 0; a->fields[i]; i++)
          tbuf_addf(&b, "%s%s", i ? "." : "", a->fields[i]);
        return b.s;
      }
    case ARG_PIPE:
      return first_field_of_pipe(a->pipe);
    default:
      return NULL;
    }
}

static char *
first_field_of_pipe(const struct tpipe *pp)
{
  for (size_t i = 0; i < pp->n; i++)
    for (size_t j = 0; j < pp->cmds[i]->n; j++)
      {
        char *f = first_field_of_arg(pp->cmds[i]->args[j]);
        if (f)
          return f;
      }
  return NULL;
}

static void
header_list(struct tbuf *b, const struct tlist *l, template_header_fn header, void *data)
{
  for (size_t i = 0; l && i < l->n; i++)
    {
      const struct tnode *n = l->nodes[i];
      if (n->kind == NODE_TEXT)
        tbuf_add(b, n->text, n->len);
      else if (n->kind == NODE_ACTION && n->pipe->nvars == 0)
        {
          cleanup_free char *field = first_field_of_pipe(n->pipe);
          if (field == NULL)
            continue;
          const char *given = header ? header(field, data) : NULL;
          if (given)
            tbuf_adds(b, given);
          else
            {
              cleanup_free char *title = template_default_header(field);
              tbuf_adds(b, title);
            }
        }
      else if (n->kind == NODE_IF || n->kind == NODE_WITH || n->kind == NODE_RANGE)
        header_list(b, n->list, header, data);
    }
}

char *
template_header_row(const struct template *t, template_header_fn header, void *data)
{
  struct tbuf b = { 0 };
  tbuf_add(&b, "", 0);
  header_list(&b, t->root, header, data);
  return b.s;
}
