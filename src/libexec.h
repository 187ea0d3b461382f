/* ctool's helper executables (ctool-monitor, ctool-image): found next to
 * the running binary first (the build tree), else in PKGLIBEXECDIR where
 * `make install` puts them. */
#ifndef CTOOL_LIBEXEC_H
#define CTOOL_LIBEXEC_H

#include "error.h"

/* *path: a malloc'ed path of the executable NAME. Missing: an error that
 * says where it was looked for. */
int libexec_find(const char *name, char **path, ctool_error_t *err);

#endif
