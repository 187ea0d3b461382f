/* Go text/template, as Podman and Docker users write --format, over JSON.
 *
 * Supported: text and {{actions}}; {{- and -}} trim markers; comments
 * {{/\* ... *\/}} (Go comments); field chains on dot, variables and parenthesized
 * pipelines ({{.State.Pid}}, {{$v.Name}}, {{(index .X 0).Y}}); literals
 * ("...", `raw`, 'c', numbers, true, false, nil); pipes ({{.X | lower}});
 * variables ({{$x := .Y}}, {{$x = .Z}}, $ for the root); if / else if /
 * else, range ($i, $e :=) / else, with / else, end, break, continue; and
 * the functions json, index, printf, print, println, len, lower, upper,
 * title, join, split, truncate, pad, eq, ne, lt, le, gt, ge, and, or, not.
 * Outside actions, the two characters \t and \n (as typed in a shell)
 * stand for a tab and a newline, as in Podman.
 *
 * The data is a json_object: objects stand for Go structs and maps. A
 * missing key is an error ("can't evaluate field Foo in type ...") when
 * the object looks like a struct (all its keys are exported Go names, as
 * in Podman's JSON), and prints "<no value>" otherwise (a map such as
 * Labels). Values print as Go's %v does: [a b] for arrays, {1 2} for
 * structs, map[k:v] for maps.
 *
 * Most verbs want format_output() (format.h), which adds "json", the
 * "table" prefix and column alignment on top of this. */
#ifndef CTOOL_TEMPLATE_H
#define CTOOL_TEMPLATE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "error.h"

struct template;

/* Parse TEXT. A leading "table" word ("table {{.ID}}\t{{.Names}}") is
 * taken off and remembered (template_is_table). Errors read
 * "template: LINE:COL: ...". */
int template_parse(const char *text, struct template **out, ctool_error_t *err);
void template_free(struct template *t);
bool template_is_table(const struct template *t);

/* Execute on DATA; *out receives the NUL-terminated text (free it). */
int template_execute(const struct template *t, json_object *data, char **out, ctool_error_t *err);

/* The header row of a table: text is kept, and each action prints the
 * title of the first field it names. HEADER(FIELD, DATA) may give the
 * title for a field path ("State.Status", without the leading dot) or
 * return NULL for the default: the last name of the path, CamelCase split
 * into words, upper case (CreatedAt -> CREATED AT, ID -> ID). */
typedef const char *(*template_header_fn)(const char *field, void *data);
char *template_header_row(const struct template *t, template_header_fn header, void *data);

/* The default title of a field path, as above (free it). */
char *template_default_header(const char *field);

#endif
