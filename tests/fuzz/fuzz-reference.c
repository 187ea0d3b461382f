/* libFuzzer target: image reference parsing and short-name expansion.
 * Beyond "no crash, no leak": every accepted reference prints in a normal
 * form that parses again to the same form, within the length limits; a
 * refused one gets one printable line quoting it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "reference.h"
#include "regconf.h"
#include "util.h"

static struct regconf conf;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  ctool_log_level = LOG_LVL_ERROR;
  ctool_error_t err = NULL;
  static const char text[] =
    "unqualified-search-registries = ['quay.io', 'docker.io', 'localhost:5000']\n"
    "[aliases]\n"
    "busybox = 'docker.io/library/busybox'\n"
    "'team/app' = 'registry.example.com/team/app'\n";
  if (regconf_parse_text(&conf, text, "fuzz.conf", &err) < 0)
    abort();
  return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *input = xstrndup((const char *) data, size);
  struct image_ref ref;
  bool is_short = false;
  ctool_error_t err = NULL;
  (void) image_id_like(input);
  if (image_ref_parse(input, &ref, &is_short, &err) == 0)
    {
      CHECK(err == NULL);
      CHECK(ref.registry && *ref.registry && ref.repository && *ref.repository);
      CHECK(ref.tag || ref.digest);
      char *name = image_ref_name(&ref);
      CHECK(strlen(name) <= 255);
      char *full = image_ref_string(&ref);
      struct image_ref again;
      bool again_short = true;
      CHECK(image_ref_parse(full, &again, &again_short, &err) == 0);
      CHECK(!again_short);
      char *full2 = image_ref_string(&again);
      CHECK(strcmp(full, full2) == 0);
      free(full2);
      image_ref_clear(&again);
      char **cands = regconf_short_name_candidates(&conf, input);
      CHECK(cands != NULL);
      /* A fully qualified name is its own only candidate. */
      if (!is_short)
        CHECK(strv_len(cands) == 1 && strcmp(cands[0], full) == 0);
      for (size_t i = 0; cands[i]; i++)
        {
          struct image_ref c;
          CHECK(image_ref_parse(cands[i], &c, NULL, &err) == 0);
          image_ref_clear(&c);
        }
      strv_free(cands);
      free(full);
      free(name);
      image_ref_clear(&ref);
    }
  else
    {
      CHECK(err != NULL && str_has_prefix(err->msg, "invalid reference '") && printable_line(err->msg));
      CHECK(strlen(err->msg) < 1024);
      CHECK(ref.registry == NULL && ref.repository == NULL);
      ctool_error_free(&err);
    }
  free(input);
  return 0;
}
