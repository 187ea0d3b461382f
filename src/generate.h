/* Pieces of `ctool generate systemd` (cmd-generate.c) that tests reach. */
#ifndef CTOOL_GENERATE_H
#define CTOOL_GENERATE_H

/* ARG as one word of a systemd Exec*= line: % and $ doubled (no
 * specifier or variable expansion), double-quoted with \" and \\ when it
 * holds blanks, quotes or backslashes, is empty or is a lone ";".
 * Malloc'd. */
char *systemd_exec_word(const char *arg);

#endif
