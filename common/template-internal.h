/* The template engine's parse tree and values, shared by its parser
 * (template.c), evaluator (template-exec.c) and functions
 * (template-funcs.c). Not for use outside the engine. */
#ifndef CTOOL_TEMPLATE_INTERNAL_H
#define CTOOL_TEMPLATE_INTERNAL_H

#include "template.h"

#include <stdint.h>

/* ---- Parse tree ---- */

enum targ_kind {
  ARG_DOT,      /* .                 */
  ARG_FIELD,    /* .A.B (on dot)     */
  ARG_VAR,      /* $x, $x.A.B, $     */
  ARG_FUNC,     /* printf            */
  ARG_PIPE,     /* ( pipeline ) .A   */
  ARG_STRING,   /* "s" `s` 'c' (a char is an int in Go; kept as its number) */
  ARG_INT,
  ARG_FLOAT,
  ARG_BOOL,
  ARG_NIL,
};

struct tpipe;

struct targ {
  enum targ_kind kind;
  size_t pos;            /* byte offset in the source, for messages */
  char *name;            /* ARG_VAR ("$x", "$"), ARG_FUNC; ARG_STRING value */
  size_t len;            /* ARG_STRING length (may hold NULs) */
  char **fields;         /* ARG_FIELD, ARG_VAR, ARG_PIPE: field chain, NULL-ended */
  struct tpipe *pipe;    /* ARG_PIPE */
  int64_t i;             /* ARG_INT, ARG_BOOL */
  double f;              /* ARG_FLOAT */
};

struct tcmd {
  struct targ **args;
  size_t n;
  size_t pos;
};

struct tpipe {
  char *vars[2];         /* $i, $e in "$i, $e := ..." (or one), NULL when none */
  size_t nvars;
  bool assign;           /* "=" (assign to an existing variable) rather than ":=" */
  struct tcmd **cmds;
  size_t n;
  size_t pos;
};

enum tnode_kind { NODE_TEXT, NODE_ACTION, NODE_IF, NODE_RANGE, NODE_WITH, NODE_BREAK, NODE_CONTINUE };

struct tlist;

struct tnode {
  enum tnode_kind kind;
  size_t pos;
  char *text;            /* NODE_TEXT */
  size_t len;
  struct tpipe *pipe;    /* ACTION, IF, RANGE, WITH */
  struct tlist *list;    /* IF, RANGE, WITH: the body */
  struct tlist *else_list;
};

struct tlist {
  struct tnode **nodes;
  size_t n;
};

struct template {
  char *source;          /* the text (after "table"), for positions */
  size_t source_offset;  /* how much "table" prefix was taken off */
  bool table;
  struct tlist *root;
};

/* "LINE:COL" of byte POS of the template's source (1-based). */
void template_position(const char *source, size_t pos, int *line, int *col);

/* ---- Values ---- */

/* A value is a json_object reference (NULL is JSON null, Go's nil), or
 * "no value": a missing map key. */
struct tval {
  json_object *j;        /* owned reference */
  bool missing;
};

void tval_clear(struct tval *v);
struct tval tval_take(json_object *j);  /* takes ownership of J */
struct tval tval_ref(json_object *j);   /* takes a new reference */
bool tval_truth(const struct tval *v);
/* The Go type name for messages: string, int, float64, bool, array,
 * object, nil, "no value". */
const char *tval_type(const struct tval *v);

/* A growing string. */
struct tbuf {
  char *s;
  size_t len, cap;
};
void tbuf_add(struct tbuf *b, const char *s, size_t n);
void tbuf_adds(struct tbuf *b, const char *s);
void tbuf_addf(struct tbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Go's %v of a value. */
void tval_print(struct tbuf *b, const struct tval *v);
/* Whether an object looks like a Go struct (see template.h). */
bool json_looks_like_struct(json_object *o);

/* ---- Functions ---- */

/* Call function NAME with ARGS; *out is the result. Errors are plain
 * sentences; the evaluator adds the position. */
typedef int (*tfunc_fn)(struct tval *args, size_t n, struct tval *out, ctool_error_t *err);
tfunc_fn template_find_func(const char *name);
/* and/or are evaluated lazily by the evaluator, as in Go. */
bool template_is_lazy_func(const char *name);

/* A float64 as Go prints it without a precision: shortest digits;
 * exponent form when exp < -4 || exp >= EPREC (21 for %v, 0 for %g:
 * the number of digits). */
void template_format_float(struct tbuf *b, double f, int eprec);

/* Go's fmt.Sprintf subset used by printf. */
void template_sprintf(struct tbuf *b, const char *format, size_t flen, struct tval *args, size_t n);

/* Limits that keep hostile templates and data bounded. */
#define TEMPLATE_MAX_DEPTH 100        /* nesting of blocks and parentheses */
#define TEMPLATE_MAX_OUTPUT (64u << 20) /* bytes one execution may produce */
#define TEMPLATE_MAX_WIDTH 4096       /* printf width/precision, pad */
#define TEMPLATE_MAX_STEPS 1000000u   /* nodes and iterations one execution may run */

#endif
