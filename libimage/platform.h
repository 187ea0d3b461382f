/* OCI platforms: "linux/amd64", "linux/arm/v7". */
#ifndef CTOOL_PLATFORM_H
#define CTOOL_PLATFORM_H

#include <stdbool.h>

#include "error.h"

struct platform {
  char os[32];
  char arch[32];
  char variant[32];
};

/* This machine's platform (linux/<arch>). */
void platform_host(struct platform *p);
/* Parse "os/arch[/variant]"; a bad string gets a message quoting it. */
int platform_parse(const char *s, struct platform *p, ctool_error_t *err);
/* Whether an index entry's os/arch/variant (variant may be NULL) fits. */
bool platform_matches(const struct platform *want, const char *os, const char *arch, const char *variant);

#endif
