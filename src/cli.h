/* The command table and the one option parser that every verb shares.
 *
 * A verb is a `struct cli_command` defined in its cmd-*.c file; main.c lists
 * them all in one table. Dispatch, `--help`, `ctool __complete`, the man-page
 * check and the completions all read that table, so a verb or option exists
 * exactly once. */
#ifndef CTOOL_CLI_H
#define CTOOL_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

enum cli_opt_type {
  OPT_BOOL,    /* --rm, --rm=true, --rm=false; short flags bundle: -it */
  OPT_STRING,  /* --name foo, --name=foo, -nfoo; the last one given wins */
  OPT_LIST,    /* repeatable: -e A -e B */
};

/* What completion offers for an option's value or for positionals. Fixed
 * word lists are written "a|b|c". */
#define COMPLETE_NONE "none"
#define COMPLETE_FILES "files"
#define COMPLETE_DIRS "dirs"
#define COMPLETE_IMAGES "images"
#define COMPLETE_CONTAINERS "containers"
#define COMPLETE_RUNNING "running"
#define COMPLETE_SIGNALS "signals"
#define COMPLETE_VOLUMES "volumes"

struct cli_option {
  const char *name;        /* long name, without "--" */
  char short_name;         /* 0 when there is none */
  enum cli_opt_type type;
  const char *arg_name;    /* shown in --help: "NAME"; NULL for OPT_BOOL */
  const char *help;        /* one line, no trailing period */
  const char *complete;    /* value completion (see COMPLETE_*), NULL = none */
};

struct cli_args;
struct cli_ctx;

enum {
  CLI_STOP_AT_POSITIONAL = 1 << 0, /* options end at the first positional (run, exec) */
  CLI_HIDDEN = 1 << 1,             /* not listed in help or completion (__complete) */
  CLI_IMAGE_HELPER = 1 << 2,       /* runs in ctool-image, no .handler here (image-helper.h) */
};

struct cli_command {
  const char *name;
  const char *summary;     /* one line for `ctool --help` */
  const char *usage;       /* what follows "ctool VERB ": "[options] IMAGE" */
  int (*handler)(struct cli_ctx *ctx, struct cli_args *args, ctool_error_t *err);
  const struct cli_option *options;   /* ends with { NULL } */
  unsigned flags;
  int min_args;            /* positional count bounds; max -1 = unlimited */
  int max_args;
  const char *args_complete;          /* completion of positionals (COMPLETE_*, "commands"); one
                                       * kind per position, comma-separated: "containers,none";
                                       * the last repeats (after the list, CLI_STOP_AT_POSITIONAL
                                       * commands complete files) */
  const struct cli_command *const *subcommands; /* a family: "image ls"; NULL-ended */
  const char *alias_of;    /* "image ls" for "images": shares the man page */
};

/* Global state every handler gets: the options given before the verb and
 * the locations derived from them. */
struct cli_ctx {
  const char *argv0;
  char **argv;         /* the whole command line, for re-running it in ctool-image */
  char *root;          /* --root: persistent storage */
  char *runroot;       /* --runroot: runtime state */
  char *config_path;   /* --config: explicit config file */
  char *cgroup_manager;/* --cgroup-manager */
  struct ctool_config *config; /* ctool.conf with the global options applied (ctool-conf.h) */
  const struct cli_command *const *commands; /* the top-level table */
};

/* Parse argv (after the verb) against cmd->options. */
int cli_parse(const struct cli_command *cmd, const char *path, int argc, char **argv,
              struct cli_args **out, ctool_error_t *err);
void cli_args_free(struct cli_args *a);

/* Accessors by long name; asking for a name the command does not declare
 * is a programming error and aborts. */
bool cli_flag(const struct cli_args *a, const char *name);
bool cli_given(const struct cli_args *a, const char *name);
const char *cli_str(const struct cli_args *a, const char *name);
char *const *cli_list(const struct cli_args *a, const char *name);
size_t cli_nargs(const struct cli_args *a);
const char *cli_arg(const struct cli_args *a, size_t i);
char *const *cli_argv(const struct cli_args *a); /* NULL-ended positionals */
/* The full command path for messages: "image ls". */
const char *cli_path(const struct cli_args *a);

/* Help text for one command (options table rendered) to stdout. */
void cli_print_help(const struct cli_command *cmd, const char *path);
/* Find a verb (or alias) in a NULL-ended table. */
const struct cli_command *cli_find(const struct cli_command *const *table, const char *name);

/* Parse a boolean word as Podman accepts it: true/false/1/0. */
int cli_parse_bool(const char *s, bool *out);

#endif
