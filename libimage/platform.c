#include "platform.h"
#include "util.h"

#include <stdio.h>
#include <string.h>

void
platform_host(struct platform *p)
{
  memset(p, 0, sizeof *p);
  snprintf(p->os, sizeof p->os, "linux");
  snprintf(p->arch, sizeof p->arch, "%s", CTOOL_GOARCH);
}

int
platform_parse(const char *s, struct platform *p, ctool_error_t *err)
{
  memset(p, 0, sizeof *p);
  const char *a = strchr(s, '/');
  if (a == NULL || a == s || a[1] == '\0')
    return ctool_error_set(err, 0, "invalid platform '%s': use OS/ARCH[/VARIANT], e.g. linux/amd64", s);
  const char *v = strchr(a + 1, '/');
  size_t os_len = (size_t) (a - s);
  size_t arch_len = v ? (size_t) (v - a - 1) : strlen(a + 1);
  if (os_len >= sizeof p->os || arch_len == 0 || arch_len >= sizeof p->arch || (v && (v[1] == '\0' || strchr(v + 1, '/')))
      || (v && strlen(v + 1) >= sizeof p->variant))
    return ctool_error_set(err, 0, "invalid platform '%s': use OS/ARCH[/VARIANT], e.g. linux/amd64", s);
  memcpy(p->os, s, os_len);
  memcpy(p->arch, a + 1, arch_len);
  if (v)
    snprintf(p->variant, sizeof p->variant, "%s", v + 1);
  return 0;
}

bool
platform_matches(const struct platform *want, const char *os, const char *arch, const char *variant)
{
  if (os == NULL || arch == NULL || strcmp(want->os, os) != 0 || strcmp(want->arch, arch) != 0)
    return false;
  if (want->variant[0] == '\0')
    return true;
  return variant != NULL && strcmp(want->variant, variant) == 0;
}
