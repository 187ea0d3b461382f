/* Asking the user on the terminal (login, --creds without a password). */
#ifndef CTOOL_PROMPT_H
#define CTOOL_PROMPT_H

#include <stdbool.h>

#include "error.h"

/* Print PROMPT on stderr and read one line from stdin, which must be a
 * terminal (else an error that names WHAT and says how to pass it
 * instead: HINT). Without ECHO the typed text is not shown (passwords). */
int prompt_line(const char *prompt, bool echo, const char *what, const char *hint, char **out, ctool_error_t *err);
/* All of stdin, minus one trailing newline (--password-stdin). */
int read_stdin_secret(char **out, ctool_error_t *err);

#endif
