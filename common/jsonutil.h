/* json-c helpers: read and write files safely, typed getters that accept
 * missing keys. */
#ifndef CTOOL_JSONUTIL_H
#define CTOOL_JSONUTIL_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "error.h"

void cleanup_json_putp(json_object **o);
#define cleanup_json __attribute__((cleanup(cleanup_json_putp)))

/* Parse a JSON text; errors quote WHAT (a file name or "manifest"). */
int json_parse_text(const char *text, size_t len, const char *what, json_object **out, ctool_error_t *err);
int json_read_file_at(int dirfd, const char *path, json_object **out, ctool_error_t *err);
int json_write_file_at(int dirfd, const char *path, json_object *obj, mode_t mode, ctool_error_t *err);

/* NULL / default when absent or of another type. */
const char *json_get_str(json_object *o, const char *key);
int64_t json_get_int(json_object *o, const char *key, int64_t dflt);
bool json_get_bool(json_object *o, const char *key, bool dflt);
json_object *json_get_obj(json_object *o, const char *key);
json_object *json_get_array(json_object *o, const char *key);
/* Follow a dotted path of object keys: "config.Labels". */
json_object *json_get_path(json_object *o, const char *dotted);

/* A JSON array of the strings of the NULL-ended V (NULL: an empty array). */
json_object *json_strv_new(char *const *v);
/* The strings of the JSON array ARR as a NULL-ended vector, never NULL
 * (ARR NULL or not an array: empty; a null member: ""). */
char **json_strv_get(json_object *arr);

#endif
