/* libFuzzer target: the registries.conf reader (TOML subset and the
 * meaning of its keys), then the questions a pull asks of the result. A
 * refused file changes nothing and its error is one printable line. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-check.h"
#include "regconf.h"
#include "util.h"

static const char *const refs[] = {
  "docker.io/library/busybox:latest",
  "quay.io/ns/app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  "a.example.com:5000/x/y:1",
  "localhost/app:latest",
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  ctool_log_level = LOG_LVL_ERROR;
  return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *text = xstrndup((const char *) data, size);
  struct regconf conf = { 0 };
  ctool_error_t err = NULL;
  if (regconf_parse_text(&conf, text, "fuzz.conf", &err) == 0)
    {
      CHECK(err == NULL);
      /* Parsing the same text again merges into the same result. */
      CHECK(regconf_parse_text(&conf, text, "fuzz.conf", &err) == 0);
      for (size_t i = 0; i < conf.n_registries; i++)
        CHECK(conf.registries[i].prefix && *conf.registries[i].prefix);
      for (size_t i = 0; i < conf.n_aliases; i++)
        CHECK(*conf.alias_values[i]);
      for (size_t i = 0; i < ARRAY_SIZE(refs); i++)
        {
          (void) regconf_find(&conf, refs[i]);
          struct regconf_source *src;
          size_t n;
          if (regconf_pull_sources(&conf, refs[i], &src, &n, &err) == 0)
            {
              CHECK(n >= 1);
              regconf_sources_free(src, n);
            }
          else
            ctool_error_free(&err);
        }
      char **cands = regconf_short_name_candidates(&conf, "busybox:1");
      strv_free(cands);
      cands = regconf_short_name_candidates(&conf, "team/app");
      strv_free(cands);
    }
  else
    {
      CHECK(err != NULL && str_has_prefix(err->msg, "fuzz.conf") && printable_line(err->msg));
      CHECK(conf.n_registries == 0 && conf.search == NULL && conf.n_aliases == 0);
      ctool_error_free(&err);
    }
  regconf_clear(&conf);
  free(text);
  return 0;
}
