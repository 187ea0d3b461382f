/* libFuzzer target: the image config blob as a pull reads it (the layer
 * diff IDs and the platform). An accepted config has exactly as many diff
 * IDs as it says, each a well-formed sha256 digest (they name layers in the
 * store); a refused one leaves nothing behind with a one-line printable
 * error; parsing is deterministic. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "manifest.h"
#include "store.h"
#include "util.h"

static bool
same_str(const char *a, const char *b)
{
  return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  struct image_config_info c;
  ctool_error_t err = NULL;
  if (image_config_parse((const char *) data, size, &c, &err) == 0)
    {
      CHECK(err == NULL && c.diff_ids != NULL);
      CHECK(strv_len(c.diff_ids) == c.n_diff_ids);
      for (size_t i = 0; i < c.n_diff_ids; i++)
        CHECK(store_digest_valid(c.diff_ids[i]));
      struct image_config_info again;
      CHECK(image_config_parse((const char *) data, size, &again, &err) == 0);
      CHECK(again.n_diff_ids == c.n_diff_ids);
      for (size_t i = 0; i < c.n_diff_ids; i++)
        CHECK(strcmp(again.diff_ids[i], c.diff_ids[i]) == 0);
      CHECK(same_str(again.os, c.os) && same_str(again.arch, c.arch) && same_str(again.variant, c.variant));
      image_config_info_clear(&again);
      image_config_info_clear(&c);
    }
  else
    {
      CHECK(err != NULL && printable_line(err->msg));
      CHECK(c.diff_ids == NULL && c.n_diff_ids == 0 && c.os == NULL && c.arch == NULL && c.variant == NULL);
      ctool_error_free(&err);
    }
  return 0;
}
