#include "error.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum ctool_log_level ctool_log_level = LOG_LVL_WARN;

int
ctool_error_setv(ctool_error_t *err, int errnum, const char *fmt, va_list ap)
{
  if (err == NULL || *err != NULL)
    return -1;
  char *text = xvasprintf(fmt, ap);
  struct ctool_error *e = xzalloc(sizeof *e);
  e->errnum = errnum;
  e->exit_code = EXIT_CTOOL_ERROR;
  if (errnum != 0)
    {
      e->msg = xasprintf("%s: %s", text, strerror(errnum));
      free(text);
    }
  else
    e->msg = text;
  *err = e;
  return -1;
}

int
ctool_error_set(ctool_error_t *err, int errnum, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  ctool_error_setv(err, errnum, fmt, ap);
  va_end(ap);
  return -1;
}

int
ctool_error_set_exit(ctool_error_t *err, int exit_code, int errnum, const char *fmt, ...)
{
  va_list ap;
  bool fresh = err != NULL && *err == NULL;
  va_start(ap, fmt);
  ctool_error_setv(err, errnum, fmt, ap);
  va_end(ap);
  if (fresh)
    (*err)->exit_code = exit_code;
  return -1;
}

int
ctool_error_set_reported(ctool_error_t *err, int exit_code, const char *fmt, ...)
{
  va_list ap;
  bool fresh = err != NULL && *err == NULL;
  va_start(ap, fmt);
  ctool_error_setv(err, 0, fmt, ap);
  va_end(ap);
  if (fresh)
    {
      (*err)->exit_code = exit_code;
      (*err)->reported = 1;
    }
  return -1;
}

int
ctool_error_prefix(ctool_error_t *err, const char *fmt, ...)
{
  if (err == NULL || *err == NULL)
    return -1;
  va_list ap;
  va_start(ap, fmt);
  char *prefix = xvasprintf(fmt, ap);
  va_end(ap);
  char *msg = xasprintf("%s: %s", prefix, (*err)->msg);
  free(prefix);
  free((*err)->msg);
  (*err)->msg = msg;
  return -1;
}

void
ctool_error_free(ctool_error_t *err)
{
  if (err == NULL || *err == NULL)
    return;
  free((*err)->msg);
  free(*err);
  *err = NULL;
}

int
ctool_error_report(ctool_error_t *err)
{
  if (err == NULL || *err == NULL)
    return EXIT_CTOOL_ERROR;
  if (!(*err)->reported)
    fprintf(stderr, "ctool: %s\n", (*err)->msg);
  int code = (*err)->exit_code;
  ctool_error_free(err);
  return code;
}

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

int
ctool_log_level_parse(const char *name)
{
  for (size_t i = 0; i < ARRAY_SIZE(level_names); i++)
    if (strcasecmp(name, level_names[i]) == 0)
      return (int) i;
  if (strcasecmp(name, "warning") == 0)
    return LOG_LVL_WARN;
  return -1;
}

const char *
ctool_log_level_name(enum ctool_log_level lvl)
{
  return (size_t) lvl < ARRAY_SIZE(level_names) ? level_names[lvl] : "trace";
}

void
ctool_log(enum ctool_log_level lvl, const char *fmt, ...)
{
  if (lvl > ctool_log_level)
    return;
  int saved = errno;
  va_list ap;
  va_start(ap, fmt);
  char *text = xvasprintf(fmt, ap);
  va_end(ap);
  if (lvl == LOG_LVL_WARN)
    fprintf(stderr, "ctool: warning: %s\n", text);
  else
    fprintf(stderr, "ctool: %s: %s\n", level_names[lvl], text);
  free(text);
  errno = saved;
}
