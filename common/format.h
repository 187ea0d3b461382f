/* --format for every verb that prints data: "json", a Go template, or a
 * "table" template. The verbs build their data as JSON (the same objects
 * --format json prints) and call one function. */
#ifndef CTOOL_FORMAT_H
#define CTOOL_FORMAT_H

#include <json-c/json.h>
#include <stdbool.h>

#include "error.h"

/* Print DATA on stdout according to FORMAT:
 *   "json"                 DATA as indented JSON;
 *   "{{.Name}} {{.Id}}"    a Go template (template.h) on DATA, or, with
 *                          IS_LIST, on each element of the array DATA; a
 *                          newline follows each unless the format ends
 *                          with one (as in Podman);
 *   "table {{.ID}}\t{{.Names}}"
 *                          a header row, then one row per element, columns
 *                          aligned as Podman's tables.
 * A format without any {{action}} is refused (a typo such as "yaml").
 * Nothing is printed when the template fails (an unknown field, a bad
 * function call): the error says where. A verb that has its own default
 * table handles plain "table" (no template after it) itself. */
int format_output(const char *format, json_object *data, bool is_list, ctool_error_t *err);

/* The same, with column titles for table headers: a NULL-ended list of
 * "Field=TITLE" strings ("ID=CONTAINER ID"); a field without one gets its
 * name in capitals, CamelCase split (CreatedAt -> CREATED AT). */
int format_output_headers(const char *format, json_object *data, bool is_list, const char *const *headers,
                          ctool_error_t *err);

/* The text format_output would print (free it); for tests and callers that
 * write elsewhere. */
int format_render(const char *format, json_object *data, bool is_list, const char *const *headers, char **out,
                  ctool_error_t *err);

#endif
