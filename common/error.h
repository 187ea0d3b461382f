/* Errors travel up as values: a function that can fail returns a negative
 * number and fills a `struct ctool_error **`; callers may add context with
 * ctool_error_prefix(); only main() prints, once, as one line. */
#ifndef CTOOL_ERROR_H
#define CTOOL_ERROR_H

#include <stdarg.h>

/* Exit codes, as Podman. */
enum {
  EXIT_CTOOL_ERROR = 125,     /* ctool's own failure */
  EXIT_CANNOT_INVOKE = 126,   /* the command exists but cannot be run */
  EXIT_NOT_FOUND = 127,       /* the command was not found */
};

struct ctool_error {
  int errnum;     /* errno behind the failure, 0 when none */
  int exit_code;  /* what ctool exits with; EXIT_CTOOL_ERROR by default */
  char *msg;      /* the whole sentence, without "ctool: " and newline */
  int reported;   /* already printed by a helper process: not again */
};

typedef struct ctool_error *ctool_error_t;

/* Build an error; with errnum != 0, ": strerror(errnum)" is appended.
 * Always returns -1 so callers can `return ctool_error_set(...)`. An
 * existing error in *err is kept (the first failure is the cause). ERR
 * may be NULL where the caller has no use for the reason. */
int ctool_error_set(ctool_error_t *err, int errnum, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
int ctool_error_setv(ctool_error_t *err, int errnum, const char *fmt, va_list ap);
/* The same with an explicit exit code (126, 127, or a container's). */
int ctool_error_set_exit(ctool_error_t *err, int exit_code, int errnum, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
/* A failure a child process (a ctool helper) has already printed: exit
 * with EXIT_CODE, print nothing. MSG is kept for logs. */
int ctool_error_set_reported(ctool_error_t *err, int exit_code, const char *fmt, ...)
  __attribute__((format(printf, 3, 4)));
/* Put context in front: "pull busybox: " + old message. Returns -1. */
int ctool_error_prefix(ctool_error_t *err, const char *fmt, ...)
  __attribute__((format(printf, 2, 3)));
void ctool_error_free(ctool_error_t *err);
/* Print "ctool: MSG" on stderr; returns the exit code and frees. */
int ctool_error_report(ctool_error_t *err);

/* Log levels for --log-level; messages go to stderr. */
enum ctool_log_level { LOG_LVL_ERROR, LOG_LVL_WARN, LOG_LVL_INFO, LOG_LVL_DEBUG, LOG_LVL_TRACE };
extern enum ctool_log_level ctool_log_level;
int ctool_log_level_parse(const char *name);
/* The name --log-level takes for LVL: "warn". */
const char *ctool_log_level_name(enum ctool_log_level lvl);
void ctool_log(enum ctool_log_level lvl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_warn(...) ctool_log(LOG_LVL_WARN, __VA_ARGS__)
#define log_info(...) ctool_log(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) ctool_log(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
