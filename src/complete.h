/* Shell completion computed from the command table.
 *
 * `ctool __complete -- WORD...` prints the candidates for the last WORD
 * (the one under the cursor, possibly empty) given the words before it,
 * one per line. A line is either
 *
 *   CANDIDATE                 a word to offer
 *   CANDIDATE<TAB>DESCRIPTION a word with a description (zsh, fish show it)
 *   :files  / :dirs           "let the shell complete file / directory names"
 *
 * The bash, zsh and fish scripts in completions/ only translate this. */
#ifndef CTOOL_COMPLETE_H
#define CTOOL_COMPLETE_H

#include <stdbool.h>
#include <stddef.h>

#include "cli.h"

#define COMPLETE_MARK_FILES ":files"
#define COMPLETE_MARK_DIRS ":dirs"

/* Where dynamic candidates come from. complete_words() sets root and
 * runroot when the words give --root/--runroot before the verb (NULL
 * otherwise: use the defaults), and cur. Each callback appends names to *out with
 * strv_push; a NULL callback offers nothing. */
struct complete_sources {
  void *data;
  const char *root;
  const char *runroot;
  const char *cur;   /* the text being completed (after any "--opt="): offer
                      * IDs only when the user started typing one */
  void (*images)(const struct complete_sources *src, char ***out);
  void (*containers)(const struct complete_sources *src, bool running_only, char ***out);
  void (*volumes)(const struct complete_sources *src, char ***out);
};

/* The candidates for words[n-1] after words[0..n-2] (the words typed after
 * the program name), starting at the global options and the top-level
 * TABLE. n == 0 means one empty word. Returns a NULL-ended vector (free
 * with strv_free). */
char **complete_words(const struct cli_option *global_options, const struct cli_command *const *table,
                      char *const *words, size_t n, struct complete_sources *src);

/* The sources ctool uses: images of the store, containers. DATA is the
 * struct cli_ctx of the command (default root and runroot). */
void complete_sources_init(struct complete_sources *src, struct cli_ctx *ctx);

/* Signal names offered for --signal and `kill -s`: "KILL", "TERM", ... */
extern const char *const complete_signal_names[];

#endif
