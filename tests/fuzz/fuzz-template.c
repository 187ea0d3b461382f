/* libFuzzer target: the --format template engine (parser, evaluator,
 * printf, tables) must never crash, leak or hang on any template and any
 * JSON data.
 *
 * Input: TEMPLATE, optionally followed by a NUL byte and JSON data (when
 * it does not parse, a fixed container-like object is used). The first
 * byte's low bit chooses list mode (the data wrapped in an array). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "util.h"

static const char fixed_data[] =
  "{ \"Id\": \"4e2a\", \"Name\": \"web\", \"Created\": 1700000000, \"Ratio\": 0.5,"
  "  \"State\": { \"Status\": \"running\", \"Running\": true, \"Pid\": 4242, \"Health\": null },"
  "  \"Config\": { \"Env\": [ \"A=1\", \"B=2\" ], \"Labels\": { \"a\": \"1\", \"b\": \"\" }, \"Cmd\": [] },"
  "  \"Mounts\": [ { \"Source\": \"/s\", \"Destination\": \"/d\" } ], \"N\": 3 }";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size == 0)
    return 0;
  bool list = data[0] & 1;
  size_t tlen = strnlen((const char *) data, size);
  char *format = xstrndup((const char *) data, tlen);
  json_object *obj = NULL;
  if (tlen + 1 < size)
    {
      char *text = xstrndup((const char *) data + tlen + 1, size - tlen - 1);
      obj = json_tokener_parse(text);
      free(text);
    }
  if (obj == NULL)
    obj = json_tokener_parse(fixed_data);
  if (list)
    {
      json_object *arr = json_object_new_array();
      json_object_array_add(arr, obj);
      json_object_array_add(arr, json_object_get(obj));
      obj = arr;
    }
  const char *const headers[] = { "Id=CONTAINER ID", NULL };
  char *out = NULL;
  ctool_error_t err = NULL;
  if (format_render(format, obj, list, headers, &out, &err) < 0)
    {
      /* Every error is one line that starts with what failed. */
      if (err == NULL || err->msg == NULL || strchr(err->msg, '\n') != NULL)
        abort();
      ctool_error_free(&err);
    }
  free(out);
  free(format);
  json_object_put(obj);
  return 0;
}
