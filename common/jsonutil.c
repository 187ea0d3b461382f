#include "jsonutil.h"
#include "fsutil.h"
#include "util.h"

#include <string.h>

void
cleanup_json_putp(json_object **o)
{
  if (*o)
    json_object_put(*o);
}

int
json_parse_text(const char *text, size_t len, const char *what, json_object **out, ctool_error_t *err)
{
  json_tokener *tok = json_tokener_new_ex(64);
  if (tok == NULL)
    return ctool_error_set(err, 0, "out of memory parsing %s", what);
  json_object *o = json_tokener_parse_ex(tok, text, (int) len);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t used = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  if (o == NULL || jerr != json_tokener_success)
    {
      if (o)
        json_object_put(o);
      return ctool_error_set(err, 0, "invalid JSON in %s: %s", what,
                             jerr == json_tokener_continue ? "unexpected end of input"
                                                           : json_tokener_error_desc(jerr));
    }
  /* Only JSON's white space may follow; strchr() alone would take the
   * string's terminator, and so a NUL byte, for white space too. */
  for (; used < len; used++)
    if (text[used] == '\0' || !strchr(" \t\r\n", text[used]))
      {
        json_object_put(o);
        return ctool_error_set(err, 0, "invalid JSON in %s: trailing data", what);
      }
  *out = o;
  return 0;
}

int
json_read_file_at(int dirfd, const char *path, json_object **out, ctool_error_t *err)
{
  cleanup_free char *text = NULL;
  size_t len;
  if (read_file_at(dirfd, path, &text, &len, 0, err) < 0)
    return -1;
  return json_parse_text(text, len, path, out, err);
}

int
json_write_file_at(int dirfd, const char *path, json_object *obj, mode_t mode, ctool_error_t *err)
{
  size_t len;
  const char *text = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &len);
  return write_file_atomic_at(dirfd, path, text, len, mode, false, err);
}

const char *
json_get_str(json_object *o, const char *key)
{
  json_object *v;
  if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string))
    return json_object_get_string(v);
  return NULL;
}

int64_t
json_get_int(json_object *o, const char *key, int64_t dflt)
{
  json_object *v;
  if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int))
    return json_object_get_int64(v);
  return dflt;
}

bool
json_get_bool(json_object *o, const char *key, bool dflt)
{
  json_object *v;
  if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_boolean))
    return json_object_get_boolean(v);
  return dflt;
}

json_object *
json_get_obj(json_object *o, const char *key)
{
  json_object *v;
  if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_object))
    return v;
  return NULL;
}

json_object *
json_get_array(json_object *o, const char *key)
{
  json_object *v;
  if (o && json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_array))
    return v;
  return NULL;
}

json_object *
json_get_path(json_object *o, const char *dotted)
{
  cleanup_free char *copy = xstrdup(dotted);
  char *save = NULL;
  for (char *k = strtok_r(copy, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
    {
      json_object *v;
      if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, k, &v))
        return NULL;
      o = v;
    }
  return o;
}

json_object *
json_strv_new(char *const *v)
{
  json_object *a = json_object_new_array();
  for (size_t i = 0; v && v[i]; i++)
    json_object_array_add(a, json_object_new_string(v[i]));
  return a;
}

char **
json_strv_get(json_object *arr)
{
  char **v = xzalloc(sizeof *v);
  size_t n = arr && json_object_is_type(arr, json_type_array) ? json_object_array_length(arr) : 0;
  for (size_t i = 0; i < n; i++)
    {
      const char *s = json_object_get_string(json_object_array_get_idx(arr, i));
      strv_push(&v, s ? s : "");
    }
  return v;
}
