/* A small, strict reader of the TOML subset that registries.conf uses:
 * comments, `key = value` (bare or quoted keys), basic and literal
 * strings, booleans, integers, arrays of those (multi-line, trailing
 * comma), [tables] and [[arrays of tables]]. Anything else (floats, dates,
 * inline tables, multi-line strings, dotted keys) is an error that names
 * the file, the line and what was expected. The reader hands each table
 * header and each key/value to a handler; TOML's own rules (no key twice
 * in a table, no table twice) are checked here. */
#ifndef CTOOL_TOML_H
#define CTOOL_TOML_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum toml_type { TOML_STRING, TOML_BOOL, TOML_INT, TOML_ARRAY };

struct toml_value {
  enum toml_type type;
  const char *str;        /* TOML_STRING */
  bool boolean;           /* TOML_BOOL */
  long long integer;      /* TOML_INT */
  char *const *strings;   /* TOML_ARRAY: NULL-ended, only when all_strings */
  size_t n_items;         /* TOML_ARRAY */
  bool all_strings;       /* TOML_ARRAY: every item is a string (or none) */
};

struct toml_pos {
  const char *name;       /* file name, for messages */
  unsigned line;
};

struct toml_handler {
  /* [a.b] or [[a.b]]: PARTS are the dotted components (quotes removed). */
  int (*table)(void *data, char *const *parts, size_t n_parts, bool is_array, const struct toml_pos *pos,
               ctool_error_t *err);
  /* key = value in the current table. */
  int (*keyval)(void *data, const char *key, const struct toml_value *value, const struct toml_pos *pos,
                ctool_error_t *err);
};

/* Parse TEXT; errors from the handlers get "NAME:LINE: " in front. */
int toml_parse(const char *text, const char *name, const struct toml_handler *handler, void *data,
               ctool_error_t *err);

/* "string", "boolean", "integer", "array": for messages. */
const char *toml_type_name(enum toml_type t);

#endif
