/* libFuzzer target: layer_clean_path(), which turns a tar entry name or a
 * hardlink target into the relative path extraction uses. Its result is
 * compared with a reference written the slow, obvious way: refused exactly
 * when a ".." component appears; otherwise never absolute, no empty, "."
 * or ".." component, the input's other components in order; cleaning is
 * idempotent. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "layer.h"
#include "util.h"

/* The components of NAME that name something ("" and "." do not), joined
 * with '/'; NULL when one is "..". */
static char *
reference_clean(const char *name)
{
  cleanup_free char *copy = xstrdup(name);
  char *joined = xstrdup("");
  char *save = NULL;
  for (char *c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save))
    {
      if (strcmp(c, "..") == 0)
        {
          free(joined);
          return NULL;
        }
      if (strcmp(c, ".") == 0)
        continue;
      char *next = xasprintf("%s%s%s", joined, *joined ? "/" : "", c);
      free(joined);
      joined = next;
    }
  return joined;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  cleanup_free char *name = xstrndup((const char *) data, size);
  cleanup_free char *want = reference_clean(name);
  errno = 0;
  cleanup_free char *got = layer_clean_path(name);
  if (want == NULL)
    {
      CHECK(got == NULL && errno == EINVAL);
      return 0;
    }
  CHECK(got != NULL && strcmp(got, want) == 0);
  CHECK(got[0] != '/' && strstr(got, "//") == NULL);
  CHECK(*got == '\0' || got[strlen(got) - 1] != '/');
  CHECK(strlen(got) <= strlen(name));
  cleanup_free char *again = layer_clean_path(got);
  CHECK(again != NULL && strcmp(again, got) == 0);
  return 0;
}
