/* Finding ctool's helper executables (see libexec.h). */
#include "libexec.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef PKGLIBEXECDIR
#define PKGLIBEXECDIR "/usr/local/libexec/ctool"
#endif

/* NAME in the directory of /proc/self/exe, or NULL. */
static char *
next_to_self(const char *name)
{
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0)
    return NULL;
  self[n] = '\0';
  char *slash = strrchr(self, '/');
  if (slash == NULL)
    return NULL;
  *slash = '\0';
  char *p = xasprintf("%s/%s", self, name);
  if (access(p, X_OK) == 0)
    return p;
  free(p);
  return NULL;
}

int
libexec_find(const char *name, char **path, ctool_error_t *err)
{
  char *p = next_to_self(name);
  if (p == NULL)
    {
      p = xasprintf("%s/%s", PKGLIBEXECDIR, name);
      if (access(p, X_OK) < 0)
        {
          int e = errno;
          free(p);
          return ctool_error_set(err, e, "cannot find the helper %s next to ctool or in " PKGLIBEXECDIR
                                         ": reinstall ctool", name);
        }
    }
  *path = p;
  return 0;
}
