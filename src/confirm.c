/* The confirmation question of destructive verbs. */
#include "confirm.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>

int
confirm_continue(const char *warning, ctool_error_t *err)
{
  fprintf(stderr, "%s\nAre you sure you want to continue? [y/N] ", warning);
  fflush(stderr);
  cleanup_free char *line = NULL;
  size_t cap = 0;
  if (getline(&line, &cap, stdin) < 0)
    {
      fputc('\n', stderr);
      return ctool_error_set(err, 0, "no answer on stdin: pass --force (-f) to go ahead without the question");
    }
  return line[0] == 'y' || line[0] == 'Y';
}
